"""Respond-now items of an erased candidate stay for the response-time figures, anonymous:
the note goes, an open one is dismissed, and the alerts written to colleagues about them
(which name the candidate) are deleted (registered in apps.py)."""

from __future__ import annotations

from rounds.messaging.models import Message

from .actions import ALERT
from .choices import FollowUpStatus
from .models import FollowUp


def erase(subject) -> int:
    rows = FollowUp.objects.filter(candidate_id__in=subject.ids)
    ids = list(rows.values_list("pk", flat=True))
    if ids:
        Message.objects.filter(purpose=ALERT, ref_id__in=ids).delete()
    rows.filter(status=FollowUpStatus.OPEN).update(status=FollowUpStatus.DISMISSED)
    return rows.update(note="")
