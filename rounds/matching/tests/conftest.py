"""A small talent pool and a job to match it against, built through the real actions.

For the Red Deer family-physician job: Amara fits on every point; Bilal is an emergency
physician licensed in British Columbia (ranked, with gaps); Chloe is a registered nurse (a
regulated profession that can't fill a physician's role: excluded); Dev asked not to be
contacted (excluded)."""

import pytest

from rounds.accounts.actions import do_create_site
from rounds.candidates.actions import do_add_related, do_create_candidate
from rounds.candidates.models import Licence
from rounds.jobs.actions import do_create_job


def person(org, actor, first, last, *, licence=None, licence_status="active", **fields):
    fields.setdefault("country", "CA")
    candidate = do_create_candidate(org.pk, actor=actor, first_name=first, last_name=last,
                                    **fields)
    if licence:
        do_add_related(candidate, Licence, actor=actor, jurisdiction=licence,
                       status=licence_status, number=f"{last[:3].upper()}-1")
    return candidate


@pytest.fixture
def site(org, recruiter):
    site, _place = do_create_site(org.pk, actor=recruiter, name="Red Deer Clinic",
                                  city="Red Deer", region="AB", postal_code="T4N 1A1",
                                  country="CA")
    return site


@pytest.fixture
def match_job(org, recruiter, site):
    return do_create_job(
        org.pk, actor=recruiter, title="Family Physician — Red Deer", profession="physician",
        specialty="Family Medicine", specialty_code="207Q00000X", employment_type="permanent",
        licence_jurisdiction="CA-AB", site=site, pay_min=280000, pay_max=420000,
        pay_currency="CAD", pay_period="year", openings=1, status="open",
        description="Full-scope family practice with obstetrics.",
        must_haves=["Full licence with CPSA"], nice_to_haves=["Obstetrics experience"],
    )


@pytest.fixture
def np_job(org, recruiter, site):
    return do_create_job(
        org.pk, actor=recruiter, title="Nurse Practitioner — Primary Care",
        profession="nurse_practitioner", employment_type="permanent", site=site,
        licence_jurisdiction="CA-AB", pay_currency="CAD", pay_period="year", openings=1,
        status="open",
    )


@pytest.fixture
def pool(org, recruiter):
    return {
        "amara": person(org, recruiter, "Amara", "Okafor", profession="physician",
                        headline="Family physician, CCFP, obstetrics", city="Red Deer",
                        region="AB", postal_code="T4N 1A1", status="active",
                        specialties=["Family Medicine"], licence="CA-AB"),
        "bilal": person(org, recruiter, "Bilal", "Rahman", profession="physician",
                        headline="Emergency physician", city="Vancouver", region="BC",
                        specialties=["Emergency Medicine"], licence="CA-BC",
                        status="passive"),
        "chloe": person(org, recruiter, "Chloe", "Tremblay", profession="registered_nurse",
                        headline="Emergency nurse", city="Red Deer", region="AB",
                        licence="CA-AB"),
        "dev": person(org, recruiter, "Dev", "Patel", profession="physician",
                      headline="Family physician", city="Red Deer", region="AB",
                      specialties=["Family Medicine"], licence="CA-AB",
                      status="do_not_contact"),
    }
