"""Posting and changing shifts: every field checked with an error naming it, nothing written on
a refusal; the specialty's code and the licence jurisdiction's code resolved; a block of days;
the form reading times in the site's time zone; changes only while open or offered."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rounds.accounts.models import Site
from rounds.locums import network, shifts
from rounds.locums.choices import ShiftStatus
from rounds.locums.forms import ShiftForm
from rounds.locums.models import Shift

EDMONTON = ZoneInfo("America/Edmonton")
TORONTO = ZoneInfo("America/Toronto")


@pytest.fixture
def site(org):
    return Site.objects.create(organization=org, name="Red Deer Clinic", city="Red Deer",
                               region="AB", country="CA", time_zone="America/Edmonton")


@pytest.fixture
def start():
    """Tomorrow at 08:00 in Edmonton: always in the future."""
    tomorrow = timezone.now().astimezone(EDMONTON).date() + timedelta(days=1)
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, 8, tzinfo=EDMONTON)


def post(org, actor, where, start, **changes):
    fields = {"site": where, "starts_at": start, "ends_at": start + timedelta(hours=10),
              "profession": "physician", "specialty": "Family medicine",
              "licence_jurisdiction": "AB", "required_credentials": "ACLS, PALS",
              "rate": "1800", "rate_unit": "day", "currency": "cad"}
    fields.update(changes)
    return shifts.do_create_shift(org, actor=actor, **fields)


def test_a_posted_shift_is_open_with_its_codes_resolved(org, recruiter, site, start):
    lst = network.do_create_list(org, actor=recruiter, name="AB family")
    shift = post(org, recruiter, site, start, lists=[lst], tiered=True, tier_delay_minutes=45,
                 terms=" Call from home ", notes="Parking at the back")
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OPEN
    assert shift.licence_jurisdiction == "CA-AB"
    assert shift.specialty_code == "207Q00000X"
    assert shift.required_credentials == ["ACLS", "PALS"]
    assert shift.rate == Decimal("1800.00") and shift.currency == "CAD"
    assert shift.terms == "Call from home"
    assert list(shift.lists.all()) == [lst]
    assert shift.tiered and shift.tier_delay_minutes == 45
    assert shift.created_by == recruiter


def _bad(start, org, other_org):
    """(field named, changes) for every refusal."""
    past = timezone.now() - timedelta(hours=2)
    return {
        "same end": ("ends_at", {"ends_at": start}),
        "end before start": ("ends_at", {"ends_at": start - timedelta(hours=1)}),
        "past": ("starts_at", {"starts_at": past, "ends_at": past + timedelta(hours=10)}),
        "too long": ("ends_at", {"ends_at": start + timedelta(days=93)}),
        "naive": ("starts_at", {"starts_at": start.replace(tzinfo=None)}),
        "profession": ("profession", {"profession": "wizard"}),
        "jurisdiction": ("licence_jurisdiction", {"licence_jurisdiction": "Atlantis"}),
        "many credentials": ("required_credentials",
                             {"required_credentials": ",".join(f"C{i}" for i in range(21))}),
        "long credential": ("required_credentials", {"required_credentials": ["x" * 61]}),
        "rate words": ("rate", {"rate": "lots"}),
        "negative rate": ("rate", {"rate": "-5"}),
        "nan rate": ("rate", {"rate": "NaN"}),
        "rate unit": ("rate_unit", {"rate_unit": "week"}),
        "currency": ("currency", {"currency": "dollars"}),
        "specialty": ("specialty", {"specialty": "s" * 121}),
        "no delay": ("tier_delay_minutes", {"tier_delay_minutes": 0}),
        "delay words": ("tier_delay_minutes", {"tier_delay_minutes": "soon"}),
        "no site": ("site", {"site": None}),
        "their site": ("site", {"site": Site.objects.create(organization=other_org,
                                                            name="Austin")}),
        "closed site": ("site", {"site": Site.objects.create(organization=org, name="Closed",
                                                             is_active=False)}),
        "year 9999": ("starts_at", {"starts_at": datetime(9999, 12, 31, 20, tzinfo=EDMONTON),
                                    "ends_at": datetime(9999, 12, 31, 23, tzinfo=EDMONTON)}),
        "three years ahead": ("starts_at", {"starts_at": start + timedelta(days=3 * 365),
                                            "ends_at": start + timedelta(days=3 * 365,
                                                                         hours=9)}),
        "ends three years ahead": ("ends_at", {
            "starts_at": start + timedelta(days=2 * 365 - 30),
            "ends_at": start + timedelta(days=2 * 365 + 30)}),
    }


BAD = ["same end", "end before start", "past", "too long", "naive", "profession",
       "jurisdiction", "many credentials", "long credential", "rate words", "negative rate",
       "nan rate", "rate unit", "currency", "specialty", "no delay", "delay words", "no site",
       "their site", "closed site", "year 9999", "three years ahead", "ends three years ahead"]


@pytest.mark.parametrize("case", BAD)
def test_bad_input_names_the_field_and_writes_nothing(org, recruiter, site, start, other_org,
                                                      case):
    field, changes = _bad(start, org, other_org)[case]
    with pytest.raises(ValidationError) as exc:
        post(org, recruiter, site, start, **changes)
    assert field in exc.value.error_dict
    assert not Shift.objects.exists()


def test_every_bad_field_is_named_at_once(org, recruiter, site, start):
    with pytest.raises(ValidationError) as exc:
        post(org, recruiter, site, start, profession="", currency="", rate="x",
             ends_at=start - timedelta(hours=1))
    assert {"profession", "currency", "rate", "ends_at"} <= set(exc.value.error_dict)


def test_a_list_of_another_organization_is_refused(org, recruiter, site, start, other_org,
                                                   outsider):
    theirs = network.do_create_list(other_org, actor=outsider, name="Theirs")
    with pytest.raises(ValidationError) as exc:
        post(org, recruiter, site, start, lists=[theirs])
    assert "lists" in exc.value.error_dict


def test_a_block_of_days_is_one_shift_covering_each_day(org, recruiter, site, start):
    shift = post(org, recruiter, site, start, ends_at=start + timedelta(days=4, hours=9))
    days = shifts.local_days(shift.starts_at, shift.ends_at, EDMONTON)
    assert len(days) == 5 and days[0] == start.date()


def test_local_days_follow_the_zone_and_stop_before_a_midnight_end():
    start = datetime(2026, 12, 14, 19, tzinfo=EDMONTON)
    assert shifts.local_days(start, start + timedelta(hours=12), EDMONTON) == [
        date(2026, 12, 14), date(2026, 12, 15)]
    assert shifts.local_days(start, datetime(2026, 12, 15, 0, tzinfo=EDMONTON), EDMONTON) == [
        date(2026, 12, 14)]
    # 23:00 in Edmonton is the next day in Toronto.
    late = datetime(2026, 12, 14, 23, tzinfo=EDMONTON)
    assert shifts.local_days(late, late + timedelta(minutes=30), TORONTO) == [
        date(2026, 12, 15)]


def test_split_credentials_trims_and_drops_duplicates_in_any_case():
    assert shifts.split_credentials(" ACLS, pals ,acls,, ") == ["ACLS", "pals"]
    assert shifts.split_credentials(["BLS", " bls", ""]) == ["BLS"]
    assert shifts.split_credentials(None) == []


def test_site_zone_falls_back_to_the_organization(org, site):
    assert shifts.site_zone(site) == EDMONTON
    bare = Site.objects.create(organization=org, name="No zone", time_zone="")
    org.time_zone = "America/Toronto"
    org.save()
    bare.refresh_from_db()
    assert shifts.site_zone(bare) == TORONTO
    broken = Site.objects.create(organization=org, name="Bad zone", time_zone="Mars/Base")
    assert shifts.site_zone(broken) == TORONTO


def test_the_form_reads_times_in_the_site_zone(org, recruiter):
    toronto = Site.objects.create(organization=org, name="Toronto", time_zone="America/Toronto")
    form = ShiftForm({
        "site": toronto.pk, "starts_at": "2030-03-07T08:00", "ends_at": "2030-03-11T17:00",
        "profession": "physician", "rate_unit": "day", "currency": "CAD",
        "tier_delay_minutes": "30",
    }, organization=org)
    assert form.is_valid(), form.errors
    fields = form.action_fields()
    assert fields["starts_at"] == datetime(2030, 3, 7, 13, tzinfo=UTC)
    # After the DST change on March 10, Toronto is UTC-4.
    assert fields["ends_at"] == datetime(2030, 3, 11, 21, tzinfo=UTC)


def test_the_form_refuses_an_unreadable_time_by_field(org, site):
    form = ShiftForm({"site": site.pk, "starts_at": "next tuesday", "ends_at": "",
                      "profession": "physician", "rate_unit": "day", "currency": "CAD",
                      "tier_delay_minutes": "30"}, organization=org)
    assert not form.is_valid()
    assert "starts_at" in form.errors and "ends_at" in form.errors


def test_the_form_offers_only_this_organizations_sites_and_lists(org, other_org, outsider,
                                                                 site, recruiter):
    theirs = Site.objects.create(organization=other_org, name="Austin")
    network.do_create_list(other_org, actor=outsider, name="Theirs")
    mine = network.do_create_list(org, actor=recruiter, name="Mine")
    form = ShiftForm(organization=org)
    assert list(form.fields["site"].queryset) == [site]
    assert list(form.fields["lists"].queryset) == [mine]
    bad = ShiftForm({"site": theirs.pk}, organization=org)
    assert not bad.is_valid() and "site" in bad.errors


def test_an_open_or_offered_shift_can_be_changed(org, recruiter, site, start):
    shift = post(org, recruiter, site, start)
    shifts.do_update_shift(shift, actor=recruiter, rate="2000", ends_at=start + timedelta(hours=12),
                           licence_jurisdiction="British Columbia")
    shift.refresh_from_db()
    assert shift.rate == Decimal("2000.00")
    assert shift.licence_jurisdiction == "CA-BC"
    assert shift.ends_at == start + timedelta(hours=12)
    Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.OFFERED)
    shift.refresh_from_db()
    shifts.do_update_shift(shift, actor=recruiter, notes="Bring your own stethoscope")
    assert Shift.objects.get(pk=shift.pk).notes == "Bring your own stethoscope"


def test_an_update_checks_the_end_against_the_stored_start(org, recruiter, site, start):
    shift = post(org, recruiter, site, start)
    with pytest.raises(ValidationError) as exc:
        shifts.do_update_shift(shift, actor=recruiter, ends_at=start - timedelta(hours=1))
    assert "ends_at" in exc.value.error_dict
    assert Shift.objects.get(pk=shift.pk).ends_at == start + timedelta(hours=10)


def test_a_started_shift_keeps_its_start_when_other_fields_change(org, recruiter, site, start):
    shift = post(org, recruiter, site, start)
    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    shift.refresh_from_db()
    shifts.do_update_shift(shift, actor=recruiter, notes="Running late")
    with pytest.raises(ValidationError) as exc:
        shifts.do_update_shift(shift, actor=recruiter,
                               starts_at=timezone.now() - timedelta(minutes=30))
    assert "starts_at" in exc.value.error_dict


@pytest.mark.parametrize("status", [ShiftStatus.COMPLETED, ShiftStatus.CANCELLED])
def test_a_completed_or_cancelled_shift_cannot_be_changed(org, recruiter, site, start, status):
    shift = post(org, recruiter, site, start)
    Shift.objects.filter(pk=shift.pk).update(status=status)
    shift.refresh_from_db()
    for change in ({"rate": "1"}, {"notes": "Too late"}):
        with pytest.raises(ValidationError) as exc:
            shifts.do_update_shift(shift, actor=recruiter, **change)
        assert list(exc.value.error_dict) == ["status"]
    saved = Shift.objects.get(pk=shift.pk)
    assert saved.rate == Decimal("1800.00") and saved.notes == ""


def offered(org, recruiter, site, start, members=3):
    """A shift broadcast to `members` members (offers written, one more unreachable)."""
    from rounds.locums.choices import OfferStatus
    from rounds.locums.models import NetworkMember, ShiftOffer

    shift = post(org, recruiter, site, start)
    statuses = [OfferStatus.QUEUED, OfferStatus.SENT, OfferStatus.DECLINED][:members]
    for i, status in enumerate([*statuses, OfferStatus.UNREACHABLE]):
        candidate = network_candidate(org, recruiter, f"M{i}")
        member = NetworkMember.objects.create(organization=org, candidate=candidate)
        ShiftOffer.objects.create(organization=org, shift=shift, member=member,
                                  candidate=candidate, status=status)
    Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.OFFERED,
                                             broadcast_at=timezone.now())
    shift.refresh_from_db()
    return shift


def network_candidate(org, actor, first):
    from rounds.candidates.actions import do_create_candidate

    return do_create_candidate(org.pk, actor=actor, first_name=first, last_name="Locum",
                               profession="physician")


SETTLED_CHANGES = {
    "starts_at": lambda s: {"starts_at": s.starts_at + timedelta(hours=1)},
    "ends_at": lambda s: {"ends_at": s.ends_at + timedelta(hours=6)},
    "profession": lambda s: {"profession": "registered_nurse"},
    "specialty": lambda s: {"specialty": "Emergency medicine"},
    "licence_jurisdiction": lambda s: {"licence_jurisdiction": "CA-BC"},
    "required_credentials": lambda s: {"required_credentials": "ACLS"},
    "rate": lambda s: {"rate": "2000"},
    "currency": lambda s: {"currency": "USD"},
    "tiered": lambda s: {"tiered": True},
}


@pytest.mark.parametrize("field", [*SETTLED_CHANGES, "lists", "site"])
def test_an_offered_shift_refuses_changes_to_what_members_were_told(org, recruiter, site, start,
                                                                    field):
    shift = offered(org, recruiter, site, start)
    before = {name: getattr(shift, name) for name in shifts.FIELDS if name != "lists"}
    if field == "lists":
        change = {"lists": [network.do_create_list(org, actor=recruiter, name="ER")]}
    elif field == "site":
        change = {"site": Site.objects.create(organization=org, name="Olds", city="Olds",
                                              time_zone="America/Edmonton")}
    else:
        change = SETTLED_CHANGES[field](shift)
    with pytest.raises(ValidationError) as exc:
        shifts.do_update_shift(shift, actor=recruiter, notes="Parking at the back", **change)
    assert list(exc.value.message_dict) == [field]
    [message] = exc.value.message_dict[field]
    assert message.endswith("can't change now; 3 members already have these details: cancel "
                            "the shift and post it again.")
    saved = Shift.objects.get(pk=shift.pk)
    assert {name: getattr(saved, name) for name in before} == before  # notes too: nothing
    assert list(saved.lists.all()) == []


def test_an_offered_shift_still_takes_new_terms_and_notes_and_the_same_details(
        org, recruiter, site, start):
    shift = offered(org, recruiter, site, start, members=1)
    # What the edit form posts: every field, the settled ones unchanged.
    same = {"site": site, "starts_at": shift.starts_at, "ends_at": shift.ends_at,
            "profession": "physician", "specialty": "Family medicine",
            "licence_jurisdiction": "CA-AB", "required_credentials": "ACLS, PALS",
            "rate": "1800.00", "rate_unit": "day", "currency": "CAD", "lists": [],
            "tiered": False, "tier_delay_minutes": 30}
    shifts.do_update_shift(shift, actor=recruiter, terms="Call from home",
                           notes="Parking at the back", **same)
    saved = Shift.objects.get(pk=shift.pk)
    assert (saved.terms, saved.notes) == ("Call from home", "Parking at the back")
    assert saved.status == ShiftStatus.OFFERED
    with pytest.raises(ValidationError) as exc:
        shifts.do_update_shift(shift, actor=recruiter, rate="1900")
    assert exc.value.message_dict["rate"] == [
        "The rate can't change now; 1 member already has these details: cancel the shift and "
        "post it again."]


def test_a_stale_edit_never_undoes_a_booking(org, recruiter, site, start):
    from rounds.locums.models import Booking

    shift = offered(org, recruiter, site, start)
    stale = Shift.objects.get(pk=shift.pk)  # the edit form was loaded
    # Meanwhile a member takes it.
    booked_at = timezone.now()
    Shift.objects.filter(pk=shift.pk).update(status=ShiftStatus.BOOKED, booked_at=booked_at)
    offer = shift.offers.filter(status="sent").select_related("member").get()
    Booking.objects.create(organization=org, shift=shift, member=offer.member,
                           candidate=offer.candidate, starts_at=shift.starts_at,
                           ends_at=shift.ends_at)
    with pytest.raises(ValidationError) as exc:
        shifts.do_update_shift(stale, actor=recruiter, notes="Parking at the back",
                               ends_at=stale.ends_at + timedelta(hours=6))
    assert list(exc.value.message_dict) == ["ends_at"]
    saved = shifts.do_update_shift(stale, actor=recruiter, notes="Parking at the back")
    for row in (saved, Shift.objects.get(pk=shift.pk)):
        assert row.status == ShiftStatus.BOOKED and row.booked_at == booked_at
        assert row.notes == "Parking at the back"
        assert row.ends_at == start + timedelta(hours=10)
    assert Booking.objects.get(shift=shift).ends_at == row.ends_at


def test_an_update_writes_only_the_fields_that_changed(org, recruiter, site, start):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shift = post(org, recruiter, site, start)
    with CaptureQueriesContext(connection) as queries:
        shifts.do_update_shift(shift, actor=recruiter, notes="Parking at the back",
                               rate="1800", profession="physician")
    [update] = [q["sql"] for q in queries.captured_queries
                if q["sql"].startswith('UPDATE "locums_shift"')]
    assert '"notes"' in update
    for untouched in ('"status"', '"booked_at"', '"rate"', '"profession"', '"starts_at"'):
        assert untouched not in update
