"""The pages candidates and locums reach from a message, without an account, used as they use
them: on a phone, in Chromium, opened from the link in the message that was actually sent (read
from the SMTP server on loopback or the SMS provider's stand-in), every form submitted, and the
outcome checked in the database. Django's test client can't prove these work: Chromium's
referrer policy, Origin header and cookie handling are what broke them before."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from rounds.accounts.models import Site
from rounds.candidates.actions import current_consent, do_create_candidate, do_record_consent
from rounds.candidates.choices import ConsentBasis
from rounds.candidates.models import Candidate
from rounds.locums.broadcast import do_broadcast
from rounds.locums.choices import BookingStatus, OfferStatus
from rounds.locums.models import Booking, NetworkList, NetworkMember, Shift, ShiftOffer
from rounds.messaging import delivery, outbox
from rounds.messaging.choices import Topic
from rounds.messaging.models import OutreachSettings
from rounds.scheduling import meetings
from rounds.scheduling.choices import MeetingKind, MeetingStatus
from tests.browser.conftest import email_text, link_in_email, links_in, locum, look
from tests.browser.test_outreach_flow import zone_at_midday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_worker():
    """What `manage.py db_worker` does between a person's steps: the queued sends."""
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def deliver() -> None:
    delivery.drain()
    run_worker()


@pytest.fixture
def amara(org, recruiter):
    OutreachSettings.objects.filter(organization=org).update(contact_phone="+1 403 555 0100")
    cand = do_create_candidate(
        org.pk,
        actor=recruiter,
        first_name="Amara",
        last_name="Okafor",
        email="amara.okafor@example.com",
        phone="+14035550142",
        profession="physician",
        headline="Family physician",
        city="Calgary",
        region="AB",
        country="CA",
        specialties=["Family Medicine"],
        time_zone=zone_at_midday(),
        preferred_channels=["email", "sms"],
        owner=recruiter,
    )
    for channel in ("email", "sms"):
        do_record_consent(
            cand,
            channel=channel,
            basis=ConsentBasis.EXPRESS,
            actor=recruiter,
            evidence="Asked for job news at the AFP conference",
        )
    return cand


def test_candidate_manages_her_preferences_and_unsubscribes_from_the_email_she_got(
    live_server, phone_page, settings, smtp, amara, recruiter
):
    settings.PUBLIC_URL = live_server.url
    outbox.queue_message(
        amara,
        channel="email",
        subject="A family practice in Red Deer",
        body="Hi Amara, would a role with us interest you?",
        idempotency_key="hello-amara",
        actor=recruiter, purpose="outreach.message",
    )
    deliver()
    [sent] = smtp.wait_for(1)
    preferences_link = link_in_email(sent, "/o/preferences/")
    unsubscribe_link = re.search(r"<(https?://[^>]+)>", sent["List-Unsubscribe"]).group(1)
    assert preferences_link.startswith(live_server.url)

    # The preference centre: texts off, monthly, no events, quiet at lunch, and calls — yes.
    page = phone_page
    page.goto(preferences_link)
    expect(page.get_by_role("heading", name="Hi Amara")).to_be_visible()
    look(page, "preferences")
    page.get_by_label("Text messages", exact=True).uncheck()
    page.get_by_label("How often may we write?").select_option(label="At most monthly")
    page.get_by_label("News and events").uncheck()
    page.get_by_label("Quiet from").fill("12:00")
    page.get_by_label("until").fill("13:00")
    page.get_by_label("Yes, you may contact me by phone").check()
    page.get_by_role("button", name="Save my preferences").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    look(page, "preferences-saved")

    amara.refresh_from_db()
    assert current_consent(amara, "sms").basis == ConsentBasis.REVOKED
    assert current_consent(amara, "email").basis == ConsentBasis.EXPRESS
    assert amara.contact_frequency == "monthly"
    assert Topic.NEWS in amara.muted_topics
    assert (f"{amara.quiet_hours_start:%H:%M}", f"{amara.quiet_hours_end:%H:%M}") == (
        "12:00",
        "13:00",
    )
    assert (
        current_consent(amara, "call") is None
        or current_consent(amara, "call").basis != ConsentBasis.EXPRESS
    )  # not until confirmed

    # Calls are confirmed from the link emailed to her address on record.
    deliver()
    confirmation = smtp.wait_for(2)[1]
    confirm_link = link_in_email(confirmation, "/o/confirm/")
    page.goto(confirm_link)
    look(page, "confirm-calls")
    page.get_by_role("button", name=re.compile("may contact me by phone")).click()
    expect(page.get_by_role("status")).to_contain_text("may contact you by phone")
    look(page, "confirmed-calls")
    assert current_consent(amara, "call").basis == ConsentBasis.EXPRESS

    # The unsubscribe link of the first email: a page with a button, then done.
    page.goto(unsubscribe_link)
    look(page, "unsubscribe")
    assert current_consent(amara, "email").basis == ConsentBasis.EXPRESS  # a GET changes nothing
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("body")).to_contain_text("unsubscribed")
    look(page, "unsubscribed")
    assert current_consent(amara, "email").basis == ConsentBasis.REVOKED

    # And "Stop everything" from the same preference link.
    page.goto(preferences_link)
    look(page, "preferences-again")
    page.get_by_role("button", name="Stop everything").click()
    expect(page.get_by_role("status").first).to_contain_text("won't contact you")
    look(page, "stopped")
    for channel in ("email", "sms", "call"):
        assert current_consent(amara, channel).basis == ConsentBasis.REVOKED
    assert page.context.cookies() == []  # none needed, none set
    assert page.script_errors == []


