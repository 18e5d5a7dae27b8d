"""JSON API for matching, mounted at /api/matching.

GET  /api/matching/jobs/{uuid}/matches      the pool ranked for a job, with reasons and gaps
GET  /api/matching/candidates/{uuid}/jobs   the open jobs a candidate fits best
POST /api/matching/jobs/{uuid}/feedback     thumbs up or down on a match (the weights learn)
POST /api/matching/rank                     rank the pool for a schema.org JobPosting
GET  /api/matching/weights                  the weights, the signals applied, recent changes
PUT  /api/matching/weights                  set the weights (admins)
DELETE /api/matching/weights                back to the defaults (admins)

Errors: 401 without a session or token; 403 when the role may not write (feedback needs a
recruiter or an admin, as adding to a pipeline does; weights need an admin); 404 for a job or
candidate outside your organization or, for hiring managers, outside the jobs they are on (a
hiring manager's rankings hold only the people in those jobs' pipelines); 400 {"detail",
"errors": {field: [..]}} for a refused value (a JobPosting without a title, an unknown weight);
422 for a malformed body or wrong types."""

from __future__ import annotations

import re
from typing import Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from ninja import Router, Schema
from pydantic import Field

from rounds.candidates.models import Candidate
from rounds.jobs.models import Job
from rounds.lib.api import (
    ERRORS,
    PAGING,
    ErrorOut,
    limit_param,
    next_url,
    offset_param,
    page_of,
    paginate,
)
from rounds.lib.permissions import can_admin, can_edit
from rounds.lib.tenancy import access_object

from . import actions
from .choices import DEFAULT_WEIGHTS, Component
from .engine import JobSpec, Ranking, jobs_for_candidate, spec_for_job
from .models import MatchWeights, WeightChange
from .posting import PostingError, read_posting
from .views import in_pipeline, job_queryset, rank_for

router = Router(tags=["Matching"])
MAX_OFFSET = 1_000_000  # the ranking reads no further (an offset beyond it: an empty page)


# --- schemas --------------------------------------------------------------------------------

class MatchOut(Schema):
    rank: int
    candidate: UUID
    name: str
    external_id: str
    score: float = Field(description="0–100")
    band: str = Field("", description="Strong fit (80–100, no gap), Good fit (60–79, one "
                      "near-miss), Partial fit (40–59, a real gap or two near-misses), Weak "
                      "fit; empty when the job was ranked by text similarity")
    components: dict[str, float] = Field(
        description="Each component that applies to the job, 0–1 (see GET /weights for labels)"
    )
    reasons: list[str]
    gaps: list[str]
    near_miss: bool = Field(description="Close, but missing something the job asks for")
    in_pipeline: str | None = Field(
        None, description="The stage they are in, when already in this job's pipeline"
    )


class ExcludedOut(Schema):
    reason: str
    count: int


class RankingOut(Schema):
    count: int = Field(description="How many the list holds (after the pipeline and near-miss "
                       "filters)")
    next: str | None = Field(description="URL of the next page with the same filters; null on "
                             "the last page (for POST /rank, post the same body to it)")
    items: list[MatchOut]
    job: UUID | None = None
    understood: list[str] = Field(description="What matching understood of the job, in words")
    warnings: list[str]
    ranked: int = Field(description="Candidates ranked (those excluded by law not counted)")
    excluded: list[ExcludedOut]
    weights: dict[str, float]
    applicable: list[str] = Field(description="Components that apply to this job")
    elapsed_ms: float


class JobMatchOut(Schema):
    job: UUID
    title: str
    status: str
    score: float
    band: str = ""
    components: dict[str, float]
    reasons: list[str]
    gaps: list[str]
    near_miss: bool


class FeedbackIn(Schema):
    candidate: UUID
    verdict: Literal["up", "down"]


class FeedbackOut(Schema):
    recorded: bool = Field(description="False when it repeats your last verdict: nothing changes")
    verdict: Literal["up", "down"]
    weights: dict[str, float]
    signals: int


class WeightChangeOut(Schema):
    at: str
    source: str
    summary: str
    actor: str | None
    before: dict[str, float]
    after: dict[str, float]


class WeightsOut(Schema):
    weights: dict[str, float] = Field(description="Each component's weight; they sum to 1")
    defaults: dict[str, float]
    labels: dict[str, str]
    signals: int = Field(description="Feedback and pipeline outcomes applied so far")
    history: list[WeightChangeOut] = Field(description="The latest 20 changes, newest first")


