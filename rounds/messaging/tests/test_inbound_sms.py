"""Inbound texts through the provider webhook: signed, routed to their candidate and thread,
on the timeline; a reply stops sequences and opens a respond-now item; STOP opts out with one
confirmation; a bad signature is refused and logged; an unknown sender waits unmatched."""

import pytest

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import current_consent, do_create_candidate
from rounds.candidates.choices import ConsentBasis
from rounds.followups.choices import FollowUpKind, FollowUpStatus
from rounds.followups.models import FollowUp
from rounds.outreach import sequences
from rounds.outreach.choices import EnrollmentStatus, StopReason

from .. import delivery, outbox
from ..choices import (
    Direction,
    MessageKind,
    MessageStatus,
    WebhookOutcome,
    WebhookSource,
)
from ..models import Message, OutreachSettings, WebhookEvent
from ..testing import ACCOUNT_SID, AUTH_TOKEN, twilio_signature
from ..views.hooks_inbound import EMPTY_TWIML
from .conftest import NOON_EDMONTON

PATH = "/hooks/sms/inbound/"
URL = f"http://testserver{PATH}"
SHARED_NUMBER = "+15875550100"
AMARA = "+14035550142"


@pytest.fixture
def signed(settings):
    settings.SMS_AUTH_TOKEN = AUTH_TOKEN
    settings.SMS_FROM_NUMBER = SHARED_NUMBER


_sids = iter(range(1, 10_000))


def params_for(body: str, *, sender: str = AMARA, to: str = SHARED_NUMBER, sid: str = "") -> dict:
    return {"MessageSid": sid or f"SMin{next(_sids):030d}", "AccountSid": ACCOUNT_SID,
            "From": sender, "To": to, "Body": body, "NumMedia": "0"}


def post_sms(client, params: dict, *, signature: str | None = None):
    if signature is None:
        signature = twilio_signature(URL, params, AUTH_TOKEN)
    return client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)


def inbound(candidate=None):
    qs = Message.objects.filter(direction=Direction.INBOUND)
    return qs.filter(candidate=candidate) if candidate is not None else qs


def confirmations(candidate):
    return Message.objects.filter(candidate=candidate, kind=MessageKind.OPT_OUT_CONFIRMATION)


@pytest.fixture
def texted(reachable, application, sms_provider):
    """Amara was sent a text about the Red Deer job (through the provider stand-in), and is in
    a sequence that would call her in two days."""
    # The `application` fixture is the conftest candidate; put Amara in the same job.
    from rounds.pipeline.actions import do_add_to_pipeline

    app = do_add_to_pipeline(reachable, application.job, actor=application.job.owner)
    message = outbox.queue_message(
        reachable, channel="sms", body="Hi Amara, a family practice in Red Deer: you, or "
        "someone you know?", idempotency_key="first-text", application=app, at=NOON_EDMONTON,
            purpose="outreach.message",
    )
    assert delivery.drain(now=NOON_EDMONTON) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    sequence = sequences.do_create_sequence(
        reachable.organization, name="Follow up", actor=application.job.owner,
        steps=[{"action": "call_task", "delay_hours": 48, "note": "Call about Red Deer"}],
    )
    sequences.do_enroll(sequence, reachable, actor=application.job.owner, application=app)
    return message


