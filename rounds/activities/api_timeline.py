"""The candidate's timeline in the JSON API, mounted with the candidates at /api/candidates
(the timeline belongs to activities, which sits above candidates in the layers):

GET  /api/candidates/{uuid}/activities   notes, calls, meetings, messages (`kind` filters)
GET  /api/candidates/{uuid}/timeline     everything that happened, newest first
POST /api/candidates/{uuid}/activities   add a note, log a call or a meeting
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from ninja import Router, Schema, Status
from pydantic import Field

from rounds.candidates.models import Candidate
from rounds.lib.api import ERRORS, limit_param, offset_param, page_of, paginate
from rounds.lib.permissions import can_work_pipeline
from rounds.lib.tenancy import access_object

from . import actions as activity_actions
from .choices import ActivityKind
from .models import Activity

router = Router(tags=["Candidates"])


class ActivityIn(Schema):
    kind: Literal["note", "call", "meeting"]
    body: str = ""
    subject: str = ""
    outcome: str = Field("", description="For calls: connected, voicemail, no_answer…")
    direction: Literal["in", "out"] = "out"
    duration_minutes: int | None = None
    occurred_at: datetime | None = None
    application_id: int | None = None


class ActivityOut(Schema):
    id: int
    kind: str
    direction: str
    subject: str
    body: str
    outcome: str
    duration_minutes: int | None
    occurred_at: datetime
    actor: str | None
    application_id: int | None
    job_title: str | None


ActivityPage = page_of(ActivityOut, "ActivityPage")


def activity_out(a: Activity) -> dict:
    return {
        "id": a.pk, "kind": a.kind, "direction": a.direction, "subject": a.subject,
        "body": a.body, "outcome": a.outcome, "duration_minutes": a.duration_minutes,
        "occurred_at": a.occurred_at, "actor": str(a.actor) if a.actor else None,
        "application_id": a.application_id,
        "job_title": a.application.job.title if a.application_id else None,
    }


def _get(request, uuid, queryset=None) -> Candidate:
    return access_object(queryset if queryset is not None else Candidate.objects.current(),
                         request.user, uuid=uuid)


# --- activities and timeline ----------------------------------------------------------------

@router.get("/{uuid}/activities", response={200: ActivityPage, **ERRORS},
            url_name="candidate_activities")
def list_activities(request, uuid: UUID, kind: str = "", limit: int = limit_param(),
                    offset: int = offset_param()):
    """Notes, calls, meetings and messages; `kind` filters (note, call, meeting, email, sms,
    stage_change). Paged with `limit` and `offset`; follow `next` until it is null."""
    candidate = _get(request, uuid, Candidate.objects.all())
    qs = activity_actions.timeline_queryset(candidate, request.user)
    if kind:
        if kind not in ActivityKind.values:
            raise ValidationError({"kind": f"Choose one of {', '.join(ActivityKind.values)}."})
        qs = qs.filter(kind=kind)
    return paginate(qs, limit, offset, request, activity_out)


@router.get("/{uuid}/timeline", response={200: ActivityPage, **ERRORS},
            url_name="candidate_timeline")
def timeline(request, uuid: UUID, limit: int = limit_param(), offset: int = offset_param()):
    """Everything that happened with the candidate — notes, calls with their outcome,
    meetings, messages, stage moves — newest first. Paged with `limit` and `offset`; follow
    `next` until it is null."""
    candidate = _get(request, uuid, Candidate.objects.all())
    return paginate(activity_actions.timeline_queryset(candidate, request.user), limit, offset,
                    request, activity_out)


@router.post("/{uuid}/activities", response={201: ActivityOut, **ERRORS},
             url_name="candidate_activity_add")
def add_activity(request, uuid: UUID, payload: ActivityIn):
    """Add a note, log a call (with its outcome) or a meeting. Recruiters and admins on any
    candidate; hiring managers on the candidates in their jobs."""
    candidate = _get(request, uuid)
    if not can_work_pipeline(request.user):
        raise PermissionDenied("Your role does not allow adding to the timeline.")
    application = None
    if payload.application_id is not None:
        application = (candidate.applications.visible_to(request.user)
                       .filter(candidate=candidate, pk=payload.application_id).first())
        if application is None:
            raise ValidationError({"application_id": "Not one of this candidate's jobs."})
    common = {"actor": request.user, "via": "api", "application": application,
              "occurred_at": payload.occurred_at}
    with transaction.atomic():
        if payload.kind == "note":
            activity = activity_actions.do_add_note(candidate, body=payload.body, **common)
        elif payload.kind == "call":
            activity = activity_actions.do_log_call(
                candidate, outcome=payload.outcome, body=payload.body,
                duration_minutes=payload.duration_minutes, direction=payload.direction,
                **common,
            )
        else:
            activity = activity_actions.do_log_meeting(
                candidate, subject=payload.subject, body=payload.body,
                duration_minutes=payload.duration_minutes, **common,
            )
    return Status(201, activity_out(activity))
