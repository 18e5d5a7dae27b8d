"""Accepting, declining, cancelling and completing shifts: the writes after a broadcast.

The first valid acceptance books a shift, and a shift is never booked twice nor a member twice
at the same time, under any concurrency:

- Every write about a shift starts by locking the shift row, then (when booking) the member
  row, always in that order, so two accepts of one shift queue up on the shift and two accepts
  of one member for overlapping shifts queue up on the member — never a deadlock.
  On PostgreSQL that is `SELECT … FOR UPDATE`; each waiter re-reads the shift and the member's
  bookings after the lock is granted (READ COMMITTED takes a fresh snapshot per statement).
  On SQLite `select_for_update()` does nothing, but the settings open every transaction with
  `BEGIN IMMEDIATE` (`transaction_mode`), which takes the database's write lock at BEGIN:
  writers are serialized whole, and the reads made inside see the winner's commit.
- The partial unique constraint `booking_one_per_shift` is the last line of defence: if a
  booking slips past the lock it fails there, and that acceptance is waitlisted.

Actions never commit: each runs in `transaction.atomic()` (a savepoint inside the caller's
transaction) and queues messages through the outbox, which delivers on commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import mark_changed
from rounds.outreach import outbox
from rounds.outreach.choices import MessageChannel, MessageKind, Topic
from rounds.outreach.models import Message

from .choices import BookingStatus, CancelledBy, OfferStatus, ShiftStatus
from .models import Booking, NetworkMember, Shift, ShiftOffer

log = logging.getLogger(__name__)

# What an acceptance came to. Not stored (the offer's status is), so plain constants rather
# than model choices.
BOOKED = "booked"
WAITLISTED = "waitlisted"
REFUSED = "refused"
ALREADY_YOURS = "already_yours"
CLOSED = "closed"

# Offers still waiting for an answer: withdrawn when the shift fills or is cancelled.
PENDING_OFFERS = (OfferStatus.QUEUED, OfferStatus.SENT, OfferStatus.LATER_TIER)
FILLED_REASON = "The shift was filled by another locum before they answered."
REOPENED_REASON = "Offered again from the waitlist."


@dataclass
class AcceptResult:
    """What came of an acceptance: the outcome, the booking when there is one (theirs, for
    booked and already_yours), a sentence for the member, and their place on the waitlist."""

    outcome: str
    booking: Booking | None
    message: str
    offer: ShiftOffer | None = None
    waitlist_position: int | None = None  # 1 = next in line

    @property
    def booked(self) -> bool:
        return self.outcome in (BOOKED, ALREADY_YOURS)


# --- Words ---


def shift_title(shift: Shift) -> str:
    """"Locum shift: Physician — Family Medicine at Red Deer Clinic"."""
    what = shift.get_profession_display()
    if shift.specialty:
        what = f"{what} — {shift.specialty}"
    return f"Locum shift: {what} at {shift.site.name}"


def when_text(shift: Shift, candidate) -> str:
    """The shift's span in the member's zone: "Thu 10 Dec 2026, 08:00 MST – Fri 11 Dec 2026,
    08:00 MST"."""
    from rounds.outreach.meetings import candidate_zone, when_label

    zone = candidate_zone(candidate)
    return (f"{when_label(shift.starts_at, zone, year=True)} – "
            f"{when_label(shift.ends_at, zone, year=True)}")


def rate_text(shift: Shift) -> str:
    if shift.rate is None:
        return ""
    return f"{shift.rate:,.2f} {shift.currency} {shift.get_rate_unit_display()}"


def details(shift: Shift, candidate) -> str:
    """The shift in a few lines, for the confirmation and the pages."""
    lines = [shift_title(shift), f"When: {when_text(shift, candidate)}"]
    where = shift.site.one_line_address
    lines.append(f"Where: {shift.site.name}" + (f", {where}" if where else ""))
    if rate_text(shift):
        lines.append(f"Rate: {rate_text(shift)}")
    if shift.terms.strip():
        lines.append(f"Terms: {shift.terms.strip()}")
    return "\n".join(lines)


