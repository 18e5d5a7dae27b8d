"""Where licence, specialty and profession pull apart, and a score whose bands mean something:
the right specialty before the licence on a specialist post, every profession of a post open to
several, registered nurses before nurse practitioners on an RN post, the Nurse Licensure Compact
for RN and LPN licences only, gaps that cost visibly, and nice-to-haves understood and met."""

import pytest

from rounds.accounts.models import Site
from rounds.candidates import actions as candidate_actions
from rounds.candidates.models import Candidate, Licence
from rounds.jobs.actions import do_create_job
from rounds.matching.engine import JobSpec, rank, spec_for_job
from rounds.matching.understand import read_posting

pytestmark = pytest.mark.django_db


def person(org, actor, first, *, profession="physician", specialties=(), city="Portland",
           region="ME", country="US", licences=(), **fields):
    c = candidate_actions.do_create_candidate(
        org.pk, actor=actor, first_name=first, last_name="Test", profession=profession,
        city=city, region=region, country=country, specialties=list(specialties), **fields,
    )
    for jurisdiction in licences:
        candidate_actions.do_add_related(c, Licence, actor=actor, jurisdiction=jurisdiction,
                                         status="active")
    return Candidate.objects.get(pk=c.pk)


def site(org, city, region, lat, lng, country="US"):
    return Site.objects.create(organization=org, name=city, city=city, region=region,
                               country=country, latitude=lat, longitude=lng)


def by_name(ranking):
    return {m.candidate.first_name: m for m in ranking.results}


def order(ranking):
    return [m.candidate.first_name for m in ranking.results]


def test_right_specialty_licensed_elsewhere_outranks_wrong_specialty_licensed_here(
        org, recruiter):
    portland = site(org, "Portland", "ME", 43.661, -70.255)
    job = do_create_job(org.pk, actor=recruiter, title="Cardiologist", profession="physician",
                        specialty="Cardiology", site=portland, licence_jurisdiction="US-ME",
                        employment_type="permanent", status="open")
    person(org, recruiter, "Licensed", specialties=["Cardiology"], licences=["US-ME"])
    # New Hampshire is in the Interstate Medical Licensure Compact: a Maine licence is
    # obtainable. California is not: no path, but still the right specialty.
    person(org, recruiter, "Compact", specialties=["Cardiology"], licences=["US-NH"])
    person(org, recruiter, "Nopath", specialties=["Cardiology"], licences=["US-CA"])
    person(org, recruiter, "Family", specialties=["Family medicine"], licences=["US-ME"])
    person(org, recruiter, "Internist", specialties=["Internal medicine"], licences=["US-ME"])
    ranking = rank(spec_for_job(job), organization_id=org.pk)
    assert order(ranking)[:3] == ["Licensed", "Compact", "Nopath"]
    got = by_name(ranking)
    assert got["Compact"].near_miss and not got["Licensed"].near_miss
    assert any("obtainable" in g for g in got["Compact"].gaps)
    assert got["Licensed"].band == "Strong fit"
    assert got["Family"].score < got["Nopath"].score < got["Compact"].score
    assert any("not Cardiology" in g for g in got["Family"].gaps)


def test_a_post_open_to_several_professions_reads_them_all(org, recruiter):
    phoenix = site(org, "Phoenix", "AZ", 33.465, -112.055)
    posting = read_posting({
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": "Respiratory Specialist Nurse/OT/Physiotherapist",
        "description": "Pulmonary rehabilitation: exercise and education for people with COPD.",
        "datePosted": "2025-03-03", "hiringOrganization": {"name": "Clinic"},
        "jobLocation": {"address": {"addressLocality": "Phoenix", "addressRegion": "AZ",
                                    "addressCountry": "US"},
                        "geo": {"latitude": 33.465, "longitude": -112.055}},
    })
    spec = JobSpec.from_posting(posting)
    assert set(spec.professions) == {"registered_nurse", "occupational_therapist",
                                     "physiotherapist"}
    assert "Occupational therapist" in " ".join(spec.summary())
    del phoenix
    for first, profession in (("Nurse", "registered_nurse"), ("Ot", "occupational_therapist"),
                              ("Physio", "physiotherapist"), ("Pharm", "pharmacist")):
        person(org, recruiter, first, profession=profession, city="Phoenix", region="AZ",
               licences=["US-AZ"])
    ranking = rank(spec, organization_id=org.pk)
    got = by_name(ranking)
    for first in ("Nurse", "Ot", "Physio"):
        assert got[first].components["profession"] == 1.0
        assert got[first].score >= 60, (first, got[first].score, got[first].gaps)
    # The specialty read from the title is a nurse's: it says nothing about the therapists.
    assert got["Ot"].band == got["Physio"].band == "Strong fit"
    assert "Pharm" not in got  # a regulated profession none of the three: excluded


def test_registered_nurses_rank_above_nurse_practitioners_on_an_rn_post(org, recruiter):
    houston = site(org, "Houston", "TX", 29.708, -95.401)
    job = do_create_job(org.pk, actor=recruiter, title="Registered Nurse - Med/Surg",
                        profession="registered_nurse", site=houston,
                        licence_jurisdiction="US-TX", employment_type="permanent",
                        status="open")
    person(org, recruiter, "Np", profession="nurse_practitioner", city="Houston", region="TX",
           licences=["US-TX"], status="active", years_experience=12)
    person(org, recruiter, "Rn", profession="registered_nurse", city="Houston", region="TX",
           licences=["US-TX"], status="passive", years_experience=2,
           specialties=["Medical-surgical nursing"])
    ranking = rank(spec_for_job(job), organization_id=org.pk)
    assert order(ranking) == ["Rn", "Np"]
    got = by_name(ranking)
    assert got["Np"].near_miss and not got["Rn"].near_miss
    assert got["Np"].band != "Strong fit"
    assert any("Nurse practitioner" in g for g in got["Np"].gaps)


