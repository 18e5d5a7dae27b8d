"""A member's own offer settings, without signing in: a weekly cap and muted lists, reached
from every offer email; a forged link is a 404; the broadcast then respects what they chose."""

import pytest
from django.test import Client

from rounds.locums import network
from rounds.locums.broadcast import do_broadcast, offer_body
from rounds.locums.links import member_token, offer_settings_url
from rounds.locums.models import ShiftOffer

from .test_accept import make_member, make_shift, make_site
from .test_fit import make_member as make_fitting_member


@pytest.fixture
def member(org, recruiter):
    return make_member(org, recruiter, 0)


@pytest.fixture
def lists(org, owner, member):
    nights = network.do_create_list(org, actor=owner, name="ER nocturnists")
    days = network.do_create_list(org, actor=owner, name="AB family physicians")
    network.do_set_lists(member, [nights, days], actor=owner)
    return nights, days


def page(member):
    return f"/s/offers/{member_token(member.pk, member.candidate.uuid)}/"


def test_member_sets_a_weekly_cap_and_mutes_a_list_without_login(member, lists):
    nights, days = lists
    client = Client(enforce_csrf_checks=True)
    response = client.get(page(member))
    assert response.status_code == 200
    assert b"ER nocturnists" in response.content and b"No limit" in response.content
    response = client.post(page(member), {"weekly_offer_cap": "2", "mute": [str(nights.pk)]})
    assert response.status_code == 200 and b"Saved" in response.content
    member.refresh_from_db()
    assert member.weekly_offer_cap == 2
    assert list(member.muted_lists.all()) == [nights]
    # Back to no limit, nothing muted.
    client.post(page(member), {"weekly_offer_cap": ""})
    member.refresh_from_db()
    assert member.weekly_offer_cap is None and not member.muted_lists.exists()


def test_a_cap_not_offered_is_refused_and_nothing_changes(member, lists):
    response = Client().post(page(member), {"weekly_offer_cap": "500"})
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.weekly_offer_cap is None


def test_a_forged_or_borrowed_link_is_not_valid(org, recruiter, member):
    other = make_member(org, recruiter, 1)
    token = member_token(member.pk, other.candidate.uuid)  # signed, but not this member's
    assert Client().get(f"/s/offers/{token}/").status_code == 404
    assert Client().get(f"/s/offers/{member.pk}.{'0' * 32}:forged/").status_code == 404


def test_every_offer_email_links_the_settings_and_a_muted_list_gets_no_offer(
    org, recruiter, owner
):
    member = make_fitting_member(org, recruiter, "Amara")
    nights = network.do_create_list(org, actor=owner, name="ER nocturnists")
    network.do_set_lists(member, [nights], actor=owner)
    shift = make_shift(org, site=make_site(org))
    do_broadcast(shift, actor=recruiter)
    offer = ShiftOffer.objects.get(shift=shift, member=member)
    _subject, body = offer_body(offer, "email")
    assert offer_settings_url(member.pk, member.candidate.uuid) in body
    network.do_set_fatigue(member, actor=None, via="member", muted_lists=[nights])
    night_shift = make_shift(org, site=make_site(org, "Olds Clinic"))
    night_shift.lists.set([nights])
    do_broadcast(night_shift, actor=recruiter)
    assert not ShiftOffer.objects.filter(shift=night_shift, member=member).exists()


def test_the_broadcasts_fast_signer_makes_the_same_tokens_as_djangos_signer():
    from django.core import signing

    from rounds.locums.links import ACCEPT, MEMBER, FastSigner

    for salt in (ACCEPT, MEMBER):
        for value in ("12.0123456789abcdef0123456789abcdef", "7.x", "é"):
            assert FastSigner(salt).sign(value) == signing.Signer(
                salt=salt, algorithm="sha256").sign(value)