def _day(shift: Shift, candidate) -> str:
    from rounds.outreach.meetings import candidate_zone

    local = shift.starts_at.astimezone(candidate_zone(candidate))
    return f"{local:%a} {local.day} {local:%b}"


def _sender(shift: Shift) -> str:
    from rounds.outreach.optout import sender_name

    return sender_name(shift.organization)


# --- Locks ---


def _lock_shift(shift_id: int) -> Shift:
    """The shift row, locked for the rest of the transaction (see the module docstring)."""
    qs = Shift.objects.select_related("site", "organization")
    if connection.features.has_select_for_update_of:
        # Lock the shift only, not the site and organization rows joined to it.
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=shift_id)


def _lock_member(member_id: int) -> NetworkMember:
    return NetworkMember.objects.select_for_update().get(pk=member_id)


def _fresh_offer(offer: ShiftOffer) -> ShiftOffer:
    # Read after the shift lock: what another transaction wrote before it is visible now.
    return ShiftOffer.objects.select_related("candidate__organization", "member").get(pk=offer.pk)


# --- Accepting ---


def do_accept(offer: ShiftOffer, *, via: str, at: datetime | None = None) -> AcceptResult:
    """The member said yes (by the link, `via="link"`, or by text, `via="sms"`).

    Booked when the shift is open and they are free then; waitlisted (and told, once) when
    someone else booked it first; refused when they are booked elsewhere at that time;
    already_yours when they booked it before; closed when it is cancelled, completed or has
    started. Safe to call concurrently for any number of offers of one shift."""
    at = at or timezone.now()
    with transaction.atomic():
        shift = _lock_shift(offer.shift_id)
        offer = _fresh_offer(offer)
        offer.shift = shift
        candidate = offer.candidate

        if shift.status in (ShiftStatus.CANCELLED, ShiftStatus.COMPLETED):
            word = "cancelled" if shift.status == ShiftStatus.CANCELLED else "completed"
            return AcceptResult(CLOSED, None, f"Sorry — this shift was {word}.", offer)
        if shift.starts_at <= at:
            return AcceptResult(CLOSED, None, "Sorry — this shift has already started.", offer)

        active = Booking.objects.active().filter(shift=shift).first()
        if active is not None and active.member_id == offer.member_id:
            return AcceptResult(ALREADY_YOURS, active,
                                "You're already booked on this shift.", offer)
        if active is not None:
            return _waitlist(shift, offer, via=via, at=at)
        if Booking.objects.filter(shift=shift, member_id=offer.member_id,
                                  cancelled_by=CancelledBy.CLINIC).exists():
            return AcceptResult(CLOSED, None, "The clinic cancelled your booking on this "
                                "shift; please contact them.", offer)

        member = _lock_member(offer.member_id)
        if member.left_on is not None:
            return _refuse(offer, "You're no longer in this locum network.", at)
        clash = (Booking.objects.active().filter(member=member)
                 .overlapping(shift.starts_at, shift.ends_at)
                 .select_related("shift__site").first())
        if clash is not None:
            return _refuse(
                offer, f"You're booked at {clash.shift.site.name} then "
                f"({_day(clash.shift, candidate)}).", at)

        booking = Booking(
            organization_id=shift.organization_id, shift=shift, member=member,
            candidate=candidate, offer=offer, starts_at=shift.starts_at, ends_at=shift.ends_at,
            via=via[:20], booked_at=at,
        )
        try:
            with transaction.atomic():
                booking.save()
        except IntegrityError:
            # booking_one_per_shift: another booking got there first despite the lock.
            log.warning("Shift %s: a second booking was refused by the constraint", shift.pk)
            return _waitlist(shift, offer, via=via, at=at)

        Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.BOOKED, booked_at=at)
        shift.status, shift.booked_at = ShiftStatus.BOOKED, at
        ShiftOffer.objects.filter(pk=offer.pk).update(
            status=OfferStatus.ACCEPTED, status_reason="", responded_at=at,
            waitlist_position=None)
        offer.status = OfferStatus.ACCEPTED
        _withdraw_others(shift, offer)
        _confirm(booking, offer, via=via, at=at)
        Activity.objects.create(
            organization_id=shift.organization_id, candidate=candidate,
            kind=ActivityKind.SYSTEM, subject=f"Booked: {shift_title(shift)}"[:200],
            body=f"Accepted by {_via_words(via)}.\n{details(shift, candidate)}",
            occurred_at=at,
        )
        mark_changed(candidate.pk)
        return AcceptResult(
            BOOKED, booking,
            "You're booked. A confirmation is on its way.", offer)


