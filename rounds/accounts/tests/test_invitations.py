import html
import re
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.actions import do_invite_user
from rounds.accounts.choices import Role
from rounds.accounts.models import Invitation, User

from .conftest import sent_mail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase"


def accept_form(**extra):
    return {"first_name": "Nia", "last_name": "Nurse", "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD, **extra}


def invite(client, email="nia@prairie.test", role=Role.HIRING_MANAGER):
    return client.post(reverse("accounts:invite"), {"email": email, "role": role})


def test_owner_invites_and_invitee_joins_with_the_role_signed_in(login, owner, org, settings):
    settings.PUBLIC_URL = "https://rounds.prairie.example"
    response = invite(login(owner), email="Nia@Prairie.test")
    assert response.status_code == 302
    assert len(sent_mail()) == 1
    message = sent_mail()[0]
    assert message.to == ["nia@prairie.test"]
    assert org.name in message.subject
    link = re.search(r"https?://\S+/accounts/invite/[0-9a-f-]{36}/", message.body).group(0)
    # The link is on the public address, not the address the owner's request came to.
    assert link.startswith("https://rounds.prairie.example/accounts/invite/")
    path = link.split("https://rounds.prairie.example", 1)[1]

    visitor = Client()
    page = visitor.get(path)
    assert page.status_code == 200
    assert org.name in page.content.decode()
    assert "Hiring manager" in page.content.decode()

    response = visitor.post(path, accept_form())
    assert response.status_code == 302
    assert response["Location"] == reverse("today")
    user = User.objects.get(email="nia@prairie.test")
    assert user.organization_id == org.pk
    assert user.role == Role.HIRING_MANAGER
    assert user.first_name == "Nia"
    assert int(visitor.session["_auth_user_id"]) == user.pk
    assert visitor.get(reverse("today")).status_code == 200


def test_pending_invitation_is_listed_without_its_link(login, owner):
    """Only the invitee gets the link: an inviter who could open it would learn whether the
    address already has an account elsewhere (the link says so when used)."""
    client = login(owner)
    invite(client)
    inv = Invitation.objects.get(email="nia@prairie.test")
    page = client.get(reverse("accounts:invite")).content.decode()
    assert "nia@prairie.test" in page
    assert str(inv.token) not in page
    assert "Resend" in page


def test_inviting_someone_with_an_account_elsewhere_looks_like_any_invitation(
        login, owner, org, other_org):
    """Cross-tenant enumeration: the inviter sees the same answer, list and email count as for
    a new address; the address's owner is told in the email why there is no link."""
    client = login(owner)
    elsewhere = invite(client, email="Owner@LoneStar.test")
    fresh = invite(client, email="brand.new@prairie.test")
    assert elsewhere.status_code == fresh.status_code == 302
    assert elsewhere["Location"] == fresh["Location"]
    messages_shown = [str(m) for m in client.get(reverse("accounts:invite")).context["messages"]]
    page = client.get(reverse("accounts:invite")).content.decode()
    assert "owner@lonestar.test" in page and "brand.new@prairie.test" in page
    assert "account" not in " ".join(messages_shown).lower()
    assert Invitation.objects.filter(email="owner@lonestar.test", organization=org).exists()

    assert len(sent_mail()) == 2
    to_elsewhere, to_fresh = sent_mail()
    assert to_elsewhere.to == ["owner@lonestar.test"]
    assert to_elsewhere.subject == to_fresh.subject.replace("brand.new", "owner")
    assert "/accounts/invite/" not in to_elsewhere.body
    assert "already has a Rounds account with another organization" in to_elsewhere.body
    assert "/accounts/invite/" in to_fresh.body
    # Nothing changed for the account elsewhere.
    assert User.objects.get(email="owner@lonestar.test").organization_id == other_org.pk


def test_invitation_cannot_be_used_twice(owner, org):
    inv = do_invite_user(org, email="nia@prairie.test", role=Role.RECRUITER, actor=owner)
    url = reverse("accounts:accept", args=[inv.token])
    assert Client().post(url, accept_form()).status_code == 302
    again = Client().post(url, accept_form(first_name="Mallory"))
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert User.objects.filter(email="nia@prairie.test").count() == 1
    assert User.objects.get(email="nia@prairie.test").first_name == "Nia"


def test_expired_invitation_is_refused(owner, org):
    inv = do_invite_user(org, email="nia@prairie.test", role=Role.RECRUITER, actor=owner)
    Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    url = reverse("accounts:accept", args=[inv.token])
    assert "has expired" in Client().get(url).content.decode()
    response = Client().post(url, accept_form())
    assert response.status_code == 410
    assert not User.objects.filter(email="nia@prairie.test").exists()


def test_revoked_invitation_is_refused(login, owner, org):
    inv = do_invite_user(org, email="nia@prairie.test", role=Role.RECRUITER, actor=owner)
    response = login(owner).post(reverse("accounts:invite_revoke", args=[inv.pk]))
    assert response.status_code == 302
    url = reverse("accounts:accept", args=[inv.token])
    refused = Client().post(url, accept_form())
    assert refused.status_code == 410
    assert "withdrawn" in refused.content.decode()
    assert not User.objects.filter(email="nia@prairie.test").exists()


def test_new_invitation_replaces_the_earlier_link(owner, org):
    first = do_invite_user(org, email="nia@prairie.test", role=Role.RECRUITER, actor=owner)
    second = do_invite_user(org, email="nia@prairie.test", role=Role.READ_ONLY, actor=owner)
    assert Client().post(reverse("accounts:accept", args=[first.token]),
                         accept_form()).status_code == 410
    assert Client().post(reverse("accounts:accept", args=[second.token]),
                         accept_form()).status_code == 302
    assert User.objects.get(email="nia@prairie.test").role == Role.READ_ONLY


def test_unknown_token_shows_a_clear_page():
    response = Client().get("/accounts/invite/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert "recognise this invitation" in response.content.decode()


def test_weak_or_mismatched_password_is_explained_and_names_are_kept(owner, org):
    inv = do_invite_user(org, email="nia@prairie.test", role=Role.RECRUITER, actor=owner)
    url = reverse("accounts:accept", args=[inv.token])
    response = Client().post(url, accept_form(password="password", password_again="password"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "too common" in body or "too short" in body
    assert 'value="Nia"' in body
    mismatch = Client().post(url, accept_form(password_again="something else entirely"))
    assert "don&#x27;t match" in mismatch.content.decode()
    assert not User.objects.filter(email="nia@prairie.test").exists()


def test_token_joins_only_the_inviting_organization(owner, org, other_org):
    inv = do_invite_user(org, email="nia@prairie.test", role=Role.RECRUITER, actor=owner)
    # a posted organization or role is ignored: the invitation alone decides
    Client().post(reverse("accounts:accept", args=[inv.token]),
                  accept_form(organization=other_org.pk, role=Role.ADMIN))
    user = User.objects.get(email="nia@prairie.test")
    assert user.organization_id == org.pk
    assert user.role == Role.RECRUITER


def test_outsider_admin_cannot_revoke_or_see_another_orgs_invitations(login, owner, org, other_org):
    inv = do_invite_user(org, email="nia@prairie.test", role=Role.RECRUITER, actor=owner)
    other_owner = User.objects.get(email="owner@lonestar.test")
    client = login(other_owner)
    assert client.post(reverse("accounts:invite_revoke", args=[inv.pk])).status_code == 404
    assert client.post(reverse("accounts:invite_resend", args=[inv.pk])).status_code == 404
    assert "nia@prairie.test" not in client.get(reverse("accounts:invite")).content.decode()
    inv.refresh_from_db()
    assert inv.revoked_at is None


@pytest.mark.parametrize("persona", ["recruiter", "hiring_manager", "read_only"])
def test_only_admins_can_invite(request, login, persona):
    user = request.getfixturevalue(persona)
    client = login(user)
    assert client.get(reverse("accounts:invite")).status_code == 403
    assert invite(client).status_code == 403
    assert not Invitation.objects.exists()
    assert sent_mail() == []


def test_inviting_a_member_of_ones_own_organization_is_a_field_error(login, owner, recruiter):
    response = invite(login(owner), email="RECRUITER@prairie.test")
    assert response.status_code == 200
    assert "recruiter@prairie.test is already a member of Prairie Family Clinics" in \
        response.content.decode()
    assert not Invitation.objects.exists()


def test_invalid_email_is_a_field_error(login, owner):
    response = invite(login(owner), email="not-an-email")
    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()


def test_signed_in_user_opening_an_invitation_is_asked_to_sign_out(login, owner, org, recruiter):
    inv = do_invite_user(org, email="nia@prairie.test", role=Role.RECRUITER, actor=owner)
    response = login(recruiter).post(reverse("accounts:accept", args=[inv.token]), accept_form())
    assert response.status_code == 409
    assert not User.objects.filter(email="nia@prairie.test").exists()


def test_a_refused_email_keeps_the_invitation_and_says_so(login, owner, refusing_smtp):
    client = login(owner)
    response = invite(client)
    assert response.status_code == 302
    inv = Invitation.objects.get(email="nia@prairie.test")
    page = client.get(reverse("accounts:invite")).content.decode()
    assert "Email: queued" in page and f"/accounts/invite/{inv.token}/" not in page
    sent_mail()  # the worker tries; the mail server refuses the address for good
    page = html.unescape(client.get(reverse("accounts:invite")).content.decode())
    assert "couldn't be sent" in page and "No such mailbox" in page
    # Here, and only here, the admin gets the link to pass on.
    assert f"/accounts/invite/{inv.token}/" in page


def test_a_mail_server_that_is_down_is_tried_again(login, owner, settings):
    from rounds.messaging.models import Message

    settings.EMAIL_BACKEND = "rounds.accounts.tests.test_invitations.BrokenBackend"
    invite(login(owner))
    assert sent_mail() == []
    message = Message.objects.get(purpose="accounts.invitation")
    assert message.status == "queued" and message.attempts == 1  # backs off, then again


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def open(self):
        raise ConnectionRefusedError("SMTP server down")

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")
