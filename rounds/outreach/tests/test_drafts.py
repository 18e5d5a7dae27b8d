"""Personal first messages: built only from facts in the candidate's record (and the job and
employer profile), "you, or someone you know?", a short call; never a fact the record lacks."""

import re
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.accounts.choices import CompensationModel
from rounds.accounts.models import EmployerProfile, Site
from rounds.candidates.choices import EmploymentType, Setting
from rounds.candidates.models import Candidate, Certification, Experience, Specialty
from rounds.jobs.models import Job
from rounds.outreach.drafts import CALL_ASK, SMS_LIMIT, first_message

TODAY = date(2026, 11, 18)
MARK = "Zx"  # every generated name starts with it, so the draft's names can be found
WORD = re.compile(MARK + r"[a-h]+")


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """Recent certifications are judged against a fixed day."""
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


# --- the property: nothing stated that the record doesn't hold --------------------------------

names = st.text(alphabet="abcdefgh", min_size=3, max_size=7).map(lambda s: MARK + s)
phrases = st.lists(names, min_size=1, max_size=3).map(" ".join)
maybe = lambda strategy: st.one_of(st.just(""), strategy)  # noqa: E731


@st.composite
def records(draw):
    record = {
        "first_name": draw(names),
        "last_name": draw(names),
        "preferred_name": draw(maybe(names)),
        "city": draw(maybe(phrases)),
        "region": draw(maybe(names)),
        "years_experience": draw(st.one_of(st.none(), st.integers(0, 45))),
        "headline": draw(st.sampled_from(["", "Loves team-based care", "Solo practice"])),
        "preferred_employment_types": draw(st.lists(st.sampled_from(EmploymentType.values),
                                                    unique=True, max_size=3)),
        "preferred_settings": draw(st.lists(st.sampled_from(Setting.values), unique=True,
                                            max_size=3)),
        "preferred_compensation_models": draw(st.lists(
            st.sampled_from(CompensationModel.values), unique=True, max_size=3)),
        "specialties": draw(st.lists(phrases, max_size=2)),
        "experiences": draw(st.lists(st.tuples(
            phrases, maybe(phrases), st.booleans(),
            st.one_of(st.none(), st.integers(0, 8000))), max_size=3)),
        "certifications": draw(st.lists(st.tuples(
            phrases, st.one_of(st.none(), st.integers(-30, 2000))), max_size=3)),
        "job": draw(st.one_of(st.none(), st.fixed_dictionaries({
            "title": phrases, "employment_type": st.sampled_from(EmploymentType.values),
            "setting": maybe(st.sampled_from(Setting.values)), "value": maybe(phrases),
            "site": st.one_of(st.none(), st.tuples(phrases, maybe(phrases))),
        }))),
        "profile": draw(st.one_of(st.none(), st.fixed_dictionaries({
            "compensation_model": maybe(st.sampled_from(CompensationModel.values)),
            "value": maybe(phrases), "team": maybe(phrases),
        }))),
        "channel": draw(st.sampled_from(["email", "sms"])),
    }
    return record


def build(org, record):
    cand = Candidate.objects.create(
        organization=org, profession="physician", **{k: record[k] for k in (
            "first_name", "last_name", "preferred_name", "city", "region", "years_experience",
            "headline", "preferred_employment_types", "preferred_settings",
            "preferred_compensation_models")})
    for i, name in enumerate(record["specialties"]):
        Specialty.objects.create(organization=org, candidate=cand, name=name, is_primary=i == 0)
    for employer, location, current, days in record["experiences"]:
        start = TODAY - timedelta(days=days) if days is not None else None
        Experience.objects.create(organization=org, candidate=cand, employer=employer,
                                  role="Physician", location=location, start_date=start,
                                  end_date=None if current else TODAY - timedelta(days=10))
    for name, days in record["certifications"]:
        Certification.objects.create(
            organization=org, candidate=cand, name=name,
            obtained_on=TODAY - timedelta(days=days) if days is not None else None)
    job = None
    if record["job"]:
        j = record["job"]
        site = None
        if j["site"]:
            site = Site.objects.create(organization=org, name=j["site"][0], city=j["site"][1])
        job = Job.objects.create(organization=org, title=j["title"], profession="physician",
                                 employment_type=j["employment_type"], setting=j["setting"],
                                 value_proposition=j["value"], site=site)
    EmployerProfile.objects.filter(organization=org).delete()
    if record["profile"]:
        p = record["profile"]
        EmployerProfile.objects.create(organization=org, value_proposition=p["value"],
                                       compensation_model=p["compensation_model"],
                                       team_based_care=p["team"])
    org.refresh_from_db()
    cand = (Candidate.objects.select_related("organization")
            .prefetch_related("specialties", "experiences", "certifications").get(pk=cand.pk))
    return cand, job


def record_words(record) -> set[str]:
    """Every generated word the record holds, and what the job and profile hold."""
    return set(WORD.findall(repr(record)))


