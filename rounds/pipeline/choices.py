from django.db import models


class StageKind(models.TextChoices):
    ACTIVE = "active", "In progress"
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DispositionReason(models.TextChoices):
    NOT_QUALIFIED = "not_qualified", "Does not meet a must-have"
    LICENSURE = "licensure", "Licensure not obtainable in time"
    COMPENSATION = "compensation", "Compensation"
    LOCATION = "location", "Location / relocation"
    TIMING = "timing", "Timing / start date"
    OTHER_OFFER = "other_offer", "Accepted another offer"
    NO_RESPONSE = "no_response", "No response"
    FAMILY = "family", "Family / personal"
    POSITION_FILLED = "position_filled", "Position filled"
    CULTURE_FIT = "fit", "Practice fit"
    OTHER = "other", "Other"
