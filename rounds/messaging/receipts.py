"""What providers report after a message left: delivery receipts.

- Texts: the SMS provider's status callbacks (`views/hooks_status.py`) move a text forward
  (`do_apply_sms_status`): sent → delivered or failed; a carrier opt-out records the opt-out.
- Email: django-anymail's tracking webhooks (mounted under /hooks/esp/<esp>/tracking/, see
  `views/hooks_esp.py`) send its `tracking` signal, normalised across providers; `on_tracking`
  logs each event once (WebhookEvent, source "email_status", a repeated event is a duplicate)
  and applies it to our message, found by the uuid we sent as metadata or the provider's id:
  any event about it proves the provider has it (an UNKNOWN email becomes SENT); delivered →
  DELIVERED; a bounce or a rejection → FAILED; a hard bounce, an invalid address or a complaint
  suppresses the address. A soft bounce (Postmark's SoftBounce, any 4.x.x status from the
  receiving server) and a deferral suppress nothing. Inbound email anymail receives
  (`on_inbound`) goes to the same routing as every inbound email (`inbound.receive_email`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import sms as sms_adapter
from .choices import (
    Direction,
    MessageChannel,
    MessageStatus,
    SuppressionReason,
    WebhookOutcome,
    WebhookSource,
)
from .models import Message, Suppression, WebhookEvent

log = logging.getLogger(__name__)

# --- Status callbacks (the provider reports what happened to a text) ---
# The provider's MessageStatus values and what they mean for our row.
CALLBACK_STATUS = {
    "accepted": MessageStatus.SENT, "scheduled": MessageStatus.SENT,
    "queued": MessageStatus.SENT, "sending": MessageStatus.SENT, "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED, "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.FAILED, "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}
# Statuses before the provider confirmed anything; a callback moves them on.
NOT_CONFIRMED = (MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.SENDING,
                 MessageStatus.UNKNOWN)
FINAL = (MessageStatus.DELIVERED, MessageStatus.FAILED)


def message_for_callback(uuid_param: str, provider_id: str) -> Message | None:
    """The outbound text a status callback is about: by the `?m=` id we put in its
    StatusCallback URL, else by the provider's id."""
    import uuid

    texts = Message.objects.filter(channel=MessageChannel.SMS, direction=Direction.OUTBOUND)
    texts = texts.select_related("candidate", "organization")
    if uuid_param:
        try:
            found = texts.filter(uuid=uuid.UUID(uuid_param)).first()
        except ValueError:
            found = None
        if found is not None:
            return found
    if provider_id:
        return texts.filter(provider_id=provider_id).order_by("-id").first()
    return None


def do_apply_sms_status(message: Message, status: str, *, provider_id: str = "",
                        error_code: str = "", at: datetime | None = None) -> str:
    """Apply a status callback to an outbound text; returns what happened, in words.

    Statuses only move forward (unknown or sending → sent → delivered or failed), whatever order
    callbacks arrive in. An UNKNOWN row the provider confirms becomes SENT (and lands on the
    timeline); the opt-out error codes (21610 STOP at the carrier, 30004 blocked, 21614 not a
    mobile number) record an opt-out for texts."""
    from .threads import log_activity

    at = at or timezone.now()
    target = CALLBACK_STATUS[status]
    notes = []
    if provider_id and not message.provider_id:
        Message.objects.filter(pk=message.pk, provider_id="").update(provider_id=provider_id)
        message.provider_id = provider_id
        notes.append("provider id recorded")
    for _ in range(3):  # optimistic: the worker may move the row at the same time
        current = message.status
        if current in FINAL or (current == MessageStatus.SENT and target == MessageStatus.SENT):
            notes.append(f"already {current}")
            break
        if current not in NOT_CONFIRMED and current != MessageStatus.SENT:
            notes.append(f"ignored for a {current} message")
            break
        changes: dict = {"status": target}
        if target in (MessageStatus.SENT, MessageStatus.DELIVERED):
            if message.sent_at is None:
                changes["sent_at"] = at
            if target == MessageStatus.DELIVERED:
                changes["delivered_at"] = at
            if current == MessageStatus.UNKNOWN:
                changes["status_reason"] = "Confirmed by the provider's status callback."
            elif current != MessageStatus.SENT:
                changes["status_reason"] = ""
        else:
            code = f" (error {error_code})" if error_code else ""
            changes["error"] = f"Provider status {status}{code}"
            changes["status_reason"] = f"The provider could not deliver it{code}."
        if Message.objects.filter(pk=message.pk, status=current).update(**changes):
            for name, value in changes.items():
                setattr(message, name, value)
            notes.append(f"{current} → {target}")
            # The worker puts a SENDING row on the timeline itself when it records the send.
            if target != MessageStatus.FAILED and current != MessageStatus.SENDING:
                log_activity(message, when=message.sent_at)
            break
        message.refresh_from_db()
    code = _int(error_code)
    if code in sms_adapter.OPT_OUT_ERRORS and message.candidate_id:
        from .optout import do_opt_out

        do_opt_out(message.candidate, MessageChannel.SMS, via="carrier",
                   detail=f"Provider error {code} on {message.to_address}")
        notes.append("opt-out recorded")
    return "; ".join(notes)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None