def check_honest(record, draft):
    text = f"{draft.subject}\n{draft.body}"
    # Names: each generated word in the draft is one the record holds.
    assert set(WORD.findall(text)) <= record_words(record), text
    # Numbers: only the candidate's years (the ask's "10 minutes" is ours, not a fact).
    numbers = set(re.findall(r"\d+", text.replace(CALL_ASK, "")))
    assert numbers <= {str(record["years_experience"])}, text
    if record["years_experience"] and str(record["years_experience"]) in numbers:
        assert re.search(rf"\b{record['years_experience']} years?\b", text)
    # No holes where a fact would have been.
    for hole in ("None", "{{", "}}", "  ", " .", " ,", "at .", "in .", "()"):
        assert hole not in text, (hole, text)
    # Where they work: only a current position.
    current = {e[0] for e in record["experiences"] if e[2]}
    if "currently at" in text:
        assert any(f"currently at {employer}" in text for employer in current), text
    # A certification is congratulated only when obtained in the last two years.
    recent = {name for name, days in record["certifications"]
              if days is not None and 0 <= days <= 730}
    for name, _days in record["certifications"]:
        if f"recent {name} certification" in text:
            assert name in recent, text
    # A fit is stated only when the preference and the offer agree.
    job, profile = record["job"], record["profile"]
    for value, label in EmploymentType.choices:
        if f"It's a {label.lower()} role" in text:
            assert job and job["employment_type"] == value
            assert value in record["preferred_employment_types"]
    for value, label in Setting.choices:
        if f"The setting is {label.lower()}," in text:
            assert job and job["setting"] == value and value in record["preferred_settings"]
    for value, label in CompensationModel.choices:
        if f"Compensation is {label.lower()}," in text:
            assert profile and profile["compensation_model"] == value
            assert value in record["preferred_compensation_models"]
    # Always the question and the short call.
    assert "you, or someone you know?" in text and CALL_ASK in text
    if draft.channel == "sms":
        assert len(draft.body) <= SMS_LIMIT and draft.subject == ""


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(record=records())
@pytest.mark.django_db
def test_a_draft_never_states_a_fact_the_record_does_not_hold(org, recruiter, record):
    with transaction.atomic():
        cand, job = build(org, record)
        draft = first_message(cand, sender=recruiter, job=job, channel=record["channel"])
        check_honest(record, draft)
        transaction.set_rollback(True)


# --- examples ------------------------------------------------------------------------------------

@pytest.fixture
def rich(org, recruiter):
    EmployerProfile.objects.update_or_create(organization=org, defaults=dict(
        value_proposition="A 70/30 split, no call, and a team that has your back. We help "
                          "with housing. And more besides.",
        compensation_model="ffs_split", team_based_care="Two NPs and a pharmacist.",
    ))
    cand = Candidate.objects.create(
        organization=org, first_name="Amara", last_name="Okafor", profession="physician",
        city="Calgary", region="AB", years_experience=12, summary="I like working in a team.",
        preferred_compensation_models=["ffs_split"], preferred_employment_types=["permanent"],
        preferred_settings=["community_clinic"],
    )
    Specialty.objects.create(organization=org, candidate=cand, name="Family Medicine",
                             is_primary=True)
    Experience.objects.create(organization=org, candidate=cand, employer="Sunridge Clinic",
                              role="GP", location="Calgary", start_date=date(2019, 1, 1))
    Experience.objects.create(organization=org, candidate=cand, employer="Old Hospital",
                              role="Resident", start_date=date(2014, 7, 1),
                              end_date=date(2018, 6, 30))
    Certification.objects.create(organization=org, candidate=cand, name="ALSO",
                                 obtained_on=date(2026, 3, 1))
    return Candidate.objects.get(pk=cand.pk)  # with the organization as saved now


@pytest.fixture
def red_deer_job(org):
    site = Site.objects.create(organization=org, name="Bower Clinic", city="Red Deer")
    return Job.objects.create(organization=org, title="Family Physician", profession="physician",
                              employment_type="permanent", setting="community_clinic",
                              site=site)


def test_full_record_gives_a_personal_email_with_the_facts_listed(rich, red_deer_job,
                                                                  recruiter):
    recruiter.title = "physician recruiter"
    recruiter.save()
    draft = first_message(rich, sender=recruiter, job=red_deer_job)
    body = draft.body
    assert body.startswith("Hi Amara,")
    assert "I'm Rita Recruiter, physician recruiter at Prairie Family Clinics." in body
    assert "currently at Sunridge Clinic in Calgary" in body
    assert "Old Hospital" not in body  # a past position is not where they work
    assert "With 12 years in Family Medicine" in body
    assert "recent ALSO certification" in body
    assert "We're looking for a Family Physician at Bower Clinic in Red Deer." in body
    assert "It's a permanent full-time role, which is what you said you're looking for." in body
    assert "The setting is community clinic / office, one of the settings you prefer." in body
    assert "Compensation is fee-for-service with overhead split, which you said you prefer." \
        in body
    assert "You mentioned teamwork. Our team: Two NPs and a pharmacist." in body
    assert "A 70/30 split, no call, and a team that has your back." in body
    assert body.count("you, or someone you know?") == 1 and CALL_ASK in body
    assert draft.subject == "Family Physician — you, or someone you know?"
    assert any("Sunridge Clinic" in f for f in draft.facts)
    assert any("12 years" in f for f in draft.facts)
    assert any("ALSO" in f for f in draft.facts)
    assert any("fee-for-service" in f for f in draft.facts)


