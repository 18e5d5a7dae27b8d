"""Inbound email through the inbound webhook (a raw RFC 5322 message, signed with HMAC-SHA256):
replies find their thread by reply address, by In-Reply-To, or by sender; the List-Unsubscribe
mailto unsubscribes; a hard-bounce DSN suppresses the address; bad input is refused and logged."""

import hashlib
import hmac
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import current_consent
from rounds.candidates.choices import ConsentBasis
from rounds.followups.choices import FollowUpKind
from rounds.followups.models import FollowUp
from rounds.outreach import sequences
from rounds.outreach.choices import EnrollmentStatus, StopReason

from .. import delivery, outbox
from ..choices import (
    Direction,
    MessageStatus,
    SuppressionReason,
    WebhookOutcome,
    WebhookSource,
)
from ..inbound import strip_quoted
from ..models import Message, OutreachSettings, Suppression, WebhookEvent
from .conftest import NOON_EDMONTON

PATH = "/hooks/email/inbound/"
SECRET = "inbound-test-secret"
AMARA = "amara.okafor@example.com"


@pytest.fixture
def secret(settings):
    settings.INBOUND_EMAIL_SECRET = SECRET
    settings.REPLY_DOMAIN = "reply.rounds.test"


def signature(data: bytes, key: str = SECRET) -> str:
    return "sha256=" + hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


def post_email(client, raw: bytes, *, sig: str | None = None):
    return client.post(PATH, data=raw, content_type="message/rfc822",
                       HTTP_X_ROUNDS_SIGNATURE=signature(raw) if sig is None else sig)


