"""Writing the audit log. Every view of a candidate and every change goes through `record`."""

from __future__ import annotations

from django.db import models

from .choices import AuditAction
from .models import AuditEvent


def record(
    *,
    actor,
    action: AuditAction,
    obj: models.Model,
    organization_id: int | None = None,
    changes: dict | None = None,
    via: str = "web",
    ip_address: str | None = None,
) -> AuditEvent:
    candidate_id = (obj.pk if isinstance(obj, _candidate_model())
                    else getattr(obj, "candidate_id", None))
    return AuditEvent.objects.create(
        organization_id=organization_id or obj.organization_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        candidate_id=candidate_id,
        changes=changes or {},
        via=via,
        ip_address=ip_address,
    )


def _candidate_model():
    """The candidate model, through the relation the audit log declares (audit sits below
    candidates in the layers and imports none of it)."""
    return AuditEvent._meta.get_field("candidate").related_model


def candidate_trail(user, uuid) -> tuple:
    """The candidate the user may see with this uuid (else 404) and the ids whose events are
    theirs: their own and those of the records merged into them."""
    from rounds.lib.tenancy import access_object

    model = _candidate_model()
    candidate = access_object(model, user, uuid=uuid)
    ids = [candidate.pk, *model.objects.filter(merged_into=candidate).values_list("pk", flat=True)]
    return candidate, ids


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed, values as strings for JSON."""
    out = {}
    for key in after:
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = [None if old is None else str(old), None if new is None else str(new)]
    return out


def _short(value, limit: int = 80) -> str:
    if value is None or value == "":
        return "—"
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_changes(changes: dict | None) -> list[str]:
    """What changed, as lines people read: "email: a@x.ca → b@x.ca", "added: CA-AB 12345"."""
    lines = []
    for key, value in (changes or {}).items():
        label = key.replace("_", " ")
        if isinstance(value, list | tuple) and len(value) == 2:
            old, new = value
            if old is None and new is not None:
                lines.append(f"{label}: {_short(new)}")
            else:
                lines.append(f"{label}: {_short(old)} → {_short(new)}")
        elif isinstance(value, dict):
            inner = ", ".join(f"{k}: {_short(v, 40)}" for k, v in value.items())
            lines.append(f"{label}: {inner}")
        else:
            lines.append(f"{label}: {_short(value, 200)}")
    return lines


def filter_events(
    queryset, *, actor_id: int | None = None, action: str = "", candidate_name: str = "",
    candidate_ids: list[int] | None = None, since=None, until=None, time_zone: str = "UTC",
):
    """Narrow an AuditEvent queryset (already scoped with visible_to). Dates are whole days in
    the organization's time zone; `until` includes that day."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.db.models import Q

    try:
        tz = ZoneInfo(time_zone or "UTC")
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    if actor_id:
        queryset = queryset.filter(actor_id=actor_id)
    if action:
        queryset = queryset.filter(action=action)
    if candidate_ids is not None:
        queryset = queryset.filter(candidate_id__in=candidate_ids)
    for word in (candidate_name or "").split()[:5]:
        queryset = queryset.filter(
            Q(candidate__first_name__icontains=word)
            | Q(candidate__last_name__icontains=word)
            | Q(candidate__preferred_name__icontains=word)
            | Q(candidate__isnull=True, object_repr__icontains=word)
        )
    if since:
        queryset = queryset.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        queryset = queryset.filter(
            at__lt=datetime.combine(until + timedelta(days=1), time.min, tzinfo=tz)
        )
    return queryset


def record_list(request, listed: str, *, shown: int, filters: dict | None = None,
                contact_details: bool = False) -> AuditEvent | None:
    """One event for a page of a list showing personal data (never one per row): who listed
    what, how many rows they were shown, with which filters, and whether emails and phones were
    in it. A bulk copy through pages of a list is then as visible as an export."""
    from rounds.lib.http import client_ip

    user = request.user
    if not user.is_authenticated or not user.organization_id:
        return None
    return record(
        actor=user, action=AuditAction.VIEW, obj=user.organization,
        organization_id=user.organization_id,
        via="api" if request.path.startswith("/api/") else "web",
        ip_address=client_ip(request) or None,
        changes={"list": listed, "shown": shown, "filters": filters or {},
                 "contact_details": contact_details},
    )
