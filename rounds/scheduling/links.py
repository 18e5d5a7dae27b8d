"""The self-scheduling link in a meeting offer: signed, no login, never expires."""

from __future__ import annotations

from django.urls import reverse

from rounds.messaging.links import absolute, make_token, read_token

MEETING = "outreach.meeting"  # the salt links were first signed with: sent links keep working


def meeting_token(meeting) -> str:
    return make_token(MEETING, meeting.uuid.hex)


def read_meeting_token(token: str) -> str | None:
    return read_token(MEETING, token)


def meeting_url(meeting) -> str:
    return absolute(reverse("scheduling_public:meeting", args=[meeting_token(meeting)]))
