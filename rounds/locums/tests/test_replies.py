"""Answering a shift offer by text, through outreach's inbound handling: YES books (or
waitlists, and says so), NO declines, a YES to a shift that is over or cancelled gets a polite
answer, a YES from a number nobody has gets a polite "no match", and STOP still opts out."""

import logging
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from django.conf import settings
from django.utils import timezone

from rounds.followups.choices import FollowUpKind
from rounds.followups.models import FollowUp
from rounds.locums import actions, replies
from rounds.locums.broadcast import do_broadcast
from rounds.locums.choices import CancelledBy, OfferStatus, ShiftStatus
from rounds.locums.models import Booking, ShiftOffer
from rounds.messaging import delivery, inbound, outbox
from rounds.messaging import sms as sms_backend
from rounds.messaging.choices import (
    Direction,
    MessageKind,
    MessageStatus,
    SuppressionReason,
)
from rounds.messaging.models import Message, Suppression

from .test_accept import make_member, make_offer, make_shift, make_site

_sids = count(1)
UNKNOWN = "+17805550199"


def _noon(day):
    """Noon in Edmonton the day after `day`: inside every sending window."""
    return datetime(day.year, day.month, day.day, 19, 0, tzinfo=UTC) + timedelta(days=1)


def text_in(body, sender):
    return inbound.receive_sms({"MessageSid": f"SMin{next(_sids):030d}", "From": sender,
                                "To": settings.SMS_FROM_NUMBER, "Body": body})


def offered_by_text(shift, member):
    """An offer texted to the member (the broadcast's text, delivered)."""
    offer = make_offer(shift, member, channel="sms")
    delivery.drain(now=_noon(timezone.now().date()))
    offer.message.refresh_from_db()
    assert offer.message.status == MessageStatus.SENT
    return offer


@pytest.fixture
def shift(org):
    return make_shift(org, site=make_site(org))


@pytest.fixture
def amara(org, recruiter):
    return make_member(org, recruiter, 0)


@pytest.fixture
def bao(org, recruiter):
    return make_member(org, recruiter, 1)


def reply_to(inbound_message):
    return Message.objects.get(idempotency_key=f"locums:reply:{inbound_message.pk}")


@pytest.mark.parametrize("text", ["YES", "Y", "yes please", "YES!", "Oui", "oui!!", " Yes 👍",
                                  "ok I'll take it"])
def test_yes_in_its_usual_forms(text):
    assert replies.is_yes(text) and not replies.is_no(text)


@pytest.mark.parametrize("text", ["No", "no thanks", "NO.", "Non merci", "nope"])
def test_no_in_its_usual_forms(text):
    assert replies.is_no(text) and not replies.is_yes(text)


@pytest.mark.parametrize("text", ["yes but only until 5pm", "Is it still open?", "2",
                                  "yesterday", "not sure"])
def test_other_texts_are_neither(text):
    assert not replies.is_yes(text) and not replies.is_no(text)


@pytest.mark.parametrize("text", ["ok", "OK thanks", "ok great", "okay", "sure", "sure thanks",
                                  "great", "sounds good", "thanks!", "ok 👍"])
def test_an_acknowledgement_is_not_a_yes(text):
    # "ok thanks" answers a confirmation as often as an offer: never read as taking a shift.
    assert not replies.is_yes(text)


@pytest.mark.parametrize("text", ["I'll take it", "ok, I'll take it!", "Sure, I will take the "
                                  "shift", "yes I'll take it please", "Je la prends"])
def test_taking_it_in_words_is_a_yes(text):
    assert replies.is_yes(text)


def test_yes_by_text_books_the_shift(shift, amara):
    offer = offered_by_text(shift, amara)

    message = text_in("YES!", amara.candidate.phone_normalized)

    assert message.candidate_id == amara.candidate_id
    booking = Booking.objects.get(shift=shift)
    assert booking.member == amara and booking.via == "sms"
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    confirmation = Message.objects.get(idempotency_key=f"locums:booked-sms:{booking.pk}")
    assert confirmation.channel == "sms" and confirmation.kind == MessageKind.TRANSACTIONAL
    assert "you're booked" in confirmation.body
    # Answered by the booking: no respond-now item for a person.
    assert not FollowUp.objects.filter(candidate=amara.candidate).exists()


