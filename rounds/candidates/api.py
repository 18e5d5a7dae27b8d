"""JSON API for candidates, mounted at /api/candidates.

GET    /api/candidates                      search (CandidateQuery params, `limit`,
                                            `offset`) → {count, next, items, warnings}
POST   /api/candidates                      create → 201
GET    /api/candidates/{uuid}               the full record (audited as a view)
PATCH  /api/candidates/{uuid}               change fields, specialties, tags
POST   /api/candidates/{uuid}/{section}     add a licence, certification, experience, education,
DELETE /api/candidates/{uuid}/{section}/{id}  specialty or availability row / remove it
GET    /api/candidates/{uuid}/consents      consent records, newest first
POST   /api/candidates/{uuid}/consents      record consent (or its withdrawal)
GET    /api/candidates/{uuid}/activities    notes, calls, meetings… (`kind` filter)
POST   /api/candidates/{uuid}/activities    add a note, log a call or a meeting
GET    /api/candidates/{uuid}/timeline      everything that happened, newest first, paginated
POST   /api/candidates/{uuid}/attachments   upload a document (multipart `file`, `kind`)
GET    /api/candidates/{uuid}/attachments/{id}  download it

Errors: 401 without a session or token; 403 when the role may not write (read-only; hiring
managers may only add activities, on candidates in their jobs); 404 for a record you cannot see
(another organization's is always a 404); 400 {"detail": "field: message", "errors": {field:
[messages]}} for invalid values; 422 for a malformed body or wrong types.
"""

import math
import zoneinfo
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from rounds.accounts.choices import CompensationModel
from rounds.accounts.models import User
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.lib.api import (
    ERRORS,
    INT_MAX,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    limit_param,
    next_url,
    offset_param,
    page_of,
    paginate,
)
from rounds.lib.api import ErrorOut as Error
from rounds.lib.contact import format_phone
from rounds.lib.http import client_ip
from rounds.lib.permissions import can_edit
from rounds.lib.tenancy import access_object

from . import actions
from .choices import AttachmentKind, EmploymentType, Setting
from .models import (
    Attachment,
    Availability,
    Candidate,
    Certification,
    ConsentRecord,
    Education,
    Experience,
    Licence,
    Specialty,
)

router = Router(tags=["Candidates"])


# --- schemas --------------------------------------------------------------------------------

READ_ERRORS = {401: Error, 404: Error}


class SpecialtyIn(Schema):
    name: str = Field(max_length=120)
    code: str = ""
    is_primary: bool = False


class SpecialtyOut(Schema):
    id: int
    name: str
    code: str
    is_primary: bool


class LicenceIn(Schema):
    jurisdiction: str = Field(description="ISO 3166-2 code (CA-AB, US-TX) or a name (Alberta)")
    number: str = ""
    licence_type: str = ""
    status: str = "active"
    issuer: str = ""
    issued_on: date | None = None
    expires_on: date | None = None


class LicenceOut(Schema):
    id: int
    jurisdiction: str
    licence_type: str
    number: str
    status: str
    issuer: str
    issued_on: date | None
    expires_on: date | None
    is_current: bool


class CertificationIn(Schema):
    name: str = Field(max_length=120)
    kind: str = "other"
    issuer: str = ""
    obtained_on: date | None = None
    expires_on: date | None = None


class CertificationOut(Schema):
    id: int
    name: str
    kind: str
    issuer: str
    obtained_on: date | None
    expires_on: date | None


class ExperienceIn(Schema):
    employer: str = Field(max_length=200)
    role: str = Field(max_length=200)
    setting: str = ""
    location: str = ""
    start_date: date | None = None
    end_date: date | None = None
    description: str = ""
    therapeutic_areas: list[str] = []
    trial_phases: list[str] = []


class ExperienceOut(ExperienceIn):
    id: int


class EducationIn(Schema):
    institution: str = Field(max_length=200)
    credential: str = Field(max_length=120)
    field: str = ""
    graduation_year: int | None = None


class EducationOut(EducationIn):
    id: int


class AvailabilityIn(Schema):
    start_date: date
    end_date: date
    note: str = ""


class AvailabilityOut(AvailabilityIn):
    id: int


