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
    return f"{settings.PUBLIC_URL}{path}"


def unsubscribe_token(candidate, channel: str) -> str:
    return make_token(UNSUBSCRIBE, f"{candidate.uuid.hex}.{channel}")


def unsubscribe_url(candidate, channel: str = "email") -> str:
    token = unsubscribe_token(candidate, channel)
    return absolute(reverse("outreach_public:unsubscribe", args=[token]))


def unsubscribe_mailto(thread) -> str:
    """The mailto half of List-Unsubscribe: mail to unsubscribe+<thread token>@ unsubscribes
    the thread's candidate from email (inbound email routing). The token is lower-case hex, so
    it survives mail systems that fold the case of addresses."""
    return f"mailto:unsubscribe+{thread.reply_token}@{settings.REPLY_DOMAIN}?subject=unsubscribe"


def preferences_url(candidate) -> str:
    token = make_token(PREFERENCES, candidate.uuid.hex)
    return absolute(reverse("outreach_public:preferences", args=[token]))


def meeting_url(meeting) -> str:
    token = make_token(MEETING, meeting.uuid.hex)
    return absolute(reverse("outreach_public:meeting", args=[token]))
