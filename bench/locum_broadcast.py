"""Benchmark: broadcast one locum shift to a 10,000-member network (goal <= 2 s on SQLite to
select, rank and queue, the commit included).

    .venv/bin/python bench/locum_broadcast.py                # SQLite, var/bench_locums.sqlite3
    .venv/bin/python bench/locum_broadcast.py --n 20000
    .venv/bin/python bench/locum_broadcast.py --tiered       # favourites now, the rest later

Builds a fresh database of its own (bench/seed.py's generated people, never your data) and
turns the pool into an organization's locum network: everyone a member, most of them family
physicians with a current Alberta licence and ACLS, some not (other professions, a different
specialty, a licence only elsewhere or expired, ACLS expired or missing, booked on an
overlapping shift, weekly cap reached, a muted list the shift doesn't name, do-not-contact);
consent by email and text (some texts revoked, some with no consent at all), channel orders,
time zones and quiet hours as bench/outreach_queue.py gives them. Then it times
`rounds.locums.broadcast.do_broadcast` for a family-medicine day shift in Red Deer, in one
transaction with its commit, split into select (fit_members' queries and rules), rank
(matching's score over the fitting members' index rows) and queue (channel choice, the
offers, the outbox messages and threads); prints the split by channel, held, unreachable and
unfit with the reasons; and broadcasts again (which must offer nobody twice).

The process is warmed first and that is timed apart: the URL configuration, matching's
knowledge and the organization's match index are loaded once per process (by the first
request, the matching pages, an earlier broadcast) and then only caught up, so they are not
part of a broadcast's cost. No time assertions: the numbers are printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_SQLITE_PATH", str(ROOT / "var" / "bench_locums.sqlite3"))
os.environ["DEBUG"] = "0"  # no query log: production speed

import seed  # noqa: E402  (bench/seed.py: configure + ensure_seeded)

# Wednesday 2 Dec 2026, noon in Edmonton: daytime across Canada, so quiet hours and zones
# decide the held share rather than the hour the benchmark runs.
AT = datetime(2026, 12, 2, 19, 0, tzinfo=UTC)
# Monday 14 Dec 2026, 08:00-17:00 in Red Deer.
STARTS = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
ENDS = datetime(2026, 12, 15, 0, 0, tzinfo=UTC)
ZONES = ["America/Edmonton", "America/Edmonton", "America/Vancouver", "America/Toronto",
         "America/Halifax", "Asia/Tokyo", ""]

# What share of members is unfit, and how (the rest fit).
FLAWS = [("other_profession", 0.03), ("other_specialty", 0.03), ("licence_elsewhere", 0.03),
         ("licence_expired", 0.01), ("acls_expired", 0.02), ("no_acls", 0.01),
         ("booked", 0.01), ("capped", 0.01), ("muted", 0.01)]


def build_network(org, user, rng) -> tuple:
    """Every candidate a member; their records shaped as described above. Returns the shift."""
    from django.db import transaction

    from rounds.accounts.models import Site
    from rounds.candidates.choices import CandidateStatus, ConsentBasis, LicenceStatus
    from rounds.candidates.models import (
        Candidate,
        Certification,
        ConsentRecord,
        Licence,
        Specialty,
    )
    from rounds.locums.choices import OfferStatus, ShiftStatus
    from rounds.locums.models import Booking, NetworkList, NetworkMember, Shift, ShiftOffer

    people = list(Candidate.objects.filter(organization=org).only(
        "id", "profession", "time_zone", "status", "phone"))
    flaws: dict[int, str] = {}
    for c in people:
        roll, edge = rng.random(), 0.0
        for flaw, share in FLAWS:
            edge += share
            if roll < edge:
                flaws[c.pk] = flaw
                break
    specialties, licences, certs, consents = [], [], [], []
    for c in people:
        flaw = flaws.get(c.pk)
        c.profession = "nurse_practitioner" if flaw == "other_profession" else "physician"
        specialties.append(Specialty(
            organization=org, candidate_id=c.pk, is_primary=True,
            name="Cardiology" if flaw == "other_specialty" else rng.choice(
                ["Family Medicine", "Family Medicine", "Family practice", "General practice"])))
        if flaw == "licence_elsewhere":
            licences.append(Licence(organization=org, candidate_id=c.pk, jurisdiction="CA-BC",
                                    status=LicenceStatus.ACTIVE, expires_on=date(2028, 1, 1)))
        else:
            licences.append(Licence(
                organization=org, candidate_id=c.pk, jurisdiction="CA-AB",
                status=LicenceStatus.ACTIVE,
                expires_on=date(2026, 3, 1) if flaw == "licence_expired" else date(2028, 1, 1)))
        if flaw != "no_acls":
            certs.append(Certification(
                organization=org, candidate_id=c.pk, kind="life_support",
                name=rng.choice(["ACLS", "ACLS", "Advanced Cardiovascular Life Support"]),
                expires_on=date(2026, 3, 1) if flaw == "acls_expired" else date(2027, 9, 1)))
        roll = rng.random()
        plan = ({"email": ConsentBasis.EXPRESS, "sms": ConsentBasis.EXPRESS} if roll < 0.80 else
                {"email": ConsentBasis.EXPRESS, "sms": ConsentBasis.REVOKED} if roll < 0.90 else
                {"email": ConsentBasis.IMPLIED_INQUIRY} if roll < 0.95 else {})
        for channel, basis in plan.items():
            record = ConsentRecord(organization=org, candidate_id=c.pk, channel=channel,
                                   basis=basis, evidence="bench",
                                   obtained_at=AT - timedelta(days=rng.randint(1, 400)))
            record.expires_at = record.compute_expiry()
            consents.append(record)
        c.preferred_channels = rng.choice([["sms", "email"], ["email", "sms"], ["email"], []])
        c.time_zone = rng.choice(ZONES) if rng.random() < 0.3 else c.time_zone
        c.quiet_hours_start, c.quiet_hours_end = (
            (clock(11, 0), clock(14, 0)) if rng.random() < 0.05 else (None, None))
        if c.status == CandidateStatus.DO_NOT_CONTACT and rng.random() < 0.5:
            c.status = CandidateStatus.PASSIVE  # about 1 % stay do-not-contact

    with transaction.atomic():
        Specialty.objects.filter(organization=org).delete()
        Licence.objects.filter(organization=org).delete()
        Specialty.objects.bulk_create(specialties, batch_size=2000)
        Licence.objects.bulk_create(licences, batch_size=2000)
        Certification.objects.bulk_create(certs, batch_size=2000)
        ConsentRecord.objects.bulk_create(consents, batch_size=2000)
        Candidate.objects.bulk_update(
            people, ["profession", "preferred_channels", "time_zone", "quiet_hours_start",
                     "quiet_hours_end", "status"], batch_size=2000)
        red_deer = Site.objects.create(
            organization=org, name="Red Deer Family Clinic", city="Red Deer", region="AB",
            country="CA", address_line="4920 51 St", latitude=52.2681, longitude=-113.8112,
            time_zone="America/Edmonton")
        olds = Site.objects.create(
            organization=org, name="Olds Clinic", city="Olds", region="AB", country="CA",
            latitude=51.7928, longitude=-114.1067, time_zone="America/Edmonton")
        nights = NetworkList.objects.create(organization=org, name="ER nocturnists")
        members = NetworkMember.objects.bulk_create([
            NetworkMember(organization=org, candidate_id=c.pk, is_favourite=rng.random() < 0.05,
                          weekly_offer_cap=1 if flaws.get(c.pk) == "capped" else (
                              rng.choice([None, None, 5, 10])),
                          joined_on=date(2025, 1, 1) + timedelta(days=rng.randint(0, 600)))
            for c in people], batch_size=2000)
        by_candidate = {m.candidate_id: m for m in members}
        muted = [NetworkMember.muted_lists.through(networkmember_id=by_candidate[cid].pk,
                                                    networklist_id=nights.pk)
                 for cid, flaw in flaws.items() if flaw == "muted"]
        NetworkMember.muted_lists.through.objects.bulk_create(muted)
        # Booked elsewhere at the same time: one shift each (a shift is booked once).
        booked = [by_candidate[cid] for cid, flaw in flaws.items() if flaw == "booked"]
        others = Shift.objects.bulk_create([
            Shift(organization=org, site=olds, starts_at=STARTS + timedelta(hours=2),
                  ends_at=ENDS + timedelta(hours=2), profession="physician",
                  status=ShiftStatus.BOOKED) for _ in booked])
        Booking.objects.bulk_create([
            Booking(organization=org, shift=s, member=m, candidate_id=m.candidate_id,
                    starts_at=s.starts_at, ends_at=s.ends_at, ical_uid=f"bench-{s.pk}@rounds")
            for s, m in zip(others, booked, strict=True)])
        # Offered something this week: the members with a cap of one have reached it.
        earlier = Shift.objects.create(
            organization=org, site=olds, starts_at=STARTS + timedelta(days=20),
            ends_at=ENDS + timedelta(days=20), profession="physician")
        ShiftOffer.objects.bulk_create([
            ShiftOffer(organization=org, shift=earlier, member=m, candidate_id=m.candidate_id,
                       status=OfferStatus.SENT, created_at=AT - timedelta(days=2))
            for m in members if flaws.get(m.candidate_id) == "capped"])
        shift = Shift.objects.create(
            organization=org, site=red_deer, starts_at=STARTS, ends_at=ENDS,
            profession="physician", specialty="Family Medicine", specialty_code="207Q00000X",
            licence_jurisdiction="CA-AB", required_credentials=["ACLS"], rate=1800,
            terms="Clinic day, no call. Mileage paid from Calgary or Edmonton.", created_by=user,
        )
    return shift, Counter(flaws.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rehearsals", type=int, default=2,
                        help="broadcasts rolled back before the real one (best printed)")
    parser.add_argument("--tiered", action="store_true",
                        help="favourites first, the rest in a second tier")
    args = parser.parse_args()
    import random

    seed.configure("sqlite")
    org, user = seed.ensure_seeded("sqlite", args.n, fresh=True)

    from django.db import connection, transaction
    from django.urls import reverse

    from rounds.locums import broadcast as broadcast_module
    from rounds.locums import fit as fit_module
    from rounds.locums.choices import OfferStatus
    from rounds.locums.models import ShiftOffer
    from rounds.matching import index as match_index
    from rounds.matching import understand

    shift, flaws = build_network(org, user, random.Random(seed.SEED))
    if args.tiered:
        shift.tiered = True
        shift.save(update_fields=["tiered"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Network: {args.n:,} members; planted flaws: "
          + ", ".join(f"{k} {v}" for k, v in sorted(flaws.items())), flush=True)

    # A warm process, as a web process or worker is after its first request: the URL
    # configuration loaded, matching's knowledge read and the organization's index built.
    started = time.perf_counter()
    reverse("locums_public:accept", args=["warm-up"])
    understand.read_certification("ACLS")
    match_index.for_organization(org.pk)
    print(f"Warm-up (URLs, matching knowledge, the match index with {args.n:,} profiles): "
          f"{time.perf_counter() - started:.2f} s, once per process, apart from the broadcast.",
          flush=True)

    # Time the parts from inside one real broadcast.
    spent = Counter()

    def timed(name, fn):
        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - t0
        return wrapper

    fit_module.matching_scores = timed("rank", fit_module.matching_scores)
    broadcast_module.fit_members = timed("fit", broadcast_module.fit_members)

    class Undo(Exception):
        pass

    # Rehearsals, rolled back: the machine may be shared, so the best of them is printed too.
    rehearsals = []
    for _ in range(args.rehearsals):
        spent.clear()
        try:
            with transaction.atomic():
                started = time.perf_counter()
                broadcast_module.do_broadcast(shift, actor=user, at=AT)
                rehearsals.append((time.perf_counter() - started, spent["fit"] - spent["rank"],
                                   spent["rank"]))
                raise Undo
        except Undo:
            shift.refresh_from_db()

    spent.clear()
    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        result = broadcast_module.do_broadcast(shift, actor=user, at=AT)
        written = time.perf_counter()
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    commit = elapsed - (written - started)
    select = spent["fit"] - spent["rank"]
    queue = elapsed - spent["fit"]
    print(f"\nBroadcast to {result.report.considered:,} members in {elapsed:.2f} s "
          f"(goal <= 2 s; {cpu:.2f} s of CPU): select {select:.2f} s, rank {spent['rank']:.2f} s, "
          f"queue {queue:.2f} s (of which the commit {commit:.2f} s).")
    if rehearsals:
        best = min(rehearsals)
        print("  rehearsals (rolled back, without the commit): "
              + ", ".join(f"{r[0]:.2f}" for r in rehearsals)
              + f" s; the best: select {best[1]:.2f} s, rank {best[2]:.2f} s, "
              f"queue {best[0] - best[1] - best[2]:.2f} s.")
    print(f"  offered:     {result.offered:,} (fitting {len(result.report.fits):,})")
    for channel, count in sorted(result.by_channel.items()):
        print(f"  {channel + ':':12} {count:,} messages")
    print(f"  held:        {result.held:,} (in the totals above; held for the member's hours)")
    print(f"  later tier:  {result.later_tier:,}"
          + (f" (second tier at {result.second_tier_at:%H:%M} UTC)" if result.second_tier_at
             else ""))
    print(f"  unreachable: {len(result.unreachable):,}")
    kinds = Counter(why.split(";")[0].split(": ", 1)[-1] for _m, why in result.unreachable)
    for why, count in kinds.most_common(3):
        print(f"      {count:>5,}  {why}")
    print(f"  unfit:       {len(result.unfit):,}")
    for why, count in result.report.why_not:
        print(f"      {count:>5,}  {why}")
    top = result.report.fits[:3]
    print("  best ranked: " + "; ".join(f"{m.candidate.full_name} ({s:.1f})" for m, s, _ in top))

    if result.second_tier_at:
        started = time.perf_counter()
        with transaction.atomic():
            sent = broadcast_module.run_second_tier(shift.pk, at=result.second_tier_at)
        print(f"\nSecond tier: {sent:,} messages in {time.perf_counter() - started:.2f} s.")

    before = ShiftOffer.objects.filter(shift=shift).count()
    started = time.perf_counter()
    with transaction.atomic():
        again = broadcast_module.do_broadcast(shift, actor=user, at=AT + timedelta(minutes=5))
    print(f"\nBroadcast again in {time.perf_counter() - started:.2f} s: {again.offered} new "
          f"offers ({ShiftOffer.objects.filter(shift=shift).count() - before} rows), "
          f"{again.already_offered:,} already offered.")
    statuses = Counter(ShiftOffer.objects.filter(shift=shift).values_list("status", flat=True))
    print("Offer statuses: " + ", ".join(f"{OfferStatus(k).label.lower()} {v:,}"
                                          for k, v in statuses.most_common()))


if __name__ == "__main__":
    main()
