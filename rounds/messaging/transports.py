"""How an email leaves: one transport per kind of backend, each with a stated guarantee.

Every transport marks the message *handed over* (`Message.handed_at`, committed at once) at the
last moment before the bytes that may make the server or provider take it, and says what
happened as an `Outcome`. What follows from the mark is the same for all of them:

- failed before the handover: nothing can have been sent, so the message goes back to the queue
  (`RETRY`, with backoff) — also when the worker dies then (the lease sweep requeues it);
- an answer after the handover: `SENT` with its id, `RETRY` for "try again later", `FAILED` for
  a refusal (suppressing the address when the refusal is about the recipient);
- no clear answer after the handover (the connection lost, a 5xx from a provider's API, the
  worker killed): `UNKNOWN`, "may have been sent", never sent again by the worker; the
  provider's delivery webhook settles it (`receipts`) or a person resends it by hand.

The transports:

- `SmtpTransport` (Django's SMTP backend named in EMAIL_BACKEND, with its EMAIL_* settings):
  speaks SMTP itself with `smtplib` over one connection a drain. The handover is the moment the
  server answered 354 to DATA, before the message's bytes. Exactly once, or UNKNOWN when the
  connection is lost after DATA started; 4xx retried, 5xx failed (a refused recipient or a
  5.1.x / 5.2.1 status suppresses the address).
- `BackendTransport` for django-anymail's email backends (`anymail.backends.<esp>`): the
  handover is just before the API request. A 429 is retried after the provider's Retry-After,
  401/403 (our credentials) retried, another 4xx refused for good, a 5xx or a lost answer is
  UNKNOWN; a request that never connected (refused, DNS, connect timeout) is retried. The
  provider's message id is kept (`Message.esp_id`) and our message's uuid travels as metadata
  (`rounds_message`), so the delivery webhooks find the row even when the answer was lost.
  None of the providers anymail supports takes an idempotency key through anymail's API, so
  a lost answer is settled by the webhook, not by resending.
- Any other Django backend (console, locmem, file, a custom one) through `BackendTransport`
  too: it sends or raises; an error while opening or a refused connection is retried, any
  other error after the handover is UNKNOWN. Console and locmem never fail.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

SENT, RETRY, FAILED, UNKNOWN, RELEASE = "sent", "retry", "failed", "unknown", "release"

UNKNOWN_AFTER_CRASH = ("The sending worker stopped after handing it over and before recording "
                       "the result; it may have been sent, so it is not sent again. Resend it "
                       "by hand if needed.")
UNKNOWN_AFTER_5XX = ("The SMS provider failed after receiving it, so it may have been sent; "
                     "waiting for the provider's status callback.")
UNKNOWN_AFTER_DATA = ("The connection to the mail server was lost after the message was handed "
                      "over, so it may have been sent; it is not sent again. Resend it by hand "
                      "if needed.")
UNKNOWN_AT_PROVIDER = ("The email provider gave no clear answer after taking the request, so it "
                       "may have been sent; waiting for the provider's delivery event. Resend "
                       "it by hand if needed.")


@dataclass
class Outcome:
    message: object  # a Message
    result: str  # SENT, RETRY, FAILED, UNKNOWN or RELEASE
    error: str = ""
    at: datetime | None = None
    provider_id: str = ""
    retry_after: float | None = None
    bounce: bool = False  # a permanent refusal of the address: suppress it
    opt_out: bool = False  # the carrier says the recipient opted out
    counts: bool = True  # False: not attempted (released), the attempt count stays
    reason: str = ""  # the status reason of an UNKNOWN outcome, when not the SMS provider's
    esp_id: str = ""  # the email provider's id for it


# An enhanced status code (RFC 3463) saying the mailbox or domain doesn't exist or is disabled.
HARD_BOUNCE = re.compile(r"\b5\.(1\.\d{1,3}|2\.1)\b")


def smtp_refusal(m, code: int, text, *, sender: bool = False, recipient: bool = False) -> Outcome:
    """An SMTP refusal: 4xx (and a refused sender, our configuration) is "try again later";
    5xx fails, suppressing the address when it is about the recipient."""
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    error = f"SMTP {code}: {text}".strip()
    if sender or not 500 <= code < 600:
        return Outcome(m, RETRY, error)
    bounce = recipient or bool(HARD_BOUNCE.search(text)) or (
        code in (550, 551, 553) and not re.search(r"\b5\.\d{1,3}\.\d{1,3}\b", text)
    )
    return Outcome(m, FAILED, error, bounce=bounce)


class Transport:
    """What the drain calls: `send(m)` for each email (its `m._email` built), `close()` at the
    end. `handed(m)` is the drain's callback that commits the handover mark. `down` is set when
    the server or provider can't be reached at all: the drain's other emails wait."""

    guarantee = ""

    def __init__(self, handed: Callable, clock: Callable[[], datetime]):
        self.handed = handed
        self.clock = clock
        self.down: str | None = None

    def send(self, m) -> Outcome:  # pragma: no cover - every transport has one
        raise NotImplementedError

    def close(self) -> None:
        pass


def for_settings(handed: Callable, clock: Callable[[], datetime]) -> Transport:
    """The transport for settings.EMAIL_BACKEND."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        return SmtpTransport(handed, clock)
    return BackendTransport(handed, clock)


