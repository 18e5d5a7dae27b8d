"""One-click unsubscribe (RFC 8058): a POST whose body is exactly `List-Unsubscribe=One-Click`
unsubscribes without cookies or a CSRF token; a GET never does (mail scanners prefetch links);
repeating is harmless; an altered link is a 404."""

import pytest
from django.test import Client
from django.urls import reverse

from rounds.candidates.actions import current_consent
from rounds.candidates.choices import ConsentBasis
from rounds.candidates.models import ConsentRecord

from .. import links, outbox
from ..choices import MessageStatus, SuppressionReason
from ..models import Message, Suppression
from .conftest import NOON_EDMONTON

ONE_CLICK = b"List-Unsubscribe=One-Click"


def path_for(candidate, channel="email") -> str:
    return reverse("messaging_public:unsubscribe", args=[links.unsubscribe_token(candidate,
                                                                                 channel)])


@pytest.fixture
def mail_client():
    """What a mail provider's one-click POST looks like: no cookies, no CSRF token, and
    Django's CSRF checks enforced as in production."""
    return Client(enforce_csrf_checks=True)


def one_click(client, path):
    return client.post(path, data=ONE_CLICK, content_type="application/x-www-form-urlencoded")


def test_one_click_post_unsubscribes_without_cookies(mail_client, reachable, org):
    pending = outbox.queue_message(reachable, channel="email", subject="Banff", body="A locum?",
                                   idempotency_key="e1", at=NOON_EDMONTON,
                                       purpose="outreach.message")

    response = one_click(mail_client, path_for(reachable))

    assert response.status_code == 200
    assert not response.cookies  # nothing set, nothing needed
    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED
    assert "one-click" in current_consent(reachable, "email").evidence
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS
    suppression = Suppression.objects.get(organization=org, channel="email")
    assert suppression.reason == SuppressionReason.UNSUBSCRIBE
    pending.refresh_from_db()
    assert pending.status == MessageStatus.CANCELLED
    assert b"unsubscribed" in response.content


def test_get_shows_a_button_and_never_unsubscribes(client, reachable):
    for _ in range(3):  # a scanner, a preview, the person
        response = client.get(path_for(reachable))
        assert response.status_code == 200
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert not Suppression.objects.exists()
    page = response.content.decode()
    assert "Prairie Family Clinics" in page and "Amara" in page
    assert 'name="List-Unsubscribe" value="One-Click"' in page
    assert 'method="post"' in page
    # Nothing of the person beyond the first name.
    assert "Okafor" not in page and "amara.okafor@example.com" not in page
    assert client.head(path_for(reachable)).status_code == 200
    assert not Suppression.objects.exists()


def test_repeating_the_post_is_harmless(mail_client, reachable):
    for _ in range(3):
        assert one_click(mail_client, path_for(reachable)).status_code == 200
    assert ConsentRecord.objects.filter(candidate=reachable, channel="email",
                                        basis=ConsentBasis.REVOKED).count() == 1
    assert Suppression.objects.count() == 1


def test_the_pages_button_unsubscribes_too(mail_client, reachable):
    response = mail_client.post(path_for(reachable), {"List-Unsubscribe": "One-Click",
                                                      "from_page": "1"})
    assert response.status_code == 200
    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED
    assert "unsubscribe link" in current_consent(reachable, "email").evidence


def test_a_text_link_unsubscribes_from_texts_without_a_confirmation_text(mail_client, reachable):
    one_click(mail_client, path_for(reachable, "sms"))
    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert not Message.objects.filter(kind="opt_out_confirmation").exists()


def test_a_post_with_another_body_does_not_unsubscribe(mail_client, reachable):
    response = mail_client.post(path_for(reachable), data=b"something=else",
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # altered signature
    lambda t: t.replace(".email", ".sms"),  # another channel, same signature
    lambda t: "00000000000000000000000000000000.email:" + t.split(":")[1],  # another person
    lambda t: "garbage",
])
def test_a_forged_link_is_a_404_page(mail_client, client, reachable, mangle):
    token = mangle(links.unsubscribe_token(reachable, "email"))
    path = reverse("messaging_public:unsubscribe", args=[token])
    page = client.get(path)
    assert page.status_code == 404
    assert "isn't valid" in page.content.decode()
    assert one_click(mail_client, path).status_code == 404
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS


def test_a_preferences_token_is_not_an_unsubscribe_token(mail_client, reachable):
    token = links.make_token(links.PREFERENCES, f"{reachable.uuid.hex}.email")
    path = reverse("messaging_public:unsubscribe", args=[token])
    assert one_click(mail_client, path).status_code == 404


def test_the_link_in_a_sent_email_works(mail_client, reachable, mailoutbox):
    from email import message_from_bytes
    from email import policy as email_policy
    from urllib.parse import urlsplit

    from .. import delivery

    outbox.queue_message(reachable, channel="email", subject="Red Deer", body="Interested?",
                         idempotency_key="e2", at=NOON_EDMONTON, purpose="outreach.message")
    delivery.drain(now=NOON_EDMONTON)
    received = message_from_bytes(mailoutbox[0].message().as_bytes(),
                                  policy=email_policy.default)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https = received["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    response = one_click(mail_client, urlsplit(https).path)
    assert response.status_code == 200
    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED


def test_the_pages_identify_the_sender_with_address_and_contact(mail_client, client, reachable,
                                                                 org):
    """Texts carry only a link to these pages, so they must say who is writing (CASL): the
    organization, its postal address and a contact."""
    from ..models import OutreachSettings

    OutreachSettings.objects.create(organization=org, contact_phone="1-800-555-0199")
    for response in (client.get(path_for(reachable, "sms")),
                     mail_client.post(path_for(reachable, "sms"),
                                      {"List-Unsubscribe": "One-Click", "from_page": "1"})):
        page = response.content.decode()
        assert "Prairie Family Clinics" in page
        assert "4920 51 St, Red Deer, AB T4N 6K8" in page
        assert "Contact: 1-800-555-0199" in page
