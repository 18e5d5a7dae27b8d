"""A server configured from the environment alone: with DEBUG off, a secret key, the allowed
hosts and an https PUBLIC_URL, `manage.py check --deploy` finds nothing to fix (HSTS, the SSL
redirect and secure cookies are the defaults); behind a proxy that terminates TLS the client's
address and scheme are read as the deployment says; /healthz/ answers the load balancer."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.test import RequestFactory

from rounds.lib.http import client_ip

ROOT = Path(__file__).resolve().parents[1]
SERVER_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "rounds.example.org",
    "PUBLIC_URL": "https://rounds.example.org",
}


def manage(*args: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    keep = ("PATH", "HOME", "LANG", "DATABASE_URL", "PYTHONPATH")
    base = {k: v for k, v in os.environ.items() if k in keep}
    base.update(SECRET_KEY_FILE=str(tmp_path / "no-key-file"), **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_finds_nothing_with_the_documented_environment(tmp_path):
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=SERVER_ENV,
                  tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_settings_read_the_proxy_and_mail_from_the_environment(tmp_path):
    code = ("from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER, "
            "s.TRUSTED_PROXIES, s.CSRF_TRUSTED_ORIGINS, s.EMAIL_BACKEND, s.EMAIL_HOST, "
            "s.EMAIL_PORT, s.EMAIL_USE_TLS, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT)")
    done = manage("shell", "-v", "0", "-c", code, tmp_path=tmp_path, env={
        **SERVER_ENV, "TRUST_PROXY_HEADERS": "1", "TRUSTED_PROXIES": "2",
        "EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "587", "EMAIL_USE_TLS": "1",
        "SECURE_HSTS_SECONDS": "300"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "('HTTP_X_FORWARDED_PROTO',", "'https')", "2", "['https://rounds.example.org']",
        "django.core.mail.backends.smtp.EmailBackend", "smtp.example.org", "587", "True",
        "300", "True"]


def test_a_bad_value_in_the_environment_is_a_clear_error(tmp_path):
    done = manage("check", env={**SERVER_ENV, "EMAIL_PORT": "five"}, tmp_path=tmp_path)
    assert done.returncode != 0
    assert "EMAIL_PORT='five': a whole number is needed" in done.stderr


def test_the_client_address_behind_trusted_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.1")
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"  # no proxy trusted: the header is anyone's
    settings.TRUSTED_PROXIES = 1
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXIES = 2
    assert client_ip(request) == "203.0.113.7"  # never the client's own claim on the left


def test_healthz_answers_and_is_never_cached(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200 and response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]
