"""Password reset: by email from the sign-in page (the same answer whether or not the address
has an account), and sent by an owner/admin from the Users page. The link works once, expires,
is built on PUBLIC_URL, and using it lifts the account's sign-in throttle."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from rounds.accounts import actions, throttle
from rounds.accounts.models import User
from rounds.audit.models import AuditEvent

from .conftest import sent_mail, sign_in
from .test_two_factor import with_two_factor

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "a fresh and unusual passphrase"


def ask(client, email, ip="203.0.113.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)


def open_link(client, link, settings):
    path = link.removeprefix(settings.PUBLIC_URL)
    response = client.get(path)
    if response.status_code == 302:  # Django moves the token out of the address bar
        response = client.get(response["Location"])
    return response


def choose(client, response, password=NEW_PASSWORD):
    return client.post(
        response.wsgi_request.path, {"new_password1": password, "new_password2": password}
    )


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(owner):
    known = ask(Client(), "OWNER@prairie.test")
    unknown = ask(Client(), "nobody@prairie.test")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("accounts:password_reset_sent")
    assert [m.to for m in sent_mail()] == [["owner@prairie.test"]]
    page = Client().get(known["Location"]).content.decode()
    assert "If an account uses that address" in page
    assert "60 minutes" in page


def test_the_emailed_link_sets_a_new_password_once(owner, settings):
    settings.PUBLIC_URL = "https://rounds.example"
    ask(Client(), owner.email)
    [message] = sent_mail()
    assert message.subject == "Choose a new password for Rounds"
    assert message.extra_headers["X-Rounds-Purpose"] == "accounts.password_reset"
    link = link_in(message)
    assert link.startswith("https://rounds.example/accounts/reset/")  # never the Host header
    assert "expires in 60 minutes" in message.body

    client = Client()
    form = open_link(client, link, settings)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    assert form["Referrer-Policy"] == "same-origin"
    done = choose(client, form)
    assert done["Location"] == reverse("accounts:login")
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in client.session  # it signs nobody in
    assert sign_in(Client(), owner.email, NEW_PASSWORD)["Location"] == reverse("today")

    again = open_link(Client(), link, settings)
    assert again.status_code == 404
    assert "This link doesn" in again.content.decode()
    changes = [e.changes for e in AuditEvent.objects.filter(object_id=str(owner.pk))]
    assert {"password": "changed with an emailed reset link"} in changes
    assert {"password_reset": "link sent by email, asked for on the sign-in page"} in changes


def test_the_link_expires(owner, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        ask(Client(), owner.email)
        link = link_in(sent_mail()[0])
        clock.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
        response = open_link(Client(), link, settings)
    assert response.status_code == 404
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_weak_password_is_explained(owner, settings):
    ask(Client(), owner.email)
    client = Client()
    form = open_link(client, link_in(sent_mail()[0]), settings)
    response = choose(client, form, password="password")
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_mangled_or_foreign_link_is_a_404():
    for path in (
        "/accounts/reset/MQ/not-a-token/",
        "/accounts/reset/999999999/x-y/",
        "/accounts/reset/%%%/set-password/",
    ):
        response = Client().get(path)
        assert response.status_code == 404
        assert Client().post(path, {"new_password1": "x", "new_password2": "x"}).status_code == 404


def test_using_the_link_lifts_the_throttle_of_a_locked_out_account(counters, owner, settings):
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"):
        for _ in range(throttle.PAIR.attempts):
            sign_in(Client(), owner.email, "guess", ip=ip)
    assert sign_in(Client(), owner.email, PASSWORD, ip="198.51.100.1").status_code == 429
    assert sign_in(Client(), owner.email, PASSWORD, ip="192.0.2.9").status_code == 429  # locked

    ask(Client(), owner.email)
    client = Client()
    choose(client, open_link(client, link_in(sent_mail()[0]), settings))
    for ip in ("198.51.100.1", "192.0.2.9"):
        assert sign_in(Client(), owner.email, NEW_PASSWORD, ip=ip)["Location"] == reverse("today")


def test_a_reset_does_not_skip_two_factor(recruiter, settings):
    with_two_factor(recruiter)
    ask(Client(), recruiter.email)
    client = Client()
    choose(client, open_link(client, link_in(sent_mail()[0]), settings))
    response = sign_in(Client(), recruiter.email, NEW_PASSWORD)
    assert response["Location"] == reverse("accounts:login_code")


def test_deactivated_people_get_no_link(recruiter, settings):
    ask(Client(), recruiter.email)
    link = link_in(sent_mail()[0])
    User.objects.filter(pk=recruiter.pk).update(is_active=False)
    assert open_link(Client(), link, settings).status_code == 404
    sent_mail().clear()
    ask(Client(), recruiter.email)
    assert sent_mail() == []


def test_asking_again_and_again_is_throttled(owner):
    for _ in range(throttle.RESET_ACCOUNT.attempts):
        assert ask(Client(), owner.email).status_code == 302
    flood = ask(Client(), owner.email)
    assert flood.status_code == 429
    assert "Too many links asked for" in flood.content.decode()
    assert len(sent_mail()) == throttle.RESET_ACCOUNT.attempts
    # Unknown addresses are counted the same (nothing to learn from the refusal).
    for _ in range(throttle.RESET_ACCOUNT.attempts):
        ask(Client(), "nobody@prairie.test", ip="198.51.100.8")
    assert ask(Client(), "nobody@prairie.test", ip="198.51.100.8").status_code == 429


def test_a_mail_server_that_is_down_gives_the_same_answer_and_is_tried_again(owner, settings):
    from rounds.messaging.models import Message

    settings.EMAIL_BACKEND = "rounds.accounts.tests.test_invitations.BrokenBackend"
    response = ask(Client(), owner.email)
    assert response["Location"] == reverse("accounts:password_reset_sent")
    assert sent_mail() == []
    message = Message.objects.get(purpose="accounts.password_reset", to_user=owner)
    assert message.status == "queued" and message.attempts == 1  # backs off, then again


# --- sent by an owner/admin --------------------------------------------------------------------


def test_an_owner_sends_someone_a_reset_link(login, owner, recruiter, settings):
    client = login(owner)
    page = client.get(reverse("accounts:users")).content.decode()
    assert reverse("accounts:user_password_reset", args=[recruiter.pk]) in page
    response = client.post(
        reverse("accounts:user_password_reset", args=[recruiter.pk]), follow=True
    )
    assert (
        "A link to choose a new password is on its way to recruiter@prairie.test"
        in response.content.decode()
    )
    [message] = sent_mail()
    assert message.to == ["recruiter@prairie.test"]
    assert (
        "Olivia Owner (owner@prairie.test), an administrator at Prairie Family Clinics"
        in message.body
    )
    event = AuditEvent.objects.get(actor=owner, object_id=str(recruiter.pk))
    assert event.changes == {"password_reset": "link sent by email by an administrator"}

    visitor = Client()
    choose(visitor, open_link(visitor, link_in(message), settings))
    recruiter.refresh_from_db()
    assert recruiter.check_password(NEW_PASSWORD)


def test_the_owner_is_told_when_the_email_could_not_go(login, owner, recruiter, refusing_smtp):
    client = login(owner)
    client.post(reverse("accounts:user_password_reset", args=[recruiter.pk]))
    sent_mail()  # the worker tries; the mail server refuses the address for good
    page = html.unescape(client.get(reverse("accounts:users")).content.decode())
    assert "The reset link couldn't be sent" in page and "No such mailbox" in page


def test_no_link_for_a_deactivated_user(login, owner, recruiter):
    User.objects.filter(pk=recruiter.pk).update(is_active=False)
    response = login(owner).post(
        reverse("accounts:user_password_reset", args=[recruiter.pk]), follow=True
    )
    assert "is deactivated" in response.content.decode()
    assert sent_mail() == []


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_only_admins_send_reset_links(request, login, persona, owner):
    user = request.getfixturevalue(persona)
    response = login(user).post(reverse("accounts:user_password_reset", args=[owner.pk]))
    assert response.status_code == 403
    assert sent_mail() == []


def test_the_action_refuses_an_admin_of_another_organization(owner, other_org, recruiter):
    from django.core.exceptions import PermissionDenied

    outsider_owner = User.objects.get(email="owner@lonestar.test")
    with pytest.raises(PermissionDenied):
        actions.do_send_password_reset(recruiter, actor=outsider_owner)
    assert sent_mail() == []
