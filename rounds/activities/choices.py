from django.db import models


class ActivityKind(models.TextChoices):
    NOTE = "note", "Note"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    STAGE_CHANGE = "stage_change", "Stage change"
    SYSTEM = "system", "System"


class Direction(models.TextChoices):
    NONE = "", "—"
    INBOUND = "in", "Inbound"
    OUTBOUND = "out", "Outbound"


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", "Connected"
    LEFT_VOICEMAIL = "voicemail", "Left voicemail"
    NO_ANSWER = "no_answer", "No answer"
    CALL_BACK = "call_back", "Asked to call back"
    NOT_INTERESTED = "not_interested", "Not interested"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    SCHEDULED = "scheduled", "Meeting scheduled"
