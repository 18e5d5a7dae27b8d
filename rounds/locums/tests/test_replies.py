"""Answering a shift offer by text, through outreach's inbound handling: YES books (or
waitlists, and says so), NO declines, a YES to a shift that is over or cancelled gets a polite
answer, a YES from a number nobody has gets a polite "no match", and STOP still opts out."""

import logging
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from django.conf import settings
from django.utils import timezone

from rounds.locums import actions, replies
from rounds.locums.choices import OfferStatus, ShiftStatus
from rounds.locums.models import Booking
from rounds.outreach import delivery, inbound, outbox
from rounds.outreach import sms as sms_backend
from rounds.outreach.choices import (
    Direction,
    FollowUpKind,
    MessageKind,
    MessageStatus,
    SuppressionReason,
    Topic,
)
from rounds.outreach.models import FollowUp, Message, Suppression

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
                                    "interested?", idempotency_key="job-text", topic=Topic.JOBS)
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
    assert reply.to_address == UNKNOWN and reply.kind == MessageKind.TRANSACTIONAL
    assert "couldn't match this number to a shift offer" in reply.body
    assert any("YES from unknown number" in r.getMessage() for r in caplog.records)
    # The outbox worker leaves it alone (no candidate for the policy to judge)…
    delivery.drain(now=timezone.now())
    assert not sms_backend.outbox
    # …its task sends it, once.
    assert replies.send_unmatched_reply(reply.pk) == MessageStatus.SENT
    assert replies.send_unmatched_reply(reply.pk) == MessageStatus.SENT
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

    assert not unmatched_replies().exists()


def test_other_texts_from_an_unknown_number_get_no_reply(org):
    text_in("Who is this?", UNKNOWN)

    assert not unmatched_replies().exists()
