"""Ranking: every candidate in an organization's pool scored for a job, with the reasons.

A job is first turned into a `JobSpec` (what it asks for, in codes). Each score component is a
number from 0 to 1 computed for every candidate at once over the index columns
(rounds.matching.index); the score is their weighted mean over the components that apply to the
job, times 100. Only hard legal constraints exclude anyone: a regulated profession the candidate
cannot legally practise, a licence revoked or suspended where the job is, or a candidate who asked
not to be contacted. Everyone else is ranked; reasons and gaps are written for the page shown.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

from rounds.candidates.choices import CandidateStatus, EmploymentType, Profession, Setting
from rounds.candidates.models import Candidate
from rounds.lib import jurisdictions

from . import knowledge, understand
from .choices import DEFAULT_WEIGHTS, Component
from .index import MatchIndex, days, for_organization, mask, split128

SHORT_TERM = {EmploymentType.LOCUM, EmploymentType.CONTRACT, EmploymentType.PER_DIEM}
RESEARCH_PROFESSIONS = {Profession.CLINICAL_RESEARCH_ASSOCIATE,
                        Profession.CLINICAL_RESEARCH_COORDINATOR}
RESEARCH_SETTINGS = {Setting.RESEARCH_SITE, Setting.SPONSOR_CRO}
# "Board certified" with no board named is met by any board or college certification.
ANY_BOARD = "board_certified"


def _specialty_of(reading: understand.Reading, profession: str | None,
                  skip: str | None = None) -> str | None:
    """The first specialty read from the text that belongs to the job's profession (a nursing
    posting that mentions "family medicine clinic" is not asking for a family physician)."""
    for key in reading.specialties:
        info = knowledge.specialty(key)
        if info is None or key == skip:
            continue
        if not profession or profession == Profession.OTHER or info.profession == profession:
            return key
        if knowledge.profession_closeness(profession, info.profession) >= 0.7:
            return key
    return None


def _cert_bits(key: str, vocab) -> tuple[int, int]:
    if key == ANY_BOARD:
        boards = [k for k, c in knowledge.certifications().items() if c.kind == "board"]
        return split128(mask(vocab.certifications, boards))
    return split128(1 << vocab.certifications[key])
COMMUTE_KM = 40.0


# --- what a job asks for ----------------------------------------------------------------------


@dataclass
class JobSpec:
    """A job as matching sees it: codes, place, dates and asks, plus where each came from."""

    title: str = ""
    description: str = ""
    profession: str | None = None
    specialty: str | None = None
    # Another specialty the job names ("Intensivist / Anaesthetist"), counted a little less.
    also_specialty: str | None = None
    setting: str | None = None
    employment_type: str | None = None
    jurisdiction: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    place: str = ""
    remote: bool = False
    start_date: date | None = None
    end_date: date | None = None
    years_required: int | None = None
    certifications_required: list[str] = field(default_factory=list)
    certifications_wanted: list[str] = field(default_factory=list)
    therapeutic_areas: list[str] = field(default_factory=list)
    trial_phases: list[str] = field(default_factory=list)
    research_side: str | None = None
    pay_max: float | None = None
    pay_period: str | None = None
    compensation_model: str | None = None
    job_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def recognised(self) -> bool:
        return bool(self.profession and self.profession != Profession.OTHER) or bool(
            self.specialty
        )

    @property
    def regulated(self) -> bool:
        info = knowledge.professions().get(self.profession or "")
        return bool(info and info.regulated)

    @property
    def short_term(self) -> bool:
        return self.employment_type in SHORT_TERM

    @classmethod
    def from_job(cls, job) -> JobSpec:
        """From a saved requisition: its fields first, then what its text says."""
        requirements = list(job.requirements.all())
        text = "\n".join([job.description or "", *(r.text for r in requirements)])
        reading = understand.read(text, title=job.title)
        spec = cls(title=job.title, description=job.description or "", job_id=job.pk)
        spec.profession = job.profession if job.profession != Profession.OTHER else None
        spec.profession = spec.profession or reading.profession
        info = knowledge.specialty(job.specialty_code) if job.specialty_code else None
        if info is None and job.specialty:
            info = understand.read_specialty(job.specialty)
        spec.specialty = info.key if info else _specialty_of(reading, spec.profession)
        if info is None and spec.specialty:
            spec.also_specialty = _specialty_of(reading, spec.profession, skip=spec.specialty)
        spec.setting = job.setting or (reading.settings[0] if reading.settings else None)
        spec.employment_type = job.employment_type or reading.employment_type
        site = job.site
        spec.jurisdiction = job.licence_jurisdiction or (
            reading.jurisdictions[0] if reading.jurisdictions else None
        )
        if site is not None:
            if site.latitude is not None:
                spec.latitude, spec.longitude = site.latitude, site.longitude
            spec.place = site.city or site.name
            if not spec.jurisdiction and site.region:
                spec.jurisdiction = jurisdictions.normalize(site.region, site.country)
        spec.remote = spec.setting == Setting.VIRTUAL
        spec.start_date, spec.end_date = job.start_date, getattr(job, "end_date", None)
        for r in requirements:
            cert = understand.read_certification(r.text)
            if cert:
                (spec.certifications_required if r.required else spec.certifications_wanted
                 ).append(cert)
            if r.kind == "experience" and spec.years_required is None:
                spec.years_required = understand.read(r.text, title="").years_experience
        spec.years_required = spec.years_required or reading.years_experience
        for cert in reading.certifications:
            if cert not in spec.certifications_required and cert not in spec.certifications_wanted:
                spec.certifications_wanted.append(cert)
        spec._research_asks(reading)
        if job.pay_max is not None or job.pay_min is not None:
            spec.pay_max = float(job.pay_max if job.pay_max is not None else job.pay_min)
            spec.pay_period = job.pay_period
        profile = getattr(job.organization, "employer_profile", None) if job.organization_id \
            else None
        spec.compensation_model = (profile.compensation_model or None) if profile else None
        spec.evidence = dict(reading.evidence)
        spec._warn()
        return spec

    @classmethod
    def from_posting(cls, posting: understand.Posting) -> JobSpec:
        """From a schema.org JobPosting read by rounds.matching.understand.read_posting."""
        reading = posting.reading
        spec = cls(title=posting.title, description=posting.description)
        spec.profession = reading.profession
        spec.specialty = _specialty_of(reading, spec.profession)
        if spec.specialty:
            spec.also_specialty = _specialty_of(reading, spec.profession, skip=spec.specialty)
        spec.setting = reading.settings[0] if reading.settings else None
        spec.employment_type = posting.employment_type or reading.employment_type
        # Where the job is decides the licence it needs; a jurisdiction the text names (a
        # remote role, a posting without an address) comes next.
        spec.jurisdiction = (
            jurisdictions.normalize(posting.region, posting.country) if posting.region else None
        ) or (reading.jurisdictions[0] if reading.jurisdictions else None)
        spec.latitude, spec.longitude = posting.latitude, posting.longitude
        if spec.latitude is None and (posting.postal_code or posting.city):
            from rounds.lib import geo

            place = geo.locate(postal_code=posting.postal_code, city=posting.city,
                               region=posting.region, country=posting.country)
            if place:
                spec.latitude, spec.longitude = place.latitude, place.longitude
        spec.place = posting.city or posting.region
        spec.remote = spec.setting == Setting.VIRTUAL
        spec.years_required = reading.years_experience
        spec.certifications_wanted = list(reading.certifications)
        spec._research_asks(reading)
        if posting.pay_max is not None or posting.pay_min is not None:
            spec.pay_max = float(posting.pay_max if posting.pay_max is not None
                                 else posting.pay_min)
            spec.pay_period = posting.pay_period
        spec.evidence = dict(reading.evidence)
        spec.warnings = list(posting.warnings)
        spec._warn()
        return spec

    def _research_asks(self, reading: understand.Reading) -> None:
        """Therapeutic areas, trial phases and site or sponsor side matter for research roles;
        elsewhere "oncology" in a nurse's posting is the ward, not a trial portfolio."""
        if self.profession in RESEARCH_PROFESSIONS or self.setting in RESEARCH_SETTINGS:
            self.therapeutic_areas = list(reading.therapeutic_areas)
            self.trial_phases = list(reading.trial_phases)
            self.research_side = reading.research_side

    def _warn(self) -> None:
        if not self.recognised:
            message = ("Nothing recognisable in this job's title or description (no profession "
                       "or specialty): candidates are ranked by text similarity.")
            if message not in self.warnings and not any("text similarity" in w
                                                        for w in self.warnings):
                self.warnings.append(message)

    def summary(self) -> list[str]:
        """What matching understood, in words, to show above the results."""
        out = []
        if self.profession:
            out.append(Profession(self.profession).label)
        for key in (self.specialty, self.also_specialty):
            info = knowledge.specialty(key) if key else None
            if info:
                out.append(info.name)
        if self.jurisdiction and self.regulated:
            out.append(f"licence: {jurisdictions.label(self.jurisdiction)}")
        if self.place:
            out.append(f"near {self.place}")
        if self.employment_type:
            out.append(EmploymentType(self.employment_type).label.lower())
        if self.years_required:
            out.append(f"{self.years_required}+ years")
        certs = knowledge.certifications()
        for key in self.certifications_required:
            out.append(f"{certs[key].name if key in certs else key} (must-have)")
        areas = knowledge.therapeutic_areas()
        out.extend(areas[k].name for k in self.therapeutic_areas if k in areas)
        return out