# --- Email delivery events (django-anymail's tracking webhooks) ---

# A 4.x.x status from the receiving server: a temporary failure, never a reason to suppress.
TEMPORARY_STATUS = re.compile(r"(^|\D)4\.\d{1,3}\.\d{1,3}\b")
# Statuses an email event may still move on.
SETTLEABLE = (MessageStatus.SENDING, MessageStatus.UNKNOWN, MessageStatus.SENT)


def email_for_event(event) -> Message | None:
    """Our outbound email an event is about: by the uuid we sent as metadata, else by the
    provider's message id."""
    import uuid

    emails = Message.objects.filter(channel=MessageChannel.EMAIL, direction=Direction.OUTBOUND)
    emails = emails.select_related("candidate", "organization")
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    ours = metadata.get("rounds_message")
    if ours:
        try:
            found = emails.filter(uuid=uuid.UUID(str(ours))).first()
        except ValueError:
            found = None
        if found is not None:
            return found
    if event.message_id:
        return emails.filter(esp_id=str(event.message_id)).order_by("-id").first()
    return None


def event_key(esp_name: str, event) -> str:
    """The event's id for deduplication: the provider's own, else a digest of what it sent (a
    provider retrying a delivery sends the same payload)."""
    if event.event_id:
        return f"{esp_name}:{event.event_id}"[:200]
    raw = json.dumps(event.esp_event, sort_keys=True, default=str)
    return f"{esp_name}:sha256:{hashlib.sha256(raw.encode()).hexdigest()}"


def is_hard(event) -> bool:
    """A bounce or rejection that says the address will never take mail."""
    from anymail.signals import EventType, RejectReason

    esp = event.esp_event if isinstance(event.esp_event, dict) else {}
    if str(esp.get("Type", "")).lower() in ("softbounce", "transient", "dnserror"):
        return False
    if event.mta_response and TEMPORARY_STATUS.search(str(event.mta_response)):
        return False
    if event.event_type == EventType.BOUNCED:
        return event.reject_reason in (None, RejectReason.BOUNCED, RejectReason.INVALID)
    return event.event_type == EventType.REJECTED and event.reject_reason in (
        RejectReason.BOUNCED, RejectReason.INVALID)


def on_tracking(sender, event, esp_name, **kwargs) -> None:
    """anymail's `tracking` signal: log the event once and apply it."""
    key = event_key(esp_name, event)
    payload = json.dumps(event.esp_event, sort_keys=True, default=str)[:200_000]
    message = email_for_event(event)
    org_id = message.organization_id if message is not None else None
    try:
        with transaction.atomic():
            logged = WebhookEvent.objects.create(
                source=WebhookSource.EMAIL_STATUS, event_id=key, outcome=WebhookOutcome.ACCEPTED,
                organization_id=org_id, message=message, payload=payload,
            )
            if message is None:
                detail = "No email of ours with this id."
            else:
                detail = apply_email_event(message, event, esp_name)
            logged.detail = detail[:300]
            logged.save(update_fields=["detail"])
    except IntegrityError:  # this event was applied already
        WebhookEvent.objects.create(
            source=WebhookSource.EMAIL_STATUS, event_id=key, outcome=WebhookOutcome.DUPLICATE,
            organization_id=org_id, message=message, payload=payload, detail="Already applied.",
        )


