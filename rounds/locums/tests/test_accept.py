"""Accepting a shift: the first valid acceptance books it, the others who say yes are waitlisted
in order and told once, a member booked at the same time is refused, pending offers are
withdrawn and their messages cancelled, cancellation reopens to the waitlist first."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from rounds.accounts.models import Site
from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import do_add_related, do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.candidates.models import Candidate, Licence
from rounds.locums import actions
from rounds.locums.choices import (
    BookingStatus,
    CancelledBy,
    OfferStatus,
    ShiftStatus,
)
from rounds.locums.models import Booking, NetworkMember, Shift, ShiftOffer
from rounds.outreach import delivery, outbox
from rounds.outreach import sms as sms_backend
from rounds.outreach.choices import MessageKind, MessageStatus, Topic
from rounds.outreach.models import Message

NAMES = ["Amara", "Bao", "Chidi", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ivo", "Jun"]


# --- Small factories (the broadcast is another module's; these write what it would) ---


def make_site(org, name="Red Deer Clinic"):
    return Site.objects.get_or_create(
        organization=org, name=name,
        defaults={"address_line": "4920 49 St", "city": "Red Deer", "region": "AB",
                  "postal_code": "T4N 1V2", "time_zone": "America/Edmonton"},
    )[0]


def make_member(org, actor, i=0, *, email=True, phone=True, prefix=""):
    first = f"{prefix}{NAMES[i % len(NAMES)]}{i // len(NAMES) or ''}"
    cand = do_create_candidate(
        org.pk, actor=actor, first_name=first, last_name="Locum",
        email=f"{first.lower()}.{i}@example.com" if email else "",
        phone=f"+1403555{i:04d}" if phone else "", profession="physician",
        city="Calgary", region="AB", country="CA", time_zone="America/Edmonton",
    )
    for channel in ("email", "sms"):
        do_record_consent(cand, channel=channel, basis=ConsentBasis.EXPRESS, actor=actor,
                          evidence="Joined the locum network",
                          obtained_at=datetime(2026, 1, 10, tzinfo=UTC))
    # The shifts here are in Alberta: a current licence there is required (rounds.locums.fit).
    do_add_related(cand, Licence, actor=actor, jurisdiction="CA-AB", status="active")
    return NetworkMember.objects.create(organization=org, candidate=cand)


def make_shift(org, *, site=None, starts_in=timedelta(days=3), hours=10, status=None, **kw):
    start = (timezone.now() + starts_in).replace(microsecond=0)
    fields = {"profession": "physician", "specialty": "Family Medicine",
              "rate": Decimal("1800"), "terms": "Call from home.", **kw}
    return Shift.objects.create(
        organization=org, site=site or make_site(org), starts_at=start,
        ends_at=start + timedelta(hours=hours), status=status or ShiftStatus.OFFERED, **fields,
    )


def edmonton_time(hour, *, days=1):
    """`hour`:00 in Edmonton, `days` from today there: a fixed moment inside (or outside) the
    members' sending window, whatever the time the tests run."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/Edmonton")
    day = timezone.now().astimezone(zone).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=zone)


def make_offer(shift, member, *, channel="email", queue=True, status=OfferStatus.SENT,
               rank=0):
    offer = ShiftOffer.objects.create(
        organization_id=shift.organization_id, shift=shift, member=member,
        candidate=member.candidate, channel=channel, status=status, rank=rank,
        sent_at=timezone.now() if status == OfferStatus.SENT else None,
    )
    if queue:
        offer.message = outbox.queue_message(
            member.candidate, channel=channel, subject="A locum shift for you",
            body=f"Locum shift at {shift.site.name}. Take it: (link)",
            idempotency_key=f"test-offer:{offer.pk}", topic=Topic.LOCUMS,
            kind=MessageKind.COMMERCIAL,
        )
        offer.save(update_fields=["message"])
    return offer


@pytest.fixture
def site(org):
    return make_site(org)


@pytest.fixture
def members(org, recruiter):
    return [make_member(org, recruiter, i) for i in range(4)]


@pytest.fixture
def shift(org, site):
    return make_shift(org, site=site)


@pytest.fixture
def offers(shift, members):
    return [make_offer(shift, m, rank=i) for i, m in enumerate(members)]


def reload(obj):
    obj.refresh_from_db()
    return obj


