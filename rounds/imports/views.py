"""Importing candidates from a spreadsheet: upload, map the columns, watch it run, read the
report. Editors only (admins and recruiters)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.lib.csvsafe import stream_rows
from rounds.lib.permissions import editor_required
from rounds.lib.tenancy import access_object

from . import actions, parsing
from .choices import ImportStatus, RowOutcome
from .fields import TARGET_BY_NAME, TARGETS
from .forms import MappingForm, UploadForm
from .mapping import columns, decode_choice
from .models import ImportBatch
from .tasks import import_batch_task, run_import

OUTCOME_TABS = [
    (RowOutcome.ERROR, "Errors"),
    (RowOutcome.WARNING, "Imported with warnings"),
    (RowOutcome.DUPLICATE, "Likely duplicates"),
    (RowOutcome.UNCHANGED, "Already imported"),
    (RowOutcome.SKIPPED, "Not candidates"),
]


@editor_required
def import_list(request):
    """The upload form and the history of imports."""
    form = UploadForm()
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    batch = actions.do_create_batch(
                        request.user.organization_id, form.cleaned_data["file"],
                        actor=request.user,
                    )
            except ValidationError as exc:
                form.add_error("file", exc.message_dict.get("file") or exc.messages)
            else:
                return redirect("imports:map", uuid=batch.uuid)
        status = 400
    batches = ImportBatch.objects.visible_to(request.user).select_related("created_by")
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(
        request, "imports/list.html",
        {"nav": "imports", "form": form, "page_obj": page, "batches": page.object_list},
        status=status,
    )


@editor_required
def import_map(request, uuid):
    """Choose which column fills which field, with a preview of the first rows."""
    batch = access_object(ImportBatch, request.user, uuid=uuid)
    if batch.status != ImportStatus.MAPPING:
        return redirect("imports:detail", uuid=batch.uuid)
    form = MappingForm(request.POST or None, batch=batch)
    if request.method == "POST" and form.is_valid():
        inline = actions.runs_inline(batch)
        with transaction.atomic():
            actions.do_start_import(batch, form.mapping, form.default_profession,
                                    actor=request.user)
            if not inline:
                transaction.on_commit(lambda: import_batch_task.enqueue(batch.pk))
        if inline:
            run_import(batch.pk, via="web")
        return redirect("imports:detail", uuid=batch.uuid)
    preview = actions.preview_rows(batch)
    examples = _examples(form, batch, preview)
    # The preview shows the columns with something in the first rows: 330 NPPES columns are
    # mostly empty.
    shown = [i for i in range(len(batch.headers)) if any(cells[i] for _l, cells in preview)]
    preview = [(line, [cells[i] for i in shown]) for line, cells in preview]
    return render(
        request, "imports/map.html",
        {
            "nav": "imports", "batch": batch, "form": form, "preview": preview,
            "preview_headers": [batch.headers[i] for i in shown],
            "hidden_columns": len(batch.headers) - len(shown),
            "fields": [(form[t.name], examples.get(t.name)) for t in TARGETS],
            "earlier": actions.earlier_import_of_same_file(batch),
            "inline": actions.runs_inline(batch),
            "inspected": parsing.rows_to_inspect(),
        },
        status=400 if form.errors else 200,
    )


def _examples(form, batch: ImportBatch, preview) -> dict[str, str]:
    """For each field, the column chosen (in full: a select cuts long names) and its first
    values, so a suggestion can be checked at a glance."""
    index = {h: i for i, h in enumerate(batch.headers)}
    out = {}
    for target in TARGETS:
        chosen = [c for c in columns(decode_choice(form[target.name].value() or "",
                                                   batch.headers)) if c in index]
        if not chosen:
            continue
        values = list(dict.fromkeys(
            cells[index[c]] for _line, cells in preview for c in chosen if cells[index[c]]
        ))[:3]
        name = chosen[0] + (f" … ({len(chosen)} columns)" if len(chosen) > 1 else "")
        out[target.name] = f"{name}: " + (", ".join(v[:40] for v in values) if values
                                          else "empty in the first rows")
    return out


def _report_context(request, batch: ImportBatch) -> dict:
    counts = {
        RowOutcome.ERROR: batch.error_count, RowOutcome.WARNING: batch.warning_count,
        RowOutcome.DUPLICATE: batch.duplicate_count, RowOutcome.UNCHANGED: batch.unchanged_count,
        RowOutcome.SKIPPED: batch.skipped_count,
    }
    # The first tab with rows in it, errors first.
    show = request.GET.get("show") or next(
        (value for value, _label in OUTCOME_TABS if counts[value]), RowOutcome.ERROR
    )
    if show not in RowOutcome.values:
        show = RowOutcome.ERROR
    issues = batch.issues.filter(outcome=show).select_related("candidate")
    page = Paginator(issues, 50).get_page(request.GET.get("page"))
    # The row's cells in the mapped columns (the whole row is in the CSV report: a 330-column
    # NPPES row would fill the screen).
    mapped = list(dict.fromkeys(c for v in (batch.mapping or {}).values() for c in columns(v)))
    for issue in page.object_list:
        target = TARGET_BY_NAME.get(issue.field)
        issue.field_label = target.label if target else issue.field
        data = issue.data or {}
        issue.cells = [(h, data[h]) for h in mapped if h in data]
        issue.other_cells = len(data) - len(issue.cells)
    return {
        "show": show, "page_obj": page, "issues": page.object_list,
        "tabs": [(value, label, counts[value]) for value, label in OUTCOME_TABS
                 if counts[value] or value == show],
        "querystring_without_page": f"show={show}",
    }


@editor_required
def import_detail(request, uuid):
    """Progress while the import runs; then the report of what happened to every row."""
    batch = access_object(ImportBatch.objects.select_related("created_by"), request.user,
                          uuid=uuid)
    if batch.status == ImportStatus.MAPPING:
        return redirect("imports:map", uuid=batch.uuid)
    context = {
        "nav": "imports", "batch": batch,
        "earlier": actions.earlier_import_of_same_file(batch),
        "running": batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
        "stalled": actions.is_stalled(batch), "can_resume": actions.can_resume(batch),
    }
    if batch.status in (ImportStatus.COMPLETED, ImportStatus.FAILED):
        context.update(_report_context(request, batch))
    return render(request, "imports/detail.html", context)


@editor_required
def import_progress(request, uuid):
    """The progress card, polled by htmx every second; reloads the page when the run ends."""
    batch = access_object(ImportBatch, request.user, uuid=uuid)
    running = batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    response = render(
        request, "imports/_progress.html",
        {"batch": batch, "running": running, "stalled": actions.is_stalled(batch)},
    )
    if not running:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@editor_required
def import_resume(request, uuid):
    batch = access_object(ImportBatch, request.user, uuid=uuid)
    try:
        with transaction.atomic():
            actions.do_resume_batch(batch, actor=request.user)
            transaction.on_commit(lambda: import_batch_task.enqueue(batch.pk))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The import continues after the last saved row.")
    return redirect("imports:detail", uuid=batch.uuid)


@editor_required
def import_issues_csv(request, uuid) -> HttpResponse:
    """Every reported row as CSV — line, outcome, field, reason, match, then the row's cells —
    with cells a spreadsheet would run as formulas neutralized."""
    batch = access_object(ImportBatch, request.user, uuid=uuid)
    with transaction.atomic():
        audit.record(actor=request.user, action=AuditAction.DOWNLOAD, obj=batch,
                     changes={"report": batch.original_name})
    header = ["Line", "Outcome", "Field", "Reason", "Matched candidate", *batch.headers]
    issues = (
        batch.issues.select_related("candidate").order_by("line_number", "id")
        .iterator(chunk_size=2000)
    )
    labels = dict(RowOutcome.choices)
    rows = (
        [i.line_number, labels.get(i.outcome, i.outcome), i.field, i.message,
         i.candidate.full_name if i.candidate else "",
         *[i.data.get(h, "") for h in batch.headers]]
        for i in issues
    )
    stem = re.sub(r"[^\w .-]+", "_", batch.original_name.rsplit(".", 1)[0])[:80] or "import"
    response = StreamingHttpResponse(stream_rows(header, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{stem} - report.csv"'
    return response
