"""Accepting, declining, cancelling and completing shifts: the writes after a broadcast.

The first valid acceptance books a shift, and a shift is never booked twice nor a member twice
at the same time, under any concurrency:

- Every write about a shift starts by locking the shift row, then (when booking) the member
  row, always in that order, so two accepts of one shift queue up on the shift and two accepts
  of one member for overlapping shifts queue up on the member — never a deadlock.
  On PostgreSQL that is `SELECT … FOR UPDATE` on the shift and `FOR NO KEY UPDATE` on the
  member (which lets a concurrent broadcast insert offers pointing at the member); each waiter
  re-reads the shift and the member's bookings after the lock is granted (READ COMMITTED takes
  a fresh snapshot per statement).
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
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import mark_changed
from rounds.outreach import outbox, policy
from rounds.outreach.choices import MessageChannel, MessageKind, MessageStatus, Topic
from rounds.outreach.models import Message

from .choices import BookingStatus, CancelledBy, OfferStatus, ShiftStatus
from .models import Booking, NetworkMember, Shift, ShiftOffer
from .words import day_text as _day
from .words import details, offer_sender, shift_title, when_text
from .words import org_prefix as _sender

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
# A reopened offer is the waitlisted member's offer back to SENT with a reason that starts with
# this (the reason goes on with the reply-by time, and the hold when there is one).
REOPENED_REASON = "Offered again from the waitlist."
# How long the first on the waitlist has to answer a reopened shift, counted from when the
# offer may go (a held offer's clock starts when it is sent), and never past the shift's start.
REOPEN_WINDOW = timedelta(hours=2)
# A reopened offer whose message ended in one of these never reached the member.
NOT_DELIVERED = (MessageStatus.DROPPED, MessageStatus.CANCELLED, MessageStatus.FAILED)


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


# --- Locks ---


def _lock_shift(shift_id: int) -> Shift:
    """The shift row, locked for the rest of the transaction (see the module docstring)."""
    qs = Shift.objects.select_related("site", "organization")
    if connection.features.has_select_for_update_of:
        # Lock the shift only, not the site and organization rows joined to it.
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=shift_id)


def _lock_member(member_id: int) -> NetworkMember:
    """The member row, locked so that two acceptances by one member queue up. On PostgreSQL
    it is FOR NO KEY UPDATE: it still excludes the other acceptances, but not the FOR KEY SHARE
    that inserting a row pointing at the member takes (a broadcast writing their offer of
    another shift), so a broadcast never waits on — or deadlocks with — an acceptance."""
    qs = NetworkMember.objects
    if connection.features.has_select_for_no_key_update:
        return qs.select_for_update(no_key=True).get(pk=member_id)
    return qs.select_for_update().get(pk=member_id)


def _fresh_offer(offer: ShiftOffer) -> ShiftOffer:
    # Read after the shift lock: what another transaction wrote before it is visible now.
    return ShiftOffer.objects.select_related("candidate__organization", "member").get(pk=offer.pk)


# --- Accepting ---


def do_accept(offer: ShiftOffer, *, via: str, at: datetime | None = None) -> AcceptResult:
    """The member said yes (by the link, `via="link"`, or by text, `via="sms"`).

    Booked when the shift is open, they still fit it and are free then; waitlisted (and told,
    once) when someone else booked it first, or while it is offered to the waitlist after a
    cancellation (only the reopened offer can book it then; see `_offer_to_waitlist`);
    refused when they are booked elsewhere at that time or no longer fit (a licence or
    credential lapsed since the offer); already_yours when they booked it before; closed when
    it is cancelled, completed or has started. Safe to call concurrently for any number of
    offers of one shift."""
    at = at or timezone.now()
    with transaction.atomic():
        shift = _lock_shift(offer.shift_id)
        if shift.status == ShiftStatus.OFFERED:
            # A reopened offer left unanswered past its time goes to the next in line first,
            # so what follows sees who may book it now.
            _expire_reopened(shift, at=at)
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
        reopened = reopened_offer(shift)
        if reopened is not None and reopened.pk != offer.pk:
            # Reopened to the waitlist: the first in line has it until they answer or their
            # time runs out. Anyone else saying yes now joins the waitlist (keeping their
            # place if they were on it), in the order they said yes.
            return _waitlist(shift, offer, via=via, at=at, reopened=True)

        member = _lock_member(offer.member_id)
        if member.left_on is not None:
            return _refuse(offer, "You're no longer in this locum network.", at)
        # The offer was judged when it was made; a licence or credential may have lapsed since
        # (or the shift's needs changed). Checked under the lock, just before booking.
        unfit = still_fits(shift, candidate, at=at)
        if unfit:
            return _refuse(offer, "You can't be booked on this shift: "
                           + "; ".join(unfit) + ".", at)
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


def still_fits(shift: Shift, candidate, *, at: datetime) -> list[str]:
    """Why the candidate can no longer be booked on the shift, in the fit report's words
    ("Licence in CA-AB expired 2026-03-01", "ACLS expires 2026-12-10, before the shift
    ends", "Not a physician"); empty when they still fit.

    The part of `fit.fit_members` that can change between the offer and the yes — profession,
    a current licence in the shift's jurisdiction and every required credential current
    through the shift's last day — judged by fit's own rules for this one person. Not the
    whole report: that also scores the member against the match index, which has no place
    under the shift lock. Overlapping bookings are the caller's clash check; muted lists and
    the weekly cap are about offers, not about accepting one."""
    from rounds.candidates.models import Certification, Licence

    from .fit import _Judge, shift_zone

    reasons: list[str] = []
    if getattr(candidate, "merged_into_id", None):
        reasons.append("This record was merged into another; please use your latest offer")
        return reasons
    zone = shift_zone(shift)
    last_day = timezone.localtime(shift.ends_at, zone).date()
    today = timezone.localtime(at, zone).date()
    required = [str(n).strip() for n in shift.required_credentials or [] if str(n).strip()]
    judge = _Judge(shift, None, required, last_day, today)
    good: list[str] = []
    judge.profession(candidate, reasons)
    if judge.jurisdiction:  # the shift's, else where its site is (fit.shift_jurisdiction)
        judge.licence(list(Licence.objects.filter(candidate_id=candidate.pk).values_list(
            "jurisdiction", "status", "expires_on")), reasons, good, candidate.profession)
    if required:
        judge.credentials(list(Certification.objects.filter(candidate_id=candidate.pk)
                               .values_list("name", "expires_on")), reasons, good)
    return reasons


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


def _waitlist(shift: Shift, offer: ShiftOffer, *, via: str, at: datetime,
              reopened: bool = False) -> AcceptResult:
    """Someone else has it (or, `reopened`, it is being offered to the waitlist in order): the
    member goes on the waitlist in the order they said yes (the shift lock orders them),
    keeping their place if they were on it, and is told once."""
    if offer.status != OfferStatus.WAITLISTED:
        last = ShiftOffer.objects.filter(shift=shift).aggregate(m=Max("waitlist_position"))["m"]
        offer.waitlist_position = (last or 0) + 1
        offer.status, offer.status_reason = OfferStatus.WAITLISTED, (
            "Said yes while it was offered to the waitlist." if reopened
            else "Said yes after it was filled.")
        offer.responded_at = at
        ShiftOffer.objects.filter(pk=offer.pk).update(
            status=offer.status, status_reason=offer.status_reason, responded_at=at,
            waitlist_position=offer.waitlist_position)
        mark_changed(offer.candidate_id)
    rank = waitlist_rank(offer)
    if reopened:
        text = (f"Thanks — it was offered to the waitlist first; you're #{rank} on the "
                "waitlist. We'll tell you if it comes to you.")
        subject = f"Waitlist: {shift_title(shift)}"
    else:
        text = (f"Thanks — this shift was just filled; you're #{rank} on the waitlist. "
                "We'll tell you if it opens up.")
        subject = f"Filled: {shift_title(shift)}"
    channel = _reply_channel(offer, via)
    if channel:
        _queue(offer.candidate, channel=channel, idempotency_key=f"locums:waitlisted:{offer.pk}",
               subject=subject[:200],
               body=f"{_sender(shift)}: {text}" if channel == MessageChannel.SMS else
               f"Hi {_first_name(offer.candidate)},\n\n{text}\n\n"
               f"{details(shift, offer.candidate)}", at=at, sender=offer_sender(offer))
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
           at: datetime | None = None, sender=None) -> Message:
    # Answers to the member's own action: transactional, so they go at once (no quiet hours),
    # but never to a suppressed address (the policy still checks). From `sender`, the person
    # the member deals with (`offer_sender`).
    return outbox.queue_message(
        candidate, channel=channel, body=body, subject=subject, idempotency_key=idempotency_key,
        kind=MessageKind.TRANSACTIONAL, topic=Topic.LOCUMS, at=at, actor=sender,
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
    sender = offer_sender(offer)
    if candidate.email:
        _queue(candidate, channel=MessageChannel.EMAIL,
               idempotency_key=ical.confirmation_key(booking, ical.REQUEST),
               subject=f"Booked: {shift_title(shift)}"[:200],
               body=(f"Hi {_first_name(candidate)},\n\nYou're booked. Thank you!\n\n"
                     f"{details(shift, candidate)}\n\n"
                     "The calendar invite is attached. If you can no longer come, tell us as "
                     "soon as you can so the shift can go to the next locum."), at=at,
               sender=sender)
    if candidate.phone and (via == "sms" or offer.channel == MessageChannel.SMS
                            or not candidate.email):
        _queue(candidate, channel=MessageChannel.SMS,
               idempotency_key=f"locums:booked-sms:{booking.pk}",
               body=(f"{_sender(shift)}: you're booked — {shift.site.name}, "
                     f"{when_text(shift, candidate)}. Thank you!"), at=at, sender=sender)


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
        was_reopened_to_them = is_reopened(offer)
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
    the waitlist first (see `_offer_to_waitlist`), else back to offered, where the first to
    accept books it (the locum who cancelled too: only a clinic's cancellation keeps a locum
    off the shift). Repeating it changes nothing.

    Raises ValueError for a shift that was worked or has started: its booking stands."""
    at = at or timezone.now()
    if by not in CancelledBy.values:
        raise ValueError(f"Unknown canceller {by!r}.")
    with transaction.atomic():
        shift = _lock_shift(booking.shift_id)
        if Booking.objects.filter(pk=booking.pk, status=BookingStatus.ACTIVE).exists():
            if shift.status == ShiftStatus.COMPLETED:
                raise ValueError("This shift was worked; its booking can't be cancelled.")
            if shift.starts_at <= at:
                raise ValueError("This shift has started; its booking can't be cancelled "
                                 "any more.")
        cancelled = _cancel(booking, shift, by=by, actor=actor, reason=reason, at=at)
        if cancelled is None:  # already cancelled: nothing more to do
            booking.refresh_from_db()
            return booking
        booking = cancelled
        if shift.status == ShiftStatus.BOOKED:
            Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.OFFERED, booked_at=None)
            shift.status, shift.booked_at = ShiftStatus.OFFERED, None
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

    sender = offer_sender(booking.offer) if booking.offer_id else None
    if candidate.email:
        _queue(candidate, channel=MessageChannel.EMAIL, sender=sender,
               idempotency_key=ical.confirmation_key(booking, ical.CANCEL),
               subject=f"Cancelled: {shift_title(shift)}"[:200],
               body=(f"Hi {_first_name(candidate)},\n\nYour booking was cancelled by {who}."
                     + (f" Reason: {reason}" if reason else "")
                     + f"\n\n{details(shift, candidate)}\n\n"
                     "The attached update removes it from your calendar."), at=at)
    if candidate.phone and (not candidate.email or (
            booking.offer_id and booking.offer.channel == MessageChannel.SMS)):
        _queue(candidate, channel=MessageChannel.SMS, sender=sender,
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


# --- The waitlist after a cancellation ---
#
# A cancelled booking reopens the shift to the waitlist in order: the first in line gets a new
# offer (their offer back to SENT with REOPENED_REASON, a new message with the link) and has
# until `reopen_deadline` to answer; meanwhile only that offer can book the shift, and anyone
# else who says yes joins the waitlist (do_accept). An answer of no, a deadline passed, or a
# message that could not reach them passes it to the next in line. When the waitlist is used
# up the shift is simply offered: every offer of it (those withdrawn when it was filled, those
# who declined or missed their turn) may accept again, and the first to do so books it.


def is_reopened(offer: ShiftOffer) -> bool:
    """Is this the offer the shift was reopened to, still waiting for an answer?"""
    return (offer.status == OfferStatus.SENT
            and (offer.status_reason or "").startswith(REOPENED_REASON))


def reopened_offer(shift: Shift) -> ShiftOffer | None:
    """The shift's reopened offer still waiting for an answer, if any (at most one)."""
    return (ShiftOffer.objects.filter(shift=shift, status=OfferStatus.SENT,
                                      status_reason__startswith=REOPENED_REASON)
            .select_related("message", "candidate__organization").order_by("id").first())


def reopen_deadline(offer: ShiftOffer, shift: Shift | None = None) -> datetime:
    """When a reopened offer's time to answer runs out: REOPEN_WINDOW after its message may
    go (a message held for the member's hours starts the clock when it is sent), and never
    later than the shift's start."""
    shift = shift or offer.shift
    start = offer.sent_at or offer.created_at
    message = offer.message if offer.message_id else None
    if message is not None and message.send_after and message.send_after > start:
        start = message.send_after
    return min(start + REOPEN_WINDOW, shift.starts_at)


def answer_by(offer: ShiftOffer) -> str:
    """A reopened offer's reply-by time in the site's time: "Thu 10 Dec, 14:30 MST"."""
    return _moment(reopen_deadline(offer), offer.shift)


def _lapse_reason(offer: ShiftOffer, shift: Shift, at: datetime) -> str:
    """Why a reopened offer no longer holds the shift, or "" while it still does."""
    if shift.starts_at <= at:
        return "The shift started before they answered."
    message = offer.message if offer.message_id else None
    if message is not None and message.status in NOT_DELIVERED:
        return (f"The reopened offer couldn't reach them ({message.get_status_display().lower()}"
                + (f": {message.status_reason}" if message.status_reason else "") + ").")
    deadline = reopen_deadline(offer, shift)
    if deadline <= at:
        return (f"No answer by {_moment(deadline, shift)}; offered to the next in "
                "line.")
    return ""


def _expire_reopened(shift: Shift, *, at: datetime) -> int:
    """Under the shift lock: while the shift's reopened offer has lapsed, withdraw it and
    reopen to the next in line. Returns how many reopened offers lapsed."""
    lapsed = 0
    for _ in range(1000):  # each turn withdraws an offer: bounded by the waitlist
        offer = reopened_offer(shift)
        if offer is None:
            break
        reason = _lapse_reason(offer, shift, at)
        if not reason:
            break
        ShiftOffer.objects.filter(pk=offer.pk).update(
            status=OfferStatus.WITHDRAWN, status_reason=reason[:300], waitlist_position=None)
        if offer.message_id:
            outbox.cancel_pending(Message.objects.filter(pk=offer.message_id), reason)
        mark_changed(offer.candidate_id)
        lapsed += 1
        if shift.starts_at <= at or _offer_to_waitlist(shift, at=at) is None:
            break
    return lapsed


def expire_reopened_offers(now: datetime | None = None) -> int:
    """Pass every lapsed reopened offer to the next in line (for a periodic task: acceptances
    do it for their own shift anyway). Safe to run at any time, and twice. Returns how many
    reopened offers lapsed."""
    now = now or timezone.now()
    due = set()
    for offer in (ShiftOffer.objects.filter(
            status=OfferStatus.SENT, status_reason__startswith=REOPENED_REASON,
            shift__status=ShiftStatus.OFFERED)
            .select_related("shift", "message", "candidate__organization")):
        if _lapse_reason(offer, offer.shift, now):
            due.add(offer.shift_id)
    lapsed = 0
    for shift_id in sorted(due):
        with transaction.atomic():
            shift = _lock_shift(shift_id)
            if shift.status == ShiftStatus.OFFERED:
                lapsed += _expire_reopened(shift, at=now)
    return lapsed


def _moment(when: datetime, shift: Shift) -> str:
    """"Thu 10 Dec, 14:30 MST" in the site's time, with its zone (as the shift is told)."""
    from rounds.outreach.meetings import when_label

    from .fit import shift_zone

    return when_label(when, shift_zone(shift))


def _offer_to_waitlist(shift: Shift, *, at: datetime) -> ShiftOffer | None:
    """Offer the reopened shift to the first member on the waitlist who can be reached: their
    offer goes back to SENT with a new message carrying the accept link and the time to answer
    by; they accept through `do_accept` like anyone. The others stay on the waitlist.

    It is a new offer of work, days perhaps after their yes, so it goes as a COMMERCIAL
    message on the channel the send policy chooses for locums: held for their hours, never to
    someone who withdrew consent or muted locums. A member no channel may reach leaves the
    waitlist with the reason, and the next is offered it. None when nobody is left (the
    shift stays offered to everyone) or the shift has started."""
    from .links import accept_url

    if not shift.is_open or shift.starts_at <= at:
        return None
    ctx = policy.Context.for_org(shift.organization)
    waiting = (ShiftOffer.objects.filter(shift=shift, status=OfferStatus.WAITLISTED)
               .select_related("candidate__organization").order_by("waitlist_position", "id"))
    for first in waiting:
        candidate = first.candidate
        choice = policy.choose_channel(candidate, topic=Topic.LOCUMS, at=at, ctx=ctx)
        if choice.channel is None:
            _leave_waitlist(first, f"Not offered the reopened shift: {choice.why}")
            continue
        verdict = choice.options[choice.channel]
        due = max(verdict.send_at or at, at)
        if due >= shift.starts_at:
            _leave_waitlist(first, "Not offered the reopened shift: no message could reach "
                            f"them before it starts ({verdict.reason}).")
            continue
        by = _moment(min(due + REOPEN_WINDOW, shift.starts_at), shift)
        url = accept_url(first)
        if choice.channel == MessageChannel.SMS:
            body = (f"{_sender(shift)}: the {shift.site.name} shift on {_day(shift, candidate)} "
                    f"opened up again and you're first on the waitlist. Reply YES by {by} to "
                    f"take it, or tap {url}")
        else:
            body = (f"Hi {_first_name(candidate)},\n\nThe shift you asked for opened up again, "
                    f"and you're first on the waitlist.\n\n{details(shift, candidate)}\n\n"
                    f"Take this shift: {url}\n\nIt's yours if you answer by {by}; after "
                    "that it goes to the next locum in line.")
        message = outbox.queue_message(
            candidate, channel=choice.channel, body=body, actor=offer_sender(first),
            subject=f"Open again: {shift_title(shift)}"[:200],
            idempotency_key=f"locums:reopen:{first.pk}:{_reopen_count(shift)}",
            kind=MessageKind.COMMERCIAL, topic=Topic.LOCUMS, at=at, ctx=ctx)
        if message.status in NOT_DELIVERED:
            _leave_waitlist(first, f"Not offered the reopened shift: {message.status_reason}")
            continue
        reason = f"{REOPENED_REASON} Answer by {by}."
        if message.status == MessageStatus.HELD:
            reason += f" Held: {message.status_reason}"
        ShiftOffer.objects.filter(pk=first.pk).update(
            status=OfferStatus.SENT, status_reason=reason[:300], waitlist_position=None,
            sent_at=at, message=message, channel=choice.channel)
        mark_changed(candidate.pk)
        from .tasks import schedule_reopen_expiry

        # A run waits for the deadline, so an unanswered offer moves on by itself.
        schedule_reopen_expiry(min(due + REOPEN_WINDOW, shift.starts_at) + timedelta(seconds=5))
        return first
    return None


def _leave_waitlist(offer: ShiftOffer, reason: str) -> None:
    ShiftOffer.objects.filter(pk=offer.pk).update(
        status=OfferStatus.WITHDRAWN, status_reason=reason[:300], waitlist_position=None)
    mark_changed(offer.candidate_id)


def _reopen_count(shift: Shift) -> int:
    # A key per reopening: the same member may be offered the shift again after a later one.
    return Booking.objects.filter(shift=shift, status=BookingStatus.CANCELLED).count()


# --- Cancelling and completing a shift ---


def do_cancel_shift(shift: Shift, *, actor, reason: str, at: datetime | None = None) -> Shift:
    """The clinic cancels the shift: every open offer and the waitlist withdrawn, messages not
    yet sent cancelled, the booking (if any) cancelled with the calendar cancellation. The
    members who said yes and wait on the waitlist (or have it offered to them again) are told,
    once, by a transactional notice: they are waiting for news of this shift."""
    at = at or timezone.now()
    with transaction.atomic():
        shift = _lock_shift(shift.pk)
        if shift.status in (ShiftStatus.CANCELLED, ShiftStatus.COMPLETED):
            return shift
        open_offers = ShiftOffer.objects.filter(
            shift=shift, status__in=(*PENDING_OFFERS, OfferStatus.WAITLISTED))
        told = [o for o in open_offers.select_related("candidate__organization")
                if o.status == OfferStatus.WAITLISTED or is_reopened(o)]
        message_ids = [m for m in ShiftOffer.objects.filter(shift=shift)
                       .values_list("message_id", flat=True) if m]
        open_offers.update(status=OfferStatus.WITHDRAWN, waitlist_position=None,
                           status_reason="The clinic cancelled the shift.")
        outbox.cancel_pending(Message.objects.filter(pk__in=message_ids),
                              "The shift was cancelled.")
        for booking in Booking.objects.active().filter(shift=shift):
            _cancel(booking, shift, by=CancelledBy.CLINIC, actor=actor, reason=reason, at=at)
        for offer in told:
            _tell_waitlisted_cancelled(shift, offer, reason=reason, at=at)
        Shift.objects.filter(pk=shift.pk).update(
            status=ShiftStatus.CANCELLED, cancelled_at=at, cancel_reason=reason[:300])
        shift.refresh_from_db()
        return shift


def _tell_waitlisted_cancelled(shift: Shift, offer: ShiftOffer, *, reason: str,
                               at: datetime) -> None:
    candidate = offer.candidate
    channel = _reply_channel(offer, "")
    if not channel:
        return
    why = f" Reason: {reason}" if reason else ""
    if channel == MessageChannel.SMS:
        body = (f"{_sender(shift)}: the {shift.site.name} shift on {_day(shift, candidate)} you "
                f"were on the waitlist for was cancelled by the clinic.{why} Nothing to do.")
    else:
        body = (f"Hi {_first_name(candidate)},\n\nThe shift you were on the waitlist for was "
                f"cancelled by the clinic.{why} There is nothing for you to do.\n\n"
                f"{details(shift, candidate)}")
    _queue(candidate, channel=channel, idempotency_key=f"locums:shift-cancelled:{offer.pk}",
           subject=f"Cancelled: {shift_title(shift)}"[:200], body=body, at=at,
           sender=offer_sender(offer))


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
