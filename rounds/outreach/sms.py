"""Texts: an adapter speaking the SMS provider's REST API (Twilio's shape), its webhook
signature, and the text a message goes out as.

Backends are chosen by `settings.SMS_BACKEND`, like Django's email backends:
- `TwilioBackend`: `POST {SMS_API_BASE}/2010-04-01/Accounts/{SID}/Messages.json` with HTTP basic
  auth and a form body, through the standard library (no SDK to keep up with);
- `LocmemBackend`: keeps texts in the module-level `outbox` list (tests);
- `ConsoleBackend`: logs and prints what would go out (the demo, without an account).

Every send answers an `SmsResult` whose status tells the caller what it may do next:
`accepted` (the provider has it), `retry` (not processed: 429 / error 20429, or the request never
left), `unknown` (a 5xx or a lost answer after the request was sent: it may have gone out, so it
is reconciled by status callback and never resent blindly) or `failed` (refused for good, with the
provider's error code; 21610 means the recipient opted out at the carrier).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import logging
import sys
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit, urlunsplit
from urllib.request import Request, urlopen

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

ACCEPTED, RETRY, UNKNOWN, FAILED = "accepted", "retry", "unknown", "failed"

# Provider error codes the outbox acts on.
ERROR_RATE_LIMITED = 20429  # too many requests: not processed, retry later
ERROR_OPTED_OUT = 21610  # the recipient replied STOP at the carrier: record an opt-out
ERROR_BLOCKED = 30004  # message blocked (the recipient blocked the sender)
ERROR_NOT_MOBILE = 21614  # the number can't receive texts
OPT_OUT_ERRORS = frozenset({ERROR_OPTED_OUT, ERROR_BLOCKED, ERROR_NOT_MOBILE})

SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"


@dataclass(frozen=True)
class SmsResult:
    """What the provider said about one send. `retry_after` is in seconds when the provider
    asked to wait; `error_code` is the provider's numeric error code, when it gave one."""

    status: str  # ACCEPTED, RETRY, UNKNOWN or FAILED
    provider_id: str = ""
    error: str = ""
    retry_after: float | None = None
    error_code: int | None = None

    @property
    def opted_out(self) -> bool:
        return self.error_code in OPT_OUT_ERRORS


# --- Backends ---


class BaseBackend:
    def send(self, to: str, body: str, from_: str, status_callback: str = "") -> SmsResult:
        raise NotImplementedError


class TwilioBackend(BaseBackend):
    """The provider's REST API over HTTPS with HTTP basic auth (account SID and auth token)."""

    def __init__(self, api_base: str | None = None, account_sid: str | None = None,
                 auth_token: str | None = None, timeout: float | None = None):
        self.api_base = (api_base or settings.SMS_API_BASE).rstrip("/")
        self.account_sid = account_sid or settings.SMS_ACCOUNT_SID
        self.auth_token = auth_token or settings.SMS_AUTH_TOKEN
        self.timeout = timeout or getattr(settings, "SMS_TIMEOUT", 15)

    @property
    def url(self) -> str:
        return f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def send(self, to: str, body: str, from_: str, status_callback: str = "") -> SmsResult:
        fields = {"To": to, "From": from_, "Body": body}
        if status_callback:
            fields["StatusCallback"] = status_callback
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = Request(
            self.url, data=urlencode(fields).encode(), method="POST",
            headers={"Authorization": f"Basic {credentials}", "Accept": "application/json",
                     "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urlopen(request, timeout=self.timeout) as response:
                status, payload = response.status, _json(response.read())
        except HTTPError as e:
            status, payload = e.code, _json(_read(e))
            return _refusal(status, payload, e.headers.get("Retry-After"))
        except URLError as e:
            # urllib wraps only failures while connecting and sending the request: the provider
            # never got it, so trying again later cannot send it twice.
            return SmsResult(RETRY, error=f"Could not reach the SMS provider: {e.reason}")
        except (OSError, ValueError) as e:
            # The request was sent and the answer was lost (timeout, reset, a truncated
            # response): the text may have gone out.
            return SmsResult(UNKNOWN, error=f"No answer from the SMS provider after sending: {e}")
        if status in (200, 201):
            return SmsResult(ACCEPTED, provider_id=str(payload.get("sid") or ""))
        return _refusal(status, payload, None)


def _refusal(status: int, payload: dict, retry_after_header: str | None) -> SmsResult:
    code = _int(payload.get("code"))
    message = str(payload.get("message") or "").strip() or f"HTTP {status}"
    error = f"{code}: {message}" if code else f"HTTP {status}: {message}"
    if status == 429 or code == ERROR_RATE_LIMITED:
        return SmsResult(RETRY, error=error, retry_after=_retry_after(retry_after_header),
                         error_code=code)
    if status >= 500:
        return SmsResult(UNKNOWN, error=error, error_code=code)
    return SmsResult(FAILED, error=error, error_code=code)


def _read(e: HTTPError) -> bytes:
    try:
        return e.read()
    except OSError:
        return b""


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode() or "{}")
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - timezone.now()).total_seconds())


