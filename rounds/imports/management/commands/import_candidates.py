"""`rounds import-candidates FILE.csv [--org SLUG]`: import a candidate spreadsheet from the
command line, through the same importer as the web (rounds.imports), synchronously.

The columns are matched as the web's mapping step suggests them: by what their names mean and what
their first rows hold (rounds/imports/mapping.py), e.g. the full NPPES and CMS files. Every row
that is not imported, and every value left out of a row that was, is reported with its line and
column;
exit status 0 when the file was processed (even with row errors), 2 when the input is unusable
(no such file, not a spreadsheet, no recognisable columns, unknown organization), 1 when the
import stopped on an unexpected error (run the command again: it resumes)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction

from rounds.imports import actions, tasks
from rounds.imports import fields as import_fields
from rounds.imports.choices import ImportStatus, RowOutcome
from rounds.imports.mapping import columns
from rounds.imports.models import ImportBatch, ImportRowIssue
from rounds.matching.management.commands._common import (
    BatchCommand,
    BatchError,
    InputError,
    resolve_organization,
)

OUTCOME_WORDS = {
    RowOutcome.ERROR: "error",
    RowOutcome.WARNING: "warning",
    RowOutcome.DUPLICATE: "duplicate",
    RowOutcome.UNCHANGED: "already imported",
    RowOutcome.SKIPPED: "skipped",
}


class Command(BatchCommand):
    help = ("Import candidates from a CSV or XLSX file with the documented columns (see the "
            "README), reporting every row not imported with its line number.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the CSV (or XLSX) file")
        parser.add_argument("--org", metavar="SLUG",
                            help="organization to import into (optional when there is only one)")
        parser.add_argument("--create-org", action="store_true", dest="create_org",
                            help="create the organization named by --org when it does not exist")
        parser.add_argument("--default-profession", metavar="PROFESSION", default="",
                            help="profession for rows whose profession (and specialty) cells "
                                 "name none, e.g. physician, RN, NP")
        parser.add_argument("--json", action="store_true", dest="json",
                            help="print the summary and the row report as one JSON object")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise InputError(f"{path}: no such file." if not path.exists()
                             else f"{path}: not a file.")
        default_profession = ""
        if options["default_profession"]:
            default_profession = import_fields.match_profession(options["default_profession"])
            if not default_profession:
                raise InputError(f"--default-profession: “{options['default_profession']}” is "
                                 "not a profession Rounds knows (e.g. physician, RN, NP).")
        org = resolve_organization(options["org"], create=options["create_org"])
        batch = self.create_batch(path, org.pk, default_profession)
        batch = tasks.run_import(batch.pk, via="cli")
        if batch is None:  # deleted under our feet
            raise BatchError(f"{path}: the import disappeared before it finished.")
        self.report(path, org, batch, as_json=options["json"],
                    verbose=options["verbosity"] >= 2)
        if batch.status != ImportStatus.COMPLETED:
            raise BatchError(
                f"{path}: the import stopped: {batch.error_message or batch.status}. Run the "
                "same command again to continue after the last committed rows."
            )

    def create_batch(self, path: Path, organization_id: int, default_profession: str
                     ) -> ImportBatch:
        """Store the file as an import batch with the mapping suggested for its columns (or the
        one used for an earlier file with the same columns), queued for run_import. Raises
        InputError naming the file when it cannot be used."""
        with path.open("rb") as fh, transaction.atomic():
            try:
                batch = actions.do_create_batch(organization_id, File(fh, name=path.name),
                                                actor=None)
            except ValidationError as exc:
                raise InputError(f"{path}: {' '.join(_messages(exc))}") from None
            mapping = batch.mapping
            try:
                actions.do_start_import(batch, mapping, default_profession, actor=None)
            except ValidationError as exc:
                batch.file.delete(save=False)
                raise InputError(f"{path}: {_mapping_problem(batch.headers, mapping, exc)}"
                                 ) from None
        return batch

    def report(self, path: Path, org, batch: ImportBatch, *, as_json: bool,
               verbose: bool) -> None:
        issues = ImportRowIssue.objects.filter(batch=batch).order_by("line_number", "id")
        if not verbose:  # on a re-import every row is one: counted, not listed
            issues = issues.exclude(outcome=RowOutcome.UNCHANGED)
        mapping = batch.mapping or {}
        rows = []
        for issue in issues.values_list("line_number", "outcome", "field", "message",
                                        "candidate_id"):
            line, outcome, field_name, message, candidate_id = issue
            rows.append({
                "line": line, "outcome": outcome, "field": field_name,
                "column": _column_of(mapping, field_name), "message": message,
                "candidate_id": candidate_id,
            })
        summary = {
            "file": str(path), "organization": org.slug, "batch": str(batch.uuid),
            "status": batch.status, "rows": batch.rows_done, "created": batch.created_count,
            "created_with_warnings": batch.warning_count,
            "skipped_duplicates": batch.duplicate_count + batch.unchanged_count,
            "duplicates": batch.duplicate_count, "already_imported": batch.unchanged_count,
            "errors": batch.error_count, "not_candidates": batch.skipped_count,
        }
        if as_json:
            self.stdout.write(json.dumps({**summary, "columns": mapping, "issues": rows},
                                         ensure_ascii=False, indent=2))
            return
        for r in rows:
            where = f"{path}:{r['line']}"
            column = f" column “{r['column']}”:" if r["column"] else ""
            self.stdout.write(f"{where}: {OUTCOME_WORDS.get(r['outcome'], r['outcome'])}:"
                              f"{column} {r['message']}")
        warned = f" ({batch.warning_count:,} with warnings)" if batch.warning_count else ""
        not_people = (f", {batch.skipped_count:,} not candidates (organizations, rows with no "
                      "name)") if batch.skipped_count else ""
        self.stdout.write(
            f"{path} → {org.slug}: {_rows(batch.rows_done)}; {batch.created_count:,} created"
            f"{warned}, {summary['skipped_duplicates']:,} skipped as duplicates "
            f"({batch.unchanged_count:,} already imported), {batch.error_count:,} with errors"
            f"{not_people}."
        )


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def _column_of(mapping: dict, field_name: str) -> str:
    if field_name in mapping:
        chosen = columns(mapping[field_name])
        return chosen[0] + (f" … ({len(chosen)} columns)" if len(chosen) > 1 else "")
    if field_name in ("first_name", "last_name") and "full_name" in mapping:
        return mapping["full_name"]
    return ""


def _mapping_problem(headers: list[str], mapping: dict, exc: ValidationError) -> str:
    """Why the columns cannot be imported, in the command line's words."""
    documented = ", ".join(t for t in import_fields.TARGET_NAMES if t != "full_name")
    columns = ", ".join(f"“{h}”" for h in headers[:30]) + (" …" if len(headers) > 30 else "")
    if not mapping:
        return (f"no recognisable columns (the file's columns: {columns}). Name them as "
                f"documented: {documented}.")
    missing = []
    errors = exc.message_dict if hasattr(exc, "message_dict") else {}
    if "first_name" in errors or "last_name" in errors:
        missing.append("no first_name and last_name columns (or a full-name column)")
    if "profession" in errors:
        missing.append("no profession column (or give --default-profession)")
    other = [m for k, ms in errors.items() if k not in ("first_name", "last_name", "profession")
             for m in ms]
    return "; ".join(missing + other) + f". The file's columns: {columns}."
