"""Interview and call scheduling, the candidate's way: a few proposed times (they reply 1, 2 or
3 by text, or click one), or a self-scheduling link over the organizer's free slots.

A booking sends the candidate a transactional confirmation with an iCalendar invite
(METHOD:REQUEST, a UID that never changes); a reschedule bumps the SEQUENCE and sends the new
version; a cancel sends METHOD:CANCEL. The organizer gets the same invite by email.

Double booking: every booking and reschedule locks the organizer's user row first (PostgreSQL;
SQLite's IMMEDIATE transactions are already one writer at a time) and checks the organizer's
booked meetings again inside that lock. The caller owns the transaction; nothing here commits."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from rounds.candidates.actions import mark_changed

from . import ical
from .choices import MeetingKind, MeetingStatus, MessageChannel, MessageKind, Topic
from .models import Meeting, Message, OutreachSettings

log = logging.getLogger(__name__)

MIN_DURATION = 10
MAX_DURATION = 8 * 60
MAX_PROPOSED = 5
SLOT_STEP_MINUTES = 30  # self-scheduling slots start on the half hour (or every `duration`)
MIN_NOTICE = timedelta(hours=1)  # nobody books a slot that starts before the organizer hears
OFFER_DAYS = 10
VIAS = {"web": "by {actor}", "link": "by the candidate through the scheduling link",
        "sms": "by the candidate's text reply", "api": "through the API", "task": "automatically"}


class SlotTaken(ValidationError):
    """The chosen time was booked by someone else meanwhile (or clashes with a booking)."""


# --- Time zones and labels ---------------------------------------------------------------------


def _zone(name: str | None) -> ZoneInfo:
    from .policy import _zone as policy_zone

    return policy_zone(name or "UTC")


def org_zone(organization) -> ZoneInfo:
    return _zone(organization.time_zone)


def candidate_zone(candidate) -> ZoneInfo:
    """The zone the candidate reads times in: their own, else their phone's area code's, else
    the organization's (the same order the send policy uses)."""
    from .policy import zones_for

    zones, _source = zones_for(candidate, candidate.organization.time_zone or "UTC")
    return _zone(zones[0])


def when_label(when: datetime, zone: ZoneInfo, *, year: bool = False) -> str:
    """"Thu 19 Nov, 10:00 MST" in `zone` (the abbreviation follows DST)."""
    local = when.astimezone(zone)
    day = f"{local:%a} {local.day} {local:%b}" + (f" {local.year}" if year else "")
    return f"{day}, {local:%H:%M} {local.tzname()}"


def span_label(meeting: Meeting, zone: ZoneInfo) -> str:
    """"Thu 19 Nov 2026, 10:00–10:30 MST"."""
    start = meeting.starts_at.astimezone(zone)
    end = (meeting.starts_at + timedelta(minutes=meeting.duration_minutes)).astimezone(zone)
    return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}–{end:%H:%M} {end.tzname()}"


