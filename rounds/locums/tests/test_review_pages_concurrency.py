"""A broadcast and an acceptance at the same time, on PostgreSQL: member M accepts shift S2
while shift S1 is being broadcast to a network that includes M. The acceptance doesn't wait
for the broadcast, neither deadlocks, both succeed.

The broadcast locks only the shift row. Locking the organization and site rows joined to it
(`select_for_update()` without `of=`) made every insert in the organization wait for the whole
broadcast (an acceptance's booking, its confirmation message: their foreign keys take FOR KEY
SHARE on the organization's row), and, with the acceptance holding M's row, deadlocked
("deadlock detected"): the broadcast's offer to M needs M's row.

The two are put in that order with events, not sleeps: the acceptance holds M's row when the
broadcast starts; the acceptance books while the broadcast holds its shift, and the broadcast
goes on only once the acceptance is done (or WAIT seconds have passed, when the acceptance is
stuck behind it: the failure). On SQLite a transaction takes the database's write lock at
BEGIN, so the two can't interleave like this: writers run one after the other, and there is
nothing to test."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models.signals import pre_save
from django.utils import timezone

from rounds.locums import actions, broadcast
from rounds.locums.choices import OfferStatus, ShiftStatus
from rounds.locums.models import Booking, Shift, ShiftOffer

from .test_fit import make_member, make_shift, make_site

WAIT = 15  # seconds: only reached when something is wrong


@pytest.mark.django_db(transaction=True)
def test_an_acceptance_during_a_broadcast_to_the_same_member_neither_waits_nor_fails(
        org, recruiter, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks interleave on PostgreSQL only; SQLite serializes writers.")
    from rounds.messaging.models import OutreachSettings

    OutreachSettings.for_org(org.pk)  # not created by both threads at once
    site = make_site(org)
    member = make_member(org, recruiter, "Amara")
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    s1 = make_shift(org, site, starts_at=start, ends_at=start + timedelta(hours=9))
    s2 = make_shift(org, site, starts_at=start + timedelta(days=3),
                    ends_at=start + timedelta(days=3, hours=9))
    with transaction.atomic():
        broadcast.do_broadcast(s2, actor=recruiter)
    offer = ShiftOffer.objects.get(shift=s2, member=member)

    accept_holds_member = threading.Event()
    broadcast_holds_shift = threading.Event()
    accept_done = threading.Event()

    def before_booking(sender, instance, **kwargs):
        # do_accept has locked the member's row; let the broadcast take its shift first.
        accept_holds_member.set()
        broadcast_holds_shift.wait(WAIT)

    real_fit = broadcast.fit_members

    def fit_after_lock(*args, **kwargs):
        broadcast_holds_shift.set()  # _broadcast calls it right after locking the shift
        out["accepted_during_broadcast"] = accept_done.wait(WAIT)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(broadcast, "fit_members", fit_after_lock)
    pre_save.connect(before_booking, sender=Booking, weak=False)
    out = {}

    def accept():
        try:
            out["accept"] = actions.do_accept(offer, via="link").outcome
        except Exception as exc:  # noqa: BLE001 - asserted below
            out["accept"] = exc
        finally:
            accept_holds_member.set()
            accept_done.set()
            connection.close()

    def run_broadcast():
        try:
            accept_holds_member.wait(WAIT)
            with transaction.atomic():
                out["broadcast"] = broadcast.do_broadcast(Shift.objects.get(pk=s1.pk),
                                                          actor=recruiter).offered
        except Exception as exc:  # noqa: BLE001 - asserted below
            out["broadcast"] = exc
        finally:
            broadcast_holds_shift.set()
            connection.close()

    threads = [threading.Thread(target=accept), threading.Thread(target=run_broadcast)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT * 3)
    finally:
        pre_save.disconnect(before_booking, sender=Booking)

    assert out == {"accept": actions.BOOKED, "broadcast": 1,
                   "accepted_during_broadcast": True}, out
    assert Shift.objects.get(pk=s2.pk).status == ShiftStatus.BOOKED
    assert Booking.objects.active().get(shift=s2).member_id == member.pk
    s1_offer = ShiftOffer.objects.get(shift=s1, member=member)
    assert s1_offer.status == OfferStatus.QUEUED and s1_offer.message_id is not None
    assert Shift.objects.get(pk=s1.pk).status == ShiftStatus.OFFERED