# --- results ----------------------------------------------------------------------------------


@dataclass
class Match:
    """One ranked candidate: the score, each component, and why in words."""

    candidate_id: int
    score: float
    components: dict[str, float]
    reasons: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    near_miss: bool = False
    candidate: Candidate | None = None
    external_id: str = ""
    rank: int = 0


@dataclass
class Ranking:
    spec: JobSpec
    results: list[Match]
    total: int                      # candidates ranked (excluded ones not counted)
    excluded: list[tuple[str, int]]  # (reason, how many)
    weights: dict[str, float]
    applicable: list[str]
    warnings: list[str]
    elapsed_ms: float
    offset: int = 0
    listed: int = 0                 # of those, how many the list holds (after skip / filters)

    @property
    def excluded_count(self) -> int:
        return sum(n for _, n in self.excluded)


# --- the components ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _profession_table(wanted: str) -> np.ndarray:
    keys = list(Profession.values)
    table = np.array([knowledge.profession_closeness(wanted, k) for k in keys] + [0.3],
                     dtype=np.float32)  # the last slot: profession unknown
    return table


@lru_cache(maxsize=256)
def _specialty_table(wanted: str, also: str | None = None) -> np.ndarray:
    keys = list(knowledge.specialties())
    table = np.array([knowledge.specialty_closeness(wanted, k) for k in keys] + [0.0],
                     dtype=np.float32)
    if also:
        table = np.maximum(table, 0.9 * _specialty_table(also))
    return table