class ConsentIn(Schema):
    channel: str = Field(description="email | sms | call")
    basis: str = Field(description="express | implied_transaction | implied_inquiry | "
                                   "published_address | revoked")
    evidence: str = ""
    obtained_at: datetime | None = None


class ConsentOut(Schema):
    id: int
    channel: str
    basis: str
    obtained_at: datetime
    expires_at: datetime | None
    evidence: str
    valid_now: bool


class ApplicationOut(Schema):
    id: int
    job_uuid: UUID
    job_title: str
    stage: str
    stage_kind: str
    stage_entered_at: datetime
    next_action: str
    next_action_due_at: datetime | None
    owner: str | None


class AttachmentOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    download_url: str


class CandidateSummary(Schema):
    uuid: UUID
    full_name: str
    first_name: str
    last_name: str
    credentials: str
    email: str
    phone: str
    profession: str
    headline: str
    city: str
    region: str
    country: str
    status: str
    source: str
    tags: list[str]
    specialties: list[str]
    distance_km: float | None = None
    last_activity_at: datetime | None


CandidatePage = page_of(CandidateSummary, "CandidatePage", warnings=(list[str], []))


class CandidateOut(Schema):
    uuid: UUID
    full_name: str
    first_name: str
    last_name: str
    preferred_name: str
    credentials: str
    pronouns: str
    email: str
    phone: str
    phone_display: str
    profession: str
    headline: str
    summary: str
    years_experience: int | None
    postal_code: str
    city: str
    region: str
    country: str
    latitude: float | None
    longitude: float | None
    time_zone: str
    location_resolved: bool
    willing_to_relocate: bool
    relocation_radius_km: int | None
    status: str
    source: str
    source_detail: str
    referred_by: UUID | None
    referrer_name: str
    preferred_employment_types: list[str]
    preferred_compensation_models: list[str]
    preferred_settings: list[str]
    preferred_schedule: str
    desired_start: date | None
    minimum_pay: Decimal | None
    preferred_channels: list[str]
    quiet_hours_start: time | None
    quiet_hours_end: time | None
    contact_frequency: str
    languages: list[str]
    owner: str | None
    tags: list[str]
    specialties: list[SpecialtyOut]
    licences: list[LicenceOut]
    certifications: list[CertificationOut]
    experiences: list[ExperienceOut]
    education: list[EducationOut]
    availability: list[AvailabilityOut]
    consents: list[ConsentOut]
    attachments: list[AttachmentOut]
    applications: list[ApplicationOut]
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime | None


class _ProfileFields(Schema):
    preferred_name: str | None = None
    credentials: str | None = None
    pronouns: str | None = None
    email: str | None = None
    phone: str | None = None
    headline: str | None = None
    summary: str | None = None
    years_experience: int | None = Field(None, ge=0, le=80)
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    time_zone: str | None = Field(None, description="IANA zone; empty to take the location's")
    willing_to_relocate: bool | None = None
    relocation_radius_km: int | None = Field(None, ge=0, le=20000)
    status: str | None = None
    source: str | None = None
    source_detail: str | None = None
    referred_by: UUID | None = Field(None, description="A candidate in your pool")
    referrer_name: str | None = None
    preferred_employment_types: list[str] | None = None
    preferred_compensation_models: list[str] | None = None
    preferred_settings: list[str] | None = None
    preferred_schedule: str | None = None
    desired_start: date | None = None
    minimum_pay: Decimal | None = Field(None, ge=0)
    preferred_channels: list[str] | None = Field(None, description="In order, e.g. [sms, email]")
    quiet_hours_start: time | None = None
    quiet_hours_end: time | None = None
    contact_frequency: str | None = None
    languages: list[str] | None = None
    owner: str | None = Field(None, description="Email of a user in your organization")
    tags: list[str] | None = None
    specialties: list[str] | None = Field(None, description="The first is primary")


class CandidateIn(_ProfileFields):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    profession: str


class CandidatePatch(_ProfileFields):
    first_name: str | None = Field(None, min_length=1, max_length=100)
    last_name: str | None = Field(None, min_length=1, max_length=100)
    profession: str | None = None


# --- helpers --------------------------------------------------------------------------------

