"""Writes of the messaging core that a person makes from a page: the organization's sending
settings (Settings → Outreach), and resending a message that may have been sent."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction

from .choices import MessageStatus
from .models import Message, OutreachSettings

SETTINGS_FIELDS = (
    "sender_name", "sender_email", "contact_phone", "sms_from_number", "window_start",
    "window_end", "respond_target_minutes", "alert_before_minutes", "backup_responder",
    "email_per_minute", "sms_per_second", "meeting_day_start", "meeting_day_end",
    "meeting_weekdays",
)


def do_update_settings(org_settings: OutreachSettings, *, actor, via: str = "web",
                       **changes) -> OutreachSettings:
    """Change the organization's outreach settings. The sending window may only be narrowed
    (the model refuses widening); the backup responder must be an active user of the
    organization; the alert comes before the target. Errors name the field."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"Unknown setting: {', '.join(sorted(unknown))}."})
    before = {k: getattr(org_settings, k) for k in changes}
    for key, value in changes.items():
        setattr(org_settings, key, value)
    errors: dict[str, str] = {}
    backup = org_settings.backup_responder
    if backup is not None and (backup.organization_id != org_settings.organization_id
                               or not backup.is_active):
        errors["backup_responder"] = "Choose an active user of your organization."
    if org_settings.alert_before_minutes >= org_settings.respond_target_minutes:
        errors["alert_before_minutes"] = (
            f"Alert before the target: less than {org_settings.respond_target_minutes} min.")
    if org_settings.sms_per_second < 1:
        errors["sms_per_second"] = "At least 1 text a second."
    weekdays = org_settings.meeting_weekdays or []
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        errors["meeting_weekdays"] = "Days are 0 (Monday) to 6 (Sunday)."
    if org_settings.sms_from_number:
        from rounds.lib.contact import ContactError, normalize_phone

        try:
            org_settings.sms_from_number = normalize_phone(org_settings.sms_from_number)
        except ContactError as exc:
            errors["sms_from_number"] = str(exc)
    try:
        org_settings.full_clean(exclude=["organization"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    org_settings.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=org_settings, via=via,
                 organization_id=org_settings.organization_id,
                 changes=audit.diff(before, {k: getattr(org_settings, k) for k in changes}))
    return org_settings


def do_resend_unknown(message: Message, actor, *, at: datetime | None = None) -> Message:
    """Send again a message that may or may not have gone out: a new message (its own
    idempotency key, so a double click queues it once) judged by the policy like any other.
    The original stays UNKNOWN with a note; the recruiter decided to risk a duplicate."""
    from rounds.candidates.actions import mark_changed

    from .outbox import queue_message

    if getattr(actor, "organization_id", None) != message.organization_id:
        raise PermissionDenied("This message belongs to another organization.")
    if message.status != MessageStatus.UNKNOWN:
        raise ValidationError({"status": "Only a message that may not have been sent can be "
                                         f"resent; this one is {message.get_status_display()}."})
    if message.candidate_id is None:
        raise ValidationError({"candidate": "This message has no candidate to send to."})
    resent = queue_message(
        message.candidate, channel=message.channel, body=message.body, subject=message.subject,
        idempotency_key=f"resend:{message.uuid}", actor=actor, application=message.application,
        purpose=message.purpose or "outreach.message", ref_id=message.ref_id,
        ref_step=message.ref_step, topic=message.topic, thread=message.thread, at=at,
    )
    note = f"Resent by {actor.get_full_name() or actor.email} as a new message."
    Message.objects.filter(pk=message.pk).update(status_reason=note[:300])
    message.status_reason = note[:300]
    mark_changed(message.candidate_id)
    return resent

