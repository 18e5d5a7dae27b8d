"""Benchmark: queue a 10,000-recipient campaign (goal <= 2 s on SQLite, everything included).

    .venv/bin/python bench/outreach_queue.py                 # SQLite, var/bench_outreach.sqlite3
    .venv/bin/python bench/outreach_queue.py --n 20000
    .venv/bin/python bench/outreach_queue.py --channel sms

Builds a fresh database of its own (bench/seed.py's generated people, never your data), then
gives the pool a realistic mix of what the send policy reads: express, implied, expired and
revoked consent and none at all; stated time zones, zones only from the phone's area code, and
several provinces and states; personal quiet hours; a few do-not-contact records and muted
topics. Then times `rounds.outreach.campaigns.queue_campaign` for everyone, in one transaction
with its commit (policy, rendering, threads, the outbox rows, scheduling delivery), prints the
seconds and the queued / held / dropped split, and runs the same campaign again (which must
create nothing).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
# A database file of its own, set before bench/seed.py reads it.
os.environ.setdefault("BENCH_SQLITE_PATH", str(ROOT / "var" / "bench_outreach.sqlite3"))
os.environ["DEBUG"] = "0"  # no query log: production speed

import seed  # noqa: E402  (bench/seed.py: configure + ensure_seeded)

# 18:00 UTC on a Wednesday: daytime across Canada and the US, so quiet hours and zones decide
# the held share rather than the hour the benchmark happens to run.
AT = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
ZONES = ["America/Edmonton", "America/Vancouver", "America/Toronto", "America/Halifax",
         "America/New_York", "America/Chicago", "Asia/Tokyo", ""]


def prepare_pool(org, user, rng) -> None:
    """Consent, zones, quiet hours and preferences, written in bulk."""
    from django.db import transaction

    from rounds.candidates.choices import CandidateStatus, ConsentBasis
    from rounds.candidates.models import Candidate, ConsentRecord

    now = AT
    consents, changed = [], []
    people = list(Candidate.objects.filter(organization=org).only(
        "id", "time_zone", "status", "phone"))
    for c in people:
        for channel in ("email", "sms"):
            roll = rng.random()
            if roll < 0.55:
                basis, obtained = ConsentBasis.EXPRESS, now - timedelta(days=rng.randint(1, 900))
            elif roll < 0.70:
                basis = ConsentBasis.IMPLIED_INQUIRY
                obtained = now - timedelta(days=rng.randint(1, 300))  # some past 6 months
            elif roll < 0.78:
                basis = ConsentBasis.IMPLIED_TRANSACTION
                obtained = now - timedelta(days=rng.randint(1, 1000))  # some past 2 years
            elif roll < 0.85:
                basis, obtained = ConsentBasis.REVOKED, now - timedelta(days=rng.randint(1, 90))
            else:
                continue  # no consent on record
            record = ConsentRecord(organization=org, candidate_id=c.pk, channel=channel,
                                   basis=basis, obtained_at=obtained, evidence="bench")
            record.expires_at = record.compute_expiry()
            consents.append(record)
        c.time_zone = rng.choice(ZONES) if rng.random() < 0.5 else c.time_zone
        if rng.random() < 0.2:
            c.quiet_hours_start, c.quiet_hours_end = rng.choice([
                (clock(21, 0), clock(9, 0)), (clock(8, 0), clock(18, 0)),
                (clock(12, 0), clock(13, 0)),
            ])
        if rng.random() < 0.05:
            c.muted_topics = ["jobs"]
        if rng.random() < 0.01:
            c.status = CandidateStatus.DO_NOT_CONTACT
        changed.append(c)
    with transaction.atomic():
        ConsentRecord.objects.bulk_create(consents, batch_size=2000)
        Candidate.objects.bulk_update(
            changed, ["time_zone", "quiet_hours_start", "quiet_hours_end", "muted_topics",
                      "status"], batch_size=2000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--channel", choices=["email", "sms"], default="email")
    args = parser.parse_args()
    import random

    seed.configure("sqlite")
    org, user = seed.ensure_seeded("sqlite", args.n, fresh=True)

    from django.db import connection, transaction

    from rounds.candidates.models import Candidate
    from rounds.messaging.models import Message, Thread
    from rounds.outreach.actions import do_save_template
    from rounds.outreach.campaigns import queue_campaign

    prepare_pool(org, user, random.Random(seed.SEED))
    with transaction.atomic():
        template = do_save_template(
            org.pk, actor=user, name="Bench first message", channel=args.channel,
            subject="{{ candidate.specialty|default:'A role' }} at {{ organization.name }}",
            body=("Hi {{ candidate.name }},\n\nI'm {{ sender.name }} with {{ organization.name }}."
                  "{% if candidate.years_experience %} With {{ candidate.years_experience }} "
                  "years in {{ candidate.specialty|default:'your field' }}, your background "
                  "stood out.{% endif %}{% if candidate.city %} We're looking near "
                  "{{ candidate.city }}.{% endif %}\n\nYou, or someone you know? Would you "
                  "have 10 minutes for a call this week?"),
        )
    everyone = Candidate.objects.filter(organization=org)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    started = time.perf_counter()
    with transaction.atomic():
        campaign = queue_campaign(org, template=template, candidates=everyone, actor=user,
                                  name="Bench campaign", at=AT)
        written = time.perf_counter()
    elapsed = time.perf_counter() - started
    print(f"Queued a {campaign.recipients:,}-recipient {args.channel} campaign in "
          f"{elapsed:.2f} s (goal <= 2 s; the commit took {elapsed - (written - started):.2f} s):"
          f" {campaign.queued:,} queued, {campaign.held:,} held, {campaign.dropped:,} dropped.")

    messages_before = Message.objects.count()
    threads_before = Thread.objects.count()
    started = time.perf_counter()
    with transaction.atomic():
        again = queue_campaign(org, template=template, candidates=everyone, actor=user, at=AT,
                               campaign=campaign)
    elapsed = time.perf_counter() - started
    created = Message.objects.count() - messages_before
    print(f"Ran the same campaign again in {elapsed:.2f} s: {created} new messages, "
          f"{Thread.objects.count() - threads_before} new threads "
          f"(recipients still {again.recipients:,}).")


if __name__ == "__main__":
    main()
