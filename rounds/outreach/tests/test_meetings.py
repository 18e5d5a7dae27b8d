"""Scheduling: free slots (weekends, bookings, DST), offers by email and by text, booking through
the public page and by a text reply, no double booking, reschedule and cancel with their
invites, and who may see or change a meeting."""

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from rounds.accounts.choices import Role
from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.outreach import ical, links, meetings
from rounds.outreach.choices import (
    MeetingKind,
    MeetingStatus,
    MessageChannel,
    MessageKind,
    MessageStatus,
)
from rounds.outreach.models import Meeting, Message, OutreachSettings

EDMONTON = ZoneInfo("America/Edmonton")
HALIFAX = ZoneInfo("America/Halifax")
# Monday 16 November 2026, 09:00 in Edmonton (MST, UTC-7).
NOW = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)


def at(day, hour, minute=0, zone=EDMONTON):
    """A local wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def mon(offset=0):
    return NOW.astimezone(EDMONTON).date() + timedelta(days=offset)


def offer(candidate, organizer, *, times=None, send_by=None, now=NOW, duration=30, **kw):
    return meetings.do_offer_meeting(
        candidate, organizer=organizer, kind=kw.pop("kind", MeetingKind.CALL),
        title=kw.pop("title", "Introductory call"), duration=duration, proposed_times=times,
        send_by=send_by, actor=organizer, now=now, **kw,
    )


def next_weekday_times(hours=(10, 11, 14), min_days=2):
    """Times on the first weekday at least `min_days` ahead of the real clock (for pages that
    book with the real time)."""
    day = timezone.now().astimezone(EDMONTON).date() + timedelta(days=min_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return [at(day, h) for h in hours]


@pytest.fixture
def halifax(org, recruiter):
    """A nurse practitioner in Halifax (Atlantic time) who prefers texts."""
    cand = do_create_candidate(
        org.pk, actor=recruiter, first_name="Chloé", last_name="Boudreau",
        email="chloe.boudreau@example.com", phone="+19025550177", profession="nurse_practitioner",
        city="Halifax", region="NS", country="CA", time_zone="America/Halifax",
        preferred_channels=["sms", "email"],
    )
    for channel in ("email", "sms"):
        do_record_consent(cand, channel=channel, basis=ConsentBasis.EXPRESS, actor=recruiter,
                          evidence="Career fair sign-up", obtained_at=datetime(
                              2026, 2, 1, tzinfo=UTC))
    cand.refresh_from_db()
    return cand


# --- Free slots --------------------------------------------------------------------------------


def test_free_slots_are_meeting_hours_on_weekdays_in_the_org_zone(recruiter):
    slots = meetings.free_slots(recruiter, days=7, duration=30, now=NOW)
    local = [s.astimezone(EDMONTON) for s in slots]
    assert {t.weekday() for t in local} == {0, 1, 2, 3, 4}  # no Saturday, no Sunday
    assert all(time(9, 0) <= t.time() <= time(16, 30) for t in local)
    # Monday starts an hour after now (notice), then every half hour to 16:30.
    monday = [t.time() for t in local if t.date() == mon(0)]
    assert monday[0] == time(10, 0) and monday[-1] == time(16, 30)
    assert len([t for t in local if t.date() == mon(1)]) == 16
    assert all(s > NOW for s in slots)


def test_free_slots_skip_times_overlapping_a_booked_meeting(recruiter, reachable):
    tuesday_10 = at(mon(1), 10)
    meeting = offer(reachable, recruiter, times=[tuesday_10], duration=60)
    with transaction.atomic():
        meetings.do_book(meeting, tuesday_10, via="link", now=NOW)
    tuesday = {s.astimezone(EDMONTON).time() for s in meetings.free_slots(recruiter, now=NOW)
               if s.astimezone(EDMONTON).date() == mon(1)}
    # 10:00-11:00 is taken: 09:30 (ends 10:00) and 11:00 stay, 10:00 and 10:30 go.
    assert time(9, 30) in tuesday and time(11, 0) in tuesday
    assert time(10, 0) not in tuesday and time(10, 30) not in tuesday
    # A 60-minute meeting can't start at 09:30 either (it would run into the booking).
    long = {s.astimezone(EDMONTON).time()
            for s in meetings.free_slots(recruiter, duration=60, now=NOW)
            if s.astimezone(EDMONTON).date() == mon(1)}
    assert time(9, 30) not in long and time(9, 0) in long and time(11, 0) in long
    assert time(16, 0) in long and time(16, 30) not in long  # must end by 17:00


def test_free_slots_ignore_other_organizers_and_cancelled_meetings(recruiter, owner, reachable):
    tuesday_10 = at(mon(1), 10)
    theirs = offer(reachable, owner, times=[tuesday_10])
    with transaction.atomic():
        meetings.do_book(theirs, tuesday_10, via="link", now=NOW)
    mine = offer(reachable, recruiter, times=[tuesday_10])
    with transaction.atomic():
        meetings.do_book(mine, tuesday_10, via="link", now=NOW)
        meetings.do_cancel(mine, actor=recruiter, now=NOW)
    assert tuesday_10 in meetings.free_slots(recruiter, now=NOW)
    assert tuesday_10 not in meetings.free_slots(owner, now=NOW)


def test_free_slots_keep_wall_clock_hours_across_the_november_dst_change(recruiter):
    # Thursday 29 October 2026; clocks go back on Sunday 1 November (MDT UTC-6 -> MST UTC-7).
    now = datetime(2026, 10, 29, 12, 0, tzinfo=UTC)  # 06:00 MDT
    slots = meetings.free_slots(recruiter, days=7, duration=60, now=now)
    by_day = {}
    for s in slots:
        by_day.setdefault(s.astimezone(EDMONTON).date(), []).append(s)
    assert [d.isoformat() for d in by_day] == [
        "2026-10-29", "2026-10-30", "2026-11-02", "2026-11-03", "2026-11-04"]
    before, after = by_day[datetime(2026, 10, 30).date()], by_day[datetime(2026, 11, 2).date()]
    assert before[0] == datetime(2026, 10, 30, 15, 0, tzinfo=UTC)  # 09:00 MDT
    assert after[0] == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 09:00 MST
    assert before[-1].astimezone(EDMONTON).time() == time(16, 0)
    assert after[-1].astimezone(EDMONTON).time() == time(16, 0)
    assert all(len(v) == 15 for v in by_day.values())  # 09:00..16:00 every half hour


def test_free_slots_follow_the_organizations_hours_and_days(org, recruiter):
    conf = OutreachSettings.for_org(org.pk)
    conf.meeting_day_start, conf.meeting_day_end = time(13, 0), time(15, 0)
    conf.meeting_weekdays = [5]  # Saturdays only
    conf.save()
    slots = meetings.free_slots(recruiter, days=7, now=NOW)
    assert [s.astimezone(EDMONTON).strftime("%a %H:%M") for s in slots] == [
        "Sat 13:00", "Sat 13:30", "Sat 14:00", "Sat 14:30"]


# --- Offers ------------------------------------------------------------------------------------


def test_offer_by_email_queues_a_commercial_message_with_the_link_and_times(recruiter, reachable):
    times = [at(mon(1), 10), at(mon(2), 14, 30), at(mon(3), 9)]
    meeting = offer(reachable, recruiter, times=times, send_by="email")
    assert meeting.status == MeetingStatus.PROPOSED
    assert meetings.proposed(meeting) == times
    msg = Message.objects.get(idempotency_key=f"meeting-offer:{meeting.id}")
    assert (msg.channel, msg.kind, msg.status) == (
        MessageChannel.EMAIL, MessageKind.COMMERCIAL, MessageStatus.QUEUED)
    assert msg.to_address == "amara.okafor@example.com"
    assert links.meeting_url(meeting) in msg.body
    assert "1. Tue 17 Nov, 10:00 MST" in msg.body
    assert "2. Wed 18 Nov, 14:30 MST" in msg.body
    assert "3. Thu 19 Nov, 09:00 MST" in msg.body
    assert msg.subject == "Introductory call: pick a time"
    # Offering is idempotent per meeting.
    assert meetings.offer_message(meeting, "email", actor=recruiter, now=NOW).pk == msg.pk


def test_offer_by_text_lists_numbered_times_in_the_candidates_zone(recruiter, halifax):
    times = [at(mon(1), 10), at(mon(1), 11), at(mon(2), 13)]
    meeting = offer(halifax, recruiter, times=times, send_by="sms")
    msg = Message.objects.get(idempotency_key=f"meeting-offer:{meeting.id}")
    assert (msg.channel, msg.kind, msg.status) == (
        MessageChannel.SMS, MessageKind.COMMERCIAL, MessageStatus.QUEUED)
    assert msg.to_address == "+19025550177"
    # 10:00 in Edmonton is 13:00 in Halifax.
    assert "1) Tue 17 Nov, 13:00 AST 2) Tue 17 Nov, 14:00 AST 3) Wed 18 Nov, 16:00 AST" in msg.body
    assert "Reply 1, 2 or 3" in msg.body
    assert links.meeting_url(meeting) in msg.body
    assert msg.body.startswith("Hi Chloé, it's Rita Recruiter at Prairie Family Clinics.")


def test_offer_by_text_without_times_sends_the_self_scheduling_link(recruiter, halifax):
    meeting = offer(halifax, recruiter, send_by="sms")
    assert meeting.proposed_times == []
    msg = Message.objects.get(idempotency_key=f"meeting-offer:{meeting.id}")
    assert "Pick a time that suits you: " + links.meeting_url(meeting) in msg.body
    assert "Reply" not in msg.body


def test_offer_goes_through_the_send_policy(recruiter, candidate):
    # The shared `candidate` has no consent on record: the offer is a commercial message.
    meeting = offer(candidate, recruiter, times=[at(mon(1), 10)], send_by="email")
    msg = Message.objects.get(idempotency_key=f"meeting-offer:{meeting.id}")
    assert msg.status == MessageStatus.DROPPED
    assert "No consent" in msg.status_reason
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PROPOSED  # link still works


def test_offer_refuses_bad_input_naming_the_field(recruiter, reachable, owner, outsider,
                                                  application):
    tuesday_10 = at(mon(1), 10)
    cases = [
        ({"title": "  "}, "title"),
        ({"kind": "lunch"}, "kind"),
        ({"duration": 3}, "duration"),
        ({"times": [NOW - timedelta(hours=1)]}, "proposed_times"),
        ({"times": ["next tuesday"]}, "proposed_times"),
        ({"times": [NOW + timedelta(days=1, hours=i) for i in range(6)]}, "proposed_times"),
        ({"application": application}, "application"),  # another candidate's application
        ({"send_by": "fax"}, "send_by"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            offer(reachable, recruiter, **kwargs)
        assert field in exc.value.message_dict, kwargs
    with pytest.raises(ValidationError) as exc:
        offer(reachable, outsider)
    assert "organizer" in exc.value.message_dict
    booked = offer(reachable, recruiter, times=[tuesday_10])
    with transaction.atomic():
        meetings.do_book(booked, tuesday_10, via="link", now=NOW)
    with pytest.raises(ValidationError) as exc:
        offer(reachable, recruiter, times=[tuesday_10 + timedelta(minutes=15)])
    assert "clashes with “Introductory call”" in exc.value.message_dict["proposed_times"][0]
    assert Meeting.objects.count() == 1


# --- Booking -----------------------------------------------------------------------------------


def test_booking_confirms_with_a_transactional_email_and_invite(recruiter, reachable):
    times = [at(mon(1), 10), at(mon(1), 11)]
    meeting = offer(reachable, recruiter, times=times, send_by="email", location="Zoom")
    with transaction.atomic():
        booked = meetings.do_book(meeting, times[1].isoformat(), via="link", now=NOW)
    assert booked.status == meeting.status == MeetingStatus.BOOKED
    assert booked.starts_at == times[1] and booked.booked_at == NOW
    confirmation = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq0:request")
    assert (confirmation.channel, confirmation.kind, confirmation.status) == (
        MessageChannel.EMAIL, MessageKind.TRANSACTIONAL, MessageStatus.QUEUED)
    assert confirmation.subject == "Confirmed: Introductory call, Tue 17 Nov, 11:00 MST"
    assert "booked for Tue 17 Nov 2026, 11:00–11:30 MST" in confirmation.body
    filename, content, mimetype = ical.attachment_for(confirmation)
    assert (filename, mimetype) == ("invite.ics", "text/calendar; method=REQUEST")
    event = vobject.readOne(content, validate=True).vevent
    assert event.dtstart.value == times[1] and event.uid.value == meeting.ical_uid
    # The organizer gets the same invite by email, once the booking is committed.
    assert len(mail.outbox) == 0  # still inside the test's transaction
    # The timeline shows the booking.
    activity = Activity.objects.get(candidate=reachable, kind=ActivityKind.MEETING)
    assert activity.subject == "Phone call booked: Introductory call"
    assert "Tue 17 Nov 2026, 11:00–11:30 MST" in activity.body
    assert "through the scheduling link" in activity.body


@pytest.mark.django_db(transaction=True)
def test_organizer_receives_the_invite_by_email_after_commit(recruiter, reachable):
    when = at(mon(1), 10)
    meeting = offer(reachable, recruiter, times=[when])
    with transaction.atomic():
        meetings.do_book(meeting, when, via="link", now=NOW)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["recruiter@prairie.test"]
    assert sent.subject == "Booked: Introductory call with Amara Okafor"
    [(filename, content, mimetype)] = sent.attachments
    assert filename == "invite.ics" and mimetype == "text/calendar; method=REQUEST"
    cal = vobject.readOne(content, validate=True)
    assert cal.method.value == "REQUEST"
    message = sent.message()  # the MIME the mail server gets
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"


def test_booking_refuses_times_not_offered_past_or_already_booked(recruiter, reachable):
    times = [at(mon(1), 10), at(mon(1), 11)]
    meeting = offer(reachable, recruiter, times=times)
    for bad in (at(mon(1), 12), "not a time", NOW - timedelta(days=1)):
        with pytest.raises(ValidationError) as exc, transaction.atomic():
            meetings.do_book(meeting, bad, via="link", now=NOW)
        assert "starts_at" in exc.value.message_dict
    with transaction.atomic():
        meetings.do_book(meeting, times[0], via="link", now=NOW)
    with pytest.raises(ValidationError) as exc, transaction.atomic():
        meetings.do_book(meeting, times[1], via="link", now=NOW)
    assert exc.value.message_dict["starts_at"] == [
        "This meeting is already booked for Tue 17 Nov, 10:00 MST."]
    assert Meeting.objects.get(pk=meeting.pk).starts_at == times[0]
    assert Message.objects.filter(idempotency_key__startswith=f"meeting:{meeting.id}:").count() == 1


def test_self_scheduling_books_only_a_free_slot(recruiter, reachable):
    meeting = offer(reachable, recruiter)
    saturday = at(mon(5), 10)
    with pytest.raises(ValidationError), transaction.atomic():
        meetings.do_book(meeting, saturday, via="link", now=NOW)
    with pytest.raises(ValidationError), transaction.atomic():
        meetings.do_book(meeting, at(mon(1), 10, 10), via="link", now=NOW)  # not on the grid
    slot = meetings.free_slots(recruiter, now=NOW)[3]
    with transaction.atomic():
        meetings.do_book(meeting, slot, via="link", now=NOW)
    assert Meeting.objects.get(pk=meeting.pk).starts_at == slot


def test_the_same_slot_cannot_be_booked_twice_for_one_organizer(recruiter, reachable, halifax):
    when = at(mon(2), 14)
    first = offer(reachable, recruiter, times=[when, at(mon(2), 15)])
    second = offer(halifax, recruiter)  # a self-scheduling link over the same free slots
    third = offer(halifax, recruiter, times=[when + timedelta(minutes=15)])
    with transaction.atomic():
        meetings.do_book(first, when, via="link", now=NOW)
    with pytest.raises(meetings.SlotTaken) as exc, transaction.atomic():
        meetings.do_book(second, when, via="link", now=NOW)
    assert "was just taken" in exc.value.message_dict["starts_at"][0]
    # A time that half overlaps the booking is taken too.
    with pytest.raises(meetings.SlotTaken), transaction.atomic():
        meetings.do_book(third, when + timedelta(minutes=15), via="link", now=NOW)
    assert Meeting.objects.filter(status=MeetingStatus.BOOKED).count() == 1
    assert Meeting.objects.get(pk=second.pk).status == MeetingStatus.PROPOSED


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_slot_book_it_once(recruiter, reachable, halifax):
    when = at(mon(3), 10)
    mine = [offer(reachable, recruiter, times=[when]), offer(halifax, recruiter, times=[when])]
    barrier = threading.Barrier(2)
    outcomes = []

    def book(meeting):
        try:
            barrier.wait()
            with transaction.atomic():
                meetings.do_book(meeting, when, via="link", now=NOW)
            outcomes.append("booked")
        except meetings.SlotTaken:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(m,)) for m in mine]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked", "taken"]
    assert Meeting.objects.filter(status=MeetingStatus.BOOKED, starts_at=when).count() == 1


# --- Text replies ------------------------------------------------------------------------------


def test_a_text_reply_with_a_number_books_that_time(recruiter, halifax):
    times = [at(mon(1), 10), at(mon(1), 11), at(mon(2), 13)]
    meeting = offer(halifax, recruiter, times=times, send_by="sms")
    for not_a_choice in ("sounds good", "4", "12", "", "call me at 3"):
        assert meetings.book_from_reply(halifax, not_a_choice, now=NOW) is None
    booked = meetings.book_from_reply(halifax, " 2. ", now=NOW)
    assert booked.pk == meeting.pk and booked.starts_at == times[1]
    assert booked.status == MeetingStatus.BOOKED
    text = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq0:request:text")
    assert (text.channel, text.kind) == (MessageChannel.SMS, MessageKind.TRANSACTIONAL)
    assert "booked for Tue 17 Nov 2026, 14:00–14:30 AST" in text.body
    assert Message.objects.filter(idempotency_key=f"meeting:{meeting.id}:seq0:request",
                                  channel=MessageChannel.EMAIL).exists()
    # The meeting is no longer pending: another "1" books nothing.
    assert meetings.book_from_reply(halifax, "1", now=NOW) is None
    assert "by the candidate's text reply" in Activity.objects.get(
        candidate=halifax, kind=ActivityKind.MEETING).body


def test_a_text_reply_for_a_time_taken_meanwhile_says_so_and_books_nothing(
        recruiter, halifax, reachable):
    times = [at(mon(1), 10), at(mon(1), 11)]
    meeting = offer(halifax, recruiter, times=times, send_by="sms")
    other = offer(reachable, recruiter, times=[times[0]])
    with transaction.atomic():
        meetings.do_book(other, times[0], via="link", now=NOW)
    assert meetings.book_from_reply(halifax, "#1", now=NOW) is None
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PROPOSED
    sorry = Message.objects.get(candidate=halifax, idempotency_key__startswith="meeting-taken:")
    assert sorry.kind == MessageKind.TRANSACTIONAL
    assert sorry.body.startswith("Sorry, Tue 17 Nov, 13:00 AST was just taken.")
    assert links.meeting_url(meeting) in sorry.body
    assert meetings.book_from_reply(halifax, "option 2", now=NOW).starts_at == times[1]


def test_a_reply_through_the_inbound_webhook_path_books_without_a_respond_now_item(
        settings, recruiter, halifax):
    from rounds.outreach import inbound
    from rounds.outreach.models import FollowUp

    times = next_weekday_times()
    meeting = offer(halifax, recruiter, times=times, send_by="sms", now=timezone.now())
    with transaction.atomic():
        inbound.receive_sms({"MessageSid": "SM" + "2" * 32, "From": "+19025550177",
                             "To": settings.SMS_FROM_NUMBER, "Body": "2"})
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.BOOKED and meeting.starts_at == times[1]
    assert not FollowUp.objects.filter(candidate=halifax).exists()
    assert Message.objects.filter(idempotency_key=f"meeting:{meeting.id}:seq0:request:text",
                                  channel=MessageChannel.SMS).exists()


def test_choice_from_text_reads_only_a_bare_number():
    assert [meetings.choice_from_text(t) for t in ("1", "2!", "#3", "Option 2", " 3 ")] == [
        1, 2, 3, 2, 3]
    assert [meetings.choice_from_text(t) for t in ("10", "1 or 2", "STOP", "yes 1", "")] == [
        None] * 5


# --- Reschedule and cancel ---------------------------------------------------------------------


def _booked(candidate, organizer, when=None):
    when = when or at(mon(1), 10)
    meeting = offer(candidate, organizer, times=[when])
    with transaction.atomic():
        meetings.do_book(meeting, when, via="link", now=NOW)
    return meeting


def test_reschedule_bumps_the_sequence_keeps_the_uid_and_sends_a_new_request(
        recruiter, reachable):
    meeting = _booked(reachable, recruiter)
    uid = meeting.ical_uid
    new_time = at(mon(3), 15, 30)
    with transaction.atomic():
        meetings.do_reschedule(meeting, new_time, actor=recruiter, now=NOW)
    meeting.refresh_from_db()
    assert (meeting.ical_uid, meeting.ical_sequence, meeting.starts_at) == (uid, 1, new_time)
    first = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq0:request")
    second = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq1:request")
    assert first.status == MessageStatus.CANCELLED  # never went: the newer version replaces it
    assert second.subject == "Moved: Introductory call, now Thu 19 Nov, 15:30 MST"
    assert "moved from Tue 17 Nov, 10:00 MST to Thu 19 Nov 2026, 15:30–16:00 MST" in second.body
    event = vobject.readOne(ical.attachment_for(second)[1], validate=True).vevent
    assert event.uid.value == uid and event.sequence.value == "1"
    assert event.dtstart.value == new_time
    # An older confirmation, if it still went out, would carry the current version.
    stale = vobject.readOne(ical.attachment_for(first)[1]).vevent
    assert stale.sequence.value == "1" and stale.dtstart.value == new_time
    subjects = list(Activity.objects.filter(candidate=reachable, kind=ActivityKind.MEETING)
                    .order_by("id").values_list("subject", flat=True))
    assert subjects == ["Phone call booked: Introductory call",
                        "Phone call moved: Introductory call"]


def test_reschedule_refuses_a_clash_a_past_time_and_an_unbooked_meeting(
        recruiter, reachable, halifax):
    meeting = _booked(reachable, recruiter)
    _booked(halifax, recruiter, at(mon(2), 10))
    for bad, needle in ((at(mon(2), 10, 15), "clashes with"), (NOW - timedelta(hours=2),
                        "has already passed"), (meeting.starts_at, "already the meeting's time")):
        with pytest.raises(ValidationError) as exc, transaction.atomic():
            meetings.do_reschedule(meeting, bad, actor=recruiter, now=NOW)
        assert needle in exc.value.message_dict["starts_at"][0]
    pending = offer(reachable, recruiter)
    with pytest.raises(ValidationError), transaction.atomic():
        meetings.do_reschedule(pending, at(mon(4), 10), actor=recruiter, now=NOW)
    assert Meeting.objects.get(pk=meeting.pk).ical_sequence == 0


def test_cancel_sends_method_cancel_with_the_next_sequence(recruiter, reachable):
    meeting = _booked(reachable, recruiter)
    with transaction.atomic():
        meetings.do_cancel(meeting, actor=recruiter, reason="The clinic is closed that day.",
                           now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.ical_sequence == 1
    assert meeting.cancelled_at == NOW
    msg = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq1:cancel")
    assert msg.kind == MessageKind.TRANSACTIONAL
    assert "is cancelled" in msg.body and "The clinic is closed that day." in msg.body
    filename, content, mimetype = ical.attachment_for(msg)
    assert mimetype == "text/calendar; method=CANCEL"
    cal = vobject.readOne(content, validate=True)
    assert cal.method.value == "CANCEL"
    assert cal.vevent.status.value == "CANCELLED" and cal.vevent.sequence.value == "1"
    assert cal.vevent.uid.value == meeting.ical_uid
    with pytest.raises(ValidationError), transaction.atomic():
        meetings.do_cancel(meeting, actor=recruiter, now=NOW)


def test_withdrawing_an_offer_cancels_its_unsent_message_and_sends_no_invite(
        recruiter, reachable):
    meeting = offer(reachable, recruiter, times=[at(mon(1), 10)], send_by="email")
    with transaction.atomic():
        meetings.do_cancel(meeting, actor=recruiter, now=NOW)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.ical_sequence == 0
    assert Message.objects.get(idempotency_key=f"meeting-offer:{meeting.id}").status == (
        MessageStatus.CANCELLED)
    assert not Message.objects.filter(idempotency_key__startswith=f"meeting:{meeting.id}:")
    assert Activity.objects.get(candidate=reachable, kind=ActivityKind.MEETING).subject == (
        "Phone call offer withdrawn: Introductory call")
    with pytest.raises(ValidationError), transaction.atomic():
        meetings.do_book(meeting, at(mon(1), 10), via="link", now=NOW)


# --- Signed-in pages ---------------------------------------------------------------------------


def test_recruiter_offers_picked_times_by_text_from_the_page(login, recruiter, halifax):
    client = login(recruiter)
    url = reverse("outreach:meeting_new", args=[halifax.uuid])
    page = client.get(url)
    assert page.status_code == 200
    slots = page.context["form"].fields["times"].choices
    assert len(slots) > 10
    # The recruiter sees the candidate's clock next to their own.
    assert "AST" in page.content.decode()
    picked = [slots[0][0], slots[5][0], slots[9][0]]
    response = client.post(url, {"kind": "call", "title": "Intro call", "duration": "30",
                                 "mode": "times", "times": picked, "send_by": "sms"})
    meeting = Meeting.objects.get(candidate=halifax)
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:meeting", args=[meeting.uuid])
    assert [t.isoformat() for t in meetings.proposed(meeting)] == picked
    assert meeting.organizer == recruiter
    msg = Message.objects.get(idempotency_key=f"meeting-offer:{meeting.id}")
    assert msg.channel == "sms" and "Reply 1, 2 or 3" in msg.body
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and "Intro call" in detail.content.decode()


def test_offer_page_lets_them_choose_and_names_what_to_fix(login, recruiter, reachable):
    client = login(recruiter)
    url = reverse("outreach:meeting_new", args=[reachable.uuid])
    bad = client.post(url, {"kind": "call", "title": "", "duration": "30", "mode": "times",
                            "send_by": "email"})
    assert bad.status_code == 400
    errors = bad.context["form"].errors
    assert "title" in errors and "Tick the times" in errors["times"][0]
    assert not Meeting.objects.exists()
    ok = client.post(url, {"kind": "video", "title": "Video chat", "duration": "45",
                           "mode": "link", "send_by": ""})
    assert ok.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.kind, meeting.duration_minutes, meeting.proposed_times) == (
        "video", 45, [])
    assert not Message.objects.filter(idempotency_key__startswith="meeting-offer:").exists()


def test_offer_page_refuses_a_channel_the_candidate_refused(login, recruiter, reachable):
    do_record_consent(reachable, channel="sms", basis=ConsentBasis.REVOKED, actor=recruiter,
                      evidence="Replied STOP")
    client = login(recruiter)
    url = reverse("outreach:meeting_new", args=[reachable.uuid])
    response = client.post(url, {"kind": "call", "title": "Intro", "duration": "30",
                                 "mode": "link", "send_by": "sms"})
    assert response.status_code == 400
    assert "Text message can't be used" in response.context["form"].errors["send_by"][0]
    assert not Meeting.objects.exists()


def test_recruiter_reschedules_and_cancels_from_the_meeting_page(login, recruiter, reachable):
    when = next_weekday_times()[0]
    meeting = offer(reachable, recruiter, times=[when], now=timezone.now())
    with transaction.atomic():
        meetings.do_book(meeting, when, via="link")
    client = login(recruiter)
    url = reverse("outreach:meeting", args=[meeting.uuid])
    new_local = (when + timedelta(days=1, hours=2)).astimezone(EDMONTON)
    moved = client.post(url, {"action": "reschedule",
                              "starts_at": new_local.strftime("%Y-%m-%dT%H:%M")})
    assert moved.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == new_local.astimezone(UTC) and meeting.ical_sequence == 1
    bad = client.post(url, {"action": "reschedule", "starts_at": "tomorrow-ish"})
    assert bad.status_code == 400
    assert "Give a date and time" in bad.context["reschedule_form"].errors["starts_at"][0]
    cancelled = client.post(url, {"action": "cancel", "reason": ""})
    assert cancelled.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED and meeting.ical_sequence == 2
    assert Message.objects.filter(idempotency_key=f"meeting:{meeting.id}:seq2:cancel").exists()


def test_outsider_gets_404_and_changes_nothing(login, outsider, recruiter, reachable):
    meeting = _booked(reachable, recruiter)
    client = login(outsider)
    url = reverse("outreach:meeting", args=[meeting.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "cancel"}).status_code == 404
    new = reverse("outreach:meeting_new", args=[reachable.uuid])
    assert client.get(new).status_code == 404
    assert client.post(new, {"kind": "call", "title": "x", "duration": "30", "mode": "link",
                             "send_by": ""}).status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.BOOKED and Meeting.objects.count() == 1


def test_read_only_sees_the_meeting_but_cannot_change_it(login, read_only, recruiter, reachable):
    meeting = _booked(reachable, recruiter)
    client = login(read_only)
    url = reverse("outreach:meeting", args=[meeting.uuid])
    page = client.get(url)
    assert page.status_code == 200 and "Cancel the meeting" not in page.content.decode()
    assert client.post(url, {"action": "cancel"}).status_code == 403
    assert client.get(reverse("outreach:meeting_new", args=[reachable.uuid])).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.BOOKED


def test_hiring_manager_sees_meetings_only_of_people_and_jobs_they_are_on(
        login, hiring_manager, recruiter, reachable, hm_job, other_job):
    from rounds.pipeline.actions import do_add_to_pipeline

    assert hiring_manager.role == Role.HIRING_MANAGER
    meeting = _booked(reachable, recruiter)
    client = login(hiring_manager)
    url = reverse("outreach:meeting", args=[meeting.uuid])
    assert client.get(url).status_code == 404
    do_add_to_pipeline(reachable, hm_job, actor=recruiter)
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "cancel"}).status_code == 403
    about_other_job = offer(reachable, recruiter,
                            application=do_add_to_pipeline(reachable, other_job, actor=recruiter))
    assert client.get(reverse("outreach:meeting", args=[about_other_job.uuid])).status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.BOOKED


def test_signing_in_is_required(client, recruiter, reachable):
    meeting = _booked(reachable, recruiter)
    response = client.get(reverse("outreach:meeting", args=[meeting.uuid]))
    assert response.status_code == 302 and "login" in response["Location"]


# --- The public page ---------------------------------------------------------------------------


def _token(meeting):
    return links.meeting_url(meeting).rstrip("/").rsplit("/", 1)[1]


def test_candidate_books_a_proposed_time_on_the_public_page(client, recruiter, halifax):
    times = next_weekday_times()
    meeting = offer(halifax, recruiter, times=times, now=timezone.now())
    url = links.meeting_url(meeting).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "America/Halifax" in html
    for t in times:  # each offered time is a button, in the candidate's clock
        assert f'value="{t.isoformat()}"' in html
        assert t.astimezone(HALIFAX).strftime("%H:%M") in html
    response = client.post(url, {"starts_at": times[1].isoformat()})
    assert response.status_code == 302 and response["Location"] == url
    # A second tap on the same button just shows the booking; another time is refused.
    assert client.post(url, {"starts_at": times[1].isoformat()}).status_code == 302
    refused = client.post(url, {"starts_at": times[2].isoformat()})
    assert refused.status_code == 400 and "already booked" in refused.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.BOOKED and meeting.starts_at == times[1]
    done = client.get(url).content.decode()
    assert "You're booked" in done and "invite.ics" in done
    ics = client.get(reverse("outreach_public:meeting_invite", args=[_token(meeting)]))
    assert ics.status_code == 200
    assert ics["Content-Type"].startswith("text/calendar")
    event = vobject.readOne(ics.content.decode(), validate=True).vevent
    assert event.dtstart.value == times[1] and event.uid.value == meeting.ical_uid
    msg = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq0:request")
    assert msg.kind == MessageKind.TRANSACTIONAL and msg.status == MessageStatus.QUEUED


def test_public_page_offers_free_slots_for_a_link(client, recruiter, reachable):
    meeting = offer(reachable, recruiter, now=timezone.now())
    url = links.meeting_url(meeting).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    slots = meetings.free_slots(recruiter)
    values = [t["value"] for day in page.context["days"] for t in day["times"]]
    assert values == [s.isoformat() for s in slots]
    assert client.post(url, {"starts_at": slots[2].isoformat()}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == slots[2]


def test_public_page_says_when_a_slot_was_taken_and_shows_the_rest(
        client, recruiter, reachable, halifax):
    times = next_weekday_times()
    meeting = offer(halifax, recruiter, times=times, now=timezone.now())
    other = offer(reachable, recruiter, times=[times[0]], now=timezone.now())
    with transaction.atomic():
        meetings.do_book(other, times[0], via="link")
    url = links.meeting_url(meeting).removeprefix("http://127.0.0.1:8000")
    response = client.post(url, {"starts_at": times[0].isoformat()})
    assert response.status_code == 409
    html = response.content.decode()
    assert "was just taken" in html
    assert f'value="{times[0].isoformat()}"' not in html
    assert f'value="{times[1].isoformat()}"' in html and f'value="{times[2].isoformat()}"' in html
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PROPOSED
    assert client.post(url, {"starts_at": "garbage"}).status_code == 400


def test_public_page_of_a_cancelled_meeting_says_so(client, recruiter, reachable):
    meeting = offer(reachable, recruiter, times=next_weekday_times(), now=timezone.now())
    with transaction.atomic():
        meetings.do_cancel(meeting, actor=recruiter)
    url = links.meeting_url(meeting).removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200 and "This meeting was cancelled" in page.content.decode()
    response = client.post(url, {"starts_at": next_weekday_times()[0].isoformat()})
    assert response.status_code == 400 and "was cancelled" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED
    assert client.get(url + "invite.ics").status_code == 404  # never had a time


def test_cancelled_booking_downloads_a_cancel_invite(client, recruiter, reachable):
    when = next_weekday_times()[0]
    meeting = offer(reachable, recruiter, times=[when], now=timezone.now())
    with transaction.atomic():
        meetings.do_book(meeting, when, via="link")
        meetings.do_cancel(meeting, actor=recruiter)
    url = links.meeting_url(meeting).removeprefix("http://127.0.0.1:8000")
    cal = vobject.readOne(client.get(url + "invite.ics").content.decode(), validate=True)
    assert cal.method.value == "CANCEL" and cal.vevent.status.value == "CANCELLED"


def test_forged_or_foreign_tokens_get_a_404_page(client, recruiter, reachable):
    meeting = offer(reachable, recruiter, times=next_weekday_times(), now=timezone.now())
    good = _token(meeting)
    forged = [
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # altered signature
        links.make_token(links.UNSUBSCRIBE, meeting.uuid.hex),  # signed for another purpose
        meeting.uuid.hex,  # unsigned
        links.make_token(links.MEETING, "not-a-uuid"),
    ]
    for token in forged:
        url = reverse("outreach_public:meeting", args=[token])
        response = client.get(url)
        assert response.status_code == 404, token
        assert "We can't find this meeting" in response.content.decode()
        assert client.post(url, {"starts_at": next_weekday_times()[0].isoformat()}
                           ).status_code == 404
        ics = reverse("outreach_public:meeting_invite", args=[token])
        assert client.get(ics).status_code == 404
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PROPOSED


def test_meeting_writes_move_the_candidates_updated_at(recruiter, reachable):
    before = reachable.updated_at
    _booked(reachable, recruiter)
    reachable.refresh_from_db()
    assert reachable.updated_at > before


# --- who the messages are from, and their words -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_messages_about_a_meeting_are_from_its_organizer_in_plain_words(org, owner, reachable):
    from conftest import make_user

    dana = make_user(org, Role.RECRUITER, "dana@prairie.test", "Dana", "Whitfield")
    s = OutreachSettings.for_org(org.pk)
    s.sender_name = "Olivia Owner at Prairie Family Clinics"
    s.save()
    when = at(mon(1), 10)
    # The owner offers it on Dana's calendar; the candidate books it through the link.
    meeting = meetings.do_offer_meeting(
        reachable, organizer=dana, kind=MeetingKind.CALL,
        title="Introductory call with Amara Okafor", proposed_times=[when],
        send_by="email", actor=owner, now=NOW)
    with transaction.atomic():
        meetings.do_book(meeting, when, via="link", now=NOW)
    offer_message = Message.objects.get(idempotency_key=meetings.offer_key(meeting))
    confirmation = Message.objects.get(idempotency_key=f"meeting:{meeting.id}:seq0:request")
    assert offer_message.created_by == dana and confirmation.created_by == dana
    # The candidate isn't told about a call "with Amara Okafor"; the organizer's copy doesn't
    # name her twice.
    assert offer_message.subject == "Introductory call: pick a time"
    assert confirmation.subject.startswith("Confirmed: Introductory call, ")
    assert "with Dana Whitfield at Prairie Family Clinics is booked" in confirmation.body
    assert "Olivia" not in offer_message.body + confirmation.body
    assert mail.outbox[-1].subject == "Booked: Introductory call with Amara Okafor"
    # The footer signs once: Dana, for the organization.
    from rounds.outreach.email import email_text

    footer = email_text(confirmation).split("\n-- \n", 1)[1]
    assert footer.splitlines()[0] == "Dana Whitfield, Prairie Family Clinics"
    assert confirmation.body.rstrip().splitlines()[-1].startswith("Details: ")  # not signed twice