class WeightsIn(Schema):
    weights: dict[str, float] = Field(
        description="Any components, any non-negative numbers: they are scaled to sum to 1 "
                    "(each kept between 0.02 and 0.40); components left out keep their weight"
    )


# --- helpers --------------------------------------------------------------------------------

_FIELD_PATH = re.compile(r"^[@\w.\[\]#-]+$")


def posting_errors(exc: Exception) -> dict[str, str]:
    """A PostingError ("baseSalary.value: minValue 5 is above maxValue 4") as {field: message};
    one that names no field of the posting ("not JSON: …") is about the body."""
    head, sep, rest = str(exc).partition(": ")
    if sep and _FIELD_PATH.match(head):
        return {head: rest}
    return {"body": str(exc)}

def _ranking_out(request, ranking: Ranking, spec: JobSpec, *, job: Job | None = None,
                 pipeline: dict[int, str] | None = None) -> dict:
    pipeline = pipeline or {}
    end = ranking.offset + len(ranking.results)
    return {
        "count": ranking.listed,
        "next": next_url(request, end) if ranking.results and end < ranking.listed else None,
        "job": job.uuid if job else None, "understood": spec.summary(),
        "warnings": ranking.warnings, "ranked": ranking.total,
        "excluded": [{"reason": r, "count": n} for r, n in ranking.excluded],
        "weights": ranking.weights, "applicable": ranking.applicable,
        "elapsed_ms": round(ranking.elapsed_ms, 1),
        "items": [
            {"rank": m.rank, "candidate": m.candidate.uuid, "name": m.candidate.full_name,
             "external_id": m.external_id, "score": m.score, "band": m.band,
             "components": {k: round(v, 4) for k, v in m.components.items()},
             "reasons": m.reasons, "gaps": m.gaps, "near_miss": m.near_miss,
             "in_pipeline": pipeline.get(m.candidate_id)}
            for m in ranking.results
        ],
    }


def _weights_out(request) -> dict:
    org_id = request.user.organization_id
    row = MatchWeights.objects.filter(organization_id=org_id).first()
    history = (WeightChange.objects.visible_to(request.user).select_related("actor")
               .order_by("-at", "-id")[:20])
    return {
        "weights": actions.current_weights(org_id), "defaults": dict(DEFAULT_WEIGHTS),
        "labels": {k: str(Component(k).label) for k in DEFAULT_WEIGHTS},
        "signals": row.signals if row else 0,
        "history": [
            {"at": c.at.isoformat(), "source": c.source, "summary": c.summary,
             "actor": str(c.actor) if c.actor else None, "before": c.before, "after": c.after}
            for c in history
        ],
    }


# --- routes ---------------------------------------------------------------------------------

@router.get(
    "/jobs/{uuid}/matches", response={200: RankingOut, **ERRORS, 503: ErrorOut},
    summary="Everyone in your pool ranked for a job, with the score, its components, reasons "
            "and gaps",
    description="`include_pipeline=false` (the default) leaves out the people already in the "
                "job's pipeline; `near_misses_only` keeps those missing something the job asks "
                "for. " + PAGING + " 404 for "
                "a job outside your organization or, for hiring managers, outside their jobs.",
)
def job_matches(request, uuid: UUID, limit: int = limit_param(), offset: int = offset_param(),
                near_misses_only: bool = False, include_pipeline: bool = False):
    job = access_object(job_queryset(), request.user, uuid=uuid)
    pipeline = in_pipeline(request.user, job)
    spec = spec_for_job(job)
    ranking = rank_for(request.user, spec, limit=limit, offset=min(offset, MAX_OFFSET),
                       skip_ids=() if include_pipeline else list(pipeline),
                       near_misses_only=near_misses_only)
    return _ranking_out(request, ranking, spec, job=job, pipeline=pipeline)