def test_reply_finds_its_thread_lands_on_timeline_stops_sequences_opens_respond_now(
    client, signed, texted, reachable
):
    response = post_sms(client, params_for("Yes — I could talk Thursday after 5"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.decode() == EMPTY_TWIML
    reply = inbound(reachable).get()
    assert reply.status == MessageStatus.RECEIVED
    assert reply.thread_id == texted.thread_id
    assert reply.application_id == texted.application_id
    assert reply.from_address == AMARA
    assert reply.received_at is not None
    activity = Activity.objects.get(candidate=reachable, kind=ActivityKind.SMS, direction="in")
    assert activity.body == "Yes — I could talk Thursday after 5"
    assert activity.application_id == texted.application_id
    enrollment = reachable.enrollments.get()
    assert enrollment.status == EnrollmentStatus.STOPPED
    assert enrollment.stop_reason == StopReason.REPLIED
    item = FollowUp.objects.get(candidate=reachable)
    assert item.kind == FollowUpKind.REPLY and item.status == FollowUpStatus.OPEN
    assert item.message_id == reply.pk
    event = WebhookEvent.objects.get(source=WebhookSource.SMS_INBOUND)
    assert event.outcome == WebhookOutcome.ACCEPTED
    assert event.message_id == reply.pk and event.organization_id == reachable.organization_id
    assert event.event_id == reply.provider_id


# The spellings in the issue and COMPLIANCE.md, through the real webhook.
WEBHOOK_STOPS = ["STOP", "Stop!", "stop please", "Please STOP texting me.", "UNSUBSCRIBE",
                 "cancel", "End.", "QUIT", "revoke", "Opt out", "OPT-OUT", "ARRÊT", "arret",
                 "🛑 stop"]


@pytest.mark.parametrize("text", WEBHOOK_STOPS)
def test_stop_revokes_texts_and_confirms_exactly_once(client, signed, reachable, text):
    assert post_sms(client, params_for(text)).status_code == 200
    assert post_sms(client, params_for("STOP")).status_code == 200  # said twice

    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    confirmation = confirmations(reachable).get()
    assert confirmation.status == MessageStatus.QUEUED
    assert confirmation.to_address == AMARA
    assert inbound(reachable).count() == 2  # both on record
    assert not FollowUp.objects.filter(candidate=reachable).exists()  # not a lead


def test_stop_stops_the_sequence_as_an_opt_out(client, signed, texted, reachable):
    post_sms(client, params_for("STOP"))
    enrollment = reachable.enrollments.get()
    assert enrollment.stop_reason == StopReason.OPTED_OUT
    assert confirmations(reachable).get().thread_id == texted.thread_id


def test_ambiguous_reply_does_not_revoke_and_goes_to_a_person(client, signed, reachable):
    text = "I can't stop thinking about the Red Deer job, can we talk?"
    post_sms(client, params_for(text))

    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS
    assert not confirmations(reachable).exists()
    review = FollowUp.objects.get(candidate=reachable, kind=FollowUpKind.REVIEW)
    assert review.status == FollowUpStatus.OPEN
    assert review.owner_id == reachable.owner_id
    assert review.message.body == text
    assert "stop" in review.note.lower()
    # Still a reply: its respond-now clock runs.
    assert FollowUp.objects.filter(candidate=reachable, kind=FollowUpKind.REPLY).exists()


def test_carrier_opt_out_is_recorded_without_a_second_confirmation(client, signed, reachable):
    params = params_for("STOP")
    params["OptOutType"] = "STOP"  # the provider handled STOP and confirmed it itself
    post_sms(client, params)
    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    assert not confirmations(reachable).exists()


def test_bad_signature_is_refused_and_logged(client, signed, reachable):
    params = params_for("Yes please")
    forged = twilio_signature(URL, params, "not-the-token")
    response = post_sms(client, params, signature=forged)

    assert response.status_code == 403
    assert not inbound().exists()
    event = WebhookEvent.objects.get()
    assert event.outcome == WebhookOutcome.REFUSED
    assert event.source == WebhookSource.SMS_INBOUND
    assert "Yes please" in event.payload
    assert event.event_id == params["MessageSid"]


def test_missing_signature_and_tampered_body_are_refused(client, signed, reachable):
    params = params_for("Yes please")
    signature = twilio_signature(URL, params, AUTH_TOKEN)
    assert client.post(PATH, params).status_code == 403
    tampered = {**params, "Body": "STOP"}
    assert post_sms(client, tampered, signature=signature).status_code == 403
    assert WebhookEvent.objects.filter(outcome=WebhookOutcome.REFUSED).count() == 2
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS


def test_a_redelivered_message_is_answered_and_ignored(client, signed, reachable):
    params = params_for("Interested!")
    assert post_sms(client, params).status_code == 200
    again = post_sms(client, params)

    assert again.status_code == 200
    assert again.content.decode() == EMPTY_TWIML
    assert inbound(reachable).count() == 1
    assert FollowUp.objects.filter(candidate=reachable).count() == 1
    assert list(WebhookEvent.objects.order_by("id").values_list("outcome", flat=True)) == [
        WebhookOutcome.ACCEPTED, WebhookOutcome.DUPLICATE]


def test_a_post_without_a_sender_is_a_clear_400(client, signed, org):
    params = params_for("hello")
    del params["From"]
    response = post_sms(client, params)
    assert response.status_code == 400
    assert "From" in response.json()["error"]
    assert WebhookEvent.objects.get().outcome == WebhookOutcome.INVALID


def test_get_is_not_allowed(client, signed):
    assert client.get(PATH).status_code == 405


def test_a_candidate_with_that_phone_is_found_without_an_earlier_text(
    client, signed, org, reachable
):
    OutreachSettings.objects.filter(organization=org).delete()
    OutreachSettings.objects.create(organization=org, sms_from_number="+15875550199")
    post_sms(client, params_for("Hi, saw your posting", to="+15875550199"))
    reply = inbound(reachable).get()
    assert reply.status == MessageStatus.RECEIVED
    assert reply.thread.candidate_id == reachable.pk


def test_an_organizations_own_number_never_reaches_another_organizations_candidate(
    client, signed, org, other_org, outsider
):
    OutreachSettings.objects.create(organization=org, sms_from_number="+15875550199")
    stranger = do_create_candidate(other_org.pk, actor=outsider, first_name="Dana",
                                   last_name="Diaz", phone="+15125550123",
                                   profession="registered_nurse", country="US")
    post_sms(client, params_for("Who is this?", sender="+15125550123", to="+15875550199"))

    message = inbound().get()
    assert message.organization_id == org.pk
    assert message.status == MessageStatus.UNMATCHED
    assert message.candidate_id is None
    assert not inbound(stranger).exists()


def test_shared_number_finds_the_one_candidate_among_organizations(
    client, signed, org, other_org, outsider
):
    dana = do_create_candidate(other_org.pk, actor=outsider, first_name="Dana",
                               last_name="Diaz", phone="+15125550123",
                               profession="registered_nurse", country="US")
    post_sms(client, params_for("Still looking for ER nurses?", sender="+15125550123"))
    reply = inbound().get()
    assert reply.candidate_id == dana.pk
    assert reply.organization_id == other_org.pk


def test_unknown_sender_waits_unmatched_in_the_numbers_organization(client, signed, org):
    OutreachSettings.objects.create(organization=org, sms_from_number="+15875550199")
    post_sms(client, params_for("Is the Banff locum still open?", sender="+17805550111",
                                to="+15875550199"))
    message = inbound().get()
    assert message.status == MessageStatus.UNMATCHED
    assert message.organization_id == org.pk
    assert message.from_address == "+17805550111"
    assert message.body == "Is the Banff locum still open?"
    assert not Activity.objects.exists()
    assert WebhookEvent.objects.get().message_id == message.pk


def test_unknown_sender_with_no_organization_to_tell_is_kept_in_the_event(
    client, signed, org, other_org
):
    response = post_sms(client, params_for("Hello?", sender="+17805550111"))
    assert response.status_code == 200
    assert not inbound().exists()
    event = WebhookEvent.objects.get()
    assert event.outcome == WebhookOutcome.ACCEPTED
    assert event.organization_id is None
    assert "Hello?" in event.payload and "+17805550111" in event.payload


def _weekday_mornings(count: int) -> list:
    """The next `count` weekday mornings (10:00 Edmonton), two days out or more."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/Edmonton")
    day = datetime.now(zone).date() + timedelta(days=2)
    out = []
    while len(out) < count:
        if day.weekday() < 5:
            out.append(datetime.combine(day, time(10, 0), tzinfo=zone))
        day += timedelta(days=1)
    return out


def test_a_number_answering_proposed_times_books_the_meeting(
    client, signed, reachable, recruiter
):
    from rounds.scheduling import meetings
    from rounds.scheduling.choices import MeetingStatus

    times = _weekday_mornings(3)
    meeting = meetings.do_offer_meeting(
        reachable, organizer=recruiter, kind="call", title="Introductory call",
        proposed_times=times, send_by=None, actor=recruiter,
    )
    post_sms(client, params_for("2"))

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.BOOKED
    assert meeting.starts_at == times[1]
    assert inbound(reachable).get().body == "2"  # on the timeline like any reply
    assert not FollowUp.objects.filter(candidate=reachable).exists()


def test_a_number_without_a_proposal_is_an_ordinary_reply(client, signed, reachable):
    post_sms(client, params_for("2"))
    assert FollowUp.objects.get(candidate=reachable).kind == FollowUpKind.REPLY


def test_stop_from_an_unknown_number_suppresses_it_at_once(client, signed, org, recruiter):
    from ..models import Suppression

    OutreachSettings.objects.create(organization=org, sms_from_number="+15875550199")
    post_sms(client, params_for("STOP", sender="+17805550111", to="+15875550199"))
    assert inbound().get().status == MessageStatus.UNMATCHED
    assert Suppression.objects.get(organization=org, channel="sms").address == "+17805550111"
    # A record added later with that number is not texted.
    later = do_create_candidate(org.pk, actor=recruiter, first_name="Noor", last_name="Haddad",
                                phone="+17805550111", profession="physician", country="CA",
                                time_zone="America/Edmonton")
    from rounds.candidates.actions import do_record_consent

    do_record_consent(later, channel="sms", basis=ConsentBasis.EXPRESS, evidence="Card")
    text = outbox.queue_message(later, channel="sms", body="Hi Noor", idempotency_key="n1",
                                at=NOON_EDMONTON, purpose="outreach.message")
    assert text.status == MessageStatus.DROPPED
