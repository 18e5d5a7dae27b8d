"""iCalendar invites: valid for vobject, stable UID, SEQUENCE bumped on every change,
METHOD:CANCEL with STATUS:CANCELLED, TEXT escaping, folding at 75 octets without splitting a
UTF-8 character, CRLF line endings, and the attachment the email builder gets."""

from datetime import UTC, datetime, timedelta

import pytest
import vobject
from django.db import transaction

from rounds.candidates.actions import do_create_candidate
from rounds.messaging import purposes
from rounds.messaging.choices import MessageChannel
from rounds.messaging.models import Message

from .. import ical, meetings
from ..choices import MeetingKind

NOW = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # Monday 09:00 in Edmonton
TUESDAY_10 = datetime(2026, 11, 17, 17, 0, tzinfo=UTC)  # 10:00 MST
THURSDAY_15 = datetime(2026, 11, 19, 22, 0, tzinfo=UTC)  # 15:00 MST


@pytest.fixture
def montreal(org, recruiter):
    return do_create_candidate(
        org.pk, actor=recruiter, first_name="Hélène", last_name="Côté-Lefèvre",
        email="helene.cote@example.com", phone="+15145550199", profession="physician",
        city="Montréal", region="QC", country="CA", time_zone="America/Toronto",
    )


def book(candidate, organizer, *, title="Entrevue", location="", when=TUESDAY_10, duration=45):
    meeting = meetings.do_offer_meeting(
        candidate, organizer=organizer, kind=MeetingKind.INTERVIEW, title=title,
        location=location, duration=duration, proposed_times=[when], send_by=None,
        actor=organizer, now=NOW,
    )
    with transaction.atomic():
        meetings.do_book(meeting, when, via="link", now=NOW)
    meeting.refresh_from_db()
    return meeting


def parse(text):
    return vobject.readOne(text, validate=True)


def physical_lines(text):
    assert text.endswith("\r\n")
    body = text[:-2]
    assert "\n" not in body.replace("\r\n", ""), "every line ends with CRLF"
    assert "\r" not in body.replace("\r\n", "")
    return body.split("\r\n")


def test_request_has_every_required_property_and_validates(recruiter, montreal):
    meeting = book(montreal, recruiter, location="Clinique du Plateau, 4e étage")
    text = ical.invite(meeting, now=NOW)
    lines = physical_lines(text)
    assert lines[:5] == ["BEGIN:VCALENDAR", "PRODID:-//Rounds//Outreach//EN", "VERSION:2.0",
                         "CALSCALE:GREGORIAN", "METHOD:REQUEST"]
    assert lines[-2:] == ["END:VEVENT", "END:VCALENDAR"]
    cal = parse(text)
    assert cal.method.value == "REQUEST"
    event = cal.vevent
    assert event.uid.value == meeting.ical_uid == f"{meeting.uuid}@rounds"
    assert event.dtstamp.value == NOW
    assert event.dtstart.value == TUESDAY_10
    assert event.dtend.value == TUESDAY_10 + timedelta(minutes=45)
    assert "DTSTART:20261117T170000Z" in lines and "DTEND:20261117T174500Z" in lines
    assert event.sequence.value == "0"
    assert event.status.value == "CONFIRMED"
    assert event.summary.value == "Entrevue"
    assert event.location.value == "Clinique du Plateau, 4e étage"
    assert event.organizer.value == "mailto:recruiter@prairie.test"
    assert event.organizer.params["CN"] == ["Rita Recruiter"]
    attendee = event.attendee
    assert attendee.value == "mailto:helene.cote@example.com"
    assert attendee.params["CN"] == ["Hélène Côté-Lefèvre"]
    assert attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
    assert attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
    assert attendee.params["RSVP"] == ["TRUE"]
    assert "Details: http://127.0.0.1:8000/o/meet/" in event.description.value