@router.get(
    "/candidates/{uuid}/jobs", response={200: page_of(JobMatchOut), **ERRORS, 503: ErrorOut},
    summary="The open jobs a candidate fits best, best first",
    description="Jobs you can see that are open. " + PAGING + " 404 for a candidate "
                "outside your organization or, for hiring managers, outside their jobs.",
)
def candidate_jobs(request, uuid: UUID, limit: int = limit_param(),
                   offset: int = offset_param()):
    candidate = access_object(Candidate.objects.current(), request.user, uuid=uuid)
    jobs = Job.objects.visible_to(request.user).open()
    found = jobs_for_candidate(candidate, limit=jobs.count(), jobs=jobs)
    return paginate(found, limit, offset, request, lambda jm: {
        "job": jm.job.uuid, "title": jm.job.title, "status": jm.job.status,
        "score": jm.match.score, "band": jm.match.band, "components": jm.match.components,
        "reasons": jm.match.reasons, "gaps": jm.match.gaps, "near_miss": jm.match.near_miss})


@router.post(
    "/jobs/{uuid}/feedback", response={200: FeedbackOut, **ERRORS, 503: ErrorOut},
    summary="Thumbs up or down on a candidate for a job; the organization's weights learn",
    description="Body {candidate: uuid, verdict: \"up\" | \"down\"}. Repeating your last "
                "verdict changes nothing (`recorded: false`). 403 unless you are a recruiter or "
                "an admin; 404 for a job or candidate you cannot see; 422 for another verdict.",
)
def feedback(request, uuid: UUID, payload: FeedbackIn):
    job = access_object(job_queryset(), request.user, uuid=uuid)
    candidate = access_object(Candidate.objects.current(), request.user, uuid=payload.candidate)
    if not can_edit(request.user):
        raise PermissionDenied("Only recruiters and admins give feedback on matches.")
    with transaction.atomic():
        recorded = actions.do_record_feedback(job, candidate, actor=request.user,
                                              positive=payload.verdict == "up")
    row = MatchWeights.objects.filter(organization_id=job.organization_id).first()
    return {"recorded": recorded is not None, "verdict": payload.verdict,
            "weights": actions.current_weights(job.organization_id),
            "signals": row.signals if row else 0}


@router.post(
    "/rank", response={200: RankingOut, **ERRORS, 503: ErrorOut},
    summary="Rank your pool for a schema.org JobPosting (JSON-LD), without saving a job",
    description="The body is a JobPosting object as published on a career site (an "
                "`@graph` or list holding one, or a whole HTML page with its "
                "`application/ld+json` script, is accepted). Nothing is saved. 400 names the "
                "field that can't be read, "
                "e.g. {\"detail\": \"title: ...\", \"errors\": {\"title\": [...]}}. " + PAGING
                + " Post the same body to `next`.",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "additionalProperties": True},
        "example": {"@context": "https://schema.org", "@type": "JobPosting",
                    "title": "Family Physician", "employmentType": "FULL_TIME",
                    "jobLocation": {"@type": "Place", "address": {
                        "@type": "PostalAddress", "addressLocality": "Red Deer",
                        "addressRegion": "AB", "addressCountry": "CA"}}},
    }}}},
)
def rank_posting(request, limit: int = limit_param(), offset: int = offset_param()):
    try:
        posting = read_posting(request.body)
    except PostingError as exc:
        raise ValidationError(posting_errors(exc)) from None
    spec = JobSpec.from_posting(posting)
    ranking = rank_for(request.user, spec, limit=limit, offset=min(offset, MAX_OFFSET))
    return _ranking_out(request, ranking, spec)


@router.get("/weights", response={200: WeightsOut, **ERRORS},
            summary="The organization's match weights, the signals applied and recent changes")
def get_weights(request):
    return _weights_out(request)


@router.put(
    "/weights", response={200: WeightsOut, **ERRORS},
    summary="Set the match weights (admins)",
    description="403 unless you are an admin; 400 naming `weights` for an unknown component, a "
                "negative number, or all zeros.",
)
def put_weights(request, payload: WeightsIn):
    if not can_admin(request.user):
        raise PermissionDenied("Only admins change the match weights.")
    with transaction.atomic():
        actions.do_set_weights(request.user.organization_id, payload.weights, actor=request.user)
    return _weights_out(request)


@router.delete("/weights", response={200: WeightsOut, **ERRORS},
               summary="Reset the match weights to the defaults (admins); 403 otherwise")
def reset_weights(request):
    if not can_admin(request.user):
        raise PermissionDenied("Only admins change the match weights.")
    with transaction.atomic():
        actions.do_reset_weights(request.user.organization_id, actor=request.user)
    return _weights_out(request)
