"""Matching pages: a job's Matches tab, the jobs suggested on a candidate's record, and the
organization's match weights with the history of every change to them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from rounds.candidates.models import Candidate
from rounds.jobs.models import Job
from rounds.lib.permissions import admin_required, can_admin, editor_required, member_required
from rounds.lib.tenancy import access_object, sees_everyone
from rounds.pipeline.actions import do_add_to_pipeline
from rounds.pipeline.models import Application

from . import actions
from .choices import DEFAULT_WEIGHTS, Component, FeedbackSource
from .engine import BANDS, JobSpec, Ranking, jobs_for_candidate, rank, spec_for_job
from .forms import FeedbackForm, MatchFilterForm, WeightsForm
from .index import IndexWarming, for_organization
from .models import MatchWeights, WeightChange

PAGE_SIZE = 25
SUGGESTED_JOBS = 5
HISTORY_PAGE = 20
VERDICTS = {FeedbackSource.THUMBS_UP: "up", FeedbackSource.THUMBS_DOWN: "down"}
OUTCOMES = {FeedbackSource.ENGAGED, FeedbackSource.HIRED, FeedbackSource.REJECTED}


# --- helpers shared with rounds/matching/api.py ------------------------------------------------

def job_queryset():
    """Jobs with what JobSpec.from_job reads, so understanding a job costs no extra queries."""
    return (Job.objects.select_related("site", "owner", "organization__employer_profile")
            .prefetch_related("requirements"))


def rank_for(user, spec: JobSpec, **kwargs) -> Ranking:
    """Rank the pool this user may see. A hiring manager sees only the people in the pipelines
    of the jobs they are on, so their ranking is of those people alone."""
    index = None
    if not sees_everyone(user):
        visible = list(Candidate.objects.visible_to(user).values_list("id", flat=True))
        full = for_organization(user.organization_id)
        with full.lock:
            index = full.subset(visible)
    return rank(spec, organization_id=user.organization_id, index=index, **kwargs)


def in_pipeline(user, job: Job) -> dict[int, str]:
    """{candidate_id: stage name} of everyone in the job's pipeline, in one query."""
    return dict(Application.objects.visible_to(user).filter(job=job)
                .values_list("candidate_id", "stage__name"))


def signals_applied(organization_id: int) -> int:
    return MatchWeights.objects.filter(organization_id=organization_id).values_list(
        "signals", flat=True).first() or 0


@dataclass
class Row:
    """What one row's buttons need: the candidate, their stage in this job, the user's verdict."""

    candidate: Candidate
    stage: str | None = None
    verdict: str | None = None
    error: str = ""


@dataclass
class Part:
    """One component of a score as the page shows it: how well they meet it (0-100) and its
    share of the weight."""

    label: str
    value: float
    share: float


def breakdown(match, weights: dict[str, float]) -> list[Part]:
    """The components that applied, each with its value and its share of the weight, in the
    order of the weights (the heaviest first)."""
    applied = {k: v for k, v in match.components.items() if weights.get(k, 0) > 0
               or k == "text"}
    total = sum(weights.get(k, 0) for k in applied if k != "text")
    parts = []
    for key, value in applied.items():
        label = Component(key).label if key in Component.values else "Words of the posting"
        share = weights.get(key, 0) / total * 100 if total and key != "text" else 0.0
        parts.append(Part(str(label), value * 100, share))
    return sorted(parts, key=lambda p: -p.share)


def _rows(results, pipeline: dict[int, str], verdicts: dict[int, str],
          weights: dict[str, float] | None = None) -> list:
    for match in results:
        match.row = Row(match.candidate, pipeline.get(match.candidate_id),
                        VERDICTS.get(verdicts.get(match.candidate_id)))
        match.parts = breakdown(match, weights or {})
    return results


# --- a job's Matches tab ---------------------------------------------------------------------

