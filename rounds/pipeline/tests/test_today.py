"""The Today page: next actions due, newest activity, open jobs with pipeline counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_candidates
from rounds.activities.models import Activity
from rounds.jobs.models import Job
from rounds.pipeline.actions import do_add_to_pipeline, do_set_next_action


def test_today_lists_overdue_before_due_today_with_relative_times(login, recruiter, org, job):
    overdue, soon, later = make_candidates(org, recruiter, 3, prefix="Due")
    now = timezone.now()
    for cand, delta, text in ((overdue, -timedelta(hours=3, minutes=5), "Call back Dr Due0"),
                              (soon, timedelta(hours=2, minutes=5), "Email Dr Due1"),
                              (later, timedelta(days=3), "Send package to Dr Due2")):
        app = do_add_to_pipeline(cand, job, actor=recruiter)
        do_set_next_action(app, actor=recruiter, text=text, due_at=now + delta)
    html = login(recruiter).get(reverse("today")).content.decode()
    assert "overdue by 3 h" in html
    assert "due in 2 h" in html
    assert html.index("Call back Dr Due0") < html.index("Send package to Dr Due2")
    assert "Done → set next" in html


def test_today_shows_only_my_next_actions(login, recruiter, owner, org, job):
    (mine,) = make_candidates(org, recruiter, 1, prefix="Mine")
    (theirs,) = make_candidates(org, recruiter, 1, prefix="Theirs")
    do_add_to_pipeline(mine, job, actor=recruiter, owner=recruiter,
                       next_action="Ring Mine0", next_action_due_at=timezone.now())
    do_add_to_pipeline(theirs, job, actor=recruiter, owner=owner,
                       next_action="Ring Theirs0", next_action_due_at=timezone.now())
    html = login(recruiter).get(reverse("today")).content.decode()
    assert "Ring Mine0" in html and "Ring Theirs0" not in html


def test_today_shows_recent_activity_and_open_job_counts(login, recruiter, application, job):
    html = login(recruiter).get(reverse("today")).content.decode()
    assert "Added to Family Physician — Red Deer" in html
    assert "Open jobs" in html and job.title in html


def test_done_sets_the_next_action(login, recruiter, application):
    due = (timezone.localtime(timezone.now()) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = login(recruiter).post(reverse("pipeline:complete", args=[application.pk]), {
        "next_action": "Send the contract", "next_action_due_at": due, "owner": recruiter.pk})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.next_action == "Send the contract"
    assert Activity.objects.filter(application=application, subject__startswith="Done:").exists()


def test_done_without_next_is_refused_and_keeps_what_was_typed(login, recruiter, application):
    response = login(recruiter).post(reverse("pipeline:complete", args=[application.pk]), {
        "next_action": "Half-typed plan", "next_action_due_at": "", "owner": recruiter.pk})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say when it is due." in html and "Half-typed plan" in html
    before = application.next_action
    application.refresh_from_db()
    assert application.next_action == before


def test_today_is_tenant_isolated(login, outsider, application, job):
    html = login(outsider).get(reverse("today")).content.decode()
    assert "Amara Okafor" not in html and job.title not in html


def test_hiring_manager_today_shows_only_their_jobs(login, hiring_manager, application,
                                                    other_job, job):
    html = login(hiring_manager).get(reverse("today")).content.decode()
    assert other_job.title not in html and job.title not in html and "Amara" not in html
    job.hiring_team.add(hiring_manager)
    html = login(hiring_manager).get(reverse("today")).content.decode()
    assert job.title in html and other_job.title not in html


@pytest.mark.parametrize("n", [2, 20])
def test_today_query_count_is_bounded(login, recruiter, org, n, django_assert_max_num_queries):
    jobs = [Job.objects.create(organization=org, title=f"Job {i}", profession="physician",
                               owner=recruiter) for i in range(max(2, n // 5))]
    for i, cand in enumerate(make_candidates(org, recruiter, n)):
        do_add_to_pipeline(cand, jobs[i % len(jobs)], actor=recruiter,
                           next_action=f"Step {i}", next_action_due_at=timezone.now()
                           + timedelta(hours=i - n // 2))
    client = login(recruiter)
    # 11: the page's queries, one of them the calls and interviews of every action shown.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("today"))
    assert response.status_code == 200
