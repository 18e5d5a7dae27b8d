"""The sign-in throttle (rounds/accounts/throttle.py): counted before the password is checked,
per account and client, per client across accounts, per account from everywhere; shared by
every process, on the database and on Redis."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, make_user
from rounds.accounts import throttle
from rounds.accounts.choices import Role
from rounds.accounts.models import SignInCounter, User
from rounds.audit.models import AuditEvent

from .conftest import CLIENT_IP, REDIS_URL, sign_in

pytestmark = pytest.mark.django_db

PAIR, CLIENT, ACCOUNT = throttle.PAIR, throttle.CLIENT, throttle.ACCOUNT


def refusals(user):
    return list(
        AuditEvent.objects.filter(object_type="user", object_id=str(user.pk)).values_list(
            "changes__sign_in", flat=True
        )
    )


def test_past_the_limit_the_password_is_not_even_checked(counters, owner, password_checks):
    for _ in range(PAIR.attempts):
        assert sign_in(Client(), owner.email, "guess").status_code == 200
    assert len(password_checks) == PAIR.attempts

    client = Client()
    response = sign_in(client, owner.email, PASSWORD)  # the right one, too late
    assert response.status_code == 429
    assert len(password_checks) == PAIR.attempts
    assert "_auth_user_id" not in client.session


def test_the_refusal_says_how_long_to_wait_and_offers_a_reset(counters, owner):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(PAIR.attempts):
            sign_in(Client(), owner.email, "guess")
        clock.shift(timedelta(minutes=4))
        response = sign_in(Client(), owner.email, "guess")
    body = response.content.decode()
    assert response.status_code == 429
    assert "Wait 11 minutes and try again" in body  # the window started 4 of 15 minutes ago
    assert int(response["Retry-After"]) == 11 * 60
    assert reverse("accounts:password_reset") in body
    assert 'value="owner@prairie.test"' in body


def test_the_window_ends_after_its_minutes(counters, owner):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(PAIR.attempts):
            sign_in(Client(), owner.email, "guess")
        clock.shift(timedelta(seconds=PAIR.window - 1))
        assert sign_in(Client(), owner.email, PASSWORD).status_code == 429
        clock.shift(timedelta(seconds=2))
        assert sign_in(Client(), owner.email, PASSWORD).status_code == 302


def test_refused_attempts_do_not_move_the_window(counters, owner):
    """Hammering while refused doesn't make the wait longer."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(PAIR.attempts):
            sign_in(Client(), owner.email, "guess")
        for _ in range(14):
            clock.shift(timedelta(minutes=1))
            assert sign_in(Client(), owner.email, "guess").status_code == 429
        clock.shift(timedelta(minutes=1, seconds=1))
        assert sign_in(Client(), owner.email, PASSWORD).status_code == 302


def test_signing_in_clears_the_pair(counters, owner):
    for _ in range(PAIR.attempts - 1):
        sign_in(Client(), owner.email, "guess")
    assert sign_in(Client(), owner.email, PASSWORD).status_code == 302
    # A fresh start: as many mistakes again before a refusal.
    for _ in range(PAIR.attempts):
        assert sign_in(Client(), owner.email, "guess").status_code == 200
    assert sign_in(Client(), owner.email, "guess").status_code == 429


def test_spraying_one_password_across_accounts_is_stopped(counters, org, password_checks):
    people = [
        make_user(org, Role.RECRUITER, f"person{i}@prairie.test")
        for i in range(CLIENT.attempts + 5)
    ]
    answers = [sign_in(Client(), p.email, "Spring2025!").status_code for p in people]
    assert answers == [200] * CLIENT.attempts + [429] * 5
    assert len(password_checks) == CLIENT.attempts
    # The same client can't sign in to anyone until the window ends …
    assert sign_in(Client(), people[0].email, PASSWORD).status_code == 429
    # … while everyone else, elsewhere, can.
    assert sign_in(Client(), people[0].email, PASSWORD, ip="198.51.100.20").status_code == 302


