"""Signed links in messages: unsubscribe, the preference centre and self-scheduling. They need
no login and never expire (an unsubscribe must work at least 60 days after sending; ours
always does); the signature stops anyone from forging one for another person or meeting."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

UNSUBSCRIBE = "outreach.unsubscribe"
PREFERENCES = "outreach.preferences"
MEETING = "outreach.meeting"


def _signer(salt: str) -> signing.Signer:
    return signing.Signer(salt=salt, algorithm="sha256")


def make_token(salt: str, value: str) -> str:
    return _signer(salt).sign(value)


def read_token(salt: str, token: str) -> str | None:
    """The signed value, or None when the token was altered or made for another purpose."""
    try:
        return _signer(salt).unsign(token)
    except signing.BadSignature:
        return None


def absolute(path: str) -> str:
    from rounds.lib.public import absolute as public_absolute

    return public_absolute(path)


def _message_part(message) -> str:
    """The message a link came in, so its page can name who sent it (see sender.py)."""
    return f".{message.pk}" if message is not None and message.pk else ""


def unsubscribe_token(candidate, channel: str, message=None) -> str:
    return make_token(UNSUBSCRIBE, f"{candidate.uuid.hex}.{channel}{_message_part(message)}")


def unsubscribe_url(candidate, channel: str = "email", message=None) -> str:
    token = unsubscribe_token(candidate, channel, message)
    return absolute(reverse("outreach_public:unsubscribe", args=[token]))


def read_unsubscribe(token: str) -> tuple[str, str, int | None] | None:
    """(candidate uuid hex, channel, id of the message the link came in, if it says) from an
    unsubscribe token; None when it was altered. Links from before the message was named
    still work."""
    value = read_token(UNSUBSCRIBE, token)
    if value is None:
        return None
    uuid_hex, _, rest = value.partition(".")
    channel, _, message_id = rest.partition(".")
    return uuid_hex, channel, int(message_id) if message_id.isdigit() else None


def preferences_token(candidate, message=None) -> str:
    return make_token(PREFERENCES, f"{candidate.uuid.hex}{_message_part(message)}")


def read_preferences(token: str) -> tuple[str, int | None] | None:
    """(candidate uuid hex, id of the message the link came in, if it says), or None."""
    value = read_token(PREFERENCES, token)
    if value is None:
        return None
    uuid_hex, _, message_id = value.partition(".")
    return uuid_hex, int(message_id) if message_id.isdigit() else None


def unsubscribe_mailto(thread) -> str:
    """The mailto half of List-Unsubscribe: mail to unsubscribe+<thread token>@ unsubscribes
    the thread's candidate from email (inbound email routing). The token is lower-case hex, so
    it survives mail systems that fold the case of addresses."""
    return f"mailto:unsubscribe+{thread.reply_token}@{settings.REPLY_DOMAIN}?subject=unsubscribe"


def preferences_url(candidate, message=None) -> str:
    token = preferences_token(candidate, message)
    return absolute(reverse("outreach_public:preferences", args=[token]))


def meeting_url(meeting) -> str:
    token = make_token(MEETING, meeting.uuid.hex)
    return absolute(reverse("outreach_public:meeting", args=[token]))
