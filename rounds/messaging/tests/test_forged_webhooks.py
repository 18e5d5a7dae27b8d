"""No webhook accepts a secret anyone can read: a "STOP" signed with the value this code used
to ship as a default is refused, on a laptop as on a server, and the candidate stays reachable.
A server with no secret for a webhook refuses every call to it and says so at start."""

import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

from rounds.candidates.actions import current_consent
from rounds.candidates.choices import ConsentBasis

from ..models import Suppression
from ..testing import twilio_signature
from .test_inbound_email import email_bytes

ROOT = Path(__file__).resolve().parents[3]
# What INBOUND_EMAIL_SECRET used to default to: public, since it was written in the code.
PUBLIC_DEFAULT = "dev-inbound-secret"


def test_a_stop_signed_with_the_old_public_default_is_refused(client, reachable, org):
    raw = email_bytes("STOP", to="reply@reply.rounds.local", subject="unsubscribe")
    forged = "sha256=" + hmac.new(PUBLIC_DEFAULT.encode(), raw, hashlib.sha256).hexdigest()
    response = client.post("/hooks/email/inbound/", data=raw, content_type="message/rfc822",
                           HTTP_X_ROUNDS_SIGNATURE=forged)
    assert response.status_code == 403
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert not Suppression.objects.filter(organization=org).exists()


def test_a_text_stop_without_a_configured_token_is_refused(client, reachable, org, settings):
    settings.SMS_AUTH_TOKEN = ""
    params = {"MessageSid": "SMforged", "From": "+14035550142", "To": "+15875550100",
              "Body": "STOP", "NumMedia": "0"}
    for token in ("", "twilio-auth-token"):
        signature = twilio_signature("http://testserver/hooks/sms/inbound/", params, token)
        response = client.post("/hooks/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)
        assert response.status_code == 403
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS


def _server(env: dict, code: str) -> subprocess.CompletedProcess:
    keep = ("PATH", "HOME", "LANG", "DATABASE_URL", "PYTHONPATH")
    base = {k: v for k, v in os.environ.items() if k in keep}
    base.update({"DJANGO_SETTINGS_MODULE": "rounds.settings", "SECRET_KEY": "k" * 50,
                 "ALLOWED_HOSTS": "rounds.example.org",
                 "PUBLIC_URL": "https://rounds.example.org", **env})
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120)


def test_a_server_without_webhook_secrets_refuses_them_and_says_so():
    done = _server({"LOG_LEVEL": "WARNING"}, (
        "from django.conf import settings as s; import rounds.wsgi; "
        "print(repr(s.INBOUND_EMAIL_SECRET), repr(s.SMS_AUTH_TOKEN))"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["''", "''"]
    assert "INBOUND_EMAIL_SECRET is not set" in done.stderr
    assert "SMS_AUTH_TOKEN is not set" in done.stderr


def test_a_server_refuses_a_published_secret():
    done = _server({"INBOUND_EMAIL_SECRET": PUBLIC_DEFAULT},
                   "from django.conf import settings as s; s.INBOUND_EMAIL_SECRET")
    assert done.returncode != 0
    assert "INBOUND_EMAIL_SECRET" in done.stderr and "public" in done.stderr
    done = _server({"SECRET_KEY": "django-insecure-abc"},
                   "from django.conf import settings as s; s.SECRET_KEY")
    assert done.returncode != 0 and "SECRET_KEY" in done.stderr
