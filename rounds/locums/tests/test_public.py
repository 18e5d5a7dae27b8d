"""The one-tap accept link: GET shows the shift and never accepts; POST books, waitlists,
refuses or says it's closed, clearly; a forged link, or one made for another shift, is a 404;
a cancelled or filled shift says so; no login is needed."""

from datetime import date, timedelta

import pytest
from django.core import signing
from django.test import Client

from rounds.locums import actions
from rounds.locums.choices import BookingStatus, CancelledBy, OfferStatus, ShiftStatus
from rounds.locums.links import ACCEPT, accept_token, accept_url
from rounds.locums.models import Booking

from .test_accept import make_member, make_offer, make_shift, make_site


@pytest.fixture
def anon():
    return Client()


@pytest.fixture
def shift(org):
    return make_shift(org, site=make_site(org))


@pytest.fixture
def offer(shift, org, recruiter):
    return make_offer(shift, make_member(org, recruiter, 0))


@pytest.fixture
def other_offer(shift, org, recruiter):
    return make_offer(shift, make_member(org, recruiter, 1))


def url(offer, decline=False):
    path = f"/s/accept/{accept_token(offer)}/"
    return path + "decline/" if decline else path


def test_the_link_in_the_offer_is_this_page(offer):
    assert accept_url(offer).endswith(url(offer))


def test_get_shows_the_shift_and_never_accepts(anon, offer, shift):
    response = anon.get(url(offer))
    anon.head(url(offer))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Take this shift" in page
    assert "Red Deer Clinic" in page and "4920 49 St" in page
    assert "MST" in page  # in the site's time
    assert "$1,800 CAD per day" in page and "Call from home." in page
    assert not Booking.objects.exists()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT
    assert response["Cache-Control"].startswith("max-age=0")


def test_post_books_the_shift(anon, offer, shift):
    response = anon.post(url(offer))

    assert response.status_code == 200
    assert 'data-outcome="booked"' in response.content.decode()
    assert "You're booked" in response.content.decode()
    assert Booking.objects.get(shift=shift).member == offer.member
    assert Booking.objects.get().via == "link"


def test_post_when_filled_puts_them_on_the_waitlist(anon, offer, other_offer):
    anon.post(url(other_offer))

    response = anon.post(url(offer))

    page = response.content.decode()
    assert 'data-outcome="waitlisted"' in page and "#1 on the waitlist" in page
    assert Booking.objects.count() == 1


def test_post_when_booked_elsewhere_then_is_refused(anon, org, offer, shift):
    clash = make_shift(org, site=make_site(org, "Lacombe Hospital"),
                       starts_in=timedelta(days=3, hours=1))
    actions.do_accept(make_offer(clash, offer.member), via="link")

    response = anon.post(url(offer))

    page = response.content.decode()
    assert 'data-outcome="refused"' in page and "booked at Lacombe Hospital then" in page
    assert not Booking.objects.filter(shift=shift).exists()


def test_posting_twice_says_already_booked(anon, offer):
    anon.post(url(offer))
    response = anon.post(url(offer))

    assert 'data-outcome="already_yours"' in response.content.decode()
    assert Booking.objects.count() == 1


def test_a_cancelled_shift_shows_a_clear_page(anon, offer, shift, recruiter):
    actions.do_cancel_shift(shift, actor=recruiter, reason="Covered internally")

    page = anon.get(url(offer)).content.decode()
    assert "This shift was cancelled" in page and "Covered internally" in page
    assert "Take this shift" not in page
    posted = anon.post(url(offer)).content.decode()
    assert 'data-outcome="closed"' in posted
    assert not Booking.objects.exists()


def test_a_filled_shift_says_so_and_offers_the_waitlist(anon, offer, other_offer):
    actions.do_accept(other_offer, via="link")

    page = anon.get(url(offer)).content.decode()

    assert 'data-state="filled"' in page and "This shift was just filled" in page
    assert "Put me on the waitlist" in page and "Take this shift" not in page


def test_the_booked_member_sees_they_are_booked(anon, offer):
    actions.do_accept(offer, via="link")

    assert 'data-state="yours"' in anon.get(url(offer)).content.decode()


def test_decline_by_the_link(anon, offer, shift):
    response = anon.post(url(offer, decline=True))

    assert 'data-outcome="declined"' in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    shift.refresh_from_db()
    assert shift.status == ShiftStatus.OFFERED


def test_decline_never_happens_on_get(anon, offer):
    assert anon.get(url(offer, decline=True)).status_code == 405
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SENT


# --- Links that can't be forged or reused ---


def invalid(response):
    return response.status_code == 404 and "This link isn't valid" in (
        response.content.decode())


def test_a_forged_token_is_not_found(anon, offer):
    token = accept_token(offer)
    value, _, signature = token.rpartition(":")
    forged_id = f"{offer.pk + 1}.{offer.shift.uuid.hex}"
    assert invalid(anon.get(f"/s/accept/{forged_id}:{signature}/"))
    assert invalid(anon.post(f"/s/accept/{value}:{'A' * len(signature)}/"))
    assert invalid(anon.get("/s/accept/nonsense/"))
    assert not Booking.objects.exists()


def test_a_link_cannot_be_reused_for_another_shift(anon, org, offer):
    another = make_shift(org, site=make_site(org), starts_in=timedelta(days=9))
    # Even correctly signed, a token naming this offer with another shift is refused.
    reused = signing.Signer(salt=ACCEPT, algorithm="sha256").sign(
        f"{offer.pk}.{another.uuid.hex}")

    assert invalid(anon.get(f"/s/accept/{reused}/"))
    assert invalid(anon.post(f"/s/accept/{reused}/"))
    assert invalid(anon.post(f"/s/accept/{reused}/decline/"))
    assert not Booking.objects.exists()