def _require_edit(request) -> None:
    if not can_edit(request.user):
        raise PermissionDenied("Your role does not allow changing candidates.")


def _get(request, uuid, queryset=None) -> Candidate:
    return access_object(queryset if queryset is not None else Candidate.objects.current(),
                         request.user, uuid=uuid)


def _detail_queryset():
    return Candidate.objects.select_related("owner", "referred_by").prefetch_related(
        "tags", "specialties", "licences", "certifications", "experiences", "education",
        "availability", "consents", Prefetch("attachments", queryset=Attachment.objects.all()),
    )





def consent_out(r: ConsentRecord, now=None) -> dict:
    return {"id": r.pk, "channel": r.channel, "basis": r.basis, "obtained_at": r.obtained_at,
            "expires_at": r.expires_at, "evidence": r.evidence,
            "valid_now": r.is_valid_at(now or timezone.now())}


def attachment_out(candidate: Candidate, a: Attachment) -> dict:
    return {"id": a.pk, "kind": a.kind, "original_name": a.original_name,
            "content_type": a.content_type, "size": a.size, "sha256": a.sha256,
            "uploaded_at": a.uploaded_at,
            "download_url": reverse("api-1:candidate_attachment_download",
                                    kwargs={"uuid": candidate.uuid, "attachment_id": a.pk})}


def _row(obj, fields) -> dict:
    return {"id": obj.pk, **{f: getattr(obj, f) for f in fields}}


def candidate_out(request, c: Candidate) -> dict:
    now = timezone.now()
    # Through the relation the pipeline declares on the candidate (pipeline sits above).
    applications = (c.applications.visible_to(request.user)
                    .select_related("job", "stage", "owner"))
    return {
        **{f: getattr(c, f) for f in (
            "uuid", "full_name", "first_name", "last_name", "preferred_name", "credentials",
            "pronouns", "email", "phone", "profession", "headline", "summary",
            "years_experience", "postal_code", "city", "region", "country", "latitude",
            "longitude", "time_zone", "willing_to_relocate", "relocation_radius_km", "status",
            "source", "source_detail", "referrer_name", "preferred_employment_types",
            "preferred_compensation_models", "preferred_settings", "preferred_schedule",
            "desired_start", "minimum_pay", "preferred_channels", "quiet_hours_start",
            "quiet_hours_end", "contact_frequency", "languages", "created_at", "updated_at",
            "last_activity_at")},
        "phone_display": format_phone(c.phone),
        "location_resolved": c.latitude is not None,
        "referred_by": c.referred_by.uuid if c.referred_by_id else None,
        "owner": c.owner.email if c.owner_id else None,
        "tags": [t.name for t in c.tags.all()],
        "specialties": [_row(s, ("name", "code", "is_primary")) for s in c.specialties.all()],
        "licences": [_row(x, ("jurisdiction", "licence_type", "number", "status", "issuer",
                              "issued_on", "expires_on", "is_current"))
                     for x in c.licences.all()],
        "certifications": [_row(x, ("name", "kind", "issuer", "obtained_on", "expires_on"))
                           for x in c.certifications.all()],
        "experiences": [_row(x, ("employer", "role", "setting", "location", "start_date",
                                 "end_date", "description", "therapeutic_areas",
                                 "trial_phases")) for x in c.experiences.all()],
        "education": [_row(x, ("institution", "credential", "field", "graduation_year"))
                      for x in c.education.all()],
        "availability": [_row(x, ("start_date", "end_date", "note"))
                         for x in c.availability.all()],
        "consents": [consent_out(r, now) for r in c.consents.all()],
        "attachments": [attachment_out(c, a) for a in c.attachments.all()],
        "applications": [{
            "id": a.pk, "job_uuid": a.job.uuid, "job_title": a.job.title,
            "stage": a.stage.name, "stage_kind": a.stage.kind,
            "stage_entered_at": a.stage_entered_at, "next_action": a.next_action,
            "next_action_due_at": a.next_action_due_at,
            "owner": a.owner.email if a.owner_id else None,
        } for a in applications],
    }


