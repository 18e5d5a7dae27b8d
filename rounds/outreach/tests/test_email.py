"""Outbound email as it arrives at a real SMTP server on loopback, parsed with the standard
`email` package: Message-ID, Date, From, Reply-To per thread, RFC 8058 one-click unsubscribe
and the footer that identifies the sender."""

import re
from email.utils import parseaddr, parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
from django.urls import resolve

from rounds.accounts.models import Organization
from rounds.outreach import delivery
from rounds.outreach.choices import MessageKind, MessageStatus
from rounds.outreach.email import build_email
from rounds.outreach.models import Message, OutreachSettings
from rounds.outreach.outbox import queue_message
from rounds.outreach.threads import reply_address

from .conftest import NOON_EDMONTON

pytestmark = pytest.mark.django_db

POSTAL = "1010 10 Ave SW, Suite 400, Calgary, AB T2R 0K8"


@pytest.fixture
def identified(org):
    Organization.objects.filter(pk=org.pk).update(postal_address=POSTAL)
    org.refresh_from_db()
    s = OutreachSettings.for_org(org.pk)
    s.contact_phone = "+1 403 555 0100"
    s.save()
    return org


def send_one(candidate, actor, key="e1", **kwargs) -> tuple[Message, object]:
    message = queue_message(candidate, channel="email", subject="A family practice in Red Deer",
                            body="Hi Amara — you, or someone you know?", idempotency_key=key,
                            actor=actor, at=NOON_EDMONTON, **kwargs)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    message.refresh_from_db()
    return message


def test_headers_identify_the_message_its_sender_and_its_thread(
    reachable, recruiter, identified, smtp_server
):
    message = send_one(reachable, recruiter)
    (received,) = smtp_server.wait_for(1)
    assert received["Message-ID"] == message.provider_id
    assert re.fullmatch(r"<[^<>@\s]+@reply\.rounds\.local>", message.provider_id)
    assert parsedate_to_datetime(received["Date"]) == NOON_EDMONTON
    assert parseaddr(received["From"]) == ("Rita Recruiter at Prairie Family Clinics",
                                           "no-reply@rounds.local")
    assert received["To"] == "amara.okafor@example.com"
    assert received["Subject"] == "A family practice in Red Deer"
    assert received["Reply-To"] == reply_address(message.thread)
    assert received["Reply-To"].startswith(f"reply+{message.thread.reply_token}@")
    assert received["In-Reply-To"] is None  # the first message of its thread
    assert smtp_server.envelopes[0][1] == ["amara.okafor@example.com"]


def test_one_click_unsubscribe_headers_follow_rfc_8058(reachable, recruiter, smtp_server):
    message = send_one(reachable, recruiter)
    (received,) = smtp_server.wait_for(1)
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = re.findall(r"<([^>]+)>", str(received["List-Unsubscribe"]))
    assert len(links) == 2
    web, mailto = links
    assert re.match(r"https?://", web)
    assert resolve(urlsplit(web).path).view_name == "outreach_public:unsubscribe"
    token = message.thread.reply_token
    assert mailto == f"mailto:unsubscribe+{token}@reply.rounds.local?subject=unsubscribe"


def test_footer_identifies_the_sender_and_offers_unsubscribe_and_preferences(
    reachable, recruiter, identified, smtp_server
):
    message = send_one(reachable, recruiter)
    (received,) = smtp_server.wait_for(1)
    body = received.get_content()
    assert body.startswith("Hi Amara — you, or someone you know?")
    assert "Rita Recruiter, Prairie Family Clinics" in body
    assert POSTAL in body
    assert "Contact: +1 403 555 0100" in body
    unsubscribe = re.search(r"Unsubscribe from these emails: (\S+)", body).group(1)
    assert unsubscribe in received["List-Unsubscribe"]
    preferences = re.search(r"Choose how and when we contact you: (\S+)", body).group(1)
    assert resolve(urlsplit(preferences).path).view_name == "outreach_public:preferences"
    # What went out is what the row keeps.
    assert message.sent_body.replace("\r\n", "\n") == body.replace("\r\n", "\n")
    assert message.from_address == received["From"]


def test_organization_sender_name_and_address_are_used_when_set(reachable, smtp_server, org):
    s = OutreachSettings.for_org(org.pk)
    s.sender_name, s.sender_email = "Prairie Recruiting", "jobs@prairie.example"
    s.save()
    send_one(reachable, None)
    (received,) = smtp_server.wait_for(1)
    assert parseaddr(received["From"]) == ("Prairie Recruiting", "jobs@prairie.example")
    # Without a phone, the sender's address is the contact that stays valid.
    assert "Contact: jobs@prairie.example" in received.get_content()


def test_a_reply_in_the_same_thread_refers_to_the_earlier_messages(
    reachable, recruiter, smtp_server
):
    first = send_one(reachable, recruiter, key="e1")
    second = queue_message(reachable, channel="email", subject="Following up",
                           body="Any thoughts?", idempotency_key="e2", actor=recruiter,
                           at=NOON_EDMONTON, thread=first.thread)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    second.refresh_from_db()
    received = smtp_server.wait_for(2)[1]
    assert received["Message-ID"] == second.provider_id != first.provider_id
    assert received["In-Reply-To"] == first.provider_id
    assert received["References"] == first.provider_id
    assert received["Reply-To"] == reply_address(first.thread)


def test_transactional_email_has_no_unsubscribe_but_still_names_the_sender(
    reachable, recruiter, identified, smtp_server
):
    send_one(reachable, recruiter, kind=MessageKind.TRANSACTIONAL)
    (received,) = smtp_server.wait_for(1)
    assert received["List-Unsubscribe"] is None
    body = received.get_content()
    assert "Prairie Family Clinics" in body and POSTAL in body
    assert "Unsubscribe" not in body


def test_message_id_is_made_once_and_kept_across_builds(reachable, recruiter):
    message = queue_message(reachable, channel="email", subject="Hello", body="Hi",
                            idempotency_key="e-build", actor=recruiter, at=NOON_EDMONTON)
    assert message.provider_id == ""
    first = build_email(message)
    saved = Message.objects.get(pk=message.pk).provider_id
    assert first.extra_headers["Message-ID"] == saved != ""
    again = build_email(Message.objects.get(pk=message.pk))
    assert again.extra_headers["Message-ID"] == saved


def test_retried_email_goes_out_with_the_same_message_id(reachable, recruiter, smtp_server):
    message = queue_message(reachable, channel="email", subject="Hello", body="Hi",
                            idempotency_key="e-retry", actor=recruiter, at=NOON_EDMONTON)
    smtp_server.reject_next.append((451, "4.3.0 Try again later"))
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED
    first_id = message.provider_id
    assert first_id
    assert delivery.drain(now=message.send_after) == 1
    (received,) = smtp_server.wait_for(1)
    assert received["Message-ID"] == first_id


def test_build_email_refuses_a_text_message(reachable):
    message = queue_message(reachable, channel="sms", body="Hi", idempotency_key="s-x",
                            at=NOON_EDMONTON)
    with pytest.raises(ValueError):
        build_email(message)
