from django.db import models


class ShiftStatus(models.TextChoices):
    OPEN = "open", "Open"  # posted, not yet sent to the network
    OFFERED = "offered", "Offered"  # broadcast; waiting for the first valid acceptance
    BOOKED = "booked", "Booked"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_SHIFT_STATUSES = (ShiftStatus.OPEN, ShiftStatus.OFFERED)


class RateUnit(models.TextChoices):
    HOUR = "hour", "per hour"
    DAY = "day", "per day"
    SHIFT = "shift", "per shift"


class OfferStatus(models.TextChoices):
    QUEUED = "queued", "Queued"  # a message is on its way (or held for their hours)
    SENT = "sent", "Sent"
    LATER_TIER = "later_tier", "Waiting for the next tier"
    ACCEPTED = "accepted", "Booked"
    WAITLISTED = "waitlisted", "Waitlisted"  # said yes after it was filled
    DECLINED = "declined", "Declined"
    REFUSED = "refused", "Could not accept"  # e.g. booked elsewhere at that time
    WITHDRAWN = "withdrawn", "Withdrawn"  # filled or cancelled before they answered
    UNREACHABLE = "unreachable", "No channel allowed"


class BookingStatus(models.TextChoices):
    ACTIVE = "active", "Booked"
    CANCELLED = "cancelled", "Cancelled"


class CancelledBy(models.TextChoices):
    CLINIC = "clinic", "The clinic"
    MEMBER = "member", "The locum"
