"""The in-memory match index: one set of numpy columns per organization, kept current.

Ranking reads columns, never the database, so a million candidates rank in a fraction of a
second. A process gets an organization's index from its snapshot on disk
(rounds.matching.snapshot) when it starts or on first use, and builds one from the stored match
profiles only outside a request (the worker, `manage.py warm_match_index`) or for a small pool.
Then it catches up on every use: candidates whose `updated_at` moved since the last look (an
indexed range read, usually empty) get their profile rebuilt and their row replaced in place.
Certification expiry is applied in place when the day changes. Nothing is rebuilt per request.

Rows of candidates deleted for real stay in the columns until the next full build; ranking drops
them when it loads the top results (rounds.matching.engine)."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.utils import timezone

from rounds.accounts.choices import CompensationModel
from rounds.candidates.choices import CandidateStatus, EmploymentType, Profession, Setting
from rounds.candidates.models import Candidate
from rounds.lib import jurisdictions

from . import knowledge, profiles
from .models import MatchProfile

# Transactions commit out of order: a row stamped a little before the last look may commit
# after it. Re-reading the stamps of this window (ids and stamps only) makes that safe.
CATCH_UP_MARGIN = timedelta(minutes=2)
RECHECK_EVERY = timedelta(seconds=15)
# A snapshot is written again once this many rows changed since the last one, or when rows
# changed and the last one is older than SNAPSHOT_EVERY (in a background thread).
SNAPSHOT_AFTER_ROWS = 1000
SNAPSHOT_EVERY = timedelta(minutes=10)
SPECIALTY_SLOTS = 4
EPOCH = date(1970, 1, 1)


def _vocabulary(values) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


class Vocabularies:
    """Integer ids for every coded value, fixed for the life of the process."""

    def __init__(self) -> None:
        self.professions = _vocabulary(Profession.values)
        self.specialties = _vocabulary(knowledge.specialties())
        self.jurisdictions = _vocabulary(sorted(jurisdictions.JURISDICTIONS))
        self.certifications = _vocabulary(list(knowledge.certifications())[:128])
        self.areas = _vocabulary(list(knowledge.therapeutic_areas())[:64])
        self.phases = _vocabulary(list(knowledge.trial_phases())[:8])
        self.settings = _vocabulary(Setting.values)
        self.employment_types = _vocabulary(EmploymentType.values)
        self.compensation_models = _vocabulary(CompensationModel.values)
        self.statuses = _vocabulary(CandidateStatus.values)
        self.profession_keys = list(self.professions)
        self.specialty_keys = list(self.specialties)
        self.jurisdiction_keys = list(self.jurisdictions)
        self.certification_keys = list(self.certifications)
        self.area_keys = list(self.areas)
        self.phase_keys = list(self.phases)
        self.setting_keys = list(self.settings)


_vocabularies: Vocabularies | None = None


def vocabularies() -> Vocabularies:
    global _vocabularies
    if _vocabularies is None:
        _vocabularies = Vocabularies()
    return _vocabularies


def mask(vocabulary: dict[str, int], values) -> int:
    out = 0
    for v in values:
        i = vocabulary.get(v)
        if i is not None:
            out |= 1 << i
    return out


def split128(value: int) -> tuple[int, int]:
    return value & 0xFFFFFFFFFFFFFFFF, value >> 64


def days(d: date) -> int:
    return (d - EPOCH).days


def _as_datetime(value) -> datetime | None:
    """A timestamp as the ORM or a raw cursor gives it (SQLite: UTC text), aware."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def micros(value) -> int:
    value = _as_datetime(value)
    return int(value.timestamp() * 1_000_000) if value else 0


