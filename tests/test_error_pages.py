"""403, 404 and 500 are Rounds' own pages, never Django's debug page — also in `make demo`,
which opts into the local demo settings (ROUNDS_DEMO=1), not into DEBUG. Production settings
are the default: without a secret key of its own, a server refuses to start."""

import os
import subprocess
import sys
from pathlib import Path

from django.test import Client
from django.urls import include, path

ROOT = Path(__file__).resolve().parents[1]


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("", include("rounds.urls"))]


def test_a_missing_page_is_a_rounds_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There's nothing here" in page and 'lang="en"' in page and "<title>" in page
    assert "Page not found at" not in page  # Django's debug page


def test_another_organizations_record_is_the_same_404(login, outsider, candidate):
    response = login(outsider).get(f"/candidates/{candidate.uuid}/")
    assert response.status_code == 404
    assert "There's nothing here" in response.content.decode()


def test_a_role_limit_is_a_rounds_page(login, read_only):
    response = login(read_only).get("/candidates/new/")
    assert response.status_code == 403
    assert "Your role can't do this" in response.content.decode()


def test_a_crash_is_a_rounds_page(settings):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "RuntimeError" not in page and "Traceback" not in page


def test_a_form_from_an_expired_page_is_a_rounds_page(login, recruiter):
    client = login(recruiter)
    client.handler.enforce_csrf_checks = True
    response = client.post("/candidates/new/", {"first_name": "X"})
    assert response.status_code == 403
    assert "This form couldn't be accepted" in response.content.decode()


def settings_in_a_process(env: dict) -> subprocess.CompletedProcess:
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.INBOUND_EMAIL_SECRET != '')")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DEBUG", "ROUNDS_DEMO", "SECRET_KEY", "SECRET_KEY_FILE",
                          "INBOUND_EMAIL_SECRET", "ROUNDS_TESTING")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60,
                          env={**clean, "DJANGO_SETTINGS_MODULE": "rounds.settings", **env})


def test_the_demo_runs_without_debug(tmp_path):
    done = settings_in_a_process({"ROUNDS_DEMO": "1",
                                  "SECRET_KEY_FILE": str(tmp_path / "key")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True"]
    assert len((tmp_path / "key").read_text()) >= 50  # a key of its own, kept for next time


def test_a_server_refuses_to_start_without_a_secret_key(tmp_path):
    done = settings_in_a_process({"SECRET_KEY_FILE": str(tmp_path / "none")})
    assert done.returncode != 0
    assert "Set SECRET_KEY" in done.stderr


def test_a_server_has_secure_cookies_and_no_default_webhook_secret(tmp_path):
    done = settings_in_a_process({"SECRET_KEY": "x" * 50,
                                  "SECRET_KEY_FILE": str(tmp_path / "none")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "False"]