outbox: list[dict] = []  # what LocmemBackend "sent", like django.core.mail.outbox
_locmem_ids = itertools.count(1)


class LocmemBackend(BaseBackend):
    """Keeps texts in `rounds.outreach.sms.outbox`; every send is accepted."""

    def send(self, to: str, body: str, from_: str, status_callback: str = "") -> SmsResult:
        sid = f"SMlocmem{next(_locmem_ids):024d}"
        outbox.append({"sid": sid, "to": to, "from": from_, "body": body,
                       "status_callback": status_callback})
        return SmsResult(ACCEPTED, provider_id=sid)


class ConsoleBackend(BaseBackend):
    """Prints what would be sent (the embedded demo runs without a provider account)."""

    _ids = itertools.count(1)

    def send(self, to: str, body: str, from_: str, status_callback: str = "") -> SmsResult:
        sid = f"SMconsole{next(self._ids):023d}"
        text = f"SMS {sid} from {from_} to {to}:\n{body}\n{'-' * 40}\n"
        log.info("SMS to %s: %s", to, body)
        sys.stdout.write(text)
        sys.stdout.flush()
        return SmsResult(ACCEPTED, provider_id=sid)


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_text(to: str, body: str, from_: str | None = None,
              status_callback: str | None = None) -> SmsResult:
    """Send one text through the configured backend (for direct use; the outbox goes through
    `rounds.outreach.delivery`, which records the result)."""
    return get_backend().send(to, body, from_ or settings.SMS_FROM_NUMBER, status_callback or "")


# --- Webhook signatures ---


def compute_signature(url: str, params, token: str) -> str:
    """The provider's signature: HMAC-SHA1 keyed with the auth token over the full URL the
    provider called followed by every POST parameter's name and value, sorted by name (and
    repeated values sorted), base64-encoded. `params` is a dict or a Django QueryDict."""
    data = url
    for name in sorted(set(params)):
        values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        for value in sorted(set(values)):
            data += f"{name}{value}"
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as given, without its port, and with the scheme's default port: the provider
    signs the URL it was configured with, which a proxy or load balancer may have rewritten."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    default = {"https": 443, "http": 80}.get(parts.scheme)
    out = [url]
    bare = urlunsplit(parts._replace(netloc=f"{prefix}{host}"))
    if bare not in out:
        out.append(bare)
    if default and parts.port is None:
        out.append(urlunsplit(parts._replace(netloc=f"{prefix}{host}:{default}")))
    return out


def candidate_urls(request) -> list[str]:
    """Every URL the provider may have signed for this request: the one Django sees, and the
    same path under PUBLIC_URL (behind a proxy that terminates TLS, Django may see http and an
    internal host while the provider called the public https address)."""
    urls = []
    seen = request.build_absolute_uri()
    public = f"{settings.PUBLIC_URL.rstrip('/')}{request.get_full_path()}"
    for url in (seen, public):
        for variant in _url_variants(url):
            if variant not in urls:
                urls.append(variant)
    return urls


def verify_request(request, token: str | None = None) -> bool:
    """Is this webhook request signed by the provider? Compared in constant time."""
    token = token if token is not None else settings.SMS_AUTH_TOKEN
    signature = request.META.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    valid = False
    for url in candidate_urls(request):
        expected = compute_signature(url, request.POST, token)
        # Check every variant (no early exit): the time taken says nothing about which matched.
        valid |= hmac.compare_digest(expected.encode(), signature.encode())
    return valid


# --- The text a message goes out as ---


def sms_text(message, *, outreach_settings=None) -> str:
    """The message body, then (for commercial texts) who is writing and how to stop, in the
    same medium: "— Rita, Prairie Family Clinics. Reply STOP to opt out. Preferences: <link>".
    An opt-out confirmation is the body alone: no marketing after STOP."""
    from . import links
    from .choices import MessageKind
    from .sender import signature as sign

    body = (message.body or "").strip()
    if message.kind == MessageKind.OPT_OUT_CONFIRMATION:
        return body
    signature = "— " + sign(message.organization, message.created_by, outreach_settings,
                            first_only=True) + "."
    if message.kind != MessageKind.COMMERCIAL or message.candidate_id is None:
        return f"{body}\n{signature}"
    prefs = links.preferences_url(message.candidate, message)
    return f"{body}\n{signature} Reply STOP to opt out. Preferences: {prefs}"