def parse_time(value) -> datetime:
    """An aware datetime from a datetime or an ISO string; raises ValueError otherwise."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(when, datetime) or timezone.is_naive(when):
        raise ValueError("a date and time with its time zone")
    return when.astimezone(UTC)


def proposed(meeting: Meeting) -> list[datetime]:
    """The times offered with the meeting, in UTC, in order."""
    return sorted(parse_time(v) for v in meeting.proposed_times or [])


# --- Free slots --------------------------------------------------------------------------------


def _hour_slots(organizer, *, days: int, duration: int, now: datetime) -> list[datetime]:
    """Every slot inside the organization's meeting hours, on its weekdays, from `now` (plus
    notice) for `days` calendar days, bookings ignored. Hours are wall-clock times in the
    organization's zone, so a 09:00 start stays 09:00 across a DST change."""
    conf = OutreachSettings.for_org(organizer.organization_id)
    zone = org_zone(organizer.organization)
    length = timedelta(minutes=duration)
    step = timedelta(minutes=min(duration, SLOT_STEP_MINUTES))
    earliest = now + MIN_NOTICE
    first: date = now.astimezone(zone).date()
    weekdays = set(conf.weekdays)
    slots = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        # datetime.combine with a ZoneInfo resolves a wall time inside a DST gap past the gap
        # (PEP 495, fold=0); meeting hours are normally far from 02:00 anyway.
        at = datetime.combine(day, conf.meeting_day_start, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(day, conf.meeting_day_end, tzinfo=zone).astimezone(UTC)
        while at + length <= end:
            if at >= earliest:
                slots.append(at)
            at += step
    return slots


def _busy(organizer_id: int, since: datetime, until: datetime,
          exclude_id: int | None = None) -> list[tuple[datetime, datetime, Meeting]]:
    """The organizer's booked meetings that overlap [since, until)."""
    qs = (Meeting.objects.filter(organizer_id=organizer_id, status=MeetingStatus.BOOKED,
                                 starts_at__lt=until,
                                 starts_at__gt=since - timedelta(minutes=MAX_DURATION))
          .only("id", "title", "starts_at", "duration_minutes"))
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    out = []
    for m in qs:
        end = m.starts_at + timedelta(minutes=m.duration_minutes)
        if end > since:
            out.append((m.starts_at, end, m))
    return out


def _clash(organizer_id: int, start: datetime, duration: int,
           exclude_id: int | None = None) -> Meeting | None:
    end = start + timedelta(minutes=duration)
    for _s, _e, m in _busy(organizer_id, start, end, exclude_id):
        return m
    return None


def free_slots(organizer, *, days: int = OFFER_DAYS, duration: int = 30,
               now: datetime | None = None) -> list[datetime]:
    """Start times (UTC) the organizer can meet for `duration` minutes: the organization's
    meeting hours on its weekdays, in its time zone, for `days` days from now, at least
    `MIN_NOTICE` ahead, minus anything overlapping the organizer's booked meetings."""
    now = now or timezone.now()
    slots = _hour_slots(organizer, days=days, duration=duration, now=now)
    if not slots:
        return []
    length = timedelta(minutes=duration)
    busy = _busy(organizer.pk, slots[0], slots[-1] + length)
    return [t for t in slots if not any(t < e and s < t + length for s, e, _m in busy)]


def offered_times(meeting: Meeting, *, now: datetime | None = None) -> list[datetime]:
    """What the candidate may choose from now: the proposed times still ahead and free, or
    the organizer's free slots for a self-scheduling link."""
    now = now or timezone.now()
    if meeting.proposed_times:
        return [t for t in proposed(meeting) if t > now
                and _clash(meeting.organizer_id, t, meeting.duration_minutes, meeting.pk) is None]
    return free_slots(meeting.organizer, duration=meeting.duration_minutes, now=now)


# --- Offering ----------------------------------------------------------------------------------


def _check_times(values, *, organizer, duration: int, now: datetime, zone: ZoneInfo) -> list:
    times = []
    for value in values:
        try:
            when = parse_time(value)
        except (TypeError, ValueError):
            raise ValidationError(
                {"proposed_times": f"“{value}” is not a date and time with a time zone."}
            ) from None
        if when <= now:
            raise ValidationError(
                {"proposed_times": f"{when_label(when, zone)} has already passed."}
            )
        taken = _clash(organizer.pk, when, duration)
        if taken is not None:
            raise ValidationError({"proposed_times": (
                f"{when_label(when, zone)} clashes with “{taken.title}”, already booked "
                f"at {when_label(taken.starts_at, zone)}.")})
        if when not in times:
            times.append(when)
    if len(times) > MAX_PROPOSED:
        raise ValidationError({"proposed_times": f"Offer at most {MAX_PROPOSED} times."})
    return sorted(times)


def do_offer_meeting(
    candidate, *, organizer, kind: str, title: str, location: str = "", duration: int = 30,
    proposed_times: list | None = None, application=None,
    send_by: str | None = MessageChannel.EMAIL, actor, now: datetime | None = None,
    key=None,
) -> Meeting:
    """Offer a meeting: a few `proposed_times` (aware datetimes or ISO strings), or, without
    them, a self-scheduling link over the organizer's free slots. With `send_by` (email or
    sms) the offer goes to the candidate through the outbox as a commercial message — the
    send policy decides whether it goes now, waits, or can't go; None sends nothing (the
    recruiter shares the link themselves). `key` is the meeting's UUID when its link was
    written before it existed (an answer carrying it). Raises ValidationError naming the
    field."""
    now = now or timezone.now()
    title = (title or "").strip()
    location = (location or "").strip()
    errors = {}
    if organizer.organization_id != candidate.organization_id or not organizer.is_active:
        errors["organizer"] = "The organizer must be an active user of this organization."
    if kind not in MeetingKind.values:
        errors["kind"] = "Choose what kind of meeting this is."
    if not title:
        errors["title"] = "Give the meeting a title (e.g. “Introductory call”)."
    elif len(title) > 200:
        errors["title"] = "Keep the title under 200 characters."
    if len(location) > 300:
        errors["location"] = "Keep the location under 300 characters."
    if not isinstance(duration, int) or not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration"] = f"Give a length between {MIN_DURATION} and {MAX_DURATION} minutes."
    if application is not None and application.candidate_id != candidate.pk:
        errors["application"] = "That application is not this candidate's."
    if send_by not in (None, "", MessageChannel.EMAIL, MessageChannel.SMS):
        errors["send_by"] = "Send the offer by email or by text, or not at all."
    if errors:
        raise ValidationError(errors)
    times = _check_times(proposed_times or [], organizer=organizer, duration=duration, now=now,
                         zone=org_zone(candidate.organization))
    meeting = Meeting.objects.create(
        organization_id=candidate.organization_id, candidate=candidate, application=application,
        organizer=organizer, kind=kind, title=title, location=location,
        duration_minutes=duration, proposed_times=[t.isoformat() for t in times], created_at=now,
        **({"uuid": key} if key is not None else {}),
    )
    mark_changed(candidate.pk)
    if send_by:
        offer_message(meeting, send_by, actor=actor, now=now)
    return meeting


def _sender(meeting: Meeting) -> str:
    """"Dana Whitfield at Aspen Ridge Family Health": the organizer, who every message about
    the meeting is from (the email's footer and the text's signature say it again)."""
    from .sender import signature

    organizer = meeting.organizer
    if not (organizer.get_full_name() or "").strip():
        return f"{organizer.email} at {meeting.organization.name}"
    return signature(meeting.organization, organizer, joiner=" at ")


def _with(title: str, who: str) -> str:
    """"Booked: Introductory call with Matthew Hamilton", never "… with Matthew Hamilton with
    Matthew Hamilton" when the title already names them."""
    return title if who and who.casefold() in title.casefold() else f"{title} with {who}"


def candidate_title(meeting: Meeting) -> str:
    """The title as the candidate reads it: "Introductory call", not "Introductory call with
    <their own name>"."""
    title = meeting.title.strip()
    for name in {meeting.candidate.full_name, meeting.candidate.first_name}:
        suffix = f" with {name}".casefold()
        if name and title.casefold().endswith(suffix) and len(title) > len(suffix):
            return title[:-len(suffix)].rstrip(" ,—-")
    return title


def reply_phrase(n: int) -> str:
    """"Reply 1", "Reply 1 or 2", "Reply 1, 2 or 3"."""
    numbers = [str(i) for i in range(1, n + 1)]
    if n <= 1:
        return "Reply 1"
    return f"Reply {', '.join(numbers[:-1])} or {numbers[-1]}"


def offer_body(meeting: Meeting, channel: str) -> tuple[str, str]:
    """(subject, body) of the offer, times in the candidate's zone."""
    from .links import meeting_url

    candidate = meeting.candidate
    zone = candidate_zone(candidate)
    first = candidate.preferred_name or candidate.first_name
    what = f"a {meeting.duration_minutes}-minute {meeting.get_kind_display().lower()}"
    url = meeting_url(meeting)
    times = proposed(meeting)
    title = candidate_title(meeting)
    subject = f"{title}: pick a time"
    if channel == MessageChannel.SMS:
        text = f"Hi {first}, it's {_sender(meeting)}. Could we book {what} ({title})?"
        if times:
            listed = " ".join(f"{i}) {when_label(t, zone)}" for i, t in enumerate(times, 1))
            text += f" {listed}. {reply_phrase(len(times))}, or pick here: {url}"
        else:
            text += f" Pick a time that suits you: {url}"
        return subject, text
    lines = [f"Hi {first},", "",
             f"{_sender(meeting)} here. Could we book {what} ({title})?"]
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    lines.append("")
    if times:
        lines.append(f"Here are a few times that work on our side ({zone.key} time):")
        lines += [f"  {i}. {when_label(t, zone)}" for i, t in enumerate(times, 1)]
        lines += ["", f"Pick one with a single click: {url}"]
    else:
        lines.append(f"Pick a time that suits you here (times shown in {zone.key}): {url}")
    none_suit = "none of these suits you" if times else "no time suits you"
    lines += ["", f"If {none_suit}, just reply and we'll find another."]
    return subject, "\n".join(lines)  # the footer signs it: the organizer, the organization


def offer_key(meeting: Meeting) -> str:
    return f"meeting-offer:{meeting.pk}"


def offer_message(meeting: Meeting, channel: str, *, actor, now: datetime | None = None) -> Message:
    """Queue the offer (a commercial message: it asks for the candidate's time) once. It is
    from the organizer, whoever (`actor`) offered the meeting on their calendar."""
    from .outbox import queue_message

    subject, body = offer_body(meeting, channel)
    return queue_message(
        meeting.candidate, channel=channel, subject=subject, body=body,
        idempotency_key=offer_key(meeting), actor=meeting.organizer,
        application=meeting.application,
        kind=MessageKind.COMMERCIAL, topic=Topic.JOBS, at=now,
    )


# --- Booking, moving, cancelling ---------------------------------------------------------------


def _lock(meeting: Meeting) -> Meeting:
    """Lock the organizer (one booking at a time per organizer), then the meeting, always in
    that order; return the meeting as it is now in the database."""
    from rounds.accounts.models import User

    list(User.objects.select_for_update().filter(pk=meeting.organizer_id).values_list("pk"))
    # of=("self",): the nullable application join can't be locked, and needn't be.
    return (Meeting.objects.select_for_update(of=("self",))
            .select_related("candidate__organization", "organizer", "organization",
                            "application__job")
            .get(pk=meeting.pk))


def _sync(target: Meeting, source: Meeting) -> None:
    """The caller's copy of the meeting shows what was just saved."""
    for field in ("status", "starts_at", "ical_sequence", "booked_at", "cancelled_at"):
        setattr(target, field, getattr(source, field))


def do_book(meeting: Meeting, starts_at, *, via: str = "link", actor=None,
            now: datetime | None = None) -> Meeting:
    """Book one of the times offered (a proposed time, or a free slot of a self-scheduling
    link). Refuses a time not offered, one in the past, one taken meanwhile (SlotTaken), and a
    meeting already booked or cancelled. Then confirms: a transactional email with the invite
    (and a text when they booked by text or have no email), the organizer's copy, the
    timeline."""
    now = now or timezone.now()
    try:
        start = parse_time(starts_at)
    except (TypeError, ValueError):
        raise ValidationError({"starts_at": "Choose one of the times offered."}) from None
    fresh = _lock(meeting)
    zone = candidate_zone(fresh.candidate)
    if fresh.status == MeetingStatus.BOOKED:
        raise ValidationError({"starts_at": (
            f"This meeting is already booked for {when_label(fresh.starts_at, zone)}.")})
    if fresh.status == MeetingStatus.CANCELLED:
        raise ValidationError({"starts_at": "This meeting was cancelled."})
    if fresh.proposed_times:
        choices = proposed(fresh)
    else:
        choices = _hour_slots(fresh.organizer, days=OFFER_DAYS, duration=fresh.duration_minutes,
                              now=now)
    if start <= now:
        raise ValidationError({"starts_at": f"{when_label(start, zone)} has passed."})
    if start not in choices:
        raise ValidationError({"starts_at": "That time is not one of those offered."})
    if _clash(fresh.organizer_id, start, fresh.duration_minutes, fresh.pk) is not None:
        raise SlotTaken({"starts_at": (
            f"Sorry, {when_label(start, zone)} was just taken. Please choose another time.")})
    fresh.status = MeetingStatus.BOOKED
    fresh.starts_at = start
    fresh.booked_at = now
    fresh.save(update_fields=["status", "starts_at", "booked_at"])
    _sync(meeting, fresh)
    mark_changed(fresh.candidate_id)
    _cancel_pending(fresh, offer_too=True, reason="The meeting was booked.")
    _log(fresh, "booked", actor=actor, via=via)
    _follow(fresh, actor=actor, via=via)
    _confirm(fresh, ical.REQUEST, actor=actor, via=via, now=now)
    return fresh


def do_reschedule(meeting: Meeting, starts_at, *, actor, via: str = "web",
                  now: datetime | None = None) -> Meeting:
    """Move a booked meeting (the recruiter agreed a new time with the candidate): same UID,
    SEQUENCE + 1, a new REQUEST to both sides. Refuses a past time and a clash."""
    now = now or timezone.now()
    try:
        start = parse_time(starts_at)
    except (TypeError, ValueError):
        raise ValidationError({"starts_at": "Give the new date and time."}) from None
    fresh = _lock(meeting)
    zone = org_zone(fresh.organization)
    if fresh.status != MeetingStatus.BOOKED:
        raise ValidationError({"starts_at": (
            "Only a booked meeting can be moved; this one is "
            f"{fresh.get_status_display().lower()}.")})
    if start <= now:
        raise ValidationError({"starts_at": f"{when_label(start, zone)} has already passed."})
    if start == fresh.starts_at:
        raise ValidationError({"starts_at": "That is already the meeting's time."})
    taken = _clash(fresh.organizer_id, start, fresh.duration_minutes, fresh.pk)
    if taken is not None:
        raise SlotTaken({"starts_at": (
            f"{when_label(start, zone)} clashes with “{taken.title}” at "
            f"{when_label(taken.starts_at, zone)}.")})
    previous = fresh.starts_at
    fresh.starts_at = start
    fresh.ical_sequence += 1
    fresh.save(update_fields=["starts_at", "ical_sequence"])
    _sync(meeting, fresh)
    mark_changed(fresh.candidate_id)
    _cancel_pending(fresh, reason="Superseded: the meeting was moved.")
    _log(fresh, "moved", actor=actor, via=via, previous=previous)
    _follow(fresh, actor=actor, via=via)
    _confirm(fresh, ical.REQUEST, actor=actor, via=via, now=now, previous=previous)
    return fresh


def do_cancel(meeting: Meeting, *, actor=None, via: str = "web", reason: str = "",
              now: datetime | None = None) -> Meeting:
    """Cancel a meeting. A booked one gets SEQUENCE + 1 and a METHOD:CANCEL invite to both
    sides; an offer not yet booked is withdrawn (its unsent offer message too)."""
    now = now or timezone.now()
    fresh = _lock(meeting)
    if fresh.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": "This meeting is already cancelled."})
    was_booked = fresh.status == MeetingStatus.BOOKED
    fresh.status = MeetingStatus.CANCELLED
    fresh.cancelled_at = now
    if was_booked:
        fresh.ical_sequence += 1
    fresh.save(update_fields=["status", "cancelled_at", "ical_sequence"])
    _sync(meeting, fresh)
    mark_changed(fresh.candidate_id)
    _cancel_pending(fresh, offer_too=True, reason="The meeting was cancelled.")
    _log(fresh, "cancelled", actor=actor, via=via, note=reason)
    _follow(fresh, actor=actor, via=via)
    if was_booked:
        _confirm(fresh, ical.CANCEL, actor=actor, via=via, now=now, note=reason)
    return fresh


def _cancel_pending(meeting: Meeting, *, reason: str, offer_too: bool = False) -> int:
    """Unsent messages about an earlier version of the meeting must not go out after it."""
    from django.db.models import Q

    from .outbox import cancel_pending

    match = Q(idempotency_key__startswith=f"meeting:{meeting.pk}:")
    if offer_too:
        match |= Q(idempotency_key=offer_key(meeting))
    return cancel_pending(
        Message.objects.filter(organization_id=meeting.organization_id).filter(match), reason
    )


# --- Confirmations and the timeline ------------------------------------------------------------


def confirmation_text(meeting: Meeting, method: str, *, previous: datetime | None = None,
                      note: str = "", short: bool = False) -> tuple[str, str]:
    """(subject, body) telling the candidate the meeting is booked, moved or cancelled."""
    from .links import meeting_url

    candidate = meeting.candidate
    zone = candidate_zone(candidate)
    first = candidate.preferred_name or candidate.first_name
    what = meeting.get_kind_display().lower()
    when = span_label(meeting, zone)
    with_whom = _sender(meeting)
    url = meeting_url(meeting)
    title = candidate_title(meeting)
    if method == ical.CANCEL:
        subject = f"Cancelled: {title}, {when_label(meeting.starts_at, zone)}"
        head = f"Your {what} with {with_whom} on {when} is cancelled."
    elif previous is not None:
        subject = f"Moved: {title}, now {when_label(meeting.starts_at, zone)}"
        head = (f"Your {what} with {with_whom} has moved from "
                f"{when_label(previous, zone)} to {when}.")
    else:
        subject = f"Confirmed: {title}, {when_label(meeting.starts_at, zone)}"
        head = f"Your {what} with {with_whom} is booked for {when}."
    if short:
        return subject, f"{head} Details: {url}"
    lines = [f"Hi {first},", "", head]
    if note:
        lines += ["", note]
    if method != ical.CANCEL:
        if meeting.location:
            lines.append(f"Where: {meeting.location}")
        lines += ["", "The calendar invite is attached."]
    lines.append(f"Details: {url}")
    return subject, "\n".join(lines)  # the footer signs it: the organizer, the organization


def _confirm(meeting: Meeting, method: str, *, actor, via: str, now: datetime,
             previous: datetime | None = None, note: str = "") -> list[Message]:
    """The candidate's transactional confirmation (email with the invite: the email builder
    attaches `ical.attachment_for(message)`; a text as well when they booked by text or have
    no email), and the organizer's copy of the invite once the transaction commits."""
    from .outbox import queue_message

    candidate = meeting.candidate
    key = ical.confirmation_key(meeting, method)
    sent = []
    if candidate.email:
        subject, body = confirmation_text(meeting, method, previous=previous, note=note)
        sent.append(queue_message(
            candidate, channel=MessageChannel.EMAIL, subject=subject, body=body,
            idempotency_key=key, actor=meeting.organizer, application=meeting.application,
            kind=MessageKind.TRANSACTIONAL, at=now,
        ))
    if candidate.phone and (via == "sms" or not candidate.email):
        subject, body = confirmation_text(meeting, method, previous=previous, short=True)
        sent.append(queue_message(
            candidate, channel=MessageChannel.SMS, subject=subject, body=body,
            idempotency_key=f"{key}:text", actor=meeting.organizer,
            application=meeting.application, kind=MessageKind.TRANSACTIONAL, at=now,
        ))
    _email_organizer(meeting, method, now=now, previous=previous)
    return sent


def _email_organizer(meeting: Meeting, method: str, *, now: datetime,
                     previous: datetime | None) -> None:
    organizer = meeting.organizer
    if not organizer.email:
        return
    zone = org_zone(meeting.organization)
    when = span_label(meeting, zone)
    who = meeting.candidate.full_name
    what = _with(meeting.title, who)
    if method == ical.CANCEL:
        subject, head = f"Cancelled: {what}", f"Cancelled: {when}."
    elif previous is not None:
        subject = f"Moved: {what}"
        head = f"Moved from {when_label(previous, zone)} to {when}."
    else:
        subject, head = f"Booked: {what}", f"Booked for {when}."
    body = f"{head}\n\n{ical.description(meeting)}\n"
    content = ical.invite(meeting, method=method, now=now)

    def send() -> None:
        email = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                             to=[organizer.email])
        email.attach(ical.FILENAME, content, ical.mimetype(method))
        email.send()

    # Only once the booking is saved; a mail server that is down must not undo the booking
    # (robust: the failure is logged, the candidate's confirmation still goes by the outbox).
    transaction.on_commit(send, robust=True)


