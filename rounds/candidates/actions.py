"""Writes on candidates and the records that hang off them. The caller owns the transaction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.lib import geo

from .choices import Profession
from .models import Candidate, ConsentRecord

# Fields that, when changed, mean the coordinates must be looked up again.
LOCATION_FIELDS = ("postal_code", "city", "region", "country")
AUDITED_FIELDS = (
    "first_name", "last_name", "preferred_name", "credentials", "email", "phone", "profession",
    "headline", "summary", "years_experience", "city", "region", "postal_code", "country",
    "willing_to_relocate", "relocation_radius_km", "status", "source", "source_detail",
    "referrer_name", "preferred_channels", "quiet_hours_start", "quiet_hours_end",
    "contact_frequency", "owner_id", "time_zone",
)


def apply_location(candidate: Candidate) -> None:
    """Fill coordinates and time zone from postal code or city, offline. A time zone the
    candidate stated is kept."""
    place = geo.locate(
        postal_code=candidate.postal_code, city=candidate.city,
        region=candidate.region, country=candidate.country,
    )
    if place is None:
        candidate.latitude = candidate.longitude = None
        return
    candidate.latitude, candidate.longitude = place.latitude, place.longitude
    candidate.city = candidate.city or place.city
    candidate.region = candidate.region or place.region
    candidate.country = candidate.country or place.country
    if not candidate.time_zone:
        candidate.time_zone = place.time_zone


# The profession's label without get_profession_display(), which rebuilds the choices for
# every call: an import of 100,000 rows builds as many search texts (5% of its time).
_PROFESSION_LABELS = {value: str(label) for value, label in Profession.choices}


def build_search_text(
    candidate: Candidate, specialties=(), experiences=(), notes=(), extra=()
) -> str:
    profession = candidate.profession
    parts = [
        candidate.first_name, candidate.last_name, candidate.preferred_name,
        candidate.credentials, candidate.headline, candidate.summary,
        _PROFESSION_LABELS.get(profession, profession) if profession else "",
        *specialties, *experiences, *notes, *extra,
    ]
    return " ".join(p.strip() for p in parts if p and p.strip()).lower()


def refresh_search_text(candidate: Candidate, *, save: bool = True) -> str:
    """Rebuild the text free-text search reads, from the candidate and their related rows."""
    from rounds.activities.choices import ActivityKind

    specialties = [s.name for s in candidate.specialties.all()]
    experiences = [
        f"{e.role} {e.employer} {e.description} {' '.join(e.therapeutic_areas or [])}"
        for e in candidate.experiences.all()
    ]
    certifications = [c.name for c in candidate.certifications.all()]
    kinds = [ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.MEETING]
    notes = [
        f"{subject} {body}"
        for subject, body in candidate.activities.filter(kind__in=kinds)
        .values_list("subject", "body")[:200]
    ]
    candidate.search_text = build_search_text(
        candidate, specialties, experiences, notes, certifications
    )
    if save:
        Candidate.objects.filter(pk=candidate.pk).update(
            search_text=candidate.search_text, updated_at=timezone.now()
        )
    return candidate.search_text


def do_create_candidate(
    organization_id: int, *, actor=None, specialties: list[str] | None = None,
    tags: list[str] | None = None, via: str = "web", **fields: Any,
) -> Candidate:
    """Create a candidate: normalize contact details, locate, index for search, audit."""
    candidate = Candidate(
        organization_id=organization_id, created_by=actor if _is_user(actor) else None, **fields
    )
    if candidate.owner_id is None and _is_user(actor):
        candidate.owner = actor
    candidate.full_clean(exclude=["organization", "tags"])
    apply_location(candidate)
    candidate.search_text = build_search_text(candidate, specialties or [])
    candidate.save()
    for i, name in enumerate(specialties or []):
        candidate.specialties.create(organization_id=organization_id, name=name, is_primary=i == 0)
    if tags:
        set_tags(candidate, tags)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=candidate, via=via)
    return candidate


def do_update_candidate(
    candidate: Candidate, *, actor, via: str = "web", **changes: Any
) -> Candidate:
    """Change fields of a candidate; re-locate when the address changed; audit the diff."""
    before = {f: getattr(candidate, f) for f in AUDITED_FIELDS}
    for field, value in changes.items():
        setattr(candidate, field, value)
    candidate.full_clean(exclude=["organization", "tags"])
    if any(before[f] != getattr(candidate, f) for f in LOCATION_FIELDS if f in before):
        if "time_zone" not in changes:
            candidate.time_zone = ""  # derived from the old place; look it up again
        apply_location(candidate)
    candidate.save()
    refresh_search_text(candidate)
    after = {f: getattr(candidate, f) for f in AUDITED_FIELDS}
    if delta := audit.diff(before, after):
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=candidate, changes=delta, via=via)
    return candidate


def set_tags(candidate: Candidate, names: list[str]) -> None:
    from .models import Tag

    clean = sorted({n.strip()[:60] for n in names if n and n.strip()})
    tags = []
    for name in clean:
        tag, _ = Tag.objects.get_or_create(organization_id=candidate.organization_id, name=name)
        tags.append(tag)
    candidate.tags.set(tags)


def do_add_related(candidate: Candidate, model, *, actor, via: str = "web", **fields):
    """Add a licence, certification, experience, education, specialty or availability row."""
    obj = model(organization_id=candidate.organization_id, candidate=candidate, **fields)
    obj.full_clean(exclude=["organization", "candidate"])
    obj.save()
    if model._meta.model_name in ("specialty", "experience", "certification"):
        refresh_search_text(candidate)
    else:
        mark_changed(candidate.pk)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=obj, via=via,
                 changes={"added": str(obj)})
    return obj


def do_remove_related(obj, *, actor, via: str = "web") -> None:
    candidate = obj.candidate
    audit.record(actor=actor, action=AuditAction.DELETE, obj=obj, via=via,
                 changes={"removed": str(obj)})
    obj.delete()
    refresh_search_text(candidate)


def do_record_consent(
    candidate: Candidate, *, channel: str, basis: str, actor=None, evidence: str = "",
    obtained_at=None, via: str = "web",
) -> ConsentRecord:
    """Append a consent record; CASL expiry of implied consent is computed, never typed. A
    record dated in the future is refused: the latest record is the one in force, so a future
    date would outrank every later opt-out."""
    if obtained_at is not None and obtained_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"obtained_at": "Consent can't be dated in the future."})
    record = ConsentRecord(
        organization_id=candidate.organization_id, candidate=candidate, channel=channel,
        basis=basis, evidence=evidence, obtained_at=obtained_at or timezone.now(),
        recorded_by=actor if _is_user(actor) else None,
    )
    record.expires_at = record.compute_expiry()
    record.full_clean(exclude=["organization", "candidate", "recorded_by"])
    record.save()
    mark_changed(candidate.pk)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=candidate, via=via,
                 changes={f"consent_{channel}": [None, record.get_basis_display()]})
    return record


def current_consent(candidate: Candidate, channel: str) -> ConsentRecord | None:
    """The latest consent record for a channel (revocations included), or None."""
    return candidate.consents.filter(channel=channel).order_by("-obtained_at", "-id").first()


def touch_activity(candidate_id: int, when=None) -> None:
    Candidate.objects.filter(pk=candidate_id).update(
        last_activity_at=when or timezone.now(), updated_at=timezone.now()
    )


def mark_changed(candidate_id: int) -> None:
    """Move the candidate's `updated_at`: every change to a candidate or a row hanging off it
    must, because derived state (matching's profiles and index) catches up by that stamp."""
    Candidate.objects.filter(pk=candidate_id).update(updated_at=timezone.now())


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)



