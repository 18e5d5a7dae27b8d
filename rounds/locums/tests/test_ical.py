"""The booking invite: valid for vobject, a stable UID, METHOD:REQUEST then METHOD:CANCEL with
the SEQUENCE bumped, times in UTC, the organization as organizer and the member as attendee,
and the attachment the confirmation email gets from its idempotency key."""

from datetime import UTC

import pytest
import vobject

from rounds.locums import actions, ical
from rounds.locums.choices import CancelledBy
from rounds.locums.purposes import BOOKING, BOOKING_CANCELLED
from rounds.messaging import purposes
from rounds.messaging.models import Message, OutreachSettings

from .test_accept import make_member, make_offer, make_shift, make_site


def parse(text):
    return vobject.readOne(text, validate=True)


@pytest.fixture
def booking(org, recruiter):
    site = make_site(org, "Red Deer Regional Hospital Centre — Emergency Department, "
                          "south entrance")
    shift = make_shift(org, site=site)
    member = make_member(org, recruiter, 0)
    return actions.do_accept(make_offer(shift, member), via="link").booking


def confirmation(booking, method="request"):
    return Message.objects.get(
        idempotency_key=f"booking:{booking.pk}:seq{booking.ical_sequence}:{method}")


def test_the_request_validates_with_every_property(booking, org):
    OutreachSettings.objects.filter(organization=org).update(
        sender_email="locums@prairie.example", sender_name="Prairie Locums")
    text = ical.invite(booking)

    cal = parse(text)
    assert cal.method.value == "REQUEST"
    event = cal.vevent
    assert event.uid.value == booking.ical_uid
    assert event.sequence.value == "0"
    assert event.dtstart.value == booking.starts_at.astimezone(UTC)
    assert event.dtend.value == booking.ends_at.astimezone(UTC)
    assert event.dtstart.value.tzinfo is not None and event.dtstart.value.utcoffset().seconds == 0
    assert event.summary.value == ("Locum shift: Physician — Family Medicine at Red Deer "
                                   "Regional Hospital Centre — Emergency Department, south "
                                   "entrance")
    assert "4920 49 St" in event.location.value and "T4N 1V2" in event.location.value
    assert event.organizer.value == "mailto:locums@prairie.example"
    assert event.organizer.params["CN"] == ["Prairie Locums"]
    assert event.attendee.value == f"mailto:{booking.candidate.email}"
    assert event.status.value == "CONFIRMED"
    assert hasattr(event, "dtstamp")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_the_organizer_falls_back_to_the_site_address(booking):
    assert parse(ical.invite(booking)).vevent.organizer.value == "mailto:no-reply@rounds.local"


def test_cancelling_sends_the_same_uid_with_a_higher_sequence(booking):
    uid = booking.ical_uid
    actions.do_cancel_booking(booking, by=CancelledBy.MEMBER)
    booking.refresh_from_db()

    [(filename, content, mimetype)] = purposes.attachments(confirmation(booking, "cancel"))

    cal = parse(content)
    assert (filename, mimetype) == ("invite.ics", "text/calendar; method=CANCEL")
    assert cal.method.value == "CANCEL"
    assert cal.vevent.uid.value == uid
    assert cal.vevent.sequence.value == "1"
    assert cal.vevent.status.value == "CANCELLED"


def test_the_confirmation_carries_the_request(booking):
    [(filename, content, mimetype)] = purposes.attachments(confirmation(booking))

    assert mimetype == "text/calendar; method=REQUEST"
    assert parse(content).vevent.uid.value == booking.ical_uid


def test_a_confirmation_sent_after_the_cancel_carries_the_cancel(booking):
    request = confirmation(booking)
    actions.do_cancel_booking(booking, by=CancelledBy.CLINIC)

    [(_, content, mimetype)] = purposes.attachments(request)

    assert mimetype == "text/calendar; method=CANCEL"
    assert parse(content).vevent.status.value == "CANCELLED"


def test_other_messages_carry_no_invite(booking):
    other = Message.objects.exclude(purpose__in=[BOOKING, BOOKING_CANCELLED]).first()
    assert other is not None and purposes.attachments(other) == []


def test_a_booking_of_another_organization_carries_nothing(booking, other_org):
    mine = confirmation(booking)
    foreign = Message(organization=other_org, purpose=mine.purpose, ref_id=mine.ref_id,
                      ref_step=mine.ref_step)
    assert purposes.attachments(foreign) == []
