"""What matching removes when a candidate is erased (registered in apps.py): their derived
profile, their row in this process's in-memory index (other processes drop it when they catch
up: the tombstone's `updated_at` moves and its rebuilt profile is not alive), and their name
in the explanations of weight changes. Match feedback stays: scores and components only."""

from __future__ import annotations

from .models import MatchProfile, WeightChange


def count(subject) -> int:
    return MatchProfile.objects.filter(candidate_id__in=subject.ids).count()


def erase(subject) -> int:
    from . import index

    n, _ = MatchProfile.objects.filter(candidate_id__in=subject.ids).delete()
    cached = index._indexes.get(subject.organization_id)
    if cached is not None:
        cached.drop(subject.ids)
    names = sorted(subject.names, key=len, reverse=True)
    for change in WeightChange.objects.filter(feedback__candidate_id__in=subject.ids):
        summary = change.summary
        for name in names:
            summary = summary.replace(name, "an erased candidate")
        if summary != change.summary:
            WeightChange.objects.filter(pk=change.pk).update(summary=summary)
    return n
