"""The calendar invite of a shift booking (RFC 5545 objects, RFC 5546 methods), written with
outreach's iCalendar helpers (folding, escaping, UTC stamps).

One booking is one VEVENT whose UID (`Booking.ical_uid`) never changes. The cancel bumps
`Booking.ical_sequence`, so the member's calendar replaces the event rather than adding one;
a cancel is METHOD:CANCEL with STATUS:CANCELLED. Times are in UTC (no VTIMEZONE needed).

The confirmation is an outbox row (transactional email) carrying no file of its own:
`attachment_for(message)` rebuilds the invite from the row's idempotency key
(`booking:<id>:seq<n>:<request|cancel>`); outreach's email builder attaches what it returns."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone

from rounds.outreach import ical as outreach_ical
from rounds.outreach.ical import (
    CANCEL,
    FILENAME,
    METHODS,
    REQUEST,
    escape_text,
    mimetype,
    param_value,
)

PRODID = "-//Rounds//Locums//EN"
def confirmation_key(booking, method: str = REQUEST) -> str:
    """The idempotency key of the member's email for the booking's current version."""
    return outreach_ical.confirmation_key(booking, method, kind="booking")


def parse_key(key: str) -> tuple[int, int, str] | None:
    """(booking id, sequence, method) from a confirmation key, or None for any other key."""
    return outreach_ical.parse_key(key, kind="booking")


def organizer(booking) -> tuple[str, str]:
    """(name, address) of the organizer: the person the member deals with about the shift at
    the organization (as the confirmation is from), at the organization's sender address,
    else the site's From address (an ORGANIZER must have one)."""
    from rounds.outreach.models import OutreachSettings
    from rounds.outreach.sender import display_name

    from .words import offer_sender

    s = OutreachSettings.for_org(booking.organization_id)
    person = offer_sender(booking.offer) if booking.offer_id else booking.shift.created_by
    name = display_name(booking.organization, person, s)
    return name, s.sender_email.strip() or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _attendee(candidate) -> str:
    if candidate.email:
        return f"mailto:{candidate.email}"
    if candidate.phone:
        return f"tel:{candidate.phone_normalized or candidate.phone}"  # any URI is a CAL-ADDRESS
    return ""


def invite(booking, *, method: str = REQUEST, now: datetime | None = None) -> str:
    """The booking as an iCalendar object, CRLF line endings, lines folded. REQUEST confirms
    (STATUS:CONFIRMED); CANCEL withdraws it (STATUS:CANCELLED)."""
    from .words import details, shift_title

    if method not in METHODS:
        raise ValueError(f"Unknown iCalendar method {method!r}.")
    now = now or timezone.now()
    shift, candidate = booking.shift, booking.candidate
    org_name, org_email = organizer(booking)
    where = ", ".join(p for p in (shift.site.name, shift.site.one_line_address.replace(
        " · ", ", ")) if p)
    lines = [
        f"SUMMARY:{escape_text(shift_title(shift))}",
        f"LOCATION:{escape_text(where)}",
        f"DESCRIPTION:{escape_text(details(shift, candidate))}",
        f"ORGANIZER;CN={param_value(org_name)}:mailto:{org_email}",
    ]
    attendee = _attendee(candidate)
    if attendee:
        lines.append(
            f"ATTENDEE;CN={param_value(candidate.full_name)};ROLE=REQ-PARTICIPANT;"
            f"PARTSTAT=ACCEPTED:{attendee}"
        )
    return outreach_ical.calendar(
        method, prodid=PRODID, uid=booking.ical_uid, sequence=booking.ical_sequence,
        start=booking.starts_at, end=booking.ends_at, now=now, properties=lines,
    )


def current_method(booking) -> str:
    from .choices import BookingStatus

    return CANCEL if booking.status == BookingStatus.CANCELLED else REQUEST


def attachment_for(message) -> tuple[str, str, str] | None:
    """The invite to attach to an outbox message, as (filename, content, mimetype), or None
    when the message is not a booking confirmation or cancellation.

    If the booking moved on since the message was written (cancelled before the confirmation
    went), the invite is its current version: an old email must never put a cancelled shift
    in a calendar."""
    parsed = parse_key(message.idempotency_key)
    if parsed is None:
        return None
    from .models import Booking

    booking_id, sequence, method = parsed
    booking = (Booking.objects.select_related("shift__site", "candidate__organization",
                                              "organization")
               .filter(pk=booking_id, organization_id=message.organization_id).first())
    if booking is None:
        return None
    if booking.ical_sequence != sequence:
        method = current_method(booking)
    return FILENAME, invite(booking, method=method), mimetype(method)
