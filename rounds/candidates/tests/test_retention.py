"""The retention period: candidates untouched for the organization's number of days are
anonymised by a scheduled task, with a preview for the owner and a log of every run; nothing
personal of theirs survives anywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rounds.activities.actions import do_add_note
from rounds.candidates import retention, tasks
from rounds.candidates.actions import do_add_attachment, do_create_candidate
from rounds.candidates.choices import ErasureSource
from rounds.candidates.models import Candidate, Erasure, RetentionRun

from .erasure_helpers import database_hits, media_hits

MARK = "qzx7retain"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _person(org, actor, name: str, **fields) -> Candidate:
    cand = do_create_candidate(org.pk, actor=actor, first_name=name, last_name=f"{name}last",
                               email=f"{name}@example.com", phone="+14035550123",
                               profession="registered_nurse", headline=f"{name} headline",
                               **fields)
    do_add_note(cand, actor=actor, body=f"{name} note")
    do_add_attachment(cand, SimpleUploadedFile(f"{name}.txt", f"CV of {name}".encode(),
                                               "text/plain"), actor=actor)
    return cand


@pytest.fixture
def stale(org, recruiter):
    """Someone last touched three years ago (the default period is 730 days)."""
    with time_machine.travel(timezone.now() - timedelta(days=3 * 365), tick=False):
        return _person(org, recruiter, MARK)


@pytest.fixture
def fresh(org, recruiter):
    with time_machine.travel(timezone.now() - timedelta(days=3 * 365), tick=False):
        cand = _person(org, recruiter, "freshperson")
    do_add_note(cand, actor=recruiter, body="Called last week")  # active within the period
    return cand


def test_retention_anonymises_the_untouched_and_leaves_nothing(
    org, stale, fresh, django_capture_on_commit_callbacks
):
    assert list(retention.due(org)) == [stale]
    assert database_hits(MARK) and media_hits(MARK)

    with django_capture_on_commit_callbacks(execute=True):
        run = retention.do_run_retention(org)

    assert run.erased == 1 and run.finished_at and run.days == 730
    assert database_hits(MARK) == []
    assert media_hits(MARK) == []
    assert Candidate._base_manager.get(pk=stale.pk).erased_at is not None
    assert Candidate.objects.get(pk=fresh.pk).first_name == "freshperson"
    assert Erasure.objects.get().source == ErasureSource.RETENTION
    # A second run finds no one.
    assert retention.do_run_retention(org).erased == 0


def test_the_period_is_the_organizations(org, stale):
    org.retention_days = 5 * 365
    org.save()
    assert not retention.due(org).exists()


def test_the_daily_task_runs_every_organization_and_queues_the_next_run(
    org, other_org, stale, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        erased = tasks.retention_task.call()
    assert erased == 1
    assert tasks.is_scheduled()
    assert RetentionRun.objects.filter(organization=org, erased=1).exists()
    assert RetentionRun.objects.filter(organization=other_org, erased=0).exists()


def test_the_schedule_is_queued_once(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.ensure_retention_scheduled() is True
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.ensure_retention_scheduled() is False
    [row] = DBTaskResult.objects.filter(status="READY")
    assert row.task_path == tasks.retention_task.module_path
    assert row.run_after > timezone.now()


def test_next_run_is_the_next_three_oclock():
    now = timezone.now().replace(hour=2, minute=0)
    assert tasks.next_run(now) == now.replace(hour=3, minute=0, second=0, microsecond=0)
    later = now.replace(hour=4)
    assert tasks.next_run(later) == (later + timedelta(days=1)).replace(
        hour=3, minute=0, second=0, microsecond=0)


def test_owner_previews_who_is_due_and_runs_it(login, owner, stale, fresh):
    client = login(owner)
    page = client.get(reverse("candidates:retention")).content.decode()
    assert MARK in page and "freshperson" not in page
    response = client.post(reverse("candidates:retention"))
    assert response.status_code == 302
    page = client.get(reverse("candidates:retention")).content.decode()
    assert MARK not in page and "Nobody" in page
    run = RetentionRun.objects.get()
    assert (run.erased, run.actor) == (1, owner)
