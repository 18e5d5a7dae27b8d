"""Speed-to-lead: replies and applications open a respond-now item with the organization's
target; owner and backup are alerted once before it slips and once when it has; the answer
records the response time; the Today page shows the clock."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conftest import make_candidates, make_user
from rounds.accounts.choices import Role
from rounds.activities.actions import do_add_note, do_log_call
from rounds.activities.models import Activity
from rounds.candidates.actions import do_create_candidate
from rounds.outreach import followups
from rounds.outreach.choices import (
    Direction,
    FollowUpKind,
    FollowUpStatus,
    MessageChannel,
    MessageStatus,
)
from rounds.outreach.models import FollowUp, Message, OutreachSettings
from rounds.pipeline.actions import do_add_to_pipeline

from .conftest import NOON_EDMONTON


def reply_from(candidate, body="Yes, I'm interested — call me", at=NOON_EDMONTON):
    """An inbound text from the candidate, as inbound stores a matched one."""
    return Message.objects.create(
        organization_id=candidate.organization_id, candidate=candidate,
        channel=MessageChannel.SMS, direction=Direction.INBOUND, status=MessageStatus.RECEIVED,
        body=body, from_address=candidate.phone, received_at=at, created_at=at,
        idempotency_key=f"in:sms:{uuid.uuid4().hex}",
    )


@pytest.fixture
def backup(org):
    user = make_user(org, Role.RECRUITER, "backup@prairie.test", "Bea", "Backup")
    rules = OutreachSettings.for_org(org.pk)
    rules.backup_responder = user
    rules.save()
    return user


@pytest.fixture
def owned(reachable, recruiter):
    reachable.owner = recruiter
    reachable.save()
    return reachable


# --- opening ------------------------------------------------------------------------------


def test_reply_opens_an_item_for_the_owner_with_the_target(owned, recruiter, backup):
    item = followups.open_for_reply(reply_from(owned))
    assert item.kind == FollowUpKind.REPLY and item.status == FollowUpStatus.OPEN
    assert item.owner == recruiter and item.backup == backup
    assert item.opened_at == NOON_EDMONTON
    assert item.due_at == NOON_EDMONTON + timedelta(minutes=30)


def test_a_second_reply_before_the_answer_opens_nothing_new(owned):
    first = followups.open_for_reply(reply_from(owned))
    again = followups.open_for_reply(reply_from(owned, "Also, I'm free Tuesday",
                                                at=NOON_EDMONTON + timedelta(minutes=4)))
    assert again.pk == first.pk
    assert FollowUp.objects.filter(candidate=owned).count() == 1


def test_target_is_the_organizations(org, owned):
    rules = OutreachSettings.for_org(org.pk)
    rules.respond_target_minutes = 15
    rules.save()
    item = followups.open_for_reply(reply_from(owned))
    assert item.due_at == NOON_EDMONTON + timedelta(minutes=15)


def test_owner_falls_back_to_the_application_then_the_job_owner(org, reachable, job, owner):
    application = do_add_to_pipeline(reachable, job, actor=owner, owner=owner)
    message = reply_from(reachable)
    message.application = application
    message.save()
    assert followups.open_for_reply(message).owner == owner


def test_unmatched_reply_opens_nothing(org):
    message = Message.objects.create(
        organization=org, channel=MessageChannel.SMS, direction=Direction.INBOUND,
        status=MessageStatus.UNMATCHED, body="Who is this?", received_at=NOON_EDMONTON)
    assert followups.open_for_reply(message) is None
    assert not FollowUp.objects.exists()


def test_alerts_are_scheduled_before_and_at_the_due_time(owned, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    start = timezone.now().replace(microsecond=0) + timedelta(minutes=2)
    with django_capture_on_commit_callbacks(execute=True):
        item = followups.open_for_reply(reply_from(owned, at=start))
    runs = sorted(r.run_after for r in DBTaskResult.objects.filter(
        task_path__endswith="follow_up_alerts_task"))
    # Never before what they are for (rounded up to the minute): run at the queued time, each
    # alert is due.
    soon, late = item.due_at - timedelta(minutes=10), item.due_at
    assert len(runs) == 2
    assert soon <= runs[0] < soon + timedelta(minutes=1)
    assert late <= runs[1] < late + timedelta(minutes=1)
    assert followups.alert_due(now=runs[0]) >= 1
    item.refresh_from_db()
    assert item.alerted_soon_at is not None and item.alerted_late_at is None
    assert followups.alert_due(now=runs[1]) >= 1
    item.refresh_from_db()
    assert item.alerted_late_at is not None


def test_a_delayed_sequence_step_runs_at_the_run_queued_for_it(
    owned, recruiter, django_capture_on_commit_callbacks
):
    """The run queued for a step fires at or after the step's time, and finds it due."""
    from django_tasks_db.models import DBTaskResult

    from rounds.outreach import sequences
    from rounds.outreach.actions import do_save_template
    from rounds.outreach.models import Enrollment

    template = do_save_template(owned.organization_id, actor=recruiter, name="Nudge",
                                body="Hi {{ candidate.first_name }}", channel="email",
                                subject="Hello")
    sequence = sequences.do_create_sequence(owned.organization, name="Two", actor=recruiter,
                                            steps=[{"action": "call_task", "delay_hours": 0,
                                                    "note": "Call"},
                                                   {"action": "email", "delay_hours": 1,
                                                    "template": template}])
    start = timezone.now().replace(microsecond=0) + timedelta(seconds=30)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = sequences.do_enroll(sequence, owned, actor=recruiter, at=start)
        sequences.run_due(now=start)
    enrollment.refresh_from_db()
    assert enrollment.next_position == 1
    runs = sorted(r.run_after for r in DBTaskResult.objects.filter(
        task_path__endswith="run_sequences_task"))
    step_at = enrollment.next_step_at
    assert any(step_at <= run < step_at + timedelta(minutes=1) for run in runs)
    later = next(run for run in runs if run >= step_at)
    assert sequences.run_due(now=later) == 1
    assert Enrollment.objects.get(pk=enrollment.pk).next_position == 2


