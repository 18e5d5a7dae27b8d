"""The property: an answer to a reply states nothing the record (the job, the employer
profile, the sender, the sender's calendar) or the reply itself doesn't hold — every name and
number in it comes from one of them — answers what was asked or promises it, and never pitches
to someone who said no."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rounds.accounts.choices import CompensationModel
from rounds.accounts.models import EmployerProfile, Site
from rounds.candidates.choices import EmploymentType
from rounds.candidates.models import Candidate
from rounds.jobs.choices import PayPeriod
from rounds.jobs.models import Job
from rounds.outreach import replies

from .conftest import NOON_EDMONTON

MARK = "Zx"  # every generated name starts with it, so the answer's names can be found
WORD = re.compile(MARK + r"[a-h]+")
URL = re.compile(r"https?://\S+")

names = st.text(alphabet="abcdefgh", min_size=3, max_size=7).map(lambda s: MARK + s)
phrases = st.lists(names, min_size=1, max_size=3).map(" ".join)
maybe = lambda strategy: st.one_of(st.just(""), strategy)  # noqa: E731
amounts = st.integers(20, 900).map(lambda n: n * 1000)

QUESTIONS = {
    "pay": "What's the pay?",
    "schedule": "How much call is there, and what's the schedule?",
    "location": "Where is the clinic?",
    "start": "When would it start?",
    "team": "Tell me about the team?",
    "emr": "Which EMR do you use?",
}


@st.composite
def cases(draw):
    asked = draw(st.lists(st.sampled_from(list(QUESTIONS)), unique=True, max_size=4))
    declined = draw(st.booleans())
    colleague = draw(st.one_of(st.none(), names))
    parts = ["Not for me right now." if declined else "Thanks for the note."]
    parts += [QUESTIONS[t] for t in asked]
    if colleague:
        parts.append(f"My colleague Dr. {colleague} is looking. Can I pass on your number?")
    if draw(st.booleans()) and not declined:
        parts.append(f"Could you call me after {draw(st.integers(1, 9))} today?")
    pay = draw(st.one_of(st.none(), st.tuples(amounts, amounts).map(sorted)))
    return {
        "first_name": draw(names),
        "preferred_name": draw(maybe(names)),
        "reply": " ".join(parts),
        "asked": asked,
        "declined": declined,
        "channel": draw(st.sampled_from(["email", "sms"])),
        "sender": (
            draw(names),
            draw(names),
            draw(maybe(phrases)),
            draw(st.sampled_from(["", "+1 403 555 0100"])),
        ),
        "job": draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {
                        "title": phrases,
                        "pay": st.just(pay),
                        "period": st.sampled_from(PayPeriod.values),
                        "employment_type": st.sampled_from(EmploymentType.values),
                        "description": maybe(
                            st.tuples(phrases, phrases).map(lambda p: f"{p[0]}, {p[1]} on call.")
                        ),
                        "value": maybe(phrases),
                        "start": st.one_of(st.none(), st.integers(10, 400)),
                        "site": st.one_of(
                            st.none(), st.tuples(phrases, maybe(phrases), maybe(phrases))
                        ),
                    }
                ),
            )
        ),
        "profile": draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {
                        "value": maybe(phrases),
                        "details": maybe(phrases),
                        "model": maybe(st.sampled_from(CompensationModel.values)),
                        "admin": maybe(phrases.map(lambda p: f"{p}, nights and weekends shared")),
                        "team": maybe(phrases),
                        "emr": maybe(names),
                        "community": maybe(phrases),
                    }
                ),
            )
        ),
    }


def build(org, sender, case):
    first, last, title, phone = case["sender"]
    sender.first_name, sender.last_name, sender.title, sender.phone = first, last, title, phone
    sender.save()
    cand = Candidate.objects.create(
        organization=org,
        profession="physician",
        last_name="Zxaa",
        first_name=case["first_name"],
        preferred_name=case["preferred_name"],
    )
    job = None
    if case["job"]:
        j = case["job"]
        site = None
        if j["site"]:
            site = Site.objects.create(
                organization=org, name=j["site"][0], address_line=j["site"][1], city=j["site"][2]
            )
        start = date(2026, 11, 18) + timedelta(days=j["start"]) if j["start"] else None
        job = Job.objects.create(
            organization=org,
            title=j["title"],
            profession="physician",
            site=site,
            employment_type=j["employment_type"],
            description=j["description"],
            value_proposition=j["value"],
            start_date=start,
            pay_period=j["period"],
            pay_min=Decimal(j["pay"][0]) if j["pay"] else None,
            pay_max=Decimal(j["pay"][1]) if j["pay"] else None,
        )
    EmployerProfile.objects.filter(organization=org).delete()
    if case["profile"]:
        p = case["profile"]
        EmployerProfile.objects.create(
            organization=org,
            value_proposition=p["value"],
            compensation_details=p["details"],
            compensation_model=p["model"],
            admin_support=p["admin"],
            team_based_care=p["team"],
            emr=p["emr"],
            community_points=p["community"],
        )
    org.refresh_from_db()
    return Candidate.objects.select_related("organization").get(pk=cand.pk), job


def check_honest(case, draft, call, job):
    text = URL.sub("", f"{draft.subject}\n{draft.body}")
    held = repr(case)
    if job is not None:
        held += job.pay_display + (replies.date_words(job.start_date) if job.start_date else "")
    held += " ".join(call.labels) + f" {replies.CALL_MINUTES} 1 2 3"
    # Names: each generated word in the answer is one the record or the reply holds.
    assert set(WORD.findall(text)) <= set(WORD.findall(held)), text
    # Numbers: each one is on record (pay, dates, the sender's phone), in the reply, or in the
    # times offered from the sender's calendar.
    assert set(re.findall(r"\d+", text)) <= set(re.findall(r"\d+", held)), text
    for hole in ("None", "{{", "}}", "  ", " .", " ,", "()", "$None"):
        assert hole not in text, (hole, text)
    # A question the record can't answer is promised by name, and shown to the recruiter;
    # one it can is answered with the facts listed.
    for topic in case["asked"]:
        label = replies.TOPICS[topic]
        if any(label in gap for gap in draft.gaps):
            assert "I'll confirm" in text and label in text, text
        else:
            assert len(draft.facts) > 1, (topic, draft.facts)
    if case["declined"]:
        assert call.mode == replies.NO_CALL and "Could we talk" not in text
        # No pitch to someone who said no.
        assert not any(f.startswith("Value proposition") for f in draft.facts)
    if draft.channel == "sms":
        assert draft.subject == ""


@pytest.fixture(autouse=True)
def noon():
    with time_machine.travel(NOON_EDMONTON, tick=False):
        yield


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
@pytest.mark.django_db
def test_an_answer_never_states_a_fact_the_record_does_not_hold(org, recruiter, case):
    with transaction.atomic():
        cand, job = build(org, recruiter, case)
        reading = replies.read(case["reply"])
        assert sorted(reading.asks) == sorted(case["asked"])
        assert reading.declined is case["declined"]
        mode, why = replies.default_mode(reading, case["channel"])
        call = replies.plan_call(cand, sender=recruiter, mode=mode, why=why)
        draft = replies.reply_draft(
            cand, sender=recruiter, reading=reading, channel=case["channel"], job=job, call=call
        )
        check_honest(case, draft, call, job)
        transaction.set_rollback(True)