def test_the_nurse_licensure_compact_covers_rn_licences_not_np_licences(org, recruiter):
    houston = site(org, "Houston", "TX", 29.708, -95.401)
    rn_job = do_create_job(org.pk, actor=recruiter, title="Registered Nurse",
                           profession="registered_nurse", site=houston,
                           licence_jurisdiction="US-TX", status="open")
    np_job = do_create_job(org.pk, actor=recruiter, title="Nurse Practitioner",
                           profession="nurse_practitioner", site=houston,
                           licence_jurisdiction="US-TX", status="open")
    # Oklahoma and Texas are both Nurse Licensure Compact states.
    person(org, recruiter, "Rn", profession="registered_nurse", city="Houston", region="TX",
           licences=["US-OK"])
    person(org, recruiter, "Np", profession="nurse_practitioner", city="Houston", region="TX",
           licences=["US-OK"])
    got = by_name(rank(spec_for_job(rn_job), organization_id=org.pk))
    assert got["Rn"].components["licence"] >= 0.94
    assert any("Nurse Licensure Compact" in r for r in got["Rn"].reasons)
    assert got["Np"].components["licence"] < 0.9
    assert not any("Compact" in r for r in got["Np"].reasons)
    got = by_name(rank(spec_for_job(np_job), organization_id=org.pk))
    assert got["Np"].components["licence"] < 0.9
    assert any("needs a Texas licence" in g for g in got["Np"].gaps)


def test_bands_mean_something_and_gaps_cost_visibly(org, recruiter):
    red_deer = site(org, "Red Deer", "AB", 52.268, -113.811, country="CA")
    job = do_create_job(org.pk, actor=recruiter, title="Family Physician",
                        profession="physician", specialty="Family medicine",
                        specialty_code="207Q00000X", site=red_deer,
                        licence_jurisdiction="CA-AB", employment_type="permanent",
                        status="open")
    person(org, recruiter, "Local", specialties=["Family medicine"], city="Red Deer",
           region="AB", country="CA", licences=["CA-AB"], status="active")
    person(org, recruiter, "Mover", specialties=["Family medicine"], city="Halifax",
           region="NS", country="CA", licences=["CA-AB"], willing_to_relocate=True)
    # 2,700 km away, won't relocate, no Alberta licence (one is obtainable).
    person(org, recruiter, "Far", specialties=["Family medicine"], city="Toronto",
           region="ON", country="CA", licences=["CA-ON"], status="active")
    ranking = rank(spec_for_job(job), organization_id=org.pk)
    got = by_name(ranking)
    assert got["Local"].score >= 80 and got["Local"].band == "Strong fit"
    assert got["Mover"].score >= 80
    assert got["Far"].score < 60 and got["Far"].band in ("Partial fit", "Weak fit")
    assert any("not open to relocating" in g for g in got["Far"].gaps)
    assert ranking.results[0].candidate.first_name == "Local"


def test_nice_to_haves_are_understood_and_appear_in_reasons_when_met(org, recruiter):
    red_deer = site(org, "Red Deer", "AB", 52.268, -113.811, country="CA")
    job = do_create_job(org.pk, actor=recruiter, title="Family Physician",
                        profession="physician", specialty="Family medicine", site=red_deer,
                        licence_jurisdiction="CA-AB", status="open",
                        must_haves=["Full licence with CPSA"],
                        nice_to_haves=["Obstetrics experience", "ACLS", "Speaks Cree"])
    spec = spec_for_job(job)
    understood = spec.summary()
    assert "Obstetrics experience (nice-to-have)" in understood
    assert "ACLS (nice-to-have)" in understood
    assert "Speaks Cree (nice-to-have)" in understood
    person(org, recruiter, "Obs", specialties=["Family medicine"], city="Red Deer",
           region="AB", country="CA", licences=["CA-AB"],
           headline="Family physician with obstetrics", summary="Fluent in Cree.")
    person(org, recruiter, "Plain", specialties=["Family medicine"], city="Red Deer",
           region="AB", country="CA", licences=["CA-AB"], headline="Family physician")
    got = by_name(rank(spec, organization_id=org.pk))
    assert "Obstetrics experience (nice-to-have)" in got["Obs"].reasons
    assert "Speaks Cree (nice-to-have)" in got["Obs"].reasons
    assert not any("nice-to-have" in r for r in got["Plain"].reasons)
    assert got["Obs"].score > got["Plain"].score


def test_a_profession_in_general_is_a_near_miss_for_its_specialist_post(org, recruiter):
    """A pharmacist with no particular specialty on a clinical-pharmacist post lacks no more
    than one with nothing on record; the weak band still orders its members (no ties at 0)."""
    york = site(org, "Portland", "ME", 43.661, -70.255)
    job = do_create_job(org.pk, actor=recruiter, title="Clinical Pharmacist",
                        profession="pharmacist", site=york, licence_jurisdiction="US-ME",
                        status="open")
    person(org, recruiter, "General", profession="pharmacist", specialties=["183500000X"],
           licences=["US-ME"])
    person(org, recruiter, "Counsellor", profession="other", specialties=["Counseling"],
           city="Bangor")
    got = by_name(rank(spec_for_job(job), organization_id=org.pk))
    assert got["General"].band == "Good fit", got["General"]
    assert any("No particular specialty" in g for g in got["General"].gaps)
    assert got["Counsellor"].score > 0
