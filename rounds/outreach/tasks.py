"""Background work of outreach: sequence steps that are due."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from rounds.lib.tasks import schedule_once


@task()
def run_sequences_task() -> int:
    """Run every sequence step that is due."""
    from . import sequences

    return sequences.run_due()


def schedule_sequences(at: datetime | None = None) -> None:
    schedule_once(run_sequences_task, at)