# --- One candidate's record: specialties from a list, documents, views (profile helper) ---

VIEW_AUDIT_WINDOW_MINUTES = 5


def do_set_specialties(candidate: Candidate, names: list[str], *, actor, via: str = "web") -> None:
    """Make the candidate's specialties exactly `names`, in order; the first is primary. Rows
    that stay keep their taxonomy code. Audited as one change."""
    from .models import Specialty

    wanted: list[str] = []
    for name in names:
        name = (name or "").strip()[:120]
        if name and name.lower() not in {w.lower() for w in wanted}:
            wanted.append(name)
    existing = {s.name.lower(): s for s in candidate.specialties.all()}
    before = [s.name for s in sorted(existing.values(), key=lambda s: (not s.is_primary, s.name))]
    keep_ids = []
    for i, name in enumerate(wanted):
        row = existing.get(name.lower())
        if row is None:
            row = Specialty.objects.create(
                organization_id=candidate.organization_id, candidate=candidate, name=name,
                is_primary=i == 0,
            )
        elif row.is_primary != (i == 0) or row.name != name:
            row.is_primary, row.name = i == 0, name
            row.save(update_fields=["is_primary", "name"])
        keep_ids.append(row.pk)
    candidate.specialties.exclude(pk__in=keep_ids).delete()
    if before != wanted:
        refresh_search_text(candidate)
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=candidate, via=via,
                     changes={"specialties": [", ".join(before), ", ".join(wanted)]})


