"""The locum pages: the network (filters, bounded queries, one-click add of former staff and
locums), lists, a member's settings, adding a candidate; the shift list, the month calendar
placing shifts on their days in the site's zone, posting with errors by field, the shift page
with its fit report, broadcast, board polling while offered, who is booked, cancelling.

Tenancy and roles: an outsider gets 404 on every route naming an object; read-only users and
hiring managers get 403 on every write; hiring managers read shifts without network names."""

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_candidates
from rounds.accounts.models import Site
from rounds.candidates.actions import do_create_candidate
from rounds.locums import network
from rounds.locums.choices import BookingStatus, OfferStatus, ShiftStatus
from rounds.locums.models import Booking, NetworkList, NetworkMember, Shift, ShiftOffer

from .test_fit import make_member

FUTURE = datetime(2027, 1, 15, 15, 0, tzinfo=UTC)  # 08:00 in Edmonton, inside licences


@pytest.fixture
def site(org):
    return Site.objects.create(organization=org, name="Red Deer Clinic", city="Red Deer",
                               region="AB", country="CA", time_zone="America/Edmonton")


@pytest.fixture
def world(org, recruiter, site):
    """A list, a fitting member on it, an offered shift with an offer and a booking."""
    lst = network.do_create_list(org, actor=recruiter, name="Foothills docs")
    member = make_member(org, recruiter, "Amara", lists=[lst])
    shift = Shift.objects.create(
        organization=org, site=site, starts_at=FUTURE, ends_at=FUTURE + timedelta(hours=9),
        profession="physician", specialty="Family Medicine", specialty_code="207Q00000X",
        status=ShiftStatus.OFFERED, created_by=recruiter)
    offer = ShiftOffer.objects.create(organization=org, shift=shift, member=member,
                                      candidate=member.candidate, channel="email",
                                      status=OfferStatus.SENT)
    booked = Shift.objects.create(
        organization=org, site=site, starts_at=FUTURE + timedelta(days=2),
        ends_at=FUTURE + timedelta(days=2, hours=9), profession="physician",
        status=ShiftStatus.BOOKED, booked_at=timezone.now())
    booking = Booking.objects.create(organization=org, shift=booked, member=member,
                                     candidate=member.candidate, starts_at=booked.starts_at,
                                     ends_at=booked.ends_at, via="link")
    return {"list": lst, "member": member, "shift": shift, "offer": offer, "booked": booked,
            "booking": booking, "candidate": member.candidate}


def get_routes(w):
    s, b = w["shift"].uuid, w["booked"].uuid
    return [
        reverse("locums:shift", args=[s]), reverse("locums:shift_board", args=[s]),
        reverse("locums:shift_edit", args=[s]), reverse("locums:shift", args=[b]),
        reverse("locums:member", args=[w["member"].pk]),
    ]


def post_routes(w):
    s, b = w["shift"].uuid, w["booked"].uuid
    return [
        reverse("locums:shift_broadcast", args=[s]), reverse("locums:shift_edit", args=[s]),
        reverse("locums:shift_cancel", args=[s]), reverse("locums:shift_complete", args=[b]),
        reverse("locums:booking_cancel", args=[b, w["booking"].pk]),
        reverse("locums:member", args=[w["member"].pk]),
        reverse("locums:member_remove", args=[w["member"].pk]),
        reverse("locums:member_rejoin", args=[w["member"].pk]),
        reverse("locums:list_rename", args=[w["list"].pk]),
        reverse("locums:list_delete", args=[w["list"].pk]),
        reverse("locums:add_candidate", args=[w["candidate"].uuid]),
    ]


# --- tenancy and roles -------------------------------------------------------------------------


def test_an_outsider_gets_404_on_every_route_naming_an_object(login, outsider, world):
    client = login(outsider)
    for url in get_routes(world):
        assert client.get(url).status_code == 404, url
    for url in post_routes(world):
        assert client.post(url, {"reason": "x", "name": "x"}).status_code == 404, url
    assert client.get(reverse("locums:calendar"), {"site": world["shift"].site_id}
                      ).status_code == 404
    world["shift"].refresh_from_db()
    assert world["shift"].status == ShiftStatus.OFFERED


