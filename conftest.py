"""Shared fixtures: two organizations and named personas (an owner, a recruiter, a hiring
manager, a read-only user, and an outsider from another organization)."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from rounds.accounts.actions import do_create_organization
from rounds.accounts.choices import Role
from rounds.accounts.models import User
from rounds.candidates.actions import do_create_candidate
from rounds.jobs.models import Job
from rounds.pipeline.actions import do_add_to_pipeline
from rounds.pipeline.models import Stage

PASSWORD = "correct horse battery staple"

# CI runs the suite a second time with the process clock this many days ahead, so a test that
# mixes the wall clock with a fixed date fails now rather than on the day the calendar passes it.
CLOCK_AHEAD_DAYS = int(os.environ.get("ROUNDS_CLOCK_AHEAD_DAYS") or 0)
_clock_traveller = None


def pytest_configure(config):
    """Move the clock before collection, so module-level values see the same clock as tests."""
    global _clock_traveller
    if CLOCK_AHEAD_DAYS:
        import time_machine

        _clock_traveller = time_machine.travel(
            datetime.now(UTC) + timedelta(days=CLOCK_AHEAD_DAYS), tick=True
        )
        _clock_traveller.start()


def pytest_unconfigure(config):
    if _clock_traveller is not None:
        _clock_traveller.stop()


def pytest_report_header(config):
    if CLOCK_AHEAD_DAYS:
        return f"clock: {CLOCK_AHEAD_DAYS} days ahead ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)"
    return None


def make_user(org, role, email, first="Pat", last="Lee"):
    return User.objects.create_user(
        username=email,
        email=email,
        password=PASSWORD,
        organization=org,
        role=role,
        first_name=first,
        last_name=last,
    )


@pytest.fixture(autouse=True)
def fresh_match_indexes():
    """The match index and job specs are cached per process; every test rolls the database
    back, so every test starts without them."""
    from rounds.matching import index, spec

    index.forget()
    spec.forget()
    yield
    index.forget()
    spec.forget()


@pytest.fixture
def org(db):
    org, _owner = do_create_organization(
        name="Prairie Family Clinics",
        slug="prairie",
        owner_email="owner@prairie.test",
        owner_password=PASSWORD,
        owner_first_name="Olivia",
        owner_last_name="Owner",
        country="CA",
        time_zone="America/Edmonton",
        postal_address="4920 51 St, Red Deer, AB T4N 6K8",
    )
    return org


@pytest.fixture
def other_org(db):
    org, _owner = do_create_organization(
        name="Lone Star Locums",
        slug="lonestar",
        owner_email="owner@lonestar.test",
        owner_password=PASSWORD,
        owner_first_name="Oscar",
        owner_last_name="Outsider",
        country="US",
        time_zone="America/Chicago",
        postal_address="700 Lavaca St, Austin, TX 78701",
    )
    return org


@pytest.fixture
def owner(org):
    return User.objects.get(email="owner@prairie.test")


@pytest.fixture
def recruiter(org):
    return make_user(org, Role.RECRUITER, "recruiter@prairie.test", "Rita", "Recruiter")


@pytest.fixture
def hiring_manager(org):
    return make_user(org, Role.HIRING_MANAGER, "hm@prairie.test", "Hank", "Manager")


@pytest.fixture
def read_only(org):
    return make_user(org, Role.READ_ONLY, "viewer@prairie.test", "Vera", "Viewer")


@pytest.fixture
def outsider(other_org):
    """A recruiter of another organization: must never see or change anything of `org`."""
    return make_user(other_org, Role.RECRUITER, "recruiter@lonestar.test", "Otto", "Outsider")


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def login():
    return client_for


@pytest.fixture
def candidate(org, recruiter):
    return do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="Amara.Okafor@Example.com",
        phone="403-555-0142",
        profession="physician",
        headline="Family physician, CCFP, obstetrics",
        city="Calgary",
        region="AB",
        country="CA",
        specialties=["Family Medicine"],
    )


@pytest.fixture
def job(org, recruiter):
    return Job.objects.create(
        organization=org,
        title="Family Physician — Red Deer",
        profession="physician",
        specialty="Family Medicine",
        owner=recruiter,
        pay_min=280000,
        pay_max=420000,
    )


@pytest.fixture
def stages(org):
    return {s.name: s for s in Stage.objects.filter(organization=org)}


@pytest.fixture
def run_tasks(db):
    """Run everything queued on the real database task queue, as a worker would. The worker
    closes its connection when done, so tests that use this need `transactional_db`."""

    def run():
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    return run


# Pipeline fixtures shared by the jobs and pipeline tests.


@pytest.fixture
def application(candidate, job, recruiter):
    return do_add_to_pipeline(candidate, job, actor=recruiter)


@pytest.fixture
def hm_job(job, hiring_manager):
    job.hiring_team.add(hiring_manager)
    return job


@pytest.fixture
def other_job(org, recruiter):
    """A job of the same organization that the hiring manager is not on."""
    return Job.objects.create(
        organization=org, title="NP — Lethbridge", profession="nurse_practitioner", owner=recruiter
    )


@pytest.fixture
def outsider_application(other_org, outsider):
    cand = do_create_candidate(
        other_org.pk,
        actor=outsider,
        first_name="Dana",
        last_name="Diaz",
        profession="registered_nurse",
        country="US",
    )
    job = Job.objects.create(
        organization=other_org,
        title="ER RN — Austin",
        profession="registered_nurse",
        owner=outsider,
    )
    return do_add_to_pipeline(cand, job, actor=outsider)


def make_candidates(org, actor, n, prefix="Cand"):
    return [
        do_create_candidate(
            org.pk,
            actor=actor,
            first_name=f"{prefix}{i}",
            last_name="Smith",
            profession="physician",
            headline="Family physician",
        )
        for i in range(n)
    ]
