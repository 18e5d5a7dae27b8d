"""Background work of outreach. Thin tasks that take ids or nothing and are safe to run twice:
each claims its rows by a conditional update before acting."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task


@task()
def deliver_outbox_task() -> int:
    """Send every message that is due, then schedule the next run for the earliest one held."""
    from . import delivery

    return delivery.drain()


@task()
def run_sequences_task() -> int:
    """Run every sequence step that is due."""
    from . import sequences

    return sequences.run_due()


@task()
def follow_up_alerts_task() -> int:
    """Alert owners (and the backup) about respond-now items about to slip or slipped."""
    from . import followups

    return followups.alert_due()


def schedule_delivery(at: datetime | None = None) -> None:
    """Queue a delivery run for `at` (now when None) once the current transaction commits.
    Runs are coalesced per transaction and per minute, so a 10,000-message send queues one."""
    _schedule(deliver_outbox_task, at)


def schedule_sequences(at: datetime | None = None) -> None:
    _schedule(run_sequences_task, at)


def schedule_follow_up_alerts(at: datetime | None = None) -> None:
    _schedule(follow_up_alerts_task, at)


def _schedule(the_task, at: datetime | None) -> None:
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
        if getattr(entry[1], "outreach_key", None) == key:
            return

    def enqueue():
        if when is not None and _already_waiting(the_task, when):
            return  # a run at that minute is already queued: each drain needn't add another
        (the_task.using(run_after=when) if when else the_task).enqueue()

    enqueue.outreach_key = key
    transaction.on_commit(enqueue)


def _already_waiting(the_task, when: datetime) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status="READY", task_path=the_task.module_path, run_after=when
    ).exists()