def test_candidate_books_a_call_from_the_scheduling_link_she_got(
    live_server, phone_page, settings, smtp, amara, recruiter
):
    settings.PUBLIC_URL = live_server.url
    meeting = meetings.do_offer_meeting(
        amara,
        organizer=recruiter,
        kind=MeetingKind.CALL,
        title="Introductory call",
        duration=30,
        send_by="email",
        actor=recruiter,
    )
    deliver()
    [offer] = smtp.wait_for(1)
    link = link_in_email(offer, "/o/meet/")

    page = phone_page
    page.goto(link)
    expect(page.get_by_role("heading", name="Introductory call")).to_be_visible()
    look(page, "pick-a-time")
    first_time = page.locator(".times button").first
    label = first_time.get_attribute("aria-label")
    first_time.click()
    expect(page.get_by_role("heading", name="You're booked")).to_be_visible()
    look(page, "booked")

    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.BOOKED
    assert meeting.starts_at is not None and meeting.starts_at > timezone.now()
    assert label.startswith("Book ")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Add to my calendar")).click()
    invite = download.value.path().read_text()
    assert "BEGIN:VCALENDAR" in invite and "METHOD:REQUEST" in invite

    # The confirmation she gets carries the same invite (the organizer gets a copy too).
    deliver()
    smtp.wait_for(3)
    [confirmation] = [m for m in smtp.messages[1:] if amara.email in m["To"]]
    assert "Introductory call" in confirmation["Subject"]
    assert "is booked for" in email_text(confirmation)
    assert any(p.get_content_type() == "text/calendar" for p in confirmation.walk())
    assert page.script_errors == []


@pytest.fixture
def shift_world(org, recruiter):
    site = Site.objects.create(
        organization=org,
        name="Red Deer Clinic",
        address_line="4920 51 St",
        city="Red Deer",
        region="AB",
        country="CA",
        time_zone="America/Edmonton",
    )
    family = NetworkList.objects.create(organization=org, name="AB family physicians")
    nights = NetworkList.objects.create(organization=org, name="Night cover")
    zone = zone_at_midday()
    nadia = locum(
        org, recruiter, "Nadia", channels=("sms", "email"), time_zone=zone, lists=[family, nights]
    )
    omar = locum(org, recruiter, "Omar", channels=("email", "sms"), time_zone=zone, lists=[family])
    start = (timezone.now() + timedelta(days=9)).replace(minute=0, second=0, microsecond=0)
    shift = Shift.objects.create(
        organization=org,
        site=site,
        starts_at=start,
        ends_at=start + timedelta(hours=9),
        profession="physician",
        specialty="Family medicine",
        licence_jurisdiction="CA-AB",
        rate=1800,
        currency="CAD",
        terms="Call 1 in 4; lodging provided.",
        created_by=recruiter,
    )
    shift.lists.set([family])
    return shift, nadia, omar, nights