def _follow(meeting: Meeting, *, actor, via: str) -> None:
    """The application's next action follows the meeting (booked, moved, cancelled)."""
    from rounds.pipeline.actions import do_follow_meeting

    do_follow_meeting(meeting, actor=actor, via=via)


def _log(meeting: Meeting, what: str, *, actor, via: str, previous: datetime | None = None,
         note: str = ""):
    from rounds.activities.actions import do_log_meeting

    zone = org_zone(meeting.organization)
    kind = meeting.get_kind_display()
    if what == "cancelled" and meeting.starts_at is None:
        subject, body = f"{kind} offer withdrawn: {meeting.title}", ""
    else:
        subject = f"{kind} {what}: {meeting.title}"
        body = span_label(meeting, zone) + f" ({zone.key})."
        if previous is not None:
            body += f" Was {when_label(previous, zone)}."
    by = VIAS.get(via, "by {actor}").format(actor=actor or "someone")
    body = f"{body} {what.capitalize()} {by}.".strip()
    if note:
        body += f"\n{note}"
    return do_log_meeting(
        meeting.candidate, actor=actor, subject=subject[:200], body=body,
        duration_minutes=meeting.duration_minutes, application=meeting.application,
        via=via,
    )


# --- Text replies ------------------------------------------------------------------------------

