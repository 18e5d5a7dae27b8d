"""Benchmark: import the real NPPES file (../shared/data/nppes_sample.csv: 1,000 providers, 330
columns, up to 15 taxonomies and licences each) with the mapping suggested at upload, as a
recruiter accepting it would — the worker's code path (rounds.imports.tasks.run_import) on a
fresh database of its own. Each run imports into a new organization (nothing already there),
then imports the same file again (must create nothing). Prints rows/s per run, the first run
(a fresh process reads the healthcare knowledge files once) and the median of the others.

    .venv/bin/python bench/import_nppes.py                  # SQLite, var/bench_import.sqlite3
    .venv/bin/python bench/import_nppes.py --db postgres    # PostgreSQL rounds_bench_import
    .venv/bin/python bench/import_nppes.py --runs 9

Skips, saying so, where ../shared/data is absent."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from import_csv import ROOT, prepare_database, settings_name

DATA = ROOT.parent / "shared" / "data" / "nppes_sample.csv"


def import_once(path: Path, org_id: int, actor):
    from django.core.files import File
    from django.db import transaction

    from rounds.imports import actions, tasks

    t0 = time.perf_counter()
    with path.open("rb") as fh, transaction.atomic():
        batch = actions.do_create_batch(org_id, File(fh, name=path.name), actor=actor)
        actions.do_start_import(batch, batch.mapping, actor=actor)  # the suggestion, accepted
    t1 = time.perf_counter()
    batch = tasks.run_import(batch.pk, via="cli")
    t2 = time.perf_counter()
    return batch, t1 - t0, t2 - t1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"{DATA} is absent: this benchmark reads the real NPPES file; skipped.")
        return 0

    prepare_database(args.db)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from rounds.accounts.actions import do_create_organization
    from rounds.candidates.models import Candidate

    call_command("migrate", verbosity=0)
    print(
        f"NPPES import benchmark on {connection.vendor} ({settings_name(connection)}): "
        f"{DATA.name}, {DATA.stat().st_size / 1e6:.1f} MB"
    )
    rates, again_rates, ok = [], [], True
    for run in range(1, args.runs + 1):
        org, owner = do_create_organization(
            name=f"Bench Clinics {run}",
            slug=f"bench-{run}",
            owner_email=f"bench{run}@rounds.test",
            owner_password="bench-password-123",
            owner_first_name="Bench",
            owner_last_name="Owner",
            country="US",
            time_zone="America/Chicago",
        )
        batch, upload_s, run_s = import_once(DATA, org.pk, owner)
        rate = batch.rows_done / run_s
        rates.append(rate)
        if run == 1:
            print(
                f"  {len(batch.headers)} columns; mapped: "
                + ", ".join(
                    f"{k} ({len(v) if isinstance(v, list) else 1})"
                    for k, v in batch.mapping.items()
                )
            )
        print(
            f"  run {run}: {batch.status}, {batch.rows_done:,} rows in {run_s:.2f} s = "
            f"{rate:,.0f} rows/s (upload, checks and mapping suggestion {upload_s:.2f} s); "
            f"created {batch.created_count:,} ({batch.warning_count} with warnings), "
            f"not candidates {batch.skipped_count}, duplicates {batch.duplicate_count}, "
            f"errors {batch.error_count}"
        )
        again, _upload_s, again_s = import_once(DATA, org.pk, owner)
        again_rates.append(again.rows_done / again_s)
        pool = Candidate.objects.filter(organization=org).count()
        ok = ok and again.created_count == 0 and pool == batch.created_count
        ok = ok and batch.status == again.status == "completed"
    warm = rates[1:] or rates
    print(
        f"  first run in a fresh process (reads the healthcare knowledge files): "
        f"{rates[0]:,.0f} rows/s; then median {statistics.median(warm):,.0f} rows/s "
        f"(best {max(warm):,.0f}); re-import median {statistics.median(again_rates):,.0f} "
        f"rows/s, created nothing: {'yes' if ok else 'NO'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
