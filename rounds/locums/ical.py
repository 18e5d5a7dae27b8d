"""The calendar invite of a shift booking (RFC 5545 objects, RFC 5546 methods), written with
outreach's iCalendar helpers (folding, escaping, UTC stamps).

One booking is one VEVENT whose UID (`Booking.ical_uid`) never changes. The cancel bumps
`Booking.ical_sequence`, so the member's calendar replaces the event rather than adding one;
a cancel is METHOD:CANCEL with STATUS:CANCELLED. Times are in UTC (no VTIMEZONE needed).

The confirmation is an outbox row (purpose `locums.booking`, its record the booking) carrying
no file of its own: the purpose's attachments (`booking_attachments`) rebuild the invite when
the email is built."""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone

from rounds.scheduling import ical as calendars
from rounds.scheduling.ical import (
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
    if method not in METHODS:
        raise ValueError(f"Unknown iCalendar method {method!r}.")
    return f"booking:{booking.pk}:seq{booking.ical_sequence}:{method.lower()}"


def organizer(booking) -> tuple[str, str]:
    """(name, address) of the organizer: the person the member deals with about the shift at
    the organization (as the confirmation is from), at the organization's sender address,
    else the site's From address (an ORGANIZER must have one)."""
    from rounds.messaging.models import OutreachSettings
    from rounds.messaging.sender import display_name

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
    return calendars.calendar(
        method, prodid=PRODID, uid=booking.ical_uid, sequence=booking.ical_sequence,
        start=booking.starts_at, end=booking.ends_at, now=now, properties=lines,
    )


def current_method(booking) -> str:
    from .choices import BookingStatus

    return CANCEL if booking.status == BookingStatus.CANCELLED else REQUEST


def booking_attachments(message) -> list[tuple[str, str, str]]:
    """The invite an email about a booking carries (the purposes `locums.booking` and
    `locums.booking_cancelled`), as [(filename, content, mimetype)]: the version the message
    was written for (`ref_step`). If the booking moved on since (cancelled before the
    confirmation went), the invite is its current version: an old email must never put a
    cancelled shift in a calendar."""
    from .models import Booking
    from .purposes import BOOKING_CANCELLED

    booking = (Booking.objects.select_related("shift__site", "candidate__organization",
                                              "organization")
               .filter(pk=message.ref_id, organization_id=message.organization_id).first())
    if booking is None:
        return []
    method = CANCEL if message.purpose == BOOKING_CANCELLED else REQUEST
    if message.ref_step is not None and booking.ical_sequence != message.ref_step:
        method = current_method(booking)
    return [(FILENAME, invite(booking, method=method), mimetype(method))]