def test_guessing_from_many_machines_is_stopped_by_the_account_limit(
    counters, owner, password_checks
):
    machines = [f"198.51.100.{i}" for i in range(1, ACCOUNT.attempts // 5 + 2)]
    answers = []
    for ip in machines:
        for _ in range(5):
            answers.append(sign_in(Client(), owner.email, "guess", ip=ip).status_code)
    assert answers[: ACCOUNT.attempts] == [200] * ACCOUNT.attempts
    assert set(answers[ACCOUNT.attempts :]) == {429}
    assert len(password_checks) == ACCOUNT.attempts
    # Another account is not affected.
    other = make_user(owner.organization, Role.RECRUITER, "rita@prairie.test")
    assert sign_in(Client(), other.email, PASSWORD, ip=machines[-1]).status_code == 302


def test_one_machine_hammering_one_account_cannot_lock_it_for_everyone(counters, owner):
    """A refused attempt gives back what it took from the other counters, so one client can
    spend at most its pair's share of the account's budget."""
    for _ in range(ACCOUNT.attempts * 2):
        sign_in(Client(), owner.email, "guess", ip="192.0.2.66")
    counts = throttle.state([(ACCOUNT, throttle.account_key(owner.email))])
    assert counts == {throttle.account_key(owner.email): PAIR.attempts}
    assert sign_in(Client(), owner.email, PASSWORD, ip="198.51.100.9").status_code == 302


def test_another_client_behind_the_same_proxy_signs_in(counters, settings, org):
    """Behind a trusted proxy every request comes from the proxy's address; the client is the
    address the proxy appends to X-Forwarded-For. One client locked out (and spraying) doesn't
    lock out the next one behind the same proxy."""
    settings.TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    victim = make_user(org, Role.RECRUITER, "victim@prairie.test")
    attacker = "198.51.100.66"
    # The attacker writes a fake first hop; the proxy appends the real one.
    forwarded = {"HTTP_X_FORWARDED_FOR": f"203.0.113.99, {attacker}"}
    for i in range(CLIENT.attempts + 5):
        target = victim.email if i < PAIR.attempts else f"someone{i}@prairie.test"
        sign_in(Client(), target, "guess", ip=proxy, **forwarded)
    assert sign_in(Client(), victim.email, PASSWORD, ip=proxy, **forwarded).status_code == 429

    mine = {"HTTP_X_FORWARDED_FOR": "203.0.113.99"}  # the victim's own machine
    client = Client()
    assert sign_in(client, victim.email, PASSWORD, ip=proxy, **mine).status_code == 302
    assert int(client.session["_auth_user_id"]) == victim.pk


def test_an_ipv6_client_counts_by_its_64(counters, owner):
    for i in range(PAIR.attempts):
        sign_in(Client(), owner.email, "guess", ip=f"2001:db8:1:2::{i + 1:x}")
    assert sign_in(Client(), owner.email, PASSWORD, ip="2001:db8:1:2::ffff").status_code == 429
    assert sign_in(Client(), owner.email, PASSWORD, ip="2001:db8:1:3::1").status_code == 302


def test_counters_keep_no_email_or_address(settings, owner):
    settings.REDIS_URL = ""
    sign_in(Client(), owner.email, "guess", ip="198.51.100.23")
    keys = list(SignInCounter.objects.values_list("key", flat=True))
    assert len(keys) == 3
    for key in keys:
        assert "owner" not in key and "prairie" not in key and "198.51" not in key


def test_refused_sign_ins_are_in_the_owners_audit_log(counters, owner):
    for _ in range(PAIR.attempts + 3):
        sign_in(Client(), owner.email, "guess")
    seen = refusals(owner)
    assert seen.count("refused: wrong password") == PAIR.attempts
    throttled = [s for s in seen if s.startswith("refused: too many attempts")]
    assert len(throttled) == 1  # once per window, not once per request
    event = AuditEvent.objects.filter(changes__sign_in="refused: wrong password").first()
    assert event.ip_address == CLIENT_IP
    assert event.organization_id == owner.organization_id
    assert event.actor is None


def test_unknown_emails_are_counted_the_same_and_logged_nowhere(counters, org):
    for _ in range(PAIR.attempts):
        assert sign_in(Client(), "nobody@prairie.test", "guess").status_code == 200
    assert sign_in(Client(), "nobody@prairie.test", "guess").status_code == 429
    assert not AuditEvent.objects.filter(object_type="user").exists()


def test_an_empty_form_is_not_counted(counters, owner, password_checks):
    for _ in range(PAIR.attempts + 5):
        assert sign_in(Client(), owner.email, "").status_code == 200
    assert sign_in(Client(), owner.email, PASSWORD).status_code == 302


@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: no Redis to test against")
def test_processes_share_the_redis_counters(settings):
    """Two processes are two Redis connections: each sees the other's attempts."""
    import redis

    settings.REDIS_URL = REDIS_URL
    prefix = settings.SIGN_IN_THROTTLE_PREFIX
    first = throttle.RedisCounters(REDIS_URL, prefix)
    second = throttle.RedisCounters(REDIS_URL, prefix)
    second.client = redis.Redis.from_url(REDIS_URL)  # its own connection pool
    assert first.client is not second.client
    now = timezone.now().timestamp()
    assert first.hit([("pair:a:b", 60, 10)], now)["pair:a:b"][0] == 1
    assert second.hit([("pair:a:b", 60, 10)], now)["pair:a:b"][0] == 2
    assert first.peek(["pair:a:b"], now) == {"pair:a:b": 2}
    # Redis drops a window on its own shortly after it ends.
    assert 60 <= second.client.ttl(prefix + "pair:a:b") <= 120
    second.client.close()


def test_the_database_counts_when_redis_cannot_be_reached(settings, owner, caplog):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    for _ in range(PAIR.attempts):
        sign_in(Client(), owner.email, "guess")
    assert sign_in(Client(), owner.email, PASSWORD).status_code == 429
    assert SignInCounter.objects.filter(count=PAIR.attempts + 1).count() == 1
    assert "can't reach Redis" in caplog.text


def test_inactive_account_refusal_is_logged_as_such(counters, recruiter):
    User.objects.filter(pk=recruiter.pk).update(is_active=False)
    sign_in(Client(), recruiter.email, PASSWORD)
    assert refusals(recruiter) == ["refused: the account is deactivated"]
