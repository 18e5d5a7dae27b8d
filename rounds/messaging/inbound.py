"""Inbound messages: texts and emails from candidates, found a candidate and a thread.

A text is routed by the number it came from: the thread of the last text we sent to that
number from the number it was sent to, else a candidate with that phone in the organization
that owns the number, else the one candidate with that phone among the organizations sharing
the number.

An email is routed to an organization first, from what it was addressed to: a reply address
(`reply+<thread token>@…`, or `unsubscribe+<token>@…`) names the thread; an organization's
sender address names the organization; else the message it answers (In-Reply-To, References)
names both. The sender is then looked up inside that organization only. Only when nothing
names an organization may the sender alone decide, and only when one organization knows them:
a person known in several is never guessed at.

What finds no candidate is kept as an unmatched message (never dropped): in the organization it
was sent to, or, when that can't be told (the site's shared number, a number nobody claims,
mail naming no organization), in each organization that has the sender as a candidate or has
written to that number or address. A STOP among those suppresses the number in each of them
(and in the number's owners). When no organization has anything to do with the sender, the
payload stays only in the WebhookEvent the webhook records (site administrators read those).

A matched reply lands on the timeline; a STOP opts out (`optout`); START or UNSTOP from the
candidate's own number gives consent to texts back; anything else stops the candidate's
sequences, moves the application it answers forward to "Engaged" and opens a respond-now
item. A delivery status notification with a permanent failure (5.x.x) suppresses the address
and marks the original message failed.

Each function is idempotent by the provider's message id. The caller owns the transaction."""

from __future__ import annotations

import hashlib
import html
import json
import re
from email import message_from_bytes, message_from_string
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import strip_tags

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.models import Candidate
from rounds.lib.contact import ContactError, email_key, normalize_email, normalize_phone

from . import optout
from .choices import Direction, MessageChannel, MessageStatus, SuppressionReason
from .models import Message, OutreachSettings, Suppression, Thread
from .threads import log_activity, thread_for

# Outbound texts a reply can answer: they reached (or may have reached) the phone.
REACHED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNKNOWN)
MAX_KEY = 200


class InboundError(ValueError):
    """An inbound payload that can't be read; the message names what is missing."""


# --- Texts ---


def receive_sms(params: dict) -> Message | None:
    """Store an inbound text as the provider posted it (MessageSid, From, To, Body…) and act
    on it. Returns the message (matched, or unmatched — in each organization it may be for,
    the first of them returned), or None when no organization has anything to do with the
    sender (the caller's WebhookEvent keeps the payload). The same MessageSid twice returns
    the first message and does nothing more."""
    sid = (params.get("MessageSid") or params.get("SmsSid") or "").strip()
    sender = (params.get("From") or "").strip()
    if not sid:
        raise InboundError("MessageSid is missing.")
    if not sender:
        raise InboundError("From is missing.")
    key = _key("in:sms:", sid)
    existing = Message.objects.filter(idempotency_key=key, direction=Direction.INBOUND).first()
    if existing is not None:
        return existing

    phone = _phone(sender)
    number = (params.get("To") or "").strip()
    orgs = _orgs_for_number(number)
    candidate, thread = _route_sms(phone, {phone, sender}, orgs)
    body = params.get("Body") or ""
    fields = dict(
        channel=MessageChannel.SMS, key=key, body=body, from_address=phone, to_address=number,
        provider_id=sid, raw=json.dumps(params, sort_keys=True, ensure_ascii=False),
    )
    carrier = (params.get("OptOutType") or "").upper()
    if candidate is None:
        return _unmatched_sms(phone, sender, number, orgs, body, fields)

    message, created = _store(
        organization_id=candidate.organization_id, candidate=candidate, thread=thread, **fields
    )
    if created:
        log_activity(message)
        _act_on_reply(message, body, carrier_opt_out=carrier == "STOP",
                      carrier_opt_in=carrier == "START")
    return message