def test_yes_after_it_was_filled_is_waitlisted_and_told_by_text(shift, amara, bao):
    offered_by_text(shift, amara)
    actions.do_accept(make_offer(shift, bao, queue=False), via="link")

    text_in("yes please", amara.candidate.phone_normalized)

    assert Booking.objects.filter(shift=shift).count() == 1
    notice = Message.objects.get(candidate=amara.candidate,
                                 idempotency_key__startswith="locums:waitlisted:")
    assert notice.channel == "sms"
    assert "just filled; you're #1 on the waitlist" in notice.body


def test_yes_to_a_shift_that_started_gets_a_polite_reply(org, amara):
    started = make_shift(org, site=make_site(org), starts_in=timedelta(hours=-1))
    offered_by_text(started, amara)

    message = text_in("Y", amara.candidate.phone_normalized)

    assert not Booking.objects.exists()
    reply = reply_to(message)
    assert reply.kind == MessageKind.TRANSACTIONAL and reply.channel == "sms"
    assert "already started" in reply.body


def test_yes_to_a_cancelled_shift_gets_a_polite_reply(shift, amara, recruiter):
    offered_by_text(shift, amara)
    actions.do_cancel_shift(shift, actor=recruiter, reason="Covered internally")

    message = text_in("yes", amara.candidate.phone_normalized)

    assert "was cancelled" in reply_to(message).body
    assert not Booking.objects.exists()


def test_no_by_text_declines(shift, amara):
    offer = offered_by_text(shift, amara)

    message = text_in("No thanks", amara.candidate.phone_normalized)

    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert "thanks for letting us know" in reply_to(message).body
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OFFERED


def test_yes_to_a_job_text_is_left_to_the_recruiter(shift, amara):
    offered_by_text(shift, amara)
    job_text = outbox.queue_message(amara.candidate, channel="sms", body="A job in Red Deer: "
                                    "interested?", idempotency_key="job-text",
                                    purpose="outreach.message")
    delivery.drain(now=_noon(timezone.now().date()) + timedelta(minutes=5))
    job_text.refresh_from_db()
    assert job_text.status == MessageStatus.SENT

    text_in("Yes", amara.candidate.phone_normalized)

    assert not Booking.objects.exists()
    assert FollowUp.objects.filter(candidate=amara.candidate, kind=FollowUpKind.REPLY).exists()


def test_stop_still_opts_out_and_books_nothing(shift, amara):
    offered_by_text(shift, amara)

    text_in("STOP", amara.candidate.phone_normalized)

    assert not Booking.objects.exists()
    assert Suppression.objects.filter(address=amara.candidate.phone_normalized,
                                      reason=SuppressionReason.STOP).exists()


# --- A YES from a number nobody has ---


def unmatched_replies():
    return Message.objects.filter(direction=Direction.OUTBOUND, candidate__isnull=True,
                                  idempotency_key__startswith="locums:unknown-yes:")


def test_yes_from_an_unknown_number_gets_a_polite_reply_and_is_logged(
        org, django_capture_on_commit_callbacks, caplog):
    sms_backend.outbox.clear()
    with caplog.at_level(logging.INFO, logger="rounds.locums.replies"), \
            django_capture_on_commit_callbacks(execute=True):
        message = text_in("YES", UNKNOWN)

    assert message.status == MessageStatus.UNMATCHED  # kept in the unmatched inbox
    reply = unmatched_replies().get()
    # Asked for by the person (they texted us): no consent needed, through the outbox.
    assert reply.to_address == UNKNOWN and reply.kind == MessageKind.REQUESTED
    assert reply.purpose == "locums.courtesy" and reply.status == MessageStatus.QUEUED
    assert reply.from_address == message.to_address  # answered from the number they texted
    assert "couldn't match this number to a shift offer" in reply.body
    assert any("YES from unknown number" in r.getMessage() for r in caplog.records)
    assert delivery.drain(now=timezone.now()) == 1
    assert delivery.drain(now=timezone.now()) == 0  # sent once
    reply.refresh_from_db()
    assert reply.status == MessageStatus.SENT
    assert [t["to"] for t in sms_backend.outbox] == [UNKNOWN]
    assert "couldn't match" in sms_backend.outbox[0]["body"]


def test_an_unknown_number_is_answered_once_a_day(org):
    text_in("YES", UNKNOWN)
    text_in("yes!!", UNKNOWN)

    assert unmatched_replies().count() == 1


