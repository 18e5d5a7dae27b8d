"""A candidate asks to be erased from the preference centre: the link that confirms it is
emailed to the address on record (through the outbox, a purpose the person asked for, so it
goes past an unsubscribe), and pressing the button on its page erases them at once."""

import re
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from rounds.candidates.choices import ErasureSource, ErasureStatus
from rounds.candidates.models import Candidate, Erasure

from .. import erasure, links, optout
from ..choices import MessageKind, MessageStatus, SuppressionReason
from ..models import Message, Suppression, hashed_address


def prefs(candidate) -> str:
    return reverse("messaging_public:preferences",
                   args=[links.make_token(links.PREFERENCES, candidate.uuid.hex)])


def link_in(message) -> str:
    found = re.search(r"https?://[^/\s]+(/o/erase/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def ask(client, candidate):
    response = client.post(prefs(candidate), {"erase_request": "1"})
    assert response.status_code == 302
    return client.get(response.url)


def test_asking_emails_a_link_even_after_an_unsubscribe(client, reachable):
    with time_machine.travel(timezone.now(), tick=False):
        optout.do_opt_out(reachable, "email", via=optout.VIA_LINK)
    page = ask(client, reachable).content.decode()
    assert "emailed you a link to confirm" in page
    request = Erasure.objects.get()
    assert (request.source, request.status) == (ErasureSource.CANDIDATE, ErasureStatus.REQUESTED)
    message = Message.objects.get(purpose=erasure.ERASURE_LINK)
    assert message.kind == MessageKind.REQUESTED
    assert message.status in (MessageStatus.QUEUED, MessageStatus.HELD)
    assert message.to_address == "amara.okafor@example.com"
    # Asking twice in a few minutes sends one link.
    assert "a few minutes ago" in ask(client, reachable).content.decode()
    assert Message.objects.filter(purpose=erasure.ERASURE_LINK).count() == 1


def test_the_link_shows_a_button_and_erases_only_when_pressed(client, reachable):
    ask(client, reachable)
    path = link_in(Message.objects.get(purpose=erasure.ERASURE_LINK))
    page = client.get(path)
    assert page.status_code == 200 and "Erase my data" in page.content.decode()
    assert Candidate.objects.filter(pk=reachable.pk).exists()

    done = client.post(path)

    assert done.status_code == 200
    text = done.content.decode()
    assert "Your data is erased" in text and "Amara" not in text
    tomb = Candidate._base_manager.get(pk=reachable.pk)
    assert tomb.erased_at is not None
    request = Erasure.objects.get()
    assert (request.status, request.actor) == (ErasureStatus.DONE, None)
    # They asked to hear nothing more: their addresses stay suppressed, as hashes.
    assert Suppression.objects.filter(address=hashed_address("amara.okafor@example.com"),
                                      reason=SuppressionReason.UNSUBSCRIBE).exists()
    assert Suppression.objects.filter(address=hashed_address("+14035550142")).exists()
    assert not Suppression.objects.filter(address="amara.okafor@example.com").exists()
    # The link used again says so; the old preference link finds no one.
    assert "Your data is erased" in client.get(path).content.decode()
    assert client.get(prefs(reachable)).status_code == 404


def test_an_altered_or_expired_link_erases_nothing(client, reachable):
    ask(client, reachable)
    path = link_in(Message.objects.get(purpose=erasure.ERASURE_LINK))
    assert client.get(path.replace("/o/erase/", "/o/erase/x")).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.post(path).status_code == 410
    assert Candidate.objects.filter(pk=reachable.pk).exists()


def test_without_an_email_address_they_are_told_whom_to_contact(client, reachable):
    Candidate.objects.filter(pk=reachable.pk).update(email="", email_normalized="")
    page = ask(client, reachable).content.decode()
    assert "no email address" in page
    assert not Erasure.objects.exists()
