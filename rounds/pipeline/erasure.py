"""What the pipeline keeps when a candidate is erased (registered in apps.py): their
applications stay on the anonymous tombstone, so stage counts, time in stage and source of
hire still add up, with the words written about them (next action, disposition and stage
notes) blanked; an application still open is withdrawn, recorded as a stage change by no one,
since the person has left every process."""

from __future__ import annotations

from django.utils import timezone

from .choices import DispositionReason, StageKind
from .models import Application, Stage, StageChange


def count(subject) -> int:
    return Application.objects.filter(candidate_id__in=subject.ids).count()


def erase(subject) -> int:
    apps = Application.objects.filter(candidate_id__in=subject.ids)
    n = apps.count()
    now = timezone.now()
    withdrawn = (Stage.objects.filter(organization_id=subject.organization_id,
                                      kind=StageKind.WITHDRAWN).order_by("sequence", "id").first())
    if withdrawn is not None:
        for app in apps.filter(stage__kind=StageKind.ACTIVE).only("pk", "stage_id",
                                                                   "organization_id"):
            StageChange.objects.create(
                organization_id=app.organization_id, application_id=app.pk,
                from_stage_id=app.stage_id, to_stage=withdrawn, at=now,
                reason=DispositionReason.OTHER,
            )
            Application.objects.filter(pk=app.pk).update(
                stage=withdrawn, stage_entered_at=now, disposition_reason=DispositionReason.OTHER)
    apps.update(next_action="", next_action_due_at=None, disposition_note="")
    StageChange.objects.filter(application__candidate_id__in=subject.ids).update(note="")
    return n
