"""The sender is the person who sent (rounds/outreach/sender.py): the From header, the email
footer, the text's signature and the pages reached from the message's links name the user who
wrote the message — not the organization's configured sender, nor whoever wrote last — and a
signature never says the organization twice."""

import re
from email.utils import parseaddr
from urllib.parse import urlsplit

import pytest
from django.test import Client

from conftest import make_user
from rounds.accounts.choices import Role
from rounds.outreach import delivery, sms
from rounds.outreach.models import OutreachSettings
from rounds.outreach.outbox import queue_message

from .conftest import NOON_EDMONTON

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(org):
    return make_user(org, Role.RECRUITER, "dana@prairie.test", "Dana", "Whitfield")


@pytest.fixture
def configured(org, recruiter):
    """The organization's sender name names another user, as the demo's did."""
    s = OutreachSettings.for_org(org.pk)
    s.sender_name = "Rita Recruiter at Prairie Family Clinics"
    s.save()
    return s


def send(candidate, actor, channel="email", key="m1"):
    message = queue_message(
        candidate,
        channel=channel,
        subject="A family practice",
        body="Hi Amara — you, or someone you know?",
        idempotency_key=key,
        actor=actor,
        at=NOON_EDMONTON,
    )
    assert delivery.drain(now=NOON_EDMONTON) == 1
    message.refresh_from_db()
    return message


def test_an_email_dana_sends_is_from_dana(reachable, dana, configured, smtp_server):
    send(reachable, dana)
    (received,) = smtp_server.wait_for(1)
    assert parseaddr(received["From"])[0] == "Dana Whitfield at Prairie Family Clinics"
    body = received.get_content()
    assert "Dana Whitfield, Prairie Family Clinics" in body
    assert "Rita" not in body


def test_a_message_nobody_sent_is_signed_by_the_organization_once(
    reachable, configured, smtp_server
):
    send(reachable, None)
    (received,) = smtp_server.wait_for(1)
    body = received.get_content().replace("\r\n", "\n")
    footer = body.split("\n-- \n", 1)[1]
    assert footer.splitlines()[0] == "Rita Recruiter at Prairie Family Clinics"
    assert "Prairie Family Clinics, Prairie Family Clinics" not in body
    assert footer.count("Prairie Family Clinics") == 1


def test_a_text_is_signed_by_its_sender_without_repeating_the_organization(
    reachable, dana, configured, org
):
    message = send(reachable, dana, channel="sms")
    assert sms.sms_text(message).splitlines()[1].startswith("— Dana, Prairie Family Clinics.")
    message.created_by = None
    assert (
        sms.sms_text(message)
        .splitlines()[1]
        .startswith("— Rita Recruiter at Prairie Family Clinics. Reply STOP")
    )


def test_unsubscribe_and_preference_pages_name_who_sent_the_message(
    reachable, dana, recruiter, configured, smtp_server
):
    send(reachable, dana, key="from-dana")
    send(reachable, recruiter, key="from-rita-later")  # someone else writes later
    first, _later = smtp_server.wait_for(2)
    body = first.get_content()
    client = Client()
    unsubscribe = re.search(r"Unsubscribe from these emails: (\S+)", body).group(1)
    page = client.get(urlsplit(unsubscribe).path).content.decode()
    assert "From Dana Whitfield, for <strong>Prairie Family Clinics</strong>" in page
    assert "Rita" not in page
    # The page's own link to the preference centre still knows the message.
    preferences_path = re.search(r'href="(/o/preferences/[^"]+)"', page).group(1)
    assert "Dana Whitfield" in client.get(preferences_path).content.decode()
    preferences = re.search(r"Choose how and when we contact you: (\S+)", body).group(1)
    page = client.get(urlsplit(preferences).path).content.decode()
    assert "From Dana Whitfield, for <strong>Prairie Family Clinics</strong>" in page
    assert "Rita" not in page


def test_a_link_that_names_no_message_names_the_last_person_who_wrote(
    reachable, dana, configured, smtp_server
):
    from django.urls import reverse

    from rounds.outreach import links

    send(reachable, dana)
    path = reverse(
        "outreach_public:unsubscribe",
        args=[links.make_token(links.UNSUBSCRIBE, f"{reachable.uuid.hex}.email")],
    )
    page = Client().get(path).content.decode()
    assert "From Dana Whitfield, for" in page


def test_a_link_naming_another_candidates_message_doesnt_reveal_its_sender(
    org, reachable, dana, recruiter, configured, smtp_server
):
    from django.urls import reverse

    from rounds.candidates.actions import do_create_candidate
    from rounds.outreach import links

    other = do_create_candidate(
        org.pk, actor=recruiter, first_name="Bo", last_name="Chen", profession="physician"
    )
    theirs = send(reachable, dana)
    path = reverse(
        "outreach_public:preferences",
        args=[links.make_token(links.PREFERENCES, f"{other.uuid.hex}.{theirs.pk}")],
    )
    page = Client().get(path).content.decode()
    assert "Dana" not in page
