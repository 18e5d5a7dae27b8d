"""Meetings with an erased candidate stay for the figures, anonymous: title, place and times
offered go, one not yet held is cancelled, and the organizer's copies of the booking (which
name the candidate) are deleted (registered in apps.py). No cancellation is sent: there is no
one left to send it to."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from rounds.messaging.models import Message

from .choices import MeetingStatus
from .meetings import ORGANIZER, ORGANIZER_CANCEL
from .models import Meeting


def count(subject) -> int:
    return Meeting.objects.filter(candidate_id__in=subject.ids).count()


def erase(subject) -> int:
    rows = Meeting.objects.filter(candidate_id__in=subject.ids)
    ids = list(rows.values_list("pk", flat=True))
    if ids:
        Message.objects.filter(purpose__in=[ORGANIZER, ORGANIZER_CANCEL],
                               ref_id__in=ids).delete()
    now = timezone.now()
    rows.filter(Q(status=MeetingStatus.PROPOSED)
                | Q(status=MeetingStatus.BOOKED, starts_at__gt=now)).update(
        status=MeetingStatus.CANCELLED, cancelled_at=now)
    return rows.update(title="Meeting", location="", proposed_times=[])
