from django.db import models


class SequenceAction(models.TextChoices):
    EMAIL = "email", "Send an email"
    SMS = "sms", "Send a text"
    CALL_TASK = "call_task", "Call task"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


class StopReason(models.TextChoices):
    REPLIED = "replied", "Candidate replied"
    OPTED_OUT = "opted_out", "Candidate opted out"
    MANUAL = "manual", "Stopped by a recruiter"
    NO_CHANNEL = "no_channel", "No channel allowed"


class ChannelPreference(models.TextChoices):
    """What a candidate says in conversation about being reached, recorded in one click."""

    PREFERS_SMS = "prefers_sms", "Prefers text"
    PREFERS_EMAIL = "prefers_email", "Prefers email"
    PREFERS_CALL = "prefers_call", "Prefers a call"
    NO_CALL = "no_call", "Don't call"
    NO_SMS = "no_sms", "Don't text"
    NO_EMAIL = "no_email", "Don't email"
