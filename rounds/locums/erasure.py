"""The locum network's rows about an erased candidate stay anonymous for the fill-rate
figures (registered in apps.py): their membership ends (lists emptied, the vouching note gone),
offers and bookings lose their free text. A booking stays on its shift."""

from __future__ import annotations

from django.utils import timezone

from .models import Booking, NetworkMember, ShiftOffer


def count(subject) -> int:
    return NetworkMember.objects.filter(candidate_id__in=subject.ids).count()


def erase(subject) -> int:
    members = NetworkMember.objects.filter(candidate_id__in=subject.ids)
    for member in members:
        member.lists.clear()
        member.muted_lists.clear()
    n = members.update(vouch_note="", is_favourite=False, weekly_offer_cap=None)
    members.filter(left_on__isnull=True).update(left_on=timezone.localdate())
    ShiftOffer.objects.filter(candidate_id__in=subject.ids).update(why_channel="",
                                                                   status_reason="")
    Booking.objects.filter(candidate_id__in=subject.ids).update(cancel_reason="")
    return n
