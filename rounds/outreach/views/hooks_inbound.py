"""Provider webhooks for inbound messages: texts (Twilio's shape, signed with
X-Twilio-Signature) and raw emails (posted by the mail provider's inbound route, signed with
X-Rounds-Signature: sha256=<HMAC-SHA256 of the body with INBOUND_EMAIL_SECRET>).

Every call is recorded as a WebhookEvent with its payload: refused (bad signature), invalid
(not a text or an email), duplicate (an event id already accepted: answered 200, ignored) or
accepted. Nothing inbound is lost: what finds no candidate waits in the unmatched inbox of the
organization it was sent to or, when that can't be told (a shared number, mail naming no
organization), of each organization that has the sender as a candidate or has written to them.
What no organization has anything to do with (a stranger writing to the site's shared number
or to an address no organization uses) is in no inbox: it stays in the accepted event's
payload, with organization empty and a detail saying so: rows only site administrators read
(no organization owns them), in the database."""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rounds.lib.http import client_ip

from ..choices import WebhookOutcome, WebhookSource
from ..inbound import InboundError, parse_email, receive_email, receive_sms
from ..models import WebhookEvent

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
EMAIL_SIGNATURE_HEADER = "HTTP_X_ROUNDS_SIGNATURE"
MAX_PAYLOAD_CHARS = 2_000_000  # what a logged event keeps of a refused or invalid body


def _twiml(status: int = 200) -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml", status=status)


def _event(request: HttpRequest, source: str, outcome: str, *, event_id: str = "",
           payload: str = "", detail: str = "", message=None) -> WebhookEvent:
    return WebhookEvent.objects.create(
        source=source, event_id=event_id[:200], outcome=outcome, detail=detail[:300],
        organization_id=message.organization_id if message is not None else None,
        message=message, remote_addr=client_ip(request)[:64],
        payload=payload[:MAX_PAYLOAD_CHARS],
    )


def _accept(request: HttpRequest, source: str, event_id: str, payload: str, receive):
    """Run `receive()` and record the accepted event in one transaction; a concurrent
    duplicate (the event id's unique constraint) rolls back and is recorded as a duplicate.
    Returns the outcome."""
    try:
        with transaction.atomic():
            message = receive()
            detail = "" if message is not None else (
                "No organization has anything to do with the sender: kept only here.")
            _event(request, source, WebhookOutcome.ACCEPTED, event_id=event_id, payload=payload,
                   detail=detail, message=message)
    except IntegrityError:
        _event(request, source, WebhookOutcome.DUPLICATE, event_id=event_id, payload=payload)
        return WebhookOutcome.DUPLICATE
    return WebhookOutcome.ACCEPTED


def _seen(source: str, event_id: str) -> bool:
    return bool(event_id) and WebhookEvent.objects.filter(
        source=source, event_id=event_id[:200], outcome=WebhookOutcome.ACCEPTED
    ).exists()


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """An inbound text from the provider. Answers empty TwiML: any confirmation we owe (one
    after STOP) goes through the outbox, so it is sent once and recorded."""
    from .. import sms

    params = request.POST.dict()
    payload = json.dumps(params, sort_keys=True, ensure_ascii=False)
    source = WebhookSource.SMS_INBOUND
    event_id = params.get("MessageSid") or params.get("SmsSid") or ""
    if not sms.verify_request(request):
        _event(request, source, WebhookOutcome.REFUSED, event_id=event_id, payload=payload,
               detail="X-Twilio-Signature missing or wrong.")
        return HttpResponse("Invalid signature.", status=403, content_type="text/plain")
    if _seen(source, event_id):
        _event(request, source, WebhookOutcome.DUPLICATE, event_id=event_id, payload=payload)
        return _twiml()
    try:
        _accept(request, source, event_id, payload, lambda: receive_sms(params))
    except InboundError as exc:
        _event(request, source, WebhookOutcome.INVALID, event_id=event_id, payload=payload,
               detail=str(exc))
        return JsonResponse({"error": str(exc)}, status=400)
    return _twiml()


def _email_bytes(request: HttpRequest) -> tuple[bytes, bytes]:
    """(the signed bytes, the email): the request body itself, or for a multipart post the
    `message` field (a file or a text field)."""
    body = request.body
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("message")
        if upload is not None:
            return body, upload.read()
        return body, request.POST.get("message", "").encode()
    return body, body


def _email_signed(signature: str, *signed: bytes) -> bool:
    """The header is "sha256=<hex>": HMAC-SHA256 of the posted bytes with the shared secret.
    For a multipart post, a signature of the request body or of the message field is accepted
    (providers sign one or the other). Every variant is compared, in constant time."""
    secret = settings.INBOUND_EMAIL_SECRET
    scheme, _, given = signature.partition("=")
    if not secret or scheme.strip().lower() != "sha256" or not given:
        return False
    valid = False
    for data in signed:
        expected = hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()
        valid |= hmac.compare_digest(expected.encode(), given.strip().lower().encode())
    return valid


@csrf_exempt
@require_POST
def email_inbound(request: HttpRequest) -> HttpResponse:
    """A raw inbound email (RFC 5322) from the mail provider: 202 when accepted, 403 for a bad
    signature, 400 for a body that isn't an email; a duplicate Message-ID is answered 200."""
    source = WebhookSource.EMAIL_INBOUND
    try:
        body, raw = _email_bytes(request)
    except RequestDataTooBig:
        _event(request, source, WebhookOutcome.INVALID,
               detail=f"Larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
        return JsonResponse({"error": "The email is too large."}, status=413)
    payload = raw.decode("utf-8", errors="replace")
    signature = request.META.get(EMAIL_SIGNATURE_HEADER, "")
    if not _email_signed(signature, *({body, raw})):
        _event(request, source, WebhookOutcome.REFUSED, payload=payload,
               detail="X-Rounds-Signature missing or wrong.")
        return JsonResponse({"error": "Invalid signature (X-Rounds-Signature)."}, status=403)
    try:
        msg = parse_email(raw)
    except InboundError as exc:
        _event(request, source, WebhookOutcome.INVALID, payload=payload, detail=str(exc))
        return JsonResponse({"error": str(exc)}, status=400)
    event_id = str(msg.get("Message-ID") or "").strip() or (
        "sha256:" + hashlib.sha256(raw).hexdigest()
    )
    if _seen(source, event_id):
        _event(request, source, WebhookOutcome.DUPLICATE, event_id=event_id, payload=payload)
        return JsonResponse({"status": "duplicate"}, status=200)
    outcome = _accept(request, source, event_id, payload, lambda: receive_email(raw))
    if outcome == WebhookOutcome.DUPLICATE:
        return JsonResponse({"status": "duplicate"}, status=200)
    return JsonResponse({"status": "accepted"}, status=202)


urlpatterns = []  # signed-in pages, under /outreach/
public_urlpatterns = [
    path("hooks/sms/inbound/", sms_inbound, name="sms_inbound"),
    path("hooks/email/inbound/", email_inbound, name="email_inbound"),
]