def test_a_suppressed_unknown_number_is_not_answered(org):
    Suppression.objects.create(organization=org, channel="sms", address=UNKNOWN,
                               reason=SuppressionReason.STOP)

    text_in("YES", UNKNOWN)

    # Written with why it can't go (after a STOP only the confirmation may be texted).
    [reply] = unmatched_replies()
    assert reply.status == MessageStatus.DROPPED and "suppressed" in reply.status_reason
    sms_backend.outbox.clear()
    delivery.drain(now=timezone.now())
    assert not sms_backend.outbox


def test_other_texts_from_an_unknown_number_get_no_reply(org):
    text_in("Who is this?", UNKNOWN)

    assert not unmatched_replies().exists()


# --- Offers as the broadcast writes them: a text answers our last text, never a guess ---


def text_member(org, recruiter, i=0):
    """A member the broadcast reaches by text (no email address)."""
    return make_member(org, recruiter, i, email=False)


def broadcast_by_text(org, recruiter, member, site_name, days):
    """A shift broadcast (rounds.locums.broadcast) that reaches `member` by text; its offer as
    the broadcast leaves it (queued, no sent_at)."""
    shift = make_shift(org, site=make_site(org, site_name), starts_in=timedelta(days=days),
                       specialty="", status=ShiftStatus.OPEN)
    do_broadcast(shift, actor=recruiter)
    offer = ShiftOffer.objects.get(shift=shift, member=member)
    assert offer.channel == "sms" and offer.sent_at is None
    return offer


_ticks = count()


def deliver():
    """Send everything due, at noon in the members' zone (inside every window), a few seconds
    at a time: the provider's rate budget lets about one text a second go."""
    noon = _noon(timezone.now().date()) + timedelta(days=1)
    for _ in range(50):
        if not delivery.drain(now=noon + timedelta(seconds=2 * next(_ticks))):
            break


def booked_sites(member):
    return sorted(b.shift.site.name for b in Booking.objects.active().filter(member=member))


def which_shift_replies(candidate):
    return Message.objects.filter(candidate=candidate,
                                  idempotency_key__startswith=replies.WHICH_KEY)


@pytest.fixture
def two_offers(org, recruiter):
    amara = text_member(org, recruiter)
    first = broadcast_by_text(org, recruiter, amara, "Lacombe Hospital", 3)
    second = broadcast_by_text(org, recruiter, amara, "Red Deer Clinic", 6)
    deliver()
    for offer in (first, second):
        offer.message.refresh_from_db()
        assert offer.message.status == MessageStatus.SENT
    return amara, first, second


def test_yes_books_the_offer_that_was_the_last_text(two_offers):
    amara, _first, second = two_offers

    text_in("YES", amara.candidate.phone_normalized)

    assert booked_sites(amara) == ["Red Deer Clinic"]
    second.refresh_from_db()
    assert second.status == OfferStatus.ACCEPTED


def test_ok_thanks_to_the_confirmation_books_nothing_more(two_offers):
    amara, first, _second = two_offers
    text_in("YES", amara.candidate.phone_normalized)
    deliver()  # the "you're booked" text goes

    message = text_in("ok thanks", amara.candidate.phone_normalized)

    assert booked_sites(amara) == ["Red Deer Clinic"]
    first.refresh_from_db()
    assert first.status == OfferStatus.QUEUED  # untouched
    # Not a yes: a person reads it; no automatic reply.
    assert FollowUp.objects.filter(candidate=amara.candidate, kind=FollowUpKind.REPLY).exists()
    assert not Message.objects.filter(idempotency_key=f"locums:reply:{message.pk}").exists()


def test_a_yes_after_the_confirmation_asks_which_shift_once_and_goes_to_a_person(two_offers):
    amara, first, _second = two_offers
    text_in("YES", amara.candidate.phone_normalized)
    deliver()

    text_in("yes", amara.candidate.phone_normalized)
    deliver()  # our question goes
    text_in("YES!!", amara.candidate.phone_normalized)

    assert booked_sites(amara) == ["Red Deer Clinic"]
    first.refresh_from_db()
    assert first.status == OfferStatus.QUEUED
    question = which_shift_replies(amara.candidate).get()  # once, not in answer to itself
    assert question.kind == MessageKind.REQUESTED and question.channel == "sms"
    assert "Which shift? Tap the link in the offer you want." in question.body
    assert FollowUp.objects.filter(candidate=amara.candidate, kind=FollowUpKind.REPLY).exists()


