"""Benchmark: 200 members accepting one locum shift at the same moment.

    .venv/bin/python bench/locum_accept.py                # SQLite of its own, under var/
    .venv/bin/python bench/locum_accept.py --db postgres  # database rounds_bench_locum_accept
    .venv/bin/python bench/locum_accept.py --n 500

Builds a fresh database of its own every run (bench/seed.py's generated people, never your
data): N candidates become network members with an email address, one shift is offered to all
of them, then N threads — each with its own database connection, like N web processes
handling the accept link's POST — are released together and each calls
`rounds.locums.actions.do_accept` in its own transaction (what the public view does, without
the HTTP layer, so the figure is the locking and the writes, not the test client). On
PostgreSQL the threads share a pool of `--connections` connections (40 by default: the server's
default max_connections is 100), as web workers in front of a database would.

Prints how many were answered and with what outcome, how many bookings the shift has (exactly
one is the requirement), and the latency of each acceptance from release to commit (p50, p95,
max). Asserts the single booking; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
# A database of its own, set before bench/seed.py reads it.
os.environ.setdefault("BENCH_SQLITE_PATH", str(ROOT / "var" / "bench_locum_accept.sqlite3"))
os.environ.setdefault("BENCH_POSTGRES_URL",
                      "postgres://postgres@127.0.0.1:5432/rounds_bench_locum_accept")
os.environ["DEBUG"] = "0"  # no query log: production speed

import seed  # noqa: E402  (bench/seed.py: configure + ensure_seeded)


def build(org, user, n: int):
    """N members with an email and consent, one shift, one sent offer each."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from rounds.accounts.models import Site
    from rounds.candidates.models import Candidate
    from rounds.locums.choices import OfferStatus, ShiftStatus
    from rounds.locums.models import NetworkMember, Shift, ShiftOffer

    people = list(Candidate.objects.filter(organization=org).order_by("id")[:n])
    for c in people:
        if not c.email:
            c.email = f"bench{c.pk}@example.com"
            c.email_normalized = c.email
        c.time_zone = "America/Edmonton"
    now = timezone.now()
    with transaction.atomic():
        Candidate.objects.bulk_update(people, ["email", "email_normalized", "time_zone"])
        members = NetworkMember.objects.bulk_create(
            [NetworkMember(organization=org, candidate=c) for c in people])
        site = Site.objects.create(organization=org, name="Red Deer Clinic",
                                   address_line="4920 49 St", city="Red Deer", region="AB",
                                   time_zone="America/Edmonton")
        start = (now + timedelta(days=5)).replace(microsecond=0)
        shift = Shift.objects.create(
            organization=org, site=site, starts_at=start, ends_at=start + timedelta(hours=10),
            profession="physician", specialty="Family Medicine", rate=Decimal("1800"),
            status=ShiftStatus.OFFERED, created_by=user, broadcast_at=now,
        )
        offers = ShiftOffer.objects.bulk_create([
            ShiftOffer(organization=org, shift=shift, member=m, candidate_id=m.candidate_id,
                       channel="email", status=OfferStatus.SENT, rank=i, sent_at=now)
            for i, m in enumerate(members)
        ])
    return shift, offers


def accept_all(offers, connections: int) -> tuple[list, list[float], list[BaseException]]:
    from django.db import connection

    from rounds.locums import actions

    barrier = threading.Barrier(len(offers))
    # At most this many connections at once, like a pool of web workers in front of the
    # database; a request waiting for one counts in its latency.
    pool = threading.BoundedSemaphore(connections)
    results: list = [None] * len(offers)
    latencies: list[float] = [0.0] * len(offers)
    errors: list[BaseException] = []

    def worker(i, offer):
        try:
            barrier.wait(timeout=60)
            started = time.perf_counter()
            with pool:
                try:
                    results[i] = actions.do_accept(offer, via="link")
                finally:
                    connection.close()
            latencies[i] = time.perf_counter() - started
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i, o)) for i, o in enumerate(offers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, latencies, errors


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=200, help="members accepting at once")
    parser.add_argument("--connections", type=int, default=None,
                        help="database connections at once (default: one per acceptance on "
                        "SQLite, 40 on PostgreSQL, whose default max_connections is 100)")
    args = parser.parse_args()
    connections = args.connections or (args.n if args.db == "sqlite" else min(args.n, 40))

    seed.configure(args.db)
    org, user = seed.ensure_seeded(args.db, args.n, fresh=True)
    from django.db import connection

    shift, offers = build(org, user, args.n)
    connection.close()  # the threads each open their own
    print(f"{args.n} members were offered one shift; {args.n} acceptances at once "
          f"({args.db}, a thread each, {connections} database connections at most)…",
          flush=True)

    wall = time.perf_counter()
    results, latencies, errors = accept_all(offers, connections)
    wall = time.perf_counter() - wall

    from rounds.locums.models import Booking, ShiftOffer

    answered = [r for r in results if r is not None]
    outcomes = Counter(r.outcome for r in answered)
    bookings = Booking.objects.filter(shift=shift).count()
    waitlist = ShiftOffer.objects.filter(shift=shift, status="waitlisted").count()
    ms = [x * 1000 for x, r in zip(latencies, results, strict=True) if r is not None]
    print(f"answered: {len(answered)}/{args.n}  " + "  ".join(
        f"{k}: {v}" for k, v in sorted(outcomes.items())))
    if errors:
        print(f"errors: {len(errors)} (first: {errors[0]!r})")
    print(f"bookings on the shift: {bookings}  waitlisted: {waitlist}")
    if ms:
        print(f"latency per acceptance: p50 {percentile(ms, 50):.1f} ms  "
              f"p95 {percentile(ms, 95):.1f} ms  max {max(ms):.1f} ms  "
              f"mean {statistics.fmean(ms):.1f} ms")
    print(f"all {args.n} answered in {wall:.2f} s")
    assert bookings == 1, f"expected exactly one booking, found {bookings}"
    assert not errors and len(answered) == args.n, "every acceptance must be answered"


if __name__ == "__main__":
    main()
