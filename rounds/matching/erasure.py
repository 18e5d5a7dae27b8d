"""What matching removes when a candidate is erased (registered in apps.py): their derived
profile, their row in this process's in-memory index (wiped; other processes replace it when
they catch up: the tombstone's `updated_at` moves and its rebuilt profile is not alive), the
organization's snapshot on disk (written again without them, or removed), and their name
in the explanations of weight changes. Match feedback stays: scores and components only."""

from __future__ import annotations

from django.db import transaction

from .models import MatchProfile, WeightChange


def count(subject) -> int:
    return MatchProfile.objects.filter(candidate_id__in=subject.ids).count()


def erase(subject) -> int:
    from . import index

    n, _ = MatchProfile.objects.filter(candidate_id__in=subject.ids).delete()
    cached = index._indexes.get(subject.organization_id)
    if cached is not None:
        cached.scrub(subject.ids)
    organization_id = subject.organization_id
    transaction.on_commit(lambda: rewrite_snapshot(organization_id))
    names = sorted(subject.names, key=len, reverse=True)
    for change in WeightChange.objects.filter(feedback__candidate_id__in=subject.ids):
        summary = change.summary
        for name in names:
            summary = summary.replace(name, "an erased candidate")
        if summary != change.summary:
            WeightChange.objects.filter(pk=change.pk).update(summary=summary)
    return n


def rewrite_snapshot(organization_id: int) -> None:
    """The snapshot on disk holds the erased rows as they were: write it again from this
    process's scrubbed index, or remove it (the worker builds a new one) when none is loaded."""
    from . import index, snapshot

    if not snapshot.enabled():
        return
    cached = index._indexes.get(organization_id)
    if cached is not None:
        snapshot.save(cached)
    else:
        snapshot.path_for(organization_id).unlink(missing_ok=True)
