"""Ranking: every candidate in an organization's pool scored for a job, with the reasons.

A job is first turned into a `JobSpec` (rounds.matching.spec: what it asks for, in codes). Each
score component is a number from 0 to 1 computed for every candidate at once over the index
columns (rounds.matching.index); the score is their weighted mean over the components that apply
to the job, times 100. Only hard legal constraints exclude anyone: a regulated profession the
candidate cannot legally practise, a licence revoked or suspended where the job is, or a
candidate who asked not to be contacted. Everyone else is ranked; reasons and gaps are written
for the page shown (rounds.matching.reasons).
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from rounds.candidates.choices import CandidateStatus, Profession
from rounds.candidates.models import Candidate
from rounds.lib import jurisdictions

from . import knowledge
from .choices import DEFAULT_WEIGHTS, Component
from .index import MatchIndex, days, for_organization, mask, split128
from .reasons import explain, org_unit
from .spec import ANY_BOARD, COMMUTE_KM, TRAVEL_KM, JobSpec, spec_for_job

__all__ = ["JobSpec", "Match", "Ranking", "jobs_for_candidate", "rank", "score_candidate",
           "score_columns", "spec_for_job", "weights_for"]


def _cert_bits(key: str, vocab) -> tuple[int, int]:
    if key == ANY_BOARD:
        boards = [k for k, c in knowledge.certifications().items() if c.kind == "board"]
        return split128(mask(vocab.certifications, boards))
    return split128(1 << vocab.certifications[key])


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
    band: str = ""
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


@lru_cache(maxsize=1)
def _general_table() -> np.ndarray:
    """Per specialty id (the last slot: none), whether it is a profession's general entry
    ("Registered Nurse", "Pharmacist": no particular specialty)."""
    return np.array([info.general for info in knowledge.specialties().values()] + [True])


@lru_cache(maxsize=256)
def _portability_table(wanted: str, fallback: str) -> tuple[np.ndarray, np.ndarray]:
    """Per profession id (the last slot: profession unknown, read as `fallback`), the masks of
    held jurisdictions whose licence covers `wanted` or makes one obtainable. A licence carries
    by the rules of the profession it was issued for: a nurse practitioner's licence is not a
    registered nurse's multistate licence, whatever post they apply for."""
    keys = [*Profession.values, fallback]
    covers = np.zeros((len(keys), 2), dtype=np.uint64)
    obtainable = np.zeros((len(keys), 2), dtype=np.uint64)
    for i, profession in enumerate(keys):
        c, o = _portability_masks(profession or "", wanted)
        covers[i] = c
        obtainable[i] = o
    return covers, obtainable


def _has_any_rows(cols: np.ndarray, masks: np.ndarray) -> np.ndarray:
    return ((cols[:, 0] & masks[:, 0]) | (cols[:, 1] & masks[:, 1])) != 0


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


def _same_family(a: str, b: str) -> bool:
    return a == b or knowledge.profession_closeness(a, b) >= 0.85 or \
        knowledge.profession_closeness(b, a) >= 0.85


def _nice_to_haves_met(spec: JobSpec, index: MatchIndex) -> list[np.ndarray]:
    """Per nice-to-have, the rows that meet it: a certification held, a specialty of theirs
    (or the words in their record), the words in their record (through the search index)."""
    from rounds.candidates.search import text_filter

    n = index.n
    out = []
    for nice in spec.nice_to_haves:
        met = np.zeros(n, dtype=bool)
        if nice.kind == "certification" and nice.key in index.vocab.certifications:
            met |= _has_any(index.cols["cert"][:n], _cert_bits(nice.key, index.vocab))
        if nice.kind == "specialty" and nice.key in index.vocab.specialties:
            table = _specialty_table(nice.key)
            ids = index.cols["spec"][:n]
            met |= table[np.where(ids < 0, len(table) - 1, ids)].max(axis=1) >= 0.9
        if nice.words and n:
            base = Candidate._base_manager.filter(organization_id=index.organization_id,
                                                  merged_into__isnull=True)
            if n <= 50:
                base = base.filter(pk__in=[int(i) for i in index.cols["ids"][:n]])
            rows = [index.row_of[i] for i in text_filter(base, list(nice.words[:4]))
                    .values_list("id", flat=True)[:200_000] if i in index.row_of]
            met[rows] = True
        out.append(met)
    return out


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
    # Gap points per row: 1 for a near-miss (licence obtainable, a related specialty, an NP on an
    # RN post), 2 for a real gap (the wrong specialty, far and not relocating). They set the band.
    gaps: np.ndarray | None = None
    # Per nice-to-have of the spec, which rows meet it.
    nice: list[np.ndarray] = field(default_factory=list)


