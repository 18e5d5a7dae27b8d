"""Sequences: steps with delays, run once however many workers, skipped when a channel isn't
allowed, stopped the moment the candidate replies or opts out; the pages to build them and to
enrol a candidate."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rounds.activities.models import Activity
from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import CandidateStatus, ConsentBasis
from rounds.followups.choices import FollowUpKind, FollowUpStatus
from rounds.followups.models import FollowUp
from rounds.messaging.choices import MessageChannel, MessageStatus
from rounds.messaging.models import Message

from .. import sequences
from ..choices import EnrollmentStatus, StopReason
from ..models import Enrollment, MessageTemplate, Sequence
from .conftest import MIDNIGHT_EDMONTON, NOON_EDMONTON

CONSENTED = datetime(2026, 1, 10, tzinfo=UTC)


@pytest.fixture
def templates(org, recruiter):
    email = MessageTemplate.objects.create(
        organization=org, name="First note", channel=MessageChannel.EMAIL,
        subject="{{ candidate.name }}, a question",
        body="Hi {{ candidate.name }}, you, or someone you know? — {{ sender.name }}",
    )
    sms = MessageTemplate.objects.create(
        organization=org, name="Text nudge", channel=MessageChannel.SMS,
        body="Hi {{ candidate.name }}, it's {{ sender.first_name }}: a 10-minute call this week?",
    )
    return {"email": email, "sms": sms}


@pytest.fixture
def three_steps(org, recruiter, templates):
    """Email now, a text 3 days later if allowed, then a call task a day after that."""
    return sequences.do_create_sequence(org, name="Family medicine outreach", actor=recruiter,
                                        steps=[
        {"action": "email", "delay_hours": 0, "template": templates["email"]},
        {"action": "sms", "delay_hours": 72, "template": templates["sms"]},
        {"action": "call_task", "delay_hours": 24, "note": "Call about Red Deer"},
    ])


def email_only(org, recruiter, first="Jonah"):
    """Reachable by email; never agreed to texts."""
    cand = do_create_candidate(
        org.pk, actor=recruiter, first_name=first, last_name="Bell",
        email=f"{first.lower()}.bell@example.com", phone="+14035550177", profession="physician",
        city="Calgary", region="AB", country="CA", time_zone="America/Edmonton",
    )
    do_record_consent(cand, channel="email", basis=ConsentBasis.EXPRESS, actor=recruiter,
                      evidence="Asked at the AFP conference", obtained_at=CONSENTED)
    return cand


# --- building ---------------------------------------------------------------------------


def test_create_sequence_keeps_steps_in_order(three_steps):
    steps = list(three_steps.steps.order_by("position"))
    assert [(s.position, s.action, s.delay_hours) for s in steps] == [
        (0, "email", 0), (1, "sms", 72), (2, "call_task", 24)]


def test_message_step_needs_a_template_of_its_channel(org, recruiter, templates):
    with pytest.raises(ValidationError) as exc:
        sequences.do_create_sequence(org, name="Bad", actor=recruiter, steps=[
            {"action": "email", "delay_hours": 0, "template": templates["email"]},
            {"action": "sms", "delay_hours": 24, "template": templates["email"]},
        ])
    assert "Step 2 — template" in exc.value.message_dict["steps"][0]
    assert not Sequence.objects.filter(name="Bad").exists()


def test_other_orgs_template_is_refused(org, other_org, recruiter):
    theirs = MessageTemplate.objects.create(organization=other_org, name="Theirs", body="Hi")
    with pytest.raises(ValidationError) as exc:
        sequences.do_create_sequence(org, name="Borrowed", actor=recruiter, steps=[
            {"action": "email", "delay_hours": 0, "template": theirs.pk}])
    assert "unknown template" in exc.value.message_dict["steps"][0]


# --- enrolment ------------------------------------------------------------------------------


def test_one_active_enrolment_per_sequence_and_candidate(three_steps, reachable, recruiter):
    sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    with pytest.raises(ValidationError) as exc:
        sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    assert "already in" in exc.value.message_dict["candidate"][0]
    assert Enrollment.objects.filter(candidate=reachable).count() == 1


def test_candidate_who_opted_out_of_everything_is_refused_with_the_reason(
        three_steps, reachable, recruiter):
    reachable.status = CandidateStatus.DO_NOT_CONTACT
    reachable.save()
    with pytest.raises(ValidationError) as exc:
        sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    message = exc.value.message_dict["candidate"][0]
    assert "can't be reached" in message and "asked not to be contacted" in message
    assert not Enrollment.objects.exists()


def test_candidate_without_any_channel_is_refused(org, recruiter, templates):
    seq = sequences.do_create_sequence(org, name="Email only", actor=recruiter, steps=[
        {"action": "email", "delay_hours": 0, "template": templates["email"]}])
    nobody = do_create_candidate(org.pk, actor=recruiter, first_name="No", last_name="Address",
                                 profession="physician")
    with pytest.raises(ValidationError) as exc:
        sequences.do_enroll(seq, nobody, actor=recruiter, at=NOON_EDMONTON)
    assert "No email address on record" in exc.value.message_dict["candidate"][0]


# --- running --------------------------------------------------------------------------------


def test_steps_run_once_even_when_run_twice(three_steps, reachable, recruiter):
    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    assert sequences.run_due(now=NOON_EDMONTON) == 1
    assert sequences.run_due(now=NOON_EDMONTON) == 0
    sent = Message.objects.filter(purpose=sequences.STEP, ref_id=enrollment.pk)
    assert sent.count() == 1
    message = sent.get()
    assert message.channel == "email" and message.status == MessageStatus.QUEUED
    assert message.idempotency_key == f"seq:{enrollment.pk}:0"
    assert message.subject == "Amara, a question"
    assert message.body.startswith("Hi Amara, you, or someone you know?")


def test_a_second_worker_with_the_same_snapshot_runs_nothing(three_steps, reachable, recruiter):
    sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    # Two workers read the same due enrolment before either advanced it.
    first = Enrollment.objects.get()
    second = Enrollment.objects.get()
    steps = list(three_steps.steps.order_by("position"))
    assert sequences._run_step(first, steps, NOON_EDMONTON) == 1
    assert sequences._run_step(second, steps, NOON_EDMONTON) == 0
    assert Message.objects.count() == 1


def test_delays_are_respected(three_steps, reachable, recruiter):
    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    sequences.run_due(now=NOON_EDMONTON)
    assert sequences.run_due(now=NOON_EDMONTON + timedelta(hours=71, minutes=59)) == 0
    assert not Message.objects.filter(channel="sms").exists()
    assert sequences.run_due(now=NOON_EDMONTON + timedelta(hours=72)) == 1
    text = Message.objects.get(channel="sms")
    assert text.status == MessageStatus.QUEUED and text.ref_step == 1
    assert "it's Rita" in text.body
    enrollment.refresh_from_db()
    assert enrollment.next_position == 2
    assert enrollment.next_step_at == NOON_EDMONTON + timedelta(hours=96)


def test_sms_step_is_skipped_with_the_reason_then_the_call_task_opens(
        three_steps, org, recruiter, job):
    cand = email_only(org, recruiter)
    enrollment = sequences.do_enroll(three_steps, cand, actor=recruiter, at=NOON_EDMONTON)
    for hours in (0, 72, 96):
        assert sequences.run_due(now=NOON_EDMONTON + timedelta(hours=hours)) == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    text = Message.objects.get(purpose=sequences.STEP, ref_id=enrollment.pk, channel="sms")
    assert text.status == MessageStatus.DROPPED
    skipped = Activity.objects.get(candidate=cand, subject__startswith="Skipped step 2")
    assert "No consent on record for text messages" in skipped.subject + skipped.body
    task = FollowUp.objects.get(candidate=cand, kind=FollowUpKind.CALL_TASK)
    assert task.owner == recruiter and task.note == "Call about Red Deer"
    assert task.due_at == NOON_EDMONTON + timedelta(hours=96)


def test_completed_after_the_last_step(three_steps, reachable, recruiter):
    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    for hours in (0, 72, 96):
        sequences.run_due(now=NOON_EDMONTON + timedelta(hours=hours))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.ended_at is not None
    assert sequences.run_due(now=NOON_EDMONTON + timedelta(days=30)) == 0


def test_reply_stops_the_sequence_and_cancels_what_it_held(three_steps, reachable, recruiter):
    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter,
                                     at=MIDNIGHT_EDMONTON)
    sequences.run_due(now=MIDNIGHT_EDMONTON)
    held = Message.objects.get(purpose=sequences.STEP, ref_id=enrollment.pk)
    assert held.status == MessageStatus.HELD  # midnight in Edmonton: waits for 08:00
    # What inbound does with a reply.
    assert sequences.stop_for_candidate(reachable, StopReason.REPLIED) == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.STOPPED
    assert enrollment.stop_reason == StopReason.REPLIED and enrollment.ended_at is not None
    held.refresh_from_db()
    assert held.status == MessageStatus.CANCELLED
    assert sequences.run_due(now=MIDNIGHT_EDMONTON + timedelta(days=10)) == 0
    assert Message.objects.filter(purpose=sequences.STEP, ref_id=enrollment.pk).count() == 1
    assert sequences.stop_for_candidate(reachable, StopReason.REPLIED) == 0


def test_stop_for_candidate_stops_every_sequence_at_once(org, three_steps, reachable, recruiter,
                                                         templates):
    other = sequences.do_create_sequence(org, name="Locum list", actor=recruiter, steps=[
        {"action": "email", "delay_hours": 24, "template": templates["email"]}])
    sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    sequences.do_enroll(other, reachable, actor=recruiter, at=NOON_EDMONTON)
    assert sequences.stop_for_candidate(reachable, StopReason.OPTED_OUT) == 2
    assert not Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE).exists()


def test_inbound_text_reply_stops_the_sequence_and_opens_a_respond_now_item(
        three_steps, reachable, recruiter):
    from rounds.messaging import inbound

    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    sequences.run_due(now=NOON_EDMONTON)
    reply = inbound.receive_sms({"MessageSid": "SMreply1", "From": "+14035550142",
                                 "To": "+15875550100", "Body": "Yes — call me after 5"})
    assert reply.candidate_id == reachable.pk
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.STOPPED
    assert enrollment.stop_reason == StopReason.REPLIED
    item = FollowUp.objects.get(candidate=reachable, kind=FollowUpKind.REPLY)
    assert item.status == FollowUpStatus.OPEN and item.message == reply
    assert sequences.run_due(now=NOON_EDMONTON + timedelta(days=5)) == 0


def test_opt_out_stops_the_sequence(three_steps, reachable, recruiter):
    from rounds.messaging import optout

    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    optout.do_opt_out(reachable, "sms", via="sms", detail="STOP")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.STOPPED
    assert enrollment.stop_reason == StopReason.OPTED_OUT


def test_opted_out_of_everything_mid_sequence_stops_it(three_steps, reachable, recruiter):
    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    reachable.status = CandidateStatus.DO_NOT_CONTACT
    reachable.save()
    assert sequences.run_due(now=NOON_EDMONTON) == 1
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.STOPPED
    assert enrollment.stop_reason == StopReason.NO_CHANNEL


# --- pages ----------------------------------------------------------------------------------


def test_recruiter_creates_a_sequence_with_the_step_formset(login, recruiter, templates):
    data = {
        "name": "New grads", "topic": "jobs", "is_active": "on",
        "steps-TOTAL_FORMS": "3", "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "20",
        "steps-0-action": "email", "steps-0-delay_hours": "0",
        "steps-0-template": templates["email"].pk,
        "steps-1-action": "call_task", "steps-1-delay_hours": "48", "steps-1-note": "Ring",
        # an untouched extra row (as a browser submits it) is ignored
        "steps-2-action": "", "steps-2-delay_hours": "0",
    }
    response = login(recruiter).post(reverse("outreach:sequence_new"), data)
    assert response.status_code == 302, response.content.decode()
    seq = Sequence.objects.get(name="New grads")
    assert [s.action for s in seq.steps.order_by("position")] == ["email", "call_task"]
    page = login(recruiter).get(reverse("outreach:sequence_edit", args=[seq.pk]))
    assert page.status_code == 200 and "New grads" in page.content.decode()


def test_sequence_form_names_the_bad_step(login, recruiter, templates):
    data = {
        "name": "Wrong channel", "topic": "jobs", "is_active": "on",
        "steps-TOTAL_FORMS": "1", "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "20",
        "steps-0-action": "sms", "steps-0-delay_hours": "0",
        "steps-0-template": templates["email"].pk,
    }
    response = login(recruiter).post(reverse("outreach:sequence_new"), data)
    assert response.status_code == 400
    assert "Step 1 — template" in response.content.decode()
    assert not Sequence.objects.exists()


def test_enrol_from_the_candidate_page_and_stop(login, recruiter, three_steps, reachable):
    client = login(recruiter)
    panel = client.get(reverse("outreach:candidate_sequences", args=[reachable.uuid]),
                       HTTP_HX_REQUEST="true")
    assert "Enrol in Family medicine outreach" in panel.content.decode()
    response = client.post(reverse("outreach:sequence_enroll", args=[three_steps.pk]),
                           {"candidate": str(reachable.uuid)})
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(candidate=reachable)
    page = client.get(reverse("outreach:candidate_sequences", args=[reachable.uuid])).content
    assert b"Sequences for" in page and b"Enrol in Family medicine" not in page  # already in
    listing = client.get(reverse("outreach:sequences")).content.decode()
    assert "Family medicine outreach" in listing
    detail = client.get(reverse("outreach:sequence_edit", args=[three_steps.pk])).content
    assert b"Amara Okafor" in detail and b"step 1" in detail
    response = client.post(reverse("outreach:enrollment_stop", args=[enrollment.pk]))
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.STOPPED
    assert enrollment.stop_reason == StopReason.MANUAL


def test_enrol_refusal_is_shown(login, recruiter, three_steps, reachable):
    reachable.status = CandidateStatus.DO_NOT_CONTACT
    reachable.save()
    response = login(recruiter).post(reverse("outreach:sequence_enroll", args=[three_steps.pk]),
                                     {"candidate": str(reachable.uuid)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only 2xx: the panel shows the refusal
    assert "can&#x27;t be reached" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_outsider_gets_404_and_changes_nothing(login, outsider, three_steps, reachable,
                                               recruiter):
    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    client = login(outsider)
    assert client.get(reverse("outreach:sequence_edit", args=[three_steps.pk])).status_code == 404
    assert client.get(reverse("outreach:candidate_sequences",
                              args=[reachable.uuid])).status_code == 404
    assert client.post(reverse("outreach:sequence_edit", args=[three_steps.pk]),
                       {"name": "Hijacked"}).status_code == 404
    assert client.post(reverse("outreach:sequence_enroll", args=[three_steps.pk]),
                       {"candidate": str(reachable.uuid)}).status_code == 404
    assert client.post(reverse("outreach:enrollment_stop",
                               args=[enrollment.pk])).status_code == 404
    assert "Family medicine" not in client.get(reverse("outreach:sequences")).content.decode()
    three_steps.refresh_from_db()
    enrollment.refresh_from_db()
    assert three_steps.name == "Family medicine outreach"
    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_outsider_cannot_enrol_their_candidate_in_our_sequence(login, outsider, three_steps,
                                                               outsider_application):
    response = login(outsider).post(
        reverse("outreach:sequence_enroll", args=[three_steps.pk]),
        {"candidate": str(outsider_application.candidate.uuid)})
    assert response.status_code == 404
    assert not Enrollment.objects.exists()


def test_read_only_gets_403_on_every_post(login, read_only, three_steps, reachable, recruiter):
    enrollment = sequences.do_enroll(three_steps, reachable, actor=recruiter, at=NOON_EDMONTON)
    client = login(read_only)
    for url, data in (
        (reverse("outreach:sequence_new"), {"name": "X"}),
        (reverse("outreach:sequence_edit", args=[three_steps.pk]), {"name": "X"}),
        (reverse("outreach:sequence_enroll", args=[three_steps.pk]),
         {"candidate": str(reachable.uuid)}),
        (reverse("outreach:enrollment_stop", args=[enrollment.pk]), {}),
    ):
        assert client.post(url, data).status_code == 403, url
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert Sequence.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_run_a_step_once(org, recruiter, templates, reachable):
    import threading

    from django.db import connection

    seq = sequences.do_create_sequence(org, name="Race", actor=recruiter, steps=[
        {"action": "email", "delay_hours": 0, "template": templates["email"]},
        {"action": "sms", "delay_hours": 72, "template": templates["sms"]}])
    enrollment = sequences.do_enroll(seq, reachable, actor=recruiter, at=NOON_EDMONTON)
    start = threading.Barrier(2)
    ran = []

    def worker():
        try:
            start.wait()
            ran.append(sequences.run_due(now=NOON_EDMONTON))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ran) == [0, 1]
    assert Message.objects.filter(purpose=sequences.STEP, ref_id=enrollment.pk).count() == 1
    enrollment.refresh_from_db()
    assert enrollment.next_position == 1


def test_a_template_that_cannot_be_written_skips_the_step_with_the_reason(
    org, recruiter, reachable
):
    """A template saved before today's rules (a filter messages no longer allow) must cost its
    step, with the reason on the timeline, never fail the run again and again."""
    broken = MessageTemplate.objects.create(
        organization=org, name="Old", channel="email", subject="Hi",
        body="{{ candidate.years_experience|divisibleby:5 }}")
    sequence = sequences.do_create_sequence(org, name="Old one", actor=recruiter, steps=[
        {"action": "email", "delay_hours": 0, "template": broken},
        {"action": "call_task", "delay_hours": 0, "note": "Call"},
    ])
    enrollment = sequences.do_enroll(sequence, reachable, actor=recruiter, at=NOON_EDMONTON)
    sequences.run_due(now=NOON_EDMONTON)
    enrollment.refresh_from_db()
    assert enrollment.next_position == 1  # moved on
    assert not Message.objects.filter(purpose=sequences.STEP, ref_id=enrollment.pk).exists()
    skipped = Activity.objects.filter(candidate=reachable, subject__startswith="Skipped step 1")
    assert skipped.exists() and "can't be written" in skipped.get().subject
