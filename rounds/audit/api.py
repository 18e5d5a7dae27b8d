"""JSON API of the audit log, mounted at /api/audit. Owners/admins only (others: 403).

GET /api/audit/?actor=<user id>&action=<view|create|update|…>&candidate=<uuid>&q=<name>
    &since=YYYY-MM-DD&until=YYYY-MM-DD&limit=50&offset=0
→ {"count", "next": URL of the next page or null, "items": [{at, actor, action, object_type,
   object_id, object_repr, candidate, changes, change_lines, via}]}
An unknown candidate (or another organization's) is a 404; bad filters are a 422 naming the
field."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Query, Router, Schema
from pydantic import Field

from rounds.lib.api import INT_MAX, LIMIT_DEFAULT, LIMIT_MAX, PAGING, page_of, paginate
from rounds.lib.permissions import can_admin

from .actions import candidate_trail, filter_events, format_changes
from .choices import AuditAction
from .models import AuditEvent

router = Router(tags=["Audit"])


class AuditFilters(Schema):
    actor: int | None = Field(default=None, description="User id of who acted")
    action: AuditAction | None = None
    candidate: UUID | None = Field(default=None, description="Events of one candidate")
    q: str = Field(default="", max_length=100, description="Candidate name contains")
    since: date | None = None
    until: date | None = None
    limit: int = Field(default=LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    offset: int = Field(default=0, ge=0, le=INT_MAX)


class ActorOut(Schema):
    id: int
    name: str
    email: str


class CandidateRef(Schema):
    uuid: UUID
    name: str


class EventOut(Schema):
    id: int
    at: datetime
    actor: ActorOut | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    candidate: CandidateRef | None
    changes: dict
    change_lines: list[str]
    via: str


EventPage = page_of(EventOut, "EventPage")


def _event_out(e: AuditEvent) -> dict:
    return {
        "id": e.pk, "at": e.at,
        "actor": {"id": e.actor.pk, "name": str(e.actor), "email": e.actor.email}
        if e.actor else None,
        "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
        "object_repr": e.object_repr,
        "candidate": {"uuid": e.candidate.uuid, "name": e.candidate.full_name}
        if e.candidate else None,
        "changes": e.changes, "change_lines": format_changes(e.changes), "via": e.via,
    }


@router.get("/", response=EventPage, summary="List audit events (admins)", description=PAGING)
def list_events(request, filters: Query[AuditFilters]):
    if not can_admin(request.user):
        raise PermissionDenied("Only owners and admins can read the audit log.")
    if filters.since and filters.until and filters.until < filters.since:
        raise ValidationError({"until": "The end date is before the start date."})
    events = AuditEvent.objects.visible_to(request.user)
    candidate_ids = None
    if filters.candidate:
        _, candidate_ids = candidate_trail(request.user, filters.candidate)
    events = filter_events(
        events, actor_id=filters.actor, action=filters.action or "", candidate_name=filters.q,
        candidate_ids=candidate_ids, since=filters.since, until=filters.until,
        time_zone=request.user.organization.time_zone,
    ).select_related("actor", "candidate").order_by("-at", "-id")
    return paginate(events, filters.limit, filters.offset, request, _event_out)