def _via_words(via: str) -> str:
    return {"link": "the link in the offer", "sms": "text (YES)",
            "web": "a recruiter"}.get(via, via)


def _refuse(offer: ShiftOffer, reason: str, at: datetime) -> AcceptResult:
    ShiftOffer.objects.filter(pk=offer.pk).update(
        status=OfferStatus.REFUSED, status_reason=reason[:300], responded_at=at)
    offer.status, offer.status_reason = OfferStatus.REFUSED, reason
    mark_changed(offer.candidate_id)
    return AcceptResult(REFUSED, None, reason, offer)


def waitlist_rank(offer: ShiftOffer) -> int | None:
    """1 for the next in line: waitlisted offers of the shift at or before this one."""
    if offer.status != OfferStatus.WAITLISTED or offer.waitlist_position is None:
        return None
    return ShiftOffer.objects.filter(
        shift_id=offer.shift_id, status=OfferStatus.WAITLISTED,
        waitlist_position__lte=offer.waitlist_position).count()


def _waitlist(shift: Shift, offer: ShiftOffer, *, via: str, at: datetime) -> AcceptResult:
    """Someone else has it: the member goes on the waitlist in the order they said yes (the
    shift lock orders them), and is told once."""
    if offer.status != OfferStatus.WAITLISTED:
        last = ShiftOffer.objects.filter(shift=shift).aggregate(m=Max("waitlist_position"))["m"]
        offer.waitlist_position = (last or 0) + 1
        offer.status, offer.status_reason = OfferStatus.WAITLISTED, "Said yes after it was filled."
        offer.responded_at = at
        ShiftOffer.objects.filter(pk=offer.pk).update(
            status=offer.status, status_reason=offer.status_reason, responded_at=at,
            waitlist_position=offer.waitlist_position)
        mark_changed(offer.candidate_id)
    rank = waitlist_rank(offer)
    text = (f"Thanks — this shift was just filled; you're #{rank} on the waitlist. "
            "We'll tell you if it opens up.")
    channel = _reply_channel(offer, via)
    if channel:
        _queue(offer.candidate, channel=channel, idempotency_key=f"locums:waitlisted:{offer.pk}",
               subject=f"Filled: {shift_title(shift)}",
               body=f"{_sender(shift)}: {text}" if channel == MessageChannel.SMS else
               f"Hi {_first_name(offer.candidate)},\n\n{text}\n\n"
               f"{details(shift, offer.candidate)}", at=at)
    return AcceptResult(WAITLISTED, None, text, offer, rank)


def _first_name(candidate) -> str:
    return candidate.preferred_name or candidate.first_name or "there"


def _reply_channel(offer: ShiftOffer, via: str) -> str:
    """Where to answer the member: by text when they answered by text or were offered by
    text; else email when they have one."""
    candidate = offer.candidate
    if (via == "sms" or offer.channel == MessageChannel.SMS) and candidate.phone:
        return MessageChannel.SMS
    if candidate.email:
        return MessageChannel.EMAIL
    return MessageChannel.SMS if candidate.phone else ""


def _queue(candidate, *, channel: str, idempotency_key: str, body: str, subject: str = "",
           at: datetime | None = None) -> Message:
    # Answers to the member's own action: transactional, so they go at once (no quiet hours),
    # but never to a suppressed address (the policy still checks).
    return outbox.queue_message(
        candidate, channel=channel, body=body, subject=subject, idempotency_key=idempotency_key,
        kind=MessageKind.TRANSACTIONAL, topic=Topic.LOCUMS, at=at,
    )


