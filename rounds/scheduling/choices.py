from django.db import models


class MeetingKind(models.TextChoices):
    CALL = "call", "Phone call"
    VIDEO = "video", "Video call"
    INTERVIEW = "interview", "Interview"
    SITE_VISIT = "site_visit", "Site visit"


class MeetingStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for the candidate"
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"
