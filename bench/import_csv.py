"""Benchmark: import a 100,000-row candidate CSV (goal ≥ 2,000 rows/s), then import it again
(must create nothing). Runs the worker's code path (rounds.imports.tasks.run_import) against a
fresh database of its own, so it never touches your data.

    .venv/bin/python bench/import_csv.py                      # SQLite, var/bench_import.sqlite3
    .venv/bin/python bench/import_csv.py --db postgres        # PostgreSQL rounds_bench_import
    .venv/bin/python bench/import_csv.py --rows 20000 --profile
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PG_SERVER = "postgres://postgres@127.0.0.1:5432/"
PG_NAME = "rounds_bench_import"
BAD_EVERY = 100  # about 1% of the rows are deliberately wrong (a missing last name or an
# unknown profession is an error; an unreadable email, phone, jurisdiction or number of years
# is a warning and the row imports without it)


def prepare_database(db: str) -> None:
    VAR.mkdir(exist_ok=True)
    if db == "sqlite":
        path = VAR / "bench_import.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(PG_SERVER + "postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = PG_SERVER + PG_NAME
    media = VAR / "bench_import_media"
    shutil.rmtree(media, ignore_errors=True)
    os.environ["MEDIA_ROOT"] = str(media)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rounds.settings")
    os.environ["DEBUG"] = "0"  # no query log: production speed
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))


BAD_CELLS = (
    ("email", "not-an-email"), ("phone", "12"), ("years_experience", "many"),
    ("licence_jurisdictions", "Atlantis"), ("last_name", ""), ("profession", "Wizard"),
)


def write_csv(path: Path, n: int) -> int:
    from rounds.demo.people import IMPORT_COLUMNS, candidate_rows

    bad = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(IMPORT_COLUMNS)
        for i, row in enumerate(candidate_rows(n, seed=7)):
            if i % BAD_EVERY == BAD_EVERY - 1:
                column, value = BAD_CELLS[(i // BAD_EVERY) % len(BAD_CELLS)]
                row[column] = value
                bad += 1
            writer.writerow([row[c] for c in IMPORT_COLUMNS])
    return bad


def import_once(path: Path, org_id: int, actor, label: str, profile: bool = False) -> None:
    from django.core.files import File
    from django.db import transaction

    from rounds.imports import actions, tasks

    t0 = time.perf_counter()
    with path.open("rb") as fh, transaction.atomic():
        batch = actions.do_create_batch(org_id, File(fh, name=path.name), actor=actor)
        actions.do_start_import(batch, batch.mapping, actor=actor)
    t1 = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    cpu = time.process_time()
    batch = tasks.run_import(batch.pk, via="cli")
    t2 = time.perf_counter()
    cpu = time.process_time() - cpu
    if profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(35)
    rate = batch.rows_done / (t2 - t1)
    print(f"  {label}: {batch.status}, {batch.rows_done:,} rows in {t2 - t1:.1f} s "
          f"= {rate:,.0f} rows/s  (this process's CPU {cpu:.1f} s; "
          f"upload + checks {t1 - t0:.1f} s)")
    print(f"    created {batch.created_count:,} ({batch.warning_count:,} with a warning: a "
          f"value left out) · duplicates {batch.duplicate_count:,} · already imported "
          f"{batch.unchanged_count:,} · errors {batch.error_count:,}")
    if batch.error_message:
        print("    " + batch.error_message)
    return batch, rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    args = parser.parse_args()

    prepare_database(args.db)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rounds.accounts.actions import do_create_organization
    from rounds.candidates.models import Candidate

    call_command("migrate", verbosity=0)
    org, owner = do_create_organization(
        name="Bench Clinics", slug="bench", owner_email="bench@rounds.test",
        owner_password="bench-password-123", owner_first_name="Bench", owner_last_name="Owner",
        country="CA", time_zone="America/Edmonton",
    )
    path = VAR / "bench_import.csv"
    t0 = time.perf_counter()
    bad = write_csv(path, args.rows)
    print(f"Import benchmark on {connection.vendor} ({settings_name(connection)})")
    print(f"  wrote {args.rows:,} rows ({bad:,} deliberately bad, "
          f"{path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")

    first, rate = import_once(path, org.pk, owner, "first import", args.profile)
    second, rate2 = import_once(path, org.pk, owner, "re-import   ")
    total = Candidate.objects.filter(organization=org).count()
    print(f"  candidates in the pool: {total:,}; re-import created {second.created_count}")
    ok = rate >= 2000 and second.created_count == 0 and total == first.created_count
    print(f"  goal ≥ 2,000 rows/s and nothing doubled: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def settings_name(connection) -> str:
    return str(connection.settings_dict["NAME"])


if __name__ == "__main__":
    sys.exit(main())