# --- Booking ---


def test_first_acceptance_books_the_shift(shift, offers):
    result = actions.do_accept(offers[0], via="link")

    assert result.outcome == actions.BOOKED
    booking = result.booking
    assert booking.status == BookingStatus.ACTIVE
    assert (booking.starts_at, booking.ends_at) == (shift.starts_at, shift.ends_at)
    assert booking.via == "link"
    assert reload(shift).status == ShiftStatus.BOOKED and shift.booked_at is not None
    assert reload(offers[0]).status == OfferStatus.ACCEPTED


def test_booking_withdraws_every_pending_offer_and_cancels_its_message(shift, offers, members):
    later = make_offer(shift, make_member(shift.organization, None, 9), queue=False,
                       status=OfferStatus.LATER_TIER)

    actions.do_accept(offers[0], via="link")

    for offer in [*offers[1:], later]:
        assert reload(offer).status == OfferStatus.WITHDRAWN
        assert "filled" in offer.status_reason
    for offer in offers[1:]:
        assert offer.message.status == MessageStatus.CANCELLED


def test_booked_member_gets_a_confirmation_email_with_the_details(shift, offers):
    result = actions.do_accept(offers[0], via="link")

    confirmation = Message.objects.get(candidate=offers[0].candidate,
                                       idempotency_key__startswith="booking:")
    assert confirmation.idempotency_key == f"booking:{result.booking.pk}:seq0:request"
    assert confirmation.kind == MessageKind.TRANSACTIONAL
    assert confirmation.status == MessageStatus.QUEUED
    assert "Red Deer Clinic" in confirmation.body
    assert "MST" in confirmation.body  # the site's zone
    assert "Rate: $1,800 CAD per day" in confirmation.body
    # Offered by email: no text.
    assert not Message.objects.filter(candidate=offers[0].candidate, channel="sms",
                                      kind=MessageKind.TRANSACTIONAL).exists()


def test_member_offered_by_text_also_gets_a_confirmation_text(shift, members):
    offer = make_offer(shift, members[0], channel="sms")

    actions.do_accept(offer, via="sms")

    text = Message.objects.get(candidate=members[0].candidate, channel="sms",
                               kind=MessageKind.TRANSACTIONAL)
    assert "you're booked" in text.body and "Red Deer Clinic" in text.body


def test_booking_is_on_the_timeline_and_marks_the_candidate_changed(shift, offers):
    candidate = offers[0].candidate
    before = Candidate.objects.get(pk=candidate.pk).updated_at

    actions.do_accept(offers[0], via="link")

    note = Activity.objects.get(candidate=candidate, kind=ActivityKind.SYSTEM,
                                subject__startswith="Booked:")
    assert "Red Deer Clinic" in note.subject
    assert Candidate.objects.get(pk=candidate.pk).updated_at > before


def test_accepting_again_is_already_yours(shift, offers):
    first = actions.do_accept(offers[0], via="link")
    again = actions.do_accept(offers[0], via="sms")

    assert again.outcome == actions.ALREADY_YOURS
    assert again.booking.pk == first.booking.pk
    assert Booking.objects.filter(shift=shift).count() == 1


# --- Never double-booked ---


def test_member_booked_on_an_overlapping_shift_is_refused(org, site, members, shift, offers):
    other_site = make_site(org, "Lacombe Hospital")
    overlapping = make_shift(org, site=other_site, starts_in=timedelta(days=3, hours=4))
    assert actions.do_accept(make_offer(overlapping, members[0]), via="link").booked

    result = actions.do_accept(offers[0], via="link")

    assert result.outcome == actions.REFUSED
    assert "You're booked at Lacombe Hospital then" in result.message
    assert result.booking is None
    assert reload(offers[0]).status == OfferStatus.REFUSED
    assert reload(shift).status == ShiftStatus.OFFERED
    assert not Booking.objects.filter(shift=shift).exists()
    # Someone else can still take it.
    assert actions.do_accept(offers[1], via="link").outcome == actions.BOOKED


def test_back_to_back_shifts_are_not_a_clash(org, site, members, shift):
    before = make_shift(org, site=site, starts_in=timedelta(days=3, hours=-10), hours=10)
    assert actions.do_accept(make_offer(before, members[0]), via="link").booked

    assert actions.do_accept(make_offer(shift, members[0]), via="link").outcome == actions.BOOKED


