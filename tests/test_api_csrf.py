"""The JSON API accepts the browser session, so unsafe methods need the CSRF token; a Bearer
token needs none."""

import json

from django.test import Client

from conftest import PASSWORD
from rounds.accounts.actions import do_create_api_token


def _signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_session_write_without_csrf_token_is_refused(recruiter):
    client = _signed_in(recruiter)
    response = client.post(
        "/api/candidates",
        data=json.dumps({"first_name": "Ada", "last_name": "Lim", "profession": "physician"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_session_write_with_csrf_token_is_accepted(recruiter):
    client = _signed_in(recruiter)
    client.get("/candidates/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/candidates",
        data=json.dumps({"first_name": "Ada", "last_name": "Lim", "profession": "physician"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code in (200, 201), response.content


def test_bearer_token_write_needs_no_csrf_token(recruiter):
    _token, key = do_create_api_token(recruiter, "script")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/candidates",
        data=json.dumps({"first_name": "Ada", "last_name": "Lim", "profession": "physician"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code in (200, 201), response.content
