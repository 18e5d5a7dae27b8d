"""JSON API for jobs (requisitions) and their requirements. Mounted at /api/jobs.

Errors: 400 {"detail", "errors": {field: [..]}} when the input is refused (e.g. a pay range whose
top is below its bottom, an end_date before the start_date), 422 when the body doesn't match the
schema, 403 when the role doesn't allow the change (only recruiters and admins create or change
jobs; only admins override the audit), 404 for a job outside your organization or, for hiring
managers, outside the jobs they are on, 409 {"detail", "findings": [..]} when saving a job open
(publishing it) would break a rule of its jurisdiction (rounds.jobs.audit) and no admin's
`override_reason` was given."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from ninja import Field, Router, Schema, Status

from rounds.accounts.models import Site, User
from rounds.candidates.choices import Profession, Setting
from rounds.lib import jurisdictions
from rounds.lib.api import (
    ERRORS,
    PAGING,
    ErrorOut,
    limit_param,
    offset_param,
    page_of,
    paginate,
)
from rounds.lib.permissions import can_edit
from rounds.lib.tenancy import access_object

from . import actions, hooks
from . import audit as audit_module
from .choices import AuditSeverity, EmploymentType, JobStatus, PayPeriod, RequirementKind
from .models import Job, Requirement

router = Router(tags=["Jobs"])


class FindingOut(Schema):
    """One finding of the job-description audit."""

    rule: str
    severity: AuditSeverity
    blocks_publishing: bool
    message: str
    reason: str
    fix: str
    field: str
    examples: list[str]
    counts: dict[str, int]


class AuditOut(Schema):
    jurisdiction: str
    blocks_publishing: bool
    findings: list[FindingOut]


class PublishBlockedOut(ErrorOut):
    findings: list[FindingOut]


WRITE_ERRORS = {**ERRORS, 409: PublishBlockedOut}


class RequirementOut(Schema):
    id: int
    text: str
    kind: RequirementKind
    required: bool
    position: int


class StageCountOut(Schema):
    stage_id: int
    stage: str
    count: int


class JobOut(Schema):
    uuid: UUID
    title: str
    status: JobStatus
    site_id: int | None
    site: str | None
    profession: Profession
    specialty: str
    specialty_code: str
    employment_type: EmploymentType
    setting: str
    licence_jurisdiction: str
    pay_min: Decimal | None
    pay_max: Decimal | None
    pay_currency: str
    pay_period: PayPeriod
    pay_display: str
    openings: int
    owner_id: int | None
    start_date: date | None
    end_date: date | None
    opened_at: datetime
    closed_at: datetime | None
    in_pipeline: int


class JobDetailOut(JobOut):
    description: str
    value_proposition: str
    benefits: str
    apply_by: date | None
    vacancy_exists: bool | None
    ai_screening: bool | None
    hiring_team: list[int]
    published_on: list[str]
    must_haves: list[RequirementOut]
    nice_to_haves: list[RequirementOut]
    pipeline: list[StageCountOut]


class JobIn(Schema):
    title: str
    profession: Profession
    site_id: int | None = None
    specialty: str = ""
    specialty_code: str = ""
    employment_type: EmploymentType = EmploymentType.PERMANENT
    setting: Setting | None = None
    licence_jurisdiction: str = ""
    description: str = ""
    value_proposition: str = ""
    pay_min: Decimal | None = None
    pay_max: Decimal | None = None
    pay_currency: str = ""
    pay_period: PayPeriod = PayPeriod.YEAR
    openings: int = 1
    status: JobStatus = JobStatus.OPEN
    start_date: date | None = None
    end_date: date | None = None
    owner_id: int | None = None
    hiring_team: list[int] = []
    published_on: list[str] = []
    must_haves: list[str] = []
    nice_to_haves: list[str] = []
    benefits: str = ""
    apply_by: date | None = None
    vacancy_exists: bool | None = None
    ai_screening: bool | None = None
    override_reason: str = Field("", max_length=1000, description=(
        "Publish over the audit's findings required in the job's jurisdiction (admins only); "
        "kept in the audit log."))


class JobPatch(Schema):
    title: str | None = None
    profession: Profession | None = None
    site_id: int | None = None
    specialty: str | None = None
    specialty_code: str | None = None
    employment_type: EmploymentType | None = None
    setting: Setting | None = None
    licence_jurisdiction: str | None = None
    description: str | None = None
    value_proposition: str | None = None
    pay_min: Decimal | None = None
    pay_max: Decimal | None = None
    pay_currency: str | None = None
    pay_period: PayPeriod | None = None
    openings: int | None = None
    status: JobStatus | None = None
    start_date: date | None = None
    end_date: date | None = None
    owner_id: int | None = None
    hiring_team: list[int] | None = None
    published_on: list[str] | None = None
    must_haves: list[str] | None = None
    nice_to_haves: list[str] | None = None
    benefits: str | None = None
    apply_by: date | None = None
    vacancy_exists: bool | None = None
    ai_screening: bool | None = None
    override_reason: str = Field("", max_length=1000, description=(
        "Publish over the audit's findings required in the job's jurisdiction (admins only); "
        "kept in the audit log."))


class RequirementIn(Schema):
    text: str
    required: bool = True
    kind: RequirementKind | None = None


def _require_editor(request) -> None:
    if not can_edit(request.user):
        raise PermissionDenied("Only recruiters and admins can create or change jobs.")


def _stage_list(org_id: int):
    return hooks.stages(org_id)


def _job_out(job: Job, counts: dict[int, int]) -> dict:
    return {
        **{f: getattr(job, f) for f in (
            "uuid", "title", "status", "site_id", "profession", "specialty", "specialty_code",
            "employment_type", "setting", "licence_jurisdiction", "pay_min", "pay_max",
            "pay_currency", "pay_period", "pay_display", "openings", "owner_id", "start_date",
            "end_date", "opened_at", "closed_at")},
        "site": job.site.name if job.site_id else None,
        "in_pipeline": sum(counts.values()),
    }


def _job_detail(job: Job) -> dict:
    counts = hooks.counts([job.pk]).get(job.pk, {})
    reqs = list(job.requirements.all())
    return {
        **_job_out(job, counts),
        "description": job.description, "value_proposition": job.value_proposition,
        "benefits": job.benefits, "apply_by": job.apply_by,
        "vacancy_exists": job.vacancy_exists, "ai_screening": job.ai_screening,
        "hiring_team": [u.pk for u in job.hiring_team.all()],
        "published_on": list(job.published_on or []),
        "must_haves": [r for r in reqs if r.required],
        "nice_to_haves": [r for r in reqs if not r.required],
        "pipeline": [{"stage_id": s.pk, "stage": s.name, "count": counts.get(s.pk, 0)}
                     for s in _stage_list(job.organization_id)],
    }


def _resolve(request, data: dict) -> dict:
    """Turn ids in the payload into the org's objects; unknown ids are a 400 naming the field."""
    org_id = request.user.organization_id
    errors = {}
    if "site_id" in data:
        site_id = data.pop("site_id")
        data["site"] = None
        if site_id is not None:
            data["site"] = Site.objects.filter(organization_id=org_id, pk=site_id).first()
            if data["site"] is None:
                errors["site_id"] = "Unknown site."
    if "owner_id" in data:
        owner_id = data.pop("owner_id")
        data["owner"] = None
        if owner_id is not None:
            data["owner"] = User.objects.filter(organization_id=org_id, pk=owner_id).first()
            if data["owner"] is None:
                errors["owner_id"] = "Unknown user."
    if data.get("hiring_team") is not None:
        ids = set(data["hiring_team"])
        team = list(User.objects.filter(organization_id=org_id, pk__in=ids))
        if len(team) != len(ids):
            errors["hiring_team"] = "Unknown user."
        data["hiring_team"] = team
    if "setting" in data:
        data["setting"] = data["setting"] or ""
    if data.get("licence_jurisdiction"):
        code = jurisdictions.normalize(data["licence_jurisdiction"])
        if code is None:
            errors["licence_jurisdiction"] = "Unknown jurisdiction; use a code such as CA-AB."
        data["licence_jurisdiction"] = code or ""
    if "pay_currency" in data:
        currency = (data["pay_currency"] or "").strip().upper()
        if not currency:
            from rounds.accounts.models import Organization

            country = Organization.objects.filter(pk=org_id).values_list("country", flat=True)
            currency = "USD" if country.first() == "US" else "CAD"
        data["pay_currency"] = currency
    if data.get("openings") is not None and data["openings"] < 1:
        errors["openings"] = "A job has at least one opening."
    if errors:
        raise ValidationError(errors)
    return data


