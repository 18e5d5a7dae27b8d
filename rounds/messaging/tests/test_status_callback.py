"""The SMS provider's status callback: signed callbacks from the stand-in reach the live server
and reconcile what the worker could not know; bad signatures are refused and logged; a repeated
event is ignored."""

from datetime import timedelta

import pytest
from django.test import Client

from rounds.activities.models import Activity
from rounds.candidates.actions import current_consent
from rounds.candidates.choices import ConsentBasis

from .. import delivery, sms
from ..choices import MessageStatus, WebhookOutcome, WebhookSource
from ..models import Message, Suppression, WebhookEvent
from ..outbox import queue_message
from ..testing import AUTH_TOKEN, post_signed
from .conftest import NOON_EDMONTON

PATH = "/hooks/sms/status/"


def text_to(candidate, key="t1") -> Message:
    return queue_message(candidate, channel="sms", body="Got 5 minutes this week?",
                         idempotency_key=key, at=NOON_EDMONTON, purpose="outreach.message")


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def callback(message: Message, status: str, *, sid="SM" + "a" * 32, token=AUTH_TOKEN,
             error_code="", query=None, signed_url=None, **extra):
    """Post a status callback through Django's test client, signed like the provider would for
    the URL it called."""
    query = f"?m={message.uuid}" if query is None else query
    params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
              "To": message.to_address, "From": "+15875550100", "AccountSid": "AC" + "0" * 32}
    if error_code:
        params["ErrorCode"] = error_code
    params.update(extra)
    url = signed_url or f"http://testserver{PATH}{query}"
    return Client().post(f"{PATH}{query}", data=params,
                         HTTP_X_TWILIO_SIGNATURE=sms.compute_signature(url, params, token))


def events(outcome=None):
    qs = WebhookEvent.objects.filter(source=WebhookSource.SMS_STATUS)
    return qs.filter(outcome=outcome) if outcome else qs


# --- Through the live server, as the provider calls it ---


@pytest.mark.django_db(transaction=True)
def test_provider_callbacks_mark_the_text_sent_then_delivered(
    reachable, sms_provider, live_server, settings
):
    settings.PUBLIC_URL = live_server.url
    message = text_to(reachable)
    assert delivery.drain(now=NOON_EDMONTON) == 1
    (sent,) = sms_provider.sent
    assert sent.status_callback.startswith(f"{live_server.url}{PATH}?m=")
    assert sms_provider.callback(sent, "sent") == 204
    assert fresh(message).status == MessageStatus.SENT
    assert sms_provider.callback(sent, "delivered") == 204
    message = fresh(message)
    assert message.status == MessageStatus.DELIVERED
    assert message.delivered_at is not None
    assert events(WebhookOutcome.ACCEPTED).count() == 2
    assert Activity.objects.filter(candidate=reachable, kind="sms").count() == 1


@pytest.mark.django_db(transaction=True)
def test_unknown_text_is_reconciled_by_the_callback_and_never_resent(
    reachable, sms_provider, live_server, settings
):
    settings.PUBLIC_URL = live_server.url
    message = text_to(reachable)
    sms_provider.fail_next(500, sent_anyway=True)
    assert delivery.drain(now=NOON_EDMONTON) == 0
    assert fresh(message).status == MessageStatus.UNKNOWN
    assert delivery.drain(now=NOON_EDMONTON + timedelta(minutes=30)) == 0
    (sent,) = sms_provider.sent
    # Our row never learnt the provider's id; the callback URL carries ours.
    assert fresh(message).provider_id == ""
    assert sms_provider.callback(sent, "sent") == 204
    message = fresh(message)
    assert message.status == MessageStatus.SENT
    assert message.provider_id == sent.sid
    assert message.sent_at is not None and message.activity_id is not None
    assert sms_provider.callback(sent, "delivered") == 204
    assert fresh(message).status == MessageStatus.DELIVERED
    assert delivery.drain(now=NOON_EDMONTON + timedelta(hours=2)) == 0
    assert sms_provider.requests == 1


@pytest.mark.django_db(transaction=True)
def test_callback_with_a_bad_signature_is_refused_and_logged(
    reachable, sms_provider, live_server, settings
):
    settings.PUBLIC_URL = live_server.url
    message = text_to(reachable)
    delivery.drain(now=NOON_EDMONTON)
    (sent,) = sms_provider.sent
    status = post_signed(sent.status_callback,
                         {"MessageSid": sent.sid, "MessageStatus": "failed",
                          "ErrorCode": "21610"}, "not-the-token")
    assert status == 403
    assert fresh(message).status == MessageStatus.SENT
    refused = events(WebhookOutcome.REFUSED).get()
    assert refused.event_id == f"{sent.sid}:failed"
    assert "21610" in refused.payload
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS


# --- The rules, through the test client ---


@pytest.mark.django_db
def test_duplicate_callback_is_ignored(reachable, sms_provider):
    message = text_to(reachable)
    delivery.drain(now=NOON_EDMONTON)
    sid = fresh(message).provider_id
    assert callback(message, "delivered", sid=sid).status_code == 204
    assert callback(message, "delivered", sid=sid).status_code == 204
    assert events(WebhookOutcome.ACCEPTED).count() == 1
    assert events(WebhookOutcome.DUPLICATE).count() == 1
    assert fresh(message).status == MessageStatus.DELIVERED
    assert Activity.objects.filter(candidate=reachable, kind="sms").count() == 1


