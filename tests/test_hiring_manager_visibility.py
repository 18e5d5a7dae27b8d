"""Hiring-manager visibility is one rule (`rounds.lib.tenancy.HiringScope`): a hiring manager sees
the jobs they are on, the applications to them, the people in those applications, and of the
rows about those people only the ones not about another job. Checked for every tenant-owned
model (by what its foreign keys point at, not by the rule itself) and on the lists they read."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from rounds.activities.models import Activity
from rounds.candidates.actions import do_create_candidate
from rounds.candidates.models import Candidate
from rounds.followups.choices import FollowUpKind
from rounds.followups.models import FollowUp
from rounds.jobs.models import Job
from rounds.lib.tenancy import HiringScope, OrgOwned, scope_of
from rounds.locums.models import NetworkMember
from rounds.matching.models import MatchFeedback
from rounds.messaging.choices import Direction, MessageStatus
from rounds.messaging.models import Message, Thread
from rounds.pipeline.actions import do_add_to_pipeline
from rounds.pipeline.models import Application
from rounds.scheduling.models import Meeting


def _rows_about(org, recruiter, candidate, application, tag):
    """One of each kind of row about a candidate: some about their application, some not."""
    Activity.objects.create(organization=org, candidate=candidate, kind="note", body=f"n {tag}")
    Activity.objects.create(organization=org, candidate=candidate, application=application,
                            kind="note", body=f"about the job {tag}")
    thread = Thread.objects.create(organization=org, candidate=candidate, application=application)
    inbound = Message.objects.create(
        organization=org, thread=thread, candidate=candidate, application=application,
        channel="email", direction=Direction.INBOUND, status=MessageStatus.RECEIVED,
        from_address=candidate.email, body="Yes", received_at=timezone.now(),
    )
    FollowUp.objects.create(organization=org, kind=FollowUpKind.REPLY, candidate=candidate,
                            message=inbound, application=application, owner=recruiter,
                            due_at=timezone.now() + timedelta(minutes=30))
    Meeting.objects.create(organization=org, candidate=candidate, application=application,
                           organizer=recruiter, title=f"Call {tag}",
                           proposed_times=[(timezone.now() + timedelta(days=2)).isoformat()])
    NetworkMember.objects.create(organization=org, candidate=candidate, vouched_by=recruiter)
    MatchFeedback.objects.create(organization=org, candidate=candidate, job=application.job,
                                 source="thumbs_up")


@pytest.fixture
def scene(org, recruiter, hiring_manager, candidate):
    """Amara in the manager's job, Bea in another job, Cal in none; Amara also in the other
    job (so rows about that application are hidden from the manager)."""
    theirs = Job.objects.create(organization=org, title="Theirs", profession="physician")
    theirs.hiring_team.add(hiring_manager)
    other = Job.objects.create(organization=org, title="Other job", profession="physician")
    bea = do_create_candidate(org.pk, actor=recruiter, first_name="Bea", last_name="Brook",
                              email="bea@example.com", profession="physician")
    cal = do_create_candidate(org.pk, actor=recruiter, first_name="Cal", last_name="Cole",
                              email="cal@example.com", profession="physician")
    mine = do_add_to_pipeline(candidate, theirs, actor=recruiter)
    also = do_add_to_pipeline(candidate, other, actor=recruiter)
    bea_app = do_add_to_pipeline(bea, other, actor=recruiter)
    _rows_about(org, recruiter, candidate, mine, "amara")
    _rows_about(org, recruiter, bea, bea_app, "bea")
    Activity.objects.create(organization=org, candidate=candidate, application=also,
                            kind="note", body="about the other job")
    Activity.objects.create(organization=org, candidate=cal, kind="note", body="cal")
    return {"job": theirs, "other": other, "amara": candidate, "bea": bea, "cal": cal,
            "application": mine}


def _theirs(row, scene) -> bool:
    """Whether a row is the manager's, by what its foreign keys point at."""
    if isinstance(row, Candidate):
        return row.pk == scene["amara"].pk
    if isinstance(row, Job):
        return row.pk == scene["job"].pk
    for field in row._meta.concrete_fields:
        if not field.many_to_one:
            continue
        value = getattr(row, field.attname)
        if value is None:
            continue
        if field.related_model is Candidate and value != scene["amara"].pk:
            return False
        if field.related_model is Job and value != scene["job"].pk:
            return False
        if field.related_model is Application and value != scene["application"].pk:
            return False
    return True


def test_every_model_shows_a_hiring_manager_exactly_their_jobs_people(scene, org,
                                                                      hiring_manager):
    checked = 0
    for model in apps.get_models():
        if not issubclass(model, OrgOwned):
            continue
        rows = list(model.objects.filter(organization=org))
        expected = {r.pk for r in rows if _theirs(r, scene)}
        visible = set(model.objects.visible_to(hiring_manager).values_list("pk", flat=True))
        if model._meta.label in ("audit.AuditEvent", "accounts.Invitation"):
            assert visible == set()  # owners only
            continue
        assert visible == expected, model._meta.label
        checked += len(rows)
    assert checked > 40


def test_every_model_about_a_candidate_or_a_job_has_a_scope():
    for model in apps.get_models():
        if not issubclass(model, OrgOwned):
            continue
        names = {f.name for f in model._meta.get_fields()}
        if names & {"candidate", "job", "application"}:
            assert scope_of(model) != HiringScope(), model._meta.label


def test_the_lists_a_hiring_manager_reads(scene, hiring_manager, login):
    client = login(hiring_manager)
    pages = [
        "/candidates/", "/api/candidates", "/api/activities", "/jobs/", "/api/jobs/",
        "/api/pipeline/applications", "/",
        f"/jobs/{scene['job'].uuid}/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert "Bea" not in text and "Cal Cole" not in text, url
        assert "Other job" not in text, url
    for url in ("/candidates/", "/api/candidates", "/api/pipeline/applications",
                f"/jobs/{scene['job'].uuid}/"):
        assert "Amara" in client.get(url).content.decode(), url
    timeline = client.get(f"/api/candidates/{scene['amara'].uuid}/timeline").json()
    bodies = {item["body"] for item in timeline["items"]}
    assert "about the job amara" in bodies and "about the other job" not in bodies
    assert client.get(f"/api/candidates/{scene['bea'].uuid}").status_code == 404
    assert client.get(f"/jobs/{scene['other'].uuid}/").status_code == 404