@router.get("/", response={200: page_of(JobOut), **ERRORS},
            summary="Jobs you can see, with filters and the size of each pipeline",
            description=PAGING)
def list_jobs(request, status: JobStatus | None = None, site_id: int | None = None,
              profession: Profession | None = None, q: str | None = None,
              limit: int = limit_param(), offset: int = offset_param()):
    qs = Job.objects.visible_to(request.user).select_related("site").order_by("-opened_at", "-id")
    if status:
        qs = qs.filter(status=status)
    if site_id:
        qs = qs.filter(site_id=site_id)
    if profession:
        qs = qs.filter(profession=profession)
    if q:
        qs = qs.filter(title__icontains=q)
    page = paginate(qs, limit, offset, request)
    counts = hooks.counts(j.pk for j in page["items"])
    page["items"] = [_job_out(j, counts.get(j.pk, {})) for j in page["items"]]
    return page


def _blocked(exc: actions.PublishBlocked) -> Status:
    return Status(409, {
        "detail": "Not published: the job breaks a rule of its jurisdiction. Fix it, save it as "
                  "a draft, or have an admin send override_reason.",
        "findings": [f.as_dict() for f in exc.findings],
    })


@router.post("/", response={201: JobDetailOut, **WRITE_ERRORS},
             summary="Create a job (recruiters and admins); 400 names a refused field, e.g. "
                     "pay_max below pay_min; 409 lists the audit's findings that stop it "
                     "being published open")
