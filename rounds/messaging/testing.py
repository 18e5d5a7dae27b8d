"""Real servers on loopback for tests and benchmarks: an SMTP server (aiosmtpd) that keeps what
it receives, and a small HTTP server that answers like the SMS provider's REST API (Twilio's
shape: `POST /2010-04-01/Accounts/{sid}/Messages.json`, HTTP basic auth, form-encoded body,
201 with a JSON message resource). Neither is used by the product itself."""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode
from urllib.request import Request, urlopen

ACCOUNT_SID = "AC00000000000000000000000000000000"
AUTH_TOKEN = "stand-in-auth-token"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; `messages` are parsed `EmailMessage`s with the
    envelope in `envelopes`, `peers` the client ends of the connections that sent them. Use as a
    context manager.

    `reject_next` answers the next DATAs with (code, text). `stall_at = ("RCPT" or "DATA", n)`
    makes the n-th RCPT or DATA (counted from 1) never answer, as a server that hangs would:
    at DATA, after the message's bytes arrived (not kept), so the client has handed it over;
    `stalled` is set when it happens. `hang_up_after_data = n` takes the n-th message, then
    drops the connection instead of answering."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.peers: set = set()
        self.lock = threading.Lock()
        self.controller = None
        self.port = None
        self.reject_next: list[tuple[int, str]] = []  # (code, text) answers to the next DATA
        self.stall_at: tuple[str, int] | None = None
        self.hang_up_after_data: int | None = None
        self.stalled = threading.Event()
        self.counts = {"RCPT": 0, "DATA": 0}

    async def _stall_here(self, stage: str) -> None:
        import asyncio

        with self.lock:
            self.counts[stage] += 1
            stall = self.stall_at == (stage, self.counts[stage])
        if stall:
            self.stalled.set()
            while True:  # until the client goes away or the server stops
                await asyncio.sleep(3600)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await self._stall_here("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        await self._stall_here("DATA")
        with self.lock:
            if self.hang_up_after_data == self.counts["DATA"]:
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                self.messages.append(msg)
                self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                server.transport.abort()  # no answer reaches the client
                return "250 OK"
            self.peers.add(session.peer)
            if self.reject_next:
                code, text = self.reject_next.pop(0)
                return f"{code} {text}"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(msg)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def __enter__(self) -> SmtpServer:
        import socket

        from aiosmtpd.controller import Controller

        # aiosmtpd 1.4 connects to its own port to check it started, so port 0 won't do: take a
        # free port first.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def wait_for(self, n: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {n} emails, got {len(self.messages)}")


@dataclass
class SentSms:
    sid: str
    to: str
    from_: str
    body: str
    status_callback: str
    status: str = "queued"
    params: dict = field(default_factory=dict)


class SmsProvider:
    """A stand-in for the SMS provider's REST API. `fail_next(status, code)` makes the next
    send answer with that HTTP status (e.g. 429 with error 20429, or 500 after "sending"
    anyway, as a real provider may). `callback(sms, status)` posts a signed status callback to
    the message's StatusCallback URL, as the provider would."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sent: list[SentSms] = []
        self.requests = 0
        self.failures: list[tuple[int, int, bool]] = []  # (http status, error code, sent anyway)
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.httpd = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def fail_next(self, status: int = 500, code: int = 0, *, sent_anyway: bool = False,
                  times: int = 1) -> None:
        with self.lock:
            self.failures.extend([(status, code, sent_anyway)] * times)

    def __enter__(self) -> SmsProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _json(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorized(self) -> bool:
                expected = base64.b64encode(
                    f"{provider.account_sid}:{provider.auth_token}".encode()
                ).decode()
                return self.headers.get("Authorization") == f"Basic {expected}"

            def do_POST(self):  # noqa: N802 - http.server's naming
                path = f"/2010-04-01/Accounts/{provider.account_sid}/Messages.json"
                if self.path != path:
                    return self._json(404, {"code": 20404, "message": "Not found", "status": 404})
                if not self._authorized():
                    return self._json(401, {"code": 20003, "message": "Authenticate",
                                            "status": 401})
                length = int(self.headers.get("Content-Length") or 0)
                params = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with provider.lock:
                    provider.requests += 1
                    failure = provider.failures.pop(0) if provider.failures else None
                if failure and not failure[2]:
                    status, code, _ = failure
                    return self._json(status, {"code": code or status, "status": status,
                                               "message": "Stand-in failure"})
                for needed in ("To", "Body"):
                    if not params.get(needed):
                        return self._json(400, {"code": 21604 if needed == "To" else 21602,
                                                "message": f"A '{needed}' is required",
                                                "status": 400})
                sms = SentSms(
                    sid=f"SM{next(provider._ids):032x}", to=params["To"],
                    from_=params.get("From", ""), body=params["Body"],
                    status_callback=params.get("StatusCallback", ""), params=params,
                )
                with provider.lock:
                    provider.sent.append(sms)
                if failure:  # accepted, but the answer is lost as a 5xx
                    return self._json(failure[0], {"code": failure[1] or failure[0],
                                                   "status": failure[0],
                                                   "message": "Stand-in failure after send"})
                return self._json(201, {
                    "sid": sms.sid, "account_sid": provider.account_sid, "to": sms.to,
                    "from": sms.from_, "body": sms.body, "status": "queued",
                    "num_segments": "1", "direction": "outbound-api", "error_code": None,
                })

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def callback(self, sms: SentSms, status: str = "delivered", *, url: str | None = None,
                 error_code: str = "") -> int:
        """Post the provider's status callback (signed) for `sms`; returns the HTTP status."""
        params = {
            "MessageSid": sms.sid, "SmsSid": sms.sid, "AccountSid": self.account_sid,
            "MessageStatus": status, "SmsStatus": status, "To": sms.to, "From": sms.from_,
        }
        if error_code:
            params["ErrorCode"] = error_code
        return post_signed(url or sms.status_callback, params, self.auth_token)


def twilio_signature(url: str, params: dict, auth_token: str) -> str:
    """The provider's published algorithm: HMAC-SHA1 over the full URL followed by every POST
    parameter name and value, sorted by name; base64."""
    import hashlib
    import hmac

    data = url + "".join(f"{k}{params[k]}" for k in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def post_signed(url: str, params: dict, auth_token: str) -> int:
    """POST form parameters to a webhook URL with the provider's signature header."""
    from urllib.error import HTTPError

    request = Request(
        url, data=urlencode(params).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "X-Twilio-Signature": twilio_signature(url, params, auth_token)},
    )
    try:
        with urlopen(request, timeout=10) as response:
            return response.status
    except HTTPError as e:
        return e.code


POSTMARK_TOKEN = "stand-in-server-token"


class EmailApi:
    """A stand-in for an email provider's HTTP API, shaped like Postmark's `POST /email`
    (header X-Postmark-Server-Token, a JSON message, 200 with `MessageID`). `answer_next(...)`
    queues how the next requests are answered: an HTTP status (422 with Postmark's ErrorCode,
    429 with Retry-After, 500 …), optionally after taking the message (`sent_anyway`), or
    `"hang_up"`: read the request, take the message, close the connection without answering.
    `sent` holds the JSON payloads taken; `requests` counts every request."""

    def __init__(self, token: str = POSTMARK_TOKEN):
        self.token = token
        self.sent: list[dict] = []
        self.requests = 0
        self.answers: list[tuple] = []  # (status or "hang_up", error code, sent anyway, headers)
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.httpd = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def answer_next(self, status, code: int = 0, *, sent_anyway: bool = False,
                    headers: dict | None = None, times: int = 1) -> None:
        with self.lock:
            self.answers.extend([(status, code, sent_anyway, headers or {})] * times)

    def __enter__(self) -> EmailApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, str(v))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with api.lock:
                    api.requests += 1
                    answer = api.answers.pop(0) if api.answers else None
                if self.path.rstrip("/") != "/email":
                    return self._json(404, {"ErrorCode": 404, "Message": "Not found"})
                if self.headers.get("X-Postmark-Server-Token") != api.token:
                    return self._json(401, {"ErrorCode": 10, "Message": "Bad or missing token"})
                try:
                    payload = json.loads(raw)
                except ValueError:
                    return self._json(400, {"ErrorCode": 402, "Message": "Invalid JSON"})
                status, code, sent_anyway, headers = answer or (200, 0, True, {})
                message_id = f"{next(api._ids):08x}-0000-4000-8000-000000000000"
                if status == 200 or sent_anyway or status == "hang_up":
                    with api.lock:
                        api.sent.append({**payload, "MessageID": message_id})
                if status == "hang_up":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                if status == 200:
                    return self._json(200, {"To": payload.get("To", ""), "SubmittedAt":
                                            "2026-11-18T18:00:00Z", "MessageID": message_id,
                                            "ErrorCode": 0, "Message": "OK"})
                messages = {300: f"Invalid 'To' address: '{payload.get('To', '')}'.",
                            406: "You tried to send to a recipient that has been marked as "
                                 f"inactive.\nFound inactive addresses: {payload.get('To', '')}."
                                 "\nInactive recipients are ones that have generated a hard "
                                 "bounce or a spam complaint. "}
                return self._json(status, {"ErrorCode": code or status,
                                           "Message": messages.get(code, "Stand-in failure")},
                                  headers)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