# Column name → (dtype, extra shape, fill value)
COLUMNS: dict[str, tuple[str, tuple, object]] = {
    "ids": ("int64", (), 0),
    "stamp": ("int64", (), 0),
    "alive": ("bool", (), False),
    "dnc": ("bool", (), False),
    "prof": ("int16", (), -1),
    "spec": ("int16", (SPECIALTY_SLOTS,), -1),
    "lic_a": ("uint64", (2,), 0),
    "lic_p": ("uint64", (2,), 0),
    "lic_x": ("uint64", (2,), 0),
    "lic_r": ("uint64", (2,), 0),
    "cert": ("uint64", (2,), 0),
    "cert_any": ("uint64", (2,), 0),
    "cert_open": ("uint64", (2,), 0),  # held with no expiry recorded
    "areas": ("uint64", (), 0),
    "phases": ("uint8", (), 0),
    "settings": ("uint16", (), 0),
    "side": ("uint8", (), 0),
    "years": ("float32", (), np.nan),
    "lat": ("float32", (), np.nan),
    "lng": ("float32", (), np.nan),
    "reloc": ("bool", (), False),
    "radius": ("float32", (), np.nan),
    "pref_emp": ("uint8", (), 0),
    "pref_set": ("uint16", (), 0),
    "pref_comp": ("uint8", (), 0),
    "min_pay": ("float32", (), np.nan),
    "status": ("int8", (), -1),
    "last_act": ("float64", (), np.nan),
    "applications": ("int16", (), 0),
    "engaged": ("int16", (), 0),
    "hired": ("int16", (), 0),
    "rejected": ("int16", (), 0),
}

PROFILE_FIELDS = (
    "candidate_id", "source_stamp", "merged", "profession", "specialties", "licences",
    "certifications", "therapeutic_areas", "trial_phases", "settings", "research_side",
    "years_experience", "latitude", "longitude", "willing_to_relocate", "relocation_radius_km",
    "preferred_employment_types", "preferred_settings", "preferred_compensation_models",
    "minimum_pay", "status", "last_activity_at", "applications", "engaged", "hired", "rejected",
    "availability",
)


@dataclass
class Encoded:
    """One profile turned into column values."""

    values: dict
    windows: list[tuple[int, int]]
    expiries: tuple[tuple[int, int], ...] = ()  # (certification id, expiry day)


@lru_cache(maxsize=50_000)
def _specialty_slots(specs: str) -> tuple[int, ...]:
    v = vocabularies()
    ids: list[int] = []
    for key in specs.split():
        i = v.specialties.get(key)
        if i is not None and i not in ids:
            ids.append(i)
            if len(ids) == SPECIALTY_SLOTS:
                break
    return tuple(ids + [-1] * (SPECIALTY_SLOTS - len(ids)))


@lru_cache(maxsize=50_000)
def _licence_masks(licences: str) -> tuple[tuple[int, int], ...]:
    v = vocabularies()
    lic = {"a": 0, "p": 0, "x": 0, "r": 0}
    for token in licences.split():
        code, _, state = token.partition(":")
        i = v.jurisdictions.get(code)
        if i is not None and state in lic:
            lic[state] |= 1 << i
    return tuple(split128(lic[s]) for s in "apxr")


@lru_cache(maxsize=50_000)
def _certification_masks(certs: str, today_iso: str) -> tuple[tuple[int, int], tuple[int, int]]:
    v = vocabularies()
    now = held = 0
    for token in certs.split():
        key, _, expires = token.partition(":")
        i = v.certifications.get(key)
        if i is None:
            continue
        held |= 1 << i
        if not expires or expires >= today_iso:
            now |= 1 << i
    return split128(now), split128(held)


@lru_cache(maxsize=50_000)
def _certification_expiries(certs: str) -> tuple[tuple[int, int], tuple[tuple[int, int], ...]]:
    """The bits of the certifications held with no expiry, and (id, expiry day) of the others:
    what `MatchIndex.refresh_day` recomputes the current ones from when the day changes."""
    v = vocabularies()
    open_mask = 0
    expiring = []
    for token in certs.split():
        key, _, expires = token.partition(":")
        i = v.certifications.get(key)
        if i is None:
            continue
        try:
            expiring.append((i, days(date.fromisoformat(expires))))
        except ValueError:
            open_mask |= 1 << i  # none recorded (or unreadable): held
    return split128(open_mask), tuple(expiring)


@lru_cache(maxsize=10_000)
def _mask_of(vocabulary_name: str, tokens: str) -> int:
    return mask(getattr(vocabularies(), vocabulary_name), tokens.split())