def _unmatched_sms(phone: str, sender: str, number: str, orgs, body: str,
                   fields: dict) -> Message | None:
    org_ids = _orgs_for_unmatched_sms(phone, {phone, sender}, number, orgs)
    if not org_ids:
        return None
    stop = bool(phone) and optout.is_opt_out(body)
    messages = []
    for org_id in org_ids:
        message, created = _store(organization_id=org_id, **fields)
        messages.append(message)
        if created and stop:
            # STOP is conclusive even from a number no record knows yet: the number is not
            # written to again, whoever it turns out to be, by anyone who could have texted
            # it from the number it answered.
            Suppression.objects.get_or_create(
                organization_id=org_id, channel=MessageChannel.SMS, address=phone,
                defaults={"reason": SuppressionReason.STOP,
                          "detail": f"Replied “{body.strip()[:100]}” before being matched"},
            )
        elif created and len(org_ids) == 1:
            from . import purposes

            purposes.unmatched_text(message, body)  # e.g. a YES to a shift offer: "no match"
    return messages[0]


def _orgs_for_unmatched_sms(phone: str, numbers: set[str], number: str, orgs) -> list[int]:
    """The organizations an unmatched text is kept in: the one owning the number; when the
    number is shared (or nobody's), each of those sharing it that has the sender as a
    candidate or has texted that number, and the number's owners."""
    single = _single_org(orgs)
    if single is not None:
        return [single]
    owners = set(orgs.filter(outreach_settings__sms_from_number=number)
                 .values_list("pk", flat=True)) if number else set()
    known = set(Candidate.objects.filter(organization__in=orgs).with_phone(phone)
                .values_list("organization_id", flat=True)) if phone else set()
    texted = set(Message.objects.filter(
        organization__in=orgs, direction=Direction.OUTBOUND, channel=MessageChannel.SMS,
        to_address__in=numbers, status__in=REACHED,
    ).values_list("organization_id", flat=True).distinct())
    return sorted(owners) + sorted((known | texted) - owners)


