"""Writes on jobs (requisitions) and their requirements, plus the pipeline counts read by the
jobs list, the board and the Today page. The caller owns the transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rounds.accounts.models import EmployerProfile, User
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.lib.permissions import can_admin

from . import audit as posting_audit
from .choices import JobStatus, RequirementKind
from .models import Job, Requirement

AUDITED_FIELDS = (
    "title", "site_id", "profession", "specialty", "specialty_code", "employment_type", "setting",
    "licence_jurisdiction", "description", "value_proposition", "pay_min", "pay_max",
    "pay_currency", "pay_period", "openings", "status", "owner_id", "start_date", "end_date",
    "published_on", "benefits", "apply_by", "vacancy_exists", "ai_screening",
)

# Words that tell what a requirement is about, so that "Active CPSA licence" files as a licence.
_KIND_HINTS = [
    (RequirementKind.LICENCE, r"licen[cs]|registration|registered with|cpsa|cno|college of|"
                              r"board[- ]eligible|dea\b|npi\b|permit"),
    (RequirementKind.CERTIFICATION, r"certif|acls|bls|pals|nrp|atls|gcp|ccrp|acrp|socra|ccfp|"
                                    r"frcpc|board[- ]certified|diplomate"),
    (RequirementKind.LANGUAGE, r"\bfrench\b|\benglish\b|\bspanish\b|bilingual|language|"
                               r"punjabi|mandarin|cantonese|tagalog"),
    (RequirementKind.EDUCATION, r"degree|diploma|\bmd\b|\bbsn\b|\bmsn\b|residency|"
                                r"fellowship|graduate|bachelor|master"),
    (RequirementKind.EXPERIENCE, r"\d+\+?\s*(years?|yrs?)|experience|worked"),
    (RequirementKind.SKILL, r"skill|emr|ehr|procedur|ultrasound|suturing|iud|obstetric|"
                            r"scheduling|billing|epic|cerner|accuro|telus"),
]


def infer_requirement_kind(text: str) -> str:
    """Guess the kind of a requirement from its wording; OTHER when nothing fits."""
    lower = text.lower()
    for kind, pattern in _KIND_HINTS:
        if re.search(pattern, lower):
            return kind
    return RequirementKind.OTHER


def parse_requirement_lines(text: str) -> list[str]:
    """One requirement per line; bullets and blank lines ignored, duplicates dropped."""
    seen, out = set(), []
    for raw in (text or "").splitlines():
        line = raw.strip().lstrip("-*•·").strip()
        if line and line.lower() not in seen:
            seen.add(line.lower())
            out.append(line[:200])
    return out


def default_value_proposition(organization_id: int) -> str:
    profile = EmployerProfile.objects.filter(organization_id=organization_id).first()
    return profile.value_proposition if profile else ""


def check_job_fields(organization_id: int, fields: dict[str, Any]) -> None:
    """Validate what one form or API call sets on a job; raises ValidationError naming fields."""
    errors: dict[str, str] = {}
    pay_min, pay_max = fields.get("pay_min"), fields.get("pay_max")
    if pay_min is not None and pay_min < 0:
        errors["pay_min"] = "Pay can't be negative."
    if pay_max is not None and pay_max < 0:
        errors["pay_max"] = "Pay can't be negative."
    if pay_min is not None and pay_max is not None and pay_max < pay_min:
        errors["pay_max"] = (
            f"The top of the pay range ({pay_max:,.0f}) is below the bottom ({pay_min:,.0f}). "
            "Swap them or correct one."
        )
    site = fields.get("site")
    if site is not None and site.organization_id != organization_id:
        errors["site"] = "Unknown site."
    owner = fields.get("owner")
    if owner is not None and owner.organization_id != organization_id:
        errors["owner"] = "Unknown user."
    if "status" in fields and fields["status"] not in JobStatus.values:
        errors["status"] = "Unknown status."
    currency = fields.get("pay_currency")
    if currency is not None and not re.fullmatch(r"[A-Z]{3}", currency):
        errors["pay_currency"] = "Use a three-letter currency code such as CAD or USD."
    start, end = fields.get("start_date"), fields.get("end_date")
    if start is not None and end is not None and end < start:
        errors["end_date"] = (
            f"The end date ({end:%d %b %Y}) is before the start date ({start:%d %b %Y})."
        )
    if "title" in fields and not (fields["title"] or "").strip():
        errors["title"] = "Give the job a title."
    if errors:
        raise ValidationError(errors)


def _check_team(organization_id: int, team: Iterable[User]) -> list[User]:
    team = list(team)
    if any(u.organization_id != organization_id for u in team):
        raise ValidationError({"hiring_team": "Unknown user."})
    return team


def do_create_job(
    organization_id: int, *, actor, must_haves: list[str] | None = None,
    nice_to_haves: list[str] | None = None, hiring_team: Iterable[User] = (), via: str = "web",
    enforce_audit: bool = False, override_reason: str = "", today: date | None = None,
    **fields: Any,
) -> Job:
    """Create a requisition with its requirements. The value proposition defaults to the
    employer profile's, so every posting carries one. With `enforce_audit` (the web form and
    the API), creating it open is publishing it: see `check_publish`."""
    check_job_fields(organization_id, fields)
    team = _check_team(organization_id, hiring_team)
    if not (fields.get("value_proposition") or "").strip():
        fields["value_proposition"] = default_value_proposition(organization_id)
    if fields.get("owner") is None and actor is not None and actor.is_authenticated:
        fields["owner"] = actor
    job = Job(organization_id=organization_id, **fields)
    overridden = []
    if enforce_audit:
        overridden = check_publish(job, actor=actor, override_reason=override_reason,
                                   today=today, must_haves=must_haves or [],
                                   nice_to_haves=nice_to_haves or [])
    if job.status in (JobStatus.CLOSED, JobStatus.FILLED):
        job.closed_at = timezone.now()
    job.save()
    if team:
        job.hiring_team.set(team)
    do_set_requirements(job, must_haves=must_haves or [], nice_to_haves=nice_to_haves or [])
    audit.record(actor=actor, action=AuditAction.CREATE, obj=job, via=via)
    _record_override(job, overridden, override_reason, actor=actor, via=via)
    return job


def do_update_job(
    job: Job, *, actor, must_haves: list[str] | None = None,
    nice_to_haves: list[str] | None = None, hiring_team: Iterable[User] | None = None,
    via: str = "web", enforce_audit: bool = False, override_reason: str = "",
    today: date | None = None, **changes: Any,
) -> Job:
    """Change a job; requirement lists and the hiring team are replaced when given. With
    `enforce_audit`, opening it, or changing it while open, passes `check_publish`."""
    merged = {"pay_min": job.pay_min, "pay_max": job.pay_max, "start_date": job.start_date,
              "end_date": job.end_date, **changes}
    check_job_fields(job.organization_id, merged)
    before = {f: getattr(job, f) for f in AUDITED_FIELDS}
    status_before = job.status
    already = _blocking_rules(job, today) if enforce_audit else set()
    for field, value in changes.items():
        setattr(job, field, value)
    overridden = []
    if enforce_audit:
        overridden = check_publish(job, actor=actor, override_reason=override_reason,
                                   today=today, already=already, must_haves=must_haves,
                                   nice_to_haves=nice_to_haves)
    if job.status != status_before:
        _stamp_status(job)
    job.save()
    if hiring_team is not None:
        job.hiring_team.set(_check_team(job.organization_id, hiring_team))
    if must_haves is not None or nice_to_haves is not None:
        current = list(job.requirements.all())
        do_set_requirements(
            job,
            must_haves=must_haves if must_haves is not None
            else [r.text for r in current if r.required],
            nice_to_haves=nice_to_haves if nice_to_haves is not None
            else [r.text for r in current if not r.required],
        )
    after = {f: getattr(job, f) for f in AUDITED_FIELDS}
    if delta := audit.diff(before, after):
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=job, changes=delta, via=via)
    _record_override(job, overridden, override_reason, actor=actor, via=via)
    return job


def _stamp_status(job: Job) -> None:
    if job.status in (JobStatus.CLOSED, JobStatus.FILLED):
        job.closed_at = job.closed_at or timezone.now()
    else:
        job.closed_at = None
        if job.status == JobStatus.OPEN and not job.opened_at:
            job.opened_at = timezone.now()


def do_set_job_status(job: Job, status: str, *, actor, via: str = "web",
                      enforce_audit: bool = False, override_reason: str = "",
                      today: date | None = None) -> Job:
    """Open (publish), hold, fill or close a requisition."""
    if status not in JobStatus.values:
        raise ValidationError({"status": "Unknown status."})
    if status == job.status:
        return job
    before = job.status
    job.status = status
    overridden = []
    if enforce_audit:
        try:
            overridden = check_publish(job, actor=actor, override_reason=override_reason,
                                       today=today)
        except (PublishBlocked, PermissionDenied):
            job.status = before
            raise
    _stamp_status(job)
    job.save(update_fields=["status", "closed_at", "opened_at", "updated_at"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=job, via=via,
                 changes={"status": [before, status]})
    _record_override(job, overridden, override_reason, actor=actor, via=via)
    return job


# --- the job-description audit at publishing -------------------------------------------------


class PublishBlocked(Exception):
    """Publishing would break a rule of the job's jurisdiction (`findings`); an owner or admin
    may publish anyway with a reason."""

    def __init__(self, findings: list[posting_audit.Finding]):
        self.findings = findings
        super().__init__("This job breaks a rule of its jurisdiction: "
                         + " ".join(f.message for f in findings))


def audit_job(job: Job, *, today: date | None = None, must_haves: list[str] | None = None,
              nice_to_haves: list[str] | None = None) -> list[posting_audit.Finding]:
    """The audit of a job as it stands in memory, on `today` (the organization's day when
    not given)."""
    posting = posting_audit.posting_for_job(job, must_haves=must_haves,
                                            nice_to_haves=nice_to_haves)
    return posting_audit.audit(posting, today=today or timezone.localdate())


def _blocking_rules(job: Job, today: date | None) -> set[str]:
    """The jurisdiction rules an open job breaks already (an edit is judged on what it adds)."""
    if job.pk is None or job.status != JobStatus.OPEN:
        return set()
    return {f.rule for f in posting_audit.blocking(audit_job(job, today=today))}


def check_publish(job: Job, *, actor, override_reason: str = "", today: date | None = None,
                  already: set[str] = frozenset(), must_haves: list[str] | None = None,
                  nice_to_haves: list[str] | None = None) -> list[posting_audit.Finding]:
    """A job saved open is published. If it breaks a rule of its jurisdiction that it didn't
    break already, refuse (PublishBlocked with the findings) unless an owner or admin gives a
    reason; a recruiter's override is refused (PermissionDenied). Returns the findings
    overridden, for `_record_override`."""
    if job.status != JobStatus.OPEN:
        return []
    findings = [f for f in posting_audit.blocking(
        audit_job(job, today=today, must_haves=must_haves, nice_to_haves=nice_to_haves))
        if f.rule not in already]
    if not findings:
        return []
    if not (override_reason or "").strip():
        raise PublishBlocked(findings)
    if not can_admin(actor):
        raise PermissionDenied("Only an owner or admin can publish a job over a rule of its "
                               "jurisdiction.")
    return findings


def last_audit_override(job: Job):
    """The audit-log event of the latest publication of `job` over its audit, or None."""
    from rounds.audit.models import AuditEvent

    return (AuditEvent.objects.filter(organization_id=job.organization_id, object_type="job",
                                      object_id=str(job.pk),
                                      changes__has_key="published_over_audit")
            .select_related("actor").order_by("-id").first())


def _record_override(job: Job, findings: list, reason: str, *, actor, via: str) -> None:
    if findings:
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=job, via=via, changes={
            "published_over_audit": {"rules": ", ".join(f.rule for f in findings),
                                     "reason": reason.strip()[:1000]},
        })


def do_set_requirements(job: Job, *, must_haves: list[str], nice_to_haves: list[str]) -> None:
    """Replace the job's requirements: must-haves and nice-to-haves kept as separate lists. A
    line that keeps its text keeps its kind (a recruiter may have chosen it)."""
    kinds = {(r.text.lower(), r.required): r.kind for r in job.requirements.all()}
    job.requirements.all().delete()
    rows = []
    for required, lines in ((True, must_haves), (False, nice_to_haves)):
        for position, text in enumerate(parse_requirement_lines("\n".join(lines))):
            kind = kinds.get((text.lower(), required)) or infer_requirement_kind(text)
            rows.append(Requirement(organization_id=job.organization_id, job=job, kind=kind,
                                    text=text, required=required, position=position))
    Requirement.objects.bulk_create(rows)


def _touch(job: Job) -> None:
    """A change to a job's requirements is a change to the job: derived state (matching's
    understanding of the job) is kept by `updated_at`."""
    job.updated_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(updated_at=job.updated_at)


def do_add_requirement(job: Job, *, text: str, required: bool = True, kind: str = "",
                       actor=None, via: str = "web") -> Requirement:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Say what the requirement is."})
    if len(text) > 200:
        raise ValidationError({"text": "Keep a requirement under 200 characters."})
    if kind and kind not in RequirementKind.values:
        raise ValidationError({"kind": "Unknown kind."})
    position = job.requirements.filter(required=required).count()
    requirement = Requirement.objects.create(
        organization_id=job.organization_id, job=job, text=text, required=required,
        kind=kind or infer_requirement_kind(text), position=position,
    )
    _touch(job)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=job, via=via,
                 changes={"requirements": [None, f"{'must' if required else 'nice'}: {text}"]})
    return requirement


def do_remove_requirement(requirement: Requirement, *, actor=None, via: str = "web") -> None:
    job = requirement.job
    text = requirement.text
    requirement.delete()
    _touch(job)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=job, via=via,
                 changes={"requirements": [text, None]})