def encode(row: tuple, today: date, v: Vocabularies) -> Encoded:
    (cid, stamp, merged, profession, specs, licences, certs, areas, phases, settings, side,
     years, lat, lng, reloc, radius, pref_emp, pref_set, pref_comp, min_pay, status, last_act,
     applications, engaged, hired, rejected, availability) = row
    lic_a, lic_p, lic_x, lic_r = _licence_masks(licences)
    cert_now, cert_any = _certification_masks(certs, today.isoformat())
    cert_open, expiries = _certification_expiries(certs)
    windows = []
    for token in availability.split():
        start, _, end = token.partition("/")
        try:
            windows.append((days(date.fromisoformat(start)), days(date.fromisoformat(end))))
        except ValueError:
            continue
    values = {
        "ids": cid,
        "stamp": micros(stamp),
        "alive": not merged,
        "dnc": status == CandidateStatus.DO_NOT_CONTACT,
        "prof": v.professions.get(profession, -1),
        "spec": _specialty_slots(specs),
        "lic_a": lic_a,
        "lic_p": lic_p,
        "lic_x": lic_x,
        "lic_r": lic_r,
        "cert": cert_now,
        "cert_any": cert_any,
        "cert_open": cert_open,
        "areas": _mask_of("areas", areas),
        "phases": _mask_of("phases", phases),
        "settings": _mask_of("settings", settings),
        "side": {"site": 1, "sponsor": 2, "both": 3}.get(side, 0),
        "years": np.nan if years is None else float(years),
        "lat": np.nan if lat is None else lat,
        "lng": np.nan if lng is None else lng,
        "reloc": bool(reloc),
        "radius": np.nan if not radius else float(radius),
        "pref_emp": _mask_of("employment_types", pref_emp),
        "pref_set": _mask_of("settings", pref_set),
        "pref_comp": _mask_of("compensation_models", pref_comp),
        "min_pay": np.nan if min_pay is None else float(min_pay),
        "status": v.statuses.get(status, -1),
        "last_act": _as_datetime(last_act).timestamp() if last_act else np.nan,
        "applications": min(applications, 32767),
        "engaged": min(engaged, 32767),
        "hired": min(hired, 32767),
        "rejected": min(rejected, 32767),
    }
    return Encoded(values, windows, expiries)


