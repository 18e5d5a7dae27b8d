"""Opting out: reading STOP in its many spellings, and what an opt-out does (revoked consent,
suppressed address, cancelled messages, stopped sequences, one confirmation text, no more)."""

import pytest

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import current_consent
from rounds.candidates.choices import CandidateStatus, ConsentBasis
from rounds.candidates.models import ConsentRecord
from rounds.outreach import sequences
from rounds.outreach.choices import EnrollmentStatus, StopReason
from rounds.outreach.models import Enrollment

from .. import optout, outbox
from ..choices import (
    MessageChannel,
    MessageKind,
    MessageStatus,
    SuppressionReason,
)
from ..models import Message, Suppression
from .conftest import NOON_EDMONTON

# Every variant named in the issue and COMPLIANCE.md: the keywords in any case, with
# punctuation, accents or emoji around them, alone or in a short reply.
STOP_REPLIES = [
    "STOP", "stop", "Stop", "Stop!", "STOP.", "stop please", "Please STOP texting me.",
    "STOPALL", "StopAll", "stop all", "UNSUBSCRIBE", "unsubscribe.", "Unsubscribe me please",
    "CANCEL", "cancel!!", "END", "end.", "QUIT", "quit?", "REVOKE", "revoke consent",
    "OPT OUT", "opt-out", "Opt out please", "OPTOUT", "ARRÊT", "arrêt", "ARRET", "arret!",
    "Arrêt svp", "🛑 STOP 🛑", "stop 🙏", "  stop  ", "«STOP»", "ｓｔｏｐ", "No. Stop.",
    # A negation counts only right before the keyword: these say no, then STOP.
    "Not interested. STOP", "Please do not text me, stop", "Dont text me anymore STOP",
    "Not interested, cancel", "Never again. Quit",
    # A keyword opening or closing a longer reply.
    "Stop texting me, I already found a job in Edmonton thanks",
    "I found a job in Edmonton, thanks for everything, please stop",
    "Unsubscribe me from all of these job messages, I am retired now",
    "Cancel please", "End all texts",
]
AMBIGUOUS_REPLIES = [
    "I can't stop thinking about the Red Deer job, can we talk?",
    "Don't stop",
    "don’t stop!",
    "Please don't cancel our call",
    "Could we end the call a little early tomorrow, around 4pm?",
    "Never quit texting me",
    "not cancel",
    # "cancel" and "end" about something else: a person reads them.
    "Cancel my interview",
    "cancel the call",
    "see you at the end of the week",
    "See you at the end",
    "End of my shift now, can we talk tomorrow?",
    "Stop by the clinic tomorrow?",
]
ORDINARY_REPLIES = [
    "Yes, I'm interested", "Call me at 3", "Weekend works", "Sounds good — when can we talk?",
    "Stopping by the clinic tomorrow", "My shift is ending at 5", "", "👍", "Who is this?",
]


@pytest.mark.parametrize("text", STOP_REPLIES)
def test_stop_variants_are_opt_outs(text):
    assert optout.is_opt_out(text)
    assert optout.classify(text) is optout.Reading.OPT_OUT


@pytest.mark.parametrize("text", AMBIGUOUS_REPLIES)
def test_long_or_negated_mentions_are_ambiguous_not_opt_outs(text):
    assert not optout.is_opt_out(text)
    assert optout.is_ambiguous(text)


@pytest.mark.parametrize("text", ORDINARY_REPLIES)
def test_ordinary_replies_are_neither(text):
    assert optout.classify(text) is optout.Reading.NONE


@pytest.mark.parametrize("text", ["START", "start", "Start.", "UNSTOP", "unstop!"])
def test_start_and_unstop_alone_are_opt_ins(text):
    assert optout.is_opt_in(text)
    assert optout.classify(text) is optout.Reading.NONE


@pytest.mark.parametrize("text", ["start me up", "When do I start?", "Yes", "STOP", ""])
def test_other_replies_are_not_opt_ins(text):
    assert not optout.is_opt_in(text)


def test_words_strip_accents_case_and_punctuation():
    assert optout.words("ARRÊT!!") == ["arret"]
    assert optout.words("Opt-Out, please.") == ["optout", "please"]
    assert optout.words("Don’t STOP 🛑") == ["dont", "stop"]


def _confirmations(candidate):
    return Message.objects.filter(candidate=candidate, kind=MessageKind.OPT_OUT_CONFIRMATION)


def test_sms_stop_revokes_suppresses_and_queues_one_confirmation(reachable, org):
    assert optout.do_opt_out(reachable, MessageChannel.SMS, via=optout.VIA_SMS, detail="“STOP”")

    record = current_consent(reachable, "sms")
    assert record.basis == ConsentBasis.REVOKED
    assert "replied to a text" in record.evidence and "STOP" in record.evidence
    suppression = Suppression.objects.get(organization=org, channel="sms")
    assert suppression.address == "+14035550142"
    assert suppression.reason == SuppressionReason.STOP
    confirmation = _confirmations(reachable).get()
    assert confirmation.channel == MessageChannel.SMS
    assert confirmation.status == MessageStatus.QUEUED
    assert confirmation.to_address == "+14035550142"
    assert "will not get more texts from Prairie Family Clinics" in confirmation.body
    assert "http" not in confirmation.body  # no links, no marketing
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS  # email untouched
    assert Activity.objects.filter(candidate=reachable, kind=ActivityKind.SYSTEM,
                                   subject="Opted out of text messages").count() == 1


