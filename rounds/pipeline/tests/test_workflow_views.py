"""The workflow on the board and Today: an offered or booked call shows on the card and with the
next action; rejecting offers a kind, editable note to the candidate — offered, never sent on
its own — which goes through the outbox and the policy when the recruiter sends it."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from rounds.activities.models import Activity
from rounds.candidates.actions import do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.outreach.choices import Direction, MessageStatus
from rounds.outreach.meetings import (
    do_book,
    do_cancel,
    do_offer_meeting,
    do_reschedule,
    free_slots,
)
from rounds.outreach.models import Message
from rounds.outreach.tests.conftest import NOON_EDMONTON

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def noon():
    with time_machine.travel(NOON_EDMONTON, tick=False):
        yield


@pytest.fixture
def due_today(application):
    application.next_action_due_at = NOON_EDMONTON + timedelta(hours=2)
    application.save()
    return application


def board(client, job):
    return client.get(reverse("pipeline:board", args=[job.uuid]), **HTMX).content.decode()


def offer(application, recruiter, times=2):
    slots = free_slots(recruiter)
    return do_offer_meeting(
        application.candidate,
        organizer=recruiter,
        kind="call",
        title="Introductory call",
        proposed_times=slots[:times],
        application=application,
        send_by=None,
        actor=recruiter,
    ), slots


def test_an_offered_then_booked_call_shows_on_the_card_today_and_the_application(
    login, recruiter, due_today, job
):
    client = login(recruiter)
    assert "Phone call" not in board(client, job)
    meeting, slots = offer(due_today, recruiter)
    html = board(client, job)
    assert "Phone call offered · waiting for Amara to pick a time" in html
    assert reverse("outreach:meeting", args=[meeting.uuid]) in html
    do_book(meeting, slots[1], via="link")
    html = board(client, job)
    assert "Phone call booked · " in html and "waiting for Amara" not in html
    # The next action follows: the call, due when it starts; the one before it is done.
    before = due_today.next_action
    due_today.refresh_from_db()
    assert (due_today.next_action, due_today.next_action_due_at) == ("Introductory call", slots[1])
    assert Activity.objects.filter(application=due_today, subject=f"Done: {before}").exists()
    today = client.get(reverse("today")).content.decode()
    assert "Phone call booked · " in today
    page = client.get(reverse("pipeline:application", args=[due_today.pk])).content.decode()
    assert 'id="application-meeting"' in page and "Phone call booked · " in page
    # Moved: the next action moves with it. Cancelled: gone from the card, to be rebooked.
    do_reschedule(meeting, slots[2], actor=recruiter)
    due_today.refresh_from_db()
    assert due_today.next_action_due_at == slots[2]
    do_cancel(meeting, actor=recruiter)
    assert "Phone call" not in board(client, job)
    due_today.refresh_from_db()
    assert due_today.next_action == "Rebook: Introductory call"


def test_an_offer_whose_times_have_all_passed_is_not_shown(login, recruiter, due_today, job):
    offer(due_today, recruiter)
    with time_machine.travel(NOON_EDMONTON + timedelta(days=30), tick=False):
        assert "Phone call" not in board(login(recruiter), job)


def test_a_call_about_another_job_is_not_shown_on_this_card(
    login, recruiter, application, job, other_job
):
    from rounds.pipeline.actions import do_add_to_pipeline

    other = do_add_to_pipeline(application.candidate, other_job, actor=recruiter)
    offer(other, recruiter)
    assert "Phone call" not in board(login(recruiter), job)
    assert "Phone call offered" in board(login(recruiter), other_job)


def test_rejecting_offers_a_kind_note_and_sends_nothing(login, recruiter, application, stages, job):
    client = login(recruiter)
    html = client.post(
        reverse("pipeline:move", args=[application.pk]),
        {"stage": stages["Rejected"].pk, "reason": "position_filled"},
        **HTMX,
    ).content.decode()
    note_url = (
        reverse("outreach:compose", args=[application.candidate.uuid])
        + f"?application={application.pk}&amp;draft=rejection"
    )
    assert 'id="rejection-offer"' in html and note_url in html
    assert not Message.objects.exists()  # offered, not sent
    # Not rejecting offers nothing.
    html = client.post(
        reverse("pipeline:move", args=[application.pk]), {"stage": stages["Screened"].pk}, **HTMX
    ).content.decode()
    assert 'id="rejection-offer"' not in html


def test_rejecting_from_the_application_page_lands_on_the_offer(
    login, recruiter, application, stages
):
    client = login(recruiter)
    response = client.post(
        reverse("pipeline:move", args=[application.pk]),
        {"stage": stages["Rejected"].pk, "reason": "compensation"},
    )
    assert response["Location"] == reverse("pipeline:application", args=[application.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Let Amara know" in page and "draft=rejection" in page
    assert not Message.objects.exists()


def test_the_kind_note_is_a_draft_that_goes_through_the_outbox_and_the_policy(
    login, recruiter, application, stages, read_only
):
    from rounds.pipeline.actions import do_move_application

    do_move_application(application, stages["Rejected"], actor=recruiter, reason="position_filled")
    cand = application.candidate
    client = login(recruiter)
    url = (
        reverse("outreach:compose", args=[cand.uuid])
        + f"?application={application.pk}&draft=rejection"
    )
    html = client.get(url).content.decode()
    assert 'id="rejection-note"' in html
    assert (
        "Thank you for your time and your interest in the Family Physician — Red Deer "
        "role at Prairie Family Clinics." in html
    )
    assert "The position has now been filled." in html
    assert "you, or someone you know" not in html
    # No consent on record: the policy refuses it, and says why.
    response = client.post(
        reverse("outreach:compose", args=[cand.uuid]),
        {
            "channel": "email",
            "subject": "Thank you",
            "body": "Hi Amara, thank you.",
            "nonce": "kind-1",
            "application": application.pk,
        },
    )
    assert response.status_code == 400
    assert "No consent on record for email (CASL)" in response.content.decode()
    do_record_consent(
        cand,
        channel="email",
        basis=ConsentBasis.IMPLIED_INQUIRY,
        actor=recruiter,
        evidence="Applied through the career site",
    )
    response = client.post(
        reverse("outreach:compose", args=[cand.uuid]),
        {
            "channel": "email",
            "subject": "Thank you",
            "body": "Hi Amara, thank you.",
            "nonce": "kind-1",
            "application": application.pk,
        },
    )
    assert response.status_code == 302
    sent = Message.objects.get(direction=Direction.OUTBOUND)
    assert (sent.application, sent.status) == (application, MessageStatus.QUEUED)
    application.refresh_from_db()
    assert application.stage == stages["Rejected"]  # a note to a rejected person moves nothing
    page = client.get(reverse("pipeline:application", args=[application.pk])).content.decode()
    assert "Let Amara know" not in page  # written: no longer offered
    assert login(read_only).get(url).status_code == 403


def test_another_organizations_application_is_a_404_for_the_kind_note(
    login, outsider, application, stages
):
    from rounds.pipeline.actions import do_move_application

    do_move_application(application, stages["Rejected"], actor=None, reason="other")
    url = (
        reverse("outreach:compose", args=[application.candidate.uuid])
        + f"?application={application.pk}&draft=rejection"
    )
    assert login(outsider).get(url).status_code == 404
