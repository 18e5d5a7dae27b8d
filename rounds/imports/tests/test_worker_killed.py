"""An import whose worker dies resumes by itself: a real `manage.py db_worker` process is killed
with SIGKILL in the middle of an import; the sweep its claim queued for the end of the lease,
run by a worker then, queues the batch again, and the import finishes with every row imported
once — no duplicate candidates, nobody pressing Resume."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from rounds.candidates.models import Candidate
from rounds.imports import actions, tasks
from rounds.imports.choices import ImportStatus
from rounds.imports.models import ImportBatch

from .conftest import csv_bytes, person, upload

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[3]
ROWS = 1500
CHUNK = 50


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    host = s.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE":
           "rounds.settings", "SECRET_KEY": "imports-killed-test-" + "x" * 40, "DEBUG": "1",
           "MEDIA_ROOT": str(django_settings.MEDIA_ROOT), "IMPORT_CHUNK_ROWS": str(CHUNK),
           "LOG_LEVEL": "ERROR"}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("ROUNDS_TESTING", None)
    connections.close_all()
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload",
         "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def test_a_killed_worker_s_import_resumes_by_itself_with_no_duplicates(org, recruiter,
                                                                       settings):
    settings.IMPORT_CHUNK_ROWS = CHUNK
    with transaction.atomic():
        batch = actions.do_create_batch(
            org.pk, upload(csv_bytes([person(i) for i in range(1, ROWS + 1)])), actor=recruiter)
        actions.do_start_import(batch, batch.mapping, actor=recruiter)
        transaction.on_commit(lambda: tasks.import_batch_task.enqueue(batch.pk))

    worker = start_worker()
    try:
        deadline = time.monotonic() + 120
        while True:
            batch.refresh_from_db()
            if batch.rows_done >= 2 * CHUNK or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    connections.close_all()

    batch.refresh_from_db()
    assert batch.status == ImportStatus.RUNNING, "the worker finished before it was killed"
    assert 0 < batch.rows_done < ROWS
    done_before = batch.rows_done
    assert Candidate.objects.filter(organization=org).count() == batch.created_count == done_before

    # The claim queued a sweep for the end of its lease; until then nothing moves.
    lease_end = batch.heartbeat_at + actions.lease()
    sweeps = DBTaskResult.objects.filter(status="READY",
                                         task_path__endswith="resume_stalled_imports_task")
    assert sweeps.filter(run_after__lte=lease_end).exists()
    assert actions.do_requeue_stalled(lease_end - timedelta(seconds=1)) == []

    # At the lease's end a worker (here, this process) runs what is due: the sweep, then the
    # import it queued again.
    with time_machine.travel(lease_end + timedelta(seconds=5), tick=True):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMPLETED
    assert batch.rows_done == batch.total_rows == ROWS
    assert batch.created_count == ROWS and batch.duplicate_count == 0
    people = Candidate.objects.filter(organization=org)
    assert people.count() == ROWS
    assert not people.values("email_normalized").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not ImportBatch.objects.filter(status=ImportStatus.RUNNING).exists()
