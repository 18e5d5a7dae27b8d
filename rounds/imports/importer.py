"""Importing a batch's rows, one chunk at a time (see rounds/imports/actions.py for the order of
things and the transaction each chunk runs in).

Per chunk there are a handful of queries, never one per row: which rows were imported before
(fingerprint, external ID, NPI), which look like people already in the pool (email or phone —
main or secondary — or name and licence number), then bulk inserts of the new candidates and
of everything hanging off them, and of the report's rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates.actions import apply_location, build_search_text
from rounds.candidates.choices import ContactKind
from rounds.candidates.models import Candidate, ContactPoint, Licence, Specialty, Tag
from rounds.lib.codes import licence_key
from rounds.matching.tasks import refresh_profiles_task

from . import bulk
from .choices import ImportStatus, RowOutcome
from .models import ImportBatch, ImportRowIssue
from .rows import ParsedRow, RowReader


class ImportConflict(Exception):
    """Another worker committed this chunk first: this one stops and leaves the batch to it."""


@dataclass
class Outcome:
    row: ParsedRow
    outcome: str
    message: str
    field: str = ""
    candidate_id: int | None = None
    pending: Candidate | None = None


def among(qs, field_name: str, values):
    """`qs` filtered on field IN values, the values passed as they are: on PostgreSQL as
    `= ANY(%s)` with one array parameter, on SQLite as a plain IN list. Through the ORM's
    `__in`, a thousand values cost more to prepare one by one than the lookup itself."""
    from django.db import connection

    values = list(values)
    model = qs.model
    column = model._meta.get_field(field_name).column
    qn = connection.ops.quote_name
    target = f"{qn(model._meta.db_table)}.{qn(column)}"
    if connection.vendor == "postgresql":
        return qs.extra(where=[f"{target} = ANY(%s)"], params=[values])
    if not values or len(values) > 30000:  # SQLite's limit on parameters is 32,766
        return qs.filter(**{f"{field_name}__in": values})
    return qs.extra(where=[f"{target} IN ({', '.join(['%s'] * len(values))})"], params=values)


def _may_be(npi: str, other_npi: str) -> bool:
    """Whether two records could be one person as far as their NPIs tell: not when both have
    one and they differ (an NPI is one person's, for life)."""
    return not (npi and other_npi and npi != other_npi)


def queue_match_profiles(candidate_ids: list[int]) -> None:
    """Build the match profiles of a chunk's new candidates in the worker once the chunk has
    committed, so the first ranking after a large import does not build them all. Not inside
    the chunk: that took 45% of import throughput (bench/import_csv.py, 100,000 rows)."""
    from django.db import transaction

    transaction.on_commit(lambda: refresh_profiles_task.enqueue(candidate_ids))


class BatchImporter:
    """Imports a batch's rows chunk by chunk. Holds the caches that make a 100,000-row file
    quick: professions, jurisdictions, tags and places are looked up once per distinct value."""

    def __init__(self, batch: ImportBatch, *, via: str = "task") -> None:
        self.batch = batch
        self.via = via
        # The heartbeat this worker wrote last (its claim, then each chunk): a chunk commits
        # only while it is still the batch's (see actions.do_claim_batch).
        self.heartbeat = None
        self.org_id = batch.organization_id
        self.actor_id = batch.created_by_id
        self.reader = RowReader(
            batch.headers,
            batch.mapping or {},
            default_country=batch.organization.country or "CA",
            default_profession=batch.default_profession,
        )
        self._tag_ids: dict[str, int] | None = None
        self._template: list | None = None
        # Rows created in this run: a later row with the same cells or ID repeats them.
        self.created_fingerprints: dict[str, tuple[int, int]] = {}
        self.created_external_ids: dict[str, tuple[int, int]] = {}
        self.created_npis: dict[str, tuple[int, int]] = {}
        # Secondary emails and phones are looked up only where the pool has some (rows of this
        # batch are compared in memory).
        self._has_contact_points = ContactPoint.objects.filter(organization_id=self.org_id).exists()

    def parse(self, line: int, cells: list[str]) -> ParsedRow:
        return self.reader.parse(line, cells)

    def validate(self, row: ParsedRow) -> None:
        self.reader.validate(row)

    # -- one chunk --

    def import_chunk(self, chunk: list[tuple[int, list[str]]]) -> dict[str, int]:
        """Import one chunk of (line, cells). The caller holds the transaction; the batch's
        cursor and counters move in it, or the chunk raises ImportConflict."""
        rows = [self.parse(line, cells) for line, cells in chunk]
        outcomes: list[Outcome] = []
        self._now = timezone.now()
        # No ORDER BY: sorting by name makes SQLite walk the name index instead of the key's.
        org = Candidate.objects.for_org(self.org_id).order_by()

        # 1. Already imported: same fingerprint, external ID or NPI as a record in the pool.
        known_fp = self._known(org, "import_fingerprint", {r.fingerprint for r in rows})
        known_ext = self._known(org, "external_id", {r.external_id for r in rows} - {""})
        known_npi = self._known(org, "npi", {r.npi for r in rows} - {""}, names=True)
        fresh: list[ParsedRow] = []
        for r in rows:
            earlier = (
                (self.created_fingerprints.get(r.fingerprint), "Repeats line {}.", "")
                if r.fingerprint in self.created_fingerprints
                else (
                    self.created_external_ids.get(r.external_id),
                    "Same external ID as line {}.",
                    "external_id",
                )
                if r.external_id in self.created_external_ids
                else (self.created_npis.get(r.npi), "Same NPI as line {}.", "npi")
                if r.npi in self.created_npis
                else None
            )
            if earlier is not None:
                (line, pk), message, field_name = earlier
                outcomes.append(
                    Outcome(r, RowOutcome.DUPLICATE, message.format(line), field_name, pk)
                )
            elif r.fingerprint in known_fp:
                outcomes.append(
                    Outcome(
                        r,
                        RowOutcome.UNCHANGED,
                        "Already imported.",
                        candidate_id=known_fp[r.fingerprint][0],
                    )
                )
            elif r.external_id and r.external_id in known_ext:
                outcomes.append(
                    Outcome(
                        r,
                        RowOutcome.UNCHANGED,
                        f"External ID {r.external_id} is already in the pool.",
                        "external_id",
                        known_ext[r.external_id][0],
                    )
                )
            elif r.npi and r.npi in known_npi:
                pk, who = known_npi[r.npi]
                outcomes.append(
                    Outcome(
                        r,
                        RowOutcome.UNCHANGED,
                        f"NPI {r.npi} is already in the pool ({who}).",
                        "npi",
                        pk,
                    )
                )
            else:
                self.validate(r)
                if r.skip:
                    outcomes.append(Outcome(r, RowOutcome.SKIPPED, r.skip))
                elif r.errors:
                    outcomes.append(Outcome(r, RowOutcome.ERROR, ""))
                else:
                    fresh.append(r)

        # 2. Likely duplicates of people in the pool: a few queries for the whole chunk.
        by_email = self._by_contact(
            ContactKind.EMAIL, "email_normalized", {k for r in fresh for k in r.emails}
        )
        by_phone = self._by_contact(
            ContactKind.PHONE, "phone_normalized", {k for r in fresh for k in r.phones}
        )
        by_licence = self._by_licence({licence_key(n) for r in fresh for _j, n in r.licences}
                                      - {""})

        # 3. In file order: a duplicate of the pool or of an earlier row, else a new candidate.
        seen_email: dict[str, Outcome] = {}
        seen_phone: dict[str, Outcome] = {}
        seen_licence: dict[tuple, Outcome] = {}
        seen_fp: dict[str, Outcome] = {}
        seen_ext: dict[str, Outcome] = {}
        seen_npi: dict[str, Outcome] = {}
        created: list[Outcome] = []
        for r in fresh:
            v = r.values
            name_key = (v["first_name"].strip().lower(), v["last_name"].strip().lower())
            lic_keys = [(*name_key, k) for _j, n in r.licences if (k := licence_key(n))]
            hit = None
            # A shared email or phone is not the same person when both have an NPI and the
            # NPIs differ: clinicians of one practice share its number.
            if found := next(
                (by_email[k] for k in r.emails if k in by_email and _may_be(r.npi, by_email[k][2])),
                None,
            ):
                hit = Outcome(
                    r, RowOutcome.DUPLICATE, f"Same email as {found[1]}.", "email", found[0]
                )
            elif found := next(
                (by_phone[k] for k in r.phones if k in by_phone and _may_be(r.npi, by_phone[k][2])),
                None,
            ):
                hit = Outcome(
                    r, RowOutcome.DUPLICATE, f"Same phone as {found[1]}.", "phone", found[0]
                )
            elif found := next((by_licence[k] for k in lic_keys if k in by_licence), None):
                hit = Outcome(
                    r,
                    RowOutcome.DUPLICATE,
                    f"Same name and licence number as {found[1]}.",
                    "licence_number",
                    found[0],
                )
            elif r.fingerprint in seen_fp:
                hit = self._repeat(r, seen_fp[r.fingerprint], "Repeats line {}.", "")
            elif r.external_id and r.external_id in seen_ext:
                hit = self._repeat(
                    r, seen_ext[r.external_id], "Same external ID as line {}.", "external_id"
                )
            elif r.npi and r.npi in seen_npi:
                hit = self._repeat(r, seen_npi[r.npi], "Same NPI as line {}.", "npi")
            elif earlier := next(
                (
                    seen_email[k]
                    for k in r.emails
                    if k in seen_email and _may_be(r.npi, seen_email[k].row.npi)
                ),
                None,
            ):
                hit = self._repeat(r, earlier, "Same email as line {}.", "email")
            elif earlier := next(
                (
                    seen_phone[k]
                    for k in r.phones
                    if k in seen_phone and _may_be(r.npi, seen_phone[k].row.npi)
                ),
                None,
            ):
                hit = self._repeat(r, earlier, "Same phone as line {}.", "phone")
            elif found := next((seen_licence[k] for k in lic_keys if k in seen_licence), None):
                hit = self._repeat(
                    r, found, "Same name and licence number as line {}.", "licence_number"
                )
            if hit:
                outcomes.append(hit)
                continue
            out = Outcome(r, "created", "", pending=self.build_candidate(r))
            created.append(out)
            seen_fp[r.fingerprint] = out
            if r.external_id:
                seen_ext[r.external_id] = out
            if r.npi:
                seen_npi[r.npi] = out
            for k in r.emails:
                seen_email.setdefault(k, out)
            for k in r.phones:
                seen_phone.setdefault(k, out)
            for k in lic_keys:
                seen_licence[k] = out

        self.write(created, outcomes)
        if created:
            queue_match_profiles([o.pending.pk for o in created])
        counts = {
            "created": len(created),
            "warning": sum(1 for o in created if o.row.warnings),
            "duplicate": sum(1 for o in outcomes if o.outcome == RowOutcome.DUPLICATE),
            "unchanged": sum(1 for o in outcomes if o.outcome == RowOutcome.UNCHANGED),
            "error": sum(1 for o in outcomes if o.outcome == RowOutcome.ERROR),
            "skipped": sum(1 for o in outcomes if o.outcome == RowOutcome.SKIPPED),
        }
        self.advance(len(rows), counts)
        for out in created:
            pk = out.pending.pk
            self.created_fingerprints[out.row.fingerprint] = (out.row.line, pk)
            if out.row.external_id:
                self.created_external_ids[out.row.external_id] = (out.row.line, pk)
            if out.row.npi:
                self.created_npis[out.row.npi] = (out.row.line, pk)
        return counts

    @staticmethod
    def _known(
        org, field_name: str, keys: set[str], *, names: bool = False
    ) -> dict[str, tuple[int, str]]:
        """{key: (current record id, name)} for the pool's records with one of these keys."""
        if not keys:
            return {}
        found: dict[str, tuple[int, str]] = {}
        for key, pk, merged, first, last in among(org, field_name, keys).values_list(
            field_name, "id", "merged_into_id", "first_name", "last_name"
        ):
            found.setdefault(key, (merged or pk, f"{first} {last}" if names else ""))
        return found

    def _by_contact(
        self, kind: str, field_name: str, keys: set[str]
    ) -> dict[str, tuple[int, str, str]]:
        """{email or phone key: (candidate id, name, NPI)} for current records of the
        organization with that key as their main or a secondary one."""
        found: dict[str, tuple[int, str, str]] = {}
        if not keys:
            return found
        # The organization in SQL, on the (organization, key) indexes: no other tenant's row is
        # read. Merge state is checked here (a residual filter would only cost the planner).
        for key, pk, merged, first, last, npi in (
            among(Candidate.objects.filter(organization_id=self.org_id), field_name, keys)
            .values_list(field_name, "id", "merged_into_id", "first_name", "last_name", "npi")
            .order_by("id")
        ):
            if merged is None:
                found.setdefault(key, (pk, f"{first} {last}", npi))
        if not self._has_contact_points:
            return found
        points = ContactPoint.objects.filter(organization_id=self.org_id, kind=kind)
        for key, pk, merged, first, last, npi in (
            among(points, "value_normalized", keys)
            .values_list(
                "value_normalized",
                "candidate_id",
                "candidate__merged_into_id",
                "candidate__first_name",
                "candidate__last_name",
                "candidate__npi",
            )
            .order_by("id")
        ):
            if merged is None:
                found.setdefault(key, (pk, f"{first} {last}", npi))
        return found

    def _by_licence(self, keys: set[str]) -> dict[tuple, tuple[int, str]]:
        """{(first name, last name, licence key): (candidate id, name)} for current records of
        the organization holding one of these licence numbers (`lib.codes.licence_key`)."""
        found: dict[tuple, tuple[int, str]] = {}
        if not keys:
            return found
        for key, pk, merged, first, last in (
            among(Licence.objects.filter(organization_id=self.org_id), "number_key", keys)
            .values_list(
                "number_key",
                "candidate_id",
                "candidate__merged_into_id",
                "candidate__first_name",
                "candidate__last_name",
            )
            .order_by("id")
        ):
            if merged is None:
                name_key = (first.strip().lower(), last.strip().lower(), key)
                found.setdefault(name_key, (pk, f"{first} {last}"))
        return found

    @staticmethod
    def _repeat(row: ParsedRow, earlier: Outcome, message: str, field_name: str) -> Outcome:
        return Outcome(
            row,
            RowOutcome.DUPLICATE,
            message.format(earlier.row.line),
            field_name,
            pending=earlier.pending,
        )

    def build_candidate(self, row: ParsedRow) -> Candidate:
        if self._template is None:
            # Positional construction (as Django does when loading rows) skips resolving every
            # field's default for each of 100,000 instances.
            fields = Candidate._meta.concrete_fields
            self._template = [
                None if f.has_default() and callable(f.default) else f.get_default() for f in fields
            ]
            self._slots = {f.attname: i for i, f in enumerate(fields)}
            self._per_row_defaults = [
                (i, f.default)
                for i, f in enumerate(fields)
                if f.has_default() and callable(f.default)
            ]
        args = list(self._template)
        now = self._now
        for i, make in self._per_row_defaults:
            args[i] = now if make is timezone.now else make()  # one clock reading a chunk
        slots = self._slots
        for name, value in row.values.items():
            args[slots[name]] = value
        args[slots["organization_id"]] = self.org_id
        args[slots["created_by_id"]] = args[slots["owner_id"]] = self.actor_id
        args[slots["import_fingerprint"]] = row.fingerprint
        c = Candidate(*args)
        apply_location(c)
        c.search_text = build_search_text(c, [s.name for s in row.specialties], notes=[row.notes])
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
            for n, pk in (
                Tag.objects.for_org(self.org_id).filter(name__in=missing).values_list("name", "id")
            ):
                self._tag_ids[n.lower()] = pk
        return self._tag_ids

    def write(self, created: list[Outcome], outcomes: list[Outcome]) -> None:
        batch = self.batch
        org_id, batch_id = self.org_id, batch.pk
        headers = batch.headers
        issues = []

        def cells_of(r: ParsedRow) -> dict[str, str]:
            return {h: c for h, c in zip(headers, r.cells, strict=False) if c}

        if created:
            bulk.insert([o.pending for o in created], returning=True)
            specialties, licences, links, notes, events, points = [], [], [], [], [], []
            tag_ids = self.tag_ids({t for o in created for t in o.row.tags})
            Through = Candidate.tags.through
            subject = f"Imported from {batch.original_name}"[:200]
            changes_base = {"import": str(batch.uuid), "file": batch.original_name}
            actor_id, via = self.actor_id, self.via
            note = f"imported from {batch.original_name}"[:200]
            for o in created:
                c, r = o.pending, o.row
                pk = c.pk
                for i, found in enumerate(r.specialties):
                    specialties.append(
                        {
                            "organization_id": org_id,
                            "candidate_id": pk,
                            "name": found.name,
                            "code": found.code,
                            "is_primary": i == 0,
                        }
                    )
                for jurisdiction, number in r.licences:
                    licences.append(
                        {
                            "organization_id": org_id,
                            "candidate_id": pk,
                            "jurisdiction": jurisdiction,
                            "number": number,
                            "number_key": licence_key(number),
                        }
                    )
                for address, key in r.other_emails:
                    points.append(
                        {
                            "organization_id": org_id,
                            "candidate_id": pk,
                            "kind": ContactKind.EMAIL,
                            "value": address,
                            "value_normalized": key,
                            "note": note,
                        }
                    )
                for number in r.other_phones:
                    points.append(
                        {
                            "organization_id": org_id,
                            "candidate_id": pk,
                            "kind": ContactKind.PHONE,
                            "value": number,
                            "value_normalized": number,
                            "note": note,
                        }
                    )
                for t in r.tags:
                    links.append({"candidate_id": pk, "tag_id": tag_ids[t.lower()]})
                if r.notes:
                    notes.append(
                        {
                            "organization_id": org_id,
                            "candidate_id": pk,
                            "kind": ActivityKind.NOTE,
                            "subject": subject,
                            "body": r.notes,
                            "actor_id": actor_id,
                        }
                    )
                events.append(
                    {
                        "organization_id": org_id,
                        "actor_id": actor_id,
                        "action": AuditAction.IMPORT,
                        "object_type": "candidate",
                        "object_id": str(pk),
                        "object_repr": f"{c.first_name} {c.last_name}"[:200],
                        "candidate_id": pk,
                        "changes": {**changes_base, "line": r.line},
                        "via": via,
                    }
                )
                if r.warnings:
                    data = cells_of(r)
                    for field_name, message in r.warnings:
                        issues.append(
                            {
                                "organization_id": org_id,
                                "batch_id": batch_id,
                                "line_number": r.line,
                                "outcome": RowOutcome.WARNING,
                                "field": field_name,
                                "message": message[:500],
                                "candidate_id": pk,
                                "data": data,
                            }
                        )
            for model, values in (
                (Specialty, specialties),
                (Licence, licences),
                (ContactPoint, points),
                (Through, links),
                (Activity, notes),
                (AuditEvent, events),
            ):
                bulk.insert_values(model, values)

        for o in outcomes:
            r = o.row
            data = {} if o.outcome == RowOutcome.UNCHANGED else cells_of(r)
            candidate_id = o.candidate_id or (o.pending.pk if o.pending is not None else None)
            if o.outcome == RowOutcome.ERROR:
                for field_name, message in r.errors:
                    issues.append(
                        {
                            "organization_id": org_id,
                            "batch_id": batch_id,
                            "line_number": r.line,
                            "outcome": o.outcome,
                            "field": field_name,
                            "message": message[:500],
                            "data": data,
                        }
                    )
            else:
                issues.append(
                    {
                        "organization_id": org_id,
                        "batch_id": batch_id,
                        "line_number": r.line,
                        "outcome": o.outcome,
                        "field": o.field,
                        "message": o.message[:500],
                        "candidate_id": candidate_id,
                        "data": data,
                    }
                )
        bulk.insert_values(ImportRowIssue, issues)

    def advance(self, n_rows: int, counts: dict[str, int]) -> None:
        """Move the cursor and counters, on condition that no one else moved them."""
        batch = self.batch
        mine = ImportBatch.objects.filter(
            pk=batch.pk, rows_done=batch.rows_done, status=ImportStatus.RUNNING
        )
        if self.heartbeat is not None:
            mine = mine.filter(heartbeat_at=self.heartbeat)
        beat = timezone.now()
        moved = mine.update(
            rows_done=F("rows_done") + n_rows,
            created_count=F("created_count") + counts["created"],
            warning_count=F("warning_count") + counts["warning"],
            duplicate_count=F("duplicate_count") + counts["duplicate"],
            unchanged_count=F("unchanged_count") + counts["unchanged"],
            error_count=F("error_count") + counts["error"],
            skipped_count=F("skipped_count") + counts["skipped"],
            heartbeat_at=beat,
        )
        if not moved:
            raise ImportConflict(f"Import {batch.pk} was taken over by another worker.")
        if self.heartbeat is not None:
            self.heartbeat = beat
        batch.rows_done += n_rows
        batch.created_count += counts["created"]
        batch.warning_count += counts["warning"]
        batch.duplicate_count += counts["duplicate"]
        batch.unchanged_count += counts["unchanged"]
        batch.error_count += counts["error"]
        batch.skipped_count += counts["skipped"]
