"""What the pipeline keeps when a candidate is erased (registered in apps.py): their
applications stay on the anonymous tombstone, so stage counts, time in stage and source of
hire still add up, with the words written about them (next action, disposition and stage
notes) blanked; an application still open is withdrawn (`actions.do_withdraw_erased`), since
the person has left every process."""

from __future__ import annotations

from .actions import do_withdraw_erased
from .models import Application, StageChange


def count(subject) -> int:
    return Application.objects.filter(candidate_id__in=subject.ids).count()


def erase(subject) -> int:
    apps = Application.objects.filter(candidate_id__in=subject.ids)
    n = apps.count()
    do_withdraw_erased(subject.ids, subject.organization_id)
    apps.update(next_action="", next_action_due_at=None, disposition_note="")
    StageChange.objects.filter(application__candidate_id__in=subject.ids).update(note="")
    return n