def summary_out(c: Candidate) -> dict:
    return {
        **{f: getattr(c, f) for f in (
            "uuid", "full_name", "first_name", "last_name", "credentials", "email", "phone",
            "profession", "headline", "city", "region", "country", "status", "source",
            "last_activity_at")},
        "tags": [t.name for t in c.tags.all()],
        "specialties": [s.name for s in c.specialties.all()],
        "distance_km": (round(c.distance_km, 1) if getattr(c, "distance_km", None) is not None
                        and math.isfinite(c.distance_km) else None),
    }


CHAR_FIELDS = {
    "preferred_name", "credentials", "pronouns", "email", "phone", "headline", "summary",
    "postal_code", "city", "region", "country", "time_zone", "status", "source",
    "source_detail", "referrer_name", "preferred_schedule", "contact_frequency", "profession",
    "first_name", "last_name",
}
LIST_CHOICES = {
    "preferred_employment_types": EmploymentType.values,
    "preferred_compensation_models": CompensationModel.values,
    "preferred_settings": Setting.values,
}


def _profile_changes(request, data: dict, *, instance: Candidate | None = None) -> dict:
    """Turn an API body into model field values; raise ValidationError naming bad fields."""
    errors: dict[str, str] = {}
    out: dict = {}
    for name, value in data.items():
        if name in ("tags", "specialties"):
            continue
        if name in CHAR_FIELDS:
            value = (value or "").strip()
            if name == "country":
                value = value.upper()
        elif name in LIST_CHOICES or name in ("preferred_channels", "languages"):
            value = [v.strip() for v in (value or []) if v and v.strip()]
            allowed = LIST_CHOICES.get(name)
            if allowed and (bad := [v for v in value if v not in allowed]):
                errors[name] = (f"Unknown value: {', '.join(bad)}. "
                                f"Choose from {', '.join(allowed)}.")
        elif name == "willing_to_relocate":
            value = bool(value)
        out[name] = value
    if out.get("time_zone") and out["time_zone"] not in zoneinfo.available_timezones():
        errors["time_zone"] = f"“{out['time_zone']}” is not an IANA time zone."
    if "referred_by" in out:
        ref = out.pop("referred_by")
        out["referred_by"] = None
        if ref is not None:
            found = Candidate.objects.visible_to(request.user).filter(uuid=ref).first()
            if found is None:
                errors["referred_by"] = "That candidate is not in your pool."
            elif instance is not None and found.pk == instance.pk:
                errors["referred_by"] = "A candidate cannot refer themselves."
            out["referred_by"] = found
    if "owner" in out:
        email = (out.pop("owner") or "").strip().lower()
        out["owner"] = None
        if email:
            owner = User.objects.filter(organization_id=request.user.organization_id,
                                        email__iexact=email, is_active=True).first()
            if owner is None:
                errors["owner"] = f"No user {email} in your organization."
            out["owner"] = owner
    if errors:
        raise ValidationError(errors)
    return out


# --- candidates -----------------------------------------------------------------------------

class SearchParams(Schema):
    q: str = ""
    profession: str = ""
    specialty: str = ""
    jurisdiction: str = ""
    status: str = ""
    source: str = ""
    tag: str = ""
    near: str = Field("", description="Postal code, “City, Region”, or a city name alone "
                      "(the largest of that name in the organization's country)")
    within_km: str = Field("", description="Kilometres around `near`")
    sort: str = Field("", description="name | -name | recent | activity | distance | relevance")
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX,
                       description=f"How many to answer (1–{LIMIT_MAX}, default {LIMIT_DEFAULT})")
    offset: int = Field(0, ge=0, le=INT_MAX, description="How many to skip (0 or more)")


