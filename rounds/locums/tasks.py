"""Background work of the locum network. Thin tasks that take ids and are safe to run twice."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django_tasks import task


@task()
def second_tier_task(shift_id: int) -> int:
    """Send a tiered shift's second tier if it is still open and not sent yet (the broadcast
    claims it with a conditional update, so a second run does nothing)."""
    from .broadcast import run_second_tier

    with transaction.atomic():
        return run_second_tier(shift_id)


def schedule_second_tier(shift_id: int, when: datetime) -> None:
    """Queue the second tier for `when`, once the current transaction commits (a rolled-back
    broadcast schedules nothing)."""
    transaction.on_commit(lambda: second_tier_task.using(run_after=when).enqueue(shift_id))


@task()
def expire_reopened_task() -> int:
    """Pass reopened offers whose time to answer ran out to the next in line (idempotent)."""
    from .actions import expire_reopened_offers

    return expire_reopened_offers()


def schedule_reopen_expiry(when: datetime) -> None:
    """Queue a check for `when` (a reopened offer's deadline), once the transaction commits."""
    transaction.on_commit(lambda: expire_reopened_task.using(run_after=when).enqueue())
