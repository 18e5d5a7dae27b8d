from django.db import models


class MessageChannel(models.TextChoices):
    """Channels a message travels on. Calls are logged as activities and planned as call tasks;
    the send policy still judges them (calling hours, consent)."""

    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    CALL = "call", "Phone call"


class Direction(models.TextChoices):
    OUTBOUND = "out", "Outbound"
    INBOUND = "in", "Inbound"


class MessageKind(models.TextChoices):
    """What the law sees, set by the message's purpose (`purposes`). Commercial messages need
    consent, quiet hours, identification and an unsubscribe; transactional ones answer the
    candidate's own action (a booking they made); a requested one is what the person asked
    for (the link that confirms their consent, the answer to their text), which may go past an
    unsubscribe or a STOP but never past a bounce or a complaint; an opt-out confirmation is
    the one text allowed after STOP; a message to a colleague (an alert, a sign-in link) is
    not the candidates' business."""

    COMMERCIAL = "commercial", "Commercial"
    TRANSACTIONAL = "transactional", "Transactional"
    REQUESTED = "requested", "Asked for by the person"
    OPT_OUT_CONFIRMATION = "opt_out_confirmation", "Opt-out confirmation"
    STAFF = "staff", "To a colleague"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # waiting for a worker; `send_after` says from when
    HELD = "held", "Held"  # not allowed now (quiet hours, frequency); sent when allowed
    SENDING = "sending", "Sending"  # claimed by a worker
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNKNOWN = "unknown", "May have been sent"  # provider failed mid-send: reconcile, never resend
    FAILED = "failed", "Failed"
    DROPPED = "dropped", "Not sent"  # the policy refused it; `status_reason` says why
    CANCELLED = "cancelled", "Cancelled"
    RECEIVED = "received", "Received"  # inbound, matched to a candidate
    UNMATCHED = "unmatched", "Unmatched"  # inbound from an unknown sender


OPEN_STATUSES = (MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.SENDING)


class Topic(models.TextChoices):
    """What a message is about; candidates can mute topics in the preference centre."""

    JOBS = "jobs", "Job opportunities"
    LOCUMS = "locums", "Locum shifts"
    NEWS = "news", "News and events"


class SuppressionReason(models.TextChoices):
    HARD_BOUNCE = "hard_bounce", "Hard bounce"
    COMPLAINT = "complaint", "Spam complaint"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"
    STOP = "stop", "Replied STOP"
    CARRIER_OPT_OUT = "carrier_opt_out", "Opted out at the carrier"
    MANUAL = "manual", "Added by a recruiter"


class WebhookSource(models.TextChoices):
    SMS_INBOUND = "sms_inbound", "Inbound text"
    SMS_STATUS = "sms_status", "Text status callback"
    EMAIL_INBOUND = "email_inbound", "Inbound email"
    EMAIL_STATUS = "email_status", "Email delivery event"


class WebhookOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DUPLICATE = "duplicate", "Duplicate, ignored"
    REFUSED = "refused", "Refused: bad signature"
    INVALID = "invalid", "Refused: malformed"
