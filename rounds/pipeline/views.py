"""The pipeline board of a job, one application's panel, and the Today page."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from rounds.activities.models import Activity
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.candidates.models import Candidate
from rounds.candidates.search import suggest_candidates
from rounds.jobs.actions import pipeline_counts
from rounds.jobs.models import Job
from rounds.lib.permissions import (
    can_work_pipeline,
    editor_required,
    member_required,
    pipeline_required,
)
from rounds.lib.tenancy import access_object

from . import actions, hooks
from .choices import DispositionReason, StageKind
from .forms import AddCandidateForm, MoveForm, NextActionForm
from .models import Application, Stage, StageChange

UPCOMING_DAYS = 7


# --- helpers shared with rounds/jobs/views.py -------------------------------------------------

def _span(delta: timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d"


def due_label(due: datetime | None, now: datetime | None = None) -> str:
    """"overdue by 3 h", "due in 2 h", "no due time"."""
    if due is None:
        return "no due time"
    now = now or timezone.now()
    if due < now:
        return f"overdue by {_span(now - due)}"
    return f"due in {_span(due - now)}"


def initials(user) -> str:
    if user is None:
        return "—"
    parts = [user.first_name, user.last_name] if (user.first_name or user.last_name) else [
        user.email]
    return "".join(p[0] for p in parts if p).upper()[:2] or "?"


def org_stages(organization_id: int) -> list[Stage]:
    stages = list(Stage.objects.filter(organization_id=organization_id).order_by("sequence", "id"))
    return stages or sorted(actions.ensure_default_stages(organization_id),
                            key=lambda s: s.sequence)


def decorate_application(app: Application, now: datetime) -> Application:
    app.due_text = due_label(app.next_action_due_at, now) if app.stage.is_open else ""
    app.owner_initials = initials(app.owner)
    return app


def build_board(job: Job, user, *, error: str = "", failed_move: dict | None = None,
                rejected: Application | None = None) -> dict:
    """Everything the board template needs, in four queries whatever the pipeline's size.
    `rejected`: an application just rejected, whose candidate may be sent a kind note."""
    stages = org_stages(job.organization_id)
    apps = list(Application.objects.visible_to(user).filter(job=job)
                .select_related("candidate", "owner", "stage")
                .order_by("next_action_due_at", "stage_entered_at", "id"))
    now = timezone.now()
    hooks.cards([a for a in apps if a.stage.is_open], now)
    by_stage: dict[int, list[Application]] = {s.pk: [] for s in stages}
    for app in apps:
        by_stage.setdefault(app.stage_id, []).append(decorate_application(app, now))
    columns = [{"stage": s, "tiles": by_stage.get(s.pk, []),
                "closed": s.kind in (StageKind.REJECTED, StageKind.WITHDRAWN)} for s in stages]
    return {
        "job": job, "columns": columns, "stages": stages,
        "reasons": DispositionReason.choices, "can_move": can_work_pipeline(user),
        "board_error": error, "failed_move": failed_move, "rejected": rejected,
        "total_in_pipeline": sum(len(c["tiles"]) for c in columns),
    }


def _job_for(request, job_uuid) -> Job:
    return access_object(Job, request.user, uuid=job_uuid)


def _application_for(request, pk) -> Application:
    return access_object(
        Application.objects.select_related("candidate", "job", "stage", "owner"),
        request.user, pk=pk,
    )


# --- board -------------------------------------------------------------------------------------

@require_GET
@member_required
def board(request, job_uuid):
    """The board's fragment, for htmx; opened as a page (a bookmark, a new tab) it is the job's
    page, where the board lives with its title and menu."""
    job = _job_for(request, job_uuid)
    if not request.htmx:
        return redirect("jobs:detail", uuid=job.uuid)
    return render(request, "pipeline/_board.html", build_board(job, request.user))


@require_POST
@pipeline_required
def move(request, pk):
    """Move one application (from the tile's select, the reason dialog or a drag and drop)."""
    application = _application_for(request, pk)
    form = MoveForm(request.POST, organization_id=application.organization_id)
    error = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                actions.do_move_application(
                    application, data["stage"], actor=request.user, reason=data["reason"],
                    note=data["note"],
                )
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
            error = " ".join(m for errs in exc.message_dict.values() for m in errs)
    if form.errors and not error:
        error = " ".join(str(m) for errs in form.errors.values() for m in errs)
    next_url = request.POST.get("next") or ""
    # Rejecting offers a kind note to the candidate: a draft to edit and send, or not.
    rejected = application if not error and application.stage.kind == StageKind.REJECTED \
        else None
    if request.htmx:
        failed = None
        if error:
            failed = {"application": application, "form": form}
        return render(request, "pipeline/_board.html",
                      build_board(application.job, request.user, error=error, failed_move=failed,
                                  rejected=rejected))
    if error:
        return _render_application(request, application, move_form=form, status=400)
    messages.success(request, f"{application.candidate} moved to {form.cleaned_data['stage']}.")
    if next_url == "application" or rejected is not None:
        return redirect("pipeline:application", pk=application.pk)
    return redirect("jobs:detail", uuid=application.job.uuid)


@require_GET
@editor_required
def candidate_search(request, job_uuid):
    """Autocomplete for "add a candidate to this job": the org's candidates not in it yet."""
    job = _job_for(request, job_uuid)
    q = (request.GET.get("q") or "").strip()
    results = suggest_candidates(request.user, q, exclude_job=job)
    return render(request, "pipeline/_candidate_results.html",
                  {"job": job, "results": results, "q": q})


@require_POST
@editor_required
def add_candidate(request, job_uuid):
    job = _job_for(request, job_uuid)
    form = AddCandidateForm(request.POST)
    error = ""
    if form.is_valid():
        candidate = access_object(Candidate.objects.current(), request.user,
                                  uuid=form.cleaned_data["candidate"])
        try:
            with transaction.atomic():
                actions.do_add_to_pipeline(candidate, job, actor=request.user)
        except ValidationError as exc:
            error = " ".join(m for errs in exc.message_dict.values() for m in errs)
        else:
            if not request.htmx:
                messages.success(request, f"{candidate} added to {job}.")
    else:
        error = "Choose a candidate."
    if request.htmx:
        return render(request, "pipeline/_board.html", build_board(job, request.user, error=error))
    if error:
        messages.error(request, error)
    return redirect("jobs:detail", uuid=job.uuid)


# --- one application ---------------------------------------------------------------------------

def _render_application(request, application, *, move_form=None, next_form=None, status=200):
    history = list(StageChange.objects.filter(application=application)
                   .select_related("from_stage", "to_stage", "actor").order_by("-at", "-id"))
    activity = list(Activity.objects.filter(application=application)
                    .select_related("actor").order_by("-occurred_at", "-id")[:20])
    org_id = application.organization_id
    if move_form is None:
        move_form = MoveForm(organization_id=org_id, initial={"stage": application.stage_id})
    if next_form is None and application.stage.is_open:
        next_form = NextActionForm(organization_id=org_id, initial={
            "next_action": application.next_action,
            "next_action_due_at": (timezone.localtime(application.next_action_due_at)
                                   if application.next_action_due_at else None),
            "owner": application.owner_id,
        })
    now = timezone.now()
    decorate_application(application, now)
    hooks.cards([application], now)
    previous = history[0].at if history else application.created_at
    return render(request, "pipeline/application.html", {
        "nav": "jobs", "application": application, "candidate": application.candidate,
        "job": application.job, "history": history, "activity": activity,
        "move_form": move_form, "next_form": next_form, "previous_at": previous,
        "can_move": can_work_pipeline(request.user),
        "offer_note": can_work_pipeline(request.user) and _note_not_sent(application),
    }, status=status)


def _note_not_sent(application) -> bool:
    """Rejected, and nothing written to the candidate about this job since: the kind note is
    still to offer."""
    from rounds.messaging.choices import Direction
    from rounds.messaging.models import Message

    return application.stage.kind == StageKind.REJECTED and not Message.objects.filter(
        application=application, direction=Direction.OUTBOUND,
        created_at__gte=application.stage_entered_at).exists()


@require_GET
@member_required
def application_detail(request, pk):
    application = _application_for(request, pk)
    with transaction.atomic():
        audit.record(actor=request.user, action=AuditAction.VIEW, obj=application)
    return _render_application(request, application)


@require_POST
@pipeline_required
def next_action(request, pk):
    """Edit the next action of an open application; it can be changed, never cleared."""
    application = _application_for(request, pk)
    form = _apply_next_action(request, application, actions.do_set_next_action)
    if form is None:
        messages.success(request, "Next action saved.")
        return redirect("pipeline:application", pk=application.pk)
    return _render_application(request, application, next_form=form, status=400)


@require_POST
@pipeline_required
def complete_next_action(request, pk):
    """From Today: the next action is done; say what follows and when."""
    application = _application_for(request, pk)
    form = _apply_next_action(request, application, actions.do_complete_next_action)
    if form is None:
        messages.success(
            request, f"Done. Next for {application.candidate}: {application.next_action}.")
        return redirect(request.POST.get("next_page") == "application"
                        and reverse("pipeline:application", args=[application.pk])
                        or reverse("today"))
    return _render_today(request, failed={application.pk: form}, status=400)


def _apply_next_action(request, application, action):
    """Validate the next-action form and run `action` with it in a transaction. None when it
    was saved; otherwise the form, with the action's refusals next to their fields."""
    form = NextActionForm(request.POST, organization_id=application.organization_id)
    if not form.is_valid():
        return form
    data = form.cleaned_data
    try:
        with transaction.atomic():
            action(application, actor=request.user, text=data["next_action"],
                   due_at=data["next_action_due_at"], owner=data["owner"])
    except ValidationError as exc:
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
        return form
    return None


# --- Today ---------------------------------------------------------------------------------------

def _default_next_due(now_local: datetime) -> datetime:
    """Tomorrow 9:00 local: the default due time offered by "done → set next"."""
    return (now_local + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


def _render_today(request, *, failed: dict | None = None, status: int = 200):
    user = request.user
    now = timezone.now()
    local_now = timezone.localtime(now)
    end_of_today = local_now.replace(hour=23, minute=59, second=59, microsecond=999999)
    horizon = now + timedelta(days=UPCOMING_DAYS)
    mine = Application.objects.visible_to(user).open().filter(owner=user)
    due = list(
        mine.filter(Q(next_action_due_at__lte=horizon) | Q(next_action_due_at__isnull=True))
        .select_related("candidate", "job", "stage", "owner")
        .order_by("next_action_due_at", "id")[:60]
    )
    tallies = mine.aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(next_action_due_at__lt=now)),
        today=Count("id", filter=Q(next_action_due_at__gte=now,
                                   next_action_due_at__lte=end_of_today)),
    )
    failed = failed or {}
    default_due = _default_next_due(local_now)
    groups = {"overdue": [], "today": [], "upcoming": []}
    hooks.cards(due, now)
    for app in due:
        decorate_application(app, now)
        app.done_form = failed.get(app.pk)  # a refused form keeps what was typed
        app.default_due = default_due
        if app.next_action_due_at is None or app.next_action_due_at < now:
            groups["overdue"].append(app)
        elif app.next_action_due_at <= end_of_today:
            groups["today"].append(app)
        else:
            groups["upcoming"].append(app)

    recent = list(Activity.objects.visible_to(user)
                  .select_related("candidate", "actor", "application__job")
                  .order_by("-occurred_at", "-id")[:15])

    open_jobs = list(Job.objects.visible_to(user).open().select_related("site")
                     .order_by("-opened_at", "-id")[:25])
    counts = pipeline_counts(j.pk for j in open_jobs)
    stages = org_stages(user.organization_id) if user.organization_id else []
    for job in open_jobs:
        per = counts.get(job.pk, {})
        job.stage_counts = [per.get(s.pk, 0) for s in stages]
        job.active_total = sum(per.get(s.pk, 0) for s in stages if s.is_open)

    # What the features add to Today (respond-now's clocks and figures).
    extra = hooks.today(user, now)

    return render(request, "pipeline/today.html", {
        "nav": "today", "groups": groups, "tallies": tallies, "recent": recent,
        "open_jobs": open_jobs, "stages": stages, "now": now, "has_due": bool(due),
        "default_due": default_due, "can_move": can_work_pipeline(user), **extra,
    }, status=status)


@require_GET
@member_required
def today(request):
    """What the signed-in user should do now: next actions due, fresh activity, open jobs."""
    return _render_today(request)