def test_candidate_who_applied_opens_an_application_item(org, recruiter, job):
    applied = do_create_candidate(org.pk, actor=None, first_name="Ines", last_name="Park",
                                  email="ines@example.com", profession="physician",
                                  source="career_site")
    application = do_add_to_pipeline(applied, job, actor=recruiter)
    item = FollowUp.objects.get(candidate=applied)
    assert item.kind == FollowUpKind.APPLICATION and item.application == application
    assert item.owner == recruiter  # the job's owner, who owns the application
    assert item.due_at == item.opened_at + timedelta(minutes=30)


def test_applicants_brought_in_without_a_user_open_an_item(org, recruiter, job):
    (person,) = make_candidates(org, recruiter, 1, prefix="Api")
    do_add_to_pipeline(person, job, actor=None)
    assert FollowUp.objects.filter(candidate=person, kind=FollowUpKind.APPLICATION).exists()


def test_a_recruiter_adding_a_sourced_candidate_opens_nothing(application):
    assert not FollowUp.objects.exists()


# --- answering ----------------------------------------------------------------------------


def test_mark_responded_records_the_response_time(owned, recruiter):
    item = followups.open_for_reply(reply_from(owned))
    closed = followups.mark_responded(owned, at=NOON_EDMONTON + timedelta(minutes=12, seconds=5),
                                      actor=recruiter)
    assert closed == 1
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE
    assert item.responded_at == NOON_EDMONTON + timedelta(minutes=12, seconds=5)
    assert item.response_seconds == 725
    assert followups.mark_responded(owned, actor=recruiter) == 0


def test_logging_a_call_answers_the_reply(owned, recruiter):
    now = timezone.now()
    item = followups.open_for_reply(reply_from(owned, at=now - timedelta(minutes=7)))
    do_log_call(owned, actor=recruiter, outcome="connected", occurred_at=now)
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE and item.response_seconds == 420


def test_a_note_is_not_an_answer(owned, recruiter):
    item = followups.open_for_reply(reply_from(owned, at=timezone.now() - timedelta(minutes=3)))
    do_add_note(owned, actor=recruiter, body="Seems keen")
    item.refresh_from_db()
    assert item.status == FollowUpStatus.OPEN


def test_writing_to_the_candidate_answers_the_reply(owned, recruiter):
    from rounds.outreach.actions import do_send_message

    item = followups.open_for_reply(reply_from(owned, at=timezone.now() - timedelta(minutes=3)))
    do_send_message(owned, actor=recruiter, channel="email", subject="Re: Red Deer",
                    body="Thanks Amara — does 5:30 work for a call?", nonce="n-1")
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE and item.response_seconds >= 180


