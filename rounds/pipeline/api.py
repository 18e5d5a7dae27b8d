"""JSON API for pipelines: stages, applications, moves, next actions and stage history.
Mounted at /api/pipeline.

Errors: 400 {"detail", "errors": {field: [..]}} when the input is refused — a move to Rejected or
Withdrawn without a `reason`, a next action without text or due time, a candidate already in the
job; 422 when the body doesn't match the schema; 403 for read-only users (hiring managers may
work the applications of their jobs; only recruiters and admins add candidates to a job); 404 for
any job, candidate, stage or application outside your organization or your jobs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from ninja import Router, Schema, Status

from rounds.accounts.models import User
from rounds.candidates.models import Candidate
from rounds.jobs.models import Job
from rounds.lib.api import ERRORS, PAGING, limit_param, offset_param, page_of, paginate
from rounds.lib.permissions import can_edit, can_work_pipeline
from rounds.lib.tenancy import access_object

from . import actions
from .choices import DispositionReason, StageKind
from .models import Application, Stage, StageChange

router = Router(tags=["Pipeline"])




class StageOut(Schema):
    id: int
    name: str
    sequence: int
    kind: StageKind
    needs_reason: bool


class ApplicationOut(Schema):
    id: int
    candidate: UUID
    candidate_name: str
    job: UUID
    job_title: str
    stage_id: int
    stage: str
    stage_kind: StageKind
    stage_entered_at: datetime
    owner_id: int | None
    next_action: str
    next_action_due_at: datetime | None
    overdue: bool
    disposition_reason: str
    disposition_note: str
    created_at: datetime


class StageChangeOut(Schema):
    id: int
    from_stage_id: int | None
    from_stage: str | None
    to_stage_id: int
    to_stage: str
    actor_id: int | None
    actor: str | None
    at: datetime
    reason: str
    note: str


class ApplicationIn(Schema):
    candidate: UUID
    job: UUID
    stage: int | None = None
    owner_id: int | None = None
    next_action: str = ""
    next_action_due_at: datetime | None = None


class MoveIn(Schema):
    stage: int
    reason: DispositionReason | None = None
    note: str = ""
    next_action: str = ""
    next_action_due_at: datetime | None = None


class NextActionIn(Schema):
    text: str
    due_at: datetime | None = None
    owner_id: int | None = None


def _app_out(app: Application) -> dict:
    return {
        "id": app.pk, "candidate": app.candidate.uuid, "candidate_name": str(app.candidate),
        "job": app.job.uuid, "job_title": app.job.title, "stage_id": app.stage_id,
        "stage": app.stage.name, "stage_kind": app.stage.kind,
        "stage_entered_at": app.stage_entered_at, "owner_id": app.owner_id,
        "next_action": app.next_action, "next_action_due_at": app.next_action_due_at,
        "overdue": app.stage.is_open and app.is_overdue,
        "disposition_reason": app.disposition_reason, "disposition_note": app.disposition_note,
        "created_at": app.created_at,
    }


def _change_out(c: StageChange) -> dict:
    return {
        "id": c.pk, "from_stage_id": c.from_stage_id,
        "from_stage": c.from_stage.name if c.from_stage_id else None,
        "to_stage_id": c.to_stage_id, "to_stage": c.to_stage.name, "actor_id": c.actor_id,
        "actor": str(c.actor) if c.actor_id else None, "at": c.at, "reason": c.reason,
        "note": c.note,
    }


def _applications(request):
    return Application.objects.visible_to(request.user).select_related("candidate", "job", "stage")


def _application(request, application_id: int) -> Application:
    return access_object(_applications(request), request.user, pk=application_id)


def _require_pipeline(request) -> None:
    if not can_work_pipeline(request.user):
        raise PermissionDenied("Your role can look at pipelines but not change them.")


def _owner(request, owner_id: int | None, field: str = "owner_id") -> User | None:
    if owner_id is None:
        return None
    owner = User.objects.filter(organization_id=request.user.organization_id, pk=owner_id).first()
    if owner is None:
        raise ValidationError({field: "Unknown user."})
    return owner


@router.get("/stages", response={200: page_of(StageOut), **ERRORS},
            summary="The organization's pipeline stages, in order", description=PAGING)
def list_stages(request, limit: int = limit_param(), offset: int = offset_param()):
    from .views import org_stages

    return paginate(list(org_stages(request.user.organization_id)), limit, offset, request,
                    lambda s: {"id": s.pk, "name": s.name, "sequence": s.sequence,
                               "kind": s.kind, "needs_reason": s.needs_reason})


@router.get("/applications", response={200: page_of(ApplicationOut), **ERRORS},
            summary="Applications you can see, filtered by job, candidate, stage or owner",
            description=PAGING)
def list_applications(request, job: UUID | None = None, candidate: UUID | None = None,
                      stage: int | None = None, owner_id: int | None = None,
                      open: bool | None = None, limit: int = limit_param(),
                      offset: int = offset_param()):
    qs = _applications(request).order_by("next_action_due_at", "id")
    if job:
        qs = qs.filter(job__uuid=job)
    if candidate:
        qs = qs.filter(candidate__uuid=candidate)
    if stage:
        qs = qs.filter(stage_id=stage)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if open is not None:
        qs = qs.filter(stage__kind=StageKind.ACTIVE) if open else qs.exclude(
            stage__kind=StageKind.ACTIVE)
    return paginate(qs, limit, offset, request, _app_out)


@router.post("/applications", response={201: ApplicationOut, **ERRORS},
             summary="Add a candidate to a job's pipeline (recruiters and admins); 400 when "
                     "they are already in it")
def create_application(request, payload: ApplicationIn):
    job = access_object(Job, request.user, uuid=payload.job)
    candidate = access_object(Candidate.objects.current(), request.user, uuid=payload.candidate)
    if not can_edit(request.user):
        raise PermissionDenied("Only recruiters and admins add candidates to a job.")
    stage = None
    if payload.stage is not None:
        stage = access_object(Stage, request.user, pk=payload.stage)
    owner = _owner(request, payload.owner_id)
    with transaction.atomic():
        app = actions.do_add_to_pipeline(
            candidate, job, actor=request.user, stage=stage, owner=owner,
            next_action=payload.next_action, next_action_due_at=payload.next_action_due_at,
            via="api",
        )
    return Status(201, _app_out(_application(request, app.pk)))


@router.get("/applications/{application_id}", response={200: ApplicationOut, **ERRORS},
            summary="One application")
def get_application(request, application_id: int):
    return _app_out(_application(request, application_id))


@router.post("/applications/{application_id}/move", response={200: ApplicationOut, **ERRORS},
             summary="Move an application to a stage; Rejected and Withdrawn need `reason` "
                     "(400 naming `reason` otherwise)")
def move_application(request, application_id: int, payload: MoveIn):
    with transaction.atomic():
        app = access_object(_applications(request).select_for_update(of=("self",)),
                            request.user, pk=application_id)
        _require_pipeline(request)
        stage = access_object(Stage, request.user, pk=payload.stage)
        actions.do_move_application(
            app, stage, actor=request.user, reason=payload.reason or "", note=payload.note,
            next_action=payload.next_action, next_action_due_at=payload.next_action_due_at,
            via="api",
        )
    return _app_out(_application(request, application_id))


@router.put("/applications/{application_id}/next-action",
            response={200: ApplicationOut, **ERRORS},
            summary="Set the next action of an open application: text and due time are "
                    "required (an open application always has one)")
def set_next_action(request, application_id: int, payload: NextActionIn):
    with transaction.atomic():
        app = access_object(_applications(request).select_for_update(of=("self",)),
                            request.user, pk=application_id)
        _require_pipeline(request)
        owner = _owner(request, payload.owner_id)
        actions.do_set_next_action(app, actor=request.user, text=payload.text,
                                   due_at=payload.due_at, owner=owner, via="api")
    return _app_out(_application(request, application_id))


@router.get("/applications/{application_id}/history",
            response={200: page_of(StageChangeOut), **ERRORS},
            summary="Every stage change of an application: from, to, who, when, why",
            description=PAGING)
def application_history(request, application_id: int, limit: int = limit_param(),
                        offset: int = offset_param()):
    app = _application(request, application_id)
    changes = (StageChange.objects.filter(application=app)
               .select_related("from_stage", "to_stage", "actor").order_by("at", "id"))
    return paginate(changes, limit, offset, request, _change_out)
