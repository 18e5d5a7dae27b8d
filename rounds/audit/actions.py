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
    from rounds.candidates.models import Candidate

    candidate_id = obj.pk if isinstance(obj, Candidate) else getattr(obj, "candidate_id", None)
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


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed, values as strings for JSON."""
    out = {}
    for key in after:
        old, new = before.get(key), after.get(key)
        if old != new:
            out[key] = [None if old is None else str(old), None if new is None else str(new)]
    return out
