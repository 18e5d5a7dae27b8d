import pytest

from rounds.candidates.actions import do_create_candidate
from rounds.jobs.models import Job
from rounds.pipeline.actions import do_add_to_pipeline


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
    return Job.objects.create(organization=org, title="NP — Lethbridge",
                              profession="nurse_practitioner", owner=recruiter)


@pytest.fixture
def outsider_application(other_org, outsider):
    cand = do_create_candidate(other_org.pk, actor=outsider, first_name="Dana", last_name="Diaz",
                               profession="registered_nurse", country="US")
    job = Job.objects.create(organization=other_org, title="ER RN — Austin",
                             profession="registered_nurse", owner=outsider)
    return do_add_to_pipeline(cand, job, actor=outsider)


def make_candidates(org, actor, n, prefix="Cand"):
    return [
        do_create_candidate(org.pk, actor=actor, first_name=f"{prefix}{i}", last_name="Smith",
                            profession="physician", headline="Family physician")
        for i in range(n)
    ]