@lru_cache(maxsize=256)
def _portability_masks(profession: str, wanted: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Masks of held jurisdictions whose licence covers `wanted`, or makes one obtainable."""
    covers = obtainable = 0
    for i, held in enumerate(sorted(jurisdictions.JURISDICTIONS)):
        if held == wanted:
            continue
        rule = knowledge.portability(profession, held, wanted)
        if rule is None:
            continue
        if rule.kind == "covers":
            covers |= 1 << i
        else:
            obtainable |= 1 << i
    return split128(covers), split128(obtainable)


def _has_any(cols: np.ndarray, bits: tuple[int, int]) -> np.ndarray:
    lo, hi = np.uint64(bits[0]), np.uint64(bits[1])
    return ((cols[:, 0] & lo) | (cols[:, 1] & hi)) != 0


def _jurisdiction_bits(index: MatchIndex, codes) -> tuple[int, int]:
    return split128(mask(index.vocab.jurisdictions, codes))


def _country_bits(index: MatchIndex, country: str) -> tuple[int, int]:
    return _jurisdiction_bits(
        index, [c for c in index.vocab.jurisdiction_keys if c.startswith(f"{country}-")]
    )


def _distance_km(index: MatchIndex, lat: float, lng: float) -> np.ndarray:
    lat1, lng1 = math.radians(lat), math.radians(lng)
    lat2 = np.radians(index.cols["lat"][: index.n].astype(np.float64))
    lng2 = np.radians(index.cols["lng"][: index.n].astype(np.float64))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2)
    return 12742.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


@dataclass
class Scored:
    components: dict[str, np.ndarray]
    excluded: dict[str, np.ndarray]
    distance: np.ndarray | None
    coverage: np.ndarray | None
    near_miss: np.ndarray


def score_columns(spec: JobSpec, index: MatchIndex, now: float | None = None) -> Scored:
    """Every component for every row of the index; rows that a legal constraint excludes."""
    n = index.n
    c = index.cols
    now = now or time.time()
    comps: dict[str, np.ndarray] = {}
    excluded: dict[str, np.ndarray] = {}
    near = np.zeros(n, dtype=bool)
    prof = c["prof"][:n]

    # Profession.
    if spec.profession and spec.profession != Profession.OTHER:
        table = _profession_table(spec.profession)
        comps[Component.PROFESSION] = table[np.where(prof < 0, len(table) - 1, prof)]
        if spec.regulated:
            known = prof >= 0
            other_index = index.vocab.professions.get(Profession.OTHER, -2)
            excluded["profession"] = known & (prof != other_index) & (
                comps[Component.PROFESSION] == 0
            )
        near |= comps[Component.PROFESSION] < 0.9

    # Specialty: the closest of the candidate's specialties.
    if spec.specialty and spec.specialty in index.vocab.specialties:
        also = spec.also_specialty if spec.also_specialty in index.vocab.specialties else None
        table = _specialty_table(spec.specialty, also)
        spec_ids = c["spec"][:n]
        closeness = table[np.where(spec_ids < 0, len(table) - 1, spec_ids)].max(axis=1)
        unknown = spec_ids[:, 0] < 0
        comps[Component.SPECIALTY] = np.where(unknown, np.float32(0.3), closeness)
        near |= comps[Component.SPECIALTY] < 0.6

    # Licence or eligibility where the job is.
    if spec.regulated and spec.jurisdiction and spec.jurisdiction in index.vocab.jurisdictions:
        here = _jurisdiction_bits(index, [spec.jurisdiction])
        covers, obtainable = _portability_masks(spec.profession, spec.jurisdiction)
        country = spec.jurisdiction.split("-", 1)[0]
        same_country = _country_bits(index, country)
        a, p, x, r = c["lic_a"][:n], c["lic_p"][:n], c["lic_x"][:n], c["lic_r"][:n]
        any_licence = _has_any(a | p | x | r, (2**64 - 1, 2**64 - 1))
        score = np.full(n, 0.25, dtype=np.float32)  # nothing on record
        score[any_licence] = 0.15                      # licensed, elsewhere, other country
        score[_has_any(a | p | x, same_country)] = 0.3
        score[_has_any(x, here)] = 0.45
        score[_has_any(a, obtainable)] = 0.6
        score[_has_any(p, here)] = 0.75
        score[_has_any(a, covers)] = 0.95
        score[_has_any(a, here)] = 1.0
        comps[Component.LICENCE] = score
        excluded["licence"] = _has_any(r, here) & ~_has_any(a, here)
        near |= score < 0.9

    # Distance, against willingness to relocate. Short-term work is travelled to.
    distance = None
    if spec.latitude is not None and spec.longitude is not None and not spec.remote:
        distance = _distance_km(index, spec.latitude, spec.longitude)
        scale = 600.0 if spec.short_term else 150.0
        decay = 1.0 / (1.0 + np.power(np.maximum(distance - COMMUTE_KM, 0) / scale, 1.5))
        reloc = c["reloc"][:n]
        radius = c["radius"][:n]
        within = reloc & (np.isnan(radius) | (distance <= radius))
        score = np.where(distance <= COMMUTE_KM, 1.0,
                         np.where(within, np.maximum(0.85, decay), np.where(
                             reloc, np.maximum(0.5, decay), decay)))
        score = np.where(np.isnan(distance), 0.4, score)
        comps[Component.DISTANCE] = score.astype(np.float32)

    # Availability for locum and contract dates.
    coverage = None
    if spec.short_term and spec.start_date:
        start = days(spec.start_date)
        end = days(spec.end_date or spec.start_date)
        wanted = max(end - start + 1, 1)
        overlap = np.clip(np.minimum(index.win_end, end) - np.maximum(index.win_start, start) + 1,
                          0, None)
        rows = index.win_row
        live = (rows >= 0) & (overlap > 0)
        covered = np.bincount(rows[live], weights=overlap[live], minlength=n)[:n]
        has_windows = np.bincount(rows[rows >= 0], minlength=n)[:n] > 0
        coverage = np.minimum(covered / wanted, 1.0)
        comps[Component.AVAILABILITY] = np.where(
            has_windows, 0.1 + 0.9 * coverage, 0.35).astype(np.float32)

    # Experience against what the job asks.
    years = c["years"][:n]
    if spec.years_required:
        need = float(spec.years_required)
        score = np.where(np.isnan(years), 0.5, np.minimum(years / need, 1.0))
        comps[Component.EXPERIENCE] = np.maximum(score, 0.1).astype(np.float32)
        near |= ~np.isnan(years) & (years < need)

    # Certifications, therapeutic areas, trial phases, site or sponsor side.
    parts = []
    vocab = index.vocab
    if spec.certifications_required or spec.certifications_wanted:
        required = [k for k in spec.certifications_required if k in vocab.certifications]
        wanted_certs = [k for k in spec.certifications_wanted if k in vocab.certifications]
        total = 2 * len(required) + len(wanted_certs)
        if total:
            held = c["cert"][:n]
            got = np.zeros(n, dtype=np.float32)
            for key in required:
                has = _has_any(held, _cert_bits(key, vocab))
                got += 2 * has
                near |= ~has
            for key in wanted_certs:
                got += _has_any(held, _cert_bits(key, vocab))
            parts.append(got / total)
    if spec.therapeutic_areas:
        wanted_mask = np.uint64(mask(vocab.areas, spec.therapeutic_areas))
        if wanted_mask:
            hit = np.bitwise_count(c["areas"][:n] & wanted_mask).astype(np.float32)
            parts.append(np.minimum(hit / max(1, int(wanted_mask).bit_count()), 1.0))
    if spec.trial_phases:
        wanted_mask = np.uint8(mask(vocab.phases, spec.trial_phases))
        if wanted_mask:
            hit = np.bitwise_count(c["phases"][:n] & wanted_mask).astype(np.float32)
            parts.append(np.minimum(hit / max(1, int(wanted_mask).bit_count()), 1.0))
    if spec.research_side in ("site", "sponsor"):
        bit = np.uint8(1 if spec.research_side == "site" else 2)
        side = c["side"][:n]
        parts.append(np.where((side & bit) != 0, 1.0, np.where(side != 0, 0.5, 0.2)))
    if parts:
        comps[Component.CREDENTIALS] = (sum(parts) / len(parts)).astype(np.float32)

    # Preferences: employment type, setting, compensation model, pay.
    pref_parts = []
    if spec.employment_type in vocab.employment_types:
        bit = np.uint8(1 << vocab.employment_types[spec.employment_type])
        pref = c["pref_emp"][:n]
        pref_parts.append(np.where(pref == 0, 0.7, np.where((pref & bit) != 0, 1.0, 0.2)))
    if spec.setting in vocab.settings:
        bit = np.uint16(1 << vocab.settings[spec.setting])
        pref = c["pref_set"][:n]
        worked = c["settings"][:n]
        pref_parts.append(np.where(
            (pref & bit) != 0, 1.0,
            np.where(pref == 0, np.where((worked & bit) != 0, 0.9, 0.7), 0.4)))
    if spec.compensation_model in vocab.compensation_models:
        bit = np.uint8(1 << vocab.compensation_models[spec.compensation_model])
        pref = c["pref_comp"][:n]
        pref_parts.append(np.where(pref == 0, 0.7, np.where((pref & bit) != 0, 1.0, 0.3)))
    if spec.pay_max and spec.pay_period == "year":
        min_pay = c["min_pay"][:n]
        pref_parts.append(np.where(np.isnan(min_pay), 0.7,
                                   np.where(min_pay <= spec.pay_max, 1.0, 0.2)))
    if pref_parts:
        comps[Component.PREFERENCES] = (sum(pref_parts) / len(pref_parts)).astype(np.float32)

    # Engagement and recency.
    status_score = np.full(len(vocab.statuses) + 1, 0.5, dtype=np.float32)
    for key, value in {CandidateStatus.ACTIVE: 1.0, CandidateStatus.PASSIVE: 0.7,
                       CandidateStatus.NOT_LOOKING: 0.25, CandidateStatus.PLACED: 0.35,
                       CandidateStatus.DO_NOT_CONTACT: 0.0}.items():
        status_score[vocab.statuses[key]] = value
    status = c["status"][:n]
    s = status_score[np.where(status < 0, len(status_score) - 1, status)]
    age_days = (now - c["last_act"][:n]) / 86400.0
    recency = np.where(np.isnan(age_days), 0.2, 1.0 / (1.0 + np.maximum(age_days, 0) / 90.0))
    history = np.clip(0.5 + 0.25 * np.minimum(c["engaged"][:n], 2) + 0.3 * (c["hired"][:n] > 0)
                      - 0.15 * np.minimum(c["rejected"][:n], 2), 0, 1)
    comps[Component.ENGAGEMENT] = (0.6 * s + 0.25 * recency + 0.15 * history).astype(np.float32)

    excluded["do_not_contact"] = c["dnc"][:n].copy()
    return Scored(comps, excluded, distance, coverage, near)


EXCLUSION_LABELS = {
    "profession": "Their profession can't legally fill this role",
    "licence": "Licence revoked or suspended where the job is",
    "do_not_contact": "Asked not to be contacted",
}

# --- text similarity, when nothing is recognisable --------------------------------------------

_WORD = re.compile(r"[a-zà-ÿ]{3,}")
_STOP = frozenset([
    "and", "the", "for", "with", "you", "our", "are", "will", "this", "that", "from", "have",
    "your", "who", "all", "can", "has", "not", "but", "job", "role", "team", "work",
    "working", "within", "based", "able", "also", "any", "its", "into", "more", "new", "one",
    "other", "per", "their", "them", "they", "was", "what", "when", "which", "would", "about",
    "across", "after", "being", "both", "each", "here", "how", "may", "must", "such", "than",
    "then", "there", "these", "those", "under", "upon", "use", "very", "well", "were",
    "where", "while", "band", "post", "hours", "week", "full", "part", "time", "salary",
    "apply", "please",
])


def _text_scores(spec: JobSpec, index: MatchIndex) -> np.ndarray:
    """Share of the job's words (weighted by rarity) that a candidate's text contains, read
    through the free-text search index."""
    from rounds.candidates.search import _text_filter

    words = []
    for w in _WORD.findall(f"{spec.title} {spec.title} {spec.description}".lower()):
        if w not in _STOP and w not in words:
            words.append(w)
    words = words[:12]
    scores = np.zeros(index.n, dtype=np.float32)
    if not words:
        return scores
    base = Candidate._base_manager.filter(
        organization_id=index.organization_id, merged_into__isnull=True
    )
    pool = max(index.n, 1)
    weights = 0.0
    for w in words:
        ids = list(_text_filter(base, [w]).values_list("id", flat=True)[:200_000])
        if not ids or len(ids) > 0.5 * pool:
            continue
        idf = math.log(1 + pool / len(ids))
        weights += idf
        rows = [index.row_of[i] for i in ids if i in index.row_of]
        scores[rows] += idf
    return scores / weights if weights else scores


# --- ranking ----------------------------------------------------------------------------------


def weights_for(organization_id: int) -> dict[str, float]:
    from .models import MatchWeights

    row = MatchWeights.objects.filter(organization_id=organization_id).first()
    return row.effective() if row else dict(DEFAULT_WEIGHTS)


def combine(components: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    total = None
    weight_sum = 0.0
    for key, values in components.items():
        w = weights.get(key, 0.0)
        if w <= 0:
            continue
        total = values * w if total is None else total + values * w
        weight_sum += w
    if total is None:
        return np.zeros(0, dtype=np.float32)
    return (total / weight_sum * 100.0).astype(np.float32)


def rank(spec: JobSpec, *, organization_id: int, limit: int = 25, offset: int = 0,
         weights: dict[str, float] | None = None, skip_ids=(), near_misses_only: bool = False,
         index: MatchIndex | None = None) -> Ranking:
    """Rank the organization's whole pool for a job; reasons for results [offset, offset+limit).
    `skip_ids`: candidates left out of the list (e.g. already in the job's pipeline)."""
    t0 = time.perf_counter()
    if index is None:
        index = for_organization(organization_id)
    weights = weights or weights_for(organization_id)
    with index.lock:
        scored = score_columns(spec, index)
        components = dict(scored.components)
        applicable_weights = dict(weights)
        if not spec.recognised:
            components["text"] = _text_scores(spec, index)
            applicable_weights["text"] = (weights.get(Component.PROFESSION, 0.18)
                                          + weights.get(Component.SPECIALTY, 0.22)) * 1.5
        scores = combine(components, applicable_weights)
        n = index.n
        keep = index.cols["alive"][:n].copy()
        excluded_counts = []
        for key, rows in scored.excluded.items():
            hit = rows & keep
            count = int(hit.sum())
            if count:
                excluded_counts.append((EXCLUSION_LABELS[key], count))
            keep &= ~rows
        total = int(keep.sum())
        if skip_ids:
            skip_rows = [index.row_of[i] for i in skip_ids if i in index.row_of]
            keep[skip_rows] = False
        if near_misses_only:
            keep &= scored.near_miss
        ranked = np.flatnonzero(keep)
        listed = len(ranked)
        want = offset + limit
        results: list[Match] = []
        ids = index.cols["ids"][:n]
        while True:
            top = _top(scores, ranked, want, ids)
            page_rows = top[offset:offset + limit]
            people = {
                c.pk: c for c in Candidate.objects.filter(
                    pk__in=[int(ids[r]) for r in page_rows], merged_into__isnull=True,
                    organization_id=organization_id,
                ).select_related("owner")
            }
            missing = [int(ids[r]) for r in page_rows if int(ids[r]) not in people]
            if not missing:
                break
            # Deleted for real since the index was built: drop them and fill the page again.
            index.drop(missing)
            ranked = ranked[index.cols["alive"][ranked]]
            total -= len(missing)
            listed -= len(missing)
        for position, row in enumerate(page_rows, start=offset + 1):
            cid = int(ids[row])
            comp = {k: float(v[row]) for k, v in components.items()}
            match = Match(
                candidate_id=cid, score=round(float(scores[row]), 1), components=comp,
                near_miss=bool(scored.near_miss[row]), candidate=people[cid],
                external_id=people[cid].external_id, rank=position,
            )
            explain(match, spec, index, row, scored)
            results.append(match)
    applicable = [k for k in components if applicable_weights.get(k, 0) > 0]
    return Ranking(
        spec=spec, results=results, total=total, excluded=excluded_counts,
        weights=weights, applicable=applicable, warnings=list(spec.warnings),
        elapsed_ms=(time.perf_counter() - t0) * 1000, offset=offset, listed=listed,
    )


def _top(scores: np.ndarray, rows: np.ndarray, k: int, ids: np.ndarray) -> np.ndarray:
    """The k best rows, best first; ties broken by candidate id (oldest record first)."""
    if len(rows) == 0 or k <= 0:
        return rows[:0]
    values = scores[rows]
    if len(rows) > k:
        # Everything scoring at least the k-th best, so ties at the boundary are all considered.
        kth = np.partition(values, len(values) - k)[len(values) - k]
        chosen = rows[values >= kth]
    else:
        chosen = rows
    order = np.lexsort((ids[chosen], -scores[chosen]))
    return chosen[order][:k]


def score_candidate(spec: JobSpec, index: MatchIndex, candidate_id: int,
                    weights: dict[str, float], one: MatchIndex | None = None) -> Match | None:
    """One candidate's match for a job (reasons included), or None when excluded or unknown.
    Scores only that candidate's row (`one`: that row already taken out of the index), so it
    is cheap to call for every open job."""
    if one is None:
        with index.lock:
            one = index.subset([candidate_id])
    if one.n == 0 or not one.cols["alive"][0]:
        return None
    scored = score_columns(spec, one)
    if any(rows[0] for rows in scored.excluded.values()):
        return None
    components = dict(scored.components)
    if not spec.recognised:
        components["text"] = np.zeros(1, dtype=np.float32)
    score = float(combine(components, weights)[0])
    match = Match(candidate_id=candidate_id, score=round(score, 1),
                  components={k: float(v[0]) for k, v in components.items()},
                  near_miss=bool(scored.near_miss[0]))
    explain(match, spec, one, 0, scored)
    return match


_spec_cache: dict[tuple[int, object], JobSpec] = {}


def spec_for_job(job) -> JobSpec:
    """The JobSpec of a saved job, remembered until the job changes."""
    key = (job.pk, job.updated_at)
    spec = _spec_cache.get(key)
    if spec is None:
        if len(_spec_cache) > 2000:
            _spec_cache.clear()
        spec = _spec_cache[key] = JobSpec.from_job(job)
    return spec


@dataclass
class JobMatch:
    job: object
    match: Match


def jobs_for_candidate(candidate: Candidate, *, limit: int = 5, jobs=None) -> list[JobMatch]:
    """The best open jobs of the candidate's organization for them, best first."""
    from rounds.jobs.models import Job

    if jobs is None:
        jobs = Job.objects.filter(organization_id=candidate.organization_id).open()
    jobs = list(jobs.select_related("site", "organization__employer_profile")
                .prefetch_related("requirements"))
    if not jobs:
        return []
    index = for_organization(candidate.organization_id)
    weights = weights_for(candidate.organization_id)
    with index.lock:
        one = index.subset([candidate.pk])
    out = []
    for job in jobs:
        match = score_candidate(spec_for_job(job), index, candidate.pk, weights, one=one)
        if match is not None:
            match.candidate = candidate
            out.append(JobMatch(job, match))
    out.sort(key=lambda jm: (-jm.match.score, jm.job.pk))
    return out[:limit]


# --- reasons ----------------------------------------------------------------------------------


def _bits(value: int, keys: list[str]) -> list[str]:
    """The keys whose bit is set in `value`, lowest bit first."""
    out = []
    while value:
        low = value & -value
        i = low.bit_length() - 1
        if i < len(keys):
            out.append(keys[i])
        value ^= low
    return out


def _row_mask128(col: np.ndarray, row: int) -> int:
    return int(col[row, 0]) | (int(col[row, 1]) << 64)


def _years(years: float) -> str:
    n = round(years)
    return "1 year's" if n == 1 else f"{n} years'"


def _fmt_date(d: date) -> str:
    return f"{d.day} {d.strftime('%b')}"


def explain(match: Match, spec: JobSpec, index: MatchIndex, row: int, scored: Scored) -> None:
    """Short human-readable reasons (what fits) and gaps (what is missing) for one row."""
    c = index.cols
    v = index.vocab
    comp = match.components
    reasons, gaps = match.reasons, match.gaps
    prof_id = int(c["prof"][row])
    held = v.profession_keys[prof_id] if prof_id >= 0 else None
    if Component.PROFESSION in comp:
        label = Profession(held).label if held else "Profession not recorded"
        if comp[Component.PROFESSION] >= 1:
            reasons.append(label)
        elif held and comp[Component.PROFESSION] >= 0.85:
            reasons.append(f"{label}, who may fill {Profession(spec.profession).label.lower()}"
                           " roles")
        elif held:
            gaps.append(f"{label}, not a {Profession(spec.profession).label.lower()}")
        else:
            gaps.append("Profession not recorded")

    specs = [v.specialty_keys[i] for i in c["spec"][row] if i >= 0]
    all_specialties = knowledge.specialties()
    if Component.SPECIALTY in comp:
        wanted = all_specialties.get(spec.specialty)
        closeness = comp[Component.SPECIALTY]
        best = max(specs, key=lambda k: knowledge.specialty_closeness(spec.specialty, k),
                   default=None)
        if spec.also_specialty and best and closeness < 1 and spec.also_specialty in specs:
            best = spec.also_specialty
            closeness = 1.0
        best_name = all_specialties[best].name if best in all_specialties else None
        if not specs:
            gaps.append(f"No specialty recorded ({wanted.name} wanted)" if wanted
                        else "No specialty recorded")
        elif closeness >= 1:
            reasons.append(best_name)
        elif closeness >= 0.6:
            reasons.append(f"{best_name}, close to {wanted.name}" if wanted else best_name)
        else:
            names = ", ".join(all_specialties[k].name for k in specs[:2] if k in all_specialties)
            gaps.append(f"{names}, not {wanted.name}" if wanted else names)

    if Component.LICENCE in comp:
        j = spec.jurisdiction
        here = jurisdictions.label(j).split(" (")[0]
        short = j.split("-", 1)[1]
        states = {}
        for state in ("a", "p", "x", "r"):
            for code in _bits(_row_mask128(c[f"lic_{state}"], row), v.jurisdiction_keys):
                states.setdefault(code, state)
        current = [code for code, s in states.items() if s == "a"]
        score = comp[Component.LICENCE]
        if states.get(j) == "a":
            reasons.append(f"Licensed in {short}")
        elif score >= 0.95:
            held_code = next((h for h in current if knowledge.covers(spec.profession, h, j)), "")
            rule = knowledge.portability(spec.profession, held_code, j) if held_code else None
            reasons.append(f"Licensed in {held_code.split('-', 1)[-1]}; "
                           f"{rule.scheme if rule else 'a compact'} covers {short}")
        elif states.get(j) == "p":
            gaps.append(f"{short} licence pending or eligible, not yet issued")
        else:
            rule = None
            for h in current:
                rule = knowledge.portability(spec.profession, h, j)
                if rule:
                    break
            if rule:
                gaps.append(rule.note[:1].upper() + rule.note[1:])
            elif states.get(j) == "x":
                gaps.append(f"{short} licence lapsed")
            elif current:
                listed = ", ".join(h.split("-", 1)[1] for h in current[:3])
                gaps.append(f"Licensed in {listed}; needs a {here} licence")
            else:
                gaps.append(f"No licence on record ({here} needed)")

    if Component.DISTANCE in comp and scored.distance is not None:
        d = float(scored.distance[row])
        place = spec.place or "the job"
        if math.isnan(d):
            gaps.append("Location unknown")
        else:
            km = f"{d:,.0f} km from {place}"
            reloc = bool(c["reloc"][row])
            radius = float(c["radius"][row])
            if d <= COMMUTE_KM:
                reasons.append(km)
            elif reloc and (math.isnan(radius) or d <= radius):
                reasons.append(f"{km}; open to relocating")
            elif spec.short_term and d <= 1500:
                reasons.append(f"{km} (travel for short-term work)")
            elif reloc:
                gaps.append(f"{km}; relocation radius {radius:,.0f} km")
            else:
                gaps.append(f"{km}; not open to relocating")

    if Component.AVAILABILITY in comp and scored.coverage is not None:
        cov = float(scored.coverage[row])
        window = _fmt_date(spec.start_date)
        if spec.end_date and spec.end_date != spec.start_date:
            window += f"–{_fmt_date(spec.end_date)}"
        has_windows = bool(np.any(index.win_row == row))
        if cov >= 0.999:
            reasons.append(f"Available {window}")
        elif cov > 0:
            reasons.append(f"Available for {cov:.0%} of {window}")
        elif has_windows:
            gaps.append(f"Availability on record doesn't cover {window}")
        else:
            gaps.append("No availability on record")

    years = float(c["years"][row])
    if Component.EXPERIENCE in comp:
        need = spec.years_required
        if math.isnan(years):
            gaps.append(f"Years of experience unknown ({need}+ asked)")
        elif years >= need:
            reasons.append(f"{_years(years)} experience ({need}+ asked)")
        else:
            gaps.append(f"{_years(years)} experience; {need}+ asked")
    elif not math.isnan(years) and years >= 1:
        reasons.append(f"{_years(years)} experience")

    certs = knowledge.certifications()
    held_now = set(_bits(_row_mask128(c["cert"], row), v.certification_keys))
    held_any = set(_bits(_row_mask128(c["cert_any"], row), v.certification_keys))
    asked = [*spec.certifications_required, *spec.certifications_wanted]
    boards = [k for k in held_now if k in certs and certs[k].kind == "board"]
    have = [certs[k].name for k in asked if k in held_now and k in certs]
    if ANY_BOARD in asked and ANY_BOARD not in held_now and boards:
        have.append(certs[boards[0]].name)
    if have:
        reasons.append(", ".join(have[:4]) + " current")
    for key in spec.certifications_required:
        if key in held_now or key not in certs or (key == ANY_BOARD and boards):
            continue
        name = certs[key].name
        gaps.append(f"{name} expired" if key in held_any else f"No {name} on record")
    areas = knowledge.therapeutic_areas()
    if spec.therapeutic_areas:
        got = [areas[k].name for k in _bits(int(c["areas"][row]), v.area_keys)
               if k in spec.therapeutic_areas and k in areas]
        if got:
            reasons.append(f"{', '.join(got[:3])} experience")
        else:
            gaps.append("No " + " / ".join(areas[k].name for k in spec.therapeutic_areas[:2]
                                           if k in areas) + " experience on record")
    phases = knowledge.trial_phases()
    if spec.trial_phases:
        got = [phases[k].name for k in _bits(int(c["phases"][row]), v.phase_keys)
               if k in spec.trial_phases and k in phases]
        if got:
            reasons.append(f"{', '.join(got)} trials")
    if spec.research_side in ("site", "sponsor"):
        side = int(c["side"][row])
        bit = 1 if spec.research_side == "site" else 2
        label = "site" if bit == 1 else "sponsor / CRO"
        if side & bit:
            reasons.append(f"{label.capitalize()} experience")
        elif side:
            gaps.append(f"No {label} experience ({'sponsor / CRO' if bit == 1 else 'site'} only)")

    if Component.PREFERENCES in comp:
        pref = int(c["pref_emp"][row])
        if spec.employment_type in v.employment_types and pref:
            label = EmploymentType(spec.employment_type).label.lower()
            if pref >> v.employment_types[spec.employment_type] & 1:
                reasons.append(f"Wants {label} work")
            else:
                wanted = [EmploymentType(k).label.lower() for k in
                          _bits(pref, list(v.employment_types))]
                gaps.append(f"Prefers {', '.join(wanted[:2])}")
        min_pay = float(c["min_pay"][row])
        if spec.pay_max and spec.pay_period == "year" and not math.isnan(min_pay) \
                and min_pay > spec.pay_max:
            gaps.append(f"Asks at least {min_pay:,.0f} a year")

    status_id = int(c["status"][row])
    status = list(v.statuses)[status_id] if status_id >= 0 else None
    hired = int(c["hired"][row])
    if hired:
        reasons.append("Hired by you before")
    elif int(c["engaged"][row]):
        reasons.append("Engaged with you before")
    if status == CandidateStatus.ACTIVE:
        reasons.append("Actively looking")
    elif status == CandidateStatus.NOT_LOOKING:
        gaps.append("Not looking at the moment")
    last = float(c["last_act"][row])
    if not math.isnan(last):
        age = (time.time() - last) / 86400
        if age <= 14:
            reasons.append("In touch in the last two weeks")
    if "text" in comp and comp["text"] > 0:
        reasons.append("Words of the posting appear in their record")