def _route_sms(phone: str, numbers: set[str], orgs) -> tuple[Candidate | None, Thread | None]:
    # (a) the thread of the last text we sent to this number from the number it answered.
    # Through the people with this number (indexed), not a scan of every message's address.
    people = Candidate.objects.filter(organization__in=orgs).with_phone(phone)
    last = (
        Message.objects.filter(
            candidate__in=people, direction=Direction.OUTBOUND, channel=MessageChannel.SMS,
            to_address__in=numbers, status__in=REACHED,
        )
        .select_related("thread", "candidate")
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None:
        candidate = current_record(last.candidate)
        if candidate.pk == last.candidate_id and last.thread_id:
            return candidate, last.thread
        return candidate, _latest_thread(candidate)
    # (b) a candidate with this phone in the organization owning the number; (c) else the one
    # candidate with it among the organizations sharing the number.
    candidate = _one_candidate(people)
    if candidate is None:
        return None, None
    return candidate, _latest_thread(candidate)


def _orgs_for_number(number: str):
    """The organizations a text to `number` may be for: for the site's shared number, every
    organization without a number of its own (and any that set the shared one as theirs); else
    the one that owns the number; for a number nobody claims, every organization (the sender
    then decides)."""
    from rounds.accounts.models import Organization

    shared = settings.SMS_FROM_NUMBER or ""
    if number and _phone(number) == _phone(shared):
        return Organization.objects.filter(
            Q(outreach_settings__isnull=True) | Q(outreach_settings__sms_from_number="")
            | Q(outreach_settings__sms_from_number=shared)
        )
    owners = Organization.objects.filter(outreach_settings__sms_from_number=number)
    if number and owners.exists():
        return owners
    return Organization.objects.all()


def _phone(value: str) -> str:
    try:
        return normalize_phone(value, "") or (value or "").strip()
    except ContactError:
        return (value or "").strip()


# --- Email ---


def parse_email(raw: bytes) -> EmailMessage:
    """An RFC 5322 message, or InboundError when the bytes are not one (no From header)."""
    if not raw or not raw.strip():
        raise InboundError("The body is empty: post the raw email (message/rfc822).")
    msg = message_from_bytes(raw, policy=email_policy.default)
    if not msg.get("From"):
        raise InboundError("Not an email: it has no From header.")
    return msg


def receive_email(raw: bytes) -> Message | None:
    """Store an inbound email (raw RFC 5322 bytes) and act on it. Returns the stored message —
    for a delivery status notification, the original message that bounced; for one kept in
    several organizations, the first — or None when no organization has anything to do with
    it. The same Message-ID twice does nothing more."""
    msg = parse_email(raw)
    if msg.get_content_type() == "multipart/report":
        report = (msg.get_param("report-type") or "").lower()
        if report == "delivery-status":
            return _handle_bounce(msg)
        if report == "feedback-report":
            return _handle_complaint(msg)

    message_id = _msgid(str(msg.get("Message-ID") or ""))
    key = _key("in:email:", message_id or hashlib.sha256(raw).hexdigest())
    existing = Message.objects.filter(idempotency_key=key, direction=Direction.INBOUND).first()
    if existing is not None:
        return existing

    sender = parseaddr(str(msg.get("From") or ""))[1]
    recipients = _recipients(msg)
    text = _reply_text(msg)
    fields = dict(
        channel=MessageChannel.EMAIL, key=key, body=text,
        subject=str(msg.get("Subject") or "")[:200], from_address=sender[:254],
        to_address=(recipients[0] if recipients else "")[:254], provider_id=message_id[:255],
        raw=raw.decode("utf-8", errors="replace"),
    )
    automatic = _is_automatic(msg)

    # 1. A reply address names the thread, so the candidate and the organization.
    thread, unsubscribe = None, False
    for address in recipients:
        kind, token = _reply_token(address)
        if kind is None:
            continue
        unsubscribe = unsubscribe or kind == "unsubscribe"
        found = Thread.objects.filter(reply_token=token).select_related("candidate").first()
        if found is not None:
            thread, fields["to_address"] = found, address[:254]
            unsubscribe = kind == "unsubscribe"
            break
    if thread is not None:
        candidate = current_record(thread.candidate)
        if candidate.pk != thread.candidate_id:
            thread = _latest_thread(candidate)
        return _matched_email(candidate, thread, fields, text, unsubscribe=unsubscribe,
                              automatic=automatic)

    # 2. An organization's sender address names the organization (each one it was sent to);
    # the message it answers, then the sender, are looked for inside it only.
    named = _orgs_for_email(recipients)
    if named:
        messages = []
        for org_id, address in named:
            candidate, found = _route_by_references(msg, org_id)
            if candidate is None:
                candidate = _candidate_by_email(sender, org_id)
                found = _latest_thread(candidate) if candidate is not None else None
            here = {**fields, "to_address": address[:254]}
            if candidate is None:
                messages.append(_store(organization_id=org_id, **here)[0])
            else:
                messages.append(_matched_email(candidate, found, here, text,
                                               unsubscribe=unsubscribe, automatic=automatic))
        return messages[0]

    # 3. The message it answers names the organization and the candidate.
    candidate, thread = _route_by_references(msg, None)
    if candidate is not None:
        return _matched_email(candidate, thread, fields, text, unsubscribe=unsubscribe,
                              automatic=automatic)

    # 4. Nothing names an organization: the sender decides only when one organization knows
    # them; otherwise the message waits unmatched in each organization that does.
    candidate, org_ids = _sender_anywhere(sender)
    if candidate is not None:
        return _matched_email(candidate, _latest_thread(candidate), fields, text,
                              unsubscribe=unsubscribe, automatic=automatic)
    if not org_ids:
        from rounds.accounts.models import Organization

        single = _single_org(Organization.objects.all())
        org_ids = [single] if single is not None else []
    messages = [_store(organization_id=org_id, **fields)[0] for org_id in org_ids]
    return messages[0] if messages else None


def _matched_email(candidate: Candidate, thread: Thread | None, fields: dict, text: str, *,
                   unsubscribe: bool, automatic: bool) -> Message:
    message, created = _store(
        organization_id=candidate.organization_id, candidate=candidate, thread=thread, **fields
    )
    if not created:
        return message
    log_activity(message)
    if unsubscribe:
        # Mail to the List-Unsubscribe mailto: an unsubscribe, whatever it says.
        optout.do_opt_out(candidate, MessageChannel.EMAIL, via=optout.VIA_EMAIL,
                          detail=f"Email to {message.to_address}", thread=thread)
        return message
    _act_on_reply(message, text or _subject_words(message.subject), automatic=automatic)
    return message


def _reply_token(address: str) -> tuple[str | None, str]:
    local, _, domain = address.rpartition("@")
    if domain.lower() != settings.REPLY_DOMAIN.lower():
        return None, ""
    kind, plus, token = local.partition("+")
    kind = kind.lower()
    if not plus or kind not in ("reply", "unsubscribe") or not token:
        return None, ""
    return kind, token.lower()


def _recipients(msg: EmailMessage) -> list[str]:
    values: list[str] = []
    for header in ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"):
        values.extend(str(v) for v in msg.get_all(header) or [])
    seen, out = set(), []
    for _name, address in getaddresses(values):
        if address and address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    return out


def _route_by_references(msg: EmailMessage, org_id: int | None
                         ) -> tuple[Candidate | None, Thread | None]:
    """The candidate and thread of the message this one answers (In-Reply-To, References),
    inside `org_id` when the organization is already known."""
    ids = _msgids(str(msg.get("In-Reply-To") or ""))
    ids += list(reversed(_msgids(str(msg.get("References") or ""))))
    if not ids:
        return None, None
    answered = Message.objects.filter(provider_id__in=_both_forms(ids),
                                      channel=MessageChannel.EMAIL, candidate__isnull=False)
    if org_id is not None:
        answered = answered.filter(organization_id=org_id)
    answered = answered.select_related("thread", "candidate").order_by("-created_at", "-id").first()
    if answered is None:
        return None, None
    candidate = current_record(answered.candidate)
    if candidate.pk == answered.candidate_id and answered.thread_id:
        return candidate, answered.thread
    return candidate, _latest_thread(candidate)


def _candidate_by_email(sender: str, org_id: int) -> Candidate | None:
    """The sender among one organization's candidates: the record it wrote to last, else the
    most recently active one."""
    key = _email_key(sender)
    if not key:
        return None
    found = Candidate.objects.filter(organization_id=org_id).with_email(
        key, organization_id=org_id)
    last = (
        Message.objects.filter(candidate__in=found, direction=Direction.OUTBOUND,
                               channel=MessageChannel.EMAIL)
        .select_related("candidate")
        .order_by("-created_at", "-id")
        .first()
    )
    if last is not None:
        return current_record(last.candidate)
    return _one_candidate(found)


def _sender_anywhere(sender: str) -> tuple[Candidate | None, list[int]]:
    """For mail naming no organization: (the candidate, []) when exactly one organization
    knows the sender; else (None, the organizations that have them as a candidate or have
    emailed that address), so the message waits in each of those rather than be guessed."""
    key = _email_key(sender)
    if not key:
        return None, []
    people = Candidate.objects.with_email(key)
    known = set(people.values_list("organization_id", flat=True))
    if len(known) == 1:
        candidate = _candidate_by_email(sender, next(iter(known)))
        if candidate is not None:
            return candidate, []
    wrote = set(Message.objects.filter(
        Q(candidate__in=people) | Q(to_address__iexact=sender),
        direction=Direction.OUTBOUND, channel=MessageChannel.EMAIL,
    ).values_list("organization_id", flat=True).distinct())
    return None, sorted(known | wrote)


def _orgs_for_email(recipients: list[str]) -> list[tuple[int, str]]:
    """(organization, the address it was reached at) for each organization whose sender
    address the email was sent to, in the order of the recipients."""
    out: list[tuple[int, str]] = []
    for address in recipients:
        for org_id in (OutreachSettings.objects.filter(sender_email__iexact=address)
                       .values_list("organization_id", flat=True)):
            if org_id not in {o for o, _ in out}:
                out.append((org_id, address))
    return out


def _reply_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, KeyError, UnicodeError):
        text = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(strip_tags(re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text)))
    return strip_quoted(text)


