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


@task()
def sweep_leases_task() -> tuple[int, int]:
    """When a claim's lease has ended: what its worker handed over and never recorded becomes
    "may have been sent"; what it never handed over goes back to the queue, and a delivery run
    is queued for it."""
    from . import delivery

    unknown, requeued = delivery.sweep_expired_leases()
    if requeued:
        schedule_delivery(None)
    return unknown, requeued


def schedule_sweep(at: datetime) -> None:
    """Queue a lease sweep for `at` (rounded up to the minute) once the transaction commits."""
    schedule_once(sweep_leases_task, at)
