"""The candidate detail page: what it shows, who may see it, the audit of views, query count."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from rounds.activities.actions import do_add_note, do_log_call
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates import actions
from rounds.candidates.models import Certification, Experience, Licence
from rounds.pipeline.actions import do_add_to_pipeline

pytestmark = pytest.mark.django_db


def url(candidate):
    return reverse("candidates:detail", kwargs={"uuid": candidate.uuid})


def rich(candidate, recruiter, job):
    today = date.today()
    actions.do_add_related(candidate, Licence, actor=recruiter, jurisdiction="CA-AB",
                           number="CPSA-1234", expires_on=today + timedelta(days=30))
    actions.do_add_related(candidate, Licence, actor=recruiter, jurisdiction="CA-BC",
                           number="BC-99", expires_on=today - timedelta(days=3))
    actions.do_add_related(candidate, Certification, actor=recruiter, name="ACLS")
    actions.do_add_related(candidate, Experience, actor=recruiter, employer="Foothills",
                           role="Hospitalist")
    actions.do_record_consent(candidate, channel="email", basis="implied_inquiry",
                              actor=recruiter, evidence="Applied on career site")
    do_add_to_pipeline(candidate, job, actor=recruiter)
    do_add_note(candidate, actor=recruiter, body="Prefers rural practice")
    do_log_call(candidate, actor=recruiter, outcome="connected", duration_minutes=12)


def test_detail_shows_profile_sections_and_timeline(login, recruiter, candidate, job):
    rich(candidate, recruiter, job)
    response = login(recruiter).get(url(candidate))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Amara Okafor" in html
    assert "(403) 555-0142" in html  # E.164 shown nicely
    assert "America/Edmonton" in html
    assert "CPSA-1234" in html and "expires soon" in html and "expired" in html
    assert "ACLS" in html and "Hospitalist" in html
    assert "Applied on career site" in html
    assert job.title in html and str(job.uuid) in html  # links to the job's board
    assert "Prefers rural practice" in html and "Connected" in html and "12 min" in html


def test_detail_query_count_is_bounded(login, recruiter, candidate, job,
                                       django_assert_max_num_queries):
    rich(candidate, recruiter, job)
    for i in range(30):
        do_add_note(candidate, actor=recruiter, body=f"note {i}")
    client = login(recruiter)
    client.get(url(candidate))
    with django_assert_max_num_queries(25):
        assert client.get(url(candidate)).status_code == 200


def test_viewing_records_one_audit_event_per_few_minutes(login, recruiter, candidate):
    client = login(recruiter)
    client.get(url(candidate))
    client.get(url(candidate))
    views = AuditEvent.objects.filter(candidate=candidate, action=AuditAction.VIEW,
                                      actor=recruiter)
    assert views.count() == 1
    views.update(at=views.get().at - timedelta(minutes=10))
    client.get(url(candidate))
    assert views.count() == 2


def test_outsider_gets_404(login, outsider, candidate):
    assert login(outsider).get(url(candidate)).status_code == 404


def test_hiring_manager_sees_only_candidates_in_their_jobs(login, hiring_manager, recruiter,
                                                           candidate, job):
    client = login(hiring_manager)
    assert client.get(url(candidate)).status_code == 404
    do_add_to_pipeline(candidate, job, actor=recruiter)
    job.hiring_team.add(hiring_manager)
    response = client.get(url(candidate))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Add a note" in html
    assert "Edit profile" not in html and "Add licences" not in html


def test_read_only_sees_no_controls(login, read_only, candidate):
    response = login(read_only).get(url(candidate))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Edit profile" not in html and "Add a note" not in html and "Upload" not in html


def test_merged_record_redirects_to_survivor(login, recruiter, candidate, org):
    other = actions.do_create_candidate(org.pk, actor=recruiter, first_name="A", last_name="Dup",
                                        profession="physician")
    other.merged_into = candidate
    other.save()
    response = login(recruiter).get(url(other))
    assert response.status_code == 302 and response.url == url(candidate)


def test_add_to_job_lists_open_jobs_and_adds(login, recruiter, candidate, job):
    client = login(recruiter)
    assert job.title in client.get(url(candidate)).content.decode()
    add = reverse("candidates:related_add", kwargs={"uuid": candidate.uuid,
                                                    "section": "application"})
    response = client.post(add, {"application-job": job.pk})
    assert response.status_code == 302
    assert candidate.applications.get().job == job
    again = client.post(add, {"application-job": job.pk})
    assert again.status_code == 400  # no longer offered: already in that pipeline


def test_add_to_job_refuses_other_orgs_job(login, recruiter, candidate, outsider):
    from rounds.jobs.models import Job

    theirs = Job.objects.create(organization=outsider.organization, title="Theirs",
                                profession="physician")
    add = reverse("candidates:related_add", kwargs={"uuid": candidate.uuid,
                                                    "section": "application"})
    assert login(recruiter).post(add, {"application-job": theirs.pk}).status_code == 400
    assert not candidate.applications.exists()