# --- SMTP ------------------------------------------------------------------------------------


class SmtpTransport(Transport):
    guarantee = "exactly once, or UNKNOWN when the connection is lost after DATA"

    def __init__(self, handed, clock):
        super().__init__(handed, clock)
        self.smtp: smtplib.SMTP | None = None
        self.sent_on_connection = 0
        self.error = ""

    def open(self) -> smtplib.SMTP:
        if self.smtp is None:
            from django.core.mail.utils import DNS_NAME

            timeout = settings.EMAIL_TIMEOUT
            context = None
            if settings.EMAIL_USE_SSL or settings.EMAIL_USE_TLS:
                context = ssl.create_default_context()
                certfile = getattr(settings, "EMAIL_SSL_CERTFILE", None)
                if certfile:
                    context.load_cert_chain(certfile, getattr(settings, "EMAIL_SSL_KEYFILE", None))
            if settings.EMAIL_USE_SSL:
                smtp = smtplib.SMTP_SSL(settings.EMAIL_HOST, settings.EMAIL_PORT,
                                        local_hostname=DNS_NAME.get_fqdn(), timeout=timeout,
                                        context=context)
            else:
                smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT,
                                    local_hostname=DNS_NAME.get_fqdn(), timeout=timeout)
            try:
                if settings.EMAIL_USE_TLS:
                    smtp.starttls(context=context)
                if settings.EMAIL_HOST_USER:
                    smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
                smtp.ehlo_or_helo_if_needed()
            except BaseException:
                with contextlib.suppress(Exception):
                    smtp.close()
                raise
            self.smtp = smtp
        return self.smtp

    def drop(self) -> None:
        smtp, self.smtp = self.smtp, None
        self.sent_on_connection = 0
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            with contextlib.suppress(Exception):
                smtp.close()

    close = drop

    def send(self, m) -> Outcome:
        if self.down is not None:
            return Outcome(m, RETRY, self.down, counts=False)
        reused = self.sent_on_connection > 0
        outcome = self._send_once(m)
        if outcome is None and reused:
            # Servers close long-lived connections: on one we had used, reconnect once (it was
            # lost before the handover, so the server has nothing).
            outcome = self._send_once(m)
        return outcome or Outcome(m, RETRY, f"Mail server connection lost: {self.error}")

    def _send_once(self, m) -> Outcome | None:
        """One try; None when the connection dropped before the handover."""
        from django.core.mail.message import sanitize_address

        email = m._email
        try:
            encoding = email.encoding or settings.DEFAULT_CHARSET
            sender = sanitize_address(email.from_email, encoding)
            recipients = [sanitize_address(a, encoding) for a in email.recipients()]
            data = email.message().as_bytes(linesep="\r\n")
        except ValueError as e:  # an address the mail library can't encode
            return Outcome(m, FAILED, f"Invalid address {m.to_address!r}: {e}")
        if not recipients:
            return Outcome(m, FAILED, "No recipient address.")
        try:
            smtp = self.open()
        except (smtplib.SMTPException, OSError) as e:
            # Can't connect or log in: nothing was sent; the drain's other emails wait too.
            self.drop()
            self.down = f"Mail server unreachable: {e or type(e).__name__}"
            return Outcome(m, RETRY, self.down)
        handed = False
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                self._reset(code)
                return smtp_refusal(m, code, text, sender=True)
            for rcpt in recipients:
                code, text = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    self._reset(code)
                    return smtp_refusal(m, code, text, recipient=True)
            smtp.putcmd("data")
            code, text = smtp.getreply()
            if code != 354:
                self._reset(code)
                return smtp_refusal(m, code, text)
            # From here the server may take it: commit the mark before the first byte.
            self.handed(m)
            handed = True
            payload = re.sub(rb"(?m)^\.", b"..", data)
            if not payload.endswith(b"\r\n"):
                payload += b"\r\n"
            smtp.send(payload + b".\r\n")
            code, text = smtp.getreply()
        except (smtplib.SMTPException, OSError) as e:
            self.drop()
            self.error = str(e) or type(e).__name__
            if handed:
                return Outcome(m, UNKNOWN, f"Mail server connection lost during DATA: "
                                           f"{self.error}", reason=UNKNOWN_AFTER_DATA)
            return None
        if code != 250:
            if code == 421:  # the server is closing this connection
                self.drop()
            return smtp_refusal(m, code, text)
        self.sent_on_connection += 1
        return Outcome(m, SENT, at=self.clock(), provider_id=m.provider_id)

    def _reset(self, code: int) -> None:
        if code == 421 or code == -1:
            self.drop()
            return
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.drop()


