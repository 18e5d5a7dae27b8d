"""Snapshots of the match index: an organization's columns on disk, so that a process starting
loads them in a moment instead of building them from a million profiles.

One uncompressed `.npz` file per organization in settings.MATCH_INDEX_DIR, written to a temporary
file and renamed (a reader never sees half a file). It holds the columns, the availability and
certification-expiry arrays, and what makes it usable: the format and vocabularies it was
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
_ARRAYS = ("win_start", "win_end", "win_row", "exp_row", "exp_cert", "exp_day")


def enabled() -> bool:
    return bool(settings.MATCH_INDEX_DIR)


def directory() -> Path:
    return Path(settings.MATCH_INDEX_DIR)


def path_for(organization_id: int) -> Path:
    return directory() / f"org-{int(organization_id)}.npz"


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
    for path in directory().glob("org-*.npz"):
        try:
            found.append((path.stat().st_mtime, int(path.stem.removeprefix("org-"))))
        except (OSError, ValueError):
            continue
    return [org for _mtime, org in sorted(found, reverse=True)]


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
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    target = path_for(index.organization_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    from django.utils import timezone

    with index.lock:
        index.unsaved = max(0, index.unsaved - unsaved)
        index.saved_at = timezone.now()
    return target


def read_meta(organization_id: int) -> dict | None:
    path = path_for(organization_id)
    if not enabled() or not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        return json.loads(data["meta"].tobytes())


def load(organization_id: int) -> match_index.MatchIndex | None:
    """The organization's index from its snapshot, not yet caught up; None when there is none
    or it can't be used (another format, other vocabularies, another database's organization)."""
    if not enabled():
        return None
    path = path_for(organization_id)
    try:
        data = np.load(path, allow_pickle=False)
    except (FileNotFoundError, OSError, ValueError):
        return None
    with data:
        meta = json.loads(data["meta"].tobytes())
        if (meta.get("format") != FORMAT or meta.get("fingerprint") != fingerprint()
                or meta.get("identity") != identity(organization_id)):
            return None
        n = int(meta["n"])
        index = match_index.MatchIndex(organization_id, capacity=n + n // 10 + 1024)
        for name in match_index.COLUMNS:
            key = f"col_{name}"
            if key not in data.files:
                return None
            index.cols[name][:n] = data[key]
        for name in _ARRAYS:
            setattr(index, name, data[name])
    index.n = n
    ids = index.cols["ids"][:n].tolist()
    index.row_of = dict(zip(ids, range(n), strict=True))
    index.identity = meta["identity"]
    index.watermark = datetime.fromisoformat(meta["watermark"]) if meta["watermark"] else None
    index.built_on = date.fromisoformat(meta["built_on"])
    index.built_at = datetime.fromisoformat(meta["built_at"])
    index.saved_at = index.built_at
    return index
