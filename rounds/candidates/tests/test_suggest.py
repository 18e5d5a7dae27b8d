"""The "find a candidate" boxes (add to a job on the job page and on the board, "referred by" on
the candidate form): one function, `search.suggest_candidates`, through the full-text index,
scoped to the organization and to what a hiring manager may see."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.activities.actions import do_add_note
from rounds.candidates.actions import do_create_candidate
from rounds.candidates.search import suggest_candidates
from rounds.pipeline.actions import do_add_to_pipeline


@pytest.fixture
def pool(org, other_org, recruiter, outsider, candidate):
    """Amara Okafor (the conftest candidate), two more of ours, and an Okafor of another org."""
    nadia = do_create_candidate(
        org.pk, actor=recruiter, first_name="Nadia", last_name="Okonkwo", profession="physician",
        headline="Hospitalist",
    )
    bruno = do_create_candidate(
        org.pk, actor=recruiter, first_name="Bruno", last_name="Tremblay",
        profession="registered_nurse", headline="Emergency RN",
    )
    do_add_note(bruno, actor=recruiter, body="Knows Dr Okafor from the Calgary rotation.")
    theirs = do_create_candidate(
        other_org.pk, actor=outsider, first_name="Amara", last_name="Okafor",
        profession="physician", headline="Family physician", country="US",
    )
    return {"amara": candidate, "nadia": nadia, "bruno": bruno, "theirs": theirs}


def names(found):
    return [f"{c.first_name} {c.last_name}" for c in found]


def test_every_word_typed_is_a_word_prefix(pool, recruiter):
    assert names(suggest_candidates(recruiter, "oka")) == ["Amara Okafor", "Bruno Tremblay"]
    assert names(suggest_candidates(recruiter, "amara oka")) == ["Amara Okafor"]
    assert names(suggest_candidates(recruiter, "Ok")) == [
        "Amara Okafor", "Nadia Okonkwo", "Bruno Tremblay"]  # by name
    assert names(suggest_candidates(recruiter, "calg rotation")) == ["Bruno Tremblay"]
    assert suggest_candidates(recruiter, "kafor") == []  # the middle of a word is not a prefix
    assert suggest_candidates(recruiter, "o") == []  # too short to search
    assert suggest_candidates(recruiter, "'\"*") == []  # no words, no index syntax


def test_another_organizations_candidate_never_appears(pool, recruiter, outsider):
    assert pool["theirs"] not in suggest_candidates(recruiter, "amara okafor")
    assert names(suggest_candidates(outsider, "oka")) == ["Amara Okafor"]
    assert suggest_candidates(outsider, "oka") == [pool["theirs"]]


def test_hiring_manager_finds_only_people_in_their_jobs(pool, recruiter, hiring_manager, hm_job,
                                                        other_job):
    assert suggest_candidates(hiring_manager, "oka") == []
    do_add_to_pipeline(pool["nadia"], other_job, actor=recruiter)
    assert suggest_candidates(hiring_manager, "oka") == []
    do_add_to_pipeline(pool["bruno"], hm_job, actor=recruiter)
    assert names(suggest_candidates(hiring_manager, "oka")) == ["Bruno Tremblay"]


def test_people_already_in_the_job_are_left_out(pool, recruiter, job):
    do_add_to_pipeline(pool["amara"], job, actor=recruiter)
    assert names(suggest_candidates(recruiter, "oka", exclude_job=job)) == ["Bruno Tremblay"]


def autocomplete_requests(job):
    """The three boxes, as the browser asks for them while the person types "okaf"."""
    return [
        (reverse("jobs:detail", args=[job.uuid]), {"q": "okaf"}, {}),
        (reverse("pipeline:candidate_search", args=[job.uuid]), {"q": "okaf"}, {}),
        (reverse("candidates:create"), {"referrer": "okaf"}, {"HTTP_HX_REQUEST": "true"}),
    ]


@pytest.mark.parametrize("box", [0, 1, 2], ids=["job page", "board", "referrer"])
def test_each_box_uses_the_index_and_stays_in_the_organization(box, pool, login, recruiter, job):
    url, params, headers = autocomplete_requests(job)[box]
    with CaptureQueriesContext(connection) as ctx:
        response = login(recruiter).get(url, params, **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Amara Okafor" in html and "Bruno Tremblay" in html  # a name, a note
    assert str(pool["theirs"].uuid) not in html and "Nadia" not in html
    sql = [q["sql"] for q in ctx.captured_queries]
    lookups = [s for s in sql if "okaf" in s.lower()]
    assert lookups, sql
    for s in lookups:
        # No LIKE '%okaf%' (a scan of every note); a prefix LIKE 'okaf%' on a name is fine.
        assert not re.search(r"LIKE\s+'%", s, re.IGNORECASE), s
        assert "%okaf" not in s.lower(), s
    index = "candidates_candidate_fts" if connection.vendor == "sqlite" else "to_tsquery"
    assert any(index in s for s in lookups), lookups