# --- alerts -------------------------------------------------------------------------------


def test_alerts_fire_once_each_to_owner_and_backup(owned, recruiter, backup):
    item = followups.open_for_reply(reply_from(owned, "Can we talk about the Red Deer job?"))
    assert followups.alert_due(now=NOON_EDMONTON + timedelta(minutes=19)) == 0
    assert mail.outbox == []

    soon = NOON_EDMONTON + timedelta(minutes=21)
    assert followups.alert_due(now=soon) == 1
    assert followups.alert_due(now=soon + timedelta(minutes=1)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == [backup.email, recruiter.email]
    assert all(m.subject.startswith("Respond now: Amara Okafor replied") for m in mail.outbox)
    assert "Red Deer job" in mail.outbox[0].body

    late = NOON_EDMONTON + timedelta(minutes=31)
    assert followups.alert_due(now=late) == 1
    assert followups.alert_due(now=late + timedelta(minutes=30)) == 0
    late_mail = [m for m in mail.outbox if m.subject.startswith("Late:")]
    assert sorted(m.to[0] for m in late_mail) == [backup.email, recruiter.email]
    assert len(mail.outbox) == 4
    item.refresh_from_db()
    assert item.alerted_soon_at == soon and item.alerted_late_at == late
    assert Activity.objects.filter(candidate=owned, subject__startswith="Late alert").count() == 1


def test_an_item_first_seen_late_gets_only_the_late_alert(owned, recruiter):
    followups.open_for_reply(reply_from(owned))
    assert followups.alert_due(now=NOON_EDMONTON + timedelta(hours=2)) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith("Late:")
    assert followups.alert_due(now=NOON_EDMONTON + timedelta(hours=3)) == 0


def test_answered_items_are_not_alerted(owned, recruiter):
    followups.open_for_reply(reply_from(owned))
    followups.mark_responded(owned, at=NOON_EDMONTON + timedelta(minutes=5), actor=recruiter)
    assert followups.alert_due(now=NOON_EDMONTON + timedelta(hours=1)) == 0
    assert mail.outbox == []


# --- figures ------------------------------------------------------------------------------


def test_stats_median_and_share_within_target(org, recruiter):
    people = make_candidates(org, recruiter, 4, prefix="Stat")
    # Answered after 5, 10, 40 and 60 minutes: median 25 min, half within the 30-minute target.
    for person, minutes in zip(people, (5, 10, 40, 60), strict=True):
        followups.open_for_reply(reply_from(person))
        followups.mark_responded(person, at=NOON_EDMONTON + timedelta(minutes=minutes))
    (waiting,) = make_candidates(org, recruiter, 1, prefix="Wait")
    followups.open_for_reply(reply_from(waiting, at=timezone.now() - timedelta(hours=1)))
    stats = followups.response_stats(org.pk)
    assert stats["count"] == 4
    assert stats["median_seconds"] == 25 * 60
    assert stats["within_target"] == 2 and stats["share_within_target"] == 0.5
    assert stats["open_now"] == 1 and stats["late_now"] == 1
    odd = followups.response_stats(org.pk, since=NOON_EDMONTON)
    assert odd["count"] == 4
    assert followups.response_stats(org.pk, since=NOON_EDMONTON + timedelta(days=1))[
        "count"] == 0


def test_stats_are_per_organization(org, other_org, recruiter):
    (person,) = make_candidates(org, recruiter, 1)
    followups.open_for_reply(reply_from(person))
    followups.mark_responded(person, at=NOON_EDMONTON + timedelta(minutes=3))
    assert followups.response_stats(other_org.pk)["count"] == 0


# --- the Today page ---------------------------------------------------------------------


def test_today_shows_the_clock_and_the_reply(login, owned, recruiter):
    opened = timezone.now() - timedelta(minutes=5)
    item = followups.open_for_reply(reply_from(owned, "Is the Red Deer job still open?",
                                               at=opened))
    html = login(recruiter).get(reverse("today")).content.decode()
    due = item.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'data-due="{due}"' in html
    assert "Respond now" in html and "Is the Red Deer job still open?" in html
    # Reply answers what they wrote (the reply page), not a first message from the record.
    assert f'href="{reverse("outreach:reply", args=[item.message.uuid])}"' in html
    assert f'href="{reverse("outreach:compose", args=[owned.uuid])}"' not in html
    assert reverse("outreach:follow_up_done", args=[item.pk]) in html
    clock = re.search(r'data-due="[^"]+"[^>]*>([-\d:]+)<', html).group(1)
    assert re.fullmatch(r"2[45]:\d\d", clock)


def test_today_shows_response_figures(login, org, recruiter, owned):
    followups.open_for_reply(reply_from(owned, at=timezone.now() - timedelta(minutes=20)))
    followups.mark_responded(owned, actor=recruiter)
    html = login(recruiter).get(reverse("today")).content.decode()
    assert "Median time to first response" in html and "20.0 min" in html
    assert "100%</strong> within target" in html


def test_today_shows_only_my_items_but_admins_see_all(login, org, recruiter, owner, owned):
    followups.open_for_reply(reply_from(owned, "Mine to answer", at=timezone.now()))
    colleague = make_user(org, Role.RECRUITER, "colleague@prairie.test", "Cole", "League")
    assert "Mine to answer" not in login(colleague).get(reverse("today")).content.decode()
    assert "Mine to answer" in login(owner).get(reverse("today")).content.decode()


def test_hiring_manager_sees_only_their_jobs_people(login, org, recruiter, hiring_manager,
                                                    owned, job):
    followups.open_for_reply(reply_from(owned, "About the job", at=timezone.now()))
    assert "About the job" not in login(hiring_manager).get(reverse("today")).content.decode()
    do_add_to_pipeline(owned, job, actor=recruiter)
    job.hiring_team.add(hiring_manager)
    assert "About the job" in login(hiring_manager).get(reverse("today")).content.decode()


def test_done_closes_the_item_from_today(login, owned, recruiter):
    item = followups.open_for_reply(reply_from(owned, at=timezone.now() - timedelta(minutes=2)))
    response = login(recruiter).post(reverse("outreach:follow_up_done", args=[item.pk]),
                                     HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""
    item.refresh_from_db()
    assert item.status == FollowUpStatus.DONE and item.response_seconds >= 120


def test_done_is_404_for_an_outsider_and_403_for_read_only(login, owned, outsider, read_only):
    item = followups.open_for_reply(reply_from(owned, at=timezone.now()))
    url = reverse("outreach:follow_up_done", args=[item.pk])
    assert login(outsider).post(url).status_code == 404
    assert login(read_only).post(url).status_code == 403
    item.refresh_from_db()
    assert item.status == FollowUpStatus.OPEN


@pytest.mark.parametrize("n", [2, 20])
def test_today_query_count_stays_bounded_with_items(login, org, recruiter, n,
                                                    django_assert_max_num_queries):
    people = make_candidates(org, recruiter, n)
    now = timezone.now()
    for i, person in enumerate(people):
        person.owner = recruiter
        person.save()
        followups.open_for_reply(reply_from(person, f"Reply {i}",
                                            at=now - timedelta(minutes=i)))
        if i % 2:
            followups.mark_responded(person, at=now)
    client = login(recruiter)
    # The Today page's own nine, plus the figures (two) and the items (one).
    with django_assert_max_num_queries(12):
        response = client.get(reverse("today"))
    html = response.content.decode()
    assert html.count('class="respond-clock') == (n + 1) // 2


def test_open_item_after_the_answer_starts_a_new_clock(owned, recruiter):
    followups.open_for_reply(reply_from(owned))
    followups.mark_responded(owned, at=NOON_EDMONTON + timedelta(minutes=5))
    later = NOON_EDMONTON + timedelta(days=1)
    second = followups.open_for_reply(reply_from(owned, "One more question", at=later))
    assert second.status == FollowUpStatus.OPEN and second.opened_at == later
    assert FollowUp.objects.filter(candidate=owned).count() == 2


def test_alert_names_times_in_the_organizations_zone(owned, recruiter):
    item = followups.open_for_reply(reply_from(owned))
    subject, body = followups.alert_text(
        FollowUp.objects.select_related("organization", "candidate", "owner", "backup",
                                        "message").get(pk=item.pk),
        late=False, now=datetime(2026, 11, 18, 18, 25, tzinfo=UTC))
    assert subject.endswith("5 min left")
    assert "target 11:30 America/Edmonton" in body