@require_GET
@member_required
def job_matches(request, uuid):
    """Everyone in the pool ranked for the job, with reasons; "Show more" appends 25 rows."""
    job = access_object(job_queryset(), request.user, uuid=uuid)
    filters = MatchFilterForm(request.GET if "f" in request.GET or "offset" in request.GET
                              else None)
    values = filters.values()
    pipeline = in_pipeline(request.user, job)
    spec = spec_for_job(job)
    # One more than a page, to know whether "Show more" has anything to show.
    try:
        ranking = rank_for(
            request.user, spec, limit=PAGE_SIZE + 1, offset=values["offset"],
            skip_ids=list(pipeline) if values["hide_pipeline"] else (),
            near_misses_only=values["near_misses_only"],
        )
    except IndexWarming:
        context = {"nav": "jobs", "job": job, "spec": spec, "filters": filters,
                   "values": values, "warming": True, "in_pipeline_count": len(pipeline),
                   "signals": signals_applied(job.organization_id)}
        if request.htmx:
            return render(request, "matching/_warming.html", context)
        return render(request, "matching/job_matches.html", context)
    results = ranking.results[:PAGE_SIZE]
    verdicts = actions.current_verdicts(job, request.user) if request.user.can_edit else {}
    # A ticked box is sent, an unticked one is not (as the filter form itself does).
    query = {"f": 1, **{k: 1 for k in ("hide_pipeline", "near_misses_only") if values[k]}}
    context = {
        "nav": "jobs", "job": job, "spec": spec, "ranking": ranking,
        "results": _rows(results, pipeline, verdicts, ranking.weights), "filters": filters,
        "values": values, "bands": BANDS,
        "has_more": len(ranking.results) > PAGE_SIZE,
        "next_offset": values["offset"] + PAGE_SIZE,
        "more_query": "&".join(f"{k}={v}" for k, v in query.items()),
        "in_pipeline_count": len(pipeline), "signals": signals_applied(job.organization_id),
        "can_write": request.user.can_edit, "limited_pool": request.user.is_hiring_manager,
    }
    if request.htmx and values["offset"]:
        return render(request, "matching/_rows.html", context)
    if request.htmx:
        return render(request, "matching/_results.html", context)
    return render(request, "matching/job_matches.html", context)


def _job_and_candidate(request, uuid, candidate_uuid):
    job = access_object(job_queryset(), request.user, uuid=uuid)
    candidate = access_object(Candidate.objects.current(), request.user, uuid=candidate_uuid)
    return job, candidate


def _actions_response(request, job, candidate, *, error="", status=200, oob_signals=False):
    stage = (Application.objects.filter(job=job, candidate=candidate)
             .values_list("stage__name", flat=True).first())
    verdict = VERDICTS.get(actions.current_verdicts(job, request.user).get(candidate.pk))
    return render(request, "matching/_match_actions.html", {
        "job": job, "row": Row(candidate, stage, verdict, error), "can_write": True,
        "oob_signals": oob_signals,
        "signals": signals_applied(job.organization_id) if oob_signals else 0,
    }, status=status)


