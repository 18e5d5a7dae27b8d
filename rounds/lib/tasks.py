"""Queueing background work once: a run for a given minute is queued at most once per
transaction and once in the queue, so a 10,000-message send queues one delivery run."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone


def schedule_once(the_task, at: datetime | None = None) -> None:
    """Queue `the_task` for `at` (now when None) once the current transaction commits. Runs
    are coalesced per transaction and per minute."""
    now = timezone.now()
    # Rounded UP to the minute (runs coalesce per minute): a run must never fire before what it
    # was scheduled for, or the work it finds is not yet due.
    when = None
    if at is not None and at > now:
        when = at if at.second == at.microsecond == 0 else (
            at.replace(second=0, microsecond=0) + timedelta(minutes=1))
    key = (the_task.name, when)
    # Already registered in this transaction? (A rolled-back transaction drops its callbacks,
    # so nothing is remembered past it.)
    for entry in connection.run_on_commit:
        if getattr(entry[1], "schedule_key", None) == key:
            return

    def enqueue():
        if when is not None and _already_waiting(the_task, when):
            return  # a run at that minute is already queued: each drain needn't add another
        (the_task.using(run_after=when) if when else the_task).enqueue()

    enqueue.schedule_key = key
    transaction.on_commit(enqueue)


def _already_waiting(the_task, when: datetime) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status="READY", task_path=the_task.module_path, run_after=when
    ).exists()
