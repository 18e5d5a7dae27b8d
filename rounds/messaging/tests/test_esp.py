"""Email through an email provider's API (django-anymail's Postmark backend against a local
Postmark-shaped stand-in): what each answer means for the message — sent with the provider's
id, retried (429 after Retry-After, a connection never made, our credentials refused), refused
for good (4xx, an invalid or inactive address suppressed) or "may have been sent" (5xx, a
lost answer), never resent — and the provider's webhooks under /hooks/esp/: off without a
secret, authenticated, deduplicated, settling and suppressing as the events say."""

import base64
import json
import socket
from datetime import timedelta

import pytest

from rounds.activities.models import Activity

from .. import delivery
from ..choices import Direction, MessageStatus, SuppressionReason, WebhookOutcome, WebhookSource
from ..models import Message, Suppression, WebhookEvent
from ..testing import POSTMARK_TOKEN, EmailApi
from .conftest import NOON_EDMONTON
from .test_delivery import email_to, fresh

pytestmark = pytest.mark.django_db

SECRET = "hooks:s3cret-webhook-pass"
TRACKING = "/hooks/esp/postmark/tracking/"
INBOUND = "/hooks/esp/postmark/inbound/"


@pytest.fixture
def email_api(settings):
    with EmailApi() as api:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": POSTMARK_TOKEN,
                            "POSTMARK_API_URL": api.base_url, "REQUESTS_TIMEOUT": 5}
        yield api


@pytest.fixture
def hooks_on(settings, email_api):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}


def auth(secret: str = SECRET) -> str:
    return "Basic " + base64.b64encode(secret.encode()).decode()


def post_event(client, payload: dict, *, path: str = TRACKING, secret: str = SECRET):
    return client.post(path, data=json.dumps(payload), content_type="application/json",
                       HTTP_AUTHORIZATION=auth(secret))


# --- Sending ---


def test_sent_through_the_provider_with_its_id_and_our_uuid(reachable, recruiter, email_api):
    message = email_to(reachable, "esp-ok", recruiter)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    message = fresh(message)
    assert message.status == MessageStatus.SENT and message.attempts == 1
    [taken] = email_api.sent
    assert message.esp_id == taken["MessageID"]
    assert taken["Metadata"] == {"rounds_message": str(message.uuid)}
    assert taken["To"] == reachable.email
    assert {"Name": "Message-ID", "Value": message.provider_id} in taken["Headers"]
    assert message.handed_at == NOON_EDMONTON
    assert Activity.objects.filter(pk=message.activity_id).exists()


def test_429_is_retried_after_the_providers_retry_after_and_sent_once(reachable, email_api):
    email_api.answer_next(429, headers={"Retry-After": "600"})
    message = email_to(reachable, "esp-429")
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.QUEUED
    assert message.send_after >= NOON_EDMONTON + timedelta(seconds=600)
    assert "429" in message.error
    assert delivery.drain(now=message.send_after) == 1
    assert len(email_api.sent) == 1 and email_api.requests == 2


@pytest.mark.parametrize(("code", "words"), [(300, "invalid"), (406, "inactive")])
def test_a_refused_address_fails_and_is_suppressed(reachable, email_api, code, words):
    email_api.answer_next(422, code)
    message = email_to(reachable, f"esp-422-{code}")
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.FAILED
    assert Suppression.objects.filter(address=reachable.email_normalized,
                                      reason=SuppressionReason.HARD_BOUNCE).exists()
    assert delivery.drain(now=NOON_EDMONTON + timedelta(hours=2)) == 0
    assert email_api.requests == 1


def test_another_4xx_fails_without_suppressing(reachable, email_api):
    email_api.answer_next(422, 1234)  # not about the recipient
    message = email_to(reachable, "esp-422-other")
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.FAILED and "422" in message.status_reason
    assert not Suppression.objects.exists()


def test_refused_credentials_keep_the_message_waiting(reachable, email_api, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "POSTMARK_SERVER_TOKEN": "wrong"}
    message = email_to(reachable, "esp-401")
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.QUEUED and "credentials" in message.error


