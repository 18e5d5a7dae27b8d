"""A shift is never booked twice, and a member never twice at the same time, however many
acceptances arrive at once: 50 threads, each with its own database connection, on PostgreSQL
(row locks) and on SQLite (the write lock taken at BEGIN IMMEDIATE)."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from rounds.locums import actions
from rounds.locums.choices import OfferStatus, ShiftStatus
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
