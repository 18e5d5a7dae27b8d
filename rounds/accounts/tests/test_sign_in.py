import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "That email and password don&#x27;t match an active account."


def sign_in(client, email, password, next_url=None):
    data = {"username": email, "password": password}
    url = reverse("accounts:login")
    if next_url is not None:
        data["next"] = next_url
    return client.post(url, data)


def test_login_page_renders_for_anonymous_visitor():
    response = Client().get(reverse("accounts:login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_sign_in_with_email_in_any_letter_case(owner):
    client = Client()
    response = sign_in(client, "  OWNER@Prairie.TEST ", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("today")
    assert client.get(reverse("today")).status_code == 200


def test_wrong_password_shows_one_message_that_does_not_reveal_the_account(owner):
    wrong_password = sign_in(Client(), "owner@prairie.test", "not the password")
    unknown_email = sign_in(Client(), "nobody@prairie.test", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert WRONG in wrong_password.content.decode()
    assert WRONG in unknown_email.content.decode()
    # the typed email is kept, the password is not
    assert 'value="owner@prairie.test"' in wrong_password.content.decode()
    assert "not the password" not in wrong_password.content.decode()


def test_inactive_user_cannot_sign_in(recruiter):
    recruiter.is_active = False
    recruiter.save()
    client = Client()
    response = sign_in(client, recruiter.email, PASSWORD)
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_follows_next_within_the_site(owner):
    response = sign_in(Client(), owner.email, PASSWORD, next_url="/accounts/settings/")
    assert response["Location"] == "/accounts/settings/"


def test_sign_in_ignores_next_to_another_site(owner):
    response = sign_in(Client(), owner.email, PASSWORD, next_url="https://evil.example/steal")
    assert response["Location"] == reverse("today")


def test_protected_page_sends_anonymous_visitor_to_login_with_next():
    response = Client().get(reverse("accounts:settings"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_logout_requires_post(login, owner):
    client = login(owner)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("today")).status_code == 200
    response = client.post(reverse("accounts:logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "signed out" in response.content.decode()
    assert client.get(reverse("today")).status_code == 302


def test_signed_in_user_changes_their_password(login, recruiter):
    client = login(recruiter)
    response = client.post(reverse("accounts:password"), {
        "old_password": PASSWORD, "new_password1": "a brand new passphrase",
        "new_password2": "a brand new passphrase",
    })
    assert response.status_code == 302
    assert client.get(reverse("today")).status_code == 200  # still signed in
    recruiter.refresh_from_db()
    assert recruiter.check_password("a brand new passphrase")


def test_password_change_says_what_is_wrong(login, recruiter):
    response = login(recruiter).post(reverse("accounts:password"), {
        "old_password": "wrong", "new_password1": "short", "new_password2": "different",
    })
    assert response.status_code == 200
    body = response.content.decode()
    assert "Your old password was entered incorrectly" in body
    assert "The two password fields" in body
    recruiter.refresh_from_db()
    assert recruiter.check_password(PASSWORD)


def test_password_change_needs_sign_in():
    assert Client().get(reverse("accounts:password")).status_code == 302
