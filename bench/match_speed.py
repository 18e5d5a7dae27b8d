"""Matching speed: time to rank a whole pool for one job, index build time and memory.

    .venv/bin/python bench/match_speed.py                    # 100,000 candidates, SQLite
    .venv/bin/python bench/match_speed.py --db postgres      # 100,000 candidates, PostgreSQL
    .venv/bin/python bench/match_speed.py --n 1000000        # a million (own SQLite file)

Seeds the benchmark database if needed (bench/seed.py; a pool of another size gets its own
SQLite file, var/bench_<n>.sqlite3, so the 100,000 pool other benchmarks use is kept). Then:

1. Index build, cold: every match profile computed from the candidate records (what an
   organization's first ranking or a full rebuild costs), then the columns loaded.
2. Index build, warm: profiles current, columns loaded (a new web process starting).
3. Ranking: seven realistic jobs (family physician, ICU nurse, locum emergency physician with
   dates, oncology research coordinator, medical office assistant, hospitalist nocturnist in
   Texas, a posting with nothing recognisable), each ranked `--repeat` times through
   `rounds.matching.engine.rank` — every candidate scored, the top 25 loaded with reasons.
   Also the scoring alone (every candidate, no page loaded).
4. Catch-up: one candidate edited, then the next ranking picks the change up.
5. Memory: the index columns, and the process's peak resident memory.

Goals: median <= 100 ms at 100,000 candidates and <= 1 s at 1,000,000.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


JOBS = [
    dict(title="Family Physician — full scope", profession="physician",
         specialty="Family medicine", licence_jurisdiction="CA-AB", employment_type="permanent",
         site=("Red Deer", "AB", "T4N 4E7", "CA"),
         description="Full-scope family practice, CCFP preferred, 2+ years' experience."),
    dict(title="Registered Nurse — ICU", profession="registered_nurse",
         specialty="Critical care nursing", licence_jurisdiction="CA-AB",
         employment_type="permanent", site=("Calgary", "AB", "T2N 4N1", "CA"),
         description="Adult ICU, ACLS and BLS required, 3 years of critical care experience."),
    dict(title="Locum Emergency Physician", profession="physician",
         specialty="Emergency medicine", licence_jurisdiction="CA-AB", employment_type="locum",
         site=("Lethbridge", "AB", "T1J 0P3", "CA"),
         description="Two weeks of ED shifts, ACLS, ATLS.", dates=(30, 43)),
    dict(title="Clinical Research Coordinator — Oncology",
         profession="clinical_research_coordinator", specialty="", licence_jurisdiction="",
         employment_type="permanent",
         site=("Calgary", "AB", "T2N 4N1", "CA"),
         description="Phase I and II oncology trials at our research site; GCP required."),
    dict(title="Medical Office Assistant", profession="medical_office_assistant", specialty="",
         licence_jurisdiction="", employment_type="part_time",
         site=("Airdrie", "AB", "T4B 3C3", "CA"), description="Front desk, Accuro EMR."),
    dict(title="BE/BC Hospitalist – Nocturnist", profession="physician", specialty="Hospitalist",
         licence_jurisdiction="US-TX", employment_type="permanent",
         site=("Dallas", "TX", "75201", "US"), description="7-on/7-off nights."),
    dict(title="Operations Lead", profession="other", specialty="", licence_jurisdiction="",
         employment_type="permanent", site=("Calgary", "AB", "T2P 1J9", "CA"),
         description="Lead our scheduling and logistics team."),
]


def ensure_jobs(org, user):
    from rounds.accounts.models import Site
    from rounds.jobs.models import Job
    from rounds.lib import geo

    jobs = []
    for spec in JOBS:
        city, region, postal, country = spec["site"]
        site, _ = Site.objects.get_or_create(
            organization=org, name=f"Bench {city}",
            defaults={"city": city, "region": region, "postal_code": postal, "country": country},
        )
        if site.latitude is None:
            place = geo.locate(postal_code=postal, city=city, region=region, country=country)
            if place:
                site.latitude, site.longitude = place.latitude, place.longitude
                site.save()
        fields = {k: v for k, v in spec.items() if k not in ("site", "dates")}
        if "dates" in spec:
            start = date.today() + timedelta(days=spec["dates"][0])
            fields["start_date"] = start
            fields["end_date"] = date.today() + timedelta(days=spec["dates"][1])
        job, _ = Job.objects.get_or_create(organization=org, title=spec["title"],
                                           defaults={**fields, "site": site, "owner": user})
        jobs.append(job)
    return jobs


def replicate(base: Path, target: Path, n: int) -> None:
    """A pool of n candidates on SQLite: the 100,000-candidate benchmark database copied, then
    its candidates and their current match profiles copied again with new ids until there are n
    (profiles come along, so the index build reads them as it would in production)."""
    import shutil
    import sqlite3

    if target.exists():
        with sqlite3.connect(target) as db:
            have = db.execute("SELECT count(*) FROM candidates_candidate").fetchone()[0]
        if have == n:
            print(f"Reusing {target.name} with {n:,} candidates.", flush=True)
            return
    print(f"Building {target.name}: {n:,} candidates from the 100,000 pool…", flush=True)
    started = time.perf_counter()
    shutil.copyfile(base, target)
    with sqlite3.connect(target) as db:
        cols = [r[1] for r in db.execute("PRAGMA table_info(candidates_candidate)")]
        plain = [c for c in cols if c not in ("id", "uuid")]
        profile_cols = [r[1] for r in db.execute("PRAGMA table_info(matching_matchprofile)")]
        other = [c for c in profile_cols if c != "candidate_id"]
        step = db.execute("SELECT max(id) FROM candidates_candidate").fetchone()[0]
        for copy in range(1, n // 100_000):
            offset = step * copy
            db.execute(
                f"INSERT INTO candidates_candidate (id, uuid, {', '.join(plain)}) "
                f"SELECT id + {offset}, lower(hex(randomblob(16))), {', '.join(plain)} "
                "FROM candidates_candidate WHERE id <= ?", [step])
            db.execute(
                f"INSERT INTO matching_matchprofile (candidate_id, {', '.join(other)}) "
                f"SELECT candidate_id + {offset}, {', '.join(other)} FROM matching_matchprofile "
                "WHERE candidate_id <= ?", [step])
            db.commit()
            print(f"  {(copy + 1) * 100_000:,}", flush=True)
    print(f"Built in {time.perf_counter() - started:.0f} s.", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--skip-cold", action="store_true",
                        help="don't time the cold build (profiles from scratch)")
    args = parser.parse_args()
    big = args.n > 100_000
    if big:
        if args.db != "sqlite" or args.n % 100_000:
            parser.error("pools above 100,000 are built on SQLite, in multiples of 100,000")
        base = ROOT / "var" / "bench.sqlite3"
        target = ROOT / "var" / f"bench_{args.n}.sqlite3"
        os.environ["BENCH_SQLITE_PATH"] = str(target)
    import seed

    if big:
        seed.SQLITE_PATH = base
        seed.configure("sqlite")
        import django

        django.setup()
        seed.ensure_seeded("sqlite", 100_000)
        from rounds.accounts.models import Organization
        from rounds.matching import profiles

        profiles.refresh_organization(Organization.objects.get(slug=seed.ORG_SLUG).pk)
        from django.db import connections

        connections.close_all()
        replicate(base, target, args.n)
        from django.conf import settings

        settings.DATABASES["default"]["NAME"] = str(target)
        org, user = seed._org_and_user()
    else:
        seed.configure(args.db)
        import django

        django.setup()
        org, user = seed.ensure_seeded(args.db, args.n)

    from rounds.candidates import actions as candidate_actions
    from rounds.candidates.models import Candidate
    from rounds.matching import index as match_index
    from rounds.matching import profiles
    from rounds.matching.engine import rank, score_columns, spec_for_job
    from rounds.matching.models import MatchProfile

    jobs = ensure_jobs(org, user)
    print(f"Pool: {Candidate.objects.filter(organization=org).count():,} candidates, "
          f"{args.db}.", flush=True)

    if not args.skip_cold:
        MatchProfile.objects.filter(organization=org).delete()
        t0 = time.perf_counter()
        computed = profiles.refresh_organization(org.id)
        cold_profiles = time.perf_counter() - t0
        print(f"Profiles computed from candidate records: {computed:,} in {cold_profiles:.1f} s "
              f"({computed / cold_profiles:,.0f}/s)", flush=True)
    match_index.forget()
    t0 = time.perf_counter()
    index = match_index.for_organization(org.id)
    warm = time.perf_counter() - t0
    print(f"Index build with current profiles (a new process): {warm:.2f} s", flush=True)

    all_times: list[float] = []
    score_times: list[float] = []
    print(f"\n{'job':<44} {'median':>9} {'p95':>9}  top result")
    for job in jobs:
        spec = spec_for_job(job)
        rank(spec, organization_id=org.id, limit=25)  # warm caches
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ranking = rank(spec, organization_id=org.id, limit=25)
            times.append((time.perf_counter() - t0) * 1000)
        for _ in range(max(3, args.repeat // 3)):
            t0 = time.perf_counter()
            score_columns(spec, index)
            score_times.append((time.perf_counter() - t0) * 1000)
        all_times.extend(times)
        top = ranking.results[0] if ranking.results else None
        label = (f"{top.score:.0f} — {'; '.join(top.reasons[:2])}" if top else "—")[:60]
        print(f"{job.title[:44]:<44} {statistics.median(times):>7.1f}ms "
              f"{percentile(times, 95):>7.1f}ms  {label}", flush=True)
    print(f"\nRank {len(index):,} candidates (score all, top 25 with reasons): "
          f"median {statistics.median(all_times):.1f} ms, p95 {percentile(all_times, 95):.1f} ms "
          f"over {len(all_times)} rankings")
    print(f"Scoring alone: median {statistics.median(score_times):.1f} ms, "
          f"p95 {percentile(score_times, 95):.1f} ms")

    someone = Candidate.objects.filter(organization=org).order_by("id").first()
    from django.db import transaction

    with transaction.atomic():
        candidate_actions.do_update_candidate(
            someone, actor=None, via="bench", headline="Nocturnist, ACLS, 9 years")
    t0 = time.perf_counter()
    match_index.for_organization(org.id)
    catch_up = (time.perf_counter() - t0) * 1000
    print(f"Catch-up after one candidate edit: {catch_up:.1f} ms")

    nbytes = sum(col.nbytes for col in index.cols.values()) + index.win_start.nbytes * 3
    print(f"Index columns: {nbytes / 1e6:.1f} MB (+ id map); process peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
