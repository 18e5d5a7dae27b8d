"""Who fits a shift: profession, specialty, licence, credentials, bookings, lists, caps — every
unfit member with every reason, the fitting ones ranked by matching, in a fixed number of
queries, and never another organization's members."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rounds.accounts.models import Site
from rounds.candidates.actions import do_add_related, do_create_candidate, do_record_consent
from rounds.candidates.choices import CandidateStatus, ConsentBasis, LicenceStatus
from rounds.candidates.models import Certification, Licence
from rounds.locums.choices import OfferStatus, ShiftStatus
from rounds.locums.fit import fit_members
from rounds.locums.models import Booking, NetworkList, NetworkMember, Shift, ShiftOffer

# Wednesday 2 Dec 2026, noon in Edmonton: inside every sending window.
AT = datetime(2026, 12, 2, 19, 0, tzinfo=UTC)
# Monday 14 Dec 2026, 08:00-17:00 in Edmonton (MST, UTC-7).
STARTS = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
ENDS = datetime(2026, 12, 15, 0, 0, tzinfo=UTC)

PLACES = {
    "Red Deer": ("AB", "America/Edmonton"),
    "Calgary": ("AB", "America/Edmonton"),
    "Edmonton": ("AB", "America/Edmonton"),
    "Toronto": ("ON", "America/Toronto"),
}


def make_site(org, name="Red Deer Clinic", city="Red Deer"):
    return Site.objects.create(
        organization=org, name=name, city=city, region="AB", country="CA",
        address_line="4920 51 St", latitude=52.2681, longitude=-113.8112,
        time_zone="America/Edmonton",
    )


def make_shift(org, site, **fields):
    values = dict(
        organization=org, site=site, starts_at=STARTS, ends_at=ENDS, profession="physician",
        specialty="Family Medicine", specialty_code="207Q00000X", licence_jurisdiction="CA-AB",
        required_credentials=["ACLS"], rate=1800, terms="Call 1 in 4; lodging provided.",
    )
    values.update(fields)
    lists = values.pop("lists", ())
    shift = Shift.objects.create(**values)
    if lists:
        shift.lists.set(lists)
    return shift


def make_member(org, actor, first, *, last="Locum", profession="physician",
                specialties=("Family Medicine",), licences=(("CA-AB", LicenceStatus.ACTIVE,
                                                             date(2027, 12, 31)),),
                certifications=(("ACLS", date(2027, 6, 30)),), favourite=False, cap=None,
                city="Calgary", channels=("email", "sms"), consent=None, status=None,
                lists=(), muted=(), phone="", time_zone=None):
    region, zone = PLACES[city]
    number = phone or f"+1403555{(sum(map(ord, first + last)) * 7) % 10000:04d}"
    candidate = do_create_candidate(
        org.pk, actor=actor, first_name=first, last_name=last, profession=profession,
        email=f"{first.lower()}.{last.lower()}@example.com", phone=number, city=city,
        region=region, country="CA", time_zone=time_zone if time_zone is not None else zone,
        specialties=list(specialties), preferred_channels=list(channels),
        status=status or CandidateStatus.ACTIVE,
    )
    for jurisdiction, licence_status, expires in licences:
        do_add_related(candidate, Licence, actor=actor, jurisdiction=jurisdiction,
                       status=licence_status, expires_on=expires, number=f"L{candidate.pk}")
    for name, expires in certifications:
        do_add_related(candidate, Certification, actor=actor, name=name, expires_on=expires)
    consent = {"email": ConsentBasis.EXPRESS, "sms": ConsentBasis.EXPRESS} if consent is None \
        else consent
    for channel, basis in consent.items():
        do_record_consent(candidate, channel=channel, basis=basis, actor=actor,
                          evidence="Signed up to the locum network",
                          obtained_at=datetime(2026, 1, 10, tzinfo=UTC))
    member = NetworkMember.objects.create(organization=org, candidate=candidate,
                                          is_favourite=favourite, weekly_offer_cap=cap)
    member.lists.set(lists)
    member.muted_lists.set(muted)
    return member


def book(member, shift):
    return Booking.objects.create(
        organization_id=member.organization_id, shift=shift, member=member,
        candidate=member.candidate, starts_at=shift.starts_at, ends_at=shift.ends_at,
    )


def reasons_of(report, member):
    for m, reasons in report.unfit:
        if m.pk == member.pk:
            return reasons
    return None


def fit_ids(report):
    return [m.pk for m, _score, _good in report.fits]


@pytest.fixture
def site(org):
    return make_site(org)


@pytest.fixture
def shift(org, site, recruiter):
    return make_shift(org, site, created_by=recruiter)


def test_a_member_with_everything_current_fits_with_the_reasons(shift, org, recruiter):
    amara = make_member(org, recruiter, "Amara", favourite=True)
    report = fit_members(shift, at=AT)
    assert report.unfit == []
    [(member, score, good)] = report.fits
    assert member.pk == amara.pk
    assert score > 50
    assert "Favourite" in good
    assert "Current licence in CA-AB" in good
    assert "ACLS current through 2027-06-30" in good
    assert member.candidate.full_name == "Amara Locum"  # loaded with the report, no query


def test_expired_or_missing_credentials_keep_members_out_with_the_reason(shift, org, recruiter):
    expired = make_member(org, recruiter, "Eli", certifications=[("ACLS", date(2026, 3, 1))])
    missing = make_member(org, recruiter, "Mo", certifications=[("BLS", date(2027, 1, 1))])
    lapsing = make_member(org, recruiter, "Lia", certifications=[("ACLS", date(2026, 12, 10))])
    spelled = make_member(org, recruiter, "Sam", certifications=[
        ("Advanced Cardiovascular Life Support", date(2027, 3, 1))])
    lower = make_member(org, recruiter, "Lou", certifications=[("acls", None)])
    report = fit_members(shift, at=AT)
    assert reasons_of(report, expired) == ["ACLS expired 2026-03-01"]
    assert reasons_of(report, missing) == ["No ACLS on record"]
    assert reasons_of(report, lapsing) == ["ACLS expires 2026-12-10, before the shift ends"]
    assert set(fit_ids(report)) == {spelled.pk, lower.pk}


def test_a_current_licence_in_the_shifts_jurisdiction_is_required(shift, org, recruiter):
    elsewhere = make_member(org, recruiter, "Bea", licences=[
        ("CA-BC", LicenceStatus.ACTIVE, date(2028, 1, 1))])
    expired = make_member(org, recruiter, "Cy", licences=[
        ("CA-AB", LicenceStatus.ACTIVE, date(2026, 3, 1))])
    lapsing = make_member(org, recruiter, "Di", licences=[
        ("CA-AB", LicenceStatus.ACTIVE, date(2026, 12, 13))])
    last_day = make_member(org, recruiter, "Dot", licences=[
        ("CA-AB", LicenceStatus.ACTIVE, date(2026, 12, 14))])
    suspended = make_member(org, recruiter, "Ed", licences=[
        ("CA-AB", LicenceStatus.REVOKED, None)])
    provisional = make_member(org, recruiter, "Flo", licences=[
        ("CA-AB", LicenceStatus.PROVISIONAL, None)])
    report = fit_members(shift, at=AT)
    assert reasons_of(report, elsewhere) == ["No current licence in CA-AB"]
    assert reasons_of(report, expired) == ["Licence in CA-AB expired 2026-03-01"]
    assert reasons_of(report, lapsing) == [
        "Licence in CA-AB expires 2026-12-13, before the shift ends"]
    assert reasons_of(report, suspended) == ["No current licence in CA-AB (revoked / suspended)"]
    assert set(fit_ids(report)) == {provisional.pk, last_day.pk}


def test_the_shift_ends_on_its_last_local_day(org, site, recruiter):
    # A night shift from 20:00 on the 14th to 08:00 on the 15th (Edmonton) ends on the 15th.
    night = make_shift(org, site, starts_at=datetime(2026, 12, 15, 3, 0, tzinfo=UTC),
                       ends_at=datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
    member = make_member(org, recruiter, "Nia", licences=[
        ("CA-AB", LicenceStatus.ACTIVE, date(2026, 12, 14))])
    assert reasons_of(fit_members(night, at=AT), member) == [
        "Licence in CA-AB expires 2026-12-14, before the shift ends"]


def test_profession_must_be_the_shifts_and_specialty_the_same_or_related(
        shift, org, recruiter):
    np_member = make_member(org, recruiter, "Nora", profession="nurse_practitioner",
                            specialties=["Family Nurse Practitioner"])
    cardio = make_member(org, recruiter, "Carl", specialties=["Cardiology"])
    emerg = make_member(org, recruiter, "Erin", specialties=["Emergency Medicine"])
    none = make_member(org, recruiter, "Nell", specialties=[])
    two = make_member(org, recruiter, "Tess", specialties=["Cardiology", "Family practice"])
    report = fit_members(shift, at=AT)
    assert reasons_of(report, np_member)[0] == "Not a physician"
    assert reasons_of(report, cardio) == [
        "Different specialty: Cardiology (the shift needs Family medicine)"]
    assert reasons_of(report, none) == ["No specialty on record (the shift needs Family medicine)"]
    goods = {m.pk: good for m, _s, good in report.fits}
    assert set(goods) == {emerg.pk, two.pk}
    assert "Related specialty: Emergency Medicine" in goods[emerg.pk]
    assert "Family practice" in goods[two.pk]


def test_a_member_booked_on_an_overlapping_shift_does_not_fit(shift, org, site, recruiter):
    busy = make_member(org, recruiter, "Bo")
    free = make_member(org, recruiter, "Fay")
    other_site = make_site(org, name="Innisfail Clinic", city="Innisfail")
    overlapping = make_shift(org, other_site, starts_at=STARTS + timedelta(hours=4),
                             ends_at=ENDS + timedelta(hours=4), status=ShiftStatus.BOOKED)
    book(busy, overlapping)
    earlier = make_shift(org, site, starts_at=STARTS - timedelta(days=1),
                         ends_at=STARTS - timedelta(hours=1), status=ShiftStatus.BOOKED)
    book(free, earlier)
    report = fit_members(shift, at=AT)
    assert reasons_of(report, busy) == ["Booked at Innisfail Clinic on 14 Dec"]
    assert fit_ids(report) == [free.pk]


def test_a_cancelled_booking_frees_the_member(shift, org, site, recruiter):
    member = make_member(org, recruiter, "Cam")
    other = make_shift(org, make_site(org, name="Olds Clinic", city="Olds"))
    booking = book(member, other)
    booking.status = "cancelled"
    booking.save()
    assert fit_ids(fit_members(shift, at=AT)) == [member.pk]


def test_only_members_of_the_shifts_lists_count_and_muting_one_keeps_them_out(
        org, site, recruiter):
    er = NetworkList.objects.create(organization=org, name="ER nocturnists")
    fm = NetworkList.objects.create(organization=org, name="AB family physicians")
    listed = make_member(org, recruiter, "Lee", lists=[er])
    muting = make_member(org, recruiter, "Max", lists=[er, fm], muted=[er])
    outside = make_member(org, recruiter, "Oz", lists=[fm], muted=[er])
    shift = make_shift(org, site, lists=[er])
    report = fit_members(shift, at=AT)
    assert fit_ids(report) == [listed.pk]
    assert reasons_of(report, muting) == ["Muted the list “ER nocturnists”"]
    assert outside.pk not in {m.pk for m, _r in report.unfit}
    # A muted list the shift doesn't name changes nothing.
    whole = make_shift(org, site)
    assert set(fit_ids(fit_members(whole, at=AT))) == {listed.pk, muting.pk, outside.pk}


def test_the_weekly_offer_cap_counts_offers_of_the_last_seven_days(shift, org, site, recruiter):
    capped = make_member(org, recruiter, "Cap", cap=2)
    roomy = make_member(org, recruiter, "Roo", cap=2)
    uncapped = make_member(org, recruiter, "Uno")
    for member, ages, status in [(capped, (1, 6), OfferStatus.SENT),
                                 (roomy, (1, 8), OfferStatus.SENT),
                                 (roomy, (2,), OfferStatus.UNREACHABLE),
                                 (uncapped, (1, 2, 3), OfferStatus.DECLINED)]:
        for days in ages:
            other = make_shift(org, site, starts_at=STARTS + timedelta(days=30 + days),
                               ends_at=ENDS + timedelta(days=30 + days))
            ShiftOffer.objects.create(organization=org, shift=other, member=member,
                                      candidate=member.candidate, status=status,
                                      created_at=AT - timedelta(days=days))
    report = fit_members(shift, at=AT)
    assert reasons_of(report, capped) == ["Weekly cap of 2 offers reached"]
    assert set(fit_ids(report)) == {roomy.pk, uncapped.pk}


def test_every_reason_of_an_unfit_member_is_listed(shift, org, recruiter):
    member = make_member(org, recruiter, "Al", profession="registered_nurse",
                         specialties=["Cardiology"], licences=[], certifications=[],
                         status=CandidateStatus.DO_NOT_CONTACT)
    reasons = reasons_of(fit_members(shift, at=AT), member)
    assert reasons == [
        "Asked not to be contacted",
        "Not a physician",
        "Different specialty: Cardiology (the shift needs Family medicine)",
        "No current licence in CA-AB",
        "No ACLS on record",
    ]


def test_members_who_left_are_not_considered_unless_named(shift, org, recruiter):
    gone = make_member(org, recruiter, "Gil")
    gone.left_on = date(2026, 11, 1)
    gone.save()
    assert fit_members(shift, at=AT).considered == 0
    named = fit_members(shift, [gone], at=AT)
    assert reasons_of(named, gone) == ["Left the network on 2026-11-01"]


def test_a_duplicate_merged_into_another_record_is_not_judged(shift, org, recruiter):
    from django.db import transaction

    from rounds.candidates.merge import do_merge_candidates

    kept = make_member(org, recruiter, "Amara")
    duplicate = make_member(org, recruiter, "Amara", last="Dup")
    with transaction.atomic():
        do_merge_candidates(kept.candidate, duplicate.candidate, actor=recruiter)
    assert NetworkMember.objects.filter(pk=duplicate.pk, left_on__isnull=True).exists()
    report = fit_members(shift, at=AT)
    assert fit_ids(report) == [kept.pk] and report.unfit == []
    # Named explicitly (the second tier names its members), still not judged.
    named = fit_members(shift, [kept, duplicate], at=AT)
    assert fit_ids(named) == [kept.pk] and named.unfit == []


def test_fitting_members_are_ranked_by_matching(shift, org, recruiter):
    far = make_member(org, recruiter, "Far", city="Toronto", phone="+14165550101")
    near = make_member(org, recruiter, "Near", city="Red Deer")
    report = fit_members(shift, at=AT)
    assert report.ranked_by == "matching"
    (first, s1, _), (second, s2, _) = report.fits
    assert (first.pk, second.pk) == (near.pk, far.pk)
    assert s1 > s2 > 0


def test_ties_go_to_favourites(shift, org, recruiter):
    plain = make_member(org, recruiter, "Pat", last="Same")
    favourite = make_member(org, recruiter, "Fran", last="Same", favourite=True)
    report = fit_members(shift, at=AT)
    (first, s1, _), (second, s2, _) = report.fits
    assert s1 == s2
    assert (first.pk, second.pk) == (favourite.pk, plain.pk)


def test_members_of_another_organization_are_never_considered(
        shift, org, other_org, recruiter, outsider):
    ours = make_member(org, recruiter, "Ours")
    theirs = make_member(other_org, outsider, "Theirs")
    assert fit_ids(fit_members(shift, at=AT)) == [ours.pk]
    named = fit_members(shift, [ours, theirs], at=AT)
    assert fit_ids(named) == [ours.pk]
    assert named.unfit == []
    assert fit_ids(fit_members(shift, NetworkMember.objects.all(), at=AT)) == [ours.pk]


def test_a_shift_nobody_fits_says_why_member_by_member(shift, org, recruiter):
    a = make_member(org, recruiter, "Ana", certifications=[])
    b = make_member(org, recruiter, "Ben", licences=[])
    report = fit_members(shift, at=AT)
    assert report.fits == []
    assert {m.pk: r for m, r in report.unfit} == {
        a.pk: ["No ACLS on record"], b.pk: ["No current licence in CA-AB"]}
    assert dict(report.why_not) == {"No ACLS on record": 1, "No current licence": 1}


def test_judging_takes_the_same_queries_for_three_or_thirty_members(
        shift, org, site, recruiter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    er = NetworkList.objects.create(organization=org, name="ER")
    shift.lists.set([er])
    for i in range(3):
        make_member(org, recruiter, f"Few{i}", cap=3, lists=[er])
    fit_members(shift, at=AT)  # the match index is built on first use, once per process
    fresh = Shift.objects.get(pk=shift.pk)
    with CaptureQueriesContext(connection) as few:
        assert len(fit_members(fresh, at=AT).fits) == 3
    for i in range(27):
        make_member(org, recruiter, f"Many{i}", cap=3, lists=[er],
                    certifications=[] if i % 3 else [("ACLS", None)])
    fit_members(shift, at=AT)  # the match index catches up on the new candidates
    fresh = Shift.objects.get(pk=shift.pk)
    with CaptureQueriesContext(connection) as many:
        report = fit_members(fresh, at=AT)
    assert report.considered == 30

    def judging(captured):  # leaving out the match index's own catch-up reads (time-based)
        return [q["sql"] for q in captured.captured_queries
                if "updated_at" not in q["sql"] or "locums_" in q["sql"]]

    assert len(judging(many)) == len(judging(few)) <= 12


# --- the same law as matching ---------------------------------------------------------------


def test_a_shift_naming_no_jurisdiction_requires_a_licence_where_its_site_is(
        org, site, recruiter):
    shift = make_shift(org, site, licence_jurisdiction="")
    bc_only = make_member(org, recruiter, "Bea", licences=[
        ("CA-BC", LicenceStatus.ACTIVE, date(2027, 12, 31))])
    alberta = make_member(org, recruiter, "Al")
    report = fit_members(shift, at=AT)
    assert fit_ids(report) == [alberta.pk]
    assert reasons_of(report, bc_only) == ["No current licence in CA-AB"]
    [(_m, _score, good)] = report.fits
    assert "Current licence in CA-AB" in good


def test_a_shift_naming_no_specialty_asks_for_the_one_its_lists_and_notes_name(
        org, site, recruiter):
    family = NetworkList.objects.create(organization=org, name="AB family physicians")
    shift = make_shift(org, site, specialty="", specialty_code="", required_credentials=[],
                       lists=[family], notes="Full-scope clinic night.")
    surgeon = make_member(org, recruiter, "Gus", specialties=["General Surgery"],
                          certifications=[], lists=[family])
    gp = make_member(org, recruiter, "Fay", certifications=[], lists=[family])
    report = fit_members(shift, at=AT)
    assert fit_ids(report) == [gp.pk]
    assert reasons_of(report, surgeon) == [
        "Different specialty: General Surgery (the shift needs Family medicine)"]
    notes_only = make_shift(org, site, specialty="", specialty_code="", required_credentials=[],
                            notes="Emergency department night: ER coverage for the rural site.")
    report = fit_members(notes_only, members=[surgeon, gp], at=AT)
    assert fit_ids(report) == [gp.pk]  # family medicine is related to emergency medicine
    assert reasons_of(report, surgeon) == [
        "Different specialty: General Surgery (the shift needs Emergency medicine)"]


def test_a_licence_a_compact_covers_counts_by_its_own_professions_rules(org, recruiter):
    houston = Site.objects.create(
        organization=org, name="Houston Clinic", city="Houston", region="TX", country="US",
        latitude=29.708, longitude=-95.401, time_zone="America/Chicago")
    for profession in ("registered_nurse", "nurse_practitioner"):
        shift = make_shift(org, houston, profession=profession, specialty="",
                           specialty_code="", licence_jurisdiction="", required_credentials=[])
        oklahoma = make_member(org, recruiter, f"Ok{profession[:5]}", profession=profession,
                               specialties=[], certifications=[], licences=[
                                   ("US-OK", LicenceStatus.ACTIVE, date(2027, 12, 31))])
        report = fit_members(shift, members=[oklahoma], at=AT)
        if profession == "registered_nurse":  # Nurse Licensure Compact: RN and LPN licences
            [(_m, _s, good)] = report.fits
            assert any("Nurse Licensure Compact" in g for g in good)
        else:  # the APRN Compact is not in force
            assert reasons_of(report, oklahoma) == ["No current licence in US-TX"]


def test_the_why_of_a_member_who_fits_is_never_blank(org, recruiter):
    nowhere = Site.objects.create(organization=org, name="Mobile clinic", country="CA",
                                  time_zone="America/Edmonton")
    shift = make_shift(org, nowhere, specialty="", specialty_code="", licence_jurisdiction="",
                       required_credentials=[])
    make_member(org, recruiter, "Plain", certifications=[])
    report = fit_members(shift, at=AT)
    [(_m, _score, good)] = report.fits
    assert good and all(g.strip() for g in good)
    assert good[0] == "Physician"


def test_a_yes_is_judged_by_the_same_licence_rule(org, site, recruiter):
    """Accepting re-checks fit (rounds.locums.actions.still_fits): a shift naming no
    jurisdiction needs a licence where its site is there too."""
    from rounds.locums.actions import still_fits

    shift = make_shift(org, site, licence_jurisdiction="", required_credentials=[])
    bc_only = make_member(org, recruiter, "Bea", licences=[
        ("CA-BC", LicenceStatus.ACTIVE, date(2027, 12, 31))])
    alberta = make_member(org, recruiter, "Al")
    assert still_fits(shift, bc_only.candidate, at=AT) == ["No current licence in CA-AB"]
    assert still_fits(shift, alberta.candidate, at=AT) == []
