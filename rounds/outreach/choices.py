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
    """What the law sees. Commercial messages need consent, quiet hours, identification and an
    unsubscribe; transactional ones answer the candidate's own action (a booking they made); an
    opt-out confirmation is the one text allowed after STOP."""

    COMMERCIAL = "commercial", "Commercial"
    TRANSACTIONAL = "transactional", "Transactional"
    OPT_OUT_CONFIRMATION = "opt_out_confirmation", "Opt-out confirmation"


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


class FollowUpKind(models.TextChoices):
    REPLY = "reply", "Reply"
    APPLICATION = "application", "New application"
    CALL_TASK = "call_task", "Call task"
    REVIEW = "review", "Needs a person"  # e.g. an ambiguous opt-out


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Answered"
    DISMISSED = "dismissed", "Dismissed"


class MeetingKind(models.TextChoices):
    CALL = "call", "Phone call"
    VIDEO = "video", "Video call"
    INTERVIEW = "interview", "Interview"
    SITE_VISIT = "site_visit", "Site visit"


class MeetingStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for the candidate"
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"


class WebhookSource(models.TextChoices):
    SMS_INBOUND = "sms_inbound", "Inbound text"
    SMS_STATUS = "sms_status", "Text status callback"
    EMAIL_INBOUND = "email_inbound", "Inbound email"


class WebhookOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DUPLICATE = "duplicate", "Duplicate, ignored"
    REFUSED = "refused", "Refused: bad signature"
    INVALID = "invalid", "Refused: malformed"


class ChannelPreference(models.TextChoices):
    """What a candidate says in conversation about being reached, recorded in one click."""

    PREFERS_SMS = "prefers_sms", "Prefers text"
    PREFERS_EMAIL = "prefers_email", "Prefers email"
    PREFERS_CALL = "prefers_call", "Prefers a call"
    NO_CALL = "no_call", "Don't call"
    NO_SMS = "no_sms", "Don't text"
    NO_EMAIL = "no_email", "Don't email"
