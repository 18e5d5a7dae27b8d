"""Outbound email as it goes over SMTP: headers and footer.

- `Message-ID` is made once (`make_msgid` on REPLY_DOMAIN), stored on the message as
  `provider_id` before the first attempt, and reused by every retry, so a reply's
  `In-Reply-To` finds the message whichever attempt reached the candidate.
- `Reply-To` is the thread's own address (`reply+<token>@REPLY_DOMAIN`), and `In-Reply-To` /
  `References` carry the thread's earlier Message-IDs, so replies and mail clients keep the
  conversation together.
- A meeting confirmation carries its invite (`ical.attachment_for`).
- Commercial messages carry RFC 8058 one-click unsubscribe (`List-Unsubscribe` with the signed
  web link and a mailto, and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`) and a footer
  that identifies the sender (name, organization, postal address, a contact that stays valid)
  with the unsubscribe and preference-centre links (CASL, CAN-SPAM).
"""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from .choices import Direction, MessageChannel, MessageKind, MessageStatus

# Statuses of messages that really travelled, so their Message-IDs can be referred to.
THREADED_STATUSES = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNKNOWN,
                     MessageStatus.RECEIVED)
MAX_REFERENCES = 20  # RFC 5322 lets References grow; mail systems cut very long headers


def new_message_id() -> str:
    return make_msgid(domain=settings.REPLY_DOMAIN)


def ensure_message_id(message) -> str:
    """The message's Message-ID, made and saved the first time (before any attempt to send)."""
    if not message.provider_id:
        from .models import Message

        message.provider_id = new_message_id()
        Message.objects.filter(pk=message.pk, provider_id="").update(
            provider_id=message.provider_id
        )
        # Another process may have set one first: theirs is the one to keep.
        message.provider_id = Message.objects.values_list("provider_id", flat=True).get(
            pk=message.pk
        )
    return message.provider_id


def from_address(message, outreach_settings=None) -> str:
    """`Name <address>`: the person who sent it at the organization ("Dana Whitfield at Aspen
    Ridge Family Health"), else the organization's sender name or name; the organization's
    sender address, else the site's default address."""
    from .sender import display_name

    s = outreach_settings or _settings(message)
    name = display_name(message.organization, message.created_by, s)
    address = s.sender_email.strip() or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return formataddr((name, address))


def previous_message_ids(message) -> list[str]:
    """Message-IDs of the thread's earlier emails, in (oldest first) order."""
    from .models import Message

    if not message.thread_id:
        return []
    rows = (Message.objects.filter(thread_id=message.thread_id, channel=MessageChannel.EMAIL,
                                   status__in=THREADED_STATUSES, created_at__lte=message.created_at)
            .exclude(pk=message.pk).exclude(provider_id="")
            .order_by("created_at", "id").values_list("provider_id", flat=True))
    return list(rows)


def footer(message, outreach_settings=None) -> str:
    """Who is writing, on whose behalf, where they are and how to reach them; for commercial
    messages the unsubscribe link and the preference centre."""
    from . import links
    from .sender import signature

    s = outreach_settings or _settings(message)
    org = message.organization
    lines = [signature(org, message.created_by, s)]
    if org.postal_address.strip():
        lines.append(org.postal_address.strip())
    contact = s.contact_phone.strip() or s.sender_email.strip() or parseaddr(
        settings.DEFAULT_FROM_EMAIL)[1]
    lines.append(f"Contact: {contact}")
    if message.kind == MessageKind.COMMERCIAL and message.candidate_id is not None:
        lines += [
            "",
            "Unsubscribe from these emails: "
            f"{links.unsubscribe_url(message.candidate, 'email', message)}",
            "Choose how and when we contact you: "
            f"{links.preferences_url(message.candidate, message)}",
        ]
    return "\n".join(lines)


def email_text(message, outreach_settings=None) -> str:
    """The plain-text body that goes out: what the recruiter wrote, then the footer."""
    body = (message.body or "").rstrip()
    if message.kind == MessageKind.OPT_OUT_CONFIRMATION:
        return body + "\n"
    return f"{body}\n\n-- \n{footer(message, outreach_settings)}\n"


def build_email(message, *, outreach_settings=None, previous_ids: list[str] | None = None,
                connection=None, when=None) -> EmailMessage:
    """The Django `EmailMessage` for an outbound email row. Saves the Message-ID on the row the
    first time (so every retry sends the same one) and sets `message.sent_body`/`from_address`
    in memory; the caller stores them with the send."""
    from . import links
    from .threads import reply_address

    if message.channel != MessageChannel.EMAIL or message.direction != Direction.OUTBOUND:
        raise ValueError("build_email builds outbound emails only.")
    s = outreach_settings or _settings(message)
    message_id = ensure_message_id(message)
    if previous_ids is None:
        previous_ids = previous_message_ids(message)
    sender = from_address(message, s)
    headers = {
        "Message-ID": message_id,
        "Date": format_datetime((when or timezone.now()).astimezone(UTC)),
    }
    if message.purpose:
        headers["X-Rounds-Purpose"] = message.purpose
    if message.kind != MessageKind.COMMERCIAL:
        # Not written by a person to start a conversation: auto-responders keep quiet (RFC 3834).
        headers["Auto-Submitted"] = "auto-generated"
    if previous_ids:
        headers["In-Reply-To"] = previous_ids[-1]
        headers["References"] = " ".join(previous_ids[-MAX_REFERENCES:])
    if message.kind == MessageKind.COMMERCIAL and message.candidate_id is not None:
        web = links.unsubscribe_url(message.candidate, "email", message)
        headers["List-Unsubscribe"] = (
            f"<{web}>, <{links.unsubscribe_mailto(message.thread)}>" if message.thread_id
            else f"<{web}>"
        )
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text = email_text(message, s)
    message.sent_body = text
    message.from_address = sender
    email = EmailMessage(
        subject=message.subject or (message.thread.subject if message.thread_id else ""),
        body=text,
        from_email=sender,
        to=[message.to_address],
        reply_to=[reply_address(message.thread)] if message.thread_id else [],
        headers=headers,
        connection=connection,
    )
    # What its purpose attaches: a meeting's or a booking's iCalendar invite, say.
    from . import purposes

    for attachment in purposes.attachments(message):
        email.attach(*attachment)
    return email


def _settings(message):
    from .models import OutreachSettings

    return OutreachSettings.for_org(message.organization_id)
