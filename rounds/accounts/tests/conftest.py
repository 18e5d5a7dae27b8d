"""Sign-in tests: each test counts sign-in attempts under its own keys, and can run the
throttle on the database or on the real Redis named by REDIS_URL (e.g.
redis://127.0.0.1:6379/15; those tests skip without it)."""

import os
import threading
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from rounds.accounts.models import User

REDIS_URL = os.environ.get("REDIS_URL", "")
CLIENT_IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def own_throttle_keys(settings):
    """Redis keys under a prefix of this test's own, deleted afterwards; database counters roll
    back with the test."""
    settings.SIGN_IN_THROTTLE_PREFIX = f"rounds-test:{uuid.uuid4().hex}:"
    yield
    if REDIS_URL and settings.REDIS_URL == REDIS_URL:
        from rounds.accounts.throttle import _redis_client

        client = _redis_client(settings.REDIS_URL)
        keys = list(client.scan_iter(match=settings.SIGN_IN_THROTTLE_PREFIX + "*", count=500))
        if keys:
            client.delete(*keys)


@pytest.fixture(params=["database", "redis"])
def counters(request, settings):
    """Run the test once with the throttle in the database and once in Redis."""
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("REDIS_URL is not set: no Redis to test against")
        settings.REDIS_URL = REDIS_URL
    else:
        settings.REDIS_URL = ""
    return request.param


@pytest.fixture
def password_checks(monkeypatch):
    """Every password checked against an account, in order (thread-safe)."""
    checked: list[str] = []
    lock = threading.Lock()
    original = User.check_password

    def counting(self, raw_password):
        with lock:
            checked.append(self.email)
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting)
    return checked


def sign_in(client: Client, email: str, password: str, *, ip: str = CLIENT_IP, **extra):
    return client.post(
        reverse("accounts:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
        **extra,
    )


def sent_mail() -> list:
    """What the outbox worker sends now: account emails go through the messaging outbox,
    written with what caused them and sent by the worker (Django's in-memory mail in tests)."""
    from django.core import mail

    from rounds.messaging import delivery

    delivery.drain()
    return mail.outbox


@pytest.fixture
def refusing_smtp(settings):
    """A real SMTP server on loopback that refuses the next address for good (550)."""
    from rounds.messaging.testing import SmtpServer

    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        server.reject_next = [(550, "5.1.1 No such mailbox here")]
        yield server