def create_job(request, payload: JobIn):
    _require_editor(request)
    data = _resolve(request, payload.model_dump())
    reason = data.pop("override_reason")
    try:
        with transaction.atomic():
            job = actions.do_create_job(request.user.organization_id, actor=request.user,
                                        via="api", enforce_audit=True, override_reason=reason,
                                        **data)
    except actions.PublishBlocked as exc:
        return _blocked(exc)
    return Status(201, _job_detail(job))


@router.get("/{uuid}", response={200: JobDetailOut, **ERRORS},
            summary="One job with its requirements and pipeline counts per stage")
def get_job(request, uuid: UUID):
    job = access_object(Job.objects.select_related("site"), request.user, uuid=uuid)
    return _job_detail(job)


@router.patch("/{uuid}", response={200: JobDetailOut, **WRITE_ERRORS},
              summary="Change a job (recruiters and admins); lists given replace the old ones; "
                      "409 lists the audit's findings that stop it being published open")
def patch_job(request, uuid: UUID, payload: JobPatch):
    try:
        with transaction.atomic():
            job = access_object(Job.objects.select_for_update(), request.user, uuid=uuid)
            _require_editor(request)
            data = payload.model_dump(exclude_unset=True)
            reason = data.pop("override_reason", "")
            for key in ("title", "profession", "employment_type", "pay_period", "status",
                        "openings", "pay_currency"):
                if key in data and data[key] is None:
                    raise ValidationError({key: "This field can't be empty."})
            if data.get("benefits", "") is None:
                data["benefits"] = ""
            data = _resolve(request, data)
            actions.do_update_job(job, actor=request.user, via="api", enforce_audit=True,
                                  override_reason=reason, **data)
    except actions.PublishBlocked as exc:
        return _blocked(exc)
    job.refresh_from_db()
    return _job_detail(job)


@router.get("/{uuid}/audit", response={200: AuditOut, **ERRORS},
            summary="The job-description audit: pay transparency in the job's jurisdiction, "
                    "degree inflation, exclusionary and gender-coded wording, the posting's "
                    "shape; each finding with its reason and a suggested fix")
def get_job_audit(request, uuid: UUID):
    job = access_object(Job.objects.select_related("site"), request.user, uuid=uuid)
    findings = actions.audit_job(job)
    posting = audit_module.posting_for_job(job)
    return {"jurisdiction": posting.jurisdiction,
            "blocks_publishing": any(f.blocks_publishing for f in findings),
            "findings": [f.as_dict() for f in findings]}


@router.post("/{uuid}/requirements", response={201: RequirementOut, **ERRORS},
             summary="Add a must-have (required=true) or a nice-to-have (required=false)")
def add_requirement(request, uuid: UUID, payload: RequirementIn):
    job = access_object(Job, request.user, uuid=uuid)
    _require_editor(request)
    with transaction.atomic():
        requirement = actions.do_add_requirement(
            job, text=payload.text, required=payload.required, kind=payload.kind or "",
            actor=request.user, via="api",
        )
    return Status(201, requirement)


@router.delete("/{uuid}/requirements/{requirement_id}", response={204: None, **ERRORS},
               summary="Remove a requirement")
def remove_requirement(request, uuid: UUID, requirement_id: int):
    job = access_object(Job, request.user, uuid=uuid)
    requirement = access_object(Requirement.objects.filter(job=job), request.user,
                                pk=requirement_id)
    _require_editor(request)
    with transaction.atomic():
        actions.do_remove_requirement(requirement, actor=request.user, via="api")
    return Status(204, None)