@pytest.mark.parametrize("answer", [500, "hang_up"])
def test_a_5xx_or_a_lost_answer_is_unknown_and_never_resent(reachable, email_api, answer):
    email_api.answer_next(answer, sent_anyway=True)
    message = email_to(reachable, f"esp-unknown-{answer}")
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.UNKNOWN
    assert "may have been sent" in message.status_reason
    assert delivery.drain(now=NOON_EDMONTON + timedelta(hours=2)) == 0
    assert email_api.requests == 1


def test_a_connection_never_made_is_retried(reachable, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": POSTMARK_TOKEN,
                        "POSTMARK_API_URL": f"http://127.0.0.1:{port}/"}
    message = email_to(reachable, "esp-refused")
    assert delivery.drain(now=NOON_EDMONTON) == 0
    message = fresh(message)
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert message.send_after > NOON_EDMONTON


def test_classification_without_a_status_code():
    import requests
    import urllib3

    from ..transports import RETRY, UNKNOWN, classify_error

    m = Message(to_address="a@example.com")
    refused = urllib3.exceptions.NewConnectionError(None, "Connection refused")
    never = requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(None, "/", refused))
    lost = requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", ConnectionResetError()))
    assert classify_error(m, never).result == RETRY
    assert classify_error(m, requests.exceptions.ConnectTimeout()).result == RETRY
    assert classify_error(m, lost).result == UNKNOWN
    assert classify_error(m, requests.exceptions.ReadTimeout()).result == UNKNOWN


# --- Webhooks ---


def delivery_event(message: Message, **extra) -> dict:
    return {"RecordType": "Delivery", "ServerID": 1, "MessageStream": "outbound",
            "MessageID": message.esp_id or "lost-0001", "Recipient": message.to_address,
            "Tag": "", "DeliveredAt": "2026-11-18T18:00:05Z", "Details": "smtp;250 2.0.0 OK",
            "Metadata": {"rounds_message": str(message.uuid)}, **extra}


def bounce_event(message: Message, kind: str = "HardBounce", details: str = "", n: int = 1):
    return {"RecordType": "Bounce", "ID": 4323372036854775800 + n, "Type": kind,
            "TypeCode": 1, "Name": kind, "MessageID": message.esp_id, "ServerID": 1,
            "Description": "The server was unable to deliver your message", "Details": details,
            "Email": message.to_address, "BouncedAt": "2026-11-18T18:00:09Z",
            "Metadata": {"rounds_message": str(message.uuid)}}


def unknown_email(reachable, email_api, key="hook") -> Message:
    email_api.answer_next("hang_up")
    message = email_to(reachable, key)
    delivery.drain(now=NOON_EDMONTON)
    message = fresh(message)
    assert message.status == MessageStatus.UNKNOWN and not message.esp_id
    return message


def test_webhooks_answer_404_without_a_secret(client, reachable, email_api):
    message = email_to(reachable, "no-secret")
    assert post_event(client, delivery_event(message)).status_code == 404
    assert client.post(INBOUND, data="{}", content_type="application/json").status_code == 404
    assert not WebhookEvent.objects.exists()


def test_wrong_credentials_are_refused_and_logged(client, reachable, email_api, hooks_on):
    message = unknown_email(reachable, email_api)
    response = post_event(client, delivery_event(message), secret="hooks:guess")
    assert response.status_code == 400
    event = WebhookEvent.objects.get()
    assert (event.source, event.outcome) == (WebhookSource.EMAIL_STATUS, WebhookOutcome.REFUSED)
    assert fresh(message).status == MessageStatus.UNKNOWN


def test_delivered_settles_an_unknown_email_found_by_our_uuid_once(client, reachable,
                                                                    email_api, hooks_on):
    message = unknown_email(reachable, email_api)
    payload = delivery_event(message)
    assert post_event(client, payload).status_code == 200
    assert post_event(client, payload).status_code == 200  # the provider retries: same event
    message = fresh(message)
    assert message.status == MessageStatus.DELIVERED and message.delivered_at is not None
    assert message.esp_id == "lost-0001"
    assert Activity.objects.filter(pk=message.activity_id).exists()
    outcomes = sorted(WebhookEvent.objects.values_list("outcome", flat=True))
    assert outcomes == [WebhookOutcome.ACCEPTED, WebhookOutcome.DUPLICATE]
    assert delivery.drain(now=NOON_EDMONTON + timedelta(hours=1)) == 0
    assert email_api.requests == 1


