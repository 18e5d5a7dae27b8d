"""An erased candidate's sequences stop (registered in apps.py); the enrolment rows, which hold
nothing personal, stay for the sequences' figures."""

from __future__ import annotations

from django.utils import timezone

from .choices import EnrollmentStatus, StopReason
from .models import Enrollment


def erase(subject) -> int:
    return Enrollment.objects.filter(
        candidate_id__in=subject.ids, status=EnrollmentStatus.ACTIVE
    ).update(status=EnrollmentStatus.STOPPED, stop_reason=StopReason.MANUAL,
             ended_at=timezone.now(), next_step_at=None)
