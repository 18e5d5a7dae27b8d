"""The match index outside a request: snapshots loaded instead of builds, catch-up after a
snapshot, the worker building a large pool while pages say so, certification expiry applied in
place, idle organizations evicted, and bounded queries with a cold index."""

# ruff: noqa: F811  (the fixtures of test_engine are imported and used as arguments)
from datetime import date, timedelta

import numpy as np
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from rounds.candidates import actions as candidate_actions
from rounds.candidates.models import Certification, Licence
from rounds.matching import index as match_index
from rounds.matching import snapshot
from rounds.matching.engine import rank, spec_for_job
from rounds.matching.tasks import build_index_task
from rounds.matching.tests.test_engine import fp_job, person, pool, red_deer  # noqa: F401

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def snapshots(settings, tmp_path):
    settings.MATCH_INDEX_DIR = str(tmp_path / "match_index")
    return tmp_path / "match_index"


def outcome(ranking):
    return [(m.candidate_id, m.score, m.band, m.reasons, m.gaps, m.near_miss)
            for m in ranking.results]


def same_columns(a, b):
    assert a.n == b.n and a.row_of == b.row_of
    for name in match_index.COLUMNS:
        assert np.array_equal(a.cols[name][:a.n], b.cols[name][:b.n], equal_nan=True), name
    for name in ("win_start", "win_end", "win_row", "exp_row", "exp_cert", "exp_day"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_a_snapshot_loaded_index_ranks_identically_to_a_fresh_build(
        org, fp_job, pool, snapshots, monkeypatch):
    spec = spec_for_job(fp_job)
    fresh = match_index.for_organization(org.pk)  # a small pool: built, and its snapshot written
    assert snapshot.path_for(org.pk).exists()
    built = outcome(rank(spec, organization_id=org.pk))
    match_index.forget()  # a new process
    monkeypatch.setattr(match_index, "build", lambda *a, **k: pytest.fail("built again"))
    loaded = match_index.for_organization(org.pk)
    assert loaded is not fresh
    same_columns(loaded, fresh)
    assert outcome(rank(spec, organization_id=org.pk)) == built


def test_edits_made_after_the_snapshot_reach_the_loaded_index(
        org, recruiter, fp_job, pool, snapshots, monkeypatch):
    spec = spec_for_job(fp_job)
    match_index.for_organization(org.pk)  # built, snapshot written
    monkeypatch.setattr(match_index, "build", lambda *a, **k: pytest.fail("built again"))
    ontario = pool["ontario"]
    candidate_actions.do_add_related(ontario, Licence, actor=recruiter, jurisdiction="CA-AB",
                                     status="active")
    match_index.forget()
    ranking = rank(spec, organization_id=org.pk)  # loaded from the snapshot, then caught up
    match = next(m for m in ranking.results if m.candidate_id == ontario.pk)
    assert "Licensed in AB" in match.reasons
    # An edit while it is loaded: caught up in place, the row replaced, not appended.
    index = match_index.for_organization(org.pk)
    rows = index.n
    candidate_actions.do_update_candidate(ontario, actor=recruiter, status="do_not_contact")
    assert match_index.for_organization(org.pk) is index
    assert index.n == rows
    assert index.cols["dnc"][index.row_of[ontario.pk]]
    assert ontario.pk not in [m.candidate_id for m in rank(spec, organization_id=org.pk).results]


def test_a_snapshot_of_another_organization_or_vocabulary_is_not_loaded(
        org, pool, snapshots, monkeypatch):
    match_index.for_organization(org.pk)
    assert snapshot.load(org.pk) is not None
    monkeypatch.setattr(snapshot, "identity", lambda org_id: f"{org_id}@another-database")
    assert snapshot.load(org.pk) is None
    monkeypatch.undo()
    monkeypatch.setattr(snapshot, "fingerprint", lambda: "other-knowledge")
    assert snapshot.load(org.pk) is None


def test_a_large_pool_without_a_snapshot_is_built_by_the_worker_not_the_page(
        login, recruiter, org, fp_job, pool, snapshots, settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    settings.MATCH_INDEX_INLINE_BUILD_MAX = 3
    real_build = match_index.build
    monkeypatch.setattr(match_index, "build", lambda *a, **k: pytest.fail("built in a request"))
    client = login(recruiter)
    url = reverse("matching:job", args=[fp_job.uuid])
    page = client.get(url)
    assert page.status_code == 200
    assert "Matching is warming up" in page.content.decode()
    assert "Local" not in page.content.decode()
    assert client.get(url, **HTMX).content.decode().count("Matching is warming up") == 1
    api = client.get(f"/api/matching/jobs/{fp_job.uuid}/matches")
    assert api.status_code == 503 and api["Retry-After"]
    panel = client.get(reverse("matching:candidate_jobs", args=[pool["local"].uuid]))
    assert "warming up" in panel.content.decode()
    queued = DBTaskResult.objects.filter(task_path__endswith="build_index_task")
    assert [r.args_kwargs["args"] for r in queued] == [[org.pk]]  # once, however many asked

    monkeypatch.setattr(match_index, "build", real_build)
    build_index_task.call(org.pk)  # the worker
    assert snapshot.path_for(org.pk).exists()
    match_index.forget()  # the web process holds nothing yet
    monkeypatch.setattr(match_index, "build", lambda *a, **k: pytest.fail("built in a request"))
    page = client.get(url, **HTMX).content.decode()
    assert "warming up" not in page and "Local" in page


def test_certification_expiry_is_applied_in_place_when_the_day_changes(
        org, recruiter, pool, settings, snapshots):
    settings.MATCH_INDEX_IDLE_MINUTES = 7 * 24 * 60  # in use all along
    local = pool["local"]
    tomorrow = timezone.localdate() + timedelta(days=1)
    candidate_actions.do_add_related(local, Certification, actor=recruiter, name="ACLS",
                                     expires_on=tomorrow)
    candidate_actions.do_add_related(local, Certification, actor=recruiter, name="BLS")
    index = match_index.for_organization(org.pk)
    acls = index.vocab.certifications["acls"]
    bls = index.vocab.certifications["bls"]
    row = index.row_of[local.pk]

    def held(i):
        return bool(int(index.cols["cert"][row][i // 64]) >> (i % 64) & 1)

    assert held(acls) and held(bls)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert match_index.for_organization(org.pk) is index  # no rebuild
        assert not held(acls) and held(bls)
        rebuilt = match_index.build(org.pk, save=False)
        assert np.array_equal(rebuilt.cols["cert"][:rebuilt.n], index.cols["cert"][:index.n])
        # A snapshot written before the day changed is brought to the day when loaded.
        match_index.forget()
        loaded = match_index.for_organization(org.pk)
        assert np.array_equal(loaded.cols["cert"][:loaded.n], rebuilt.cols["cert"][:rebuilt.n])


def test_idle_organizations_leave_memory(org, other_org, recruiter, pool, settings,
                                         snapshots):
    settings.MATCH_INDEX_IDLE_MINUTES = 30
    match_index.for_organization(org.pk)
    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        match_index.for_organization(other_org.pk)
        assert set(match_index.loaded()) == {org.pk, other_org.pk}
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        match_index.for_organization(other_org.pk)
        assert match_index.loaded() == [other_org.pk]
        # Back on its next use, from its snapshot.
        assert len(match_index.for_organization(org.pk)) == len(pool)


@pytest.mark.parametrize("size", [5, 40])
def test_matches_page_queries_with_a_cold_index(login, recruiter, org, fp_job, pool, size,
                                                snapshots, django_assert_max_num_queries):
    from conftest import make_candidates

    make_candidates(org, recruiter, size)
    match_index.for_organization(org.pk)  # the snapshot written
    match_index.forget()                  # a process that has not loaded it
    client = login(recruiter)
    client.get(reverse("today"))
    # The page's own queries, plus the snapshot's check and the catch-up (organization, window
    # aggregate, window rows): the same whatever the pool's size.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("matching:job", args=[fp_job.uuid]) + "?f=1")
    assert response.status_code == 200
    assert "Local" in response.content.decode()


@pytest.mark.parametrize("size", [5, 40])
def test_a_small_pool_without_a_snapshot_is_built_with_bounded_queries(
        login, recruiter, org, fp_job, pool, size, django_assert_max_num_queries):
    from conftest import make_candidates

    make_candidates(org, recruiter, size)
    client = login(recruiter)
    client.get(reverse("today"))
    with django_assert_max_num_queries(29):
        response = client.get(reverse("matching:job", args=[fp_job.uuid]) + "?f=1")
    assert response.status_code == 200


def test_warm_match_index_command_builds_then_refreshes_snapshots(org, pool, snapshots):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("warm_match_index", stdout=out)
    assert "built" in out.getvalue()
    assert snapshot.read_meta(org.pk)["n"] == len(pool)
    out = StringIO()
    call_command("warm_match_index", stdout=out)
    assert "loaded" in out.getvalue()
    match_index.forget()
    assert match_index.warm() == [org.pk]
    assert date.fromisoformat(snapshot.read_meta(org.pk)["built_on"]) == timezone.localdate()


@pytest.mark.parametrize("size", [5, 40])
def test_suggested_jobs_queries_with_a_cold_index(login, recruiter, org, fp_job, pool, size,
                                                  snapshots, django_assert_max_num_queries):
    from conftest import make_candidates

    make_candidates(org, recruiter, size)
    match_index.for_organization(org.pk)
    match_index.forget()
    client = login(recruiter)
    client.get(reverse("today"))
    # The panel's queries plus the snapshot's check and the catch-up, whatever the pool's size.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("matching:candidate_jobs", args=[pool["local"].uuid]))
    assert fp_job.title in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_erasure_leaves_nothing_of_the_person_in_the_snapshot(org, owner, fp_job, pool,
                                                                  snapshots):
    from django.db import transaction

    from rounds.candidates.erasure import do_erase_candidate

    match_index.for_organization(org.pk)  # built, snapshot written
    gone = pool["ontario"]
    before = snapshot.load(org.pk)
    assert before.cols["alive"][before.row_of[gone.pk]]
    with transaction.atomic():  # as the erase view does
        do_erase_candidate(gone, actor=owner)
    for loaded in (match_index._indexes[org.pk], snapshot.load(org.pk)):
        row = loaded.row_of[gone.pk]
        for name, (_dtype, _shape, fill) in match_index.COLUMNS.items():
            if name not in ("ids", "stamp"):
                assert np.all(loaded.cols[name][row] == fill) or (
                    np.all(np.isnan(loaded.cols[name][row])) and np.isnan(fill)), name
    match_index.forget()  # no index in memory: the snapshot is removed instead
    with transaction.atomic():
        do_erase_candidate(pool["local"], actor=owner)
    assert not snapshot.path_for(org.pk).exists()
