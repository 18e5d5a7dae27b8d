"""Match profiles: what matching knows about each candidate, derived from their record.

A profile is rebuilt whenever the candidate's `updated_at` moves (every write to a candidate or a
row hanging off it moves it: rounds.candidates.actions.mark_changed). Profiles are computed in
batches with a handful of queries per batch, whatever the batch size, so an import of 100,000
rows or the first build of a large pool stays linear."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache

from django.db import transaction
from django.utils import timezone

from rounds.candidates.choices import CertificationKind, LicenceStatus, Setting
from rounds.candidates.models import (
    Availability,
    Candidate,
    Certification,
    Experience,
    Licence,
    Specialty,
)

from . import knowledge, understand
from .models import MatchProfile

BATCH = 2000

LICENCE_STATE = {
    LicenceStatus.ACTIVE: "a",
    LicenceStatus.PROVISIONAL: "a",
    LicenceStatus.PENDING: "p",
    LicenceStatus.ELIGIBLE: "p",
    LicenceStatus.INACTIVE: "x",
    LicenceStatus.EXPIRED: "x",
    LicenceStatus.REVOKED: "r",
}
# Which licence state wins when a candidate has two rows for one jurisdiction.
_STATE_RANK = {"r": 4, "a": 3, "p": 2, "x": 1}

CANDIDATE_FIELDS = (
    "id", "organization_id", "updated_at", "merged_into_id", "profession", "headline", "summary",
    "credentials", "years_experience", "latitude", "longitude", "city", "region",
    "willing_to_relocate", "relocation_radius_km", "preferred_employment_types",
    "preferred_settings", "preferred_compensation_models", "minimum_pay", "status",
    "last_activity_at", "erased_at",
)


def _tokens(values: Iterable[str]) -> str:
    seen: list[str] = []
    for v in values:
        if v and v not in seen:
            seen.append(v)
    return " ".join(seen)


def _years_between(start: date | None, end: date | None, today: date) -> float:
    if not start:
        return 0.0
    return max(0.0, ((end or today) - start).days / 365.25)


def _specialty_key(name: str, code: str, profession: str) -> str | None:
    """A specialty row as a knowledge key. A code decides; free text is read in the light of
    the candidate's profession: an NP's "Primary care" is not the physician specialty."""
    info = knowledge.specialty(code) if code else None
    if info is None and name:
        info = understand.read_specialty(name)
        if info is not None and profession and not _same_family(profession, info.profession):
            label = knowledge.professions()[profession].label if profession in \
                knowledge.professions() else ""
            info = understand.read_specialty(f"{label} {name}") if label else None
            if info is not None and not _same_family(profession, info.profession):
                info = None
    return info.key if info else None


def _same_family(profession: str, other: str) -> bool:
    return profession == other or knowledge.profession_closeness(profession, other) >= 0.85


def compute(candidate_ids: list[int]) -> list[MatchProfile]:
    """Unsaved profiles for these candidates (ids that no longer exist are left out)."""
    today = timezone.localdate()
    rows = list(Candidate._base_manager.filter(pk__in=candidate_ids).values(*CANDIDATE_FIELDS))
    if not rows:
        return []
    ids = [r["id"] for r in rows]

    specialties: dict[int, list[tuple[bool, str, str]]] = defaultdict(list)
    for cid, name, code, primary in Specialty.objects.filter(candidate_id__in=ids).values_list(
        "candidate_id", "name", "code", "is_primary"
    ):
        specialties[cid].append((primary, name, code))

    licences: dict[int, dict[str, str]] = defaultdict(dict)
    for cid, jurisdiction, status, expires in Licence.objects.filter(
        candidate_id__in=ids
    ).values_list("candidate_id", "jurisdiction", "status", "expires_on"):
        state = LICENCE_STATE.get(status, "x")
        if state == "a" and expires and expires < today:
            state = "x"
        held = licences[cid].get(jurisdiction)
        if held is None or _STATE_RANK[state] > _STATE_RANK[held]:
            licences[cid][jurisdiction] = state

    certs: dict[int, list[tuple[str, date | None]]] = defaultdict(list)
    for cid, name, kind, expires in Certification.objects.filter(
        candidate_id__in=ids
    ).values_list("candidate_id", "name", "kind", "expires_on"):
        key = understand.read_certification(name)
        if key:
            certs[cid].append((key, expires))
        elif kind == CertificationKind.BOARD:
            # A board certification names a specialty more often than a course ("FRCPC
            # Internal Medicine"): let it add the specialty.
            info = understand.read_specialty(name)
            if info:
                specialties[cid].append((False, info.name, info.key))

    experiences: dict[int, list[tuple]] = defaultdict(list)
    for row in Experience.objects.filter(candidate_id__in=ids).values_list(
        "candidate_id", "role", "setting", "start_date", "end_date", "description",
        "therapeutic_areas", "trial_phases",
    ):
        experiences[row[0]].append(row[1:])

    availability: dict[int, list[str]] = defaultdict(list)
    for cid, start, end in Availability.objects.filter(
        candidate_id__in=ids, end_date__gte=today
    ).values_list("candidate_id", "start_date", "end_date"):
        availability[cid].append(f"{start.isoformat()}/{end.isoformat()}")

    outcomes = _outcomes(ids, {r["organization_id"] for r in rows})
    now = timezone.now()
    profiles = []
    for r in rows:
        cid = r["id"]
        spec_keys: list[str] = []
        for _primary, name, code in sorted(specialties.get(cid, []), key=lambda s: not s[0]):
            key = _specialty_key(name, code, r["profession"])
            if key:
                spec_keys.append(key)
        # One reading per candidate: headline, credentials and roles as the title, summary and
        # experience descriptions as the body.
        rows_exp = experiences.get(cid, [])
        title = " / ".join(p for p in (r["headline"], r["credentials"],
                                       *(e[0] for e in rows_exp[:3])) if p)
        body = "\n".join(p for p in (r["summary"], *(e[4] for e in rows_exp)) if p)
        reading = _read(body, title)
        areas = set(reading.therapeutic_areas)
        phases = set(reading.trial_phases)
        settings_worked = set(reading.settings)
        research_side = {reading.research_side} if reading.research_side else set()
        years_from_dates = 0.0
        for _role, setting, start, end, _description, ex_areas, ex_phases in rows_exp:
            years_from_dates += _years_between(start, end, today)
            if setting:
                settings_worked.add(setting)
                if setting == Setting.RESEARCH_SITE:
                    research_side.add("site")
                elif setting == Setting.SPONSOR_CRO:
                    research_side.add("sponsor")
            areas.update(filter(None, (_research_key(v, "areas") for v in ex_areas or [])))
            phases.update(filter(None, (_research_key(v, "phases") for v in ex_phases or [])))
        spec_keys.extend(reading.specialties)
        cert_tokens = [
            f"{key}:{expires.isoformat() if expires else ''}" for key, expires in certs.get(cid, [])
        ]
        cert_tokens.extend(f"{key}:" for key in reading.certifications
                           if not any(t.startswith(f"{key}:") for t in cert_tokens))
        years = r["years_experience"]
        if years is None and years_from_dates:
            years = round(years_from_dates)
        if years is None:
            years = reading.years_experience
        profession = r["profession"] or reading.profession or ""
        if profession == "other" and reading.profession:
            profession = reading.profession
        stats = outcomes.get(cid, (0, 0, 0, 0))
        profiles.append(MatchProfile(
            candidate_id=cid, organization_id=r["organization_id"],
            source_stamp=r["updated_at"],
            # Merged away or erased: not a match for anything (the index keeps it not alive).
            merged=r["merged_into_id"] is not None or r["erased_at"] is not None,
            profession=profession, specialties=_tokens(spec_keys),
            licences=" ".join(f"{j}:{s}" for j, s in sorted(licences.get(cid, {}).items())),
            certifications=_tokens(cert_tokens),
            therapeutic_areas=_tokens(sorted(areas)), trial_phases=_tokens(sorted(phases)),
            settings=_tokens(sorted(settings_worked)),
            research_side="both" if len(research_side) > 1 else next(iter(research_side), ""),
            years_experience=min(years, 60) if years is not None else None,
            latitude=r["latitude"], longitude=r["longitude"],
            place=", ".join(p for p in (r["city"], r["region"]) if p)[:120],
            willing_to_relocate=r["willing_to_relocate"],
            relocation_radius_km=r["relocation_radius_km"],
            preferred_employment_types=_tokens(r["preferred_employment_types"] or [])[:200],
            preferred_settings=_tokens(r["preferred_settings"] or [])[:300],
            preferred_compensation_models=_tokens(r["preferred_compensation_models"] or [])[:200],
            minimum_pay=r["minimum_pay"], status=r["status"],
            last_activity_at=r["last_activity_at"],
            applications=stats[0], engaged=stats[1], hired=stats[2], rejected=stats[3],
            availability=" ".join(sorted(availability.get(cid, []))), computed_at=now,
        ))
    return profiles


@lru_cache(maxsize=20_000)
def _read(body: str, title: str) -> understand.Reading:
    """understand.read, remembered: headlines and summaries repeat across a pool."""
    if not body and not title:
        return understand.Reading()
    return understand.read(body, title=title)


@lru_cache(maxsize=2000)
def _research_key(value: str, kind: str) -> str | None:
    """A therapeutic area or trial phase as typed on an experience row, as a knowledge key."""
    known = knowledge.therapeutic_areas() if kind == "areas" else knowledge.trial_phases()
    if value in known:
        return value
    found = getattr(_read(value, value), "therapeutic_areas" if kind == "areas"
                    else "trial_phases")
    return found[0] if found else None


def _outcomes(ids: list[int], org_ids: set[int]) -> dict[int, tuple[int, int, int, int]]:
    """Per candidate: (applications, engaged or further, hired, rejected) in their organization."""
    from rounds.pipeline.choices import StageKind
    from rounds.pipeline.models import Application, Stage

    engaged_from: dict[int, int] = {}
    for org_id, name, sequence in Stage.objects.filter(
        kind=StageKind.ACTIVE, organization_id__in=org_ids
    ).values_list("organization_id", "name", "sequence"):
        if name.lower().startswith("engaged"):
            engaged_from[org_id] = sequence
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for cid, org_id, kind, sequence in Application.objects.filter(
        candidate_id__in=ids
    ).values_list("candidate_id", "organization_id", "stage__kind", "stage__sequence"):
        stats = out[cid]
        stats[0] += 1
        threshold = engaged_from.get(org_id, 3)
        if kind == StageKind.HIRED:
            stats[1] += 1
            stats[2] += 1
        elif kind == StageKind.REJECTED:
            stats[3] += 1
        elif kind == StageKind.ACTIVE and sequence >= threshold:
            stats[1] += 1
    return {cid: tuple(v) for cid, v in out.items()}


def _batches(ids: list[int], size: int = BATCH) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def refresh(candidate_ids: Iterable[int]) -> int:
    """Recompute and store the profiles of these candidates; returns how many were written.
    Safe to run twice and from several processes at once (an upsert on the candidate key)."""
    written = 0
    for batch in _batches(sorted(set(candidate_ids))):
        profiles = compute(batch)
        if not profiles:
            continue
        with transaction.atomic():
            MatchProfile.objects.bulk_create(
                profiles, update_conflicts=True, unique_fields=["candidate"],
                update_fields=[f.name for f in MatchProfile._meta.concrete_fields
                               if f.name not in ("candidate", "organization")],
                batch_size=500,
            )
        written += len(profiles)
    return written


def stale_ids(organization_id: int, candidate_stamps: dict[int, object]) -> list[int]:
    """Of these candidates (id → updated_at), the ones whose stored profile is missing or older."""
    stored = dict(
        MatchProfile.objects.filter(candidate_id__in=list(candidate_stamps)).values_list(
            "candidate_id", "source_stamp"
        )
    ) if len(candidate_stamps) <= 50_000 else dict(
        MatchProfile.objects.filter(organization_id=organization_id).values_list(
            "candidate_id", "source_stamp"
        )
    )
    return [cid for cid, stamp in candidate_stamps.items() if stored.get(cid) != stamp]


def refresh_organization(organization_id: int) -> int:
    """Bring every profile of an organization up to date (the first build, or after a bulk
    change); returns how many were rebuilt. The stale ones are found by the database: a
    profile missing, or built from another `updated_at` than the candidate's."""
    from django.db import connection

    candidates = Candidate._meta.db_table
    profiles_table = MatchProfile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id FROM {candidates} c LEFT JOIN {profiles_table} p "
            "ON p.candidate_id = c.id WHERE c.organization_id = %s "
            "AND (p.candidate_id IS NULL OR p.source_stamp <> c.updated_at)",
            [organization_id],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return refresh(ids)
