"""Inbound messages that more than one organization could own: an email is placed in the
organization its recipients name and its sender looked up only there; a person known in
several organizations is never guessed at (the message waits unmatched in each); a STOP from a
number nobody matches on a shared number is suppressed wherever that number is known; a STOP
from a merged record's old number suppresses that number too; START gives texts back."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.actions import do_create_organization
from rounds.candidates.actions import current_consent, do_create_candidate
from rounds.candidates.choices import ConsentBasis
from rounds.candidates.models import Candidate, ConsentRecord
from rounds.followups.choices import FollowUpKind
from rounds.followups.models import FollowUp

from .. import inbound, optout, outbox
from ..choices import (
    Direction,
    MessageKind,
    MessageStatus,
    SuppressionReason,
    WebhookOutcome,
)
from ..models import Message, OutreachSettings, Suppression, WebhookEvent
from ..threads import thread_for
from .test_inbound_email import email_bytes
from .test_inbound_sms import SHARED_NUMBER, params_for, post_sms, signed  # noqa: F401

PERSON = "+17805550111"  # a phone number two organizations have on record
SAME_EMAIL = "jordan.lee@example.com"
_ids = itertools.count(1)


def tomorrow_noon():
    """11:00 in Edmonton tomorrow: inside every window, after any consent recorded now."""
    day = timezone.now().date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=UTC)


def make_org(slug: str):
    org, _owner = do_create_organization(
        name=f"{slug.title()} Health", slug=slug, owner_email=f"owner@{slug}.test",
        owner_password="correct horse battery staple", owner_first_name="Oli",
        owner_last_name="Owner", country="CA", time_zone="America/Edmonton",
        postal_address=f"1 {slug.title()} Rd, Calgary, AB",
    )
    return org


def person_in(org, *, phone: str = "", email: str = "", first_name: str = "Jordan"):
    return do_create_candidate(org.pk, first_name=first_name, last_name="Lee", phone=phone,
                               email=email, profession="physician", country="CA",
                               time_zone="America/Edmonton")


def sent(candidate, channel: str, to: str, *, minutes_ago: int = 60, org=None) -> Message:
    """A message the organization sent (and that reached the person) some time ago."""
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Message.objects.create(
        organization_id=(org or candidate.organization).pk, candidate=candidate,
        thread=thread_for(candidate), channel=channel, direction=Direction.OUTBOUND,
        status=MessageStatus.SENT, to_address=to, body="Hello", idempotency_key=f"t{next(_ids)}",
        provider_id=f"<sent{next(_ids)}@rounds.test>" if channel == "email" else "",
        created_at=at, sent_at=at,
    )


def text(body: str, *, sender: str = PERSON, to: str = SHARED_NUMBER, **extra) -> Message | None:
    return inbound.receive_sms({"MessageSid": f"SMr{next(_ids):030d}", "From": sender,
                                "To": to, "Body": body, **extra})


def inbound_in(org):
    return Message.objects.filter(organization=org, direction=Direction.INBOUND)


@pytest.fixture
def shared(settings):
    settings.SMS_FROM_NUMBER = SHARED_NUMBER


@pytest.fixture
def senders(org, other_org):
    """Both organizations write from their own address."""
    OutreachSettings.objects.create(organization=org, sender_email="jobs@prairie.test")
    OutreachSettings.objects.create(organization=other_org, sender_email="jobs@lonestar.test")


@pytest.fixture
def jordan_twice(org, other_org):
    """The same person is a candidate in both organizations; the other one emailed them last."""
    here = person_in(org, email=SAME_EMAIL)
    there = person_in(other_org, email=SAME_EMAIL)
    sent(here, "email", SAME_EMAIL, minutes_ago=120)
    sent(there, "email", SAME_EMAIL, minutes_ago=5)
    return here, there


# --- Email: the organization first, then the sender inside it ---


def test_email_to_an_organizations_address_finds_the_sender_in_that_organization_only(
    senders, jordan_twice, org, other_org
):
    here, there = jordan_twice
    raw = email_bytes("My salary expectations are 400k.", to="Jobs <jobs@prairie.test>",
                      sender=f"Jordan Lee <{SAME_EMAIL}>", subject="Salary")

    message = inbound.receive_email(raw)

    assert (message.organization_id, message.candidate_id) == (org.pk, here.pk)
    assert message.status == MessageStatus.RECEIVED
    assert not inbound_in(other_org).exists()
    assert not FollowUp.objects.filter(organization=other_org).exists()
    assert FollowUp.objects.get(candidate=here).kind == FollowUpKind.REPLY


def test_a_stop_emailed_to_one_organization_opts_out_there_only(senders, jordan_twice):
    here, there = jordan_twice
    for person in (here, there):
        from rounds.candidates.actions import do_record_consent

        do_record_consent(person, channel="email", basis=ConsentBasis.EXPRESS, evidence="Card")
    inbound.receive_email(email_bytes("Unsubscribe", to="jobs@prairie.test", sender=SAME_EMAIL))

    assert current_consent(here, "email").basis == ConsentBasis.REVOKED
    assert current_consent(there, "email").basis == ConsentBasis.EXPRESS


def test_the_answered_message_is_looked_for_inside_the_named_organization(
    senders, jordan_twice, org
):
    here, there = jordan_twice
    theirs = Message.objects.filter(candidate=there, direction=Direction.OUTBOUND).get()
    raw = email_bytes("Replying here instead", to="jobs@prairie.test", sender=SAME_EMAIL,
                      in_reply_to=theirs.provider_id)
    message = inbound.receive_email(raw)
    assert message.candidate_id == here.pk


def test_an_email_to_both_organizations_is_kept_by_each(senders, jordan_twice, org, other_org):
    here, there = jordan_twice
    raw = email_bytes("Looking for locums in Alberta or Texas", sender=SAME_EMAIL,
                      to="jobs@prairie.test, jobs@lonestar.test")
    inbound.receive_email(raw)
    assert inbound_in(org).get().candidate_id == here.pk
    assert inbound_in(other_org).get().candidate_id == there.pk
    assert inbound_in(other_org).get().to_address == "jobs@lonestar.test"


def test_mail_naming_no_organization_from_a_person_known_in_two_is_not_guessed(
    jordan_twice, org, other_org
):
    raw = email_bytes("Any news?", to="jordan.lee@gmail.example", sender=SAME_EMAIL)

    message = inbound.receive_email(raw)

    assert message is not None
    for organization in (org, other_org):
        kept = inbound_in(organization).get()
        assert kept.status == MessageStatus.UNMATCHED and kept.candidate_id is None
        assert kept.body == "Any news?"
    assert not FollowUp.objects.exists()


def test_mail_naming_no_organization_waits_where_the_address_was_written_to(
    org, other_org
):
    # The record was erased or its address changed; the organization's sent mail remembers it.
    former = person_in(other_org, email="old.address@example.com")
    sent(former, "email", SAME_EMAIL)
    inbound.receive_email(email_bytes("Still hiring?", to="x@gmail.example", sender=SAME_EMAIL))
    assert inbound_in(other_org).get().status == MessageStatus.UNMATCHED
    assert not inbound_in(org).exists()


def test_mail_naming_no_organization_from_someone_known_in_one_is_matched(org, other_org):
    here = person_in(org, email=SAME_EMAIL)
    message = inbound.receive_email(email_bytes("Hello again", to="x@gmail.example",
                                                sender=SAME_EMAIL))
    assert message.candidate_id == here.pk


# --- Texts nobody matches on a shared number ---


def test_stop_from_a_person_known_in_two_organizations_is_suppressed_in_both(
    shared, org, other_org
):
    unrelated = make_org("coastal")
    here = person_in(org, phone=PERSON)
    there = person_in(other_org, phone=PERSON)

    message = text("STOP")

    assert message is not None
    for organization in (org, other_org):
        kept = inbound_in(organization).get()
        assert kept.status == MessageStatus.UNMATCHED and kept.body == "STOP"
        suppression = Suppression.objects.get(organization=organization, channel="sms")
        assert (suppression.address, suppression.reason) == (PERSON, SuppressionReason.STOP)
    assert not inbound_in(unrelated).exists()
    assert not Suppression.objects.filter(organization=unrelated).exists()
    from rounds.candidates.actions import do_record_consent

    for person in (here, there):
        do_record_consent(person, channel="sms", basis=ConsentBasis.EXPRESS, evidence="Card")
        later = outbox.queue_message(person, channel="sms", body="Hi", idempotency_key="x",
                                     at=tomorrow_noon(), purpose="outreach.message")
        assert later.status == MessageStatus.DROPPED


def test_stop_on_a_shared_number_reaches_its_owner_and_whoever_knows_the_number(
    shared, org, other_org
):
    owner = make_org("coastal")
    OutreachSettings.objects.create(organization=owner, sms_from_number=SHARED_NUMBER)
    unrelated = make_org("northern")
    person_in(org, phone=PERSON)
    person_in(other_org, phone=PERSON)

    text("stop")

    suppressed = set(Suppression.objects.filter(address=PERSON).values_list("organization_id",
                                                                             flat=True))
    assert suppressed == {owner.pk, org.pk, other_org.pk}
    assert unrelated.pk not in set(Message.objects.values_list("organization_id", flat=True))


def test_stop_from_a_number_an_organization_once_texted_is_suppressed_there(
    shared, org, other_org
):
    # Nobody has the number on record any more, but this organization texted it.
    moved = person_in(org, phone="+17805550999")
    sent(moved, "sms", PERSON)

    message = text("Stop texting me")

    assert message.organization_id == org.pk and message.status == MessageStatus.UNMATCHED
    assert Suppression.objects.get(address=PERSON).organization_id == org.pk


def test_a_reply_from_a_person_known_in_two_organizations_waits_in_both_inboxes(
    shared, org, other_org, login, recruiter, outsider
):
    person_in(org, phone=PERSON)
    person_in(other_org, phone=PERSON)

    text("YES")

    for user, organization in ((recruiter, org), (outsider, other_org)):
        kept = inbound_in(organization).get()
        assert kept.status == MessageStatus.UNMATCHED
        page = login(user).get(reverse("messaging:inbox")).content.decode()
        assert PERSON in page or "YES" in page
    # Nobody's to guess which organization answers: no courtesy reply goes out.
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
    assert not Suppression.objects.exists()


def test_a_stranger_no_organization_knows_stays_in_the_webhook_event(
    client, signed, org, other_org  # noqa: F811
):
    post_sms(client, params_for("STOP", sender=PERSON))
    assert not Message.objects.exists() and not Suppression.objects.exists()
    event = WebhookEvent.objects.get()
    assert event.outcome == WebhookOutcome.ACCEPTED and event.organization_id is None
    assert "kept only here" in event.detail and PERSON in event.payload


# --- A merged record's old number ---


@pytest.fixture
def merged_old_number(reachable, org):
    """Amara had a second record with her old number; it was texted, then merged into hers."""
    OutreachSettings.objects.create(organization=org, sms_from_number="+15875550199")
    old = person_in(org, phone="+14035550177", first_name="Amara")
    sent(old, "sms", "+14035550177")
    Candidate.objects.filter(pk=old.pk).update(merged_into=reachable)
    return "+14035550177"


def test_stop_from_a_merged_records_old_number_suppresses_that_number_too(
    merged_old_number, reachable, org
):
    message = text("STOP", sender=merged_old_number, to="+15875550199")

    assert message.candidate_id == reachable.pk
    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    suppressed = set(Suppression.objects.filter(organization=org, channel="sms")
                     .values_list("address", flat=True))
    assert suppressed == {"+14035550142", merged_old_number}
    # The confirmation would go to the number on record, not the one that wrote: none.
    assert not Message.objects.filter(kind=MessageKind.OPT_OUT_CONFIRMATION).exists()


# --- START and UNSTOP ---


def _confirmations_of_start(candidate):
    return Message.objects.filter(candidate=candidate, purpose=optout.OPTIN_CONFIRMATION)


@pytest.mark.parametrize("word", ["START", "unstop", "Start."])
def test_start_from_the_candidates_own_number_gives_texts_back_and_confirms_once(
    client, signed, reachable, org, word  # noqa: F811
):
    post_sms(client, params_for("STOP"))
    assert Suppression.objects.filter(organization=org, channel="sms").exists()

    post_sms(client, params_for(word))
    post_sms(client, params_for("START"))  # said twice

    record = current_consent(reachable, "sms")
    assert record.basis == ConsentBasis.EXPRESS
    assert record.evidence == f"Replied {word.upper()} on {timezone.localdate():%Y-%m-%d}"
    assert ConsentRecord.objects.filter(candidate=reachable, channel="sms",
                                        basis=ConsentBasis.EXPRESS).count() == 2  # + the card
    assert not Suppression.objects.filter(organization=org, channel="sms").exists()
    confirmation = _confirmations_of_start(reachable).get()
    assert confirmation.status == MessageStatus.QUEUED
    assert confirmation.to_address == "+14035550142"
    assert "again" in confirmation.body and "Reply STOP" in confirmation.body
    assert not FollowUp.objects.filter(candidate=reachable).exists()  # a keyword, not a lead
    later = outbox.queue_message(reachable, channel="sms", body="A locum in Banff?",
                                 idempotency_key="after-start", at=tomorrow_noon(),
                                     purpose="outreach.message")
    assert later.status == MessageStatus.QUEUED


def test_start_handled_by_the_carrier_is_recorded_without_our_confirmation(
    client, signed, reachable  # noqa: F811
):
    post_sms(client, params_for("STOP"))
    params = params_for("START")
    params["OptOutType"] = "START"
    post_sms(client, params)
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS
    assert not _confirmations_of_start(reachable).exists()


def test_start_from_another_number_gives_nothing_back(merged_old_number, reachable, org):
    text("STOP", sender="+14035550142", to="+15875550199")  # from her number on record
    message = text("START", sender=merged_old_number, to="+15875550199")

    assert message.candidate_id == reachable.pk
    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    assert Suppression.objects.filter(organization=org, address="+14035550142").exists()
    assert not _confirmations_of_start(reachable).exists()


def test_start_from_an_unknown_number_gives_nothing(shared, org):
    OutreachSettings.objects.create(organization=org, sms_from_number="+15875550199")
    text("STOP", to="+15875550199")
    text("START", to="+15875550199")
    assert Suppression.objects.filter(organization=org, address=PERSON).exists()
    assert not ConsentRecord.objects.exists()


def test_an_unmatched_start_attached_with_its_number_gives_texts_back(org, recruiter):
    OutreachSettings.objects.create(organization=org, sms_from_number="+15875550199")
    text("STOP", to="+15875550199")
    start = text("START", to="+15875550199")
    assert start.status == MessageStatus.UNMATCHED
    priya = person_in(org, email="priya@example.com", first_name="Priya")

    inbound.do_assign_inbound(start, priya, actor=recruiter, record_address=True)

    priya.refresh_from_db()
    assert priya.phone_normalized == PERSON
    assert optout.has_consent(priya, "sms")
    assert not Suppression.objects.filter(organization=org, address=PERSON).exists()
    assert _confirmations_of_start(priya).count() == 1