def score_columns(spec: JobSpec, index: MatchIndex, now: float | None = None) -> Scored:
    """Every component for every row of the index; rows that a legal constraint excludes."""
    n = index.n
    c = index.cols
    now = now or time.time()
    comps: dict[str, np.ndarray] = {}
    excluded: dict[str, np.ndarray] = {}
    prof = c["prof"][:n]

    gaps = np.zeros(n, dtype=np.float32)

    # Profession: the closest of the professions the post is open to.
    professions = [p for p in (spec.professions or [spec.profession])
                   if p and p != Profession.OTHER]
    fits_specialty = None
    if professions:
        table = _profession_table(professions[0])
        for other in professions[1:]:
            table = np.maximum(table, _profession_table(other))
        value = table[np.where(prof < 0, len(table) - 1, prof)]
        comps[Component.PROFESSION] = value
        if spec.regulated:
            known = prof >= 0
            other_index = index.vocab.professions.get(Profession.OTHER, -2)
            excluded["profession"] = known & (prof != other_index) & (value == 0)
        # Another profession that may fill the post (an NP on an RN post) is a near-miss below
        # the profession itself; a related one (a PA on a physician's post) a real gap.
        gaps += np.where(value >= 1, 0, np.where((value >= 0.85) | (prof < 0), 1, 2))
        if len(professions) > 1 and spec.specialty:
            # A post open to several professions names the specialty of one of them: it
            # speaks to that profession's candidates only.
            owner = knowledge.specialty(spec.specialty).profession
            fits_specialty = np.isin(prof, [index.vocab.professions[p] for p in professions
                                            if _same_family(p, owner)])

    # Specialty: the closest of the candidate's specialties.
    if spec.specialty and spec.specialty in index.vocab.specialties:
        also = spec.also_specialty if spec.also_specialty in index.vocab.specialties else None
        table = _specialty_table(spec.specialty, also)
        spec_ids = c["spec"][:n]
        closeness = table[np.where(spec_ids < 0, len(table) - 1, spec_ids)].max(axis=1)
        unknown = spec_ids[:, 0] < 0
        value = np.where(unknown, np.float32(0.3), closeness)
        # The specialty comes before the licence on a specialist post: a closely related one
        # (0.75 and more) is a near-miss, a loosely related one (the parent of a subspecialty)
        # a real gap, another specialty of the profession more; none on record, a near-miss.
        gap = np.where(value >= 0.9, 0, np.where(unknown | (value >= 0.75), 1, np.where(
            value >= 0.6, 2, 3)))
        # Only a general entry on record says no more than no specialty: a near-miss.
        only_general = _general_table()[np.where(spec_ids < 0, -1, spec_ids)].all(axis=1)
        gap = np.where(only_general & (gap > 1), 1, gap)
        if knowledge.specialty(spec.specialty).general and not also:
            # A post for the profession in general ("Registered Nurse"): any specialty of it.
            gap = np.where(unknown | (value >= 0.6), 0, np.where(value > 0, 2, 3))
        if fits_specialty is not None:
            value = np.where(fits_specialty, value, np.maximum(value, np.float32(0.6)))
            gap = np.where(fits_specialty, gap, 0)
        comps[Component.SPECIALTY] = value.astype(np.float32)
        gaps += gap

    # Licence or eligibility where the job is, by the rules of the licence each one holds.
    if spec.regulated and spec.jurisdiction and spec.jurisdiction in index.vocab.jurisdictions:
        here = _jurisdiction_bits(index, [spec.jurisdiction])
        covers_t, obtainable_t = _portability_table(spec.jurisdiction, spec.profession or "")
        slot = np.where(prof < 0, len(covers_t) - 1, prof)
        covers, obtainable = covers_t[slot], obtainable_t[slot]
        country = spec.jurisdiction.split("-", 1)[0]
        same_country = _country_bits(index, country)
        a, p, x, r = c["lic_a"][:n], c["lic_p"][:n], c["lic_x"][:n], c["lic_r"][:n]
        any_licence = _has_any(a | p | x | r, (2**64 - 1, 2**64 - 1))
        score = np.full(n, 0.25, dtype=np.float32)  # nothing on record
        score[any_licence] = 0.15                      # licensed, elsewhere, other country
        score[_has_any(a | p | x, same_country)] = 0.3
        score[_has_any(x, here)] = 0.45
        score[_has_any_rows(a, obtainable)] = 0.6
        score[_has_any(p, here)] = 0.75
        score[_has_any_rows(a, covers)] = 0.95
        score[_has_any(a, here)] = 1.0
        comps[Component.LICENCE] = score
        excluded["licence"] = _has_any(r, here) & ~_has_any(a, here)
        gaps += np.where(score >= 0.94, 0, np.where(score >= 0.44, 1, 1.5))

    # Distance, against willingness to relocate. Short-term work is travelled to.
    distance = None
    if spec.latitude is not None and spec.longitude is not None and not spec.remote:
        distance = _distance_km(index, spec.latitude, spec.longitude)
        scale = 600.0 if spec.short_term else 150.0
        decay = 1.0 / (1.0 + np.power(np.maximum(distance - COMMUTE_KM, 0) / scale, 1.5))
        reloc = c["reloc"][:n]
        radius = c["radius"][:n]
        within = reloc & (np.isnan(radius) | (distance <= radius))
        near_by = distance <= COMMUTE_KM
        score = np.where(near_by, 1.0, np.where(within, np.maximum(0.85, decay), np.where(
            reloc, np.maximum(0.5, decay), decay)))
        score = np.where(np.isnan(distance), 0.4, score)
        comps[Component.DISTANCE] = score.astype(np.float32)
        if spec.short_term:
            gap = np.where(distance <= TRAVEL_KM, 0, 1)
        else:
            # Not moving: a long commute (up to 100 km) a small gap, a drive of a couple of
            # hours (up to 250 km) a near-miss, farther a real gap.
            gap = np.where(near_by | within, 0, np.where(reloc, 1, np.where(
                distance <= LONG_COMMUTE_KM, 0.5, np.where(distance <= DRIVE_KM, 1, 2))))
        gaps += np.where(np.isnan(distance), 0.5, gap)

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
        gaps += np.where(coverage >= 0.999, 0, np.where(has_windows & (coverage <= 0), 1, 0.5))

    # Experience against what the job asks.
    years = c["years"][:n]
    if spec.years_required:
        need = float(spec.years_required)
        score = np.where(np.isnan(years), 0.5, np.minimum(years / need, 1.0))
        comps[Component.EXPERIENCE] = np.maximum(score, 0.1).astype(np.float32)
        gaps += np.where(~np.isnan(years) & (years < need), 0.5, 0)

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
            missing = np.zeros(n, dtype=np.float32)
            for key in required:
                has = _has_any(held, _cert_bits(key, vocab))
                got += 2 * has
                missing += ~has
            gaps += np.minimum(missing, 2)
            for key in wanted_certs:
                got += _has_any(held, _cert_bits(key, vocab))
            parts.append(got / total)
    nice = _nice_to_haves_met(spec, index) if spec.nice_to_haves else []
    if nice:
        parts.append((sum(m.astype(np.float32) for m in nice) / len(nice)).astype(np.float32))
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
    return Scored(comps, excluded, distance, coverage, gaps > 0, gaps, nice)


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
    from rounds.candidates.search import text_filter

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
        ids = list(text_filter(base, [w]).values_list("id", flat=True)[:200_000])
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