def test_second_stop_changes_nothing_and_sends_no_second_confirmation(reachable):
    assert optout.do_opt_out(reachable, MessageChannel.SMS, via=optout.VIA_SMS, detail="STOP")
    assert not optout.do_opt_out(reachable, MessageChannel.SMS, via=optout.VIA_SMS,
                                 detail="stop!!")

    assert _confirmations(reachable).count() == 1
    assert ConsentRecord.objects.filter(candidate=reachable, channel="sms",
                                        basis=ConsentBasis.REVOKED).count() == 1
    assert Suppression.objects.filter(channel="sms").count() == 1
    assert Activity.objects.filter(candidate=reachable,
                                   subject="Opted out of text messages").count() == 1


def test_opt_out_cancels_waiting_messages_on_that_channel_only(reachable):
    text = outbox.queue_message(reachable, channel="sms", body="A locum in Banff?",
                                idempotency_key="t1", at=NOON_EDMONTON, purpose="outreach.message")
    mail = outbox.queue_message(reachable, channel="email", subject="Banff", body="A locum?",
                                idempotency_key="e1", at=NOON_EDMONTON, purpose="outreach.message")
    assert text.status == mail.status == MessageStatus.QUEUED

    optout.do_opt_out(reachable, MessageChannel.SMS, via=optout.VIA_SMS)

    text.refresh_from_db()
    mail.refresh_from_db()
    assert text.status == MessageStatus.CANCELLED
    assert "opted out of text messages" in text.status_reason
    assert mail.status == MessageStatus.QUEUED
    assert _confirmations(reachable).get().status == MessageStatus.QUEUED


def test_a_text_queued_after_stop_is_dropped_by_the_policy(reachable):
    optout.do_opt_out(reachable, MessageChannel.SMS, via=optout.VIA_SMS)
    later = outbox.queue_message(reachable, channel="sms", body="Still interested?",
                                 idempotency_key="t2", at=NOON_EDMONTON, purpose="outreach.message")
    assert later.status == MessageStatus.DROPPED
    assert "suppressed" in later.status_reason


def test_opt_out_stops_the_candidates_sequences(reachable, org, recruiter):
    sequence = sequences.do_create_sequence(org, name="Call them", actor=recruiter, steps=[
        {"action": "call_task", "delay_hours": 48, "note": "Call about Red Deer"},
    ])
    enrollment = sequences.do_enroll(sequence, reachable, actor=recruiter)

    optout.do_opt_out(reachable, MessageChannel.EMAIL, via=optout.VIA_ONE_CLICK)

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.STOPPED
    assert enrollment.stop_reason == StopReason.OPTED_OUT
    assert not Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE).exists()


def test_email_unsubscribe_sends_no_text(reachable, org):
    optout.do_opt_out(reachable, MessageChannel.EMAIL, via=optout.VIA_ONE_CLICK)

    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED
    assert Suppression.objects.get(organization=org, channel="email").address == (
        "amara.okafor@example.com"
    )
    assert Suppression.objects.get(channel="email").reason == SuppressionReason.UNSUBSCRIBE
    assert not _confirmations(reachable).exists()


def test_carrier_opt_out_is_recorded_without_our_confirmation(reachable):
    # The carrier (the provider's own STOP handling) confirms it itself: one text, not two.
    assert optout.do_opt_out(reachable, MessageChannel.SMS, via=optout.VIA_CARRIER)
    assert Suppression.objects.get(channel="sms").reason == SuppressionReason.CARRIER_OPT_OUT
    assert not _confirmations(reachable).exists()


def test_stop_everything_revokes_every_channel_and_keeps_status(reachable):
    assert optout.do_opt_out_everything(reachable, optout.VIA_PREFERENCES)

    for channel in ("email", "sms", "call"):
        assert current_consent(reachable, channel).basis == ConsentBasis.REVOKED
    assert set(Suppression.objects.values_list("channel", flat=True)) == {"email", "sms", "call"}
    reachable.refresh_from_db()
    assert reachable.status == CandidateStatus.PASSIVE
    assert not optout.do_opt_out_everything(reachable, optout.VIA_PREFERENCES)


def test_opt_in_after_unsubscribe_lifts_the_suppression_but_not_a_bounce(reachable, org):
    optout.do_opt_out(reachable, MessageChannel.EMAIL, via=optout.VIA_LINK)
    assert optout.do_opt_in(reachable, MessageChannel.EMAIL, via=optout.VIA_PREFERENCES,
                            evidence="Ticked yes")
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert not Suppression.objects.filter(channel="email").exists()

    Suppression.objects.create(organization=org, channel="email",
                               address="amara.okafor@example.com",
                               reason=SuppressionReason.HARD_BOUNCE)
    optout.do_opt_out(reachable, MessageChannel.EMAIL, via=optout.VIA_LINK)
    optout.do_opt_in(reachable, MessageChannel.EMAIL, via=optout.VIA_PREFERENCES,
                     evidence="Ticked yes again")
    assert Suppression.objects.get(channel="email").reason == SuppressionReason.HARD_BOUNCE


def test_the_confirmation_goes_out_once_through_the_provider(reachable, sms_provider):
    from .. import delivery

    optout.do_opt_out(reachable, MessageChannel.SMS, via=optout.VIA_SMS, detail="STOP")
    optout.do_opt_out(reachable, MessageChannel.SMS, via=optout.VIA_SMS, detail="STOP")
    # The confirmation may go at any hour (it answers the person's own STOP): the real clock.
    delivery.drain()
    delivery.drain()

    assert len(sms_provider.sent) == 1
    sent = sms_provider.sent[0]
    assert sent.to == "+14035550142"
    assert "will not get more texts" in sent.body
    assert "STOP to opt out" not in sent.body  # the bare confirmation: no footer, no links
    assert _confirmations(reachable).get().status == MessageStatus.SENT
