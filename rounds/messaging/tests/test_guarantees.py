"""Delivery loses nothing and never sends twice when a real worker process is killed with
SIGKILL mid-campaign (`manage.py db_worker` sending to the local SMTP server):

- killed after handing some messages over: those become "may have been sent" and are never
  sent again; the rest go back to the queue and go once;
- killed before handing anything over: every message goes back to the queue and goes once;
- the sweep that does this is the task the claim scheduled for the end of its lease, run by
  a worker then (not the next unrelated send);
- two worker processes draining at once keep an organization's send window exactly."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis

from .. import delivery
from ..choices import MessageStatus
from ..models import Message, OutreachSettings
from ..outbox import queue_message
from ..testing import SmtpServer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The workers here are processes of their own on the machine's real clock, so with the
    # suite's clock moved ahead (CI's third pass) they see every message as not yet due. The
    # tests use no fixed date; they run in the other two passes.
    pytest.mark.skipif(bool(int(os.environ.get("ROUNDS_CLOCK_AHEAD_DAYS") or 0)),
                       reason="worker processes don't share the moved clock"),
]

ROOT = Path(__file__).resolve().parents[3]
ZONES = ["America/Edmonton", "America/Toronto", "Europe/London", "Asia/Kolkata", "Asia/Tokyo",
         "Pacific/Auckland", "Pacific/Honolulu", "America/Los_Angeles"]


def daytime_zone() -> str:
    """A time zone where it is now mid-day, so the sending window (08:00-21:00 where the
    candidate is) allows sending for the whole test, whatever time the suite runs."""
    now = datetime.now(UTC)
    return next(z for z in ZONES if 10 <= now.astimezone(ZoneInfo(z)).hour < 18)


def campaign(org, actor, n: int) -> list[Message]:
    zone = daytime_zone()
    out = []
    for i in range(n):
        c = do_create_candidate(
            org.pk, actor=actor, first_name=f"Kim{i}", last_name="Park",
            email=f"kim{i}@example.com", profession="physician", time_zone=zone,
        )
        do_record_consent(c, channel="email", basis=ConsentBasis.EXPRESS, actor=actor,
                          evidence="Signed up at a job fair",
                          obtained_at=timezone.now() - timedelta(days=30))
        out.append(queue_message(c, channel="email", subject="A practice in Red Deer",
                                 body="You, or someone you know?", idempotency_key=f"g-{i}",
                                 actor=actor, purpose="outreach.message"))
    return out


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    host = s.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


def worker_env(server: SmtpServer, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE":
           "rounds.settings", "SECRET_KEY": "guarantees-test-" + "x" * 40, "DEBUG": "1",
           "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(server.port), "EMAIL_TIMEOUT": "30",
           "LOG_LEVEL": "ERROR", **extra}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("ROUNDS_TESTING", None)
    return env


def start_worker(server: SmtpServer) -> subprocess.Popen:
    connections.close_all()
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload",
         "--interval", "0.2"],
        cwd=ROOT, env=worker_env(server), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def kill(worker: subprocess.Popen) -> None:
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 10
        yield server


def at_lease_end_the_sweep_runs(messages: list[Message]) -> None:
    """Travel to just after the claim's lease and run what a worker would run then."""
    lease = max(Message.objects.filter(pk__in=[m.pk for m in messages])
                .exclude(lease_until=None).values_list("lease_until", flat=True))
    sweeps = DBTaskResult.objects.filter(status="READY", task_path__endswith="sweep_leases_task")
    # The claim scheduled its sweep for the end of its lease (rounded up to the minute).
    assert sweeps.filter(run_after__gte=lease,
                         run_after__lte=lease + timedelta(minutes=1, seconds=5)).exists()
    # Before the lease ends, nothing moves.
    assert delivery.sweep_expired_leases(lease - timedelta(seconds=1)) == (0, 0)
    with time_machine.travel(lease + timedelta(minutes=1, seconds=10), tick=True):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def per_recipient(server: SmtpServer) -> Counter:
    return Counter(rcpt for _sender, rcpts in server.envelopes for rcpt in rcpts)


def test_killed_after_handing_some_over_they_are_unknown_and_the_rest_go_once(org, recruiter,
                                                                             smtp):
    messages = campaign(org, recruiter, 12)
    smtp.stall_at = ("DATA", 5)  # the 5th is handed over, then the server never answers
    worker = start_worker(smtp)
    try:
        assert smtp.stalled.wait(60), "the worker never reached the 5th message"
        smtp.wait_for(4)
    finally:
        kill(worker)
    rows = {m.pk: m for m in Message.objects.filter(pk__in=[m.pk for m in messages])}
    handed = [pk for pk, m in rows.items() if m.handed_at is not None]
    assert len(handed) == 5
    assert {m.status for m in rows.values()} == {MessageStatus.SENDING}

    at_lease_end_the_sweep_runs(messages)

    rows = {m.pk: m for m in Message.objects.filter(pk__in=[m.pk for m in messages])}
    assert sorted(pk for pk, m in rows.items() if m.status == MessageStatus.UNKNOWN) == \
        sorted(handed)
    assert all("may have been sent" in rows[pk].status_reason for pk in handed)
    others = [m for pk, m in rows.items() if pk not in handed]
    assert [m.status for m in others] == [MessageStatus.SENT] * 7
    received = per_recipient(smtp)
    assert len(received) == 11 and set(received.values()) == {1}  # none twice
    for pk in handed:  # nor ever again
        assert received[rows[pk].to_address] <= 1
    assert delivery.drain() == 0
    assert sum(per_recipient(smtp).values()) == 11


def test_killed_before_handing_anything_over_every_message_goes_once(org, recruiter, smtp):
    messages = campaign(org, recruiter, 8)
    smtp.stall_at = ("RCPT", 1)  # the worker waits on the first recipient: nothing handed
    worker = start_worker(smtp)
    try:
        assert smtp.stalled.wait(60), "the worker never reached the first message"
    finally:
        kill(worker)
    rows = Message.objects.filter(pk__in=[m.pk for m in messages])
    assert {(m.status, m.handed_at) for m in rows} == {(MessageStatus.SENDING, None)}

    at_lease_end_the_sweep_runs(messages)

    rows = Message.objects.filter(pk__in=[m.pk for m in messages])
    assert {m.status for m in rows} == {MessageStatus.SENT}
    received = per_recipient(smtp)
    assert len(received) == 8 and set(received.values()) == {1}


def _redis_or_skip() -> str:
    import redis

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return url


@pytest.mark.parametrize("store", ["database", "redis"])
def test_two_worker_processes_keep_the_send_window_exactly(org, recruiter, smtp, store):
    extra = {"REDIS_URL": "", "SEND_WINDOW_PREFIX": f"test-{os.getpid()}-{time.time()}:"}
    if store == "redis":
        extra["REDIS_URL"] = _redis_or_skip()
    s = OutreachSettings.for_org(org.pk)
    s.email_per_minute = 5
    s.save()
    messages = campaign(org, recruiter, 14)
    connections.close_all()
    code = ("import django; django.setup(); from rounds.messaging import delivery; "
            "print(delivery.drain())")
    workers = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT,
                                env=worker_env(smtp, **extra), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err for _out, err in results]
    sent = [int(out.strip().splitlines()[-1]) for out, _err in results]
    assert sum(sent) == 5
    assert sum(per_recipient(smtp).values()) == 5
    statuses = Counter(Message.objects.filter(pk__in=[m.pk for m in messages])
                       .values_list("status", flat=True))
    assert statuses == {MessageStatus.SENT: 5, MessageStatus.QUEUED: 9}