def test_delivered_found_by_the_providers_id(client, reachable, recruiter, email_api, hooks_on):
    message = email_to(reachable, "by-esp-id", recruiter)
    delivery.drain(now=NOON_EDMONTON)
    message = fresh(message)
    payload = {**delivery_event(message), "Metadata": {}}
    assert post_event(client, payload).status_code == 200
    assert fresh(message).status == MessageStatus.DELIVERED


def test_a_hard_bounce_fails_and_suppresses(client, reachable, email_api, hooks_on):
    message = email_to(reachable, "hard")
    delivery.drain(now=NOON_EDMONTON)
    message = fresh(message)
    assert post_event(client, bounce_event(message, details="smtp;550 5.1.1 no such user"))\
        .status_code == 200
    assert fresh(message).status == MessageStatus.FAILED
    suppression = Suppression.objects.get()
    assert (suppression.address, suppression.reason) == (reachable.email_normalized,
                                                         SuppressionReason.HARD_BOUNCE)


@pytest.mark.parametrize(("kind", "details"), [
    ("SoftBounce", "smtp;452 mailbox full"),
    ("HardBounce", "smtp;550 4.2.2 mailbox full, try later"),
    ("Transient", "smtp;421 4.4.2 timeout"),
])
def test_soft_bounces_and_temporary_statuses_suppress_nothing(client, reachable, email_api,
                                                              hooks_on, kind, details):
    message = email_to(reachable, f"soft-{kind}")
    delivery.drain(now=NOON_EDMONTON)
    message = fresh(message)
    assert post_event(client, bounce_event(message, kind, details)).status_code == 200
    assert not Suppression.objects.exists()
    assert fresh(message).status == MessageStatus.SENT


def test_a_complaint_suppresses(client, reachable, email_api, hooks_on):
    message = email_to(reachable, "complaint")
    delivery.drain(now=NOON_EDMONTON)
    message = fresh(message)
    payload = {**bounce_event(message, "SpamComplaint"), "RecordType": "SpamComplaint"}
    assert post_event(client, payload).status_code == 200
    assert Suppression.objects.get().reason == SuppressionReason.COMPLAINT
    # Suppressed: the next email to them is not sent.
    later = email_to(reachable, "after-complaint")
    delivery.drain(now=NOON_EDMONTON + timedelta(days=1))
    assert fresh(later).status == MessageStatus.DROPPED


def test_inbound_email_goes_to_the_inbound_routing(client, reachable, email_api, hooks_on):
    message = email_to(reachable, "before-reply")
    delivery.drain(now=NOON_EDMONTON)
    thread = fresh(message).thread
    raw = (f"From: Amara Okafor <{reachable.email}>\r\n"
           f"To: reply+{thread.reply_token}@{_reply_domain()}\r\n"
           "Subject: Re: A family practice in Red Deer\r\n"
           "Message-ID: <reply-1@example.com>\r\n\r\nYes, Thursday works.\r\n")
    payload = {"FromFull": {"Email": reachable.email, "Name": "Amara Okafor"},
               "MessageID": "inbound-0001", "RawEmail": raw, "Headers": []}
    assert post_event(client, payload, path=INBOUND).status_code == 200
    assert post_event(client, payload, path=INBOUND).status_code == 200
    reply = Message.objects.get(direction=Direction.INBOUND)
    assert (reply.candidate_id, reply.thread_id) == (reachable.pk, thread.pk)
    assert reply.status == MessageStatus.RECEIVED
    outcomes = sorted(WebhookEvent.objects.filter(source=WebhookSource.EMAIL_INBOUND)
                      .values_list("outcome", flat=True))
    assert outcomes == [WebhookOutcome.ACCEPTED, WebhookOutcome.DUPLICATE]


def _reply_domain() -> str:
    from django.conf import settings

    return settings.REPLY_DOMAIN
