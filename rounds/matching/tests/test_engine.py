"""Ranking a pool for a job: order, reasons, legal exclusions, near-misses, the index staying
current, and one organization never seeing another's candidates."""

from datetime import date, timedelta

import pytest
from django.db import transaction

from rounds.accounts.models import Site
from rounds.candidates import actions as candidate_actions
from rounds.candidates.merge import do_merge_candidates
from rounds.candidates.models import Availability, Candidate, Certification, Licence
from rounds.jobs.models import Job, Requirement
from rounds.matching import index as match_index
from rounds.matching.engine import JobSpec, jobs_for_candidate, rank, spec_for_job

pytestmark = pytest.mark.django_db


def person(org, actor, first, *, profession="physician", specialties=("Family medicine",),
           city="Red Deer", region="AB", country="CA", licences=(), **fields):
    c = candidate_actions.do_create_candidate(
        org.pk, actor=actor, first_name=first, last_name="Test", profession=profession,
        city=city, region=region, country=country, specialties=list(specialties), **fields,
    )
    for jurisdiction, status in licences:
        candidate_actions.do_add_related(c, Licence, actor=actor, jurisdiction=jurisdiction,
                                         status=status)
    return Candidate.objects.get(pk=c.pk)


@pytest.fixture
def red_deer(org):
    return Site.objects.create(organization=org, name="Red Deer", city="Red Deer", region="AB",
                               postal_code="T4N 4E7", country="CA", latitude=52.268,
                               longitude=-113.811)


@pytest.fixture
def fp_job(org, recruiter, red_deer):
    return Job.objects.create(
        organization=org, title="Family Physician — full scope", profession="physician",
        specialty="Family medicine", licence_jurisdiction="CA-AB", site=red_deer,
        owner=recruiter,
    )


@pytest.fixture
def pool(org, recruiter):
    return {
        "local": person(org, recruiter, "Local", licences=[("CA-AB", "active")],
                        status="active"),
        "ontario": person(org, recruiter, "Ontario", city="Toronto", region="ON",
                          licences=[("CA-ON", "active")]),
        "hospitalist": person(org, recruiter, "Hosp", specialties=["Hospitalist"],
                              city="Calgary", licences=[("CA-AB", "active")]),
        "nurse": person(org, recruiter, "Nurse", profession="registered_nurse",
                        specialties=["Critical care nursing"], licences=[("CA-AB", "active")]),
        "revoked": person(org, recruiter, "Revoked", licences=[("CA-AB", "revoked")]),
        "dnc": person(org, recruiter, "Quiet", licences=[("CA-AB", "active")],
                      status="do_not_contact"),
    }


def names(ranking):
    return [m.candidate.first_name for m in ranking.results]


def test_best_fit_first_with_reasons(org, fp_job, pool):
    ranking = rank(spec_for_job(fp_job), organization_id=org.pk)
    assert names(ranking)[0] == "Local"
    top = ranking.results[0]
    assert top.score > ranking.results[-1].score
    assert "Licensed in AB" in top.reasons
    assert any("Family medicine" in r for r in top.reasons)
    assert any(r.endswith("km from Red Deer") for r in top.reasons)
    assert top.gaps == []


def test_only_legal_constraints_exclude_and_are_counted(org, fp_job, pool):
    ranking = rank(spec_for_job(fp_job), organization_id=org.pk)
    assert set(names(ranking)) == {"Local", "Ontario", "Hosp"}
    assert ranking.total == 3
    reasons = dict(ranking.excluded)
    assert reasons == {
        "Their profession can't legally fill this role": 1,
        "Licence revoked or suspended where the job is": 1,
        "Asked not to be contacted": 1,
    }


def test_licence_elsewhere_is_a_near_miss_saying_what_is_obtainable(org, fp_job, pool):
    ranking = rank(spec_for_job(fp_job), organization_id=org.pk)
    ontario = next(m for m in ranking.results if m.candidate.first_name == "Ontario")
    assert ontario.near_miss
    assert any("ON" in g and "AB licence is obtainable" in g for g in ontario.gaps), ontario.gaps
    only = rank(spec_for_job(fp_job), organization_id=org.pk, near_misses_only=True)
    assert "Local" not in names(only)
    assert "Ontario" in names(only)


def test_close_specialty_ranks_below_the_same_one(org, fp_job, pool):
    ranking = rank(spec_for_job(fp_job), organization_id=org.pk)
    hosp = next(m for m in ranking.results if m.candidate.first_name == "Hosp")
    local = ranking.results[0]
    assert hosp.components["specialty"] < local.components["specialty"]
    assert hosp.components["specialty"] > 0.3


