"""Benchmark: the outbox worker's send rate against a real SMTP server on loopback (goal >= 200
messages/s on this machine).

    .venv/bin/python bench/outreach_send.py            # 5,000 emails, SQLite of its own
    .venv/bin/python bench/outreach_send.py --n 20000
    .venv/bin/python bench/outreach_send.py --at 2026-11-18T18:00:00+00:00   # a fixed clock

Builds a fresh SQLite database of its own (bench/seed.py's generated people, never your data)
and makes every candidate reachable by email: express consent, an address, no opt-out, and a
time zone where it is daytime now (or at `--at`). Queues one email each through the real
campaign path (`campaigns.queue_campaign`), starts the aiosmtpd server of
`rounds.messaging.testing` (in a process of its own, like a real mail server), points
Django's SMTP backend at it and times `delivery.drain()`:
claiming in batches, the send policy for every message, Message-ID and footer, one SMTP
connection for the drain, recording and the candidate timeline. Prints the rate and what the
server received; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
# A database file of its own, set before bench/seed.py reads it.
os.environ.setdefault("BENCH_SQLITE_PATH", str(ROOT / "var" / "bench_outreach_send.sqlite3"))
os.environ["DEBUG"] = "0"  # no query log: production speed

import seed  # noqa: E402  (bench/seed.py: configure + ensure_seeded)

# Candidate zones to pick from: the first where it is between 10:00 and 17:00 at send time.
DAYTIME_ZONES = ["America/Edmonton", "America/Toronto", "America/Vancouver", "Europe/London",
                 "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney",
                 "Pacific/Auckland", "Pacific/Honolulu", "America/Sao_Paulo"]


def daytime_zone(at: datetime) -> str:
    for name in DAYTIME_ZONES:
        if 10 <= at.astimezone(ZoneInfo(name)).hour < 17:
            return name
    raise SystemExit(f"No zone in the list has daytime at {at:%H:%M} UTC.")


def make_reachable(org, user, zone: str, at: datetime) -> int:
    """Every candidate: an email address, express email consent, contactable, in `zone`."""
    from django.db import transaction

    from rounds.candidates.choices import CandidateStatus, ConsentBasis
    from rounds.candidates.models import Candidate, ConsentRecord

    people = list(Candidate.objects.filter(organization=org).only("id", "email", "status"))
    consents = []
    for c in people:
        if not c.email:
            c.email = f"bench{c.pk}@example.com"
        c.email_normalized = c.email.lower()
        c.time_zone = zone
        c.status = (CandidateStatus.PASSIVE if c.status == CandidateStatus.DO_NOT_CONTACT
                    else c.status)
        c.muted_topics, c.quiet_hours_start, c.quiet_hours_end = [], None, None
        consents.append(ConsentRecord(
            organization=org, candidate_id=c.pk, channel="email", basis=ConsentBasis.EXPRESS,
            obtained_at=at - timedelta(days=30), evidence="bench: signed up at a job fair",
        ))
    with transaction.atomic():
        Candidate.objects.bulk_update(
            people, ["email", "email_normalized", "time_zone", "status", "muted_topics",
                     "quiet_hours_start", "quiet_hours_end"], batch_size=2000)
        ConsentRecord.objects.bulk_create(consents, batch_size=2000)
    return len(people)


def serve_smtp(pipe) -> None:
    """Child process: run the loopback SMTP server, tell the parent its port, and when the
    parent says how many were sent, wait for them and answer what arrived."""
    from rounds.messaging.testing import SmtpServer

    with SmtpServer() as server:
        pipe.send(server.port)
        expected = pipe.recv()
        with contextlib.suppress(AssertionError):  # fewer arrived: the count says so
            server.wait_for(expected, timeout=30)
        with server.lock:
            ids = {m["Message-ID"] for m in server.messages}
            pipe.send((len(server.messages), len(ids)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--at", type=datetime.fromisoformat, default=None,
                        help="a fixed clock for queueing and sending (ISO 8601 with offset)")
    args = parser.parse_args()

    # The mail server runs in a process of its own, as a real one would: in this process it
    # would share the interpreter lock with the worker being measured.
    parent, child = multiprocessing.Pipe()
    # Started before Django opens a database connection, so the fork copies none.
    server = multiprocessing.get_context("fork").Process(target=serve_smtp, args=(child,),
                                                         daemon=True)
    server.start()
    port = parent.recv()

    seed.configure("sqlite")
    org, user = seed.ensure_seeded("sqlite", args.n, fresh=True, quiet=True)

    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from rounds.candidates.models import Candidate
    from rounds.messaging import delivery
    from rounds.messaging.models import Message
    from rounds.outreach.actions import do_save_template
    from rounds.outreach.campaigns import queue_campaign

    at = args.at or timezone.now()
    zone = daytime_zone(at)
    count = make_reachable(org, user, zone, at)
    with transaction.atomic():
        template = do_save_template(
            org.pk, actor=user, name="Bench send", channel="email",
            subject="A role at {{ organization.name }}",
            body=("Hi {{ candidate.name }},\n\nI'm {{ sender.name }} with "
                  "{{ organization.name }}. You, or someone you know? Would you have 10 minutes "
                  "for a call this week?"),
        )
    with transaction.atomic():
        campaign = queue_campaign(org, template=template,
                                  candidates=Candidate.objects.filter(organization=org),
                                  actor=user, name="Bench send", at=at)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{count:,} reachable candidates in {zone}; campaign queued {campaign.queued:,}, "
          f"held {campaign.held:,}, dropped {campaign.dropped:,}.")

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL, settings.EMAIL_TIMEOUT = False, False, 10
    # Warm the URL resolver (every link and the status-callback URL reverse through it): a
    # process serving requests has it loaded; the first reverse() imports every view.
    from django.urls import reverse

    reverse("healthz")
    started = time.perf_counter()
    sent = delivery.drain(now=args.at)
    elapsed = time.perf_counter() - started
    parent.send(sent)
    received, distinct_ids = parent.recv()
    server.join(timeout=30)
    statuses = dict(Message.objects.values_list("status").annotate(n=Count("id")))
    rate = sent / elapsed if elapsed else 0.0
    print(f"Sent {sent:,} emails in {elapsed:.2f} s: {rate:,.0f} messages/s (goal >= 200/s).")
    print(f"The SMTP server received {received:,} emails with {distinct_ids:,} distinct "
          f"Message-IDs (queued {campaign.queued:,}); message statuses: {statuses}.")


if __name__ == "__main__":
    main()