def test_a_token_for_another_purpose_is_not_found(anon, offer):
    other_salt = signing.Signer(salt="outreach.meeting", algorithm="sha256").sign(
        f"{offer.pk}.{offer.shift.uuid.hex}")

    assert invalid(anon.post(f"/s/accept/{other_salt}/"))


# --- The locum cancels their own booking ---


def cancel_url(offer):
    return f"/s/accept/{accept_token(offer)}/cancel/"


def test_the_booked_member_can_cancel_from_their_page(anon, offer, other_offer, shift):
    booking = actions.do_accept(offer, via="link").booking
    actions.do_accept(other_offer, via="link")  # waitlisted
    page = anon.get(url(offer)).content.decode()
    assert "Cancel my booking" in page and cancel_url(offer) in page

    response = anon.post(cancel_url(offer), {"reason": "  Family   emergency "})

    assert response.status_code == 200
    assert 'data-outcome="cancelled"' in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancelled_by == CancelledBy.MEMBER
    assert booking.cancel_reason == "Family emergency"
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    # The waitlist first.
    other_offer.refresh_from_db()
    assert actions.is_reopened(other_offer)


def test_a_member_who_cancelled_can_take_it_again_while_it_is_open(anon, offer, shift):
    actions.do_accept(offer, via="link")
    anon.post(cancel_url(offer))

    page = anon.get(url(offer)).content.decode()
    assert "Take this shift" in page
    response = anon.post(url(offer))

    assert 'data-outcome="booked"' in response.content.decode()
    assert Booking.objects.active().get(shift=shift).member == offer.member


def test_a_too_long_cancel_reason_is_refused_and_kept(anon, offer):
    booking = actions.do_accept(offer, via="link").booking

    response = anon.post(cancel_url(offer), {"reason": "x" * 301})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Keep the reason under 300 characters" in page and "x" * 301 in page
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


def test_a_booking_on_a_shift_that_started_cannot_be_cancelled_by_the_member(anon, org,
                                                                             recruiter):
    started = make_shift(org, site=make_site(org), starts_in=timedelta(hours=-1))
    offer = make_offer(started, make_member(org, recruiter, 0))
    booking = actions.do_accept(offer, via="link",
                                at=started.starts_at - timedelta(hours=2)).booking

    response = anon.post(cancel_url(offer))

    assert response.status_code == 409
    assert "has started" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.ACTIVE


def test_cancel_without_a_booking_changes_nothing(anon, offer, other_offer):
    actions.do_accept(other_offer, via="link")

    response = anon.post(cancel_url(offer))

    assert 'data-outcome="nothing_to_cancel"' in response.content.decode()
    assert Booking.objects.active().get().member == other_offer.member


def test_cancel_needs_a_genuine_link_and_a_post(anon, offer):
    actions.do_accept(offer, via="link")
    value, _, signature = accept_token(offer).rpartition(":")

    assert invalid(anon.post(f"/s/accept/{value}:{'A' * len(signature)}/cancel/"))
    assert anon.get(cancel_url(offer)).status_code == 405
    assert Booking.objects.active().count() == 1


# --- Old links while the shift is offered to the waitlist again ---


def test_an_old_link_shows_the_waitlist_goes_first_after_a_cancellation(anon, org, recruiter,
                                                                        shift, offer,
                                                                        other_offer):
    third = make_offer(shift, make_member(org, recruiter, 2))
    booking = actions.do_accept(offer, via="link").booking
    actions.do_accept(other_offer, via="link")  # waitlist #1; third is withdrawn
    actions.do_cancel_booking(booking, by=CancelledBy.CLINIC)

    page = anon.get(url(third)).content.decode()
    assert 'data-state="to_waitlist"' in page and "Take this shift" not in page
    posted = anon.post(url(third)).content.decode()
    assert 'data-outcome="waitlisted"' in posted
    assert "offered to the waitlist first" in posted
    assert not Booking.objects.active().exists()
    # The first in line sees it's theirs to take, and until when.
    mine = anon.get(url(other_offer)).content.decode()
    assert 'data-state="open"' in mine and "Take this shift" in mine
    assert "you're first on the waitlist" in mine and "data-answer-by" in mine


def test_a_lapsed_credential_is_refused_on_the_page_with_the_reason(anon, org, recruiter):
    from rounds.candidates.models import Certification

    needs_acls = make_shift(org, site=make_site(org), required_credentials=["ACLS"])
    offer = make_offer(needs_acls, make_member(org, recruiter, 0))
    Certification.objects.create(organization=org, candidate=offer.candidate, name="ACLS",
                                 expires_on=date(2020, 1, 1))

    page = anon.post(url(offer)).content.decode()

    assert 'data-outcome="refused"' in page and "ACLS expired 2020-01-01" in page
    assert "two shifts at the same time" not in page


def test_the_page_names_who_sent_the_offer(anon, org, recruiter, owner):
    from conftest import make_user
    from rounds.accounts.choices import Role
    from rounds.outreach.models import OutreachSettings

    dana = make_user(org, Role.RECRUITER, "dana@prairie.test", "Dana", "Whitfield")
    s = OutreachSettings.for_org(org.pk)
    s.sender_name = "Olivia Owner at Prairie Family Clinics"
    s.save()
    shift = make_shift(org, site=make_site(org), created_by=dana)
    offer = make_offer(shift, make_member(org, recruiter, 0))
    page = anon.get(url(offer)).content.decode()
    assert "Dana Whitfield at Prairie Family Clinics would like you for this shift" in page
    assert "From Dana Whitfield, for <strong>Prairie Family Clinics</strong>" in page
    assert "Olivia" not in page
