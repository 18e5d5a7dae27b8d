"""Importing candidates from a spreadsheet: upload, column mapping, and running a batch.

Rows are processed in chunks. For each chunk the caller opens ONE transaction in which every
row is checked, the chunk's candidates and the rows hanging off them are bulk-inserted, and the
batch's cursor (`rows_done`) and counters move on — so an interrupted import never leaves half a
chunk behind, and resumes at the first row not committed. Per chunk there are a handful of
queries (already imported? likely duplicates?), never one per row (rounds/imports/importer.py).

What happens to a row, in this order (how a row is read: rounds/imports/rows.py):
1. Already imported (same import fingerprint — a hash of the mapped cells — or same external
   ID or NPI as a candidate in the pool): UNCHANGED, nothing written but the outcome.
2. Not a person's record (an organization, NPPES entity type 2; a row with no name, email or
   phone): SKIPPED, with the reason.
3. Something the candidate cannot be created without (a first or last name, a profession):
   ERROR, one issue per field with the spreadsheet's line number; nothing imported from the row.
4. Probably a person already in the pool or earlier in the file (same normalized email or
   phone, main or secondary, or same name and licence number): DUPLICATE, linked to that
   record, not created.
5. Otherwise the candidate is created with specialties, licences, other emails and phones,
   tags and a note. An optional value that could not be read (an email without an @, a phone
   that is not a number, an NPI with a wrong check digit, an unknown jurisdiction…) is left out
   and reported as a WARNING on the row, linked to the new candidate.

Professions are matched from free text ("MD", "Family physician", "NP", "RPN", "FAMILY
PRACTICE"); text that names none takes the profession of the row's specialty, with a warning,
and without a specialty it is an ERROR naming the value — a wrong profession would put the
person in the wrong searches, so it is reported rather than guessed. Rows with an empty
profession take the batch's default profession when one was chosen at the mapping step, else
the profession of their specialty ("Family medicine" → physician, 207Q00000X → physician).
Specialties are words or NUCC taxonomy codes; a recognised one is stored with its code.

Each chunk also queues, once committed, the building of its new candidates' match profiles
(rounds.matching), so the first ranking after an import has little to catch up on."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Min, Q
from django.utils import timezone

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.candidates.choices import Profession
from rounds.lib.uploads import sha256_of

from . import fields as F_
from . import parsing
from .choices import ImportStatus
from .importer import BatchImporter, ImportConflict, Outcome, among, queue_match_profiles
from .mapping import columns, suggest_mapping
from .models import ImportBatch
from .rows import ParsedRow, fingerprint

__all__ = [  # the importer's names, as callers knew them here
    "BatchImporter", "ImportConflict", "Outcome", "ParsedRow", "among", "fingerprint",
    "queue_match_profiles",
]

CHUNK_SIZE = 1000  # rows per transaction (settings.IMPORT_CHUNK_ROWS when set)


def lease() -> timedelta:
    """A RUNNING batch whose last chunk committed longer ago than this has lost its worker
    (settings.IMPORT_LEASE_SECONDS, 2 minutes by default)."""
    return timedelta(seconds=getattr(settings, "IMPORT_LEASE_SECONDS", 120))


def chunk_rows() -> int:
    return getattr(settings, "IMPORT_CHUNK_ROWS", None) or CHUNK_SIZE
FINISHED = (ImportStatus.COMPLETED,)


# --- upload and mapping ------------------------------------------------------------------------


def check_upload(uploaded_file) -> dict:
    """Describe a spreadsheet upload, or raise ValidationError on "file" saying what is wrong."""
    return parsing.inspect_upload(uploaded_file, settings.MAX_IMPORT_BYTES)


def do_create_batch(organization_id: int, uploaded_file, *, actor) -> ImportBatch:
    """Store an uploaded spreadsheet as a batch waiting for its column mapping. The mapping is
    pre-filled from an earlier import with the same columns, else from the header names."""
    info = check_upload(uploaded_file)
    name = re.sub(r"[\\/\x00-\x1f]+", "_", uploaded_file.name or "import")[-200:]
    batch = ImportBatch(
        organization_id=organization_id, original_name=name, file_format=info["file_format"],
        encoding=info["encoding"], delimiter=info["delimiter"],
        sha256=sha256_of(uploaded_file), headers=info["headers"],
        total_rows=info["total_rows"], created_by=actor,
    )
    batch.filled = info["filled"]
    batch.mapping = remembered_mapping(organization_id, info["headers"]) or suggest_mapping(
        info["headers"], info["sample"]
    )
    batch.file.save(name, uploaded_file, save=False)
    batch.save()
    return batch


def remembered_mapping(organization_id: int, headers: list[str]) -> dict | None:
    """The mapping of the latest started import whose file had exactly these columns."""
    earlier = (
        ImportBatch.objects.for_org(organization_id)
        .exclude(status=ImportStatus.MAPPING)
        .order_by("-created_at", "-id")
        .values_list("headers", "mapping")[:20]
    )
    for their_headers, mapping in earlier:
        if their_headers == headers and mapping:
            return {k: v for k, v in mapping.items()
                    if columns(v) and all(c in headers for c in columns(v))}
    return None


def earlier_import_of_same_file(batch: ImportBatch) -> ImportBatch | None:
    """The first started import of a file with the same content, if any."""
    return (
        ImportBatch.objects.for_org(batch.organization_id)
        .filter(sha256=batch.sha256, created_at__lte=batch.created_at)
        .exclude(pk=batch.pk)
        .exclude(status=ImportStatus.MAPPING)
        .order_by("created_at", "id")
        .first()
    )


def preview_rows(batch: ImportBatch, limit: int = 5) -> list[tuple[int, list[str]]]:
    with batch.file.open("rb") as fh, parsing.open_table(
        fh, batch.file_format, encoding=batch.encoding or "utf-8-sig",
        delimiter=batch.delimiter or ",",
    ) as (_headers, rows):
        out = []
        for line, cells in rows:
            out.append((line, cells))
            if len(out) >= limit:
                break
        return out


def check_mapping(
    headers: list[str], mapping: dict, default_profession: str = ""
) -> tuple[dict, str]:
    """Validate a mapping (target field → column header, or a list of headers for the fields
    that take several). Returns (mapping without empty entries, default profession); raises
    ValidationError naming each field to fix."""
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for target, value in (mapping or {}).items():
        if target not in F_.TARGET_BY_NAME:
            errors.setdefault(target, []).append(
                f"“{target}” is not a field an import can fill. Fields: "
                f"{', '.join(F_.TARGET_NAMES)}."
            )
            continue
        if isinstance(value, str):
            value = value.strip()
        if not value:
            continue
        chosen = [value] if isinstance(value, str) else value
        if not isinstance(chosen, list | tuple) or not all(isinstance(c, str) for c in chosen):
            errors.setdefault(target, []).append("Give a column name, or a list of them.")
            continue
        missing = [c for c in chosen if c not in headers]
        if missing:
            errors.setdefault(target, []).append(f"The file has no column “{missing[0]}”.")
            continue
        if len(chosen) > 1 and target not in F_.MULTIPLE:
            errors.setdefault(target, []).append(
                f"{F_.TARGET_BY_NAME[target].label} is read from one column; choose one."
            )
            continue
        clean[target] = chosen[0] if len(chosen) == 1 else list(chosen)
    has_names = "first_name" in clean and "last_name" in clean
    if not has_names and "full_name" not in clean:
        for target in ("first_name", "last_name"):
            if target not in clean:
                errors.setdefault(target, []).append(
                    "Choose the column with the "
                    f"{F_.TARGET_BY_NAME[target].label.lower()} (or a full-name column)."
                )
    default_profession = default_profession or ""
    if default_profession and default_profession not in Profession.values:
        errors.setdefault("default_profession", []).append("Choose a profession from the list.")
    if "profession" not in clean and "specialty" not in clean and not default_profession:
        errors.setdefault("profession", []).append(
            "Choose the column with the profession (or the specialties, which name it), or a "
            "default profession for every row."
        )
    if errors:
        raise ValidationError(errors)
    return clean, default_profession


def do_start_import(
    batch: ImportBatch, mapping: dict[str, str], default_profession: str = "", *, actor
) -> ImportBatch:
    """Save the mapping and queue the batch. The caller runs it inline or enqueues the task."""
    if batch.status != ImportStatus.MAPPING:
        raise ValidationError({"__all__": ["This import has already started."]})
    clean, default_profession = check_mapping(batch.headers, mapping, default_profession)
    batch.mapping = clean
    batch.default_profession = default_profession
    batch.status = ImportStatus.QUEUED
    batch.heartbeat_at = timezone.now()  # queued since: the sweep re-queues one left waiting
    batch.save(update_fields=["mapping", "default_profession", "status", "heartbeat_at"])
    return batch


def runs_inline(batch: ImportBatch) -> bool:
    """Small files import during the request; larger ones go to the worker. A file the upload
    did not read to its end (`total_rows` 0: not counted yet) is never small."""
    return 0 < batch.total_rows <= settings.IMPORT_INLINE_MAX_ROWS


def do_count_rows(batch: ImportBatch) -> int:
    """Count the rows of a file the upload request did not read to its end, in the worker,
    before importing any: raises parsing.TableTooLarge for a file over the limits (rows,
    columns, line length), so nothing of it is imported."""
    with batch.file.open("rb") as fh, parsing.open_table(
        fh, batch.file_format, encoding=batch.encoding or "utf-8-sig",
        delimiter=batch.delimiter or ",", max_rows=settings.IMPORT_MAX_ROWS,
    ) as (_headers, rows):
        total = sum(1 for _row in rows)
    ImportBatch.objects.filter(pk=batch.pk).update(total_rows=total)
    batch.total_rows = total
    return total


def do_refuse_batch(batch: ImportBatch, reason: str) -> None:
    """Stop a batch whose file is over the limits, saying why; nothing of it was imported."""
    ImportBatch.objects.filter(pk=batch.pk).exclude(status=ImportStatus.COMPLETED).update(
        status=ImportStatus.FAILED, error_message=f"Not imported: {reason}"[:2000],
        finished_at=timezone.now(),
    )


def is_stalled(batch: ImportBatch) -> bool:
    return (
        batch.status == ImportStatus.RUNNING
        and batch.heartbeat_at is not None
        and batch.heartbeat_at < timezone.now() - lease()
    )


def can_resume(batch: ImportBatch) -> bool:
    return batch.status == ImportStatus.FAILED or is_stalled(batch)


def do_resume_batch(batch: ImportBatch, *, actor) -> ImportBatch:
    """Queue a failed or stalled batch again: it continues after its last committed chunk."""
    if not can_resume(batch):
        raise ValidationError({"__all__": ["Only a failed or stalled import can be resumed."]})
    batch.status = ImportStatus.QUEUED
    batch.error_message = ""
    batch.save(update_fields=["status", "error_message"])
    return batch


# --- running a batch ---------------------------------------------------------------------------


def do_claim_batch(batch_id: int) -> datetime | None:
    """Take a batch for processing with one conditional UPDATE, so two workers never run it
    at once. Queued, failed and stalled batches can be claimed; finished ones cannot. Returns
    the heartbeat written (the claim's token: each chunk commits only if the heartbeat is still
    the one its worker wrote last, so a worker taken over can never commit a chunk), or None."""
    now = timezone.now()
    claimable = Q(status__in=[ImportStatus.QUEUED, ImportStatus.FAILED]) | Q(
        status=ImportStatus.RUNNING, heartbeat_at__lt=now - lease()
    )
    claimed = ImportBatch.objects.filter(claimable, pk=batch_id).update(
        status=ImportStatus.RUNNING, heartbeat_at=now, error_message="",
    )
    if claimed:
        ImportBatch.objects.filter(pk=batch_id, started_at__isnull=True).update(started_at=now)
    return now if claimed else None


def do_requeue_stalled(now: datetime | None = None) -> list[int]:
    """The sweep: batches whose worker died (RUNNING, no chunk committed for a lease) and
    batches queued for a lease with no worker taking them, marked queued again with a fresh
    heartbeat (a conditional update each, so two sweeps never both take one). Returns their
    ids; the caller queues their import task. Running it twice queues nothing twice."""
    now = now or timezone.now()
    stale = Q(status__in=[ImportStatus.RUNNING, ImportStatus.QUEUED],
              heartbeat_at__lt=now - lease())
    taken = []
    for pk in ImportBatch.objects.filter(stale).values_list("pk", flat=True):
        if ImportBatch.objects.filter(stale, pk=pk).update(status=ImportStatus.QUEUED,
                                                          heartbeat_at=now):
            taken.append(pk)
    return taken


def next_sweep_at() -> datetime | None:
    """When the oldest heartbeat of a batch still queued or running ends its lease."""
    oldest = ImportBatch.objects.filter(
        status__in=[ImportStatus.RUNNING, ImportStatus.QUEUED], heartbeat_at__isnull=False
    ).aggregate(at=Min("heartbeat_at"))["at"]
    return oldest + lease() if oldest else None


def do_finish_batch(batch: ImportBatch, *, via: str = "task") -> None:
    now = timezone.now()
    done = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.COMPLETED, finished_at=now, heartbeat_at=now
    )
    if not done:
        return
    batch.refresh_from_db()
    audit.record(
        actor=batch.created_by, action=AuditAction.IMPORT, obj=batch, via=via,
        changes={
            "file": batch.original_name, "rows": batch.total_rows,
            "created": batch.created_count, "duplicates": batch.duplicate_count,
            "unchanged": batch.unchanged_count, "errors": batch.error_count,
        },
    )


def do_fail_batch(batch: ImportBatch, exc: BaseException) -> None:
    """Mark a batch failed after an unexpected error. Its committed chunks stay; the failed
    chunk was rolled back with its transaction."""
    batch.refresh_from_db(fields=["rows_done"])
    message = (
        f"Stopped after {batch.rows_done:,} of {batch.total_rows:,} rows: "
        f"{type(exc).__name__}: {exc}"[:2000]
    )
    ImportBatch.objects.filter(pk=batch.pk).exclude(status=ImportStatus.COMPLETED).update(
        status=ImportStatus.FAILED, error_message=message
    )


@contextmanager
def open_remaining_rows(batch: ImportBatch) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """The batch's rows after the last committed one."""
    with batch.file.open("rb") as fh, parsing.open_table(
        fh, batch.file_format, encoding=batch.encoding or "utf-8-sig",
        delimiter=batch.delimiter or ",", max_rows=settings.IMPORT_MAX_ROWS,
    ) as (headers, rows):
        if headers != batch.headers:
            raise ValueError("The stored file's columns no longer match the batch.")
        skip = batch.rows_done
        for _ in range(skip):
            if next(rows, None) is None:
                break
        yield rows


def chunked(rows: Iterable, size: int | None = None) -> Iterator[list]:
    size = size or chunk_rows()
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
