"""Importing candidates from a spreadsheet: upload, column mapping, and row processing.

Rows are processed in chunks. For each chunk the caller opens ONE transaction in which every
row is checked, the chunk's candidates and the rows hanging off them are bulk-inserted, and the
batch's cursor (`rows_done`) and counters move on — so an interrupted import never leaves half a
chunk behind, and resumes at the first row not committed. Per chunk there are a handful of
queries (already imported? likely duplicates?), never one per row.

What happens to a row, in this order:
1. Already imported (same import fingerprint — a hash of the mapped cells — or same external
   ID as a candidate in the pool): UNCHANGED, nothing written but the outcome.
2. Something to fix (bad email, unknown jurisdiction, missing last name…): ERROR, one issue
   per field with the spreadsheet's line number; nothing imported from the row.
3. Probably a person already in the pool or earlier in the file (same normalized email or
   phone, or same name and licence number): DUPLICATE, linked to that record, not created.
4. Otherwise the candidate is created with specialties, licences, tags and a note.

Professions are matched from free text ("MD", "Family physician", "NP", "RPN", "FAMILY
PRACTICE"); a profession that is not recognised is an ERROR naming the value — a wrong
profession would put the person in the wrong searches, so it is reported rather than guessed.
Rows with an empty profession take the batch's default profession when one was chosen at the
mapping step, else the profession of their specialty ("Family medicine" → physician).
Specialties are words or NUCC taxonomy codes; a recognised one is stored with its code.

Each chunk also queues, once committed, the building of its new candidates' match profiles
(rounds.matching), so the first ranking after an import has little to catch up on."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates.actions import apply_location, build_search_text
from rounds.candidates.choices import Profession
from rounds.candidates.models import Candidate, Licence, Specialty, Tag
from rounds.lib import jurisdictions
from rounds.lib.contact import ContactError, email_key, normalize_email, normalize_phone
from rounds.lib.csvsafe import unneutralize
from rounds.lib.geo import CA_POSTAL, US_ZIP
from rounds.lib.uploads import sha256_of
from rounds.matching.tasks import refresh_profiles_task

from . import bulk, parsing
from . import fields as F_
from .choices import ImportStatus, RowOutcome
from .models import ImportBatch, ImportRowIssue

CHUNK_SIZE = 1000
# A RUNNING batch whose last chunk committed longer ago than this has lost its worker.
STALE_AFTER = timedelta(minutes=2)
MAX_YEARS = 70
FINISHED = (ImportStatus.COMPLETED,)


class ImportConflict(Exception):
    """Another worker committed this chunk first: this one stops and leaves the batch to it."""


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
    batch.mapping = remembered_mapping(organization_id, info["headers"]) or F_.suggest_mapping(
        info["headers"]
    )
    batch.file.save(name, uploaded_file, save=False)
    batch.save()
    return batch


def remembered_mapping(organization_id: int, headers: list[str]) -> dict[str, str] | None:
    """The mapping of the latest started import whose file had exactly these columns."""
    earlier = (
        ImportBatch.objects.for_org(organization_id)
        .exclude(status=ImportStatus.MAPPING)
        .order_by("-created_at", "-id")
        .values_list("headers", "mapping")[:20]
    )
    for their_headers, mapping in earlier:
        if their_headers == headers and mapping:
            return {k: v for k, v in mapping.items() if v in headers}
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
    headers: list[str], mapping: dict[str, str], default_profession: str = ""
) -> tuple[dict[str, str], str]:
    """Validate a mapping (target field → column header). Returns (mapping without empty
    entries, default profession); raises ValidationError naming each field to fix."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for target, column in (mapping or {}).items():
        if target not in F_.TARGET_BY_NAME:
            errors.setdefault(target, []).append(
                f"“{target}” is not a field an import can fill. Fields: "
                f"{', '.join(F_.TARGET_NAMES)}."
            )
            continue
        column = (column or "").strip() if isinstance(column, str) else column
        if not column:
            continue
        if not isinstance(column, str) or column not in headers:
            errors.setdefault(target, []).append(f"The file has no column “{column}”.")
            continue
        clean[target] = column
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
    if "profession" not in clean and not default_profession:
        errors.setdefault("profession", []).append(
            "Choose the column with the profession, or a default profession for every row."
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
    batch.save(update_fields=["mapping", "default_profession", "status"])
    return batch


def runs_inline(batch: ImportBatch) -> bool:
    """Small files import during the request; larger ones go to the worker."""
    return batch.total_rows <= settings.IMPORT_INLINE_MAX_ROWS


def is_stalled(batch: ImportBatch) -> bool:
    return (
        batch.status == ImportStatus.RUNNING
        and batch.heartbeat_at is not None
        and batch.heartbeat_at < timezone.now() - STALE_AFTER
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


def do_claim_batch(batch_id: int) -> bool:
    """Take a batch for processing with one conditional UPDATE, so two workers never run it
    at once. Queued, failed and stalled batches can be claimed; finished ones cannot."""
    now = timezone.now()
    claimable = Q(status__in=[ImportStatus.QUEUED, ImportStatus.FAILED]) | Q(
        status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    )
    claimed = ImportBatch.objects.filter(claimable, pk=batch_id).update(
        status=ImportStatus.RUNNING, heartbeat_at=now, error_message="",
    )
    if claimed:
        ImportBatch.objects.filter(pk=batch_id, started_at__isnull=True).update(started_at=now)
    return bool(claimed)


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
        delimiter=batch.delimiter or ",",
    ) as (headers, rows):
        if headers != batch.headers:
            raise ValueError("The stored file's columns no longer match the batch.")
        skip = batch.rows_done
        for _ in range(skip):
            if next(rows, None) is None:
                break
        yield rows


def chunked(rows: Iterable, size: int = CHUNK_SIZE) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _among(qs, field_name: str, values):
    """`qs` filtered on field IN values. On PostgreSQL as `= ANY(%s)` with one array parameter:
    a thousand-value IN list costs more to build and parse than the lookup itself."""
    values = list(values)
    if connection.vendor != "postgresql":
        return qs.filter(**{f"{field_name}__in": values})
    model = qs.model
    column = model._meta.get_field(field_name).column
    qn = connection.ops.quote_name
    return qs.extra(where=[f"{qn(model._meta.db_table)}.{qn(column)} = ANY(%s)"],
                    params=[values])


def queue_match_profiles(candidate_ids: list[int]) -> None:
    """Build the match profiles of a chunk's new candidates in the worker once the chunk has
    committed, so the first ranking after a large import does not build them all. Not inside
    the chunk: that took 45% of import throughput (bench/import_csv.py, 100,000 rows)."""
    transaction.on_commit(lambda: refresh_profiles_task.enqueue(candidate_ids))


# --- one row ----------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    line: int
    cells: list[str]
    raw: dict[str, str]
    fingerprint: str
    external_id: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    specialties: list[F_.SpecialtyReading] = field(default_factory=list)
    licences: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass
class Outcome:
    row: ParsedRow
    outcome: str
    message: str
    field: str = ""
    candidate_id: int | None = None
    pending: Candidate | None = None


_HONORIFICS = {"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "mx", "mx.", "prof", "prof."}
_YEARS = re.compile(r"^(\d{1,3})(?:[.,]\d+)?\s*(?:\+|years?|yrs?\.?|y)?$", re.IGNORECASE)


def split_full_name(text: str) -> tuple[str, str]:
    """“Okafor, Amara” → (Amara, Okafor); “Dr. Amara N. Okafor” → (Amara N., Okafor)."""
    text = " ".join((text or "").split())
    if "," in text:
        last, _, first = text.partition(",")
        return first.strip(), last.strip()
    words = text.split(" ")
    while words and words[0].lower() in _HONORIFICS:
        words.pop(0)
    if len(words) < 2:
        return (words[0] if words else ""), ""
    return " ".join(words[:-1]), words[-1]


def fingerprint(raw: dict[str, str]) -> str:
    """A stable hash of the mapped cells: the same row imported again has the same one."""
    text = "\x1f".join(f"{k}\x1e{raw[k]}" for k in sorted(raw))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class BatchImporter:
    """Imports a batch's rows chunk by chunk. Holds the caches that make a 100,000-row file
    quick: professions, jurisdictions, tags and places are looked up once per distinct value."""

    def __init__(self, batch: ImportBatch, *, via: str = "task") -> None:
        self.batch = batch
        self.via = via
        self.org_id = batch.organization_id
        self.actor_id = batch.created_by_id
        index = {h: i for i, h in enumerate(batch.headers)}
        self.columns = [(t, index[c]) for t, c in (batch.mapping or {}).items() if c in index]
        self.mapped = {t for t, _ in self.columns}
        self.default_country = (batch.organization.country or "CA").upper()
        self.default_profession = batch.default_profession
        self._professions: dict[str, str | None] = {}
        self._specialties: dict[str, F_.SpecialtyReading] = {}
        self._jurisdictions: dict[tuple[str, str], str | None] = {}
        self._tag_ids: dict[str, int] | None = None
        self._template: list | None = None
        # Rows created in this run: a later row with the same cells or ID repeats them.
        self.created_fingerprints: dict[str, tuple[int, int]] = {}
        self.created_external_ids: dict[str, tuple[int, int]] = {}

    # -- parsing and validation --

    def parse(self, line: int, cells: list[str]) -> ParsedRow:
        raw = {}
        for target, i in self.columns:
            value = cells[i]
            if value[:1] == "'":
                value = unneutralize(value)  # a cell exported by Rounds comes back as typed
            raw[target] = value
        return ParsedRow(
            line=line, cells=cells, raw=raw, fingerprint=fingerprint(raw),
            external_id=raw.get("external_id", ""),
        )

    def validate(self, row: ParsedRow) -> None:
        raw, errors = row.raw, row.errors
        get = raw.get

        first, last = get("first_name", ""), get("last_name", "")
        if (not first or not last) and get("full_name"):
            split_first, split_last = split_full_name(raw["full_name"])
            first, last = first or split_first, last or split_last
        if not first:
            errors.append(("first_name", "First name is empty."))
        if not last:
            errors.append(("last_name", "Last name is empty."))

        country_text = get("country", "")
        country = F_.match_country(country_text)
        if country is None:
            errors.append(("country", f"“{country_text}” is not a country we recognise: use a "
                                      "name or a two-letter code such as CA or US."))
            country = ""
        region = get("region", "")
        postal = get("postal_code", "").upper()
        if region:
            code = self.jurisdiction(region, country)
            if code and (not country or code.startswith(country + "-")):
                region = code.split("-", 1)[1]
                country = country or code.split("-", 1)[0]
        if postal:
            if postal.isdigit() and len(postal) in (3, 4) and country in ("", "US"):
                postal = postal.zfill(5)  # a ZIP that lost its leading zeros in Excel
            if not country:
                if CA_POSTAL.match(postal):
                    country = "CA"
                elif US_ZIP.match(postal):
                    country = "US"

        email = get("email", "")
        email_normalized = ""
        if email:
            try:
                email = normalize_email(email)
                email_normalized = email_key(email)
            except ContactError as exc:
                errors.append(("email", f"“{raw['email']}” is not a valid email address: {exc}"))
        phone = get("phone", "")
        if phone:
            try:
                phone = self.phone(phone, country or self.default_country)
            except ContactError as exc:
                errors.append(("phone", str(exc)))

        # Specialties first: an empty profession cell takes the profession a specialty implies
        # ("Family medicine" → physician). Each is (name as stored, NUCC code, profession).
        specialties: list[F_.SpecialtyReading] = []
        seen_specialties: set[str] = set()
        for text in F_.MULTI_SPLIT.split(get("specialty", "")):
            if not text:
                continue
            found = self.specialty(text)
            key = found.code or found.name.lower()
            if key in seen_specialties:
                continue
            seen_specialties.add(key)
            if len(found.name) > 120:
                errors.append(("specialty", f"Specialty “{found.name[:40]}…” is longer than 120 "
                                            "characters."))
            specialties.append(found)

        profession_text = get("profession", "")
        if profession_text:
            profession = self.profession(profession_text)
            if profession is None:
                errors.append(("profession", f"“{profession_text}” is not a profession Rounds "
                                             "knows. Use e.g. Physician (MD), Nurse practitioner "
                                             "(NP), Registered nurse (RN), Practical nurse (LPN/"
                                             "RPN), Physician assistant (PA), Pharmacist."))
        elif self.default_profession:
            profession = self.default_profession
        elif implied := next((s.profession for s in specialties if s.profession), None):
            profession = implied
        else:
            profession = None
            errors.append(("profession", "Profession is empty."))
        if profession:
            # Words are read without the row's profession: “Primary care” reads as family
            # medicine. Its code is kept only when it is a specialty of the row's profession;
            # a code typed in the cell is kept as typed.
            specialties = [
                s if s.bare_code or not s.code or s.profession == profession
                else s._replace(code="", profession=None)
                for s in specialties
            ]

        years = None
        if years_text := get("years_experience", ""):
            m = _YEARS.match(years_text)
            if not m:
                errors.append(("years_experience",
                               f"“{years_text}” is not a number of years (write e.g. 12)."))
            elif int(m.group(1)) > MAX_YEARS:
                errors.append(("years_experience",
                               f"{years_text} years is more than {MAX_YEARS}: check the cell."))
            else:
                years = int(m.group(1))

        jurs: list[str] = []
        for text in F_.JURISDICTION_SPLIT.split(get("licence_jurisdictions", "")):
            if not text:
                continue
            code = self.jurisdiction(text, country)
            if code is None:
                errors.append(("licence_jurisdictions",
                               f"“{text}” is not a licensing jurisdiction: use e.g. AB, Alberta, "
                               "CA-AB, TX or Texas."))
            elif code not in jurs:
                jurs.append(code)
        numbers = [n for n in F_.MULTI_SPLIT.split(get("licence_number", "")) if n]
        licences: list[tuple[str, str]] = []
        if numbers and not jurs and "licence_jurisdictions" not in {f for f, _ in errors}:
            home = self.jurisdiction(region, country) if region else None
            if home:
                jurs = [home]
            else:
                errors.append(("licence_number",
                               f"Licence number {numbers[0]} needs a jurisdiction: map the "
                               "licence jurisdiction column or fill in the province or state."))
        if jurs:
            if len(numbers) == len(jurs):
                licences = list(zip(jurs, numbers, strict=True))
            elif len(numbers) <= 1:
                licences = [(j, numbers[0] if numbers and i == 0 else "")
                            for i, j in enumerate(jurs)]
            else:
                errors.append(("licence_number",
                               f"{len(numbers)} licence numbers for {len(jurs)} jurisdictions: "
                               "give one number per jurisdiction, in the same order."))

        source, source_detail = F_.match_source(get("source", ""))
        values = {
            "first_name": first, "last_name": last, "email": email,
            "email_normalized": email_normalized, "phone": phone, "phone_normalized": phone,
            "profession": profession, "headline": get("headline", ""),
            "years_experience": years, "city": get("city", ""), "region": region,
            "postal_code": postal, "country": country, "source": source,
            "source_detail": source_detail, "external_id": row.external_id,
        }
        for name in ("first_name", "last_name", "headline", "city", "region", "postal_code",
                     "external_id"):
            limit = F_.TARGET_BY_NAME[name].max_length
            if limit and len(values[name]) > limit:
                errors.append((name, f"{F_.TARGET_BY_NAME[name].label} is {len(values[name])} "
                                     f"characters long; at most {limit} fit."))
        for _j, number in licences:
            if len(number) > 60:
                errors.append(("licence_number", "A licence number is longer than 60 characters."))
        tags = []
        for name in F_.TAG_SPLIT.split(get("tags", "")):
            name = name[:60].strip()
            if name and name.lower() not in {t.lower() for t in tags}:
                tags.append(name)
        row.values = values
        row.specialties, row.licences, row.tags = specialties, licences, tags
        row.notes = get("notes", "")

    @staticmethod
    def phone(value: str, region: str) -> str:
        """normalize_phone, with a shortcut for the usual case: a number valid in the row's
        own country skips the search for its region (the slow part for +1 numbers)."""
        try:
            number = phonenumbers.parse(value, region)
            if phonenumbers.is_valid_number_for_region(number, region):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
        return normalize_phone(value, region)

    def profession(self, text: str) -> str | None:
        if text not in self._professions:
            self._professions[text] = F_.match_profession(text)
        return self._professions[text]

    def specialty(self, text: str) -> F_.SpecialtyReading:
        if text not in self._specialties:
            self._specialties[text] = F_.match_specialty(text)
        return self._specialties[text]

    def jurisdiction(self, text: str, country: str) -> str | None:
        key = (text, country)
        if key not in self._jurisdictions:
            self._jurisdictions[key] = jurisdictions.normalize(text, country)
        return self._jurisdictions[key]

    # -- one chunk --

    def import_chunk(self, chunk: list[tuple[int, list[str]]]) -> dict[str, int]:
        """Import one chunk of (line, cells). The caller holds the transaction; the batch's
        cursor and counters move in it, or the chunk raises ImportConflict."""
        rows = [self.parse(line, cells) for line, cells in chunk]
        outcomes: list[Outcome] = []
        # No ORDER BY: sorting by name makes SQLite walk the name index instead of the key's.
        org = Candidate.objects.for_org(self.org_id).order_by()

        # 1. Already imported: same fingerprint or external ID as a record in the pool.
        fps = {r.fingerprint for r in rows}
        known_fp = {
            fp: merged or pk
            for fp, pk, merged in _among(org, "import_fingerprint", fps).values_list(
                "import_fingerprint", "id", "merged_into_id"
            )
        }
        ext_ids = {r.external_id for r in rows if r.external_id}
        known_ext = {}
        if ext_ids:
            known_ext = {
                ext: merged or pk
                for ext, pk, merged in _among(org, "external_id", ext_ids).values_list(
                    "external_id", "id", "merged_into_id"
                )
            }
        fresh: list[ParsedRow] = []
        for r in rows:
            if r.fingerprint in self.created_fingerprints:
                line, pk = self.created_fingerprints[r.fingerprint]
                outcomes.append(Outcome(r, RowOutcome.DUPLICATE, f"Repeats line {line}.",
                                        candidate_id=pk))
            elif r.external_id and r.external_id in self.created_external_ids:
                line, pk = self.created_external_ids[r.external_id]
                outcomes.append(Outcome(r, RowOutcome.DUPLICATE,
                                        f"Same external ID as line {line}.", "external_id", pk))
            elif r.fingerprint in known_fp:
                outcomes.append(Outcome(r, RowOutcome.UNCHANGED, "Already imported.",
                                        candidate_id=known_fp[r.fingerprint]))
            elif r.external_id and r.external_id in known_ext:
                outcomes.append(Outcome(r, RowOutcome.UNCHANGED,
                                        f"External ID {r.external_id} is already in the pool.",
                                        "external_id", known_ext[r.external_id]))
            else:
                self.validate(r)
                if r.errors:
                    outcomes.append(Outcome(r, RowOutcome.ERROR, ""))
                else:
                    fresh.append(r)

        # 2. Likely duplicates of people in the pool: three queries for the whole chunk.
        emails = {r.values["email_normalized"] for r in fresh} - {""}
        phones = {r.values["phone_normalized"] for r in fresh} - {""}
        numbers = {n for r in fresh for _j, n in r.licences if n}
        # Filtered on the indexed key alone, organization and merge state checked here: with
        # them in SQL, SQLite walks the organization's index instead — every row, every chunk.
        by_email: dict[str, tuple[int, str]] = {}
        by_phone: dict[str, tuple[int, str]] = {}
        for field_name, keys, found in (("email_normalized", emails, by_email),
                                        ("phone_normalized", phones, by_phone)):
            if not keys:
                continue
            for key, pk, org_id, merged, first, last in _among(
                Candidate.objects.all(), field_name, keys
            ).values_list(field_name, "id", "organization_id", "merged_into_id", "first_name",
                          "last_name").order_by("id"):
                if org_id == self.org_id and merged is None:
                    found.setdefault(key, (pk, f"{first} {last}"))
        by_licence = {}
        if numbers:
            variants = numbers | {n.upper() for n in numbers} | {n.lower() for n in numbers}
            for number, org_id, pk, merged, first, last in (
                _among(Licence.objects.all(), "number", variants)
                .values_list("number", "organization_id", "candidate_id",
                             "candidate__merged_into_id", "candidate__first_name",
                             "candidate__last_name").order_by("id")
            ):
                if org_id == self.org_id and merged is None:
                    key = (first.strip().lower(), last.strip().lower(), number.strip().upper())
                    by_licence.setdefault(key, (pk, f"{first} {last}"))

        # 3. In file order: a duplicate of the pool or of an earlier row, else a new candidate.
        seen_email: dict[str, Outcome] = {}
        seen_phone: dict[str, Outcome] = {}
        seen_licence: dict[tuple, Outcome] = {}
        seen_fp: dict[str, Outcome] = {}
        seen_ext: dict[str, Outcome] = {}
        created: list[Outcome] = []
        for r in fresh:
            v = r.values
            name_key = (v["first_name"].strip().lower(), v["last_name"].strip().lower())
            lic_keys = [(*name_key, n.upper()) for _j, n in r.licences if n]
            hit = None
            if v["email_normalized"] and v["email_normalized"] in by_email:
                pk, who = by_email[v["email_normalized"]]
                hit = Outcome(r, RowOutcome.DUPLICATE, f"Same email as {who}.", "email", pk)
            elif v["phone_normalized"] and v["phone_normalized"] in by_phone:
                pk, who = by_phone[v["phone_normalized"]]
                hit = Outcome(r, RowOutcome.DUPLICATE, f"Same phone as {who}.", "phone", pk)
            elif found := next((by_licence[k] for k in lic_keys if k in by_licence), None):
                hit = Outcome(r, RowOutcome.DUPLICATE,
                              f"Same name and licence number as {found[1]}.", "licence_number",
                              found[0])
            elif r.fingerprint in seen_fp:
                hit = self._repeat(r, seen_fp[r.fingerprint], "Repeats line {}.", "")
            elif r.external_id and r.external_id in seen_ext:
                hit = self._repeat(r, seen_ext[r.external_id], "Same external ID as line {}.",
                                   "external_id")
            elif v["email_normalized"] and v["email_normalized"] in seen_email:
                hit = self._repeat(r, seen_email[v["email_normalized"]],
                                   "Same email as line {}.", "email")
            elif v["phone_normalized"] and v["phone_normalized"] in seen_phone:
                hit = self._repeat(r, seen_phone[v["phone_normalized"]],
                                   "Same phone as line {}.", "phone")
            elif found := next((seen_licence[k] for k in lic_keys if k in seen_licence), None):
                hit = self._repeat(r, found, "Same name and licence number as line {}.",
                                   "licence_number")
            if hit:
                outcomes.append(hit)
                continue
            out = Outcome(r, "created", "", pending=self.build_candidate(r))
            created.append(out)
            seen_fp[r.fingerprint] = out
            if r.external_id:
                seen_ext[r.external_id] = out
            if v["email_normalized"]:
                seen_email[v["email_normalized"]] = out
            if v["phone_normalized"]:
                seen_phone[v["phone_normalized"]] = out
            for k in lic_keys:
                seen_licence[k] = out

        self.write(created, outcomes)
        if created:
            queue_match_profiles([o.pending.pk for o in created])
        counts = {
            "created": len(created),
            "duplicate": sum(1 for o in outcomes if o.outcome == RowOutcome.DUPLICATE),
            "unchanged": sum(1 for o in outcomes if o.outcome == RowOutcome.UNCHANGED),
            "error": sum(1 for o in outcomes if o.outcome == RowOutcome.ERROR),
        }
        self.advance(len(rows), counts)
        for out in created:
            pk = out.pending.pk
            self.created_fingerprints[out.row.fingerprint] = (out.row.line, pk)
            if out.row.external_id:
                self.created_external_ids[out.row.external_id] = (out.row.line, pk)
        return counts

    @staticmethod
    def _repeat(row: ParsedRow, earlier: Outcome, message: str, field_name: str) -> Outcome:
        return Outcome(row, RowOutcome.DUPLICATE, message.format(earlier.row.line), field_name,
                       pending=earlier.pending)

    def build_candidate(self, row: ParsedRow) -> Candidate:
        if self._template is None:
            # Positional construction (as Django does when loading rows) skips resolving every
            # field's default for each of 100,000 instances.
            fields = Candidate._meta.concrete_fields
            self._template = [None if f.has_default() and callable(f.default) else
                              f.get_default() for f in fields]
            self._slots = {f.attname: i for i, f in enumerate(fields)}
            self._per_row_defaults = [(i, f.default) for i, f in enumerate(fields)
                                      if f.has_default() and callable(f.default)]
        args = list(self._template)
        for i, make in self._per_row_defaults:
            args[i] = make()
        slots = self._slots
        for name, value in row.values.items():
            args[slots[name]] = value
        args[slots["organization_id"]] = self.org_id
        args[slots["created_by_id"]] = args[slots["owner_id"]] = self.actor_id
        args[slots["import_fingerprint"]] = row.fingerprint
        c = Candidate(*args)
        apply_location(c)
        c.search_text = build_search_text(c, [s.name for s in row.specialties],
                                          notes=[row.notes])
        return c

    def tag_ids(self, names: set[str]) -> dict[str, int]:
        """Tag id by lower-cased name, creating the tags this organization does not have yet."""
        if self._tag_ids is None:
            self._tag_ids = {
                n.lower(): pk
                for n, pk in Tag.objects.for_org(self.org_id).values_list("name", "id")
            }
        missing = {n for n in names if n.lower() not in self._tag_ids}
        if missing:
            Tag.objects.bulk_create(
                [Tag(organization_id=self.org_id, name=n) for n in sorted(missing)],
                ignore_conflicts=True,
            )
            for n, pk in Tag.objects.for_org(self.org_id).filter(name__in=missing).values_list(
                "name", "id"
            ):
                self._tag_ids[n.lower()] = pk
        return self._tag_ids

    def write(self, created: list[Outcome], outcomes: list[Outcome]) -> None:
        batch = self.batch
        if created:
            bulk.insert([o.pending for o in created], returning=True)
            specialties, licences, links, notes, events = [], [], [], [], []
            tag_ids = self.tag_ids({t for o in created for t in o.row.tags})
            Through = Candidate.tags.through
            subject = f"Imported from {batch.original_name}"[:200]
            changes_base = {"import": str(batch.uuid), "file": batch.original_name}
            org_id, actor_id, via = self.org_id, self.actor_id, self.via
            for o in created:
                c, r = o.pending, o.row
                pk = c.pk
                for i, found in enumerate(r.specialties):
                    specialties.append({"organization_id": org_id, "candidate_id": pk,
                                        "name": found.name, "code": found.code,
                                        "is_primary": i == 0})
                for jurisdiction, number in r.licences:
                    licences.append({"organization_id": org_id, "candidate_id": pk,
                                     "jurisdiction": jurisdiction, "number": number})
                for t in r.tags:
                    links.append({"candidate_id": pk, "tag_id": tag_ids[t.lower()]})
                if r.notes:
                    notes.append({"organization_id": org_id, "candidate_id": pk,
                                  "kind": ActivityKind.NOTE, "subject": subject, "body": r.notes,
                                  "actor_id": actor_id})
                events.append({
                    "organization_id": org_id, "actor_id": actor_id,
                    "action": AuditAction.IMPORT, "object_type": "candidate",
                    "object_id": str(pk), "object_repr": f"{c.first_name} {c.last_name}"[:200],
                    "candidate_id": pk, "changes": {**changes_base, "line": r.line}, "via": via,
                })
            for model, rows in ((Specialty, specialties), (Licence, licences), (Through, links),
                                (Activity, notes), (AuditEvent, events)):
                bulk.insert_values(model, rows)

        issues = []
        headers = batch.headers
        for o in outcomes:
            r = o.row
            data = {} if o.outcome == RowOutcome.UNCHANGED else {
                h: c for h, c in zip(headers, r.cells, strict=False) if c
            }
            candidate_id = o.candidate_id or (o.pending.pk if o.pending is not None else None)
            if o.outcome == RowOutcome.ERROR:
                for field_name, message in r.errors:
                    issues.append({
                        "organization_id": self.org_id, "batch_id": batch.pk,
                        "line_number": r.line, "outcome": o.outcome, "field": field_name,
                        "message": message[:500], "data": data,
                    })
            else:
                issues.append({
                    "organization_id": self.org_id, "batch_id": batch.pk, "line_number": r.line,
                    "outcome": o.outcome, "field": o.field, "message": o.message[:500],
                    "candidate_id": candidate_id, "data": data,
                })
        bulk.insert_values(ImportRowIssue, issues)

    def advance(self, n_rows: int, counts: dict[str, int]) -> None:
        """Move the cursor and counters, on condition that no one else moved them."""
        batch = self.batch
        moved = ImportBatch.objects.filter(
            pk=batch.pk, rows_done=batch.rows_done, status=ImportStatus.RUNNING
        ).update(
            rows_done=F("rows_done") + n_rows,
            created_count=F("created_count") + counts["created"],
            duplicate_count=F("duplicate_count") + counts["duplicate"],
            unchanged_count=F("unchanged_count") + counts["unchanged"],
            error_count=F("error_count") + counts["error"],
            heartbeat_at=timezone.now(),
        )
        if not moved:
            raise ImportConflict(f"Import {batch.pk} was taken over by another worker.")
        batch.rows_done += n_rows
        batch.created_count += counts["created"]
        batch.duplicate_count += counts["duplicate"]
        batch.unchanged_count += counts["unchanged"]
        batch.error_count += counts["error"]