def test_a_cancelled_booking_no_longer_clashes(org, site, members, shift):
    overlapping = make_shift(org, site=make_site(org, "Lacombe Hospital"),
                             starts_in=timedelta(days=3, hours=2))
    other = actions.do_accept(make_offer(overlapping, members[0]), via="link").booking
    actions.do_cancel_booking(other, by=CancelledBy.MEMBER)

    assert actions.do_accept(make_offer(shift, members[0]), via="link").outcome == actions.BOOKED


# --- Waitlist ---


def test_later_acceptances_are_waitlisted_in_order(shift, offers):
    actions.do_accept(offers[0], via="link")
    second = actions.do_accept(offers[2], via="link")
    third = actions.do_accept(offers[1], via="sms")

    assert (second.outcome, second.waitlist_position) == (actions.WAITLISTED, 1)
    assert (third.outcome, third.waitlist_position) == (actions.WAITLISTED, 2)
    assert "you're #2 on the waitlist" in third.message
    assert reload(offers[2]).waitlist_position < reload(offers[1]).waitlist_position
    assert Booking.objects.filter(shift=shift).count() == 1


def test_waitlisted_member_is_told_it_was_filled_once(shift, offers):
    actions.do_accept(offers[0], via="link")
    actions.do_accept(offers[1], via="link")
    again = actions.do_accept(offers[1], via="link")

    assert again.outcome == actions.WAITLISTED and again.waitlist_position == 1
    notices = Message.objects.filter(candidate=offers[1].candidate,
                                     idempotency_key=f"locums:waitlisted:{offers[1].pk}")
    assert notices.count() == 1
    notice = notices.get()
    assert notice.kind == MessageKind.TRANSACTIONAL and notice.channel == "email"
    assert "just filled" in notice.body and "#1 on the waitlist" in notice.body


# --- Closed shifts ---


def test_a_cancelled_shift_cannot_be_accepted(shift, offers, recruiter):
    actions.do_cancel_shift(shift, actor=recruiter, reason="Doctor returned early")

    result = actions.do_accept(offers[0], via="link")

    assert result.outcome == actions.CLOSED and "cancelled" in result.message
    assert not Booking.objects.filter(shift=shift).exists()


def test_a_shift_that_started_cannot_be_accepted(org, site, members):
    started = make_shift(org, site=site, starts_in=timedelta(hours=-1))

    result = actions.do_accept(make_offer(started, members[0]), via="link")

    assert result.outcome == actions.CLOSED and "already started" in result.message


# --- No message after the shift is filled ---


def test_no_offer_goes_out_after_the_shift_is_filled(shift, offers):
    mail.outbox.clear()
    sms_backend.outbox.clear()
    actions.do_accept(offers[0], via="link")
    actions.do_accept(offers[3], via="link")  # a yes after it was filled

    # Drained at noon in the members' zone, when every message may go: the offers stay
    # unsent because they were cancelled, not because it is night.
    delivery.drain(now=edmonton_time(12))

    for offer in offers[1:]:
        assert reload(offer).message.status == MessageStatus.CANCELLED
    sent = Message.objects.filter(status=MessageStatus.SENT)
    assert {m.idempotency_key for m in sent} == {
        f"booking:{offers[0].candidate.shift_bookings.get().pk}:seq0:request",
        f"locums:waitlisted:{offers[3].pk}",
    }
    assert len(mail.outbox) == 2 and not sms_backend.outbox
    assert {e.to[0] for e in mail.outbox} == {offers[0].candidate.email,
                                             offers[3].candidate.email}
    assert not any("Take it" in e.body for e in mail.outbox)


# --- Declining ---


def test_declining_cancels_the_unsent_offer(shift, offers):
    actions.do_decline(offers[1], via="link")

    assert reload(offers[1]).status == OfferStatus.DECLINED
    assert offers[1].message.status == MessageStatus.CANCELLED
    assert reload(shift).status == ShiftStatus.OFFERED


def test_declining_leaves_the_waitlist(shift, offers):
    actions.do_accept(offers[0], via="link")
    actions.do_accept(offers[1], via="link")
    actions.do_accept(offers[2], via="link")

    actions.do_decline(offers[1], via="sms")

    assert reload(offers[1]).waitlist_position is None
    assert actions.waitlist_rank(reload(offers[2])) == 1


