"""Writes of the messaging core that a person makes from a page: the organization's sending
settings (Settings → Outreach)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction

from .models import OutreachSettings

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


