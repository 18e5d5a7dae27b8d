import re

import pytest
from django.test import Client
from django.urls import reverse

from rounds.accounts.actions import do_create_api_token, do_set_user_active
from rounds.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_user_creates_a_token_shown_once_and_it_authenticates(login, read_only):
    client = login(read_only)
    response = client.post(reverse("accounts:tokens"), {"name": "Spreadsheet sync"})
    assert response.status_code == 200
    key = re.search(r'value="(rnd_[^"]+)"', response.content.decode()).group(1)
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=read_only)
    assert key not in token.key_hash and token.name == "Spreadsheet sync"
    # the key is not shown again
    assert key not in client.get(reverse("accounts:tokens")).content.decode()

    api = Client().get("/api/accounts/me", **bearer(key))
    assert api.status_code == 200
    assert api.json()["email"] == read_only.email
    assert api.json()["role"] == "read_only"


def test_revoked_token_gets_401(login, recruiter):
    token, key = do_create_api_token(recruiter, "CI")
    assert Client().get("/api/accounts/me", **bearer(key)).status_code == 200
    response = login(recruiter).post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    refused = Client().get("/api/accounts/me", **bearer(key))
    assert refused.status_code == 401
    assert refused.json()["detail"]


def test_wrong_or_missing_token_gets_401(recruiter):
    assert Client().get("/api/accounts/me", **bearer("rnd_nope")).status_code == 401
    assert Client().get("/api/accounts/me").status_code == 401


def test_deactivated_users_tokens_stop_working(owner, recruiter):
    _token, key = do_create_api_token(recruiter, "CI")
    do_set_user_active(recruiter, False, actor=owner)
    assert Client().get("/api/accounts/me", **bearer(key)).status_code == 401


def test_users_see_and_revoke_only_their_own_tokens(login, owner, recruiter, outsider):
    mine, _ = do_create_api_token(recruiter, "Mine")
    theirs, _ = do_create_api_token(owner, "Owner's token")
    foreign, _ = do_create_api_token(outsider, "Foreign")
    client = login(recruiter)
    page = client.get(reverse("accounts:tokens")).content.decode()
    assert "Mine" in page and "Owner&#x27;s token" not in page and "Foreign" not in page
    assert client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[foreign.pk])).status_code == 404
    theirs.refresh_from_db()
    foreign.refresh_from_db()
    assert theirs.revoked_at is None and foreign.revoked_at is None


def test_token_name_is_required(login, recruiter):
    response = login(recruiter).post(reverse("accounts:tokens"), {"name": ""})
    assert "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_needs_post(login, recruiter):
    token, _ = do_create_api_token(recruiter, "CI")
    assert login(recruiter).get(reverse("accounts:token_revoke", args=[token.pk])).status_code \
        == 405
