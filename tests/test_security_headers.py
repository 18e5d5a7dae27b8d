"""Every page carries the Content-Security-Policy (no inline script, no eval) and pages with
personal data are never stored by a browser or proxy. No template holds an inline script or an
inline event handler, which the policy would block (tests/browser fails on any blocked one)."""

import re
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]


def test_a_signed_in_page_has_the_policy_and_is_not_stored(login, recruiter, candidate):
    response = login(recruiter).get(reverse("candidates:detail", args=[candidate.uuid]))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "no-store" in response["Cache-Control"]


def test_the_api_and_public_pages_are_not_stored_either(login, recruiter, candidate, client):
    assert "no-store" in login(recruiter).get("/api/candidates")["Cache-Control"]
    assert "no-store" in client.get(reverse("accounts:login"))["Cache-Control"]


def test_the_policy_comes_from_the_environment(client, db, settings):
    settings.CONTENT_SECURITY_POLICY = "default-src 'none'"
    assert client.get("/healthz/")["Content-Security-Policy"] == "default-src 'none'"
    settings.CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in client.get("/healthz/")


INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>"
                    r"|\son[a-z]+\s*=\s*[\"']|hx-on|javascript:", re.I)


def test_no_template_has_inline_script_or_handlers():
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}"
             for path in (ROOT / "rounds").rglob("templates/**/*.html")
             for m in INLINE.finditer(path.read_text())]
    assert found == []