def test_index_catches_up_with_edits_without_a_rebuild(org, recruiter, fp_job, pool):
    spec = spec_for_job(fp_job)
    rank(spec, organization_id=org.pk)
    built = match_index.for_organization(org.pk)
    candidate_actions.do_add_related(pool["ontario"], Licence, actor=recruiter,
                                     jurisdiction="CA-AB", status="active")
    candidate_actions.do_update_candidate(pool["ontario"], actor=recruiter, city="Red Deer",
                                          region="AB", status="active")
    ranking = rank(spec, organization_id=org.pk)
    assert match_index.for_organization(org.pk) is built
    ontario = next(m for m in ranking.results if m.candidate.first_name == "Ontario")
    assert "Licensed in AB" in ontario.reasons
    assert not any("obtainable" in g for g in ontario.gaps)


def test_new_and_merged_candidates_are_picked_up(org, recruiter, fp_job, pool):
    spec = spec_for_job(fp_job)
    rank(spec, organization_id=org.pk)
    late = person(org, recruiter, "Late", licences=[("CA-AB", "active")])
    assert "Late" in names(rank(spec, organization_id=org.pk))
    with transaction.atomic():
        do_merge_candidates(pool["local"], late, actor=recruiter)
    after = names(rank(spec, organization_id=org.pk))
    assert after.count("Local") + after.count("Late") == 1


def test_a_candidate_deleted_outright_is_dropped(org, fp_job, pool):
    spec = spec_for_job(fp_job)
    rank(spec, organization_id=org.pk)
    Candidate.objects.filter(pk=pool["local"].pk).delete()
    ranking = rank(spec, organization_id=org.pk)
    assert "Local" not in names(ranking)
    assert names(ranking)[0] in {"Hosp", "Ontario"}


def test_other_organizations_candidates_are_never_ranked(org, other_org, outsider, fp_job, pool):
    person(other_org, outsider, "Stranger", licences=[("CA-AB", "active")])
    ranking = rank(spec_for_job(fp_job), organization_id=org.pk, limit=100)
    assert "Stranger" not in names(ranking)
    assert all(m.candidate.organization_id == org.pk for m in ranking.results)


def test_locum_dates_against_availability(org, recruiter, red_deer):
    start = date.today() + timedelta(days=20)
    job = Job.objects.create(
        organization=org, title="Locum family physician", profession="physician",
        specialty="Family medicine", licence_jurisdiction="CA-AB", site=red_deer,
        employment_type="locum", start_date=start, end_date=start + timedelta(days=6),
    )
    free = person(org, recruiter, "Free", licences=[("CA-AB", "active")])
    busy = person(org, recruiter, "Busy", licences=[("CA-AB", "active")])
    candidate_actions.do_add_related(free, Availability, actor=recruiter, start_date=start,
                                     end_date=start + timedelta(days=10))
    candidate_actions.do_add_related(busy, Availability, actor=recruiter,
                                     start_date=start + timedelta(days=30),
                                     end_date=start + timedelta(days=40))
    ranking = rank(spec_for_job(job), organization_id=org.pk)
    assert names(ranking)[0] == "Free"
    by_name = {m.candidate.first_name: m for m in ranking.results}
    assert any(r.startswith("Available") for r in by_name["Free"].reasons)
    assert any("doesn't cover" in g for g in by_name["Busy"].gaps)


def test_required_certification_missing_is_a_gap(org, recruiter, red_deer):
    job = Job.objects.create(organization=org, title="ER physician", profession="physician",
                             specialty="Emergency medicine", licence_jurisdiction="CA-AB",
                             site=red_deer)
    Requirement.objects.create(organization=org, job=job, text="ACLS", kind="certification")
    with_acls = person(org, recruiter, "Acls", specialties=["Emergency medicine"],
                       licences=[("CA-AB", "active")])
    candidate_actions.do_add_related(with_acls, Certification, actor=recruiter, name="ACLS",
                                     kind="life_support",
                                     expires_on=date.today() + timedelta(days=300))
    lapsed = person(org, recruiter, "Lapsed", specialties=["Emergency medicine"],
                    licences=[("CA-AB", "active")])
    candidate_actions.do_add_related(lapsed, Certification, actor=recruiter, name="ACLS",
                                     kind="life_support",
                                     expires_on=date.today() - timedelta(days=3))
    ranking = rank(spec_for_job(job), organization_id=org.pk)
    assert names(ranking)[0] == "Acls"
    by_name = {m.candidate.first_name: m for m in ranking.results}
    assert any("ACLS" in r for r in by_name["Acls"].reasons)
    assert any("expired" in g for g in by_name["Lapsed"].gaps)
    assert by_name["Lapsed"].near_miss


