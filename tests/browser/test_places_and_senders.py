"""Places, units and who is writing, where people see them.

A recruiter of a Texas staffing firm searches near "Austin" (no state) and sees the place Rounds
chose and distances in miles; a place Rounds can't find is an error under the field, and
nothing is searched. Dana posts a shift and broadcasts it while the organization's sender name
names someone else: the member opens the link in the email actually sent, and the offer page,
the preference centre and the booking email all name Dana."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_user
from rounds.accounts.choices import Role
from rounds.accounts.models import Site
from rounds.candidates.actions import do_create_candidate
from rounds.locums.models import NetworkList
from rounds.outreach import delivery
from rounds.outreach.models import OutreachSettings
from tests.browser.conftest import email_text, link_in_email, locum, look, sign_in
from tests.browser.test_outreach_flow import zone_at_midday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SETTLED = """() => { const r = document.querySelector('#results');
  return !r.classList.contains('htmx-request') && getComputedStyle(r).opacity === '1'; }"""


def settled(page) -> None:
    """The live results have stopped changing (the field's change and the button's submit
    both ask; the results fade while a request runs)."""
    page.wait_for_function(SETTLED)


def test_a_us_recruiter_searches_near_a_city_without_a_state_in_miles(
    live_server, browser_page, other_org, outsider
):
    for first, last, postal in (
        ("Ana", "Austin", "78701"),
        ("Rex", "Georgetown", "78626"),
        ("Hugo", "Houston", "77002"),
    ):
        do_create_candidate(
            other_org.pk,
            actor=outsider,
            first_name=first,
            last_name=last,
            profession="physician",
            postal_code=postal,
            country="US",
        )
    page = browser_page
    errors = sign_in(page, live_server.url, outsider)

    page.goto(f"{live_server.url}/candidates/")
    expect(page.get_by_label("Within (mi)")).to_be_visible()
    # Texas first among the licence jurisdictions: the firm's country leads.
    first_group = page.locator("#id_jurisdiction optgroup").first
    expect(first_group).to_have_attribute("label", "United States")
    look(page, "search-empty")

    page.get_by_label("Near").fill("Austin")
    page.get_by_label("Within (mi)").fill("25")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#near-note")).to_have_text(
        "Searching near Austin, TX (the largest Austin in the US)"
    )
    rows = page.locator("table.candidate-results tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Ana Austin")
    expect(rows.nth(1)).to_contain_text("Rex Georgetown")
    expect(rows.nth(1).locator(".distance")).to_have_text(re.compile(r"^2\d mi$"))
    expect(page.locator(".results-count")).to_contain_text("distances in miles from Austin, TX")
    assert "unit=mi" in page.url and "within=25" in page.url
    settled(page)
    look(page, "near-austin-in-miles")

    # A place Rounds can't find: an error on the field, and no results pretending otherwise.
    page.get_by_label("Near").fill("Atlantis")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#near-note")).to_contain_text("Rounds can't place “Atlantis”")
    expect(page.locator("#results")).to_contain_text("Nothing was searched")
    expect(rows).to_have_count(0)
    settled(page)
    look(page, "unknown-place")
    assert errors == []


def test_dana_posts_a_shift_and_every_page_the_member_opens_names_dana(
    live_server, browser_page, phone_page, org, recruiter, settings, smtp
):
    settings.PUBLIC_URL = live_server.url
    dana = make_user(org, Role.RECRUITER, "dana@prairie.test", "Dana", "Whitfield")
    conf = OutreachSettings.for_org(org.pk)
    conf.sender_name = "Rita Recruiter at Prairie Family Clinics"  # someone else
    conf.save()
    site = Site.objects.create(
        organization=org,
        name="Red Deer",
        address_line="4920 51 St",
        city="Red Deer",
        region="AB",
        country="CA",
        time_zone="America/Edmonton",
    )
    family = NetworkList.objects.create(organization=org, name="AB family physicians")
    locum(org, recruiter, "Amara", channels=("email",), time_zone=zone_at_midday(), lists=[family])
    day = (timezone.now() + timedelta(days=7)).date()

    page = browser_page
    errors = sign_in(page, live_server.url, dana)
    page.goto(f"{live_server.url}/locums/shifts/new/")
    expect(page.locator("#id_licence_jurisdiction optgroup").first).to_have_attribute(
        "label", "Canada"
    )
    look(page, "post-shift")
    page.select_option("#id_site", str(site.pk))
    page.fill("#id_starts_at", f"{day:%Y-%m-%d}T08:00")
    page.fill("#id_ends_at", f"{day:%Y-%m-%d}T17:00")
    page.select_option("#id_profession", "physician")
    page.fill("#id_specialty", "Family medicine")
    page.select_option("#id_licence_jurisdiction", "CA-AB")
    page.fill("#id_rate", "1900")
    page.get_by_label("AB family physicians").check()
    page.get_by_role("button", name="Post shift").click()
    expect(page.locator("#fit-title")).to_have_text("Who fits: 1 member")
    expect(page.locator("main")).to_contain_text("$1,900 CAD per day")
    look(page, "shift-posted")
    page.get_by_role("button", name="Broadcast to 1 member").click()
    expect(page.locator(".messages")).to_contain_text("Offered to 1 member")
    look(page, "broadcast")

    # The offer as it arrived: from Dana, the rate written once, the site named once.
    delivery.drain()
    [offer_email] = smtp.wait_for(1)
    body = email_text(offer_email)
    assert offer_email["From"].startswith("Dana Whitfield at Prairie Family Clinics")
    assert "Dana Whitfield at Prairie Family Clinics has a locum shift" in body
    assert "Rate: $1,900 CAD per day" in body and "Rita" not in body
    accept = link_in_email(offer_email, "/s/accept/")
    preferences = link_in_email(offer_email, "/o/preferences/")
    assert accept.startswith(live_server.url) and preferences.startswith(live_server.url)

    phone = phone_page
    phone.goto(accept)
    expect(phone.locator("main")).to_contain_text(
        "Dana Whitfield at Prairie Family Clinics would like you for this shift"
    )
    expect(phone.locator("footer")).to_contain_text("From Dana Whitfield, for Prairie Family")
    expect(phone.locator("main")).to_contain_text("08:00–17:00 MST")
    look(phone, "offer-page")

    phone.goto(preferences)
    expect(phone.locator("footer")).to_contain_text("From Dana Whitfield, for Prairie Family")
    expect(phone.locator("body")).not_to_contain_text("Rita")
    look(phone, "preferences")

    phone.goto(accept)
    look(phone, "offer-page-again")
    phone.get_by_role("button", name="Take this shift").click()
    expect(phone.locator("body")).to_contain_text("booked", ignore_case=True)
    look(phone, "booked")

    # The booking email that went out names Dana too.
    delivery.drain()
    booking_email = smtp.wait_for(2)[-1]
    assert str(booking_email["Subject"]).strip().startswith("Booked:")
    assert booking_email["From"].startswith("Dana Whitfield at Prairie Family Clinics")
    booked_body = email_text(booking_email)
    assert "Dana Whitfield, Prairie Family Clinics" in booked_body
    assert "Rita" not in booked_body
    assert errors == []


def test_an_owner_switches_distances_to_miles_in_settings(live_server, browser_page, org, owner):
    page = browser_page
    errors = sign_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/accounts/settings/organization/")
    unit = page.get_by_label("Distances in")
    expect(unit).to_have_value("km")  # a Canadian organization starts in kilometres
    look(page, "organization-settings")
    unit.select_option("mi")
    page.get_by_role("button", name="Save organization").click()
    expect(page.locator(".messages")).to_contain_text("Organization details saved")
    expect(page.get_by_label("Distances in")).to_have_value("mi")
    look(page, "organization-saved")
    org.refresh_from_db()
    assert org.distance_unit == "mi"

    page.goto(f"{live_server.url}/candidates/")
    expect(page.get_by_label("Within (mi)")).to_be_visible()
    look(page, "search-in-miles")
    assert errors == []