# --- Django email backends (django-anymail's providers, console, locmem, …) ------------------


class BackendTransport(Transport):
    guarantee = ("a connect failure or 429 is retried, another 4xx refused, a 5xx or a lost "
                 "answer UNKNOWN until the provider's delivery event settles it")

    def __init__(self, handed, clock):
        super().__init__(handed, clock)
        self.connection = None
        self.anymail = settings.EMAIL_BACKEND.startswith("anymail.")

    def open(self):
        if self.connection is None:
            from django.core.mail import get_connection

            conn = get_connection(fail_silently=False)
            conn.open()
            self.connection = conn
        return self.connection

    def close(self) -> None:
        conn, self.connection = self.connection, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def send(self, m) -> Outcome:
        if self.down is not None:
            return Outcome(m, RETRY, self.down, counts=False)
        if not m.to_address:
            return Outcome(m, FAILED, "No recipient address.")
        try:
            conn = self.open()
        except Exception as e:
            self.close()
            self.down = f"Mail server unreachable: {e or type(e).__name__}"
            return Outcome(m, RETRY, self.down)
        email = m._email
        email.connection = conn
        if self.anymail:
            email.metadata = {**(getattr(email, "metadata", None) or {}),
                              "rounds_message": str(m.uuid)}
        self.handed(m)
        try:
            sent = conn.send_messages([email])
        except Exception as e:
            return classify_error(m, e)
        if not sent:
            return Outcome(m, UNKNOWN, "The email backend did not say it sent the message.",
                           reason=UNKNOWN_AT_PROVIDER)
        esp_id = ""
        status = getattr(email, "anymail_status", None)
        if status is not None:
            recipient = status.recipients.get(m.to_address) if status.recipients else None
            if recipient is not None and recipient.status in ("rejected", "invalid"):
                return Outcome(m, FAILED, f"The provider refused the address ({recipient.status}).",
                               bounce=True)
            ids = status.message_id
            esp_id = ids if isinstance(ids, str) else ",".join(sorted(i for i in ids or () if i))
        return Outcome(m, SENT, at=self.clock(), provider_id=m.provider_id, esp_id=esp_id or "")


def classify_error(m, e: Exception) -> Outcome:
    """What an email backend's exception means for the message, after the handover."""
    error = (str(e) or type(e).__name__).strip()[:1000]
    try:
        from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - anymail is a dependency
        AnymailInvalidAddress = AnymailRecipientsRefused = ()  # noqa: N806
    if isinstance(e, AnymailRecipientsRefused):
        return Outcome(m, FAILED, f"The provider refused the address: {error}", bounce=True)
    if isinstance(e, AnymailInvalidAddress):
        return Outcome(m, FAILED, f"Invalid address {m.to_address!r}: {error}")
    status = getattr(e, "status_code", None)
    if isinstance(status, int):
        if status == 429:
            return Outcome(m, RETRY, f"Provider rate limit (429): {error}",
                           retry_after=_retry_after(getattr(e, "response", None)))
        if status in (401, 403):  # our credentials: fix them, the message keeps waiting
            return Outcome(m, RETRY, f"The provider refused our credentials ({status}): {error}")
        if 400 <= status < 500:
            return Outcome(m, FAILED, f"The provider refused it ({status}): {error}")
        return Outcome(m, UNKNOWN, f"Provider error ({status}): {error}",
                       reason=UNKNOWN_AT_PROVIDER)
    if never_connected(e):
        return Outcome(m, RETRY, f"Could not reach the provider: {error}")
    return Outcome(m, UNKNOWN, f"No clear answer from the provider: {error}",
                   reason=UNKNOWN_AT_PROVIDER)


def never_connected(e: BaseException) -> bool:
    """True when the exception (or what caused it) says no connection was made, so nothing
    can have been sent: a refused connection, a name that doesn't resolve, a connect timeout."""
    import requests
    import urllib3

    no_connection = (requests.exceptions.ConnectTimeout, urllib3.exceptions.NewConnectionError,
                     urllib3.exceptions.ConnectTimeoutError, ConnectionRefusedError,
                     socket.gaierror)
    stack, seen = [e], set()
    while stack:
        x = stack.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, no_connection):
            return True
        if isinstance(x, urllib3.exceptions.MaxRetryError):
            stack.append(x.reason)
        stack += [x.__cause__, x.__context__]
        stack += [a for a in getattr(x, "args", ()) if isinstance(a, BaseException)]
    return False


def _retry_after(response) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
