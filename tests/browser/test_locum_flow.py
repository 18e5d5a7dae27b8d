"""A clinic needs cover: the recruiter posts a shift through the form, sees who in the locum
network fits (and who doesn't, with the reason), broadcasts it in one click; the member opens
the link from her offer — in another browser, never signed in — and takes the shift with one
tap; the recruiter's shift page, left open, shows her booked without a reload."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rounds.accounts.models import Site
from rounds.locums.choices import BookingStatus, OfferStatus, ShiftStatus
from rounds.locums.models import Booking, NetworkList, Shift, ShiftOffer
from rounds.outreach import delivery
from tests.browser.conftest import link_in_email, locum, look, sign_in
from tests.browser.test_outreach_flow import zone_at_midday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_post_broadcast_accept_by_link_and_the_board_updates(
    live_server, browser_page, phone_page, org, recruiter, settings, smtp
):
    page = browser_page
    settings.PUBLIC_URL = live_server.url
    site = Site.objects.create(
        organization=org, name="Red Deer Clinic", address_line="4920 51 St", city="Red Deer",
        region="AB", country="CA", time_zone="America/Edmonton")
    # Midday where she lives, so her offer goes now rather than waiting for her hours.
    family = NetworkList.objects.create(organization=org, name="AB family physicians")
    amara = locum(org, recruiter, "Amara", channels=("email", "sms"),
                  time_zone=zone_at_midday(), lists=[family], favourite=True)
    locum(org, recruiter, "Noor", profession="registered_nurse",
          specialties=("ICU nursing",), lists=[family])
    day = (timezone.now() + timedelta(days=7)).astimezone(site_zone_of(site)).date()

    errors = sign_in(page, live_server.url, recruiter)

    # Post the shift through the form: dates and times in the site's zone.
    page.goto(f"{live_server.url}/locums/shifts/new/")
    look(page, "post-shift-empty")
    page.select_option("#id_site", str(site.pk))
    page.fill("#id_starts_at", f"{day:%Y-%m-%d}T08:00")
    page.fill("#id_ends_at", f"{day:%Y-%m-%d}T17:00")
    page.select_option("#id_profession", "physician")
    page.fill("#id_specialty", "Family medicine")
    page.select_option("#id_licence_jurisdiction", "CA-AB")
    page.fill("#id_required_credentials", "ACLS")
    page.fill("#id_rate", "1800")
    page.fill("#id_terms", "Call 1 in 4; lodging provided.")
    page.get_by_label("AB family physicians").check()
    look(page, "post-shift")
    page.get_by_role("button", name="Post shift").click()

    # The fit report: Amara fits, Noor doesn't and the page says why.
    expect(page.locator("#fit-title")).to_have_text("Who fits: 1 member")
    shift = Shift.objects.get(organization=org)
    assert shift.licence_jurisdiction == "CA-AB" and shift.status == ShiftStatus.OPEN
    assert list(shift.lists.all()) == [family]
    assert shift.starts_at.astimezone(site_zone_of(site)).hour == 8
    expect(page.locator("table.fits")).to_contain_text("Amara Locum")
    expect(page.locator("table.unfit")).to_contain_text("Noor Locum")
    expect(page.locator("table.unfit")).to_contain_text("Not a physician")
    look(page, "fit-report")

    # One click reaches her.
    page.get_by_role("button", name="Broadcast to 1 member").click()
    expect(page.locator(".messages")).to_contain_text("Offered to 1 member")
    expect(page.locator("#booking h2")).to_contain_text("Waiting for the first yes")
    expect(page.locator("#shift-board")).to_have_attribute("hx-trigger", re.compile("every"))
    offer = ShiftOffer.objects.select_related("message").get(shift=shift)
    assert offer.member_id == amara.pk and offer.message is not None
    look(page, "broadcast")

    # Amara opens the link in the email she got, on her phone: another browser, no login.
    delivery.drain()
    [email] = smtp.wait_for(1)
    link = link_in_email(email, "/s/accept/")
    assert link.startswith(live_server.url)
    phone = phone_page
    phone.goto(link)
    expect(phone.get_by_role("button", name="Take this shift")).to_be_visible()
    look(phone, "member-offer")
    phone.get_by_role("button", name="Take this shift").click()
    expect(phone.locator("body")).to_contain_text("booked", ignore_case=True)
    look(phone, "member-booked")

    booking = Booking.objects.get(shift=shift)
    assert booking.status == BookingStatus.ACTIVE and booking.member_id == amara.pk
    assert ShiftOffer.objects.get(pk=offer.pk).status == OfferStatus.ACCEPTED

    # The recruiter's page, left open, updates by itself (htmx polls the board).
    expect(page.locator("#booked-name")).to_have_text("Amara Locum", timeout=15_000)
    expect(page.locator("#booking .shift-status")).to_have_text("Booked")
    expect(page.locator("#shift-board")).not_to_have_attribute("hx-trigger", re.compile("."))
    expect(page.locator("#offers")).to_contain_text("Booked")
    look(page, "booked-board")

    # The month calendar shows the booked shift on its day.
    page.goto(f"{live_server.url}/locums/shifts/calendar/?site={site.pk}&month={day:%Y-%m}")
    cell = page.locator(f'td[data-day="{day:%Y-%m-%d}"]')
    expect(cell.locator("a.entry.st-booked")).to_contain_text("Amara Locum")
    look(page, "calendar")

    # The network: her list, the favourite star, who vouched.
    page.goto(f"{live_server.url}/locums/network/")
    row = page.locator("table.network-members tr", has_text="Amara Locum")
    expect(row).to_contain_text("AB family physicians")
    expect(row.locator(".fav")).to_be_visible()
    look(page, "network")
    assert errors == []


def site_zone_of(site):
    from rounds.locums.shifts import site_zone

    return site_zone(site)
