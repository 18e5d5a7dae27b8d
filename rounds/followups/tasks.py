"""Background work of respond-now: the alerts before and when an item slips."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from rounds.lib.tasks import schedule_once


@task()
def follow_up_alerts_task() -> int:
    """Alert owners (and the backup) about respond-now items about to slip or slipped."""
    from . import actions

    return actions.alert_due()


def schedule_follow_up_alerts(at: datetime | None = None) -> None:
    schedule_once(follow_up_alerts_task, at)