def email_bytes(body: str, *, to: str, sender: str = f"Amara Okafor <{AMARA}>",
                subject: str = "Re: Family practice in Red Deer", in_reply_to: str = "",
                headers: dict | None = None, message_id: str = "") -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = formatdate()
    m["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    for name, value in (headers or {}).items():
        m[name] = value
    m.set_content(body)
    return m.as_bytes()


def inbound(candidate=None):
    qs = Message.objects.filter(direction=Direction.INBOUND)
    return qs.filter(candidate=candidate) if candidate is not None else qs


REPLY = """Yes, happy to talk — Thursday after 5 works.

Amara

On Wed, Nov 18, 2026 at 11:02 AM Rita Recruiter via Prairie Family Clinics <
reply+abc@reply.rounds.test> wrote:

> Hi Amara, a family practice in Red Deer: you, or someone you know?
> Rita
"""


@pytest.fixture
def emailed(reachable, recruiter, mailoutbox, secret):
    """Rita emailed Amara (through the outbox worker and Django's mail backend, read back as
    the candidate's mail program would parse it); Amara is also in a sequence that would call
    her in two days."""
    message = outbox.queue_message(
        reachable, channel="email", subject="Family practice in Red Deer",
        body="Hi Amara, a family practice in Red Deer: you, or someone you know?",
        idempotency_key="first-email", actor=recruiter, at=NOON_EDMONTON,
            purpose="outreach.message",
    )
    assert delivery.drain(now=NOON_EDMONTON) == 1
    message.refresh_from_db()
    sequence = sequences.do_create_sequence(
        reachable.organization, name="Follow up", actor=recruiter,
        steps=[{"action": "call_task", "delay_hours": 48, "note": "Call about Red Deer"}],
    )
    sequences.do_enroll(sequence, reachable, actor=recruiter)
    [mail] = mailoutbox
    received = message_from_bytes(mail.message().as_bytes(), policy=email_policy.default)
    return message, received


def test_reply_to_the_thread_address_lands_on_the_thread(client, emailed, reachable):
    sent, received = emailed
    reply_to = received["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("reply+")
    raw = email_bytes(REPLY, to=reply_to)

    response = post_email(client, raw)

    assert response.status_code == 202
    reply = inbound(reachable).get()
    assert reply.status == MessageStatus.RECEIVED
    assert reply.thread_id == sent.thread_id
    assert reply.body == "Yes, happy to talk — Thursday after 5 works.\n\nAmara"
    assert "you, or someone you know?" in reply.raw  # the whole message is kept
    assert reply.subject == "Re: Family practice in Red Deer"
    activity = Activity.objects.get(candidate=reachable, kind=ActivityKind.EMAIL, direction="in")
    assert activity.body == reply.body
    enrollment = reachable.enrollments.get()
    assert (enrollment.status, enrollment.stop_reason) == (EnrollmentStatus.STOPPED,
                                                            StopReason.REPLIED)
    assert FollowUp.objects.get(candidate=reachable).kind == FollowUpKind.REPLY
    event = WebhookEvent.objects.get(source=WebhookSource.EMAIL_INBOUND)
    assert (event.outcome, event.message_id) == (WebhookOutcome.ACCEPTED, reply.pk)


def test_reply_found_by_in_reply_to(client, emailed, reachable):
    sent, received = emailed
    assert received["Message-ID"] == sent.provider_id
    # Sent to the recruiter's own address (forwarded to the inbound route), not the thread's.
    raw = email_bytes("Sounds good, call me.", to="rita@prairie.test",
                      in_reply_to=received["Message-ID"])
    assert post_email(client, raw).status_code == 202
    reply = inbound(reachable).get()
    assert reply.thread_id == sent.thread_id
    assert reply.body == "Sounds good, call me."


def test_new_email_found_by_sender_address(client, secret, reachable):
    raw = email_bytes("Do you have anything in Lethbridge?", to="jobs@prairie.test",
                      sender="Dr A. Okafor <Amara.Okafor@EXAMPLE.com>", subject="Question")
    assert post_email(client, raw).status_code == 202
    reply = inbound(reachable).get()
    assert reply.status == MessageStatus.RECEIVED
    assert reply.thread.candidate_id == reachable.pk
    assert FollowUp.objects.filter(candidate=reachable, kind=FollowUpKind.REPLY).exists()


def test_list_unsubscribe_mailto_unsubscribes_from_email(client, emailed, reachable, org):
    _sent, received = emailed
    mailto = received["List-Unsubscribe"].split("mailto:")[1].split("?")[0].rstrip(">")
    assert mailto.startswith("unsubscribe+")
    raw = email_bytes("", to=mailto, subject="unsubscribe")

    assert post_email(client, raw).status_code == 202

    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS
    assert Suppression.objects.get(organization=org, channel="email").address == AMARA
    assert not FollowUp.objects.filter(candidate=reachable).exists()
    assert reachable.enrollments.get().stop_reason == StopReason.OPTED_OUT


def test_a_short_unsubscribe_reply_opts_out_of_email(client, emailed, reachable):
    _sent, received = emailed
    raw = email_bytes("Please unsubscribe me.", to=received["Reply-To"].addresses[0].addr_spec)
    post_email(client, raw)
    assert current_consent(reachable, "email").basis == ConsentBasis.REVOKED


def dsn_bytes(original_id: str, recipient: str, status: str = "5.1.1") -> bytes:
    boundary = "dsn-boundary"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: bounces@reply.rounds.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.com')}\r\n"
        f"Date: {formatdate()}\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "Your message could not be delivered.\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} Recipient address rejected: User unknown\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\n"
        f"To: {recipient}\r\n"
        "Subject: Family practice in Red Deer\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def test_hard_bounce_suppresses_and_fails_the_original(client, emailed, reachable, org):
    sent, received = emailed
    assert post_email(client, dsn_bytes(received["Message-ID"], AMARA)).status_code == 202

    suppression = Suppression.objects.get(organization=org, channel="email")
    assert suppression.address == AMARA
    assert suppression.reason == SuppressionReason.HARD_BOUNCE
    assert "5.1.1" in suppression.detail
    sent.refresh_from_db()
    assert sent.status == MessageStatus.FAILED
    assert "Hard bounce 5.1.1" in sent.status_reason
    assert Activity.objects.filter(candidate=reachable, subject__contains="bounced").count() == 1
    assert not inbound().exists()  # a bounce is not a reply
    assert not FollowUp.objects.exists()
    later = outbox.queue_message(reachable, channel="email", subject="Again", body="Hello?",
                                 idempotency_key="second-email", at=NOON_EDMONTON,
                                     purpose="outreach.message")
    assert later.status == MessageStatus.DROPPED


def test_temporary_failure_changes_nothing(client, emailed):
    sent, received = emailed
    post_email(client, dsn_bytes(received["Message-ID"], AMARA, status="4.2.2"))
    assert not Suppression.objects.exists()
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT


def test_an_auto_reply_is_on_the_timeline_but_is_not_a_reply(client, emailed, reachable):
    _sent, received = emailed
    raw = email_bytes("I am out of the office until Monday.",
                      to=received["Reply-To"].addresses[0].addr_spec,
                      headers={"Auto-Submitted": "auto-replied"})
    post_email(client, raw)
    assert inbound(reachable).get().status == MessageStatus.RECEIVED
    assert not FollowUp.objects.exists()
    assert reachable.enrollments.get().status == EnrollmentStatus.ACTIVE


def test_bad_signature_is_refused_and_logged(client, secret, reachable):
    raw = email_bytes("Hello", to="jobs@prairie.test")
    response = post_email(client, raw, sig=signature(raw, "wrong-secret"))
    assert response.status_code == 403
    assert client.post(PATH, data=raw, content_type="message/rfc822").status_code == 403
    assert not inbound().exists()
    events = WebhookEvent.objects.all()
    assert [e.outcome for e in events] == [WebhookOutcome.REFUSED] * 2
    assert "Hello" in events[0].payload


def test_a_body_that_is_not_an_email_is_a_400(client, secret, db):
    for body in (b"", b"just some words, no headers at all"):
        response = post_email(client, body)
        assert response.status_code == 400
        assert response.json()["error"]
    assert WebhookEvent.objects.filter(outcome=WebhookOutcome.INVALID).count() == 2


def test_the_same_email_twice_is_accepted_once(client, secret, reachable):
    raw = email_bytes("Interested!", to="jobs@prairie.test", message_id="<once@mail.example>")
    assert post_email(client, raw).status_code == 202
    assert post_email(client, raw).status_code == 200
    assert inbound(reachable).count() == 1
    assert FollowUp.objects.count() == 1
    assert sorted(WebhookEvent.objects.values_list("outcome", flat=True)) == [
        WebhookOutcome.ACCEPTED, WebhookOutcome.DUPLICATE]


def test_multipart_post_with_a_message_field(client, secret, reachable):
    raw = email_bytes("Sent as a form field", to="jobs@prairie.test")
    upload = SimpleUploadedFile("message.eml", raw, content_type="message/rfc822")
    response = client.post(PATH, {"message": upload}, HTTP_X_ROUNDS_SIGNATURE=signature(raw))
    assert response.status_code == 202
    assert inbound(reachable).get().body == "Sent as a form field"


def test_unknown_sender_waits_unmatched_in_the_organization_written_to(
    client, secret, org, other_org
):
    OutreachSettings.objects.create(organization=org, sender_email="jobs@prairie.test")
    raw = email_bytes("Is the Banff locum open?", to="Jobs <JOBS@prairie.test>",
                      sender="Sam Stranger <sam@elsewhere.example>")
    assert post_email(client, raw).status_code == 202
    message = inbound().get()
    assert (message.organization_id, message.status) == (org.pk, MessageStatus.UNMATCHED)
    assert message.from_address == "sam@elsewhere.example"
    assert message.candidate_id is None


def test_unknown_sender_with_no_organization_is_kept_in_the_event(client, secret, org, other_org):
    raw = email_bytes("Hello?", to="someone@nowhere.example", sender="sam@elsewhere.example")
    assert post_email(client, raw).status_code == 202
    assert not inbound().exists()
    event = WebhookEvent.objects.get()
    assert event.organization_id is None and "Hello?" in event.payload


@pytest.mark.parametrize("text, new", [
    ("Yes!\n\nOn Tue, 17 Nov 2026, Rita wrote:\n> old", "Yes!"),
    ("Sure\r\n\r\nOn Wed, Nov 18, 2026 at 11:02 AM Rita <\r\nrita@x.test> wrote:\r\n> hi", "Sure"),
    ("Oui, merci\n\nLe mer. 18 nov. 2026 à 11:02, Rita <rita@x.test> a écrit :\n> salut",
     "Oui, merci"),
    ("Call me\n\n-----Original Message-----\nFrom: Rita\nhi", "Call me"),
    ("Thursday\n\nFrom: Rita Recruiter <rita@x.test>\nSent: Wednesday\nSubject: Red Deer",
     "Thursday"),
    ("On it — thanks", "On it — thanks"),
    ("> only a quote", "> only a quote"),
])
def test_quoted_text_is_left_out_of_the_timeline(text, new):
    assert strip_quoted(text) == new


def test_a_long_email_mentioning_end_is_a_reply_not_a_review(client, emailed, reachable):
    _sent, received = emailed
    raw = email_bytes("Looking forward to it. I'll send my CV by the end of the week, and we "
                      "can talk then.", to=received["Reply-To"].addresses[0].addr_spec)
    post_email(client, raw)
    assert current_consent(reachable, "email").basis == ConsentBasis.EXPRESS
    assert [f.kind for f in FollowUp.objects.filter(candidate=reachable)] == [FollowUpKind.REPLY]