def test_without_a_current_position_the_city_is_used(org, recruiter):
    cand = Candidate.objects.create(organization=org, first_name="Li", last_name="Wu",
                                    profession="registered_nurse", city="Lethbridge")
    Experience.objects.create(organization=org, candidate=cand, employer="Past Place",
                              role="RN", end_date=date(2020, 1, 1))
    draft = first_message(cand, sender=recruiter)
    assert "in the Lethbridge area" in draft.body and "Past Place" not in draft.body


def test_mismatched_preferences_are_not_claimed_as_fits(rich, red_deer_job, recruiter, org):
    rich.preferred_compensation_models = ["salary"]
    rich.preferred_employment_types = ["locum"]
    rich.preferred_settings = []
    rich.save()
    body = first_message(rich, sender=recruiter, job=red_deer_job).body
    assert "which you said you prefer" not in body
    assert "what you said you're looking for" not in body
    assert "settings you prefer" not in body


def test_the_jobs_value_proposition_comes_before_the_employers(rich, red_deer_job, recruiter):
    red_deer_job.value_proposition = "Four-day weeks."
    red_deer_job.save()
    body = first_message(rich, sender=recruiter, job=red_deer_job).body
    assert "Four-day weeks." in body and "70/30" not in body


def test_an_empty_record_still_gives_a_sensible_honest_message(org, recruiter):
    bare = Candidate.objects.create(organization=org, first_name="Sam", last_name="Lee",
                                    profession="registered_nurse")
    draft = first_message(bare, sender=recruiter)
    assert draft.body.startswith("Hi Sam,\n\nI'm Rita Recruiter with Prairie Family Clinics.")
    assert "Would a role with us interest you, or someone you know? " + CALL_ASK in draft.body
    for claim in ("years", "currently at", "certification", "stood out", "area",
                  "you said", "looking for a"):
        assert claim not in draft.body
    assert draft.facts == []
    assert draft.subject == "Prairie Family Clinics — you, or someone you know?"
    text = first_message(bare, sender=recruiter, channel="sms")
    assert text.body == ("Hi Sam, it's Rita from Prairie Family Clinics. Would a role with us "
                         "interest you, or someone you know? " + CALL_ASK)


def test_text_variant_keeps_the_ask_and_stays_short(rich, red_deer_job, recruiter):
    rich.first_name = "Bartholomew-Alexander"
    rich.save()
    red_deer_job.title = "Family Physician with obstetrics and emergency department coverage"
    red_deer_job.save()
    draft = first_message(rich, sender=recruiter, job=red_deer_job, channel="sms")
    assert len(draft.body) <= SMS_LIMIT
    assert draft.body.startswith("Hi Bartholomew-Alexander, it's Rita from Prairie Family")
    assert draft.body.endswith("you, or someone you know? " + CALL_ASK)
    assert "Job: " + red_deer_job.title in draft.facts
    # The facts listed are the ones the shorter text mentions.
    for fact in draft.facts:
        if fact.startswith("Specialty: "):
            assert fact.removeprefix("Specialty: ") in draft.body


# --- the kind note after a rejection ------------------------------------------------------------

@pytest.mark.parametrize("reason, said", [
    ("position_filled", "The position has now been filled."),
    ("other_offer", "I understand you've accepted another offer: congratulations."),
    ("not_qualified", ""),  # not kind to put in writing: left to the recruiter
    ("fit", ""),
])
def test_the_kind_note_after_a_rejection_says_only_a_kind_reason(application, recruiter, stages,
                                                                  reason, said):
    from rounds.outreach.drafts import REASON_SENTENCES, rejection_message
    from rounds.pipeline.actions import do_move_application

    do_move_application(application, stages["Rejected"], actor=recruiter, reason=reason)
    cand = application.candidate
    for channel in ("email", "sms"):
        draft = rejection_message(cand, sender=recruiter, application=application,
                                  channel=channel)
        assert draft.body.startswith("Hi Amara,") and application.job.title in draft.body
        assert draft.body.count(application.job.title) == 1
        assert "we won't be taking things further this time" in draft.body
        if said:
            assert said in draft.body
        else:
            assert not any(s in draft.body for s in REASON_SENTENCES.values())
        assert "someone you know" not in draft.body and "call" not in draft.body.lower()
    assert draft.subject == "" and len(draft.body) <= SMS_LIMIT
