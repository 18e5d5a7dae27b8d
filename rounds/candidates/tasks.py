"""Background work of candidates: the daily retention run. It queues its next run before doing
anything, so a worker that dies mid-run doesn't end the chain; `migrate` starts the chain
(apps.py) on a server, and the retention page makes sure it is waiting."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

from rounds.lib.tasks import schedule_once

RUN_AT = time(3, 0)  # UTC: the quiet hour for every organization in the Americas


def next_run(now: datetime | None = None) -> datetime:
    now = now or timezone.now()
    today = datetime.combine(now.date(), RUN_AT, tzinfo=now.tzinfo)
    return today if today > now else today + timedelta(days=1)


@task()
def retention_task() -> int:
    """Anonymise, in every organization, the candidates past its retention period."""
    from . import retention

    schedule_once(retention_task, next_run())
    return retention.run_all()


def is_scheduled() -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="READY",
                                       task_path=retention_task.module_path).exists()


def ensure_retention_scheduled() -> bool:
    """Queue the next daily run unless one is waiting; True when one was queued."""
    if is_scheduled():
        return False
    schedule_once(retention_task, next_run())
    return True