_ATTRIBUTION = re.compile(r"^(on\b.+\bwrote|le\b.+\ba écrit)\s*:\s*$", re.IGNORECASE | re.DOTALL)
_SEPARATOR = re.compile(r"^(-{2,}\s*original message\s*-{2,}|_{8,})$", re.IGNORECASE)


def strip_quoted(text: str) -> str:
    """The new part of a reply: cut at the quote's attribution ("On … wrote:", which mail
    programs may wrap over two or three lines), at an "Original Message" separator or an
    Outlook "From:/Sent:" block; drop remaining ">" lines. The whole text stays in `raw`."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for i, line in enumerate(lines):
        s = line.strip()
        if _SEPARATOR.match(s):
            cut = i
            break
        if re.match(r"(?i)^(on|le)\b", s) and any(
            _ATTRIBUTION.match(" ".join(x.strip() for x in lines[i:j]))
            for j in range(i + 1, min(i + 4, len(lines) + 1))
        ):
            cut = i
            break
        if re.match(r"(?i)^from:\s", s) and i + 1 < len(lines) and re.match(
            r"(?i)^(sent|date):\s", lines[i + 1].strip()
        ):
            cut = i
            break
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    new = "\n".join(kept).strip()
    return new or text.strip()


def _subject_words(subject: str) -> str:
    return re.sub(r"(?i)^\s*((re|fw|fwd|tr)\s*:\s*)+", "", subject or "")


def _is_automatic(msg: EmailMessage) -> bool:
    """An auto-reply (out of office, RFC 3834): on the timeline, but nobody replied."""
    auto = str(msg.get("Auto-Submitted") or "").strip().lower()
    precedence = str(msg.get("Precedence") or "").strip().lower()
    return (bool(auto) and auto != "no") or precedence in ("auto_reply", "bulk", "junk") or bool(
        msg.get("X-Autoreply") or msg.get("X-Autorespond")
    )


# --- Bounces and complaints ---


def _handle_bounce(msg: EmailMessage) -> Message | None:
    """A delivery status notification (RFC 3464). Permanent failures (5.x.x) suppress the
    address in every organization that sent to it and mark the original message failed;
    temporary ones (4.x.x) change nothing (the provider retries)."""
    failed: list[tuple[str, str, str]] = []
    ids = _msgids(str(msg.get("Original-Message-ID") or ""))
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in part.get_payload() or []:
                if not hasattr(block, "get"):
                    continue
                ids += _msgids(str(block.get("Original-Message-ID") or ""))
                status = str(block.get("Status") or "").strip().split(" ")[0]
                recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient")
                                or "")
                address = recipient.split(";", 1)[-1].strip().strip("<>")
                if status.startswith("5") and address:
                    diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
                    failed.append((address, status, diagnostic))
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            ids += _msgids(str(_embedded_headers(part).get("Message-ID") or ""))
    originals = list(
        Message.objects.filter(provider_id__in=_both_forms(ids), direction=Direction.OUTBOUND,
                               channel=MessageChannel.EMAIL).select_related("candidate")
    ) if ids else []
    now = timezone.now()
    for address, status, diagnostic in failed:
        key = _email_key(address)
        why = f"Hard bounce {status}" + (f": {diagnostic}" if diagnostic else "")
        sent_here = [m for m in originals if _email_key(m.to_address) == key]
        org_ids = {m.organization_id for m in sent_here} or set(
            Message.objects.filter(candidate__email_normalized=key, direction=Direction.OUTBOUND,
                                   channel=MessageChannel.EMAIL)
            .values_list("organization_id", flat=True).distinct()
        )
        for org_id in org_ids:
            Suppression.objects.get_or_create(
                organization_id=org_id, channel=MessageChannel.EMAIL, address=key,
                defaults={"reason": SuppressionReason.HARD_BOUNCE, "detail": why[:300],
                          "created_at": now},
            )
        for original in sent_here:
            marked = Message.objects.filter(pk=original.pk).exclude(
                status=MessageStatus.FAILED
            ).update(status=MessageStatus.FAILED, status_reason=why[:300], error=why)
            if marked and original.candidate_id:
                Activity.objects.create(
                    organization_id=original.organization_id,
                    candidate_id=original.candidate_id, application_id=original.application_id,
                    kind=ActivityKind.SYSTEM, subject=f"Email to {address} bounced",
                    body=f"{why}. The address is suppressed.", occurred_at=now,
                )
                from rounds.candidates.actions import mark_changed

                mark_changed(original.candidate_id)
    return originals[0] if originals else None


def _handle_complaint(msg: EmailMessage) -> Message | None:
    """A spam complaint (ARF feedback report): the person doesn't want our email. Suppress the
    address and opt them out of email."""
    ids: list[str] = []
    for part in msg.walk():
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers",
                                       "message/rfc822-headers"):
            ids += _msgids(str(_embedded_headers(part).get("Message-ID") or ""))
    if not ids:
        return None
    original = (
        Message.objects.filter(provider_id__in=_both_forms(ids), direction=Direction.OUTBOUND,
                               channel=MessageChannel.EMAIL, candidate__isnull=False)
        .select_related("candidate").first()
    )
    if original is None:
        return None
    key = _email_key(original.to_address)
    if key:
        Suppression.objects.get_or_create(
            organization_id=original.organization_id, channel=MessageChannel.EMAIL, address=key,
            defaults={"reason": SuppressionReason.COMPLAINT, "detail": "Marked as spam"},
        )
    optout.do_opt_out(current_record(original.candidate), MessageChannel.EMAIL,
                      via=optout.VIA_EMAIL, detail="Marked our email as spam")
    return original


def _embedded_headers(part) -> EmailMessage:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and hasattr(payload[0], "get"):
        return payload[0]
    text = payload if isinstance(payload, str) else ""
    return message_from_string(text, policy=email_policy.default)


# --- Acting on a matched reply ---


def _act_on_reply(message: Message, text: str, *, automatic: bool = False,
                  carrier_opt_out: bool = False, carrier_opt_in: bool = False) -> None:
    """STOP opts out. START or UNSTOP from the candidate's own number gives consent to texts
    back. Any other reply stops the candidate's sequences and opens a respond-now item; one
    that mentions stopping ambiguously also opens a review item for a person. Auto-replies
    change nothing."""
    candidate = message.candidate
    reading = optout.classify(text)
    if reading is optout.Reading.AMBIGUOUS and message.channel == MessageChannel.EMAIL:
        # The keyword rule is about texts; a long email that says "end" or "stop" somewhere is
        # read by a person anyway (its respond-now item), so no separate review.
        reading = optout.Reading.NONE
    if carrier_opt_out or reading is optout.Reading.OPT_OUT:
        via = optout.VIA_CARRIER if carrier_opt_out else (
            optout.VIA_SMS if message.channel == MessageChannel.SMS else optout.VIA_EMAIL
        )
        same_number = message.channel != MessageChannel.SMS or message.from_address == (
            candidate.phone_normalized or candidate.phone
        )
        optout.do_opt_out(candidate, message.channel, via=via, detail=f"“{text.strip()[:200]}”",
                          thread=message.thread, confirm=same_number)
        if not same_number and message.from_address:
            # The STOP came from another number (a merged record's old one, or a number the
            # record doesn't have): that number said STOP, so it is suppressed too.
            Suppression.objects.get_or_create(
                organization_id=candidate.organization_id, channel=MessageChannel.SMS,
                address=message.from_address,
                defaults={"reason": optout.SUPPRESSION_REASON[via],
                          "detail": f"Replied “{text.strip()[:100]}” for {candidate}"[:300]},
            )
        return
    if message.channel == MessageChannel.SMS and (carrier_opt_in or optout.is_opt_in(text)) and (
        message.from_address == optout.address_of(candidate, MessageChannel.SMS)
    ):
        optout.do_opt_in_by_text(message, provider_confirms=carrier_opt_in)
        return
    if automatic:
        return
    from . import purposes

    # The features answer what is theirs (a YES to a shift offer, a "2" picking a time), and
    # otherwise the conversation moves on and a person is asked to answer (respond-now).
    purposes.reply_received(message, text, clear=reading is optout.Reading.NONE)
    if reading is optout.Reading.AMBIGUOUS:
        # A reply that mentions stopping is still a reply: the clock runs, and a person decides
        # whether it was an opt-out.
        purposes.review_needed(
            message, note=f"May be asking to stop — read it and decide: “{text.strip()[:200]}”"
        )


# --- The unmatched inbox ---


def do_assign_inbound(message: Message, candidate: Candidate, *, actor,
                      record_address: bool = False) -> Message:
    """Attach an unmatched message to a candidate a person chose: it joins their latest thread
    and the timeline, and is acted on like any reply (STOP opts out; otherwise a respond-now
    item). With `record_address`, the sender's address is recorded on a candidate who has none
    of that kind."""
    from rounds.candidates.actions import do_update_candidate

    if message.status != MessageStatus.UNMATCHED:
        raise ValueError("This message was already assigned.")
    if message.organization_id != candidate.organization_id:
        raise ValueError("The candidate belongs to another organization.")
    if record_address and message.from_address:
        if message.channel == MessageChannel.SMS and not candidate.phone:
            do_update_candidate(candidate, actor=actor, phone=message.from_address)
        elif message.channel == MessageChannel.EMAIL and not candidate.email:
            do_update_candidate(candidate, actor=actor, email=message.from_address)
    thread = _latest_thread(candidate)
    claimed = Message.objects.filter(pk=message.pk, status=MessageStatus.UNMATCHED).update(
        candidate=candidate, thread=thread, application=thread.application,
        status=MessageStatus.RECEIVED,
    )
    if not claimed:
        raise ValueError("This message was already assigned.")
    message.refresh_from_db()
    log_activity(message, when=message.received_at)
    _act_on_reply(message, message.body or _subject_words(message.subject))
    return message


# --- Helpers ---


def _store(*, organization_id: int, channel: str, key: str, candidate=None, thread=None,
           **fields) -> tuple[Message, bool]:
    now = timezone.now()
    message = Message(
        organization_id=organization_id, channel=channel, direction=Direction.INBOUND,
        status=MessageStatus.RECEIVED if candidate is not None else MessageStatus.UNMATCHED,
        candidate=candidate, thread=thread,
        application_id=thread.application_id if thread is not None else None,
        idempotency_key=key, received_at=now, created_at=now, send_after=now, **fields,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # The same provider id arrived twice at once: the first one stored is the message.
        return Message.objects.get(organization_id=organization_id, idempotency_key=key), False
    return message, True


def _key(prefix: str, provider_id: str) -> str:
    key = f"{prefix}{provider_id}"
    if len(key) > MAX_KEY:
        key = f"{prefix}sha256:{hashlib.sha256(provider_id.encode()).hexdigest()}"
    return key


def _msgid(value: str) -> str:
    found = _msgids(value)
    return found[0] if found else value.strip()


def _msgids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _both_forms(ids: list[str]) -> list[str]:
    # Message-IDs are stored with their angle brackets; accept a provider that drops them.
    return list({*ids, *(i.strip("<>") for i in ids)})


def _email_key(address: str) -> str:
    try:
        return email_key(normalize_email(address))
    except ContactError:
        return (address or "").strip().lower()


def current_record(candidate: Candidate) -> Candidate:
    """A merged record's survivor: replies to the old record belong to the person's record now."""
    for _ in range(5):
        if candidate.merged_into_id is None:
            break
        candidate = candidate.merged_into
    return candidate


def _one_candidate(queryset) -> Candidate | None:
    """The candidate when the rows are one organization's (duplicates of one person: the most
    recently active record); None when none, or when several organizations have that person."""
    rows = list(queryset.filter(merged_into__isnull=True)
                .order_by("-last_activity_at", "-id")[:20])
    if not rows or len({c.organization_id for c in rows}) > 1:
        return None
    return rows[0]


def _latest_thread(candidate: Candidate) -> Thread:
    thread = (Thread.objects.filter(candidate=candidate)
              .order_by(F("last_message_at").desc(nulls_last=True), "-id").first())
    return thread or thread_for(candidate)


def _single_org(orgs) -> int | None:
    ids = list(orgs.values_list("pk", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None