@router.get("", response={200: CandidatePage, **ERRORS}, url_name="candidate_list")
def list_candidates(request, params: Query[SearchParams]):
    """Search the talent pool: free text and filters, sorted. Paged with `limit` and `offset`;
    follow `next` until it is null."""
    from .search import CandidateQuery, search_candidates

    query = CandidateQuery.from_params(
        {k: v for k, v in params.dict(exclude={"limit", "offset"}).items() if v},
        country=request.user.organization.country)
    page = search_candidates(request.user, query, limit=params.limit, offset=params.offset)
    if query.match is not None and query.match.note:
        page.warnings.insert(0, f"Near {query.match}.")
    # Bulk contact details follow export's rule: only the roles that may export see emails and
    # phones in a list (a read-only user reads them one record at a time, each view audited).
    contact = can_edit(request.user)
    items = [summary_out(c) for c in page.items]
    if not contact:
        for item in items:
            item["email"] = item["phone"] = ""
        if items:
            page.warnings.append("Emails and phones are left out of lists for your role.")
    audit.record_list(request, "candidates", shown=len(items), filters=query.filters,
                      contact_details=contact)
    end = params.offset + len(items)
    return {"count": page.total, "next": next_url(request, end) if items and end < page.total
            else None, "items": items, "warnings": page.warnings}


@router.post("", response={201: CandidateOut, **ERRORS}, url_name="candidate_create")
def create_candidate(request, payload: CandidateIn):
    """Add a candidate. Email is validated and normalized, the phone stored in E.164, the
    location placed (coordinates and time zone) from the postal code or city."""
    _require_edit(request)
    data = payload.dict(exclude_unset=True)
    data.setdefault("first_name", payload.first_name)
    data.setdefault("last_name", payload.last_name)
    data.setdefault("profession", payload.profession)
    fields = _profile_changes(request, data)
    with transaction.atomic():
        candidate = actions.do_create_candidate(
            request.user.organization_id, actor=request.user, via="api",
            specialties=payload.specialties or [], tags=payload.tags or [], **fields,
        )
    return Status(201, candidate_out(request, _detail_queryset().get(pk=candidate.pk)))


@router.get("/{uuid}", response={200: CandidateOut, **READ_ERRORS},
            url_name="candidate_detail")
def get_candidate(request, uuid: UUID):
    """The full record, with every section, consent and the jobs they are in."""
    candidate = _get(request, uuid, _detail_queryset())
    actions.record_candidate_view(candidate, request.user, via="api",
                                  ip_address=client_ip(request) or None)
    return candidate_out(request, candidate)


@router.patch("/{uuid}", response={200: CandidateOut, **ERRORS}, url_name="candidate_update")
def update_candidate(request, uuid: UUID, payload: CandidatePatch):
    """Change some fields; what is not sent stays as it is. `specialties` and `tags`, when
    sent, replace the lists."""
    candidate = _get(request, uuid)
    _require_edit(request)
    data = payload.dict(exclude_unset=True)
    fields = _profile_changes(request, data, instance=candidate)
    with transaction.atomic():
        actions.do_update_profile(
            candidate, actor=request.user, via="api", specialties=data.get("specialties"),
            tags=data.get("tags"), **fields,
        )
    return candidate_out(request, _detail_queryset().get(pk=candidate.pk))


# --- rows that hang off a candidate ----------------------------------------------------------

def _clean_row(path: str, data: dict) -> dict:
    if path == "licences":
        from rounds.lib import jurisdictions

        code = jurisdictions.normalize(data.get("jurisdiction", ""))
        if code is None:
            raise ValidationError({"jurisdiction": f"“{data.get('jurisdiction')}” is not a "
                                   "licensing jurisdiction; use a code like CA-AB or US-TX."})
        data["jurisdiction"] = code
    for start, end in (("issued_on", "expires_on"), ("obtained_on", "expires_on"),
                       ("start_date", "end_date")):
        if data.get(start) and data.get(end) and data[end] < data[start]:
            raise ValidationError({end: f"{end.replace('_', ' ').capitalize()} is before "
                                        f"{start.replace('_', ' ')}."})
    return data


