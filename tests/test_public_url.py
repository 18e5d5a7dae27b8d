"""Every link in a message starts with settings.PUBLIC_URL, and PUBLIC_URL is by default the
address `make demo` serves (PORT=8100 gives links on 8100, not 8000)."""

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "https://jobs.prairie.example"
LINK = re.compile(r"https?://[^\s<>\"')\]]+")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_passes_the_address_it_serves_as_public_url():
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "PORT", "HOST")}
    out = subprocess.run(
        ["make", "-n", "demo", "PORT=8100"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = [
        line
        for line in out.splitlines()
        if "load_demo" in line or "db_worker" in line or "runserver" in line
    ]
    assert len(commands) >= 3
    for line in commands:
        assert "PUBLIC_URL=http://127.0.0.1:8100 " in line, line
    for target in ("serve", "worker"):
        out = subprocess.run(
            ["make", "-n", target, "PORT=8100"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "PUBLIC_URL=http://127.0.0.1:8100 " in out


@pytest.mark.parametrize(
    "extra, expected",
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8100"}, "http://127.0.0.1:8100"),
        (
            {"PORT": "8100", "PUBLIC_URL": "https://rounds.example.org/"},
            "https://rounds.example.org",
        ),
    ],
)
def test_the_settings_default_follows_the_port(extra, expected):
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_URL", "PORT")}
    env.update(extra, DJANGO_SETTINGS_MODULE="rounds.settings")
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.PUBLIC_URL)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == expected


def _links(text: str) -> list[str]:
    return [u.rstrip(".,;") for u in LINK.findall(text)]


@pytest.mark.django_db
def test_every_link_in_a_message_uses_public_url(settings, org, recruiter, owner, login):
    from rounds.accounts.models import Site
    from rounds.candidates.actions import do_add_related, do_create_candidate, do_record_consent
    from rounds.candidates.choices import ConsentBasis
    from rounds.candidates.models import Licence
    from rounds.locums.broadcast import do_broadcast
    from rounds.locums.models import NetworkMember, Shift
    from rounds.messaging.email import email_text
    from rounds.messaging.models import Message
    from rounds.messaging.outbox import queue_message
    from rounds.messaging.sms import sms_text
    from rounds.scheduling import meetings

    settings.PUBLIC_URL = PUBLIC
    person = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        profession="physician",
        email="amara@example.com",
        phone="+14035550142",
        city="Calgary",
        region="AB",
        country="CA",
        time_zone="America/Edmonton",
    )
    for channel in ("email", "sms"):
        do_record_consent(
            person,
            channel=channel,
            basis=ConsentBasis.EXPRESS,
            actor=recruiter,
            evidence="Asked",
            obtained_at=datetime(2026, 1, 10, tzinfo=UTC),
        )
    email = queue_message(
        person,
        channel="email",
        subject="Hi",
        body="You, or someone?",
        idempotency_key="e",
        actor=recruiter, purpose="outreach.message",
    )
    text = queue_message(
        person, channel="sms", body="You, or someone?", idempotency_key="t", actor=recruiter,
            purpose="outreach.message"
    )
    meeting = meetings.do_offer_meeting(
        person,
        organizer=recruiter,
        kind="call",
        title="Introductory call",
        send_by="email",
        actor=recruiter,
    )
    site = Site.objects.create(
        organization=org,
        name="Red Deer Clinic",
        city="Red Deer",
        region="AB",
        country="CA",
        time_zone="America/Edmonton",
    )
    # A shift that names no licence needs one where its site is (Alberta).
    do_add_related(person, Licence, actor=recruiter, jurisdiction="CA-AB", status="active",
                   number="AB-1", expires_on=(datetime.now(UTC) + timedelta(days=365)).date())
    NetworkMember.objects.create(organization=org, candidate=person)
    start = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    shift = Shift.objects.create(
        organization=org,
        site=site,
        starts_at=start,
        ends_at=start + timedelta(hours=9),
        profession="physician",
        created_by=recruiter,
    )
    do_broadcast(shift, actor=recruiter)
    login(owner).post(
        reverse("accounts:invite"), {"email": "nia@prairie.test", "role": "recruiter"}
    )

    bodies = {
        "email": email_text(email),
        "text": sms_text(text),
        "meeting offer": email_text(
            Message.objects.get(idempotency_key=meetings.offer_key(meeting))
        ),
        "shift offer": Message.objects.get(idempotency_key__startswith="shift:").body,
        "invitation": Message.objects.get(purpose="accounts.invitation").body,
    }
    for name, body in bodies.items():
        found = _links(body)
        assert found, name
        for url in found:
            assert url.startswith(PUBLIC + "/"), (name, url)