def do_add_attachment(candidate: Candidate, uploaded_file, *, actor, kind: str = "cv",
                      via: str = "web"):
    """Store a document on the candidate's record after checking it is a document within the
    size limit (rounds.lib.uploads.check_document raises ValidationError saying why not)."""
    from django.core.exceptions import ValidationError

    from rounds.lib.uploads import check_document, sha256_of

    from .choices import AttachmentKind
    from .models import Attachment

    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": "Choose what kind of document this is."})
    try:
        content_type = check_document(uploaded_file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    name = (uploaded_file.name or "document").replace("/", "_").replace("\\", "_")[-200:]
    attachment = Attachment(
        organization_id=candidate.organization_id, candidate=candidate, kind=kind,
        original_name=name, content_type=content_type, size=uploaded_file.size,
        sha256=sha256_of(uploaded_file), uploaded_by=actor if _is_user(actor) else None,
    )
    attachment.file.save(name, uploaded_file, save=False)
    attachment.save()
    touch_activity(candidate.pk)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=attachment, via=via,
                 changes={"added": f"{attachment.get_kind_display()}: {name}"})
    return attachment


def do_remove_attachment(attachment, *, actor, via: str = "web") -> None:
    """Delete a document and its stored file; the audit log keeps the fact."""
    from django.db import transaction

    audit.record(actor=actor, action=AuditAction.DELETE, obj=attachment, via=via,
                 changes={"removed": attachment.original_name})
    storage, path = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path) if path else None)


def record_candidate_view(candidate: Candidate, user, *, via: str = "web",
                          ip_address: str | None = None) -> bool:
    """Audit that `user` looked at the record: at most one VIEW per user and candidate in a few
    minutes, so reloads don't flood the log. Returns whether an event was written."""
    from datetime import timedelta

    from rounds.audit.models import AuditEvent

    since = timezone.now() - timedelta(minutes=VIEW_AUDIT_WINDOW_MINUTES)
    if AuditEvent.objects.filter(
        organization_id=candidate.organization_id, candidate_id=candidate.pk,
        actor_id=user.pk, action=AuditAction.VIEW, at__gte=since,
    ).exists():
        return False
    audit.record(actor=user, action=AuditAction.VIEW, obj=candidate, via=via,
                 ip_address=ip_address)
    return True


# Profile fields do_update_candidate does not audit; do_update_profile adds them to the log.
PROFILE_EXTRA_FIELDS = (
    "pronouns", "referred_by_id", "preferred_employment_types", "preferred_compensation_models",
    "preferred_settings", "preferred_schedule", "desired_start", "minimum_pay", "languages",
)


def do_update_profile(candidate: Candidate, *, actor, via: str = "web",
                      specialties: list[str] | None = None, tags: list[str] | None = None,
                      **changes: Any) -> Candidate:
    """Edit a whole profile: fields (via do_update_candidate), specialties and tags, with every
    change in the audit log."""
    before = {f: getattr(candidate, f) for f in PROFILE_EXTRA_FIELDS}
    tags_before = sorted(t.name for t in candidate.tags.all()) if tags is not None else None
    do_update_candidate(candidate, actor=actor, via=via, **changes)
    delta = audit.diff(before, {f: getattr(candidate, f) for f in PROFILE_EXTRA_FIELDS})
    if tags is not None:
        set_tags(candidate, tags)
        tags_after = sorted(t.name for t in candidate.tags.all())
        if tags_after != tags_before:
            delta["tags"] = [", ".join(tags_before), ", ".join(tags_after)]
    if delta:
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=candidate, changes=delta, via=via)
    if specialties is not None:
        do_set_specialties(candidate, specialties, actor=actor, via=via)
    return candidate