def _withdraw_others(shift: Shift, accepted: ShiftOffer) -> int:
    """Every offer still waiting is withdrawn and its message, if not yet sent, cancelled: no
    offer goes out after the shift is filled."""
    others = ShiftOffer.objects.filter(shift=shift, status__in=PENDING_OFFERS).exclude(
        pk=accepted.pk)
    message_ids = [m for m in others.values_list("message_id", flat=True) if m]
    if accepted.message_id:
        message_ids.append(accepted.message_id)
    count = others.update(status=OfferStatus.WITHDRAWN, status_reason=FILLED_REASON)
    outbox.cancel_pending(Message.objects.filter(pk__in=message_ids),
                          "The shift was filled; the offer was withdrawn.")
    return count


def _confirm(booking: Booking, offer: ShiftOffer, *, via: str, at: datetime) -> None:
    """The booked member's confirmation: an email with the details and the invite (when they
    have an address) and a short text when they were offered or answered by text."""
    from . import ical

    shift, candidate = booking.shift, booking.candidate
    if candidate.email:
        _queue(candidate, channel=MessageChannel.EMAIL,
               idempotency_key=ical.confirmation_key(booking, ical.REQUEST),
               subject=f"Booked: {shift_title(shift)}"[:200],
               body=(f"Hi {_first_name(candidate)},\n\nYou're booked. Thank you!\n\n"
                     f"{details(shift, candidate)}\n\n"
                     "The calendar invite is attached. If you can no longer come, tell us as "
                     "soon as you can so the shift can go to the next locum."), at=at)
    if candidate.phone and (via == "sms" or offer.channel == MessageChannel.SMS
                            or not candidate.email):
        _queue(candidate, channel=MessageChannel.SMS,
               idempotency_key=f"locums:booked-sms:{booking.pk}",
               body=(f"{_sender(shift)}: you're booked — {shift.site.name}, "
                     f"{when_text(shift, candidate)}. Thank you!"), at=at)


# --- Declining ---


def do_decline(offer: ShiftOffer, *, via: str, at: datetime | None = None) -> ShiftOffer:
    """The member said no. Their offer is declined (they leave the waitlist if they were on
    it) and its message, if not sent yet, cancelled. A member already booked is not cancelled
    by a "no": cancelling a booking is `do_cancel_booking`. If the shift was reopened to them
    from the waitlist, it goes to the next one in line."""
    at = at or timezone.now()
    with transaction.atomic():
        shift = _lock_shift(offer.shift_id)
        offer = _fresh_offer(offer)
        offer.shift = shift
        if offer.status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
            return offer
        was_reopened_to_them = (offer.status == OfferStatus.SENT
                                and offer.status_reason == REOPENED_REASON)
        offer.status, offer.responded_at = OfferStatus.DECLINED, at
        offer.status_reason = f"Declined by {_via_words(via)}."[:300]
        offer.waitlist_position = None
        offer.save(update_fields=["status", "responded_at", "status_reason",
                                  "waitlist_position"])
        if offer.message_id:
            outbox.cancel_pending(Message.objects.filter(pk=offer.message_id),
                                  "The member declined the shift.")
        Activity.objects.create(
            organization_id=shift.organization_id, candidate_id=offer.candidate_id,
            kind=ActivityKind.SYSTEM, subject=f"Declined: {shift_title(shift)}"[:200],
            body=offer.status_reason, occurred_at=at,
        )
        mark_changed(offer.candidate_id)
        if was_reopened_to_them and shift.is_open:
            _offer_to_waitlist(shift, at=at)
        return offer


# --- Cancelling a booking, reopening to the waitlist ---