def test_a_yes_while_the_latest_offer_has_not_reached_them_is_not_guessed(org, recruiter):
    amara = text_member(org, recruiter)
    broadcast_by_text(org, recruiter, amara, "Lacombe Hospital", 3)
    deliver()
    broadcast_by_text(org, recruiter, amara, "Red Deer Clinic", 6)  # written, not sent yet

    text_in("Yes", amara.candidate.phone_normalized)

    assert booked_sites(amara) == []
    assert which_shift_replies(amara.candidate).count() == 1
    assert FollowUp.objects.filter(candidate=amara.candidate, kind=FollowUpKind.REPLY).exists()


def test_a_yes_after_a_waitlist_notice_books_nothing(org, recruiter):
    amara, bao = text_member(org, recruiter, 0), text_member(org, recruiter, 1)
    offer = broadcast_by_text(org, recruiter, amara, "Red Deer Clinic", 3)
    deliver()
    actions.do_accept(ShiftOffer.objects.get(shift=offer.shift, member=bao), via="link")
    text_in("yes", amara.candidate.phone_normalized)  # waitlisted, and told by text
    deliver()
    later = broadcast_by_text(org, recruiter, amara, "Lacombe Hospital", 9)
    later.message.refresh_from_db()
    ShiftOffer.objects.filter(pk=later.pk).update(status=OfferStatus.WITHDRAWN)  # not sent

    text_in("yes please", amara.candidate.phone_normalized)

    assert booked_sites(amara) == []
    assert which_shift_replies(amara.candidate).count() == 1


def test_yes_answers_the_shift_reopened_to_them_not_an_older_offer(org, recruiter):
    """The reopened offer is SENT with a sent_at; the broadcast's offer is QUEUED without one:
    ordering offers by sent_at picked a different one on PostgreSQL (NULLs first) and on
    SQLite. The last text decides, on both."""
    amara, bao = text_member(org, recruiter, 0), text_member(org, recruiter, 1)
    wanted = broadcast_by_text(org, recruiter, amara, "Red Deer Clinic", 9)
    deliver()
    booking = actions.do_accept(ShiftOffer.objects.get(shift=wanted.shift, member=bao),
                                via="link").booking
    actions.do_accept(wanted, via="link")  # Amara: waitlist #1
    older = broadcast_by_text(org, recruiter, amara, "Lacombe Hospital", 3)
    deliver()
    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER)  # reopens to Amara
    deliver()
    wanted.refresh_from_db()
    assert wanted.status == OfferStatus.SENT and wanted.sent_at is not None
    assert wanted.message.idempotency_key.startswith("locums:reopen:")
    assert wanted.message.status == MessageStatus.SENT

    text_in("YES", amara.candidate.phone_normalized)

    assert booked_sites(amara) == ["Red Deer Clinic"]
    older.refresh_from_db()
    assert older.status == OfferStatus.QUEUED


def test_no_after_a_booking_confirmation_cancels_nothing_and_goes_to_a_person(org, recruiter):
    amara = text_member(org, recruiter)
    offer = broadcast_by_text(org, recruiter, amara, "Red Deer Clinic", 3)
    deliver()
    actions.do_accept(offer, via="link")
    deliver()  # "you're booked" by text

    message = text_in("no", amara.candidate.phone_normalized)

    assert Booking.objects.active().filter(member=amara).exists()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert not Message.objects.filter(idempotency_key=f"locums:reply:{message.pk}").exists()
    assert FollowUp.objects.filter(candidate=amara.candidate, kind=FollowUpKind.REPLY).exists()


def test_no_to_the_offer_of_a_booked_shift_says_how_to_cancel(org, recruiter):
    amara = make_member(org, recruiter, 0)  # has an email: the confirmation goes there
    offer = offered_by_text(make_shift(org, site=make_site(org)), amara)
    ShiftOffer.objects.filter(pk=offer.pk).update(channel="email")  # booked by the link
    actions.do_accept(offer, via="link")

    message = text_in("no", amara.candidate.phone_normalized)

    assert Booking.objects.active().filter(member=amara).exists()
    body = reply_to(message).body
    assert "you're booked" in body and "Cancel my booking" in body and "/s/accept/" in body
