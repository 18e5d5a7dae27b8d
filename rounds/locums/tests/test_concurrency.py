"""A shift is never booked twice, and a member never twice at the same time, however many
acceptances arrive at once: 50 threads, each with its own database connection, on PostgreSQL
(row locks) and on SQLite (the write lock taken at BEGIN IMMEDIATE)."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from rounds.locums import actions
from rounds.locums.choices import CancelledBy, OfferStatus, ShiftStatus
from rounds.locums.models import Booking, ShiftOffer

from .test_accept import make_member, make_offer, make_shift, make_site

THREADS = 50


def run_at_once(calls):
    """Run each call in its own thread (its own connection), all released together; return
    their results, or the exception each raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as e:  # noqa: BLE001 - the test asserts there were none
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an acceptance never returned"
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_acceptances_book_the_shift_exactly_once(org, recruiter):
    site = make_site(org)
    shift = make_shift(org, site=site)
    offers = [make_offer(shift, make_member(org, recruiter, i), queue=False)
              for i in range(THREADS)]

    results = run_at_once([lambda o=o: actions.do_accept(o, via="link") for o in offers])

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    outcomes = Counter(r.outcome for r in results)
    assert outcomes == {actions.BOOKED: 1, actions.WAITLISTED: THREADS - 1}
    assert Booking.objects.filter(shift=shift).count() == 1
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.BOOKED
    winner = Booking.objects.get(shift=shift)
    assert ShiftOffer.objects.get(pk=winner.offer_id).status == OfferStatus.ACCEPTED
    # Everyone else is on the waitlist, each at their own place.
    positions = list(ShiftOffer.objects.filter(shift=shift, status=OfferStatus.WAITLISTED)
                     .values_list("waitlist_position", flat=True))
    assert sorted(positions) == list(range(1, THREADS))


@pytest.mark.django_db(transaction=True)
def test_one_member_accepting_overlapping_shifts_at_once_is_booked_once(org, recruiter):
    member = make_member(org, recruiter, 0)
    shifts = [make_shift(org, site=make_site(org, f"Site {i}"),
                         starts_in=timedelta(days=3, hours=i)) for i in range(10)]
    offers = [make_offer(s, member, queue=False) for s in shifts]

    results = run_at_once([lambda o=o: actions.do_accept(o, via="link") for o in offers])

    assert not [r for r in results if isinstance(r, Exception)]
    outcomes = Counter(r.outcome for r in results)
    assert outcomes == {actions.BOOKED: 1, actions.REFUSED: 9}
    assert Booking.objects.filter(member=member).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptances_of_a_reopened_shift_book_only_the_first_on_the_waitlist(
        org, recruiter):
    """After a cancellation the shift goes to the waitlist in order: whoever else taps an old
    link at the same moment joins the waitlist; only the reopened offer books it."""
    shift = make_shift(org, site=make_site(org))
    offers = [make_offer(shift, make_member(org, recruiter, i), queue=False)
              for i in range(THREADS)]
    booking = actions.do_accept(offers[0], via="link").booking
    for offer in offers[1:6]:  # waitlist #1..#5; the others were withdrawn when it filled
        actions.do_accept(offer, via="link")
    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER)
    first = ShiftOffer.objects.get(pk=offers[1].pk)
    assert actions.is_reopened(first)

    results = run_at_once([lambda o=o: actions.do_accept(o, via="link") for o in offers])

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    assert Counter(r.outcome for r in results) == {actions.BOOKED: 1,
                                                   actions.WAITLISTED: THREADS - 1}
    assert Booking.objects.active().get(shift=shift).offer_id == first.pk
    # Those already waiting kept their places, ahead of everyone who tapped now.
    ranks = {o.pk: actions.waitlist_rank(ShiftOffer.objects.get(pk=o.pk)) for o in offers[2:6]}
    assert ranks == {o.pk: i for i, o in enumerate(offers[2:6], start=1)}


@pytest.mark.django_db(transaction=True)
def test_an_acceptance_and_a_broadcast_reaching_the_same_member_do_not_deadlock(org, recruiter,
                                                                               monkeypatch):
    """The member is accepting shift B while shift A is broadcast to the network they are in.
    The acceptance holds the member row; the broadcast inserts the member's offer of A, whose
    foreign key takes FOR KEY SHARE on that row. With FOR UPDATE on the member that waited on
    the acceptance while the acceptance waited on the broadcast's locks: a deadlock, and a 500
    on the accept link. FOR NO KEY UPDATE lets the insert through."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite serializes writers whole (BEGIN IMMEDIATE)")
    from django.db import connections, transaction

    from rounds.locums.broadcast import do_broadcast

    site = make_site(org)
    member = make_member(org, recruiter, 0)
    broadcast_shift = make_shift(org, site=site, specialty="", status=ShiftStatus.OPEN)
    accepted_shift = make_shift(org, site=site, starts_in=timedelta(days=6), specialty="")
    offer = make_offer(accepted_shift, member, queue=False)
    member_locked, broadcast_done = threading.Event(), threading.Event()
    real_lock = actions._lock_member

    def lock_then_let_the_broadcast_run(member_id):
        locked = real_lock(member_id)
        member_locked.set()
        # Go on once the broadcast is done, or once it waits on a lock (the old behaviour:
        # going on then closes the cycle, and PostgreSQL reports the deadlock).
        for _ in range(600):
            if broadcast_done.wait(timeout=0.05) or _someone_waits_on_a_lock():
                break
        return locked

    monkeypatch.setattr(actions, "_lock_member", lock_then_let_the_broadcast_run)

    def accept():
        return actions.do_accept(offer, via="link")

    def broadcast():
        member_locked.wait(timeout=30)
        try:
            with transaction.atomic():
                return do_broadcast(broadcast_shift, actor=recruiter).offered
        finally:
            broadcast_done.set()
            connections["default"].close()

    results = run_at_once([accept, broadcast])

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert results[0].outcome == actions.BOOKED
    assert results[1] == 1
    assert ShiftOffer.objects.filter(shift=broadcast_shift, member=member).exists()


def _someone_waits_on_a_lock() -> bool:
    from django.db import connections

    # A connection of its own: the test's threads each hold theirs in a transaction.
    probe = connections.create_connection("default")
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                           "'Lock' AND datname = current_database()")
            return cursor.fetchone()[0] > 0
    finally:
        probe.close()