REPLY_RE = re.compile(r"^\W*(?:option\s*|#\s*)?([1-9])\W*$", re.IGNORECASE)


def choice_from_text(text: str) -> int | None:
    """1-9 when the text is just a number ("2", "#2", "2.", "option 2"), else None."""
    found = REPLY_RE.match((text or "").strip())
    return int(found.group(1)) if found else None


def book_from_reply(candidate, text: str, *, now: datetime | None = None) -> Meeting | None:
    """Book the candidate's latest pending proposal from a text reply "1", "2", "3"… Returns
    the booked meeting, or None when the text is not such a reply, there is no pending
    proposal, the number is not one offered, or the time was taken meanwhile (then the
    candidate is told so by text with the link to choose another). Call it inside the inbound
    message's transaction; it uses a savepoint, so a refusal leaves nothing half-written."""
    number = choice_from_text(text)
    if number is None:
        return None
    pending = (Meeting.objects.filter(candidate=candidate, status=MeetingStatus.PROPOSED)
               .order_by("-created_at", "-id"))
    meeting = next((m for m in pending if m.proposed_times), None)
    if meeting is None:
        return None
    times = proposed(meeting)
    if number > len(times):
        return None
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return do_book(meeting, times[number - 1], via="sms", now=now)
    except SlotTaken:
        _tell_taken(meeting, times[number - 1], now=now)
        return None
    except ValidationError:
        return None


