"""Candidate search benchmark: server time of the real list view at 100,000 candidates.

    .venv/bin/python bench/search.py                 # SQLite (var/bench.sqlite3)
    .venv/bin/python bench/search.py --db postgres   # PostgreSQL (rounds_bench)
    .venv/bin/python bench/search.py --n 20000 --requests 400

Seeds the benchmark database first if needed (bench/seed.py), then signs in as a recruiter and
sends a fixed, realistic mix of requests through the whole Django stack (middleware, session,
view, search, template) with the test Client: free text alone, free text with filters, filters
alone, within N km of a place sorted by distance, deep pages, and htmx live-search partials.
Prints the median and 95th percentile per kind and overall. Goal: p95 <= 150 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed  # noqa: E402

CITIES = ["Calgary, AB", "Edmonton, AB", "Red Deer, AB", "Lethbridge, AB", "Toronto, ON",
          "Vancouver, BC", "Halifax, NS", "Houston, TX", "Dallas, TX", "Austin, TX", "T2P 1J9",
          "T4N", "77002", "Phoenix, AZ", "Denver, CO", "Winnipeg, MB"]
TEXT = ["family", "obst", "emergency", "nurse", "cardio", "icu", "oncology", "locum", "epic",
        "family medicine", "er nurse", "pediatric", "psych", "anesth", "clinical research",
        "phase", "rural", "hospitalist", "dialysis", "ccfp", "nurse practitioner", "trauma",
        "coordinator", "urgent care", "walk", "surg", "gcp", "obstetrics deliveries"]
PROFESSIONS = ["physician", "registered_nurse", "nurse_practitioner",
               "clinical_research_coordinator", "medical_office_assistant"]
JURISDICTIONS = ["CA-AB", "CA-ON", "CA-BC", "US-TX", "US-CA", "US-NY", "Alberta", "TX"]
STATUSES = ["active", "passive", "not_looking"]
SOURCES = ["referral", "job_board", "former_locum", "own_network"]
SORTS = ["name", "-name", "recent", "activity"]


def request_mix(total: int, rng: random.Random, names: list[str], specialties: list[str],
                tags: list[str]) -> list[tuple[str, dict, bool]]:
    """(kind, GET parameters, via htmx) in a fixed order for a given seed."""
    kinds = [
        ("text", 0.22), ("text+filters", 0.22), ("filters", 0.16), ("distance", 0.2),
        ("deep page", 0.1), ("live (htmx)", 0.1),
    ]
    out = []
    for i in range(total):
        kind = kinds[i % len(kinds)][0] if i < len(kinds) * 4 else rng.choices(
            [k for k, _ in kinds], [w for _, w in kinds])[0]
        params: dict[str, str] = {}
        htmx = False
        if kind == "text":
            params["q"] = rng.choice(TEXT + names)
        elif kind == "text+filters":
            params["q"] = rng.choice(TEXT + names[:10])
            for name, values in (("profession", PROFESSIONS), ("jurisdiction", JURISDICTIONS),
                                 ("status", STATUSES), ("tag", tags)):
                if values and rng.random() < 0.5:
                    params[name] = rng.choice(values)
            if rng.random() < 0.3:
                params["sort"] = rng.choice(SORTS)
        elif kind == "filters":
            params["profession"] = rng.choice(PROFESSIONS)
            if rng.random() < 0.6:
                params["jurisdiction"] = rng.choice(JURISDICTIONS)
            if rng.random() < 0.4:
                params["specialty"] = rng.choice(specialties)
            if rng.random() < 0.4:
                params["status"] = rng.choice(STATUSES)
            if rng.random() < 0.3:
                params["source"] = rng.choice(SOURCES)
            if tags and rng.random() < 0.3:
                params["tag"] = rng.choice(tags)
            params["sort"] = rng.choice(SORTS)
        elif kind == "distance":
            params["near"] = rng.choice(CITIES)
            params["within_km"] = str(rng.choice([10, 25, 50, 100, 250]))
            params["sort"] = "distance"
            if rng.random() < 0.5:
                params["profession"] = rng.choice(PROFESSIONS)
            if rng.random() < 0.3:
                params["q"] = rng.choice(TEXT)
        elif kind == "deep page":
            params["page"] = str(rng.choice([20, 100, 400, 1000, 1500]))
            params["sort"] = rng.choice(SORTS)
            if rng.random() < 0.4:
                params["profession"] = rng.choice(PROFESSIONS[:3])
                params["page"] = str(rng.choice([10, 50, 100]))
        else:  # what htmx sends while someone types, letter by letter
            word = rng.choice(TEXT + names)
            params["q"] = word[: rng.randint(2, len(word))]
            htmx = True
        out.append((kind, params, htmx))
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--show-slowest", type=int, default=5)
    args = parser.parse_args()

    seed.configure(args.db)
    org, user = seed.ensure_seeded(args.db, args.n)

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from rounds.candidates.models import Candidate, Specialty, Tag

    rng = random.Random(2025)
    ids = list(Candidate.objects.filter(organization=org).values_list("pk", flat=True)[:1]) or [1]
    sample = [ids[0] + rng.randrange(args.n) for _ in range(60)]
    names = [n.lower() for n in Candidate.objects.filter(pk__in=sample).values_list(
        "last_name", flat=True)]
    names = sorted(set(names))[:20] or ["smith"]
    specialties = sorted({s.lower() for s in Specialty.objects.filter(organization=org).values_list(
        "name", flat=True)[:2000]})[:30] or ["family"]
    tags = list(Tag.objects.filter(organization=org).values_list("name", flat=True))
    mix = request_mix(args.requests, rng, names, specialties, tags)

    client = Client()
    client.force_login(user)
    url = reverse("candidates:list")
    for params in ({}, {"q": "family"}, {"near": "Calgary, AB", "within_km": "50"},
                   {"near": "Houston, TX", "within_km": "50"}):
        assert client.get(url, params).status_code == 200  # warm caches and imports

    db_time = [0.0]

    def timed(execute, sql, params, many, context):  # database share of each request
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time[0] += time.perf_counter() - t0

    db_timings: dict[str, list[float]] = {}
    timings: dict[str, list[float]] = {}
    slowest: list[tuple[float, str, dict]] = []
    failures = 0
    started = time.perf_counter()
    for kind, params, htmx in mix:
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        db_time[0] = 0.0
        t0 = time.perf_counter()
        with connection.execute_wrapper(timed):
            response = client.get(url, params, **headers)
        elapsed = (time.perf_counter() - t0) * 1000
        db_timings.setdefault(kind, []).append(db_time[0] * 1000)
        if response.status_code != 200:
            failures += 1
        timings.setdefault(kind, []).append(elapsed)
        slowest.append((elapsed, kind, params))
    wall = time.perf_counter() - started

    count = Candidate.objects.filter(organization=org).count()
    every = [t for values in timings.values() for t in values]
    print()
    print(f"Candidate search, {connection.vendor} ({connection.settings_dict['NAME']}), "
          f"{count:,} candidates, {len(every)} requests in {wall:.1f} s, {failures} errors")
    print(f"{'kind':<16}{'requests':>9}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}"
          f"{'db median':>11}{'db p95':>9}")
    every_db = [t for values in db_timings.values() for t in values]
    for kind, values in timings.items():
        db = db_timings[kind]
        print(f"{kind:<16}{len(values):>9}{statistics.median(values):>11.1f}"
              f"{percentile(values, 95):>9.1f}{max(values):>9.1f}"
              f"{statistics.median(db):>11.1f}{percentile(db, 95):>9.1f}")
    p95 = percentile(every, 95)
    print(f"{'overall':<16}{len(every):>9}{statistics.median(every):>11.1f}{p95:>9.1f}"
          f"{max(every):>9.1f}{statistics.median(every_db):>11.1f}"
          f"{percentile(every_db, 95):>9.1f}")
    import os

    print(f"load average during the run (2-core machine shared with other work): "
          f"{os.getloadavg()[0]:.1f}")
    print(f"goal p95 <= 150 ms: {'met' if p95 <= 150 else 'MISSED'}")
    if args.show_slowest:
        print("slowest:")
        for elapsed, kind, params in sorted(slowest, key=lambda s: s[0], reverse=True)[
                :args.show_slowest]:
            print(f"  {elapsed:7.1f} ms  {kind:<14} {params}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
