"""The messaging core: every message in or out, the threads they belong to, the addresses that
must not be written to again, and the provider webhooks' log.

Every message in or out is a `Message` row. Outbound rows are the outbox: written in the same
transaction as their cause with an idempotency key and a purpose (`purposes`), claimed by
workers, and judged by the send policy (`policy`) at the moment they go. The tables keep the
names they had when they lived in the outreach app (`db_table`)."""

from __future__ import annotations

import secrets
import uuid
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import CandidateRowQuerySet, OrgOwned

from .choices import (
    Direction,
    MessageChannel,
    MessageKind,
    MessageStatus,
    SuppressionReason,
    Topic,
    WebhookOutcome,
    WebhookSource,
)

# The widest sending window: 08:00-21:00 in the candidate's time zone (TCPA and state rules).
# An organization may narrow it, never widen it.
LEGAL_WINDOW_START = time(8, 0)
LEGAL_WINDOW_END = time(21, 0)


class OutreachSettings(models.Model):
    """An organization's outreach rules: sending window, respond-now target, sender identity,
    rate limits and meeting hours. One row per organization, created on first use."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="outreach_settings"
    )
    sender_name = models.CharField(
        max_length=120, blank=True, help_text="Who messages come from; the organization's name "
        "when empty."
    )
    sender_email = models.EmailField(
        blank=True, help_text="From address; the site default when empty."
    )
    contact_phone = models.CharField(
        max_length=40, blank=True, help_text="A contact that stays valid, shown in every message."
    )
    window_start = models.TimeField(
        default=LEGAL_WINDOW_START, help_text="No messages before this time, candidate's local."
    )
    window_end = models.TimeField(
        default=LEGAL_WINDOW_END, help_text="No messages after this time, candidate's local."
    )
    respond_target_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="Respond-now target for replies and applications."
    )
    alert_before_minutes = models.PositiveSmallIntegerField(
        default=10, help_text="Alert the owner this long before a respond-now item slips."
    )
    backup_responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text="Alerted with the owner when a reply is about to go cold.",
    )
    sms_from_number = models.CharField(
        max_length=20, blank=True, help_text="This organization's texting number (E.164); the "
        "site default when empty.",
    )
    email_per_minute = models.PositiveIntegerField(
        default=0, help_text="Most emails a minute; 0 leaves it to the provider."
    )
    sms_per_second = models.PositiveSmallIntegerField(
        default=1, help_text="Most texts a second (a long code sends about 1, toll-free 3)."
    )
    meeting_day_start = models.TimeField(default=time(9, 0))
    meeting_day_end = models.TimeField(default=time(17, 0))
    meeting_weekdays = models.JSONField(
        default=list, blank=True, help_text="Days offered for meetings, 0 = Monday; empty means "
        "Monday to Friday.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "outreach_outreachsettings"

    def __str__(self) -> str:
        return f"Outreach settings of {self.organization}"

    def clean(self) -> None:
        errors = {}
        if self.window_start < LEGAL_WINDOW_START:
            errors["window_start"] = "Narrow the window, never widen it: 08:00 at the earliest."
        if self.window_end > LEGAL_WINDOW_END:
            errors["window_end"] = "Narrow the window, never widen it: 21:00 at the latest."
        if self.window_start >= self.window_end:
            errors.setdefault("window_end", "The window must end after it starts.")
        if self.meeting_day_start >= self.meeting_day_end:
            errors["meeting_day_end"] = "Meeting hours must end after they start."
        if not 1 <= self.respond_target_minutes <= 24 * 60:
            errors["respond_target_minutes"] = "Between 1 minute and 24 hours."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def for_org(cls, organization_id: int) -> OutreachSettings:
        obj, _ = cls.objects.get_or_create(organization_id=organization_id)
        return obj

    @property
    def weekdays(self) -> list[int]:
        return list(self.meeting_weekdays) or [0, 1, 2, 3, 4]


def new_reply_token() -> str:
    # Lower-case hex: the local part of a reply address must survive case-folding mail systems.
    return secrets.token_hex(10)


class ThreadQuerySet(CandidateRowQuerySet):
    pass


class Thread(OrgOwned):
    """A conversation with one candidate, about one application where there is one. Replies
    find it by its reply address (`reply+<token>@…`), by Message-ID, or by the sender."""

    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="threads"
    )
    application = models.ForeignKey(
        "pipeline.Application", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="threads",
    )
    reply_token = models.CharField(max_length=32, unique=True, default=new_reply_token)
    subject = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        db_table = "outreach_thread"
        ordering = ["-last_message_at", "-id"]
        indexes = [models.Index(fields=["candidate", "application"], name="thread_lookup")]

    def __str__(self) -> str:
        return self.subject or f"Thread with {self.candidate}"


class MessageQuerySet(CandidateRowQuerySet):
    def outbound(self):
        return self.filter(direction=Direction.OUTBOUND)

    def unmatched(self):
        return self.filter(status=MessageStatus.UNMATCHED)


class Message(OrgOwned):
    """One message in or out. Outbound rows are the outbox: `idempotency_key` is unique per
    organization, so whatever caused a message can run twice and queue it once; workers claim
    rows by a conditional update (`claim_token`, `lease_until`) and the policy decides at send
    time. Inbound rows from an unknown sender have no candidate and wait in the unmatched inbox."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, null=True, blank=True,
        related_name="messages",
    )
    application = models.ForeignKey(
        "pipeline.Application", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="messages",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text="A colleague it was written to (an alert, a reset link).",
    )
    purpose = models.CharField(
        max_length=40, blank=True,
        help_text="Why it was written: a purpose registered in rounds.messaging.purposes "
        "(e.g. locums.offer); empty for inbound messages.",
    )
    ref_id = models.BigIntegerField(
        null=True, blank=True,
        help_text="The record the purpose is about: a campaign, an enrolment, a shift offer, "
        "a meeting…",
    )
    ref_step = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Where there are several: the sequence step."
    )

    channel = models.CharField(max_length=10, choices=MessageChannel)
    direction = models.CharField(max_length=3, choices=Direction, default=Direction.OUTBOUND)
    kind = models.CharField(max_length=24, choices=MessageKind, default=MessageKind.COMMERCIAL)
    topic = models.CharField(max_length=20, choices=Topic, default=Topic.JOBS)
    status = models.CharField(max_length=12, choices=MessageStatus, default=MessageStatus.QUEUED)
    status_reason = models.CharField(
        max_length=300, blank=True, help_text="Why it is held, dropped, failed or unknown."
    )
    idempotency_key = models.CharField(max_length=200, blank=True)

    to_address = models.CharField(max_length=254, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, help_text="What the recruiter wrote, before the footer.")
    sent_body = models.TextField(blank=True, help_text="Exactly what went out, footer included.")
    raw = models.TextField(blank=True, help_text="Inbound: the raw message or payload.")

    send_after = models.DateTimeField(default=timezone.now, help_text="Not claimed before this.")
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    handed_at = models.DateTimeField(
        null=True, blank=True, help_text="When this claim handed it to the mail server or "
        "provider (committed just before): a worker that dies after this may have sent it.",
    )
    esp_id = models.CharField(
        max_length=255, blank=True, db_index=True,
        help_text="The email provider's own id for it (from its API answer), which its "
        "delivery webhooks name.",
    )
    provider_id = models.CharField(
        max_length=255, blank=True, help_text="Email Message-ID or the SMS provider's id."
    )
    error = models.TextField(blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    activity = models.OneToOneField(
        "activities.Activity", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="message",
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        db_table = "outreach_message"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="message_idempotency",
            )
        ]
        indexes = [
            # Workers claim by (status, send_after); only open rows are in this index.
            models.Index(
                fields=["status", "send_after"],
                condition=models.Q(status__in=["queued", "held", "sending"]),
                name="outbox_due",
            ),
            models.Index(fields=["organization", "channel", "sent_at"], name="outbox_rate"),
            models.Index(fields=["candidate", "-created_at"], name="message_candidate"),
            models.Index(fields=["provider_id"], name="message_provider_id"),
            models.Index(fields=["organization", "status", "-created_at"], name="message_inbox"),
            models.Index(fields=["purpose", "ref_id"], name="message_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_channel_display()} {self.to_address}"

    @property
    def is_open(self) -> bool:
        return self.status in (MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.SENDING)


def hashed_address(address: str) -> str:
    """How an erased person's address stays on the suppression list: "sha256:" and the hex
    digest of the normalized address. The send policy checks both forms."""
    import hashlib

    return "sha256:" + hashlib.sha256(address.encode()).hexdigest()


class Suppression(OrgOwned):
    """An address that must not be written to again: a hard bounce, a complaint, an
    unsubscribe or STOP. Checked by the send policy before consent."""

    channel = models.CharField(max_length=10, choices=MessageChannel)
    # An erased person's address is kept as hashed_address(address).
    address = models.CharField(max_length=254, help_text="Normalized email or E.164 phone.")
    reason = models.CharField(max_length=20, choices=SuppressionReason)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "outreach_suppression"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "address"], name="suppression_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.get_reason_display()})"


class WebhookEvent(models.Model):
    """Every call to a provider webhook, accepted or refused, with its payload: refused calls
    are logged, duplicate event ids are ignored, and nothing inbound is ever lost. Not owned by
    one organization until it is routed, so only site administrators read it."""

    source = models.CharField(max_length=20, choices=WebhookSource)
    event_id = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=12, choices=WebhookOutcome)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    payload = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "outreach_webhookevent"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_id"],
                condition=models.Q(outcome="accepted") & ~models.Q(event_id=""),
                name="webhook_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.event_id} {self.outcome}"