def _tell_taken(meeting: Meeting, start: datetime, *, now: datetime) -> None:
    from .links import meeting_url
    from .outbox import queue_message

    zone = candidate_zone(meeting.candidate)
    body = (f"Sorry, {when_label(start, zone)} was just taken. Please pick another time here: "
            f"{meeting_url(meeting)}")
    queue_message(
        meeting.candidate, channel=MessageChannel.SMS, body=body,
        idempotency_key=f"meeting-taken:{meeting.pk}:{start:%Y%m%dT%H%M}", actor=meeting.organizer,
        kind=MessageKind.TRANSACTIONAL, application=meeting.application, at=now,
    )


def messages_for(meeting: Meeting):
    """The offer and every confirmation of this meeting, newest first."""
    from django.db.models import Q

    return Message.objects.filter(organization_id=meeting.organization_id).filter(
        Q(idempotency_key=offer_key(meeting))
        | Q(idempotency_key__startswith=f"meeting:{meeting.pk}:")
        | Q(idempotency_key__startswith=f"meeting-taken:{meeting.pk}:")
    ).order_by("-created_at", "-id")


def time_choices(times: list[datetime], zone: ZoneInfo) -> list[tuple[str, str]]:
    """(ISO value, label) pairs for forms and buttons."""
    return [(t.isoformat(), when_label(t, zone)) for t in times]


def group_by_day(times: list[datetime], zone: ZoneInfo) -> list[dict]:
    """Times grouped under their local day, for the self-scheduling page."""
    days: list[dict] = []
    for t in times:
        local = t.astimezone(zone)
        label = f"{local:%A} {local.day} {local:%B}"
        if not days or days[-1]["label"] != label:
            days.append({"label": label, "times": []})
        days[-1]["times"].append({"value": t.isoformat(), "label": f"{local:%H:%M}",
                                  "zone": local.tzname()})
    return days
