"""Match index start-up and catch-up: how soon a new process can rank, and what one edit costs.

    .venv/bin/python bench/match_index.py                  # SQLite: 100,000 and 1,000,000
    .venv/bin/python bench/match_index.py --db postgres    # PostgreSQL: the same
    .venv/bin/python bench/match_index.py --n 100000       # one size only

For each pool size (the 100,000 benchmark pool of bench/seed.py; the 1,000,000 pool is it copied
ten times with new ids, as bench/match_speed.py does, in its own SQLite file or PostgreSQL
database) the snapshot is made ready once (`manage.py warm_match_index`: built from the match
profiles if there is none, the time printed), then:

1. Cold start from the snapshot: a new Python process (Django set up, nothing cached) asks
   for the organization's index: the snapshot is read, checked and caught up. Timed from the
   call, and from the process's exec to ready. Median of three processes.
2. Catch-up after one candidate edit (100,000 only): a candidate is edited through
   rounds.candidates.actions.do_update_candidate (a new headline, so their profile is computed
   again, text reading included), then the next use of the index applies it: the profile
   rebuilt and stored, its row re-encoded in place. `--edits` edits, median and p95; also a
   use when nothing changed.

Goals (issue 11): ready at 1,000,000 candidates in ≤ 2 s (a first request paid 25 s building);
catch-up after one edit ≤ 20 ms at 100,000.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

START = time.time()
sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


def _setup(db: str, n: int) -> None:
    """Point Django at the pool of n (in this process) and set it up."""
    import seed

    if db == "postgres":
        base = seed.POSTGRES_URL
        if n != 100_000:
            seed.POSTGRES_URL = f"{base}_{n}"
    elif n != 100_000:
        seed.SQLITE_PATH = ROOT / "var" / f"bench_{n}.sqlite3"
    os.environ["MATCH_INDEX_DIR"] = str(ROOT / "var" / f"match_index_bench_{db}_{n}")
    seed.configure(db)


def _replicate_postgres(base_url: str, n: int) -> None:
    """The 1,000,000 pool on PostgreSQL: the 100,000 database as a template, then its candidates
    and their match profiles copied with new ids."""
    import psycopg
    from psycopg import sql

    server, name = base_url.rsplit("/", 1)
    target = f"{name}_{n}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [target]).fetchone():
            with psycopg.connect(f"{server}/{target}") as db:
                have = db.execute("SELECT count(*) FROM candidates_candidate").fetchone()[0]
            if have == n:
                print(f"Reusing {target} with {n:,} candidates.", flush=True)
                return
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(target)))
        print(f"Building {target}: {n:,} candidates from the 100,000 pool…", flush=True)
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(target), sql.Identifier(name)))
    started = time.perf_counter()
    with psycopg.connect(f"{server}/{target}") as db:
        def columns(table):
            return [r[0] for r in db.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position", [table])]

        plain = [c for c in columns("candidates_candidate") if c not in ("id", "uuid")]
        other = [c for c in columns("matching_matchprofile") if c != "candidate_id"]
        step = db.execute("SELECT max(id) FROM candidates_candidate").fetchone()[0]
        for copy in range(1, n // 100_000):
            offset = step * copy
            db.execute(
                f"INSERT INTO candidates_candidate (id, uuid, {', '.join(plain)}) "
                f"SELECT id + {offset}, gen_random_uuid(), {', '.join(plain)} "
                "FROM candidates_candidate WHERE id <= %s", [step])
            db.execute(
                f"INSERT INTO matching_matchprofile (candidate_id, {', '.join(other)}) "
                f"SELECT candidate_id + {offset}, {', '.join(other)} FROM matching_matchprofile "
                "WHERE candidate_id <= %s", [step])
            db.commit()
            print(f"  {(copy + 1) * 100_000:,}", flush=True)
        db.execute("SELECT setval(pg_get_serial_sequence('candidates_candidate', 'id'), "
                   "(SELECT max(id) FROM candidates_candidate))")
        db.commit()
    print(f"Built in {time.perf_counter() - started:.0f} s.", flush=True)


def prepare(db: str, n: int) -> None:
    """The pool of n seeded, its profiles current, its snapshot written."""
    import seed

    if n != 100_000:
        if n % 100_000:
            sys.exit("pools above 100,000 are copies of it: a multiple of 100,000")
        _child("prepare", db, 100_000)  # the base pool, with current profiles
        if db == "postgres":
            _replicate_postgres(seed.POSTGRES_URL, n)
        else:
            from match_speed import replicate

            replicate(ROOT / "var" / "bench.sqlite3", ROOT / "var" / f"bench_{n}.sqlite3", n)
    _child("warm", db, n)


def _child(role: str, db: str, n: int, *extra: str) -> list[dict]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", role, "--db", db, "--n", str(n), *extra,
         "--started", repr(time.time())],
        check=True, capture_output=True, text=True, env={**os.environ},
    )
    results = []
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            results.append(json.loads(line))
        else:
            print(line, flush=True)
    return results


def child(role: str, db: str, n: int, edits: int, started: float) -> None:
    import seed

    if role == "prepare":
        _setup(db, n)
        org, _user = seed.ensure_seeded(db, n)
        from rounds.matching import profiles

        t0 = time.perf_counter()
        done = profiles.refresh_organization(org.pk)
        if done:
            print(f"  {done:,} match profiles computed in {time.perf_counter() - t0:.1f} s")
        return
    _setup(db, n)
    org, user = seed._org_and_user()
    from rounds.matching import index as match_index
    from rounds.matching import snapshot

    if role == "warm":
        t0 = time.perf_counter()
        found = snapshot.load(org.pk)
        if found is None:
            with match_index.builds_allowed():
                built = match_index.build(org.pk)
            print(f"  no snapshot: built from the match profiles in {built.build_seconds:.1f} s "
                  f"(what a first request paid before), written in "
                  f"{time.perf_counter() - t0 - built.build_seconds:.1f} s")
        else:
            if found.catch_up():
                snapshot.save(found)
        size = snapshot.path_for(org.pk).stat().st_size
        print(json.dumps({"snapshot_mb": size / 1e6}))
        return
    if role == "cold":
        t0 = time.perf_counter()
        index = match_index.for_organization(org.pk)
        ready = time.perf_counter() - t0
        print(json.dumps({"load_s": ready, "exec_to_ready_s": time.time() - started,
                          "rows": len(index)}))
        return
    if role == "catchup":
        from django.db import transaction

        from rounds.candidates import actions as candidate_actions
        from rounds.candidates.models import Candidate

        match_index.for_organization(org.pk)
        people = list(Candidate.objects.filter(organization=org).order_by("id")[:edits])
        times, idle = [], []
        for i, person in enumerate(people):
            with transaction.atomic():
                candidate_actions.do_update_candidate(
                    person, actor=user, via="bench",
                    headline=f"Nocturnist, ACLS, {i + 3} years ({time.time():.0f})")
            t0 = time.perf_counter()
            index = match_index.for_organization(org.pk)
            times.append((time.perf_counter() - t0) * 1000)
            row = index.row_of[person.pk]
            assert index.cols["stamp"][row] == match_index.micros(
                Candidate.objects.values_list("updated_at", flat=True).get(pk=person.pk))
            t0 = time.perf_counter()
            match_index.for_organization(org.pk)
            idle.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({"edit_ms": times, "idle_ms": idle}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", default="100000,1000000",
                        help="pool sizes, comma-separated (default 100000,1000000)")
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, default=START, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db, int(args.n), args.edits, args.started)
        return
    sizes = [int(s) for s in args.n.split(",")]
    print(f"Machine load average: {os.getloadavg()[0]:.1f} (2 cores shared with other work: "
          "figures are noisy)", flush=True)
    for n in sizes:
        print(f"\n{args.db}, {n:,} candidates", flush=True)
        prepare(args.db, n)
        colds = [_child("cold", args.db, n)[0] for _ in range(3)]
        load = statistics.median(c["load_s"] for c in colds)
        whole = statistics.median(c["exec_to_ready_s"] for c in colds)
        print(f"  cold start from the snapshot ({colds[0]['rows']:,} rows): index ready in "
              f"{load:.2f} s after the first call; {whole:.2f} s from the process's exec "
              f"(Python and Django start included); median of 3 processes", flush=True)
        if n <= 100_000:
            result = _child("catchup", args.db, n, "--edits", str(args.edits))[0]
            edit, idle = result["edit_ms"], result["idle_ms"]
            print(f"  catch-up after one candidate edit: median {statistics.median(edit):.1f} "
                  f"ms, p95 {percentile(edit, 95):.1f} ms over {len(edit)} edits; "
                  f"nothing changed: median {statistics.median(idle):.1f} ms", flush=True)


if __name__ == "__main__":
    main()
