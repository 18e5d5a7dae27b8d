"""Broadcasting a shift: who gets an offer, on which channel, held or unreachable with the
reason, tiers, re-broadcasts, and what goes out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from rounds.candidates.choices import ConsentBasis, LicenceStatus
from rounds.locums.broadcast import SMS_LIMIT, do_broadcast, offer_body, run_second_tier
from rounds.locums.choices import OfferStatus, ShiftStatus
from rounds.locums.links import read_accept_token
from rounds.locums.models import NetworkList, Shift, ShiftOffer
from rounds.messaging.choices import MessageKind, MessageStatus, Topic
from rounds.messaging.models import Message

from .test_fit import AT, STARTS, book, make_member, make_shift, make_site

# 07:00 UTC is midnight in Edmonton: outside every sending window.
MIDNIGHT = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


@pytest.fixture
def site(org):
    return make_site(org)


@pytest.fixture
def shift(org, site, recruiter):
    return make_shift(org, site, created_by=recruiter)


def offers(shift):
    return {o.member_id: o for o in ShiftOffer.objects.filter(shift=shift)}


def test_a_broadcast_offers_every_fitting_member_on_their_channel(shift, org, recruiter):
    by_email = make_member(org, recruiter, "Amara", channels=["email", "sms"])
    by_text = make_member(org, recruiter, "Tomas", channels=["sms", "email"])
    unfit = make_member(org, recruiter, "Uma", certifications=[])
    result = do_broadcast(shift, actor=recruiter, at=AT)

    assert result.offered == 2
    assert result.by_channel == {"email": 1, "sms": 1}
    assert result.held == 0 and result.unreachable == []
    assert [(m.pk, r) for m, r in result.unfit] == [(unfit.pk, ["No ACLS on record"])]
    written = offers(shift)
    assert set(written) == {by_email.pk, by_text.pk}
    assert written[by_email.pk].channel == "email"
    assert written[by_text.pk].channel == "sms"
    assert written[by_text.pk].why_channel == "Text message: Tomas's first choice."
    for member in (by_email, by_text):
        offer = written[member.pk]
        assert offer.status == OfferStatus.QUEUED and offer.tier == 1 and offer.rank >= 1
        message = offer.message
        assert message.idempotency_key == f"shift:{shift.pk}:offer:{member.pk}"
        assert (message.topic, message.kind) == (Topic.LOCUMS, MessageKind.COMMERCIAL)
        assert message.status == MessageStatus.QUEUED
        assert message.candidate_id == member.candidate_id
        assert message.thread.candidate_id == member.candidate_id
        assert message.created_by == recruiter
        assert (message.subject, message.body) == offer_body(offer, offer.channel)
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OFFERED
    assert shift.broadcast_at == AT


def test_the_offer_says_what_where_when_rate_and_links_to_accept(shift, org, recruiter):
    amara = make_member(org, recruiter, "Amara", channels=["email"])
    tomas = make_member(org, recruiter, "Tomas", channels=["sms"], city="Toronto",
                        phone="+14165550188")
    do_broadcast(shift, actor=recruiter, at=AT)
    written = offers(shift)
    email = written[amara.pk].message
    assert email.subject == "Locum shift: Family medicine (physician) at Red Deer Clinic, 14 Dec"
    assert "Where: Red Deer Clinic, 4920 51 St, Red Deer, AB" in email.body
    assert "When: Mon 14 Dec 2026, 08:00–17:00 MST" in email.body
    assert "Rate: $1,800 CAD per day" in email.body
    assert "Terms: Call 1 in 4; lodging provided." in email.body
    assert "Needs: a current licence in CA-AB, ACLS" in email.body
    token = email.body.split("/s/accept/")[1].split("/")[0]
    assert read_accept_token(token) == (written[amara.pk].pk, shift.uuid.hex)
    assert "Rita Recruiter at Prairie Family Clinics has a locum shift" in email.body
    assert "What: Family medicine (physician)" in email.body
    text = written[tomas.pk].message
    # Tomas lives in Toronto: the shift is still told in Red Deer's time, with its zone.
    assert "Mon 14 Dec 2026, 08:00–17:00 MST" in text.body and "EST" not in text.body
    assert "Reply YES to take it.\nFewer offers: " in text.body
    assert "/s/accept/" in text.body and text.subject == ""


def test_credential_expiry_and_licence_jurisdiction_gate_the_broadcast(shift, org, recruiter):
    ok = make_member(org, recruiter, "Ok")
    expired = make_member(org, recruiter, "Ex", certifications=[("ACLS", date(2026, 3, 1))])
    bc_only = make_member(org, recruiter, "Bc", licences=[
        ("CA-BC", LicenceStatus.ACTIVE, None)])
    result = do_broadcast(shift, actor=recruiter, at=AT)
    assert set(offers(shift)) == {ok.pk}
    assert dict((m.pk, r) for m, r in result.unfit) == {
        expired.pk: ["ACLS expired 2026-03-01"], bc_only.pk: ["No current licence in CA-AB"]}
    assert not Message.objects.filter(candidate__in=[expired.candidate, bc_only.candidate]).exists()


def test_a_member_booked_on_an_overlapping_shift_is_not_offered(shift, org, site, recruiter):
    busy = make_member(org, recruiter, "Busy")
    free = make_member(org, recruiter, "Free")
    other = make_shift(org, make_site(org, name="Olds Clinic", city="Olds"),
                       starts_at=STARTS + timedelta(hours=2), ends_at=STARTS + timedelta(hours=6),
                       status=ShiftStatus.BOOKED)
    book(busy, other)
    result = do_broadcast(shift, actor=recruiter, at=AT)
    assert set(offers(shift)) == {free.pk}
    assert dict((m.pk, r) for m, r in result.unfit) == {
        busy.pk: ["Booked at Olds Clinic on 14 Dec"]}


def test_muted_lists_and_weekly_caps_are_respected(org, site, recruiter):
    er = NetworkList.objects.create(organization=org, name="ER nocturnists")
    listed = make_member(org, recruiter, "Lee", lists=[er])
    muting = make_member(org, recruiter, "Max", lists=[er], muted=[er], cap=5)
    capped = make_member(org, recruiter, "Cap", lists=[er], cap=1)
    make_member(org, recruiter, "Notlisted")
    earlier = make_shift(org, site, starts_at=STARTS + timedelta(days=40),
                         ends_at=STARTS + timedelta(days=40, hours=9))
    do_broadcast(earlier, actor=recruiter, at=AT - timedelta(days=2))
    assert len(offers(earlier)) == 4  # the earlier shift names no list: everyone
    shift = make_shift(org, site, lists=[er])
    result = do_broadcast(shift, actor=recruiter, at=AT)
    assert set(offers(shift)) == {listed.pk}
    assert dict((m.pk, r) for m, r in result.unfit) == {
        muting.pk: ["Muted the list “ER nocturnists”"],
        capped.pk: ["Weekly cap of 1 offer reached"]}


def test_a_member_who_opted_out_of_texts_gets_email(shift, org, recruiter):
    member = make_member(org, recruiter, "Sol", channels=["sms", "email"],
                         consent={"sms": ConsentBasis.REVOKED, "email": ConsentBasis.EXPRESS})
    result = do_broadcast(shift, actor=recruiter, at=AT)
    offer = offers(shift)[member.pk]
    assert offer.channel == "email" and offer.status == OfferStatus.QUEUED
    assert offer.why_channel.startswith("Email: next in Sol's order. Skipped text messages: "
                                        "Sol opted out of text messages.")
    assert offer.message.channel == "email" and offer.message.status == MessageStatus.QUEUED
    assert result.by_channel == {"email": 1}


def test_a_member_no_channel_may_reach_is_unreachable_with_the_reason(shift, org, recruiter):
    member = make_member(org, recruiter, "Nic", consent={})
    result = do_broadcast(shift, actor=recruiter, at=AT)
    offer = offers(shift)[member.pk]
    assert offer.status == OfferStatus.UNREACHABLE
    assert offer.message is None
    assert offer.status_reason == (
        "No channel allowed. Email: No consent on record for email (CASL); text messages: No "
        "consent on record for text messages (CASL).")
    assert [(m.pk, why) for m, why in result.unreachable] == [(member.pk, offer.status_reason)]
    assert result.by_channel == {}
    assert not Message.objects.filter(candidate=member.candidate).exists()
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OPEN  # nobody was reached


def test_broadcasting_again_reaches_a_member_who_has_given_consent_since(
        shift, org, recruiter):
    from rounds.candidates.actions import do_record_consent

    member = make_member(org, recruiter, "Nic", consent={}, channels=["sms"])
    do_broadcast(shift, actor=recruiter, at=AT)
    assert offers(shift)[member.pk].status == OfferStatus.UNREACHABLE
    do_record_consent(member.candidate, channel="sms", basis=ConsentBasis.EXPRESS,
                      actor=recruiter, evidence="Texted us")
    result = do_broadcast(shift, actor=recruiter, at=AT + timedelta(hours=1))
    assert result.offered == 1 and result.by_channel == {"sms": 1}
    offer = offers(shift)[member.pk]
    assert (offer.status, offer.channel, offer.status_reason) == (OfferStatus.QUEUED, "sms", "")
    assert offer.message.idempotency_key == f"shift:{shift.pk}:offer:{member.pk}"
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OFFERED


def test_messages_outside_the_members_hours_are_held_and_the_offer_says_so(
        shift, org, recruiter):
    member = make_member(org, recruiter, "Owl", channels=["sms"])
    result = do_broadcast(shift, actor=recruiter, at=MIDNIGHT)
    offer = offers(shift)[member.pk]
    assert result.held == 1 and result.by_channel == {"sms": 1}
    assert offer.status == OfferStatus.QUEUED
    assert offer.status_reason.startswith("Held: Outside Owl's hours in America/Edmonton")
    assert offer.message.status == MessageStatus.HELD
    assert offer.message.send_after == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 08:00 MST


def test_broadcasting_twice_offers_nobody_twice_but_reaches_newcomers(shift, org, recruiter):
    first = make_member(org, recruiter, "First")
    do_broadcast(shift, actor=recruiter, at=AT)
    again = do_broadcast(shift, actor=recruiter, at=AT + timedelta(minutes=5))
    assert again.offered == 0 and again.already_offered == 1
    newcomer = make_member(org, recruiter, "Newcomer")
    third = do_broadcast(shift, actor=recruiter, at=AT + timedelta(minutes=10))
    assert third.offered == 1 and third.already_offered == 1
    assert set(offers(shift)) == {first.pk, newcomer.pk}
    assert Message.objects.filter(idempotency_key__startswith=f"shift:{shift.pk}:").count() == 2
    shift.refresh_from_db()
    assert shift.broadcast_at == AT  # the first broadcast


def test_only_an_open_shift_can_be_broadcast(shift, org, recruiter):
    make_member(org, recruiter, "Late")
    Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.BOOKED)
    with pytest.raises(ValidationError) as error:
        do_broadcast(shift, actor=recruiter, at=AT)
    assert error.value.message_dict == {
        "status": ["Only an open shift can be broadcast; this one is booked."]}
    assert not ShiftOffer.objects.exists()


def test_a_shift_with_no_fitting_members_says_why_member_by_member(shift, org, recruiter):
    a = make_member(org, recruiter, "Ana", profession="registered_nurse",
                    specialties=["Emergency nursing"])
    b = make_member(org, recruiter, "Ben", licences=[], certifications=[])
    result = do_broadcast(shift, actor=recruiter, at=AT)
    assert result.offered == 0 and result.by_channel == {}
    assert dict((m.pk, r) for m, r in result.unfit) == {
        a.pk: ["Not a physician",
               "Different specialty: Emergency nursing (the shift needs Family medicine)"],
        b.pk: ["No current licence in CA-AB", "No ACLS on record"],
    }
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OPEN and shift.broadcast_at is None


def test_members_of_another_organization_are_never_offered(
        shift, org, other_org, recruiter, outsider):
    ours = make_member(org, recruiter, "Ours")
    make_member(other_org, outsider, "Theirs")
    result = do_broadcast(shift, actor=recruiter, at=AT)
    assert set(offers(shift)) == {ours.pk}
    assert result.unfit == []
    assert set(Message.objects.values_list("organization_id", flat=True)) == {org.pk}


# --- tiers ------------------------------------------------------------------------------------


@pytest.fixture
def tiered(org, site, recruiter):
    return make_shift(org, site, tiered=True, tier_delay_minutes=30, created_by=recruiter)


def test_favourites_hear_first_and_the_rest_after_the_delay(tiered, org, recruiter):
    fav = make_member(org, recruiter, "Fav", favourite=True)
    rest = make_member(org, recruiter, "Rest", channels=["sms"])
    result = do_broadcast(tiered, actor=recruiter, at=AT)
    assert result.offered == 2 and result.later_tier == 1
    assert result.by_channel == {"email": 1}
    assert result.second_tier_at == AT + timedelta(minutes=30)
    written = offers(tiered)
    assert (written[fav.pk].tier, written[fav.pk].status) == (1, OfferStatus.QUEUED)
    assert (written[rest.pk].tier, written[rest.pk].status) == (2, OfferStatus.LATER_TIER)
    assert written[rest.pk].message is None
    assert written[rest.pk].status_reason == (
        "Waits for the second tier: Wed 02 Dec 12:30 America/Edmonton, if still open.")

    assert run_second_tier(tiered.pk, at=AT + timedelta(minutes=29)) == 0  # not due yet
    assert offers(tiered)[rest.pk].status == OfferStatus.LATER_TIER
    assert run_second_tier(tiered.pk, at=AT + timedelta(minutes=31)) == 1
    offer = offers(tiered)[rest.pk]
    assert (offer.status, offer.channel) == (OfferStatus.QUEUED, "sms")
    assert offer.message.idempotency_key == f"shift:{tiered.pk}:offer:{rest.pk}"
    assert offer.message.body == offer_body(offer, "sms")[1]
    tiered.refresh_from_db()
    assert tiered.second_tier_at == AT + timedelta(minutes=31)
    # Safe to run twice: the second tier went already.
    assert run_second_tier(tiered.pk, at=AT + timedelta(minutes=40)) == 0
    assert Message.objects.filter(candidate=rest.candidate).count() == 1


def test_the_second_tier_is_not_sent_once_the_shift_is_filled(tiered, org, recruiter):
    from rounds.locums.actions import BOOKED, do_accept

    fav = make_member(org, recruiter, "Fav", favourite=True)
    rest = make_member(org, recruiter, "Rest")
    do_broadcast(tiered, actor=recruiter, at=AT)
    # The favourite takes it by the link before the second tier is due.
    result = do_accept(offers(tiered)[fav.pk], via="link", at=AT + timedelta(minutes=10))
    assert result.outcome == BOOKED
    assert run_second_tier(tiered.pk, at=AT + timedelta(hours=1)) == 0
    waiting = offers(tiered)[rest.pk]
    assert waiting.status == OfferStatus.WITHDRAWN and waiting.message is None
    assert not Message.objects.filter(candidate=rest.candidate).exists()
    tiered.refresh_from_db()
    assert tiered.status == ShiftStatus.BOOKED and tiered.second_tier_at is None


def test_the_second_tier_does_nothing_once_the_shift_has_started(tiered, org, recruiter):
    make_member(org, recruiter, "Fav", favourite=True)
    rest = make_member(org, recruiter, "Rest")
    # Broadcast 20 minutes before the start, with the second tier due after it.
    tiered.tier_delay_minutes = 60
    tiered.save(update_fields=["tier_delay_minutes"])
    do_broadcast(tiered, actor=recruiter, at=STARTS - timedelta(minutes=20))
    assert run_second_tier(tiered.pk, at=STARTS + timedelta(minutes=40)) == 0
    assert offers(tiered)[rest.pk].status == OfferStatus.LATER_TIER
    assert not Message.objects.filter(candidate=rest.candidate).exists()
    tiered.refresh_from_db()
    assert tiered.second_tier_at is None


def test_a_shift_that_has_started_is_not_broadcast(shift, org, recruiter):
    make_member(org, recruiter, "Late")
    for at in (STARTS, STARTS + timedelta(hours=2)):
        with pytest.raises(ValidationError) as error:
            do_broadcast(shift, actor=recruiter, at=at)
        assert list(error.value.message_dict) == ["starts_at"]
        assert "already started" in error.value.message_dict["starts_at"][0]
    assert not ShiftOffer.objects.exists() and not Message.objects.exists()
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OPEN


def test_an_offer_the_members_hours_would_hold_past_the_start_is_not_sent(org, site, recruiter):
    # 07:00-15:00 in Edmonton, broadcast at midnight: the texts would wait until 08:00.
    early = make_shift(org, site, starts_at=datetime(2026, 12, 3, 14, 0, tzinfo=UTC),
                       ends_at=datetime(2026, 12, 3, 22, 0, tzinfo=UTC))
    owl = make_member(org, recruiter, "Owl", channels=["sms"])
    result = do_broadcast(early, actor=recruiter, at=MIDNIGHT)
    offer = offers(early)[owl.pk]
    assert offer.status == OfferStatus.UNREACHABLE and offer.message is None
    assert offer.status_reason.startswith("It would arrive after the shift starts: Outside "
                                          "Owl's hours")
    assert [(m.pk, why) for m, why in result.unreachable] == [(owl.pk, offer.status_reason)]
    assert result.held == 0 and result.by_channel == {}
    assert not Message.objects.filter(candidate=owl.candidate).exists()
    # A shift starting after the hold ends is offered, held until then.
    later = make_shift(org, site, starts_at=datetime(2026, 12, 3, 16, 0, tzinfo=UTC),
                       ends_at=datetime(2026, 12, 3, 23, 0, tzinfo=UTC))
    held = do_broadcast(later, actor=recruiter, at=MIDNIGHT)
    assert held.held == 1 and offers(later)[owl.pk].message.status == MessageStatus.HELD


def test_a_text_offer_links_the_members_offer_settings(shift, org, recruiter):
    from rounds.locums.links import offer_settings_url

    texter = make_member(org, recruiter, "Tex", channels=["sms"])
    do_broadcast(shift, actor=recruiter, at=AT)
    offer = offers(shift)[texter.pk]
    body = offer.message.body
    assert body.endswith(f"\nFewer offers: {offer_settings_url(texter.pk, texter.candidate.uuid)}")
    assert "Terms: " not in body and "Call 1 in 4; lodging provided." in body
    assert len(body) <= SMS_LIMIT


def test_long_terms_are_shortened_to_make_room_for_the_settings_link(org, site, recruiter):
    from rounds.locums.links import offer_settings_url

    texter = make_member(org, recruiter, "Tex", channels=["sms"])
    org.name = "Prairie Family Clinics of Central Alberta Cooperative"
    org.save(update_fields=["name"])
    long_terms = make_shift(org, site, terms="Call 1 in 4, lodging at the inn next door. " * 5)
    do_broadcast(long_terms, actor=recruiter, at=AT)
    body = offers(long_terms)[texter.pk].message.body
    assert body.endswith(offer_settings_url(texter.pk, texter.candidate.uuid))
    # Filled to the limit; a space where the terms are cut is trimmed (where the cut falls
    # depends on the link's length, i.e. on the ids).
    assert SMS_LIMIT - 1 <= len(body) <= SMS_LIMIT
    assert "Call 1 in 4, lodging at the inn" in body
    assert body.index("…") < body.index("Take it: ")


def test_the_settings_link_is_left_out_rather_than_the_terms_when_nothing_else_fits(
        org, site, recruiter):
    texter = make_member(org, recruiter, "Tex", channels=["sms"])
    org.name = "Prairie Family Clinics and Rural Locum Cooperative of Central Alberta " * 2
    org.save(update_fields=["name"])
    shift = make_shift(org, site)
    do_broadcast(shift, actor=recruiter, at=AT)
    body = offers(shift)[texter.pk].message.body
    assert "Fewer offers" not in body
    assert "Call 1 in 4; lodging provided. Take it: http" in body
    assert body.endswith("Reply YES to take it.")


def test_the_second_tier_leaves_out_who_no_longer_fits(tiered, org, site, recruiter):
    make_member(org, recruiter, "Fav", favourite=True)
    rest = make_member(org, recruiter, "Rest")
    do_broadcast(tiered, actor=recruiter, at=AT)
    other = make_shift(org, make_site(org, name="Olds Clinic", city="Olds"),
                       status=ShiftStatus.BOOKED)
    book(rest, other)
    assert run_second_tier(tiered.pk, at=AT + timedelta(minutes=30)) == 0
    offer = offers(tiered)[rest.pk]
    assert offer.status == OfferStatus.WITHDRAWN
    assert offer.status_reason == "Not sent: no longer fits. Booked at Olds Clinic on 14 Dec."


def test_the_second_tier_leaves_out_who_was_taken_off_the_shifts_lists(org, site, recruiter):
    er = NetworkList.objects.create(organization=org, name="ER nocturnists")
    tiered = make_shift(org, site, tiered=True, lists=[er])
    make_member(org, recruiter, "Fav", favourite=True, lists=[er])
    rest = make_member(org, recruiter, "Rest", lists=[er])
    do_broadcast(tiered, actor=recruiter, at=AT)
    rest.lists.clear()
    assert run_second_tier(tiered.pk, at=AT + timedelta(minutes=30)) == 0
    offer = offers(tiered)[rest.pk]
    assert (offer.status, offer.status_reason) == (
        OfferStatus.WITHDRAWN, "Not sent: no longer on the shift's lists.")


def test_with_no_favourite_fitting_everyone_hears_at_once(tiered, org, recruiter):
    a = make_member(org, recruiter, "Ann")
    b = make_member(org, recruiter, "Bob")
    result = do_broadcast(tiered, actor=recruiter, at=AT)
    assert result.later_tier == 0 and result.second_tier_at is None
    assert {o.status for o in offers(tiered).values()} == {OfferStatus.QUEUED}
    assert {o.tier for o in offers(tiered).values()} == {2}
    assert set(offers(tiered)) == {a.pk, b.pk}
    assert run_second_tier(tiered.pk, at=AT + timedelta(hours=1)) == 0


def test_the_second_tier_task_is_queued_on_commit_and_safe_to_run_twice(
        tiered, org, recruiter, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from rounds.locums.tasks import second_tier_task

    make_member(org, recruiter, "Fav", favourite=True)
    rest = make_member(org, recruiter, "Rest")
    with django_capture_on_commit_callbacks(execute=True):
        result = do_broadcast(tiered, actor=recruiter, at=AT)
    job = DBTaskResult.objects.get(task_path=second_tier_task.module_path)
    assert job.run_after == result.second_tier_at
    assert job.args_kwargs["args"] == [tiered.pk]
    # The worker runs it at its time (the real clock is past the delay here).
    Shift.objects.filter(pk=tiered.pk).update(broadcast_at=datetime.now(UTC) - timedelta(hours=1))
    assert second_tier_task.call(tiered.pk) == 1
    assert second_tier_task.call(tiered.pk) == 0
    assert offers(tiered)[rest.pk].status == OfferStatus.QUEUED


def test_what_the_broadcast_queued_goes_out_with_the_outboxs_footer(shift, org, recruiter):
    from rounds.messaging import sms
    from rounds.messaging.delivery import drain

    sms.outbox.clear()
    mail.outbox.clear()
    make_member(org, recruiter, "Em", channels=["email"])
    texter = make_member(org, recruiter, "Tex", channels=["sms"])
    do_broadcast(shift, actor=recruiter, at=AT)
    assert drain(now=AT + timedelta(minutes=1)) == 2
    [email] = mail.outbox
    assert email.subject.startswith("Locum shift: Family medicine (physician)")
    assert "Take it in one tap: http" in email.body
    assert "List-Unsubscribe" in email.extra_headers
    [text] = sms.outbox
    assert text["to"] == texter.candidate.phone
    assert "Reply YES to take it." in text["body"] and "STOP" in text["body"]


def test_the_offer_names_the_person_who_sent_it_not_the_configured_sender(site, org,
                                                                         recruiter):
    from conftest import make_user
    from rounds.accounts.choices import Role
    from rounds.messaging.models import OutreachSettings
    from rounds.messaging.sms import sms_text

    dana = make_user(org, Role.RECRUITER, "dana@prairie.test", "Dana", "Whitfield")
    s = OutreachSettings.for_org(org.pk)
    s.sender_name = "Rita Recruiter at Prairie Family Clinics"
    s.save()
    shift = make_shift(org, site, created_by=dana)
    amara = make_member(org, recruiter, "Amara", channels=["email"])
    tomas = make_member(org, recruiter, "Tomas", channels=["sms"])
    do_broadcast(shift, actor=dana, at=AT)
    written = offers(shift)
    email = written[amara.pk].message
    assert email.created_by == dana
    assert "Dana Whitfield at Prairie Family Clinics has a locum shift" in email.body
    text = written[tomas.pk].message
    assert "— Dana, Prairie Family Clinics." in sms_text(text)
    assert "Rita" not in email.body + sms_text(text)


def test_a_site_named_for_its_city_is_not_named_twice(org, recruiter):
    site = make_site(org, name="Red Deer", city="Red Deer")
    shift = make_shift(org, site, created_by=recruiter, specialty="", specialty_code="")
    tomas = make_member(org, recruiter, "Tomas", channels=["sms"])
    amara = make_member(org, recruiter, "Amara", channels=["email"])
    do_broadcast(shift, actor=recruiter, at=AT)
    body = offers(shift)[tomas.pk].message.body
    assert "at Red Deer." in body and "Red Deer, Red Deer" not in body
    email = offers(shift)[amara.pk].message
    assert email.subject == "Locum shift: Physician at Red Deer, 14 Dec"
    assert "What: Physician\n" in email.body