def test_a_no_does_not_cancel_a_booking(shift, offers):
    booking = actions.do_accept(offers[0], via="link").booking

    actions.do_decline(offers[0], via="sms")

    assert reload(booking).status == BookingStatus.ACTIVE
    assert reload(offers[0]).status == OfferStatus.ACCEPTED


# --- Cancelling a booking: the waitlist first ---


def test_cancelling_a_booking_reopens_it_to_the_first_on_the_waitlist(shift, offers):
    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_accept(offers[2], via="link")
    actions.do_accept(offers[1], via="link")

    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER, reason="Family emergency")

    assert reload(booking).status == BookingStatus.CANCELLED
    assert booking.cancelled_by == CancelledBy.MEMBER and booking.ical_sequence == 1
    assert reload(shift).status == ShiftStatus.OFFERED and shift.booked_at is None
    first = reload(offers[2])
    assert first.status == OfferStatus.SENT and first.waitlist_position is None
    # A new offer of work: commercial, about locums (held for their hours, consent checked).
    assert (first.message.kind, first.message.topic) == (MessageKind.COMMERCIAL, Topic.LOCUMS)
    assert "Answer by" in first.status_reason
    assert "/s/accept/" in first.message.body and "first on the waitlist" in first.message.body
    # The next one waits their turn, now first in line.
    assert reload(offers[1]).status == OfferStatus.WAITLISTED
    assert actions.waitlist_rank(offers[1]) == 1
    # The cancellation goes to the member with the calendar cancel.
    assert Message.objects.filter(candidate=offers[0].candidate,
                                  idempotency_key=f"booking:{booking.pk}:seq1:cancel").exists()
    # They accept through the same do_accept.
    again = actions.do_accept(first, via="link")
    assert again.outcome == actions.BOOKED
    assert reload(shift).status == ShiftStatus.BOOKED


def test_cancelling_without_a_waitlist_goes_back_to_offered(shift, offers, recruiter):
    booking = actions.do_accept(offers[0], via="link").booking

    actions.do_cancel_booking(booking, by=CancelledBy.CLINIC, actor=recruiter,
                              reason="Credentials not verified")

    assert reload(shift).status == ShiftStatus.OFFERED
    assert reload(offers[0]).status == OfferStatus.WITHDRAWN
    # The clinic removed this locum: they can't just take it back.
    assert actions.do_accept(offers[0], via="link").outcome == actions.CLOSED


def test_cancelling_a_booking_twice_changes_nothing(shift, offers):
    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER)
    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER)

    assert reload(booking).ical_sequence == 1
    assert Message.objects.filter(idempotency_key__endswith=":cancel").count() == 1


def test_a_no_from_the_reopened_member_passes_it_to_the_next(shift, offers):
    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_accept(offers[1], via="link")
    actions.do_accept(offers[2], via="link")
    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER)

    actions.do_decline(reload(offers[1]), via="link")

    assert reload(offers[2]).status == OfferStatus.SENT


# --- Cancelling and completing the shift ---


def test_cancelling_the_shift_withdraws_offers_and_cancels_the_booking(shift, offers, recruiter):
    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_accept(offers[1], via="link")

    actions.do_cancel_shift(shift, actor=recruiter, reason="Clinic closed")

    assert reload(shift).status == ShiftStatus.CANCELLED and shift.cancel_reason == "Clinic closed"
    assert reload(booking).status == BookingStatus.CANCELLED
    assert booking.cancelled_by == CancelledBy.CLINIC
    assert {reload(o).status for o in offers[1:]} == {OfferStatus.WITHDRAWN}
    assert Message.objects.filter(idempotency_key=f"booking:{booking.pk}:seq1:cancel").exists()
    # Nothing reopened to the waitlist.
    assert not Message.objects.filter(idempotency_key__startswith="locums:reopen:").exists()


def test_completing_a_booked_shift(shift, offers, recruiter):
    actions.do_accept(offers[0], via="link")
    actions.do_accept(offers[1], via="link")

    actions.do_complete_shift(shift, actor=recruiter)

    assert reload(shift).status == ShiftStatus.COMPLETED
    assert reload(offers[1]).status == OfferStatus.WITHDRAWN