CORE = (Component.PROFESSION, Component.SPECIALTY, Component.LICENCE, Component.DISTANCE)
LONG_COMMUTE_KM = 100.0
DRIVE_KM = 250.0

# The score's bands: what a number means. A candidate with no gap is a strong fit; one near-miss
# (a licence obtainable, a related specialty, an NP on an RN post, beyond their relocation
# radius) makes a good fit; a real gap (the wrong specialty, no licence path, far and not
# relocating) or two near-misses a partial fit; more, a weak one. Within a band, the weighted
# components (the organization's weights) place them.
BANDS = ((80.0, 20.0, "Strong fit"), (60.0, 20.0, "Good fit"), (40.0, 20.0, "Partial fit"),
         (0.0, 40.0, "Weak fit"))
BAND_LABELS = [label for _floor, _width, label in BANDS]


def band_of(gap_points: np.ndarray) -> np.ndarray:
    """0 strong (no gap), 1 good (up to one point), 2 partial (up to two), 3 weak."""
    return np.minimum(np.ceil(np.round(gap_points, 3)), 3).astype(np.int8)


def final_scores(components: dict[str, np.ndarray], weights: dict[str, float],
                 gaps: np.ndarray | None) -> np.ndarray:
    """The 0-100 score: the band its gaps put a row in, then its place in the band by the
    weighted components. Without gap points (a job nothing was recognised in) the weighted
    components alone."""
    mean = combine(components, weights)
    if gaps is None or len(mean) == 0:
        return mean
    band = band_of(gaps)
    floors = np.array([b[0] for b in BANDS], dtype=np.float32)[band]
    widths = np.array([b[1] for b in BANDS], dtype=np.float32)[band]
    # The weighted components place a row in its band. Above the weak band, the profession,
    # specialty, licence and distance are (nearly) met by everyone, so what tells them apart
    # is the rest: the range is spread from what those four alone would give. In the weak band,
    # the whole range.
    q = mean / 100.0
    used = {k: weights.get(k, 0.0) for k in components if weights.get(k, 0.0) > 0}
    core = sum(w for k, w in used.items() if k in CORE) / (sum(used.values()) or 1.0)
    low = 0.9 * core
    spread = np.where(q >= low, 0.2 + 0.8 * (q - low) / (1 - low), 0.2 * q / max(low, 1e-6))
    within = np.clip(np.where(band < 3, spread, q), 0, 1)  # strictly rising in q: no ties
    # More gap points within one band place a row lower in it.
    extra = np.where(band == 0, 0, np.where(band < 3, gaps - (band - 1), (gaps - 2) / 4))
    within = within * (1 - 0.25 * np.clip(extra, 0, 1))
    return (floors + (widths - 0.1) * within).astype(np.float32)


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
        gaps = scored.gaps if spec.recognised else None
        scores = final_scores(components, applicable_weights, gaps)
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
        unit = org_unit(index.organization_id) if page_rows is not None and len(page_rows) else None
        for position, row in enumerate(page_rows, start=offset + 1):
            cid = int(ids[row])
            comp = {k: float(v[row]) for k, v in components.items()}
            match = Match(
                candidate_id=cid, score=round(float(scores[row]), 1), components=comp,
                near_miss=bool(scored.near_miss[row]), candidate=people[cid],
                band=BAND_LABELS[int(band_of(gaps[row:row + 1])[0])] if gaps is not None
                else "",
                external_id=people[cid].external_id, rank=position,
            )
            explain(match, spec, index, row, scored, unit=unit)
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
    gaps = scored.gaps if spec.recognised else None
    score = float(final_scores(components, weights, gaps)[0])
    match = Match(candidate_id=candidate_id, score=round(score, 1),
                  components={k: float(v[0]) for k, v in components.items()},
                  near_miss=bool(scored.near_miss[0]),
                  band=BAND_LABELS[int(band_of(gaps)[0])] if gaps is not None else "")
    explain(match, spec, one, 0, scored)
    return match


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