def test_uid_is_stable_and_sequence_bumps_on_reschedule_and_cancel(recruiter, montreal):
    meeting = book(montreal, recruiter)
    first = parse(ical.invite(meeting)).vevent
    with transaction.atomic():
        meetings.do_reschedule(meeting, THURSDAY_15, actor=recruiter, now=NOW)
    moved = parse(ical.invite(meeting)).vevent
    with transaction.atomic():
        meetings.do_cancel(meeting, actor=recruiter, now=NOW)
    cancel_text = ical.invite(meeting, method=ical.CANCEL)
    cancel = parse(cancel_text)
    assert first.uid.value == moved.uid.value == cancel.vevent.uid.value
    assert [first.sequence.value, moved.sequence.value, cancel.vevent.sequence.value] == [
        "0", "1", "2"]
    assert moved.dtstart.value == THURSDAY_15
    assert cancel.method.value == "CANCEL"
    assert cancel.vevent.status.value == "CANCELLED"
    assert "METHOD:CANCEL\r\n" in cancel_text and "STATUS:CANCELLED\r\n" in cancel_text
    assert cancel.vevent.attendee.value == "mailto:helene.cote@example.com"


def test_text_values_are_escaped(recruiter, montreal):
    title = 'Call; then a visit, maybe\\or not\nsecond line "quoted"'
    meeting = book(montreal, recruiter, title=title, location="Room 3; door B, 2nd floor")
    text = ical.invite(meeting)
    unfolded = text.replace("\r\n ", "")
    assert ('SUMMARY:Call\\; then a visit\\, maybe\\\\or not\\nsecond line "quoted"\r\n'
            in unfolded)
    assert "LOCATION:Room 3\\; door B\\, 2nd floor\r\n" in unfolded
    event = parse(text).vevent
    assert event.summary.value == title
    assert event.location.value == "Room 3; door B, 2nd floor"


def test_names_with_special_characters_are_quoted_parameters(recruiter, org):
    odd = do_create_candidate(
        org.pk, actor=recruiter, first_name="Jean", last_name='Roy, MD; "JR"',
        email="jr@example.com", profession="physician",
    )
    meeting = book(odd, recruiter)
    text = ical.invite(meeting)
    assert 'ATTENDEE;CN="Jean Roy, MD; JR";ROLE=' in text.replace("\r\n ", "")
    assert parse(text).vevent.attendee.params["CN"] == ["Jean Roy, MD; JR"]


def test_long_accented_descriptions_fold_at_75_octets_and_round_trip(recruiter, montreal):
    location = ("Hôpital général juif, pavillon Côté-des-Neiges, 3755 chemin de la "
                "Côte-Sainte-Catherine, salle Émile-Nelligan — entrée par la rue Légaré 🏥")
    meeting = book(montreal, recruiter, title="Entrevue : médecine familiale à Montréal, "
                   "équipe élargie — réunion de présentation détaillée", location=location)
    text = ical.invite(meeting)
    lines = physical_lines(text)
    assert max(len(line.encode("utf-8")) for line in lines) <= 75
    assert any(line.startswith(" ") for line in lines)  # something was folded
    for line in lines:
        line.encode("utf-8").decode("utf-8")  # no line holds half a character
    event = parse(text).vevent
    assert event.location.value == location
    assert event.summary.value.startswith("Entrevue : médecine familiale")
    assert location in event.description.value


def test_fold_never_splits_a_multibyte_character():
    line = "DESCRIPTION:" + "é" * 40 + "🏥" * 20 + "x" * 3
    folded = ical.fold(line)
    parts = folded.split("\r\n ")
    assert len(parts) > 2
    assert all(len(p.encode("utf-8")) <= 75 for p in parts[:1])
    assert all(len(p.encode("utf-8")) <= 74 for p in parts[1:])  # plus the leading space
    assert "".join(parts) == line
    assert ical.fold("SHORT:ok") == "SHORT:ok"
    exactly = "X:" + "a" * 73
    assert ical.fold(exactly) == exactly and ical.fold(exactly + "b") == exactly + "\r\n b"