def test_only_a_booked_shift_can_be_completed(shift, recruiter):
    with pytest.raises(ValueError, match="Only a booked shift"):
        actions.do_complete_shift(shift, actor=recruiter)


def test_offers_held_for_the_night_never_go_once_the_shift_is_filled(shift, members):
    night = edmonton_time(2)  # outside every sending window: the offers are written held
    held = []
    for i, member in enumerate(members[1:], start=1):
        offer = make_offer(shift, member, queue=False, rank=i)
        offer.message = outbox.queue_message(
            member.candidate, channel="email", subject="A locum shift for you",
            body="Locum shift. Take it: (link)", idempotency_key=f"test-held:{offer.pk}",
            topic=Topic.LOCUMS, kind=MessageKind.COMMERCIAL, at=night)
        offer.save(update_fields=["message"])
        assert offer.message.status == MessageStatus.HELD
        held.append(offer)
    mail.outbox.clear()

    actions.do_accept(make_offer(shift, members[0], queue=False), via="link")
    delivery.drain(now=edmonton_time(12, days=2))

    for offer in held:
        assert reload(offer).status == OfferStatus.WITHDRAWN
        assert offer.message.status == MessageStatus.CANCELLED
    assert not any("Take it" in e.body for e in mail.outbox)


def test_the_second_tier_never_goes_once_a_favourite_took_the_shift(org, site, recruiter):
    from rounds.locums.broadcast import do_broadcast, run_second_tier

    shift = make_shift(org, site=site, specialty="", tiered=True, status=ShiftStatus.OPEN)
    favourite, *others = [make_member(org, recruiter, i) for i in range(3)]
    NetworkMember.objects.filter(pk=favourite.pk).update(is_favourite=True)
    do_broadcast(shift, actor=recruiter)
    later = list(ShiftOffer.objects.filter(shift=shift, status=OfferStatus.LATER_TIER))
    assert {o.member_id for o in later} == {m.pk for m in others}

    result = actions.do_accept(ShiftOffer.objects.get(shift=shift, member=favourite),
                               via="link")

    assert result.outcome == actions.BOOKED
    assert {reload(o).status for o in later} == {OfferStatus.WITHDRAWN}
    assert run_second_tier(shift.pk, at=timezone.now() + timedelta(hours=2)) == 0
    assert not Message.objects.filter(candidate__in=[m.candidate for m in others],
                                      idempotency_key__startswith=f"shift:{shift.pk}:").exists()


# --- Still fitting when they say yes ---


def test_a_licence_that_lapsed_since_the_offer_is_refused_with_the_reason(org, site, members):
    from rounds.candidates.models import Licence

    shift = make_shift(org, site=site, licence_jurisdiction="CA-AB")
    yesterday = edmonton_time(12, days=-1).date()
    Licence.objects.filter(candidate=members[0].candidate).delete()
    Licence.objects.create(organization=org, candidate=members[0].candidate,
                           jurisdiction="CA-AB", expires_on=yesterday)
    offer = make_offer(shift, members[0])

    result = actions.do_accept(offer, via="link")

    assert result.outcome == actions.REFUSED
    assert "Licence in CA-AB expired" in result.message
    assert reload(offer).status == OfferStatus.REFUSED
    assert not Booking.objects.filter(shift=shift).exists()
    assert reload(shift).status == ShiftStatus.OFFERED


def test_a_credential_expiring_before_the_shift_ends_is_refused(org, site, members):
    from rounds.candidates.models import Certification

    shift = make_shift(org, site=site, required_credentials=["ACLS"])
    last_day = shift.ends_at.astimezone(edmonton_time(0).tzinfo).date()  # the site's day
    for member, expires in ((members[0], last_day - timedelta(days=1)),
                            (members[1], last_day + timedelta(days=300))):
        Certification.objects.create(organization=org, candidate=member.candidate,
                                     name="ACLS", expires_on=expires)

    refused = actions.do_accept(make_offer(shift, members[0]), via="link")
    booked = actions.do_accept(make_offer(shift, members[1]), via="link")

    assert refused.outcome == actions.REFUSED
    assert "ACLS expires" in refused.message and "before the shift ends" in refused.message
    assert booked.outcome == actions.BOOKED


