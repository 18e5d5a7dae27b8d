"""Outreach fixtures: a real SMTP server on loopback, the SMS provider stand-in, and a candidate
who may be reached (express consent by email and text, a known time zone)."""

from datetime import UTC, datetime

import pytest

from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.messaging.testing import ACCOUNT_SID, AUTH_TOKEN, SmsProvider, SmtpServer

# 18:00 UTC is 11:00 or 12:00 in Edmonton: inside every sending window.
NOON_EDMONTON = datetime(2026, 11, 18, 18, 0, tzinfo=UTC)
# 07:00 UTC is 00:00 in Edmonton: outside every window.
MIDNIGHT_EDMONTON = datetime(2026, 11, 18, 7, 0, tzinfo=UTC)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server; Django's SMTP backend points at it for the test."""
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 10
        yield server


@pytest.fixture
def sms_provider(settings):
    """The SMS provider stand-in; the Twilio adapter points at it for the test."""
    with SmsProvider() as provider:
        settings.SMS_BACKEND = "rounds.messaging.sms.TwilioBackend"
        settings.SMS_API_BASE = provider.base_url
        settings.SMS_ACCOUNT_SID = ACCOUNT_SID
        settings.SMS_AUTH_TOKEN = AUTH_TOKEN
        settings.SMS_FROM_NUMBER = "+15875550100"
        yield provider


@pytest.fixture
def reachable(org, recruiter):
    """A family physician in Calgary with express consent for email and text."""
    cand = do_create_candidate(
        org.pk, actor=recruiter, first_name="Amara", last_name="Okafor",
        email="amara.okafor@example.com", phone="+14035550142", profession="physician",
        headline="Family physician", city="Calgary", region="AB", country="CA",
        specialties=["Family Medicine"], years_experience=12, time_zone="America/Edmonton",
        preferred_channels=["email", "sms"],
    )
    for channel in ("email", "sms"):
        do_record_consent(cand, channel=channel, basis=ConsentBasis.EXPRESS, actor=recruiter,
                          evidence="Asked at the AFP conference", obtained_at=datetime(
                              2026, 1, 10, tzinfo=UTC))
    cand.refresh_from_db()
    return cand
