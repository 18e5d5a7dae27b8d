"""Background work of matching. Thin tasks that take ids and are safe to run twice."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction
from django_tasks import task

from . import actions, profiles


@task()
def learn_from_stage_change_task(stage_change_id: int) -> None:
    """Move the organization's weights by a pipeline outcome (engaged, hired, rejected for fit).
    A stage change is learnt from once, however often this runs."""
    from rounds.pipeline.models import StageChange

    from .index import builds_allowed

    with builds_allowed(), transaction.atomic():
        change = (StageChange.objects.select_related(
            "to_stage", "application__job__site", "application__candidate"
        ).filter(pk=stage_change_id).first())
        if change is not None:
            actions.do_learn_from_stage_change(change)


@task()
def refresh_profiles_task(candidate_ids: list[int]) -> int:
    """Rebuild match profiles ahead of the next ranking (after an import, say)."""
    return profiles.refresh(candidate_ids)


@task()
def build_index_task(organization_id: int) -> int:
    """Build an organization's match index and write its snapshot (asked for by a page that
    found neither in its process); web processes load the snapshot on their next use."""
    from . import index, snapshot

    if snapshot.enabled() and snapshot.load(organization_id) is not None:
        return 0  # another worker got there first
    with index.builds_allowed():
        return len(index.build(organization_id))


_paused: ContextVar[bool] = ContextVar("matching_learning_paused", default=False)


@contextmanager
def learning_paused():
    """Pipeline moves made inside teach matching nothing: a history that no recruiter decided
    (the demo's invented pipelines) must not move an organization's weights."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def queue_learning(stage_change) -> None:
    """Called by the pipeline when an application moves: learn once the move is committed."""
    if _paused.get() or actions.outcome_of(stage_change) is None:
        return
    change_id = stage_change.pk
    transaction.on_commit(lambda: learn_from_stage_change_task.enqueue(change_id))