def _register_section(path: str, model, schema_in, schema_out, fields: tuple[str, ...]):
    name = model._meta.model_name

    def add(request, uuid: UUID, payload: schema_in):
        candidate = _get(request, uuid)
        _require_edit(request)
        data = _clean_row(path, payload.dict())
        with transaction.atomic():
            if model is Specialty and data.get("is_primary"):
                candidate.specialties.update(is_primary=False)
            obj = actions.do_add_related(candidate, model, actor=request.user, via="api", **data)
        return Status(201, _row(obj, fields))

    def remove(request, uuid: UUID, row_id: int):
        candidate = _get(request, uuid)
        _require_edit(request)
        obj = access_object(model.visible_queryset(request.user).filter(candidate=candidate),
                            request.user, pk=row_id)
        with transaction.atomic():
            actions.do_remove_related(obj, actor=request.user, via="api")
        return Status(204, None)

    add.__doc__ = f"Add a {model._meta.verbose_name} to the candidate's record."
    remove.__doc__ = f"Remove a {model._meta.verbose_name} from the candidate's record."
    router.add_api_operation(
        f"/{{uuid}}/{path}", ["POST"], add, response={201: schema_out, **ERRORS},
        operation_id=f"candidate_add_{name}", url_name=f"candidate_add_{name}",
        summary=f"Add {model._meta.verbose_name}",
    )
    router.add_api_operation(
        f"/{{uuid}}/{path}/{{row_id}}", ["DELETE"], remove, response={204: None, **ERRORS},
        operation_id=f"candidate_remove_{name}", url_name=f"candidate_remove_{name}",
        summary=f"Remove {model._meta.verbose_name}",
    )


for _path, _model, _in, _out in (
    ("specialties", Specialty, SpecialtyIn, SpecialtyOut),
    ("licences", Licence, LicenceIn, LicenceOut),
    ("certifications", Certification, CertificationIn, CertificationOut),
    ("experiences", Experience, ExperienceIn, ExperienceOut),
    ("education", Education, EducationIn, EducationOut),
    ("availability", Availability, AvailabilityIn, AvailabilityOut),
):
    _register_section(_path, _model, _in, _out, tuple(f for f in _out.model_fields if f != "id"))


# --- consent --------------------------------------------------------------------------------

@router.get("/{uuid}/consents", response={200: page_of(ConsentOut), **READ_ERRORS},
            url_name="candidate_consents")
def list_consents(request, uuid: UUID, limit: int = limit_param(),
                  offset: int = offset_param()):
    """Every consent record, newest first: the first per channel is the one in force. Paged
    with `limit` and `offset`; follow `next` until it is null."""
    candidate = _get(request, uuid)
    now = timezone.now()
    return paginate(candidate.consents.all(), limit, offset, request,
                    lambda r: consent_out(r, now))


@router.post("/{uuid}/consents", response={201: ConsentOut, **ERRORS},
             url_name="candidate_consent_add")
def add_consent(request, uuid: UUID, payload: ConsentIn):
    """Record consent on a channel (express, implied, published address) or its withdrawal
    (`revoked`). The CASL expiry of implied consent is computed."""
    candidate = _get(request, uuid)
    _require_edit(request)
    with transaction.atomic():
        record = actions.do_record_consent(
            candidate, channel=payload.channel, basis=payload.basis, actor=request.user,
            evidence=payload.evidence, obtained_at=payload.obtained_at, via="api",
        )
    return Status(201, consent_out(record))


# --- documents ------------------------------------------------------------------------------

@router.post("/{uuid}/attachments", response={201: AttachmentOut, **ERRORS},
             url_name="candidate_attachment_upload")
def upload_attachment(request, uuid: UUID, file: File[UploadedFile],
                      kind: Form[str] = AttachmentKind.CV):
    """Upload a document (multipart). PDF, DOC, DOCX, ODT, RTF, TXT, JPG or PNG, checked by
    content, within the size limit; anything else is a 400 naming `file`."""
    candidate = _get(request, uuid)
    _require_edit(request)
    with transaction.atomic():
        attachment = actions.do_add_attachment(candidate, file, kind=kind, actor=request.user,
                                               via="api")
    return Status(201, attachment_out(candidate, attachment))


@router.get("/{uuid}/attachments/{attachment_id}", response={200: None, **READ_ERRORS},
            url_name="candidate_attachment_download")
def download_attachment(request, uuid: UUID, attachment_id: int):
    """Download a document (audited)."""
    candidate = _get(request, uuid, Candidate.objects.all())
    attachment = access_object(
        Attachment.visible_queryset(request.user).filter(candidate=candidate), request.user,
        pk=attachment_id,
    )
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("The stored file is missing.") from None
    audit.record(actor=request.user, action=AuditAction.DOWNLOAD, obj=attachment, via="api",
                 changes={"file": attachment.original_name})
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
