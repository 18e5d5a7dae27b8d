"""Background import of a spreadsheet. Thin: the rows are handled by rounds.imports.actions;
this module owns the transactions — one per chunk, so a killed worker loses at most the chunk
it was writing, and running the task again continues after the last committed chunk.

An import whose worker died resumes by itself: every claim queues a sweep for the end of its
lease (`resume_stalled_imports_task`, a task on the same durable queue, run by whichever worker
is alive then). The sweep re-queues the batches whose lease ended without a chunk committed,
and queues itself again for the next lease to end while any batch is queued or running."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from . import actions, parsing
from .models import ImportBatch

logger = logging.getLogger(__name__)


def run_import(batch_id: int, *, via: str = "task") -> ImportBatch | None:
    """Claim the batch and import its remaining rows, chunk by chunk. Safe to call twice: a
    batch another worker is running, or one already finished, is left alone."""
    with transaction.atomic():
        claimed = actions.do_claim_batch(batch_id)
        if claimed:
            schedule_sweep(claimed + actions.lease())
    batch = (
        ImportBatch.objects.select_related("organization", "created_by")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or not claimed:
        return batch
    try:
        if not batch.total_rows:
            try:
                actions.do_count_rows(batch)
            except parsing.TableTooLarge as exc:
                with transaction.atomic():
                    actions.do_refuse_batch(batch, str(exc))
                batch.refresh_from_db()
                return batch
        importer = actions.BatchImporter(batch, via=via)
        importer.heartbeat = claimed
        with actions.open_remaining_rows(batch) as rows:
            for chunk in actions.chunked(rows):
                with transaction.atomic():
                    _relax_commit_durability()
                    importer.import_chunk(chunk)
        with transaction.atomic():
            actions.do_finish_batch(batch, via=via)
    except actions.ImportConflict:
        logger.warning("Import batch %s: another worker took over.", batch_id)
    except Exception as exc:
        logger.exception("Import batch %s failed.", batch_id)
        with transaction.atomic():
            actions.do_fail_batch(batch, exc)
    batch.refresh_from_db()
    return batch


def _relax_commit_durability() -> None:
    """PostgreSQL: don't wait for the chunk's WAL flush. A chunk lost in a server crash was
    committed together with its cursor, so it is simply imported again: never half-written."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@task()
def import_batch_task(batch_id: int) -> None:
    run_import(batch_id, via="task")


@task()
def resume_stalled_imports_task() -> list[int]:
    """The sweep: queue again the imports whose worker died, then look again when the next
    lease ends (as long as an import is queued or running)."""
    with transaction.atomic():
        requeued = actions.do_requeue_stalled()
        for batch_id in requeued:
            logger.warning("Import batch %s: its worker stopped; queued again.", batch_id)
            transaction.on_commit(partial(import_batch_task.enqueue, batch_id))
        at = actions.next_sweep_at()
        if at is not None:
            schedule_sweep(at)
    return requeued


def schedule_sweep(at: datetime) -> None:
    """Queue the sweep for `at` once the transaction commits, unless one is already queued
    to run by then (it will queue the next)."""

    def enqueue():
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(
            status="READY", task_path=resume_stalled_imports_task.module_path,
        ).filter(Q(run_after__lte=at) | Q(run_after__isnull=True))
        if not waiting.exists():
            resume_stalled_imports_task.using(run_after=max(at, timezone.now())).enqueue()

    transaction.on_commit(enqueue)