def test_an_outsider_sees_none_of_our_shifts_or_members(login, outsider, world):
    client = login(outsider)
    for name in ("locums:shifts", "locums:network", "locums:lists"):
        page = client.get(reverse(name)).content.decode()
        for private in ("Amara", "Red Deer Clinic", "Foothills docs"):
            assert private not in page, (name, private)


@pytest.mark.parametrize("persona", ["read_only", "hiring_manager"])
def test_read_only_and_hiring_managers_get_403_on_every_write(request, login, world, persona):
    client = login(request.getfixturevalue(persona))
    writes = [*post_routes(world), reverse("locums:add_former"), reverse("locums:lists"),
              reverse("locums:shift_new")]
    for url in writes:
        assert client.post(url, {"reason": "x", "name": "x"}).status_code == 403, url
    assert client.get(reverse("locums:shift_new")).status_code == 403
    assert client.get(reverse("locums:shift_edit", args=[world["shift"].uuid])).status_code \
        == 403
    assert NetworkMember.objects.get(pk=world["member"].pk).left_on is None
    assert NetworkList.objects.filter(pk=world["list"].pk).exists()
    assert Booking.objects.get(pk=world["booking"].pk).status == BookingStatus.ACTIVE


def test_read_only_users_read_every_page_without_write_controls(login, read_only, world):
    client = login(read_only)
    for url in [reverse("locums:shifts"), reverse("locums:calendar"), reverse("locums:network"),
                reverse("locums:lists"), *get_routes(world)[:2], get_routes(world)[3],
                get_routes(world)[4]]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"Broadcast to" not in response.content
        assert b"Cancel shift" not in response.content


def test_hiring_managers_read_shifts_but_not_network_names(login, hiring_manager, world):
    client = login(hiring_manager)
    page = client.get(reverse("locums:shift", args=[world["shift"].uuid]))
    assert page.status_code == 200
    assert b"Who fits" not in page.content and b"Offers (" not in page.content
    booked = client.get(reverse("locums:shift", args=[world["booked"].uuid])).content.decode()
    assert "Booked:" in booked  # the clinic sees who is coming
    assert "Amara Locum" in booked
    candidate = world["candidate"]
    assert candidate.phone and candidate.email
    assert candidate.phone not in booked and candidate.email not in booked  # not how to reach
    board = client.get(reverse("locums:shift_board", args=[world["booked"].uuid])).content
    assert b"Amara Locum" in board and candidate.email.encode() not in board
    network_page = client.get(reverse("locums:network")).content.decode()
    assert "Amara" not in network_page  # not in the pipelines of their jobs
    assert client.get(reverse("locums:member", args=[world["member"].pk])).status_code == 404


# --- network -----------------------------------------------------------------------------------


def test_the_network_lists_members_with_lists_star_joined_and_fatigue(login, recruiter, world):
    member = world["member"]
    network.do_update_member(member, actor=recruiter, favourite=True, weekly_offer_cap=3,
                             muted_lists=[world["list"]])
    page = login(recruiter).get(reverse("locums:network")).content.decode()
    assert "Amara Locum" in page
    assert "★" in page
    assert "Foothills docs" in page
    assert "At most 3 offers a week" in page
    assert member.joined_on.strftime("%b") in page


def test_the_network_filters_by_list(login, recruiter, org, world):
    other = make_member(org, recruiter, "Tomas")
    client = login(recruiter)
    page = client.get(reverse("locums:network"), {"list": world["list"].pk}).content.decode()
    assert "Amara Locum" in page and str(other.candidate) not in page
    page = client.get(reverse("locums:network")).content.decode()
    assert str(other.candidate) in page


def test_the_network_page_takes_the_same_queries_for_3_or_30_members(
        login, recruiter, org, django_assert_max_num_queries):
    lst = network.do_create_list(org, actor=recruiter, name="Nights")
    client = login(recruiter)

    def add(n, prefix):
        for cand in make_candidates(org, recruiter, n, prefix=prefix):
            network.do_add_member(cand, actor=recruiter, lists=[lst])

    add(3, "A")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("locums:network")).status_code == 200
    add(27, "B")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("locums:network"))
    assert page.content.decode().count("Nights") >= 30