def apply_email_event(message: Message, event, esp_name: str) -> str:
    """Move our email on as the provider's event says; returns what happened, in words."""
    from anymail.signals import EventType

    at = event.timestamp or timezone.now()
    kind = event.event_type
    notes = []
    if event.message_id and not message.esp_id:
        Message.objects.filter(pk=message.pk, esp_id="").update(esp_id=str(event.message_id)[:255])
        message.esp_id = str(event.message_id)[:255]
    if kind == EventType.DELIVERED or kind == EventType.COMPLAINED:
        notes.append(_settle(message, MessageStatus.DELIVERED, at, "Delivered, says the "
                             f"provider ({esp_name})."))
    elif kind in (EventType.BOUNCED, EventType.REJECTED, EventType.FAILED):
        detail = " ".join(str(x) for x in (event.description, event.mta_response) if x)
        hard = is_hard(event)
        if hard or kind != EventType.BOUNCED:
            notes.append(_settle(message, MessageStatus.FAILED, at,
                                 f"The provider could not deliver it: {detail}".strip()))
        else:
            notes.append(_settle(message, MessageStatus.SENT, at, ""))
            notes.append("soft bounce: nothing suppressed")
        if hard:
            notes.append(_suppress(message, SuppressionReason.HARD_BOUNCE, detail or kind))
    elif kind in (EventType.QUEUED, EventType.SENT, EventType.DEFERRED, EventType.OPENED,
                  EventType.CLICKED, EventType.AUTORESPONDED):
        notes.append(_settle(message, MessageStatus.SENT, at, ""))
    else:
        notes.append(f"{kind}: nothing to do")
    if kind == EventType.COMPLAINED:
        notes.append(_suppress(message, SuppressionReason.COMPLAINT,
                               f"Spam complaint reported by {esp_name}"))
    return "; ".join(n for n in notes if n)


def _settle(message: Message, target: str, at: datetime, reason: str) -> str:
    """Move the row forward only: sending, unknown or sent → sent, delivered or failed."""
    from .threads import log_activity

    for _ in range(3):  # optimistic: the worker may record the same row meanwhile
        current = message.status
        if current not in SETTLEABLE or (current == MessageStatus.SENT
                                         and target == MessageStatus.SENT):
            return f"already {current}"
        changes: dict = {"status": target}
        if target != MessageStatus.FAILED:
            if message.sent_at is None:
                changes["sent_at"] = at
            if target == MessageStatus.DELIVERED:
                changes["delivered_at"] = at
            changes["status_reason"] = (
                "Confirmed by the provider's delivery event." if current == MessageStatus.UNKNOWN
                else "")
        else:
            changes["status_reason"] = reason[:300]
            changes["error"] = reason[:2000]
        if current == MessageStatus.SENDING:
            changes["lease_until"] = None
        if Message.objects.filter(pk=message.pk, status=current).update(**changes):
            for name, value in changes.items():
                setattr(message, name, value)
            if target != MessageStatus.FAILED and current == MessageStatus.UNKNOWN:
                log_activity(message, when=message.sent_at)
            return f"{current} → {target}"
        message.refresh_from_db()
    return "moved meanwhile"


def _suppress(message: Message, reason: str, detail: str) -> str:
    from rounds.candidates.actions import mark_changed

    address = (message.candidate.email_normalized if message.candidate_id else "") or (
        message.to_address.strip().lower())
    if not address:
        return ""
    Suppression.objects.get_or_create(
        organization_id=message.organization_id, channel=MessageChannel.EMAIL, address=address,
        defaults={"reason": reason, "detail": str(detail)[:300]},
    )
    if message.candidate_id:
        mark_changed(message.candidate_id)
    return f"{address} suppressed ({reason})"


def on_inbound(sender, event, esp_name, **kwargs) -> None:
    """anymail's `inbound` signal: the email goes to the routing every inbound email takes,
    logged once as an inbound-email webhook event."""
    from .inbound import InboundError, receive_email

    raw = event.message.as_bytes() if event.message is not None else b""
    key = f"{esp_name}:{event.event_id}" if event.event_id else (
        f"{esp_name}:sha256:{hashlib.sha256(raw).hexdigest()}")
    payload = raw.decode("utf-8", errors="replace")[:2_000_000]
    source = WebhookSource.EMAIL_INBOUND
    try:
        with transaction.atomic():
            received = receive_email(raw)
            WebhookEvent.objects.create(
                source=source, event_id=key[:200], outcome=WebhookOutcome.ACCEPTED,
                organization_id=received.organization_id if received is not None else None,
                message=received, payload=payload,
                detail="" if received is not None else (
                    "No organization has anything to do with the sender: kept only here."),
            )
    except IntegrityError:
        WebhookEvent.objects.create(source=source, event_id=key[:200], payload=payload,
                                    outcome=WebhookOutcome.DUPLICATE)
    except InboundError as exc:
        WebhookEvent.objects.create(source=source, event_id=key[:200], payload=payload,
                                    outcome=WebhookOutcome.INVALID, detail=str(exc)[:300])
