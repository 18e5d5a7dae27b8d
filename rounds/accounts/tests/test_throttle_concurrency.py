"""Forty wrong passwords sent at once, each request in its own thread with its own database
connection (and, on Redis, through the shared client): exactly the limit of them are checked,
because each attempt is counted atomically before its check. Before, every process counted
alone and read-then-wrote its count, and 26 of 40 were checked against a limit of 10."""

import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from conftest import PASSWORD
from rounds.accounts import throttle
from rounds.audit.models import AuditEvent

from .conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 40


def run_at_once(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as e:  # noqa: BLE001 — the test asserts there were none
            results[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a sign-in never returned"
    return results


def test_forty_concurrent_wrong_passwords_check_exactly_the_limit(counters, owner, password_checks):
    results = run_at_once(
        [lambda: sign_in(Client(), owner.email, "guess").status_code for _ in range(THREADS)]
    )

    assert not [r for r in results if isinstance(r, Exception)], results[:3]
    assert Counter(results) == {200: throttle.PAIR.attempts, 429: THREADS - throttle.PAIR.attempts}
    assert len(password_checks) == throttle.PAIR.attempts
    # One audit event says the account was throttled, however many requests were refused.
    throttled = AuditEvent.objects.filter(changes__sign_in__startswith="refused: too many")
    assert throttled.count() == 1
    assert sign_in(Client(), owner.email, PASSWORD).status_code == 429


def test_concurrent_attempts_each_get_their_own_count(counters):
    """The counters alone, without the web layer: 40 at once are numbered 1 to 40."""
    key = throttle.pair_key("someone@example.com", "198.51.100.4")
    results = run_at_once(
        [lambda: throttle.count([(throttle.PAIR, key)]).counted[0].count for _ in range(THREADS)]
    )
    assert sorted(results) == list(range(1, THREADS + 1))
