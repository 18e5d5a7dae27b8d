"""The SMS provider's status callback: what happened to a text we sent.

Signed by the provider (`X-Twilio-Signature`); a bad signature is refused (403) and logged. Each
event (`MessageSid` + `MessageStatus`) is applied once: a repeat is logged as a duplicate and
ignored. The message is found by the `?m=` id we put in its StatusCallback URL (so a text whose
send answer was lost still finds its row), else by the provider's id."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rounds.lib.http import client_ip

from .. import receipts as delivery
from .. import sms
from ..choices import WebhookOutcome, WebhookSource
from ..models import WebhookEvent

urlpatterns = []  # signed-in pages, under /outreach/


def _event(request: HttpRequest, outcome: str, event_id: str = "", *, detail: str = "",
           message=None) -> WebhookEvent:
    return WebhookEvent.objects.create(
        source=WebhookSource.SMS_STATUS, event_id=event_id[:200], outcome=outcome,
        organization_id=message.organization_id if message is not None else None,
        message=message, detail=detail[:300], remote_addr=client_ip(request)[:64],
        payload=request.POST.urlencode(),
    )


@csrf_exempt  # the provider can't hold a CSRF token; the signature authenticates it
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    sid = (request.POST.get("MessageSid") or request.POST.get("SmsSid") or "").strip()
    status = (request.POST.get("MessageStatus") or request.POST.get("SmsStatus") or "").strip()
    status = status.lower()
    event_id = f"{sid}:{status}" if sid and status else ""
    if not sms.verify_request(request):
        _event(request, WebhookOutcome.REFUSED, event_id,
               detail="Missing or wrong X-Twilio-Signature.")
        return HttpResponse("Bad signature.", status=403, content_type="text/plain")
    problem = ""
    if not sid:
        problem = "MessageSid is required."
    elif not status:
        problem = "MessageStatus is required."
    elif status not in delivery.CALLBACK_STATUS:
        problem = f"MessageStatus {status!r} is not one we know."
    if problem:
        _event(request, WebhookOutcome.INVALID, event_id, detail=problem)
        return HttpResponse(problem, status=400, content_type="text/plain")

    message = delivery.message_for_callback(request.GET.get("m", "").strip(), sid)
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = _event(request, WebhookOutcome.ACCEPTED, event_id, message=message)
        except IntegrityError:  # this event was applied already
            _event(request, WebhookOutcome.DUPLICATE, event_id, message=message,
                   detail="Already applied.")
            return HttpResponse(status=204)
        if message is None:
            event.detail = "No text of ours with this id."
        else:
            event.detail = delivery.do_apply_sms_status(
                message, status, provider_id=sid,
                error_code=(request.POST.get("ErrorCode") or "").strip(), at=timezone.now(),
            )[:300]
        event.save(update_fields=["detail"])
    return HttpResponse(status=204)


public_urlpatterns = [
    path("hooks/sms/status/", sms_status, name="sms_status"),
]
