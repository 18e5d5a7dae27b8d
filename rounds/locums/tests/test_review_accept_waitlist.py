"""After a cancellation the shift goes to the waitlist in order: only the reopened offer can
book it while it waits for an answer, everyone else who says yes joins the waitlist (keeping
their place if they had one); the reopened offer is a commercial offer of work (held for the
member's hours, never to someone who muted locums) with a time to answer by, after which the
next in line gets it; once the waitlist is used up, anyone offered the shift may take it, first
come first served."""

from datetime import timedelta

import pytest

from rounds.locums import actions
from rounds.locums.choices import CancelledBy, OfferStatus, ShiftStatus
from rounds.locums.models import Booking
from rounds.messaging.choices import MessageKind, MessageStatus, Topic
from rounds.messaging.models import Message

from .test_accept import edmonton_time, make_member, make_offer, make_shift, make_site


def reload(obj):
    obj.refresh_from_db()
    return obj


@pytest.fixture
def shift(org):
    return make_shift(org, site=make_site(org))


@pytest.fixture
def offers(shift, org, recruiter):
    return [make_offer(shift, make_member(org, recruiter, i), rank=i) for i in range(5)]


@pytest.fixture
def reopened(shift, offers):
    """Amara booked it; Bao then Chidi said yes after (waitlist #1, #2); Dana and Emeka never
    answered (withdrawn when it was filled). Amara cancels: it reopens to Bao."""
    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_accept(offers[1], via="link")
    actions.do_accept(offers[2], via="link")
    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER, reason="Sick child")
    assert actions.is_reopened(reload(offers[1]))
    return offers


def test_while_reopened_an_offer_withdrawn_when_filled_cannot_book_it(shift, reopened):
    dana = reopened[3]
    assert reload(dana).status == OfferStatus.WITHDRAWN

    result = actions.do_accept(dana, via="link")

    assert result.outcome == actions.WAITLISTED
    assert "offered to the waitlist first; you're #2" in result.message
    assert not Booking.objects.active().filter(shift=shift).exists()
    assert reload(dana).status == OfferStatus.WAITLISTED
    assert actions.is_reopened(reload(reopened[1]))  # still Bao's to take


def test_while_reopened_the_second_in_line_keeps_their_place_and_cannot_jump(shift, reopened):
    chidi = reload(reopened[2])
    place = chidi.waitlist_position

    result = actions.do_accept(chidi, via="link")

    assert result.outcome == actions.WAITLISTED and result.waitlist_position == 1
    assert reload(chidi).waitlist_position == place
    assert not Booking.objects.active().filter(shift=shift).exists()


def test_the_member_who_cancelled_joins_the_back_of_the_waitlist(shift, reopened):
    result = actions.do_accept(reload(reopened[0]), via="link")

    assert result.outcome == actions.WAITLISTED and result.waitlist_position == 2


def test_only_the_reopened_offer_books_it(shift, reopened):
    actions.do_accept(reopened[3], via="link")  # Dana: waitlisted behind Chidi

    result = actions.do_accept(reopened[1], via="link")

    assert result.outcome == actions.BOOKED
    assert Booking.objects.active().get(shift=shift).member_id == reopened[1].member_id
    assert reload(shift).status == ShiftStatus.BOOKED
    # Still in line, in order, for another cancellation.
    assert actions.waitlist_rank(reload(reopened[2])) == 1
    assert actions.waitlist_rank(reload(reopened[3])) == 2


def test_the_reopened_offer_is_a_commercial_offer_with_a_time_to_answer(shift, reopened):
    bao = reload(reopened[1])

    message = bao.message
    assert (message.kind, message.topic) == (MessageKind.COMMERCIAL, Topic.LOCUMS)
    assert message.idempotency_key.startswith("locums:reopen:")
    assert "/s/accept/" in message.body and "answer by" in message.body
    assert actions.reopen_deadline(bao) == min(
        max(bao.sent_at, message.send_after) + actions.REOPEN_WINDOW, shift.starts_at)
    assert "Answer by" in bao.status_reason


def test_a_reopened_offer_at_night_is_held_and_its_clock_starts_when_it_goes(org, recruiter):
    shift = make_shift(org, site=make_site(org), starts_in=timedelta(days=4))
    offers = [make_offer(shift, make_member(org, recruiter, i)) for i in range(3)]
    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_accept(offers[1], via="link")
    actions.do_accept(offers[2], via="link")
    night = edmonton_time(2)  # 02:00 in the members' zone

    actions.do_cancel_booking(booking, by=CancelledBy.CLINIC, reason="Paperwork", at=night)

    bao = reload(offers[1])
    assert actions.is_reopened(bao)
    assert bao.message.status == MessageStatus.HELD  # not at 02:00
    assert bao.message.send_after >= edmonton_time(8)
    assert "Held:" in bao.status_reason
    # Two hours after the cancellation Bao has not even been told: nothing lapses.
    assert actions.expire_reopened_offers(now=night + timedelta(hours=2, minutes=1)) == 0
    assert actions.is_reopened(reload(bao))
    # Two hours after it went, it has.
    assert actions.expire_reopened_offers(
        now=bao.message.send_after + actions.REOPEN_WINDOW + timedelta(minutes=1)) == 1
    assert reload(bao).status == OfferStatus.WITHDRAWN
    assert actions.is_reopened(reload(offers[2]))


