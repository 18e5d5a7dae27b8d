"""Jobs list, form, open/hold/close, job page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import make_candidates
from rounds.accounts.models import EmployerProfile, Site
from rounds.jobs.models import Job, Requirement
from rounds.pipeline.actions import do_add_to_pipeline


@pytest.fixture
def site(org):
    return Site.objects.create(organization=org, name="Red Deer Clinic", city="Red Deer",
                               region="AB", postal_code="T4N 1A1")


def form_data(**overrides):
    data = {
        "title": "Family Physician — Lacombe", "profession": "physician",
        "specialty": "Family Medicine", "specialty_code": "207Q00000X",
        "employment_type": "permanent", "setting": "community_clinic",
        "licence_jurisdiction": "CA-AB", "description": "Full-scope family practice.",
        "value_proposition": "", "pay_min": "300000", "pay_max": "450000",
        "pay_currency": "cad", "pay_period": "year", "openings": "2", "status": "open",
        "start_date": "", "owner": "", "published_on": "Career site, CMA Careers",
        "must_haves": "Full licence with CPSA\n- CCFP certification\n\n",
        "nice_to_haves": "Obstetrics experience\nFrench",
    }
    data.update(overrides)
    return data


def test_recruiter_creates_job_with_requirements_kept_apart(login, recruiter, org, site,
                                                            hiring_manager):
    EmployerProfile.objects.filter(organization=org).update(
        value_proposition="Team-based care, no overhead, mountains an hour away.")
    client = login(recruiter)
    response = client.get(reverse("jobs:create"))
    assert "Team-based care, no overhead" in response.content.decode()  # prefilled
    response = client.post(reverse("jobs:create"), form_data(site=site.pk,
                                                              hiring_team=[hiring_manager.pk]))
    assert response.status_code == 302
    job = Job.objects.get(title="Family Physician — Lacombe")
    assert response["Location"] == reverse("jobs:detail", args=[job.uuid])
    assert job.value_proposition == "Team-based care, no overhead, mountains an hour away."
    assert (job.pay_min, job.pay_max, job.pay_currency) == (Decimal(300000), Decimal(450000),
                                                            "CAD")
    assert job.owner == recruiter and list(job.hiring_team.all()) == [hiring_manager]
    assert job.published_on == ["Career site", "CMA Careers"]
    must = list(Requirement.objects.filter(job=job, required=True).values_list("text", "kind"))
    nice = list(Requirement.objects.filter(job=job, required=False).values_list("text", "kind"))
    assert must == [("Full licence with CPSA", "licence"), ("CCFP certification", "certification")]
    assert nice == [("Obstetrics experience", "experience"), ("French", "language")]
    html = client.get(reverse("jobs:detail", args=[job.uuid])).content.decode()
    assert html.index("Must-haves") < html.index("Full licence with CPSA") < html.index(
        "Nice-to-haves") < html.index("Obstetrics experience")


def test_pay_range_upside_down_is_refused_with_a_clear_message_and_nothing_lost(login,
                                                                                recruiter):
    response = login(recruiter).post(reverse("jobs:create"),
                                     form_data(pay_min="450000", pay_max="300000"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "top of the pay range" in html and "is below the bottom" in html
    assert "Full licence with CPSA" in html and "Family Physician — Lacombe" in html
    assert not Job.objects.filter(title="Family Physician — Lacombe").exists()


def test_same_line_in_both_lists_is_refused(login, recruiter):
    response = login(recruiter).post(reverse("jobs:create"),
                                     form_data(nice_to_haves="CCFP certification"))
    assert response.status_code == 400
    assert "already a must-have" in response.content.decode()


def test_site_of_another_org_is_refused(login, recruiter, other_org):
    theirs = Site.objects.create(organization=other_org, name="Austin Clinic")
    response = login(recruiter).post(reverse("jobs:create"), form_data(site=theirs.pk))
    assert response.status_code == 400
    assert not Job.objects.filter(title="Family Physician — Lacombe").exists()


def test_edit_job_replaces_requirement_lists(login, recruiter, job):
    client = login(recruiter)
    response = client.get(reverse("jobs:edit", args=[job.uuid]))
    assert response.status_code == 200
    response = client.post(reverse("jobs:edit", args=[job.uuid]), form_data(
        title=job.title, must_haves="ACLS", nice_to_haves="Rural experience\nSpanish"))
    assert response.status_code == 302
    job.refresh_from_db()
    assert [r.text for r in job.requirements.filter(required=True)] == ["ACLS"]
    assert [r.text for r in job.requirements.filter(required=False)] == [
        "Rural experience", "Spanish"]


def test_open_hold_close_a_job(login, recruiter, job):
    client = login(recruiter)
    url = reverse("jobs:status", args=[job.uuid])
    client.post(url, {"status": "on_hold"})
    job.refresh_from_db()
    assert job.status == "on_hold" and job.closed_at is None
    client.post(url, {"status": "closed"})
    job.refresh_from_db()
    assert job.status == "closed" and job.closed_at is not None
    client.post(url, {"status": "open"})
    job.refresh_from_db()
    assert job.status == "open" and job.closed_at is None


def test_list_filters_by_status_site_and_profession(login, recruiter, org, job, site):
    np_job = Job.objects.create(organization=org, title="NP — Red Deer", site=site,
                                profession="nurse_practitioner", status="on_hold")
    client = login(recruiter)
    html = client.get(reverse("jobs:list"), {"status": "on_hold"}).content.decode()
    assert np_job.title in html and job.title not in html
    html = client.get(reverse("jobs:list"), {"site": site.pk}).content.decode()
    assert np_job.title in html and job.title not in html
    html = client.get(reverse("jobs:list"), {"profession": "physician"}).content.decode()
    assert job.title in html and np_job.title not in html


@pytest.mark.parametrize("n_jobs", [2, 15])
def test_list_query_count_is_bounded(login, recruiter, org, n_jobs,
                                     django_assert_max_num_queries):
    cands = make_candidates(org, recruiter, 3)
    for i in range(n_jobs):
        job = Job.objects.create(organization=org, title=f"Job {i}", profession="physician",
                                 owner=recruiter)
        for cand in cands:
            do_add_to_pipeline(cand, job, actor=recruiter)
    client = login(recruiter)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("jobs:list"))
    assert response.status_code == 200
    assert response.content.decode().count('title="Sourced: 3"') == n_jobs


def test_outsider_gets_404_on_every_job_route(login, outsider, job):
    client = login(outsider)
    for name in ("jobs:detail", "jobs:edit"):
        assert client.get(reverse(name, args=[job.uuid])).status_code == 404
    assert client.post(reverse("jobs:edit", args=[job.uuid]), form_data()).status_code == 404
    assert client.post(reverse("jobs:status", args=[job.uuid]),
                       {"status": "closed"}).status_code == 404
    assert job.title not in client.get(reverse("jobs:list")).content.decode()
    job.refresh_from_db()
    assert job.status == "open"


def test_read_only_and_hiring_manager_cannot_create_or_change_jobs(login, read_only,
                                                                   hiring_manager, job):
    for user in (read_only, hiring_manager):
        client = login(user)
        assert client.get(reverse("jobs:create")).status_code == 403
        assert client.post(reverse("jobs:create"), form_data()).status_code == 403
        assert client.post(reverse("jobs:status", args=[job.uuid]),
                           {"status": "closed"}).status_code == 403
    assert login(read_only).get(reverse("jobs:detail", args=[job.uuid])).status_code == 200
    assert not Job.objects.filter(title="Family Physician — Lacombe").exists()


def test_hiring_manager_sees_only_jobs_they_are_on(login, hiring_manager, job, org):
    theirs = Job.objects.create(organization=org, title="Clinic RN", profession="registered_nurse")
    theirs.hiring_team.add(hiring_manager)
    client = login(hiring_manager)
    html = client.get(reverse("jobs:list")).content.decode()
    assert "Clinic RN" in html and job.title not in html
    assert client.get(reverse("jobs:detail", args=[job.uuid])).status_code == 404
    assert client.get(reverse("jobs:detail", args=[theirs.uuid])).status_code == 200
