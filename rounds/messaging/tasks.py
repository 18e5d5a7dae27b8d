"""Background work of the messaging core. Thin tasks that take ids or nothing and are safe to
run twice: each claims its rows by a conditional update before acting."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from rounds.lib.tasks import schedule_once


@task()
def deliver_outbox_task() -> int:
    """Send every message that is due, then schedule the next run for the earliest one held."""
    from . import delivery

    return delivery.drain()


def schedule_delivery(at: datetime | None = None) -> None:
    """Queue a delivery run for `at` (now when None) once the current transaction commits."""
    schedule_once(deliver_outbox_task, at)
