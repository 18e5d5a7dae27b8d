"""iCalendar invites for meetings (RFC 5545 objects, RFC 5546 methods), written by hand: the
format is small and a dependency would not save real code.

One meeting is one VEVENT whose UID never changes. Every reschedule and the cancel bump
`Meeting.ical_sequence`, so calendars replace the earlier version instead of adding a second
event; a cancel is METHOD:CANCEL with STATUS:CANCELLED. Times are written in UTC, which needs no
VTIMEZONE and reads the same everywhere.

The candidate's confirmation is an outbox row with the purpose `scheduling.confirmation` (or
`.cancellation`) and the meeting as its record. It carries no file of its own: the purpose's
`attachments` (`meeting_attachments`) rebuild the invite when the email is built. `calendar`
is the envelope every invite is written in (locum bookings use it too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone

REQUEST = "REQUEST"
CANCEL = "CANCEL"
METHODS = (REQUEST, CANCEL)
PRODID = "-//Rounds//Outreach//EN"
FILENAME = "invite.ics"
LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than 75 octets are folded

def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, every line
    break written as \\n."""
    value = (value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _strip_controls(value)


def param_value(value: str) -> str:
    """A parameter value (e.g. CN): quoted when it holds ':', ';' or ','; a double quote can't
    appear in one at all (RFC 5545 3.2), so it is dropped."""
    value = _strip_controls((value or "").replace('"', "").replace("\n", " ").replace("\r", " "))
    if any(ch in value for ch in ":;,"):
        return f'"{value}"'
    return value


def _strip_controls(value: str) -> str:
    # Control characters other than tab are not allowed in content lines.
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 0x20 and ord(ch) != 0x7F)


def fold(line: str) -> str:
    """Fold one content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character.
    Continuation lines start with a space, which counts toward their 75 octets."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line
    parts = []
    start, limit = 0, LINE_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte: back up
            end -= 1
        parts.append(data[start:end].decode("utf-8"))
        start, limit = end, LINE_OCTETS - 1
    return "\r\n ".join(parts)


def utc_stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _address(email: str) -> str:
    return f"mailto:{email}"


def organizer_email(meeting) -> str:
    """The organizer's address; the organization's sender or the site's From when they have
    none (an ORGANIZER must have one)."""
    if meeting.organizer.email:
        return meeting.organizer.email
    from rounds.messaging.models import OutreachSettings

    sender = OutreachSettings.for_org(meeting.organization_id).sender_email
    return sender or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _attendee_address(candidate) -> str:
    if candidate.email:
        return _address(candidate.email)
    if candidate.phone:
        return f"tel:{candidate.phone}"  # a CAL-ADDRESS is any URI
    return ""


def description(meeting) -> str:
    from .links import meeting_url

    organizer = meeting.organizer
    lines = [
        f"{meeting.get_kind_display()} with {organizer.get_full_name() or organizer.email}"
        f" ({meeting.organization.name}) and {meeting.candidate.full_name}.",
        f"{meeting.duration_minutes} minutes.",
    ]
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    if meeting.application_id:
        lines.append(f"About: {meeting.application.job.title}")
    lines.append(f"Details: {meeting_url(meeting)}")
    return "\n".join(lines)


def invite(meeting, *, method: str = REQUEST, now: datetime | None = None) -> str:
    """The meeting's current version as an iCalendar object, CRLF line endings, lines folded.
    REQUEST confirms (STATUS:CONFIRMED); CANCEL withdraws it (STATUS:CANCELLED)."""
    if method not in METHODS:
        raise ValueError(f"Unknown iCalendar method {method!r}.")
    if meeting.starts_at is None:
        raise ValueError("A meeting without a time has no invite yet.")
    now = now or timezone.now()
    start = meeting.starts_at
    end = start + timedelta(minutes=meeting.duration_minutes)
    organizer = meeting.organizer
    candidate = meeting.candidate
    lines = [f"SUMMARY:{escape_text(meeting.title)}"]
    if meeting.location:
        lines.append(f"LOCATION:{escape_text(meeting.location)}")
    lines.append(f"DESCRIPTION:{escape_text(description(meeting))}")
    name = organizer.get_full_name() or organizer.email
    lines.append(f"ORGANIZER;CN={param_value(name)}:{_address(organizer_email(meeting))}")
    attendee = _attendee_address(candidate)
    if attendee:
        lines.append(
            f"ATTENDEE;CN={param_value(candidate.full_name)};ROLE=REQ-PARTICIPANT;"
            f"PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{attendee}"
        )
    return calendar(method, prodid=PRODID, uid=meeting.ical_uid, sequence=meeting.ical_sequence,
                    start=start, end=end, now=now, properties=lines)


def calendar(method: str, *, prodid: str, uid: str, sequence: int, start: datetime,
             end: datetime, now: datetime, properties: list[str]) -> str:
    """One VEVENT in a VCALENDAR (RFC 5545/5546): the envelope, UID, DTSTAMP, times in UTC,
    SEQUENCE and STATUS around the event's own `properties`; CRLF, lines folded. Meetings and
    locum bookings both write their invites with it."""
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{prodid}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"DTSTART:{utc_stamp(start)}",
        f"DTEND:{utc_stamp(end)}",
        f"SEQUENCE:{sequence}",
        *properties,
        f"STATUS:{'CANCELLED' if method == CANCEL else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def mimetype(method: str) -> str:
    return f"text/calendar; method={method}"


def current_method(meeting) -> str:
    from .choices import MeetingStatus

    return CANCEL if meeting.status == MeetingStatus.CANCELLED else REQUEST


def meeting_attachments(message) -> list[tuple[str, str, str]]:
    """The invite an email about a meeting carries, as [(filename, content, mimetype)]: the
    meeting's version the message was written for (`ref_step`), its method from the purpose.
    If the meeting has moved on since (rescheduled or cancelled again before this one went),
    the invite is its current version: an old email must never put a stale time in a
    calendar."""
    from .models import Meeting

    meeting = (Meeting.objects.select_related("organizer", "candidate", "organization",
                                              "application__job")
               .filter(pk=message.ref_id, organization_id=message.organization_id).first())
    if meeting is None or meeting.starts_at is None:
        return []
    method = CANCEL if message.purpose.endswith("cancel") or message.purpose.endswith(
        "cancellation") else REQUEST
    if message.ref_step is not None and meeting.ical_sequence != message.ref_step:
        method = current_method(meeting)
    return [(FILENAME, invite(meeting, method=method), mimetype(method))]
