"""Snapshots of the match index: an organization's columns on disk, so that a process starting
loads them in a moment instead of building them from a million profiles.

One file per organization in settings.MATCH_INDEX_DIR, written to a temporary file and renamed (a
reader never sees half a file): a JSON header, then each array's raw bytes, read straight into
the index's arrays (no decoding, no intermediate copy: a million rows load in well under a
second on an idle machine). It holds the columns, the availability and certification-expiry
arrays, and what makes it usable: the format and vocabularies it was
encoded with (a change of the knowledge files makes old snapshots unusable, and they are built
again), the organization's identity (another database's organization 1 is not this one) and the
watermark: the loaded index catches up on every candidate stamped since, as it does on every
use."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date, datetime
from pathlib import Path

import numpy as np
from django.conf import settings

from . import index as match_index

FORMAT = 1
MAGIC = b"RNDSMIX1"
ALIGN = 64
_ARRAYS = ("win_start", "win_end", "win_row", "exp_row", "exp_cert", "exp_day")


def enabled() -> bool:
    return bool(settings.MATCH_INDEX_DIR)


def directory() -> Path:
    return Path(settings.MATCH_INDEX_DIR)


def path_for(organization_id: int) -> Path:
    return directory() / f"org-{int(organization_id)}.mix"


def fingerprint() -> str:
    """What a snapshot's codes mean: the format, the columns and every vocabulary."""
    v = match_index.vocabularies()
    parts = [FORMAT, sorted((k, str(d), list(s)) for k, (d, s, _f) in
                            match_index.COLUMNS.items())]
    parts.extend(list(getattr(v, name)) for name in (
        "professions", "specialties", "jurisdictions", "certifications", "areas", "phases",
        "settings", "employment_types", "compensation_models", "statuses"))
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def identity(organization_id: int) -> str:
    """The organization as this database knows it (its creation time): a snapshot of another
    database's organization with the same id is not loaded."""
    from rounds.accounts.models import Organization

    created = Organization.objects.filter(pk=organization_id).values_list(
        "created_at", flat=True).first()
    return f"{organization_id}@{created.isoformat() if created else ''}"


def organizations() -> list[int]:
    """Organizations with a snapshot, the most recently written first."""
    if not enabled() or not directory().is_dir():
        return []
    found = []
    for path in directory().glob("org-*.mix"):
        try:
            found.append((path.stat().st_mtime, int(path.stem.removeprefix("org-"))))
        except (OSError, ValueError):
            continue
    return [org for _mtime, org in sorted(found, reverse=True)]


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN


def save(index: match_index.MatchIndex) -> Path | None:
    """Write the index's snapshot (a consistent copy taken under its lock, written outside it)."""
    if not enabled():
        return None
    with index.lock:
        n = index.n
        arrays = {f"col_{name}": col[:n].copy() for name, col in index.cols.items()}
        arrays.update({name: getattr(index, name).copy() for name in _ARRAYS})
        meta = {
            "format": FORMAT, "fingerprint": fingerprint(), "identity": index.identity,
            "organization": index.organization_id, "n": n,
            "watermark": index.watermark.isoformat() if index.watermark else None,
            "built_on": index.built_on.isoformat(), "built_at": index.built_at.isoformat(),
        }
        unsaved = index.unsaved
    layout = []
    offset = 0
    for name, array in arrays.items():
        layout.append({"name": name, "dtype": array.dtype.str, "shape": list(array.shape),
                       "offset": offset, "nbytes": int(array.nbytes)})
        offset = _aligned(offset + array.nbytes)
    header = json.dumps({**meta, "arrays": layout}).encode()
    start = _aligned(len(MAGIC) + 8 + len(header))
    target = path_for(index.organization_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(MAGIC + len(header).to_bytes(8, "little") + header)
            for entry, array in zip(layout, arrays.values(), strict=True):
                out.seek(start + entry["offset"])
                out.write(np.ascontiguousarray(array).data)
            out.truncate(start + offset)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    from django.utils import timezone

    with index.lock:
        index.unsaved = max(0, index.unsaved - unsaved)
        index.saved_at = timezone.now()
    return target


def _read_header(f) -> tuple[dict, int] | None:
    if f.read(len(MAGIC)) != MAGIC:
        return None
    size = int.from_bytes(f.read(8), "little")
    header = json.loads(f.read(size))
    return header, _aligned(len(MAGIC) + 8 + size)


def read_meta(organization_id: int) -> dict | None:
    path = path_for(organization_id)
    if not enabled() or not path.exists():
        return None
    with open(path, "rb") as f:
        found = _read_header(f)
    return found[0] if found else None


def _read_into(f, start: int, entry: dict, target: np.ndarray) -> bool:
    f.seek(start + entry["offset"])
    return f.readinto(target.reshape(-1).view(np.uint8)) == entry["nbytes"]


def load(organization_id: int) -> match_index.MatchIndex | None:
    """The organization's index from its snapshot, not yet caught up; None when there is none
    or it can't be used (another format, other vocabularies, another database's organization)."""
    if not enabled():
        return None
    try:
        f = open(path_for(organization_id), "rb")  # noqa: SIM115 (closed below)
    except OSError:
        return None
    with f:
        try:
            found = _read_header(f)
        except (OSError, ValueError):
            return None
        if found is None:
            return None
        meta, start = found
        if (meta.get("format") != FORMAT or meta.get("fingerprint") != fingerprint()
                or meta.get("identity") != identity(organization_id)):
            return None
        layout = {entry["name"]: entry for entry in meta["arrays"]}
        n = int(meta["n"])
        index = match_index.MatchIndex(organization_id, capacity=16)
        index.capacity = capacity = n + n // 10 + 1024
        for name, (dtype, shape, _fill) in match_index.COLUMNS.items():
            entry = layout.get(f"col_{name}")
            # Pages past n are never written until rows are added: they cost no memory.
            column = np.empty((capacity, *shape), dtype=dtype)
            if entry is None or np.dtype(entry["dtype"]) != column.dtype or \
                    not _read_into(f, start, entry, column[:n]):
                return None
            index.cols[name] = column
        for name in _ARRAYS:
            entry = layout.get(name)
            if entry is None:
                return None
            array = np.empty(entry["shape"], dtype=np.dtype(entry["dtype"]))
            if not _read_into(f, start, entry, array):
                return None
            setattr(index, name, array)
    index.n = n
    ids = index.cols["ids"][:n].tolist()
    index.row_of = dict(zip(ids, range(n), strict=True))
    index.identity = meta["identity"]
    index.watermark = datetime.fromisoformat(meta["watermark"]) if meta["watermark"] else None
    index.built_on = date.fromisoformat(meta["built_on"])
    index.built_at = datetime.fromisoformat(meta["built_at"])
    index.saved_at = index.built_at
    return index
