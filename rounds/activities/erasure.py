"""What the timeline removes when a candidate is erased: every activity on their record
(notes, calls, meetings, messages, stage moves; registered in apps.py)."""

from __future__ import annotations

from .models import Activity


def count(subject) -> int:
    return Activity.objects.filter(candidate_id__in=subject.ids).count()


def erase(subject) -> int:
    n = count(subject)
    Activity.objects.filter(candidate_id__in=subject.ids).delete()
    return n