def test_nothing_recognisable_falls_back_to_text_with_a_warning(org, recruiter):
    job = Job.objects.create(organization=org, title="Operations and logistics lead",
                             profession="other",
                             description="Run our logistics desk and rosters.")
    person(org, recruiter, "Plain", profession="front_office", specialties=[])
    person(org, recruiter, "Fit", profession="front_office", specialties=[],
           headline="Logistics coordinator, rosters and scheduling")
    ranking = rank(spec_for_job(job), organization_id=org.pk)
    assert any("text similarity" in w for w in ranking.warnings)
    assert names(ranking)[0] == "Fit"


def test_posting_spec_ranks_like_a_job(org, recruiter, pool):
    from rounds.matching.understand import read_posting

    posting = read_posting({
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": "Family Physician (FM) — Red Deer", "description": "<p>Alberta licence.</p>",
        "datePosted": "2026-11-01",
        "jobLocation": {"@type": "Place", "address": {
            "addressLocality": "Red Deer", "addressRegion": "AB", "postalCode": "T4N 4E7",
            "addressCountry": "CA"}},
    })
    ranking = rank(JobSpec.from_posting(posting), organization_id=org.pk)
    assert names(ranking)[0] == "Local"


def test_suggested_jobs_for_a_candidate(org, recruiter, fp_job, pool):
    Job.objects.create(organization=org, title="ICU nurse", profession="registered_nurse",
                       licence_jurisdiction="CA-AB")
    Job.objects.create(organization=org, title="Hospitalist", profession="physician",
                       specialty="Hospitalist", licence_jurisdiction="CA-AB")
    Job.objects.create(organization=org, title="Family physician (closed)",
                       profession="physician", specialty="Family medicine", status="closed")
    suggested = jobs_for_candidate(pool["local"])
    titles = [s.job.title for s in suggested]
    assert titles[0] == fp_job.title
    assert "ICU nurse" not in titles  # a physician can't legally fill a nursing role
    assert "Family physician (closed)" not in titles
    assert suggested[0].match.reasons


def test_ranking_queries_do_not_grow_with_the_page(org, recruiter, fp_job,
                                                   django_assert_max_num_queries):
    for i in range(30):
        person(org, recruiter, f"P{i}", licences=[("CA-AB", "active")])
    spec = spec_for_job(fp_job)
    rank(spec, organization_id=org.pk)
    # Catch-up, the page's people and their rows, and the organization's distance unit.
    with django_assert_max_num_queries(5):
        ranking = rank(spec, organization_id=org.pk, limit=25)
    assert len(ranking.results) == 25


def test_free_text_specialty_is_read_for_the_candidates_profession(org, recruiter):
    from rounds.matching import knowledge, profiles

    np_ = person(org, recruiter, "Nora", profession="nurse_practitioner",
                 specialties=["Primary care"])
    [profile] = profiles.compute([np_.pk])
    first = knowledge.specialty(profile.specialties.split()[0])
    assert first.profession == "nurse_practitioner"


def test_a_jobs_spec_follows_its_employer_profile(org, fp_job):
    from rounds.accounts.models import EmployerProfile

    EmployerProfile.objects.update_or_create(organization=org,
                                             defaults={"compensation_model": "salary"})
    job = Job.objects.select_related("organization__employer_profile").get(pk=fp_job.pk)
    assert spec_for_job(job).compensation_model == "salary"
    profile = EmployerProfile.objects.get(organization=org)
    profile.compensation_model = "ffs_split"
    profile.save()
    job = Job.objects.select_related("organization__employer_profile").get(pk=fp_job.pk)
    assert spec_for_job(job).compensation_model == "ffs_split"


def test_distances_read_in_the_organizations_unit(org, fp_job, pool):
    """Miles for an organization that reads miles (a US one by default), km elsewhere."""
    org.distance_unit = "mi"
    org.save(update_fields=["distance_unit"])
    top = rank(spec_for_job(fp_job), organization_id=org.pk).results[0]
    assert any(r.endswith("mi from Red Deer") for r in top.reasons), top.reasons
    assert not any(" km " in r or r.endswith("km from Red Deer") for r in top.reasons)