@require_POST
@editor_required
def add_to_pipeline(request, uuid, candidate):
    """One click from a match row: the candidate joins the job's pipeline at its first stage."""
    job, person = _job_and_candidate(request, uuid, candidate)
    error = ""
    try:
        with transaction.atomic():
            do_add_to_pipeline(person, job, actor=request.user)
    except ValidationError as exc:
        if not Application.objects.filter(job=job, candidate=person).exists():
            error = " ".join(exc.messages)
    if request.htmx:
        return _actions_response(request, job, person, error=error, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{person} added to the pipeline of {job}.")
    return redirect("matching:job", uuid=job.uuid)


@require_POST
@editor_required
def feedback(request, uuid, candidate):
    """Thumbs up or down on a match: recorded, and the organization's weights learn from it."""
    job, person = _job_and_candidate(request, uuid, candidate)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _actions_response(request, job, person, status=400,
                                     error="Choose thumbs up or thumbs down.")
        messages.error(request, "Choose thumbs up or thumbs down.")
        return redirect("matching:job", uuid=job.uuid)
    try:
        with transaction.atomic():
            actions.do_record_feedback(job, person, actor=request.user,
                                       positive=form.cleaned_data["verdict"] == "up")
    except IndexWarming:
        error = "Matching is warming up: try again in a minute."
        if request.htmx:
            return _actions_response(request, job, person, status=503, error=error)
        messages.error(request, error)
        return redirect("matching:job", uuid=job.uuid)
    if request.htmx:
        return _actions_response(request, job, person, oob_signals=True)
    messages.success(request, "Thanks: the match weights learnt from it.")
    return redirect("matching:job", uuid=job.uuid)


# --- jobs suggested on a candidate's record --------------------------------------------------

def _suggestions_context(request, candidate: Candidate, **extra) -> dict:
    suggestions = []
    warming = False
    if not candidate.merged_into_id:
        jobs = (Job.objects.visible_to(request.user).open()
                .exclude(applications__candidate=candidate))
        try:
            suggestions = jobs_for_candidate(candidate, limit=SUGGESTED_JOBS, jobs=jobs)
        except IndexWarming:
            warming = True
    return {"candidate": candidate, "suggestions": suggestions, "warming": warming,
            "can_write": request.user.can_edit, **extra}


@require_GET
@member_required
def candidate_jobs(request, uuid):
    """The panel on a candidate's record: the open jobs they fit best, best first."""
    candidate = access_object(Candidate, request.user, uuid=uuid)
    return render(request, "matching/_candidate_jobs.html",
                  _suggestions_context(request, candidate))


@require_POST
@editor_required
def candidate_add(request, uuid, job):
    """"Add to this job's pipeline" from the candidate's suggested jobs."""
    candidate = access_object(Candidate.objects.current(), request.user, uuid=uuid)
    target = access_object(Job, request.user, uuid=job)
    error = ""
    try:
        with transaction.atomic():
            do_add_to_pipeline(candidate, target, actor=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Added to {target}.")
        return redirect("candidates:detail", uuid=candidate.uuid)
    context = _suggestions_context(request, candidate, added=None if error else target,
                                   error=error)
    if not error:
        # The Jobs card of the record shows the new application too (an out-of-band swap).
        from rounds.candidates.forms import AddToJobForm
        from rounds.candidates.views.profile import _applications, _job_url, _open_jobs

        applications = list(_applications(request, candidate))
        for application in applications:
            application.job_url = _job_url(application.job)
        context.update(applications=applications, oob_applications=True,
                       add_to_job_form=AddToJobForm(prefix="application",
                                                    jobs=_open_jobs(request, candidate)))
    return render(request, "matching/_candidate_jobs.html", context,
                  status=400 if error else 200)


# --- the organization's weights --------------------------------------------------------------

def _history(request):
    changes = WeightChange.objects.visible_to(request.user).select_related("actor")
    page = Paginator(changes.order_by("-at", "-id"), HISTORY_PAGE).get_page(
        request.GET.get("page"))
    for change in page.object_list:
        change.moves = [
            {"label": Component(key).label, "before": before * 100, "after": after * 100,
             "up": delta > 0, "text": f"{'+' if delta > 0 else '−'}{abs(delta) * 100:.1f} pts"}
            for key, before, after, delta in change.deltas()
        ]
        change.cause = (str(change.actor) if change.actor else
                        "Pipeline outcome" if change.source in OUTCOMES else "Rounds")
    return page


@member_required
def weights(request):
    """What each score component weighs, how many signals tuned it, and every change. Admins
    change the weights; everyone in the organization may look."""
    org_id = request.user.organization_id
    editable = can_admin(request.user)
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only admins change the match weights.")
    row = MatchWeights.objects.filter(organization_id=org_id).first()
    current = actions.current_weights(org_id)
    form = WeightsForm(request.POST or None, weights=current)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                actions.do_set_weights(org_id, form.weights(), actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Match weights saved. Every job's matches use them now.")
            return redirect("matching:weights")
    page = _history(request)
    return render(request, "matching/weights.html", {
        "nav": "settings" if editable else "matching", "form": form, "editable": editable,
        "rows": [{"key": k, "label": Component(k).label, "percent": round(v * 100, 1),
                  "default": DEFAULT_WEIGHTS[k] * 100, "field": form[k]}
                 for k, v in current.items()],
        "signals": row.signals if row else 0, "tuned_at": row.updated_at if row else None,
        "page_obj": page, "changes": page.object_list, "querystring_without_page": "",
    }, status=400 if form.is_bound else 200)


@require_POST
@admin_required
def weights_reset(request):
    with transaction.atomic():
        actions.do_reset_weights(request.user.organization_id, actor=request.user)
    messages.success(request, "Match weights are back to the defaults.")
    return redirect(reverse("matching:weights"))
