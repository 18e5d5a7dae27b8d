"""Background work is durable: a queued job is a row in the database, so it outlives the
process that queued it and is run by a worker started afterwards, in another process."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection, connections
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from rounds.candidates.models import Candidate
from rounds.imports.choices import ImportStatus
from rounds.imports.models import ImportBatch

ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    host = s.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


def test_a_queued_import_survives_a_restart_and_runs_in_a_new_worker_process(
    transactional_db, login, recruiter, settings
):
    settings.IMPORT_INLINE_MAX_ROWS = 1
    client = login(recruiter)
    rows = "first_name,last_name,email,profession\n" + "".join(
        f"Ana{i},Silva,ana{i}@example.com,RN\n" for i in range(3)
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        reverse("imports:list"),
        {"file": SimpleUploadedFile("nurses.csv", rows.encode(), "text/csv")},
    )
    batch = ImportBatch.objects.get()
    client.post(reverse("imports:map", args=[batch.uuid]), batch.mapping)
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    connections.close_all()  # the web process goes away; only the database remains
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "rounds.settings",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr

    batch.refresh_from_db()
    assert (batch.status, batch.created_count) == (ImportStatus.COMPLETED, 3)
    assert Candidate.objects.filter(last_name="Silva").count() == 3
    # Nothing left to run now; the sweep the claim queued for the end of its lease runs later
    # and finds nothing to resume (rounds/imports/tasks.py).
    waiting = DBTaskResult.objects.filter(status="READY")
    assert not waiting.exclude(task_path__endswith="resume_stalled_imports_task").exists()
    assert all(t.run_after is not None for t in waiting)