def test_an_unanswered_reopened_offer_goes_to_the_next_in_line(shift, reopened):
    bao, chidi = reload(reopened[1]), reopened[2]
    late = actions.reopen_deadline(bao) + timedelta(minutes=1)

    assert actions.expire_reopened_offers(now=late) == 1
    assert actions.expire_reopened_offers(now=late) == 0  # twice changes nothing

    assert reload(bao).status == OfferStatus.WITHDRAWN and "No answer by" in bao.status_reason
    chidi = reload(chidi)
    assert actions.is_reopened(chidi) and chidi.waitlist_position is None
    assert chidi.message.idempotency_key.startswith("locums:reopen:")
    # Bao answering late joins the back of the line; Chidi's yes books it.
    assert actions.do_accept(bao, via="link", at=late).outcome == actions.WAITLISTED
    assert actions.do_accept(chidi, via="link", at=late).outcome == actions.BOOKED


def test_an_acceptance_passes_a_lapsed_reopened_offer_on_first(shift, reopened):
    late = actions.reopen_deadline(reload(reopened[1])) + timedelta(minutes=1)

    result = actions.do_accept(reopened[2], via="link", at=late)  # Chidi, next in line

    assert result.outcome == actions.BOOKED
    assert reload(reopened[1]).status == OfferStatus.WITHDRAWN


def test_a_member_who_muted_locums_is_passed_over(shift, offers):
    from rounds.candidates.models import Candidate

    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_accept(offers[1], via="link")
    actions.do_accept(offers[2], via="link")
    Candidate.objects.filter(pk=offers[1].candidate_id).update(muted_topics=[Topic.LOCUMS])

    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER)

    bao = reload(offers[1])
    assert bao.status == OfferStatus.WITHDRAWN
    assert "Not offered the reopened shift" in bao.status_reason
    assert not Message.objects.filter(candidate=bao.candidate_id,
                                      idempotency_key__startswith="locums:reopen:").exists()
    assert actions.is_reopened(reload(offers[2]))


def test_once_the_waitlist_is_used_up_anyone_offered_may_take_it_first_come(shift, reopened):
    actions.do_decline(reload(reopened[1]), via="link")  # Bao: no
    actions.do_decline(reload(reopened[2]), via="link")  # Chidi: no
    assert actions.reopened_offer(shift) is None
    assert reload(shift).status == ShiftStatus.OFFERED

    emeka = actions.do_accept(reopened[4], via="link")
    dana = actions.do_accept(reopened[3], via="link")

    assert emeka.outcome == actions.BOOKED
    assert dana.outcome == actions.WAITLISTED and "just filled" in dana.message


def test_a_member_who_cancelled_may_take_it_again_when_it_is_open(shift, offers):
    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER, reason="Changed plans")
    assert reload(offers[0]).status == OfferStatus.DECLINED

    again = actions.do_accept(reload(offers[0]), via="link")

    assert again.outcome == actions.BOOKED


def test_a_reopened_offer_lapses_when_the_shift_starts_and_nobody_else_is_offered(
        shift, reopened):
    started = shift.starts_at + timedelta(minutes=1)

    assert actions.expire_reopened_offers(now=started) == 1

    assert reload(reopened[1]).status == OfferStatus.WITHDRAWN
    assert reload(reopened[2]).status == OfferStatus.WAITLISTED  # never offered a started shift


def test_a_run_waits_for_the_reopened_offers_deadline(
    shift, offers, django_capture_on_commit_callbacks
):
    """Nobody has to tap a link for an unanswered reopened offer to move on: reopening queues a
    run for just after its deadline."""
    from django_tasks_db.models import DBTaskResult

    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_accept(offers[1], via="link")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_cancel_booking(booking, by=CancelledBy.MEMBER, reason="Sick child")
    deadline = actions.reopen_deadline(reload(offers[1]))
    runs = [r.run_after for r in DBTaskResult.objects.filter(
        task_path__endswith="expire_reopened_task")]
    assert len(runs) == 1 and deadline < runs[0] <= deadline + timedelta(minutes=1)


def test_the_clinic_cannot_cancel_a_booking_on_a_shift_under_way(login, recruiter, org):
    from django.utils import timezone

    shift = make_shift(org, site=make_site(org), starts_in=timedelta(hours=2))
    offer = make_offer(shift, make_member(org, recruiter, 0))
    booking = actions.do_accept(offer, via="link").booking
    from rounds.locums.models import Shift

    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    Booking.objects.filter(pk=booking.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    response = login(recruiter).post(
        f"/locums/shifts/{shift.uuid}/bookings/{booking.pk}/cancel/", {"reason": "x"},
        follow=True)
    assert response.status_code == 200
    assert reload(booking).status == "active"
