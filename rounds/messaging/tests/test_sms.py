"""The SMS adapter: the provider's REST API through the local stand-in, the backends, the webhook
signature (checked against the provider's own published test vectors) and the text a message
goes out as."""

import socket
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.test import RequestFactory

from .. import sms
from ..outbox import queue_message
from ..testing import ACCOUNT_SID, twilio_signature
from .conftest import NOON_EDMONTON

# twilio-python's tests/unit/test_request_validator.py: token "12345", this URL and these
# parameters sign to this value.
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_TOKEN = "12345"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_signature_matches_the_providers_published_vector():
    assert sms.compute_signature(VECTOR_URL, VECTOR_PARAMS, VECTOR_TOKEN) == VECTOR_SIGNATURE


def test_signature_of_repeated_parameters_matches_the_providers_vector():
    from django.http import QueryDict

    params = QueryDict("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234")
    assert sms.compute_signature(VECTOR_URL, params, VECTOR_TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_signature_changes_with_any_parameter_url_or_token():
    assert sms.compute_signature(VECTOR_URL, {**VECTOR_PARAMS, "Digits": "9999"},
                                 VECTOR_TOKEN) != VECTOR_SIGNATURE
    assert sms.compute_signature(VECTOR_URL + "&x=1", VECTOR_PARAMS,
                                 VECTOR_TOKEN) != VECTOR_SIGNATURE
    assert sms.compute_signature(VECTOR_URL, VECTOR_PARAMS, "54321") != VECTOR_SIGNATURE


def test_the_stand_in_signs_like_the_adapter_verifies():
    assert twilio_signature(VECTOR_URL, VECTOR_PARAMS, VECTOR_TOKEN) == VECTOR_SIGNATURE


def _signed_request(url_signed: str, params: dict, token: str, path="/hooks/sms/status/?m=abc",
                    **extra):
    request = RequestFactory().post(path, data=params, **extra)
    request.META["HTTP_X_TWILIO_SIGNATURE"] = sms.compute_signature(url_signed, params, token)
    return request


def test_verify_request_accepts_the_url_django_sees(settings):
    settings.SMS_AUTH_TOKEN = "tok"
    request = _signed_request("http://testserver/hooks/sms/status/?m=abc", VECTOR_PARAMS, "tok")
    assert sms.verify_request(request)


def test_verify_request_accepts_the_public_url_behind_a_proxy(settings):
    # The provider called https://rounds.example.org; the proxy forwarded plain http to an
    # internal host, which is what Django sees.
    settings.SMS_AUTH_TOKEN = "tok"
    settings.PUBLIC_URL = "https://rounds.example.org"
    request = _signed_request("https://rounds.example.org/hooks/sms/status/?m=abc",
                              VECTOR_PARAMS, "tok")
    assert request.build_absolute_uri().startswith("http://testserver/")
    assert sms.verify_request(request)


def test_verify_request_accepts_a_url_signed_with_the_default_port(settings):
    settings.SMS_AUTH_TOKEN = VECTOR_TOKEN
    settings.PUBLIC_URL = "https://mycompany.com"
    # twilio-python's vector for the same request signed with ":443" in the URL.
    request = RequestFactory().post("/myapp.php?foo=1&bar=2", data=VECTOR_PARAMS)
    request.META["HTTP_X_TWILIO_SIGNATURE"] = "kvajT1Ptam85bY51eRf/AJRuM3w="
    assert sms.verify_request(request)


def test_verify_request_refuses_tampering_a_wrong_token_or_no_signature(settings):
    settings.SMS_AUTH_TOKEN = "tok"
    url = "http://testserver/hooks/sms/status/?m=abc"
    tampered = _signed_request(url, VECTOR_PARAMS, "tok")
    tampered.POST = tampered.POST.copy()
    tampered.POST["Digits"] = "9999"
    assert not sms.verify_request(tampered)
    assert not sms.verify_request(_signed_request(url, VECTOR_PARAMS, "not-the-token"))
    unsigned = RequestFactory().post("/hooks/sms/status/?m=abc", data=VECTOR_PARAMS)
    assert not sms.verify_request(unsigned)
    other_path = _signed_request("http://testserver/hooks/sms/status/?m=zzz", VECTOR_PARAMS,
                                 "tok")
    assert not sms.verify_request(other_path)


def test_verify_request_refuses_everything_without_a_configured_token(settings):
    settings.SMS_AUTH_TOKEN = ""
    request = _signed_request("http://testserver/hooks/sms/status/?m=abc", VECTOR_PARAMS, "")
    assert not sms.verify_request(request)


# --- The REST adapter against the provider stand-in ---


def test_send_is_accepted_with_the_providers_id(sms_provider):
    result = sms.send_text("+14035550142", "Hello", status_callback="https://x.test/cb?m=1")
    assert result.status == sms.ACCEPTED
    sent = sms_provider.sent[0]
    assert result.provider_id == sent.sid
    assert sent.params == {"To": "+14035550142", "From": "+15875550100", "Body": "Hello",
                           "StatusCallback": "https://x.test/cb?m=1"}


def test_rate_limited_send_is_retried_not_failed(sms_provider):
    sms_provider.fail_next(429, 20429)
    result = sms.send_text("+14035550142", "Hello")
    assert result.status == sms.RETRY
    assert result.error_code == 20429
    assert sms_provider.sent == []


def test_provider_error_after_receiving_is_unknown(sms_provider):
    sms_provider.fail_next(500, sent_anyway=True)
    result = sms.send_text("+14035550142", "Hello")
    assert result.status == sms.UNKNOWN
    assert len(sms_provider.sent) == 1  # it did go out: the caller must not resend


def test_carrier_opt_out_is_a_permanent_failure_with_its_code(sms_provider):
    sms_provider.fail_next(400, 21610)
    result = sms.send_text("+14035550142", "Hello")
    assert result.status == sms.FAILED
    assert result.error_code == 21610 and result.opted_out
    assert result.error.startswith("21610:")


def test_wrong_credentials_fail_with_the_providers_code(sms_provider, settings):
    settings.SMS_AUTH_TOKEN = "wrong"
    result = sms.send_text("+14035550142", "Hello")
    assert result.status == sms.FAILED and result.error_code == 20003
    assert not result.opted_out


def test_unreachable_provider_is_retried_since_nothing_was_sent(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = sms.TwilioBackend(api_base=f"http://127.0.0.1:{port}", account_sid=ACCOUNT_SID,
                                auth_token="t", timeout=2)
    assert backend.send("+14035550142", "Hello", "+15875550100").status == sms.RETRY


def test_no_answer_after_the_request_was_sent_is_unknown():
    received = threading.Event()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def swallow():  # reads the whole request, never answers
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            received.set()
            received.wait(5)
            conn.recv(1)

    threading.Thread(target=swallow, daemon=True).start()
    backend = sms.TwilioBackend(api_base=f"http://127.0.0.1:{port}", account_sid=ACCOUNT_SID,
                                auth_token="t", timeout=0.5)
    try:
        result = backend.send("+14035550142", "Hello", "+15875550100")
    finally:
        server.close()
    assert received.is_set()
    assert result.status == sms.UNKNOWN


def test_retry_after_is_read_as_seconds_or_an_http_date():
    assert sms._retry_after("7") == 7.0
    later = datetime.now(UTC) + timedelta(seconds=120)
    assert 100 < sms._retry_after(format_datetime(later, usegmt=True)) <= 120
    assert sms._retry_after("soon") is None
    assert sms._refusal(429, {"code": 20429, "message": "Too many"}, "9").retry_after == 9.0


def test_locmem_backend_keeps_texts_in_its_outbox(settings):
    settings.SMS_BACKEND = "rounds.messaging.sms.LocmemBackend"
    sms.outbox.clear()
    result = sms.send_text("+14035550142", "Hello")
    assert result.status == sms.ACCEPTED
    assert sms.outbox == [{"sid": result.provider_id, "to": "+14035550142",
                           "from": settings.SMS_FROM_NUMBER, "body": "Hello",
                           "status_callback": ""}]


def test_console_backend_prints_the_text(settings, capsys):
    settings.SMS_BACKEND = "rounds.messaging.sms.ConsoleBackend"
    assert isinstance(sms.get_backend(), sms.ConsoleBackend)
    result = sms.send_text("+14035550142", "Hello there")
    assert result.status == sms.ACCEPTED
    out = capsys.readouterr().out
    assert "+14035550142" in out and "Hello there" in out


# --- The text a message goes out as ---


@pytest.mark.django_db
def test_commercial_text_names_the_sender_and_offers_stop_and_preferences(reachable, recruiter):
    message = queue_message(reachable, channel="sms", body="Quick question, Amara?",
                            idempotency_key="sms-text-1", actor=recruiter, at=NOON_EDMONTON,
                                purpose="outreach.message")
    text = sms.sms_text(message)
    assert text.startswith("Quick question, Amara?\n")
    assert "— Rita, Prairie Family Clinics." in text
    assert "Reply STOP to opt out." in text
    assert "/o/preferences/" in text


@pytest.mark.django_db
def test_text_without_a_sender_is_signed_by_the_organization(reachable):
    message = queue_message(reachable, channel="sms", body="Shift open Friday.",
                            idempotency_key="sms-text-2", at=NOON_EDMONTON,
                                purpose="outreach.message")
    text = sms.sms_text(message)
    assert "— Prairie Family Clinics. Reply STOP to opt out." in text


@pytest.mark.django_db
def test_opt_out_confirmation_is_the_body_alone(reachable):
    message = queue_message(reachable, channel="sms", body="You are opted out.",
                            idempotency_key="sms-text-3",
                            at=NOON_EDMONTON, purpose="messaging.optout_confirmation")
    assert sms.sms_text(message) == "You are opted out."