def test_add_former_is_one_click(login, recruiter, org):
    do_create_candidate(org.pk, actor=recruiter, first_name="Stella", last_name="Staff",
                        profession="physician", source="former_staff")
    do_create_candidate(org.pk, actor=recruiter, first_name="Lou", last_name="Locum",
                        profession="physician", source="former_locum")
    client = login(recruiter)
    assert "(2)" in client.get(reverse("locums:network")).content.decode()
    response = client.post(reverse("locums:add_former"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 former staff and locums joined your network" in page
    assert "Stella Staff" in page and "Former staff" in page
    assert NetworkMember.objects.filter(organization=org).count() == 2
    assert client.get(reverse("locums:add_former")).status_code == 405


def test_lists_are_created_renamed_and_deleted(login, recruiter, org):
    client = login(recruiter)
    response = client.post(reverse("locums:lists"), {"name": "ER nocturnists"})
    assert response.status_code == 302
    lst = NetworkList.objects.get(organization=org)
    bad = client.post(reverse("locums:lists"), {"name": "er nocturnists"})
    assert bad.status_code == 400 and "already a list" in bad.content.decode()
    client.post(reverse("locums:list_rename", args=[lst.pk]), {"name": "ER nights"})
    assert NetworkList.objects.get(pk=lst.pk).name == "ER nights"
    client.post(reverse("locums:list_delete", args=[lst.pk]))
    assert not NetworkList.objects.filter(pk=lst.pk).exists()


def test_a_list_used_by_an_open_shift_is_kept_with_the_reason(login, recruiter, world):
    world["shift"].lists.add(world["list"])
    page = login(recruiter).post(reverse("locums:list_delete", args=[world["list"].pk]),
                                 follow=True).content.decode()
    assert "open shift" in page
    assert NetworkList.objects.filter(pk=world["list"].pk).exists()


def test_a_members_settings_are_saved_from_the_form(login, recruiter, world, org):
    nights = network.do_create_list(org, actor=recruiter, name="Nights")
    member = world["member"]
    client = login(recruiter)
    url = reverse("locums:member", args=[member.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"lists": [nights.pk], "is_favourite": "on",
                                 "weekly_offer_cap": "2", "muted_lists": [world["list"].pk],
                                 "vouch_note": "Covers nights"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert list(member.lists.all()) == [nights]
    assert member.is_favourite and member.weekly_offer_cap == 2
    assert list(member.muted_lists.all()) == [world["list"]]
    bad = client.post(url, {"weekly_offer_cap": "0"})
    assert bad.status_code == 400 and "weekly_offer_cap" in bad.context["form"].errors


def test_a_member_is_removed_and_added_back(login, recruiter, world):
    client = login(recruiter)
    member = world["member"]
    client.post(reverse("locums:member_remove", args=[member.pk]))
    member.refresh_from_db()
    assert member.left_on is not None
    page = client.get(reverse("locums:network"), {"left": "1"}).content.decode()
    assert "Amara Locum" in page
    client.post(reverse("locums:member_rejoin", args=[member.pk]))
    member.refresh_from_db()
    assert member.left_on is None


def test_rejoining_a_record_merged_into_another_says_why(login, recruiter, world, org):
    from django.db import transaction

    from rounds.candidates.merge import do_merge_candidates

    member = world["member"]
    # Both records were members: the duplicate's membership can't move (one per candidate)
    # and stays on the merged record.
    survivor = make_member(org, recruiter, "Amara", last="Okafor")
    with transaction.atomic():
        do_merge_candidates(survivor.candidate, member.candidate, actor=recruiter)
    member.refresh_from_db()
    assert member.candidate.merged_into_id == survivor.candidate_id
    response = login(recruiter).post(reverse("locums:member_rejoin", args=[member.pk]),
                                     follow=True)
    assert response.status_code == 200
    assert "This record was merged into another one" in response.content.decode()
    assert "is back in the network" not in response.content.decode()


def test_a_candidate_is_added_from_their_record(login, recruiter, candidate, world):
    client = login(recruiter)
    detail = reverse("candidates:detail", args=[candidate.uuid])
    add = reverse("locums:add_candidate", args=[candidate.uuid])
    assert f'action="{add}"' in client.get(detail).content.decode()
    response = client.post(reverse("locums:add_candidate", args=[candidate.uuid]),
                           {"next": detail, "lists": [world["list"].pk], "favourite": "1"})
    assert response.status_code == 302 and response["Location"] == detail
    member = NetworkMember.objects.get(candidate=candidate)
    assert member.vouched_by == recruiter and member.is_favourite
    again = client.post(reverse("locums:add_candidate", args=[candidate.uuid]),
                        {"next": "https://evil.example/"})
    assert again["Location"] == reverse("locums:member", args=[member.pk])
    assert NetworkMember.objects.filter(candidate=candidate).count() == 1


# --- shifts ------------------------------------------------------------------------------------


def test_the_shift_list_groups_upcoming_shifts_by_site_with_status(login, recruiter, world,
                                                                   org):
    airdrie = Site.objects.create(organization=org, name="Airdrie", time_zone="America/Edmonton")
    Shift.objects.create(organization=org, site=airdrie, starts_at=FUTURE,
                         ends_at=FUTURE + timedelta(hours=8), profession="registered_nurse")
    Shift.objects.create(organization=org, site=airdrie, starts_at=FUTURE - timedelta(days=5000),
                         ends_at=FUTURE - timedelta(days=4999), profession="midwife")
    page = login(recruiter).get(reverse("locums:shifts")).content.decode()
    assert page.index("Airdrie") < page.index("Red Deer Clinic")
    assert 'class="shift-status st-offered"' in page and 'class="shift-status st-booked"' in page
    assert "Registered nurse" in page and "Midwife" not in page
    assert "Fri Jan 15, 08:00" in page  # in the site's zone
    assert "Amara Locum" in page  # who is booked
    only = login(recruiter).get(reverse("locums:shifts"), {"status": "booked"}).content.decode()
    assert "st-offered" not in only.split("Fill rate")[0].split("</form>")[-1]


def test_the_shift_list_takes_a_bounded_number_of_queries(login, recruiter, org, site,
                                                          django_assert_max_num_queries):
    for i in range(25):
        Shift.objects.create(organization=org, site=site,
                             starts_at=FUTURE + timedelta(days=i),
                             ends_at=FUTURE + timedelta(days=i, hours=8),
                             profession="physician")
    client = login(recruiter)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("locums:shifts")).status_code == 200


def cell(page: str, day: str) -> str:
    match = re.search(rf'data-day="{day}">(.*?)</td>', page, re.S)
    assert match, day
    return match.group(1)


def test_the_calendar_places_shifts_on_their_days_in_the_site_zone(login, recruiter, org):
    toronto = Site.objects.create(organization=org, name="Toronto", time_zone="America/Toronto")
    # 23:00 in Toronto on Jan 14 is Jan 15 in UTC: it belongs on the 14th.
    late = datetime(2030, 1, 15, 4, 0, tzinfo=UTC)
    Shift.objects.create(organization=org, site=toronto, starts_at=late,
                         ends_at=late + timedelta(hours=0, minutes=59), profession="physician",
                         specialty="Late")
    # A block from the 20th 08:00 to the 22nd 17:00, Toronto time.
    block = datetime(2030, 1, 20, 13, 0, tzinfo=UTC)
    Shift.objects.create(organization=org, site=toronto, starts_at=block,
                         ends_at=block + timedelta(days=2, hours=9), profession="physician",
                         specialty="Block", status=ShiftStatus.BOOKED)
    page = login(recruiter).get(reverse("locums:calendar"),
                                {"site": toronto.pk, "month": "2030-01"}).content.decode()
    assert "January 2030" in page
    assert "Late" in cell(page, "2030-01-14") and "23:00" in cell(page, "2030-01-14")
    assert "Late" not in cell(page, "2030-01-15")
    for day in ("2030-01-20", "2030-01-21", "2030-01-22"):
        assert "Block" in cell(page, day) and "st-booked" in cell(page, day)
    assert "Block" not in cell(page, "2030-01-23") and "Block" not in cell(page, "2030-01-19")
    assert "month=2029-12" in page and "month=2030-02" in page


def test_the_calendar_defaults_to_this_month_and_shows_only_the_chosen_site(login, recruiter,
                                                                           org, world):
    other = Site.objects.create(organization=org, name="Airdrie")
    page = login(recruiter).get(reverse("locums:calendar"),
                                {"site": other.pk, "month": "2027-01"}).content.decode()
    assert "Family Medicine" not in page
    page = login(recruiter).get(reverse("locums:calendar"),
                                {"site": world["shift"].site_id, "month": "2027-01"}
                                ).content.decode()
    assert "Family Medicine" in cell(page, "2027-01-15")
    today = login(recruiter).get(reverse("locums:calendar")).content.decode()
    assert timezone.now().strftime("%B %Y") in today or "Shift calendar" in today


def test_a_recruiter_posts_a_shift_through_the_form(login, recruiter, site, org):
    lst = network.do_create_list(org, actor=recruiter, name="AB family")
    client = login(recruiter)
    assert client.get(reverse("locums:shift_new")).status_code == 200
    response = client.post(reverse("locums:shift_new"), {
        "site": site.pk, "starts_at": "2027-02-01T08:00", "ends_at": "2027-02-03T17:00",
        "profession": "physician", "specialty": "Family medicine",
        "licence_jurisdiction": "CA-AB", "required_credentials": "ACLS, ALSO",
        "rate": "1800", "rate_unit": "day", "currency": "CAD", "terms": "Call 1 in 4",
        "lists": [lst.pk], "tier_delay_minutes": "30",
    })
    shift = Shift.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == reverse("locums:shift", args=[shift.uuid])
    assert shift.starts_at == datetime(2027, 2, 1, 15, 0, tzinfo=UTC)
    assert shift.required_credentials == ["ACLS", "ALSO"]
    assert shift.created_by == recruiter


def test_the_form_shows_each_error_by_its_field_and_keeps_the_input(login, recruiter, site):
    response = login(recruiter).post(reverse("locums:shift_new"), {
        "site": site.pk, "starts_at": "2030-02-01T08:00", "ends_at": "2030-02-01T07:00",
        "profession": "physician", "rate_unit": "day", "currency": "CAD",
        "terms": "Keep this text", "tier_delay_minutes": "30",
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["ends_at"] == ["A shift must end after it starts."]
    assert "Keep this text" in response.content.decode()
    assert not Shift.objects.exists()


EDIT = {"profession": "physician", "specialty": "Family Medicine", "rate_unit": "day",
        "currency": "CAD", "tier_delay_minutes": "30"}


def test_an_open_shift_is_edited_in_the_site_zone(login, recruiter, world):
    shift = world["shift"]
    Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.OPEN)
    client = login(recruiter)
    page = client.get(reverse("locums:shift_edit", args=[shift.uuid])).content.decode()
    assert 'value="2027-01-15T08:00"' in page and 'name="loaded_as" value="open"' in page
    response = client.post(reverse("locums:shift_edit", args=[shift.uuid]), {
        "site": shift.site_id, "starts_at": "2027-01-15T09:00", "ends_at": "2027-01-15T18:00",
        "loaded_as": "open", **EDIT,
    })
    assert response.status_code == 302
    shift.refresh_from_db()
    assert shift.starts_at == datetime(2027, 1, 15, 16, 0, tzinfo=UTC)
    completed = world["booked"]
    Shift.objects.filter(pk=completed.pk).update(status=ShiftStatus.COMPLETED)
    assert client.get(reverse("locums:shift_edit", args=[completed.uuid])).status_code == 302


def test_an_offered_or_booked_shift_edits_only_its_terms_and_notes(login, recruiter, world):
    client = login(recruiter)
    for shift in (world["shift"], world["booked"]):
        url = reverse("locums:shift_edit", args=[shift.uuid])
        form = client.get(url).context["form"]
        assert form.fields["starts_at"].disabled and form.fields["rate"].disabled
        assert not form.fields["terms"].disabled and not form.fields["notes"].disabled
        # The browser leaves disabled fields out of the post.
        response = client.post(url, {"loaded_as": shift.status, "terms": "Call from home",
                                     "notes": "Parking at the back"})
        assert response.status_code == 302, response.context["form"].errors
        saved = Shift.objects.get(pk=shift.pk)
        assert (saved.terms, saved.notes) == ("Call from home", "Parking at the back")
        assert (saved.status, saved.starts_at, saved.booked_at) == (
            shift.status, shift.starts_at, shift.booked_at)
        assert "Edit terms and notes" in client.get(
            reverse("locums:shift", args=[shift.uuid])).content.decode()


def test_a_form_loaded_before_the_broadcast_is_refused_by_field(login, recruiter, world):
    shift = world["shift"]  # offered since the form was loaded as open
    response = login(recruiter).post(reverse("locums:shift_edit", args=[shift.uuid]), {
        "site": shift.site_id, "starts_at": "2027-01-15T09:00", "ends_at": "2027-01-15T18:00",
        "loaded_as": "open", "notes": "Parking at the back", **EDIT,
    })
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"starts_at", "ends_at"}
    assert errors["starts_at"] == [
        "The start can't change now; 1 member already has these details: cancel the shift and "
        "post it again."]
    assert response.context["form"].fields["starts_at"].disabled  # shown as it now is
    saved = Shift.objects.get(pk=shift.pk)
    assert saved.starts_at == FUTURE and saved.notes == ""


def test_a_far_future_shift_is_refused_by_field_not_a_500(login, recruiter, site):
    response = login(recruiter).post(reverse("locums:shift_new"), {
        "site": site.pk, "starts_at": "9999-12-31T20:00", "ends_at": "9999-12-31T23:00",
        "profession": "physician", "rate_unit": "day", "currency": "CAD",
        "tier_delay_minutes": "30",
    })
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["starts_at"] == ["At most 2 years ahead: check the year."]
    assert errors["ends_at"] == ["At most 2 years ahead: check the year."]
    assert not Shift.objects.exists()


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "1899-12", "2201-01", "10000-01",
                                   "2026-13", "-1-5", "abc", "2026-12-01", ""])
def test_a_calendar_month_out_of_range_shows_this_month(login, recruiter, site, month):
    response = login(recruiter).get(reverse("locums:calendar"), {"month": month})
    assert response.status_code == 200
    today = timezone.now().astimezone(ZoneInfo("America/Edmonton")).date()
    assert response.context["month"] == today.replace(day=1)


def test_the_calendar_goes_to_its_first_and_last_months(login, recruiter, site):
    client = login(recruiter)
    first = client.get(reverse("locums:calendar"), {"month": "1900-01"})
    last = client.get(reverse("locums:calendar"), {"month": "2200-12"})
    assert first.context["month"] == date(1900, 1, 1)
    assert last.context["month"] == date(2200, 12, 1)


def test_the_shift_page_shows_the_fit_report_and_the_broadcast_button(login, recruiter, org,
                                                                      site):
    make_member(org, recruiter, "Amara")
    make_member(org, recruiter, "Tomas", profession="registered_nurse",
                specialties=("ICU nursing",))
    shift = Shift.objects.create(
        organization=org, site=site, starts_at=FUTURE, ends_at=FUTURE + timedelta(hours=9),
        profession="physician", specialty="Family Medicine", specialty_code="207Q00000X",
        licence_jurisdiction="CA-AB", created_by=recruiter)
    page = login(recruiter).get(reverse("locums:shift", args=[shift.uuid])).content.decode()
    assert "Who fits: 1 member" in page
    assert "Broadcast to 1 member" in page
    assert "Amara Locum" in page
    fit_part = page.split("Not offered")[1]
    assert "Tomas Locum" in fit_part and "Not a physician" in fit_part


def test_broadcast_from_the_page_offers_the_shift_and_the_board_polls(login, recruiter, org,
                                                                      site):
    make_member(org, recruiter, "Amara")
    shift = Shift.objects.create(
        organization=org, site=site, starts_at=FUTURE, ends_at=FUTURE + timedelta(hours=9),
        profession="physician", specialty="Family Medicine", specialty_code="207Q00000X",
        created_by=recruiter)
    client = login(recruiter)
    assert 'hx-trigger="every' not in client.get(
        reverse("locums:shift", args=[shift.uuid])).content.decode()
    response = client.post(reverse("locums:shift_broadcast", args=[shift.uuid]), follow=True)
    page = response.content.decode()
    assert "Offered to 1 member" in page
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OFFERED
    assert ShiftOffer.objects.filter(shift=shift).count() == 1
    assert 'hx-trigger="every 3s"' in page
    board = client.get(reverse("locums:shift_board", args=[shift.uuid])).content.decode()
    assert board.startswith("<div id=\"shift-board\"") or 'id="shift-board"' in board
    assert "Waiting for the first yes" in board and "Amara Locum" in board
    again = client.post(reverse("locums:shift_broadcast", args=[shift.uuid]), follow=True)
    assert "already been offered" in again.content.decode()


def test_the_board_shows_who_is_booked_and_stops_polling(login, recruiter, world):
    board = login(recruiter).get(
        reverse("locums:shift_board", args=[world["booked"].uuid])).content.decode()
    assert "Booked:" in board and "Amara Locum" in board
    assert world["candidate"].phone in board and world["candidate"].email in board
    assert "hx-trigger" not in board
    assert "Cancel this booking" in board


def test_the_clinic_cancels_a_booking_then_the_shift(login, recruiter, world):
    client = login(recruiter)
    booked = world["booked"]
    client.post(reverse("locums:booking_cancel", args=[booked.uuid, world["booking"].pk]),
                {"reason": "Clinic closed"})
    booking = Booking.objects.get(pk=world["booking"].pk)
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_by == "clinic"
    booked.refresh_from_db()
    assert booked.status == ShiftStatus.OFFERED
    page = client.post(reverse("locums:shift_cancel", args=[booked.uuid]), {"reason": ""},
                       follow=True).content.decode()
    assert "Say why" in page
    client.post(reverse("locums:shift_cancel", args=[booked.uuid]), {"reason": "Not needed"})
    booked.refresh_from_db()
    assert booked.status == ShiftStatus.CANCELLED and booked.cancel_reason == "Not needed"


def test_cancelling_a_shift_says_who_is_told_what(login, recruiter, world, org):
    shift = world["booked"]
    waiting = [make_member(org, recruiter, name) for name in ("Wen", "Wes")]
    for position, member in enumerate(waiting, start=1):
        ShiftOffer.objects.create(organization=org, shift=shift, member=member,
                                  candidate=member.candidate, status=OfferStatus.WAITLISTED,
                                  waitlist_position=position)
    late = make_member(org, recruiter, "Lou")
    ShiftOffer.objects.create(organization=org, shift=shift, member=late,
                              candidate=late.candidate, status=OfferStatus.LATER_TIER)
    page = login(recruiter).post(reverse("locums:shift_cancel", args=[shift.uuid]),
                                 {"reason": "Clinic closed"}, follow=True).content.decode()
    assert ("Shift cancelled. Amara Locum gets the calendar cancellation. 2 members on the "
            "waitlist are told. 1 unanswered offer withdrawn; messages not sent yet are "
            "cancelled.") in page
    assert "everyone offered it is told" not in page
    open_one = world["shift"]  # offered, one offer sent and unanswered, nobody booked
    page = login(recruiter).post(reverse("locums:shift_cancel", args=[open_one.uuid]),
                                 {"reason": "Clinic closed"}, follow=True).content.decode()
    assert ("Shift cancelled. 1 unanswered offer withdrawn; messages not sent yet are "
            "cancelled.") in page


def test_a_booking_of_another_shift_is_404_under_this_one(login, recruiter, world):
    response = login(recruiter).post(reverse(
        "locums:booking_cancel", args=[world["shift"].uuid, world["booking"].pk]))
    assert response.status_code == 404
    assert Booking.objects.get(pk=world["booking"].pk).status == BookingStatus.ACTIVE


def test_shift_figures_are_on_the_page(login, recruiter, world):
    page = login(recruiter).get(reverse("locums:shift", args=[world["shift"].uuid])
                                ).content.decode()
    assert "Figures" in page and "acceptance rate" in page
    assert "posting to booking" in page and "broadcast to booking" in page
    assert "on the way" in page


def test_the_shift_page_shows_its_sites_fill_rate(login, recruiter, world, org, site):
    other = Site.objects.create(organization=org, name="Olds Clinic")
    Shift.objects.create(organization=org, site=other, starts_at=FUTURE,
                         ends_at=FUTURE + timedelta(hours=9), profession="physician",
                         status=ShiftStatus.CANCELLED)
    past = timezone.now() - timedelta(days=2)
    Shift.objects.create(organization=org, site=site, starts_at=past,
                         ends_at=past + timedelta(hours=9), profession="physician",
                         status=ShiftStatus.CANCELLED)
    page = login(recruiter).get(reverse("locums:shift", args=[world["shift"].uuid])
                                ).content.decode()
    fill = re.search(r'<dd id="site-fill">(.*?)</dd>', page, re.S).group(1)
    # Red Deer: the booked shift and a cancelled one decided, the offered one still open.
    assert "50% filled" in " ".join(fill.split())
    assert "1 booked of 3 shifts posted at Red Deer Clinic in the last 90 days" in fill
