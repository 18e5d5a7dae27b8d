"""JSON API for candidate imports. Mounted at /api/imports. Editors (admins, recruiters) only.

1. POST /api/imports (multipart `file`) → 201 the batch: its columns and the suggested mapping.
2. POST /api/imports/{uuid}/start {"mapping": {field: column or [columns]},
   "default_profession"} → 202;
   small files are imported before the answer, larger ones by the worker.
3. GET /api/imports/{uuid} → status and progress; GET /api/imports/{uuid}/issues → the rows
   the report talks about (errors, warnings on created rows, likely duplicates, already
   imported, not candidates) with line numbers.

Errors: 400 {"detail", "errors": {field: [...]}} naming the field (`file`, a mapping field),
403 for roles that cannot import, 404 for a batch of another organization."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from rounds.audit import actions as audit
from rounds.lib.api import ERRORS, limit_param, offset_param, page_of, paginate
from rounds.lib.permissions import can_edit
from rounds.lib.tenancy import access_object

from . import actions
from .choices import ImportStatus, RowOutcome
from .fields import TARGETS
from .models import ImportBatch
from .tasks import import_batch_task, run_import

router = Router(tags=["Imports"])




class FieldOut(Schema):
    name: str
    label: str
    help: str


class BatchOut(Schema):
    uuid: UUID
    file_name: str
    file_format: str
    status: ImportStatus
    headers: list[str]
    mapping: dict[str, str | list[str]]
    default_profession: str
    total_rows: int
    rows_done: int
    progress_percent: int
    created: int
    created_with_warnings: int
    duplicates: int
    unchanged: int
    errors: int
    skipped: int
    error_message: str
    previously_imported_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class UploadOut(BatchOut):
    fields: list[FieldOut]


class StartIn(Schema):
    mapping: dict[str, str | list[str]]
    default_profession: str = ""


class IssueOut(Schema):
    line: int
    outcome: RowOutcome
    field: str
    message: str
    candidate_uuid: UUID | None
    data: dict[str, str]


IssuePage = page_of(IssueOut, "IssuePage")


def _require_edit(request) -> None:
    if not can_edit(request.user):
        raise PermissionDenied("Only recruiters and admins can import candidates.")


def _get(request, uuid: UUID) -> ImportBatch:
    batch = access_object(ImportBatch, request.user, uuid=uuid)
    _require_edit(request)
    return batch


def batch_out(batch: ImportBatch) -> dict:
    earlier = actions.earlier_import_of_same_file(batch)
    return {
        "uuid": batch.uuid, "file_name": batch.original_name, "file_format": batch.file_format,
        "status": batch.status, "headers": batch.headers, "mapping": batch.mapping,
        "default_profession": batch.default_profession, "total_rows": batch.total_rows,
        "rows_done": batch.rows_done, "progress_percent": batch.progress_percent,
        "created": batch.created_count, "created_with_warnings": batch.warning_count,
        "duplicates": batch.duplicate_count, "unchanged": batch.unchanged_count,
        "errors": batch.error_count, "skipped": batch.skipped_count,
        "error_message": batch.error_message,
        "previously_imported_at": earlier.created_at if earlier else None,
        "created_at": batch.created_at, "started_at": batch.started_at,
        "finished_at": batch.finished_at,
    }


@router.get("", response={200: page_of(BatchOut), **ERRORS}, url_name="import_list")
def list_imports(request, limit: int = limit_param(), offset: int = offset_param()):
    """Imports of your organization, newest first. Paged with `limit` and `offset`; follow
    `next` until it is null."""
    _require_edit(request)
    return paginate(ImportBatch.objects.visible_to(request.user), limit, offset, request,
                    batch_out)


@router.post("", response={201: UploadOut, **ERRORS}, url_name="import_upload")
def upload(request, file: File[UploadedFile]):
    """Upload a CSV or XLSX file (multipart field `file`). Answers with its columns and the
    suggested mapping (field → column) to confirm with /start."""
    _require_edit(request)
    with transaction.atomic():
        batch = actions.do_create_batch(request.user.organization_id, file, actor=request.user)
    fields = [{"name": t.name, "label": t.label, "help": t.help} for t in TARGETS]
    return Status(201, {**batch_out(batch), "fields": fields})


@router.get("/{uuid}", response={200: BatchOut, **ERRORS}, url_name="import_detail")
def get_import(request, uuid: UUID):
    """Status, progress and counts of one import."""
    return batch_out(_get(request, uuid))


@router.post("/{uuid}/start", response={202: BatchOut, **ERRORS}, url_name="import_start")
def start(request, uuid: UUID, payload: StartIn):
    """Confirm the mapping (field → column header, or a list of headers for the fields that
    take several) and start the import."""
    batch = _get(request, uuid)
    inline = actions.runs_inline(batch)
    with transaction.atomic():
        actions.do_start_import(batch, payload.mapping, payload.default_profession,
                                actor=request.user)
        if not inline:
            transaction.on_commit(lambda: import_batch_task.enqueue(batch.pk))
    if inline:
        batch = run_import(batch.pk, via="api")
    return Status(202, batch_out(batch))


@router.post("/{uuid}/resume", response={202: BatchOut, **ERRORS}, url_name="import_resume")
def resume(request, uuid: UUID):
    """Continue a failed or stalled import after its last saved row."""
    batch = _get(request, uuid)
    with transaction.atomic():
        actions.do_resume_batch(batch, actor=request.user)
        transaction.on_commit(lambda: import_batch_task.enqueue(batch.pk))
    return Status(202, batch_out(batch))


@router.get("/{uuid}/issues", response={200: IssuePage, **ERRORS}, url_name="import_issues")
def issues(request, uuid: UUID, outcome: RowOutcome | None = None, limit: int = limit_param(),
           offset: int = offset_param()):
    """The report, by line: errors (one entry per field to fix), warnings on rows created
    without a value that could not be read (with the new candidate), likely duplicates and rows
    already imported (with the matching candidate), rows that are not candidates. Paged with
    `limit` and `offset`; follow `next` until it is null."""
    batch = _get(request, uuid)
    qs = batch.issues.select_related("candidate")
    if outcome:
        qs = qs.filter(outcome=outcome)
    page = paginate(qs, limit, offset, request, lambda i: {
        "line": i.line_number, "outcome": i.outcome, "field": i.field,
        "message": i.message, "candidate_uuid": i.candidate.uuid if i.candidate else None,
        "data": {k: str(v) for k, v in (i.data or {}).items()},
    })
    audit.record_list(request, "import issues", shown=len(page["items"]),
                      filters={"import": str(batch.uuid), "outcome": outcome or ""},
                      contact_details=True)
    return page
