"""The locum network: members and their lists, shifts, the offers a broadcast makes, and
bookings. A shift is booked at most once (a unique active booking per shift) and a member never
twice at the same time (bookings are written under a lock on the member; see actions)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from rounds.candidates.choices import Profession
from rounds.lib import jurisdictions
from rounds.lib.tenancy import OrgOwned, OrgQuerySet

from .choices import BookingStatus, CancelledBy, OfferStatus, RateUnit, ShiftStatus


class NetworkList(OrgOwned):
    """A named group of network members, e.g. "AB family physicians", "ER nocturnists"."""

    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="network_list_name")
        ]

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(OrgQuerySet):
    def active(self):
        return self.filter(left_on__isnull=True)


class NetworkMember(OrgOwned):
    """A candidate in the organization's locum network: when they joined, who vouched for them,
    their lists, and how many offers a week they want (fatigue is the first complaint of
    locums)."""

    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="network_memberships"
    )
    joined_on = models.DateField(default=timezone.localdate)
    vouched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    vouch_note = models.CharField(max_length=300, blank=True, help_text="Who knows their work.")
    is_favourite = models.BooleanField(
        default=False, help_text="Favourites hear about shifts first when a broadcast is tiered."
    )
    lists = models.ManyToManyField(NetworkList, blank=True, related_name="members")
    muted_lists = models.ManyToManyField(NetworkList, blank=True, related_name="muted_by")
    weekly_offer_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most shift offers a week; empty for no cap."
    )
    left_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["-is_favourite", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "candidate"], name="member_once")
        ]

    def __str__(self) -> str:
        return str(self.candidate)


class Shift(OrgOwned):
    """A locum shift (or a block of days) at a site: what it needs, what it pays, and where it
    is in its life: open → offered → booked → completed, or cancelled."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="shifts")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    profession = models.CharField(max_length=40, choices=Profession)
    specialty = models.CharField(max_length=120, blank=True)
    specialty_code = models.CharField(max_length=10, blank=True)
    licence_jurisdiction = models.CharField(
        max_length=8, choices=jurisdictions.CHOICES, blank=True,
        help_text="A current licence here is required.",
    )
    required_credentials = models.JSONField(
        default=list, blank=True, help_text='Certifications that must be current, e.g. ["ACLS"].'
    )
    rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rate_unit = models.CharField(max_length=8, choices=RateUnit, default=RateUnit.DAY)
    currency = models.CharField(max_length=3, default="CAD")
    terms = models.TextField(blank=True, help_text="Call, travel, lodging, overhead.")
    notes = models.TextField(blank=True)
    lists = models.ManyToManyField(
        NetworkList, blank=True, related_name="shifts",
        help_text="Broadcast to these lists; none means the whole network.",
    )
    tiered = models.BooleanField(
        default=False, help_text="Favourites first, everyone else later if still open."
    )
    tier_delay_minutes = models.PositiveSmallIntegerField(default=30)
    status = models.CharField(max_length=12, choices=ShiftStatus, default=ShiftStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    broadcast_at = models.DateTimeField(null=True, blank=True)
    second_tier_at = models.DateTimeField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["organization", "site", "starts_at"], name="shift_site")]

    def __str__(self) -> str:
        return f"{self.get_profession_display()} at {self.site} from {self.starts_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A shift must end after it starts."})

    @property
    def rate_display(self) -> str:
        """"$1,900 CAD per day" (rounds.lib.money), or "" when no rate is stated."""
        from rounds.lib.money import money

        if self.rate is None:
            return ""
        return money(self.rate, self.currency, self.get_rate_unit_display())

    @property
    def is_open(self) -> bool:
        return self.status in (ShiftStatus.OPEN, ShiftStatus.OFFERED)


class ShiftOffer(OrgOwned):
    """A shift offered to one member by a broadcast: the channel, the message, the rank, and
    what came of it (accepted, waitlisted in order, withdrawn when filled, …)."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="offers")
    member = models.ForeignKey(NetworkMember, on_delete=models.CASCADE, related_name="offers")
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="shift_offers"
    )
    tier = models.PositiveSmallIntegerField(default=1)
    rank = models.PositiveIntegerField(default=0)
    score = models.FloatField(default=0)
    channel = models.CharField(max_length=10, blank=True)
    why_channel = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=12, choices=OfferStatus, default=OfferStatus.QUEUED)
    status_reason = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey(
        "outreach.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["shift", "tier", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "member"], name="offer_once_per_member")
        ]
        indexes = [models.Index(fields=["candidate", "-created_at"], name="offer_candidate")]

    def __str__(self) -> str:
        return f"{self.shift} → {self.candidate}"


class BookingQuerySet(OrgQuerySet):
    def active(self):
        return self.filter(status=BookingStatus.ACTIVE)

    def overlapping(self, starts_at, ends_at):
        return self.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class Booking(OrgOwned):
    """A member booked on a shift. At most one active booking per shift (a database
    constraint); a member's active bookings never overlap (written under a lock on the member).
    Times are copied from the shift so clashes are one indexed query."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="bookings")
    member = models.ForeignKey(NetworkMember, on_delete=models.CASCADE, related_name="bookings")
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="shift_bookings"
    )
    offer = models.ForeignKey(
        ShiftOffer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=BookingStatus, default=BookingStatus.ACTIVE)
    via = models.CharField(max_length=20, blank=True, help_text="link, sms, web …")
    booked_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    ical_uid = models.CharField(max_length=120, unique=True)
    ical_sequence = models.PositiveIntegerField(default=0)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=models.Q(status="active"), name="booking_one_per_shift"
            )
        ]
        indexes = [
            models.Index(fields=["member", "status", "starts_at"], name="booking_member_time"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} on {self.shift}"

    def save(self, *args, **kwargs):
        if not self.ical_uid:
            self.ical_uid = f"booking-{uuid.uuid4()}@rounds"
        super().save(*args, **kwargs)

