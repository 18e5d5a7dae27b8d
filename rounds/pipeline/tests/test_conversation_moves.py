"""The conversation moves the pipeline: the first message sent to someone in a pipeline moves
them from Sourced to Contacted (the sender's move, the "reach out" next action done); their
reply moves them to Engaged (the system's move, with what they wrote). Each move is a
StageChange like any other; only forward, never back from a later stage."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.jobs.models import Job
from rounds.outreach.actions import do_send_message
from rounds.outreach.choices import MessageStatus
from rounds.outreach.inbound import receive_sms
from rounds.outreach.tests.conftest import MIDNIGHT_EDMONTON, NOON_EDMONTON
from rounds.pipeline import actions
from rounds.pipeline.models import Application, StageChange

NUMBER = "+15875550100"


@pytest.fixture(autouse=True)
def noon():
    with time_machine.travel(NOON_EDMONTON, tick=False):
        yield NOON_EDMONTON


@pytest.fixture
def amara(org, recruiter):
    cand = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="amara.okafor@example.com",
        phone="+14035550142",
        profession="physician",
        city="Calgary",
        region="AB",
        country="CA",
        time_zone="America/Edmonton",
        preferred_channels=["sms", "email"],
    )
    for channel in ("email", "sms"):
        do_record_consent(
            cand,
            channel=channel,
            basis=ConsentBasis.EXPRESS,
            actor=recruiter,
            evidence="Asked at the AFP conference",
        )
    return cand


@pytest.fixture
def sourced(amara, job, recruiter):
    return actions.do_add_to_pipeline(amara, job, actor=recruiter)


def moves(application):
    return list(
        StageChange.objects.filter(application=application)
        .order_by("at", "id")
        .values_list("from_stage__name", "to_stage__name", "actor_id", "note")
    )


def send(candidate, actor, application=None, nonce="n1", channel="sms"):
    return do_send_message(
        candidate,
        actor=actor,
        channel=channel,
        subject="Hello",
        body="Hi Amara — you, or someone you know?",
        application=application,
        nonce=nonce,
    )


def test_the_first_message_moves_sourced_to_contacted_and_completes_reach_out(
    sourced, amara, recruiter
):
    reach_out = sourced.next_action
    assert reach_out.startswith("Reach out")
    message = send(amara, recruiter, application=sourced)
    assert message.status == MessageStatus.QUEUED
    sourced.refresh_from_db()
    assert sourced.stage.name == "Contacted"
    assert moves(sourced)[-1] == (
        "Sourced",
        "Contacted",
        recruiter.pk,
        "Automatic: text message sent",
    )
    assert sourced.next_action == actions.DEFAULT_NEXT_ACTION["Contacted"][0]
    done = Activity.objects.get(application=sourced, kind=ActivityKind.SYSTEM)
    assert done.subject == f"Done: {reach_out}" and done.actor == recruiter
    # A second message is not a second move.
    send(amara, recruiter, application=sourced, nonce="n2")
    assert len(moves(sourced)) == 2


def test_a_message_about_no_job_moves_each_pipeline_still_at_sourced(
    sourced, amara, org, recruiter, stages
):
    other = Job.objects.create(
        organization=org,
        title="Family Physician — Lethbridge",
        profession="physician",
        owner=recruiter,
    )
    later = actions.do_add_to_pipeline(amara, other, actor=recruiter)
    actions.do_move_application(later, stages["Screened"], actor=recruiter)
    send(amara, recruiter)
    sourced.refresh_from_db()
    later.refresh_from_db()
    assert sourced.stage.name == "Contacted"
    assert later.stage.name == "Screened"  # never moved back


def test_a_message_the_policy_drops_moves_nothing(sourced, amara, recruiter):
    from rounds.outreach.models import Suppression

    Suppression.objects.create(
        organization_id=amara.organization_id,
        channel="sms",
        address=amara.phone_normalized,
        reason="stop",
    )
    with pytest.raises(ValidationError, match="suppressed"):
        send(amara, recruiter, application=sourced)
    sourced.refresh_from_db()
    assert sourced.stage.name == "Sourced"


def test_a_held_message_still_contacts(sourced, amara, recruiter):
    with time_machine.travel(MIDNIGHT_EDMONTON + timedelta(days=1), tick=False):
        message = send(amara, recruiter, application=sourced)
    assert message.status == MessageStatus.HELD
    sourced.refresh_from_db()
    assert sourced.stage.name == "Contacted"


@override_settings(SMS_FROM_NUMBER=NUMBER)
def test_a_reply_moves_the_application_to_engaged_as_the_systems_move(sourced, amara, recruiter):
    message = send(amara, recruiter, application=sourced)
    message.status = MessageStatus.SENT
    message.save()
    reply = receive_sms(
        {
            "MessageSid": "SM-reply-1",
            "From": amara.phone,
            "To": NUMBER,
            "Body": "Yes, what's the call schedule like?",
        }
    )
    assert reply.application_id == sourced.pk
    sourced.refresh_from_db()
    assert sourced.stage.name == "Engaged"
    last = moves(sourced)[-1]
    assert last[:3] == ("Contacted", "Engaged", None)
    assert last[3] == "Automatic: replied by text: “Yes, what's the call schedule like?”"
    # The same reply delivered twice moves nothing more.
    receive_sms(
        {
            "MessageSid": "SM-reply-1",
            "From": amara.phone,
            "To": NUMBER,
            "Body": "Yes, what's the call schedule like?",
        }
    )
    assert len(moves(sourced)) == 3


@override_settings(SMS_FROM_NUMBER=NUMBER)
def test_a_reply_from_someone_already_screened_stays_screened(sourced, amara, recruiter, stages):
    actions.do_move_application(sourced, stages["Screened"], actor=recruiter)
    receive_sms(
        {
            "MessageSid": "SM-reply-2",
            "From": amara.phone,
            "To": NUMBER,
            "Body": "Thanks, see you Thursday",
        }
    )
    sourced.refresh_from_db()
    assert sourced.stage.name == "Screened"
    assert moves(sourced)[-1][1] == "Screened"


@override_settings(SMS_FROM_NUMBER=NUMBER)
def test_stop_is_not_engagement(sourced, amara):
    receive_sms({"MessageSid": "SM-stop", "From": amara.phone, "To": NUMBER, "Body": "STOP"})
    sourced.refresh_from_db()
    assert sourced.stage.name == "Sourced"


def test_an_organization_without_the_stage_gets_no_automatic_move(
    sourced, amara, recruiter, stages
):
    stages["Contacted"].name = "Reached"
    stages["Contacted"].save()
    send(amara, recruiter, application=sourced)
    sourced.refresh_from_db()
    assert sourced.stage.name == "Sourced"


def test_moves_only_the_applications_the_sender_may_see(
    sourced, amara, org, hiring_manager, recruiter
):
    """A hiring manager writing to a candidate moves the pipeline of their own job only."""
    other = Job.objects.create(
        organization=org,
        title="Family Physician — Lethbridge",
        profession="physician",
        owner=recruiter,
    )
    other.hiring_team.add(hiring_manager)
    theirs = actions.do_add_to_pipeline(amara, other, actor=recruiter)
    send(amara, hiring_manager)
    assert Application.objects.get(pk=theirs.pk).stage.name == "Contacted"
    assert Application.objects.get(pk=sourced.pk).stage.name == "Sourced"