def test_a_confirmation_carries_the_invite_of_its_meeting_and_version(recruiter, montreal):
    """The purpose's attachments rebuild the invite from the message's meeting (`ref_id`) and
    version (`ref_step`); a message whose meeting moved on carries its current version."""
    meeting = book(montreal, recruiter)
    message = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq0:request")
    assert (message.purpose, message.ref_id, message.ref_step) == (
        meetings.CONFIRMATION, meeting.pk, 0)
    [(filename, content, mimetype)] = purposes.attachments(message)
    assert filename == "invite.ics"
    assert mimetype == "text/calendar; method=REQUEST"
    assert parse(content).vevent.sequence.value == "0"
    with transaction.atomic():
        meetings.do_cancel(meeting, actor=recruiter, now=NOW)
    cancel = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq1:cancel")
    assert cancel.purpose == meetings.CANCELLATION
    [(filename, content, mimetype)] = purposes.attachments(cancel)
    assert mimetype == "text/calendar; method=CANCEL"
    assert parse(content).method.value == "CANCEL"
    # The booking confirmation, had it not gone yet, now carries the cancellation.
    assert purposes.attachments(message)[0][2] == "text/calendar; method=CANCEL"


def test_only_a_meetings_messages_in_its_organization_carry_its_invite(
        recruiter, montreal, other_org):
    meeting = book(montreal, recruiter)
    offer = Message(organization=montreal.organization, channel=MessageChannel.EMAIL,
                    purpose=meetings.OFFER, ref_id=meeting.pk)
    assert purposes.attachments(offer) == []
    foreign = Message(organization=other_org, channel=MessageChannel.EMAIL,
                      purpose=meetings.CONFIRMATION, ref_id=meeting.pk, ref_step=0)
    assert purposes.attachments(foreign) == []


def test_a_meeting_without_a_time_has_no_invite(recruiter, montreal):
    meeting = meetings.do_offer_meeting(
        montreal, organizer=recruiter, kind=MeetingKind.CALL, title="Call", send_by=None,
        actor=recruiter, now=NOW,
    )
    with pytest.raises(ValueError):
        ical.invite(meeting)
    with pytest.raises(ValueError):
        ical.invite(meeting, method="PUBLISH")


def test_an_attendee_without_email_is_reached_by_phone_uri(recruiter, org):
    phone_only = do_create_candidate(
        org.pk, actor=recruiter, first_name="Sam", last_name="Text", phone="+14035550111",
        profession="registered_nurse", country="CA",
    )
    meeting = book(phone_only, recruiter)
    event = parse(ical.invite(meeting)).vevent
    assert event.attendee.value == "tel:+14035550111"
    # Without an email, the confirmation goes by text (and carries no attachment).
    texts = Message.objects.filter(idempotency_key__startswith=f"meeting:{meeting.id}:",
                                   candidate__isnull=False)
    assert [(m.channel, m.idempotency_key) for m in texts] == [
        ("sms", f"meeting:{meeting.id}:seq0:request:text")]


def test_the_delivered_confirmation_email_carries_the_invite(recruiter, montreal):
    """End to end through the outbox worker and the email builder (Django's in-memory mail
    backend; the MIME bytes are what an SMTP server would receive)."""
    import email
    import email.policy

    from django.core import mail

    from rounds.messaging import delivery

    meeting = book(montreal, recruiter)
    assert delivery.drain(now=NOW) == 2  # hers, and the organizer's copy
    [sent] = [m for m in mail.outbox if m.to == ["helene.cote@example.com"]]
    parsed = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "Confirmed: Entrevue, Tue 17 Nov, 12:00 EST"
    assert "List-Unsubscribe" not in parsed  # transactional, not commercial
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"
    cal = vobject.readOne(part.get_content(), validate=True)
    assert cal.method.value == "REQUEST"
    assert cal.vevent.uid.value == meeting.ical_uid
    assert cal.vevent.dtstart.value == TUESDAY_10
    message = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq0:request")
    assert message.status == "sent"
