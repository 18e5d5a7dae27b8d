"""The booking invite: valid for vobject, a stable UID, METHOD:REQUEST then METHOD:CANCEL with
the SEQUENCE bumped, times in UTC, the organization as organizer and the member as attendee,
and the attachment the confirmation email gets from its idempotency key."""

from datetime import UTC

import pytest
import vobject

from rounds.locums import actions, ical
from rounds.locums.choices import CancelledBy
from rounds.outreach.models import Message, OutreachSettings

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

    filename, content, mimetype = ical.attachment_for(confirmation(booking, "cancel"))

    cal = parse(content)
    assert (filename, mimetype) == ("invite.ics", "text/calendar; method=CANCEL")
    assert cal.method.value == "CANCEL"
    assert cal.vevent.uid.value == uid
    assert cal.vevent.sequence.value == "1"
    assert cal.vevent.status.value == "CANCELLED"


def test_the_confirmation_carries_the_request(booking):
    filename, content, mimetype = ical.attachment_for(confirmation(booking))

    assert mimetype == "text/calendar; method=REQUEST"
    assert parse(content).vevent.uid.value == booking.ical_uid


def test_a_confirmation_sent_after_the_cancel_carries_the_cancel(booking):
    request = confirmation(booking)
    actions.do_cancel_booking(booking, by=CancelledBy.CLINIC)

    _, content, mimetype = ical.attachment_for(request)

    assert mimetype == "text/calendar; method=CANCEL"
    assert parse(content).vevent.status.value == "CANCELLED"


def test_other_messages_carry_no_invite(booking):
    other = Message.objects.exclude(idempotency_key__startswith="booking:").first()
    assert ical.attachment_for(other) is None
    assert ical.parse_key("meeting:1:seq0:request") is None
    assert ical.parse_key(f"booking:{booking.pk}:seq3:cancel") == (booking.pk, 3, "CANCEL")


def test_a_key_of_another_organization_finds_nothing(booking, other_org):
    foreign = Message(organization=other_org, idempotency_key=confirmation(booking)
                      .idempotency_key)
    assert ical.attachment_for(foreign) is None