def test_a_member_whose_profession_no_longer_matches_is_refused(shift, members):
    Candidate.objects.filter(pk=members[0].candidate_id).update(profession="nurse_practitioner")

    result = actions.do_accept(make_offer(shift, members[0]), via="link")

    assert result.outcome == actions.REFUSED and "Not a physician" in result.message


# --- Cancelling a shift that was worked or has started; telling the waitlist ---


def test_the_booking_of_a_worked_shift_cannot_be_cancelled(shift, offers, recruiter):
    booking = actions.do_accept(offers[0], via="link").booking
    actions.do_complete_shift(shift, actor=recruiter)

    with pytest.raises(ValueError, match="was worked"):
        actions.do_cancel_booking(booking, by=CancelledBy.CLINIC, actor=recruiter)

    assert reload(booking).status == BookingStatus.ACTIVE
    assert reload(shift).status == ShiftStatus.COMPLETED
    assert not Message.objects.filter(idempotency_key__endswith=":cancel").exists()


def test_the_booking_of_a_shift_that_started_cannot_be_cancelled(shift, offers):
    booking = actions.do_accept(offers[0], via="link").booking

    with pytest.raises(ValueError, match="has started"):
        actions.do_cancel_booking(booking, by=CancelledBy.MEMBER,
                                  at=shift.starts_at + timedelta(minutes=5))

    assert reload(booking).status == BookingStatus.ACTIVE
    assert reload(shift).status == ShiftStatus.BOOKED


def test_cancelling_the_shift_tells_the_waitlist_once(shift, offers, recruiter):
    actions.do_accept(offers[0], via="link")
    actions.do_accept(offers[1], via="link")
    actions.do_accept(offers[2], via="link")

    actions.do_cancel_shift(shift, actor=recruiter, reason="Clinic closed")
    actions.do_cancel_shift(shift, actor=recruiter, reason="Clinic closed")

    for offer in offers[1:3]:
        notice = Message.objects.get(idempotency_key=f"locums:shift-cancelled:{offer.pk}")
        assert notice.kind == MessageKind.TRANSACTIONAL
        assert notice.candidate_id == offer.candidate_id
        assert "cancelled by the clinic" in notice.body and "Clinic closed" in notice.body
    # Nobody who never said yes is told.
    assert not Message.objects.filter(
        idempotency_key=f"locums:shift-cancelled:{offers[3].pk}").exists()


def test_the_booking_messages_are_from_who_sent_the_offer_in_the_sites_time(org, recruiter,
                                                                            owner):
    """Dana posts and sends the shift; the member lives in Halifax; the organization's sender
    name names someone else. The booking email and text name Dana, and give the shift in Red
    Deer's time with its zone."""
    from conftest import make_user
    from rounds.accounts.choices import Role
    from rounds.outreach.email import email_text
    from rounds.outreach.models import OutreachSettings
    from rounds.outreach.sms import sms_text

    dana = make_user(org, Role.RECRUITER, "dana@prairie.test", "Dana", "Whitfield")
    s = OutreachSettings.for_org(org.pk)
    s.sender_name = "Olivia Owner at Prairie Family Clinics"
    s.save()
    shift = make_shift(org, created_by=dana)
    member = make_member(org, recruiter, 0)
    member.candidate.time_zone = "America/Halifax"
    member.candidate.save(update_fields=["time_zone"])
    offer = make_offer(shift, member, channel="sms")
    offer.message.created_by = dana
    offer.message.save(update_fields=["created_by"])

    result = actions.do_accept(offer, via="sms")

    from rounds.locums import ical

    assert ical.organizer(result.booking)[0] == "Dana Whitfield at Prairie Family Clinics"
    booked = Message.objects.filter(candidate=member.candidate, kind=MessageKind.TRANSACTIONAL)
    email = booked.get(channel="email")
    text = booked.get(channel="sms")
    assert email.created_by == dana and text.created_by == dana
    assert "Dana Whitfield, Prairie Family Clinics" in email_text(email)
    assert "— Dana, Prairie Family Clinics." in sms_text(text)
    assert "Olivia" not in email_text(email) + sms_text(text)
    assert "Prairie Family Clinics: you're booked" in text.body
    assert actions.when_text(shift) in text.body and "MST" in text.body
    assert "AST" not in text.body and "AST" not in email.body