class MatchIndex:
    """Columns for one organization's candidates. `n` rows are in use; arrays have spare
    capacity so that catching up appends without copying every time."""

    def __init__(self, organization_id: int, capacity: int = 1024) -> None:
        self.organization_id = organization_id
        self.vocab = vocabularies()
        self.n = 0
        self.capacity = max(capacity, 16)
        self.cols: dict[str, np.ndarray] = {
            name: np.full((self.capacity, *shape), fill, dtype=dtype)
            for name, (dtype, shape, fill) in COLUMNS.items()
        }
        self.row_of: dict[int, int] = {}
        # Availability windows, flat: day numbers and the row each belongs to (-1: dropped).
        self.win_start = np.zeros(0, dtype=np.int32)
        self.win_end = np.zeros(0, dtype=np.int32)
        self.win_row = np.zeros(0, dtype=np.int32)
        # Certifications with an expiry, flat: the row (-1: dropped), certification id, day.
        self.exp_row = np.zeros(0, dtype=np.int32)
        self.exp_cert = np.zeros(0, dtype=np.int16)
        self.exp_day = np.zeros(0, dtype=np.int32)
        self.watermark: datetime | None = None
        self.anchor: datetime | None = None
        self.signature: tuple | None = None
        self.checked_at: datetime | None = None
        self.built_at = timezone.now()
        self.built_on = timezone.localdate()
        self.build_seconds = 0.0
        self.lock = threading.RLock()
        self.identity = ""            # the organization's, checked when a snapshot is loaded
        self.unsaved = 0              # rows changed since the snapshot was written
        self.saved_at: datetime | None = None
        self.last_used = timezone.now()
        self.saving = False

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols")
        if cols is not None and name in cols:
            return cols[name][: self.__dict__["n"]]
        raise AttributeError(name)

    def __len__(self) -> int:
        return self.n

    # --- writing rows ---------------------------------------------------------------------

    def _grow(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        capacity = max(needed, int(self.capacity * 1.5) + 16)
        for name, (dtype, shape, fill) in COLUMNS.items():
            grown = np.full((capacity, *shape), fill, dtype=dtype)
            grown[: self.n] = self.cols[name][: self.n]
            self.cols[name] = grown
        self.capacity = capacity

    def load(self, rows, today: date, batch: int = 10_000) -> None:
        """Put profile rows (PROFILE_FIELDS tuples) in the index, replacing existing rows.
        Rows are encoded a batch at a time, so a million of them never sit in memory at once."""
        batch_rows: list = []
        for row in rows:
            batch_rows.append(row)
            if len(batch_rows) >= batch:
                self._load_batch(batch_rows, today)
                batch_rows = []
        if batch_rows:
            self._load_batch(batch_rows, today)

    def _load_batch(self, rows, today: date) -> None:
        new_windows: list[tuple[int, int, int]] = []
        new_expiries: list[tuple[int, int, int]] = []
        replaced: list[int] = []
        self._grow(self.n + len(rows))
        targets: list[int] = []
        values: dict[str, list] = {name: [] for name in COLUMNS}
        for r in rows:
            e = encode(r, today, self.vocab)
            cid = e.values["ids"]
            row = self.row_of.get(cid)
            if row is None:
                row = self.n
                self.n += 1
                self.row_of[cid] = row
            else:
                replaced.append(row)
            targets.append(row)
            for name, value in e.values.items():
                values[name].append(value)
            new_windows.extend((s, end, row) for s, end in e.windows)
            new_expiries.extend((row, i, d) for i, d in e.expiries)
        at = np.array(targets, dtype=np.int64)
        for name, (dtype, _shape, _fill) in COLUMNS.items():
            self.cols[name][at] = np.array(values[name], dtype=dtype)
        if replaced:
            gone = np.array(replaced, dtype=np.int32)
            if len(self.win_row):
                self.win_row[np.isin(self.win_row, gone)] = -1
            if len(self.exp_row):
                self.exp_row[np.isin(self.exp_row, gone)] = -1
        if new_windows:
            w = np.array(new_windows, dtype=np.int64)
            self.win_start = np.concatenate([self.win_start, w[:, 0].astype(np.int32)])
            self.win_end = np.concatenate([self.win_end, w[:, 1].astype(np.int32)])
            self.win_row = np.concatenate([self.win_row, w[:, 2].astype(np.int32)])
        if new_expiries:
            x = np.array(new_expiries, dtype=np.int64)
            self.exp_row = np.concatenate([self.exp_row, x[:, 0].astype(np.int32)])
            self.exp_cert = np.concatenate([self.exp_cert, x[:, 1].astype(np.int16)])
            self.exp_day = np.concatenate([self.exp_day, x[:, 2].astype(np.int32)])

    def refresh_day(self, today: date) -> None:
        """The certifications current on `today`, recomputed in place from those held with no
        expiry and the expiry days (the day changed since the rows were encoded)."""
        with self.lock:
            n = self.n
            cert = self.cols["cert_open"][:n].copy()
            live = (self.exp_row >= 0) & (self.exp_day >= days(today))
            rows, ids = self.exp_row[live], self.exp_cert[live].astype(np.int64)
            for word in (0, 1):
                pick = (ids // 64) == word
                bits = np.left_shift(np.uint64(1), (ids[pick] % 64).astype(np.uint64))
                np.bitwise_or.at(cert[:, word], rows[pick], bits)
            self.cols["cert"][:n] = cert
            self.built_on = today

    def drop(self, candidate_ids) -> None:
        """Mark rows as gone (a candidate deleted for real)."""
        for cid in candidate_ids:
            row = self.row_of.get(cid)
            if row is not None:
                self.cols["alive"][row] = False

    def scrub(self, candidate_ids) -> None:
        """Wipe an erased person's rows: every column back to its empty value and not alive
        (the id and stamp stay, so a later catch-up finds the row and replaces it)."""
        with self.lock:
            for cid in candidate_ids:
                row = self.row_of.get(cid)
                if row is None:
                    continue
                for name, (_dtype, _shape, fill) in COLUMNS.items():
                    if name not in ("ids", "stamp"):
                        self.cols[name][row] = fill

    def subset(self, candidate_ids) -> MatchIndex:
        """A small index of just these candidates' rows (same vocabularies), for scoring one
        candidate against many jobs without touching the other rows."""
        rows = [self.row_of[c] for c in candidate_ids if c in self.row_of]
        sub = MatchIndex.__new__(MatchIndex)
        sub.__dict__.update(
            organization_id=self.organization_id, vocab=self.vocab, n=len(rows),
            capacity=len(rows), lock=threading.RLock(), watermark=self.watermark,
            anchor=None, signature=None, checked_at=None,
            built_at=self.built_at, built_on=self.built_on, build_seconds=0.0,
            identity=self.identity, unsaved=0, saved_at=None, last_used=self.last_used,
            saving=False, exp_row=np.zeros(0, dtype=np.int32),
            exp_cert=np.zeros(0, dtype=np.int16), exp_day=np.zeros(0, dtype=np.int32),
        )
        picked = np.array(rows, dtype=np.int64)
        sub.cols = {name: col[picked] for name, col in self.cols.items()}
        sub.row_of = {int(self.cols["ids"][r]): i for i, r in enumerate(rows)}
        keep = np.isin(self.win_row, picked) if len(self.win_row) else np.zeros(0, bool)
        remap = {r: i for i, r in enumerate(rows)}
        sub.win_start = self.win_start[keep]
        sub.win_end = self.win_end[keep]
        sub.win_row = np.array([remap[int(r)] for r in self.win_row[keep]], dtype=np.int32)
        return sub

    def stamp_of(self, candidate_id: int) -> int | None:
        row = self.row_of.get(candidate_id)
        return None if row is None else int(self.cols["stamp"][row])

    # --- keeping current ------------------------------------------------------------------

    def catch_up(self) -> int:
        """Apply every candidate change since the last look; returns how many rows changed.

        Cheap when nothing changed: one aggregate over the stamps of the recent window (count
        and latest), compared with the last look's. Only when they differ, or every
        `RECHECK_EVERY` in any case, are the window's ids and stamps read and compared row by
        row. The window starts `CATCH_UP_MARGIN` before the previous look, because a transaction
        can commit after a later one; the periodic recheck bounds how long such a late commit
        (an update to a row already in the window, stamped earlier) can go unseen."""
        from django.db.models import Count, Max

        with self.lock:
            started = timezone.now()
            if self.built_on != timezone.localdate():
                self.refresh_day(timezone.localdate())
            since = (self.watermark or started) - CATCH_UP_MARGIN
            if self.anchor is None or self.anchor < since - CATCH_UP_MARGIN:
                self.anchor = since  # slide the window forward now and then, not every look
                self.signature = None
            window = Candidate._base_manager.filter(
                organization_id=self.organization_id, updated_at__gte=self.anchor
            ).order_by()
            signature = tuple(window.aggregate(n=Count("id"), latest=Max("updated_at")).values())
            recheck = self.checked_at is None or started - self.checked_at > RECHECK_EVERY
            if signature == self.signature and not recheck:
                self.watermark = started
                return 0
            changed = {
                cid: stamp
                for cid, stamp in window.values_list("id", "updated_at")
                if self.stamp_of(cid) != micros(stamp)
            }
            if changed:
                stale = profiles.stale_ids(self.organization_id, changed)
                if stale:
                    profiles.refresh(stale)
                self.load(_profile_rows(list(changed)), self.built_on)
                self.unsaved += len(changed)
            self.signature = signature
            self.checked_at = self.watermark = started
            return len(changed)


def _profile_rows(candidate_ids: list[int] | None, organization_id: int | None = None):
    qs = MatchProfile.objects.all()
    if candidate_ids is not None:
        for start in range(0, len(candidate_ids), 5000):
            yield from qs.filter(candidate_id__in=candidate_ids[start:start + 5000]).values_list(
                *PROFILE_FIELDS)
        return
    # The full load reads the rows through a plain cursor: the ORM's per-value converters
    # (datetimes on SQLite above all) would cost more than everything else in a build.
    from django.db import connection

    sql, params = qs.filter(organization_id=organization_id).order_by().values_list(
        *PROFILE_FIELDS).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


def build(organization_id: int, *, save: bool = True) -> MatchIndex:
    """A full index for an organization: profiles brought up to date, then loaded; its snapshot
    written (when snapshots are on) so that the next process loads it instead."""
    from . import snapshot

    t0 = time.perf_counter()
    started = timezone.now()
    profiles.refresh_organization(organization_id)
    count = MatchProfile.objects.filter(organization_id=organization_id).count()
    index = MatchIndex(organization_id, capacity=count + 1024)
    index.identity = snapshot.identity(organization_id)
    index.load(_profile_rows(None, organization_id), index.built_on)
    index.watermark = started
    index.build_seconds = time.perf_counter() - t0
    if save:
        snapshot.save(index)
    return index


class IndexWarming(Exception):
    """The organization's index is not in this process, has no snapshot, and its pool is too big
    to build inside a request: the worker is building it (the page says so and asks again)."""

    def __init__(self, organization_id: int) -> None:
        super().__init__(f"The match index of organization {organization_id} is warming up.")
        self.organization_id = organization_id


_indexes: dict[int, MatchIndex] = {}
_build_locks: dict[int, threading.Lock] = {}
_registry_lock = threading.Lock()
_queued: dict[int, float] = {}
_builds_allowed: ContextVar[bool] = ContextVar("match_index_builds_allowed", default=False)
log = logging.getLogger("rounds.matching")


@contextmanager
def builds_allowed():
    """Inside, a missing index is built whatever the pool's size (the worker, management
    commands: no one waits on a page)."""
    token = _builds_allowed.set(True)
    try:
        yield
    finally:
        _builds_allowed.reset(token)


def _small_pool(organization_id: int) -> bool:
    limit = settings.MATCH_INDEX_INLINE_BUILD_MAX
    return Candidate._base_manager.filter(organization_id=organization_id).order_by()[
        :limit + 1].count() <= limit


def _queue_build(organization_id: int) -> None:
    """Ask the worker for the index (once every few minutes per process, however many pages
    ask meanwhile)."""
    from .tasks import build_index_task

    with _registry_lock:
        last = _queued.get(organization_id)
        if last is not None and time.monotonic() - last < 300:
            return
        _queued[organization_id] = time.monotonic()
    build_index_task.enqueue(organization_id)


def for_organization(organization_id: int) -> MatchIndex:
    """The current index of an organization, caught up. From memory, else from its snapshot,
    else built: in a request only for a pool of up to MATCH_INDEX_INLINE_BUILD_MAX candidates
    (else IndexWarming, and the worker builds it)."""
    from . import snapshot

    evict_idle()
    with _registry_lock:
        lock = _build_locks.setdefault(organization_id, threading.Lock())
    with lock:
        index = _indexes.get(organization_id)
        if index is None:
            index = snapshot.load(organization_id)
            if index is None:
                # Without snapshots the worker's build could not reach this process.
                if snapshot.enabled() and not (_builds_allowed.get()
                                               or _small_pool(organization_id)):
                    _queue_build(organization_id)
                    raise IndexWarming(organization_id)
                index = build(organization_id)
            _indexes[organization_id] = index
    index.last_used = timezone.now()
    index.catch_up()
    _maybe_save(index)
    return index


def _maybe_save(index: MatchIndex) -> None:
    """Write the snapshot again, in a background thread, once enough changed since the last."""
    from . import snapshot

    if not index.unsaved or index.saving or not snapshot.enabled():
        return
    now = timezone.now()
    if index.unsaved < SNAPSHOT_AFTER_ROWS and index.saved_at and \
            now - index.saved_at < SNAPSHOT_EVERY:
        return
    save_in_background(index)


def save_in_background(index: MatchIndex) -> threading.Thread:
    from . import snapshot

    index.saving = True

    def run() -> None:
        try:
            snapshot.save(index)
        except Exception:  # a full disk must not take a page down: the next build retries
            log.exception("Could not write the match index snapshot of organization %s",
                          index.organization_id)
        finally:
            index.saving = False

    thread = threading.Thread(target=run, name=f"match-snapshot-{index.organization_id}",
                              daemon=True)
    thread.start()
    return thread


def evict_idle() -> list[int]:
    """Drop the indexes of organizations unused for MATCH_INDEX_IDLE_MINUTES (their snapshot
    written first if rows changed since); returns their ids."""
    from . import snapshot

    idle = timedelta(minutes=settings.MATCH_INDEX_IDLE_MINUTES)
    cutoff = timezone.now() - idle
    with _registry_lock:
        gone = [org for org, index in _indexes.items() if index.last_used < cutoff]
        evicted = [_indexes.pop(org) for org in gone]
    for index in evicted:
        if index.unsaved and not index.saving and snapshot.enabled():
            save_in_background(index)
    return gone


def loaded() -> list[int]:
    """The organizations whose index this process holds."""
    return list(_indexes)


def warm(limit: int | None = None) -> list[int]:
    """Load the snapshots on disk into this process, the most recently written first (a web
    process starting: rounds/wsgi.py). Builds nothing; returns the organizations loaded."""
    from . import snapshot

    done = []
    for organization_id in snapshot.organizations()[:limit]:
        try:
            for_organization(organization_id)
        except IndexWarming:
            continue
        done.append(organization_id)
    return done


def forget(organization_id: int | None = None) -> None:
    """Drop cached indexes (all, or one organization's): the next use loads or rebuilds."""
    with _registry_lock:
        if organization_id is None:
            _indexes.clear()
            _queued.clear()
        else:
            _indexes.pop(organization_id, None)
            _queued.pop(organization_id, None)