def do_cancel_booking(booking: Booking, *, by: str, actor=None, reason: str = "",
                      at: datetime | None = None) -> Booking:
    """Cancel a booking (by the clinic or the locum). The member gets the calendar
    cancellation (METHOD:CANCEL, SEQUENCE bumped); the shift reopens, to the first member on
    the waitlist first (the same offer, back to sent, with a new message and the link), else
    back to offered so the clinic can broadcast again. Repeating it changes nothing."""
    at = at or timezone.now()
    if by not in CancelledBy.values:
        raise ValueError(f"Unknown canceller {by!r}.")
    with transaction.atomic():
        shift = _lock_shift(booking.shift_id)
        cancelled = _cancel(booking, shift, by=by, actor=actor, reason=reason, at=at)
        if cancelled is None:  # already cancelled: nothing more to do
            booking.refresh_from_db()
            return booking
        booking = cancelled
        if shift.status == ShiftStatus.BOOKED:
            Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.OFFERED, booked_at=None)
            shift.status, shift.booked_at = ShiftStatus.OFFERED, None
            if shift.starts_at > at:
                _offer_to_waitlist(shift, at=at)
        return booking


def _cancel(booking: Booking, shift: Shift, *, by: str, actor, reason: str,
            at: datetime) -> Booking | None:
    """Cancel the booking under the shift lock; None when it was no longer active."""
    changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.ACTIVE).update(
        status=BookingStatus.CANCELLED, cancelled_at=at, cancelled_by=by,
        cancel_reason=reason[:300])
    if not changed:
        return None
    # The calendar replaces the event with the higher SEQUENCE (RFC 5546).
    Booking.objects.filter(pk=booking.pk).update(ical_sequence=booking.ical_sequence + 1)
    booking = Booking.objects.select_related("candidate__organization", "shift__site",
                                             "offer").get(pk=booking.pk)
    booking.shift = shift
    candidate = booking.candidate
    who = "you" if by == CancelledBy.MEMBER else shift.organization.name
    if booking.offer_id:
        ShiftOffer.objects.filter(pk=booking.offer_id).update(
            status=OfferStatus.DECLINED if by == CancelledBy.MEMBER else OfferStatus.WITHDRAWN,
            status_reason=f"Booking cancelled by {CancelledBy(by).label.lower()}"
                          + (f": {reason}" if reason else "")[:300])
    from . import ical

    if candidate.email:
        _queue(candidate, channel=MessageChannel.EMAIL,
               idempotency_key=ical.confirmation_key(booking, ical.CANCEL),
               subject=f"Cancelled: {shift_title(shift)}"[:200],
               body=(f"Hi {_first_name(candidate)},\n\nYour booking was cancelled by {who}."
                     + (f" Reason: {reason}" if reason else "")
                     + f"\n\n{details(shift, candidate)}\n\n"
                     "The attached update removes it from your calendar."), at=at)
    if candidate.phone and (not candidate.email or (
            booking.offer_id and booking.offer.channel == MessageChannel.SMS)):
        _queue(candidate, channel=MessageChannel.SMS,
               idempotency_key=f"locums:cancelled-sms:{booking.pk}",
               body=(f"{_sender(shift)}: your booking at {shift.site.name} on "
                     f"{_day(shift, candidate)} was cancelled by {who}."), at=at)
    Activity.objects.create(
        organization_id=shift.organization_id, candidate=candidate, kind=ActivityKind.SYSTEM,
        subject=f"Booking cancelled: {shift_title(shift)}"[:200],
        body=f"Cancelled by {CancelledBy(by).label.lower()}." + (
            f" Reason: {reason}" if reason else ""),
        occurred_at=at, actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    mark_changed(candidate.pk)
    return booking


def _offer_to_waitlist(shift: Shift, *, at: datetime) -> ShiftOffer | None:
    """Offer the reopened shift to the first member on the waitlist: their offer goes back to
    sent with a new transactional message carrying the accept link; they accept through
    `do_accept` like anyone. The others stay on the waitlist."""
    from .links import accept_url

    first = (ShiftOffer.objects.filter(shift=shift, status=OfferStatus.WAITLISTED)
             .select_related("candidate__organization").order_by("waitlist_position", "id")
             .first())
    if first is None:
        return None
    candidate = first.candidate
    channel = _reply_channel(first, "")
    message = None
    if channel:
        url = accept_url(first)
        if channel == MessageChannel.SMS:
            body = (f"{_sender(shift)}: the {shift.site.name} shift on {_day(shift, candidate)} "
                    f"opened up again and you're first on the waitlist. Reply YES to take it, "
                    f"or tap {url}")
        else:
            body = (f"Hi {_first_name(candidate)},\n\nThe shift you asked for opened up again, "
                    f"and you're first on the waitlist.\n\n{details(shift, candidate)}\n\n"
                    f"Take this shift: {url}")
        message = _queue(candidate, channel=channel, body=body,
                         subject=f"Open again: {shift_title(shift)}"[:200],
                         idempotency_key=f"locums:reopen:{first.pk}:{_reopen_count(shift)}",
                         at=at)
    ShiftOffer.objects.filter(pk=first.pk).update(
        status=OfferStatus.SENT, status_reason=REOPENED_REASON,
        waitlist_position=None, sent_at=at, message=message,
        channel=channel or first.channel)
    mark_changed(candidate.pk)
    return first


def _reopen_count(shift: Shift) -> int:
    # A key per reopening: the same member may be offered the shift again after a later one.
    return Booking.objects.filter(shift=shift, status=BookingStatus.CANCELLED).count()


# --- Cancelling and completing a shift ---


def do_cancel_shift(shift: Shift, *, actor, reason: str, at: datetime | None = None) -> Shift:
    """The clinic cancels the shift: every open offer and the waitlist withdrawn, messages not
    yet sent cancelled, the booking (if any) cancelled with the calendar cancellation."""
    at = at or timezone.now()
    with transaction.atomic():
        shift = _lock_shift(shift.pk)
        if shift.status in (ShiftStatus.CANCELLED, ShiftStatus.COMPLETED):
            return shift
        open_offers = ShiftOffer.objects.filter(
            shift=shift, status__in=(*PENDING_OFFERS, OfferStatus.WAITLISTED))
        message_ids = [m for m in ShiftOffer.objects.filter(shift=shift)
                       .values_list("message_id", flat=True) if m]
        open_offers.update(status=OfferStatus.WITHDRAWN, waitlist_position=None,
                           status_reason="The clinic cancelled the shift.")
        outbox.cancel_pending(Message.objects.filter(pk__in=message_ids),
                              "The shift was cancelled.")
        for booking in Booking.objects.active().filter(shift=shift):
            _cancel(booking, shift, by=CancelledBy.CLINIC, actor=actor, reason=reason, at=at)
        Shift.objects.filter(pk=shift.pk).update(
            status=ShiftStatus.CANCELLED, cancelled_at=at, cancel_reason=reason[:300])
        shift.refresh_from_db()
        return shift


def do_complete_shift(shift: Shift, *, actor, at: datetime | None = None) -> Shift:
    """Mark a booked shift worked. Only a booked shift can be completed; the waitlist is
    closed."""
    at = at or timezone.now()
    with transaction.atomic():
        shift = _lock_shift(shift.pk)
        if shift.status == ShiftStatus.COMPLETED:
            return shift
        if shift.status != ShiftStatus.BOOKED:
            raise ValueError(f"Only a booked shift can be completed; this one is "
                             f"{shift.get_status_display().lower()}.")
        ShiftOffer.objects.filter(shift=shift, status=OfferStatus.WAITLISTED).update(
            status=OfferStatus.WITHDRAWN, waitlist_position=None,
            status_reason="The shift was worked.")
        Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.COMPLETED)
        booking = Booking.objects.active().filter(shift=shift).first()
        if booking is not None:
            Activity.objects.create(
                organization_id=shift.organization_id, candidate_id=booking.candidate_id,
                kind=ActivityKind.SYSTEM, subject=f"Worked: {shift_title(shift)}"[:200],
                occurred_at=at, actor=actor if getattr(actor, "is_authenticated", False)
                else None,
            )
            mark_changed(booking.candidate_id)
        shift.refresh_from_db()
        return shift