def test_locums_take_decline_cancel_and_set_their_offers_from_the_messages_they_got(
    live_server, new_page, settings, smtp, sms_provider, shift_world, recruiter
):
    settings.PUBLIC_URL = live_server.url
    shift, nadia, omar, nights = shift_world
    with transaction.atomic():  # as the shift page's button does
        result = do_broadcast(shift, actor=recruiter)
    assert result.offered == 2
    deliver()

    # Nadia's offer came by text: the link in it is the accept page.
    [text] = [s for s in sms_provider.sent if s.to == nadia.candidate.phone]
    [accept_link] = [u for u in links_in(text.body) if "/s/accept/" in u]
    nadia_phone = new_page(phone=True)
    nadia_phone.goto(accept_link)
    look(nadia_phone, "offer")
    nadia_phone.get_by_role("button", name="Take this shift").click()
    expect(nadia_phone.locator("[data-outcome=booked]")).to_be_visible()
    look(nadia_phone, "taken")
    booking = Booking.objects.get(shift=shift)
    assert booking.member_id == nadia.pk and booking.status == BookingStatus.ACTIVE

    # Omar's came by email; it was withdrawn when Nadia took it, so his page says so.
    [omar_mail] = [m for m in smtp.wait_for(1) if omar.candidate.email in m["To"]]
    omar_phone = new_page(phone=True)
    omar_phone.goto(link_in_email(omar_mail, "/s/accept/"))
    expect(omar_phone.locator("[data-state=filled]")).to_be_visible()
    look(omar_phone, "filled")
    omar_phone.get_by_role("button", name="Put me on the waitlist").click()
    expect(omar_phone.locator("[data-outcome=waitlisted]")).to_be_visible()
    look(omar_phone, "waitlisted")
    assert ShiftOffer.objects.get(shift=shift, member=omar).status == OfferStatus.WAITLISTED

    # Omar's offer settings, from the link in the same email: fewer offers.
    omar_phone.goto(link_in_email(omar_mail, "/s/offers/"))
    look(omar_phone, "offer-settings")
    omar_phone.get_by_label("At most").select_option(index=1)
    chosen = omar_phone.get_by_label("At most").input_value()
    omar_phone.get_by_role("button", name="Save").click()
    expect(omar_phone.get_by_role("status")).to_contain_text("Saved")
    look(omar_phone, "offer-settings-saved")
    assert str(NetworkMember.objects.get(pk=omar.pk).weekly_offer_cap or "") == chosen

    # Nadia can't come after all: she cancels from her booking's page.
    nadia_phone.goto(accept_link)
    expect(nadia_phone.locator("[data-state=yours]")).to_be_visible()
    look(nadia_phone, "booked-page")
    nadia_phone.get_by_label("Reason").fill("Family emergency")
    nadia_phone.get_by_role("button", name="Cancel my booking").click()
    expect(nadia_phone.locator("[data-outcome=cancelled]")).to_be_visible()
    look(nadia_phone, "cancelled")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    # Her own settings: mute the night list.
    settings_links = [
        u
        for s in sms_provider.sent
        if s.to == nadia.candidate.phone
        for u in links_in(s.body)
        if "/s/offers/" in u
    ]
    nadia_phone.goto(settings_links[0])
    look(nadia_phone, "nadia-settings")
    nadia_phone.get_by_label(nights.name).check()
    nadia_phone.get_by_role("button", name="Save").click()
    expect(nadia_phone.get_by_role("status")).to_contain_text("Saved")
    look(nadia_phone, "nadia-settings-saved")
    assert list(NetworkMember.objects.get(pk=nadia.pk).muted_lists.all()) == [nights]

    # A second shift: Nadia says no from the page.
    other = Shift.objects.create(
        organization=shift.organization,
        site=shift.site,
        starts_at=shift.starts_at + timedelta(days=2),
        ends_at=shift.ends_at + timedelta(days=2),
        profession="physician",
        specialty="Family medicine",
        licence_jurisdiction="CA-AB",
        rate=1800,
        currency="CAD",
        created_by=recruiter,
    )
    other.lists.set(shift.lists.all())
    sent_before = len(sms_provider.sent)
    with transaction.atomic():
        do_broadcast(other, actor=recruiter)
    deliver()
    [second_link] = [
        u
        for s in sms_provider.sent[sent_before:]
        if s.to == nadia.candidate.phone
        for u in links_in(s.body)
        if "/s/accept/" in u
    ]
    assert second_link != accept_link
    nadia_phone.goto(second_link)
    look(nadia_phone, "second-offer")
    nadia_phone.get_by_role("button", name="Not for me").click()
    expect(nadia_phone.locator("[data-outcome=declined]")).to_be_visible()
    look(nadia_phone, "declined")
    assert ShiftOffer.objects.get(shift=other, member=nadia).status == OfferStatus.DECLINED
    assert Candidate.objects.filter(pk=nadia.candidate_id).exists()
    for page in (nadia_phone, omar_phone):
        assert page.context.cookies() == []
        assert page.script_errors == []
