"""django-anymail's webhooks, under /hooks/esp/: `<esp>/tracking/` (delivery events) and
`<esp>/inbound/` (inbound email) for every provider anymail knows. anymail authenticates each
call with HTTP basic auth against settings.ANYMAIL["WEBHOOK_SECRET"] ("user:password", from
ANYMAIL_WEBHOOK_SECRET); without a secret anymail would accept anyone's calls, so then every
URL here answers 404. A call with wrong credentials is refused (400) and logged. What a call
carries is handled by `receipts.on_tracking` and `receipts.on_inbound` (connected to anymail's
signals in the app's ready())."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern

from rounds.lib.http import client_ip

from ..choices import WebhookOutcome, WebhookSource
from ..models import WebhookEvent


def webhook_secret() -> str:
    return (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET") or ""


def _guarded(view, name: str):
    from anymail.exceptions import AnymailWebhookValidationFailure

    source = WebhookSource.EMAIL_INBOUND if "inbound" in name else WebhookSource.EMAIL_STATUS

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not webhook_secret():
            raise Http404("Email provider webhooks are off: ANYMAIL_WEBHOOK_SECRET is not set.")
        try:
            return view(request, *args, **kwargs)
        except AnymailWebhookValidationFailure as exc:
            WebhookEvent.objects.create(
                source=source, outcome=WebhookOutcome.REFUSED, detail=str(exc)[:300],
                remote_addr=client_ip(request)[:64],
                payload=request.body[:200_000].decode("utf-8", errors="replace"),
            )
            return HttpResponse("Webhook authentication failed.", status=400,
                                content_type="text/plain")

    return guarded


def _patterns() -> list[URLPattern]:
    from anymail.urls import urlpatterns as anymail_patterns

    out = []
    for p in anymail_patterns:
        guarded = URLPattern(p.pattern, _guarded(p.callback, p.name or ""), p.default_args,
                             p.name)
        out.append(guarded)
    return out


app_name = "anymail"
urlpatterns = _patterns()