@pytest.mark.django_db
def test_missing_or_unknown_status_is_refused_as_invalid(reachable, sms_provider):
    message = text_to(reachable)
    response = callback(message, "", SmsStatus="")
    assert response.status_code == 400
    assert b"MessageStatus" in response.content
    assert callback(message, "teleported").status_code == 400
    response = callback(message, "sent", sid="", SmsSid="")
    assert response.status_code == 400 and b"MessageSid" in response.content
    assert events(WebhookOutcome.INVALID).count() == 3
    assert fresh(message).status == MessageStatus.QUEUED


@pytest.mark.django_db
def test_get_is_not_allowed(sms_provider):
    assert Client().get(PATH).status_code == 405


@pytest.mark.django_db
def test_unsigned_callback_is_refused(reachable, sms_provider):
    message = text_to(reachable)
    response = Client().post(f"{PATH}?m={message.uuid}",
                             data={"MessageSid": "SM1", "MessageStatus": "delivered"})
    assert response.status_code == 403
    assert events(WebhookOutcome.REFUSED).count() == 1


@pytest.mark.django_db
def test_callback_signed_for_the_public_url_behind_a_proxy_is_accepted(
    reachable, sms_provider, settings
):
    settings.PUBLIC_URL = "https://rounds.example.org"
    message = text_to(reachable)
    delivery.drain(now=NOON_EDMONTON)
    sid = fresh(message).provider_id
    response = callback(message, "delivered", sid=sid,
                        signed_url=f"https://rounds.example.org{PATH}?m={message.uuid}")
    assert response.status_code == 204
    assert fresh(message).status == MessageStatus.DELIVERED


@pytest.mark.django_db
def test_callback_finds_the_text_by_the_providers_id_alone(reachable, sms_provider):
    message = text_to(reachable)
    delivery.drain(now=NOON_EDMONTON)
    sid = fresh(message).provider_id
    assert callback(message, "delivered", sid=sid, query="").status_code == 204
    assert fresh(message).status == MessageStatus.DELIVERED


@pytest.mark.django_db
def test_callback_for_a_text_we_do_not_know_is_logged_and_answered(sms_provider, reachable):
    message = text_to(reachable)
    Message.objects.filter(pk=message.pk).delete()
    assert callback(message, "delivered", sid="SM" + "f" * 32).status_code == 204
    event = events(WebhookOutcome.ACCEPTED).get()
    assert event.message_id is None and "No text" in event.detail


@pytest.mark.django_db
def test_undelivered_text_fails_with_the_error_code(reachable, sms_provider):
    message = text_to(reachable)
    delivery.drain(now=NOON_EDMONTON)
    sid = fresh(message).provider_id
    assert callback(message, "undelivered", sid=sid, error_code="30003").status_code == 204
    message = fresh(message)
    assert message.status == MessageStatus.FAILED
    assert "30003" in message.error
    assert current_consent(reachable, "sms").basis == ConsentBasis.EXPRESS


@pytest.mark.parametrize("code", ["21610", "30004", "21614"])
@pytest.mark.django_db
def test_carrier_opt_out_codes_record_an_opt_out(reachable, sms_provider, code):
    message = text_to(reachable)
    delivery.drain(now=NOON_EDMONTON)
    sid = fresh(message).provider_id
    assert callback(message, "failed", sid=sid, error_code=code).status_code == 204
    assert fresh(message).status == MessageStatus.FAILED
    assert current_consent(reachable, "sms").basis == ConsentBasis.REVOKED
    assert Suppression.objects.filter(channel="sms", address=reachable.phone_normalized).exists()
    # A text queued afterwards is dropped by the policy.
    assert text_to(reachable, "after-opt-out").status == MessageStatus.DROPPED


@pytest.mark.django_db
def test_statuses_only_move_forward_whatever_the_order(reachable, sms_provider):
    message = text_to(reachable)
    delivery.drain(now=NOON_EDMONTON)
    sid = fresh(message).provider_id
    assert callback(message, "delivered", sid=sid).status_code == 204
    assert callback(message, "sent", sid=sid).status_code == 204
    assert callback(message, "failed", sid=sid).status_code == 204
    assert fresh(message).status == MessageStatus.DELIVERED


@pytest.mark.django_db
def test_callback_before_the_worker_records_keeps_both_facts(reachable, sms_provider):
    """The provider may call back between its answer and our record of it."""
    message = text_to(reachable)
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.SENDING, claim_token="tok", lease_until=NOON_EDMONTON
    )
    claimed = fresh(message)
    assert callback(claimed, "delivered", sid="SM" + "b" * 32).status_code == 204
    assert fresh(message).status == MessageStatus.DELIVERED
    assert fresh(message).activity_id is None  # the worker puts it on the timeline
    claimed.sent_body = "Got 5 minutes this week?"
    delivery.record([delivery.Outcome(claimed, delivery.SENT, at=NOON_EDMONTON,
                                      provider_id="SM" + "b" * 32)], "tok", NOON_EDMONTON)
    message = fresh(message)
    assert message.status == MessageStatus.DELIVERED
    assert message.sent_at == NOON_EDMONTON
    assert Activity.objects.filter(candidate=reachable, kind="sms").count() == 1
