"""Places people type (rounds/lib/geo.py `find_place`): a bare name is placed in the
organization's country, the largest of that name, and the match says which was chosen."""

import pytest

from rounds.lib.geo import find_place


def test_a_bare_name_is_the_largest_place_of_that_name_in_the_organizations_country():
    austin = find_place("Austin", "US")
    assert (austin.place.city, austin.place.region, austin.place.country) == ("Austin", "TX", "US")
    assert str(austin) == "Austin, TX (the largest Austin in the US)"
    assert austin.place.time_zone == "America/Chicago"


def test_near_in_front_of_the_name_is_understood():
    houston = find_place("Near Houston", "US")
    assert (houston.place.region, houston.label) == ("TX", "Houston, TX")


def test_a_name_only_one_province_has_needs_no_note():
    red_deer = find_place("Red Deer", "CA")
    assert str(red_deer) == "Red Deer, AB"


def test_a_name_not_in_the_organizations_country_is_found_elsewhere_and_says_so():
    calgary = find_place("Calgary", "US")
    assert calgary.place.region == "AB"
    assert str(calgary) == "Calgary, AB, Canada (no Calgary in the US)"
    houston = find_place("Houston", "CA")
    assert houston.place.region == "TX"
    assert houston.note == "no Houston in Canada; the largest in the US"


@pytest.mark.parametrize(
    "text, region",
    [
        ("Red Deer, AB", "AB"),
        ("Houston, Texas", "TX"),
        ("Austin TX", "TX"),
        ("Springfield, MA", "MA"),
        ("Springfield Illinois", "IL"),
        ("Portland, ME", "ME"),
    ],
)
def test_a_stated_province_or_state_wins_over_the_largest(text, region):
    match = find_place(text, "US")
    assert match.place.region == region and match.note == ""


def test_a_stated_country_limits_the_search():
    assert find_place("Austin, US", "CA").place.region == "TX"
    assert find_place("Austin, Canada", "US") is None


def test_postal_codes_name_their_place():
    assert str(find_place("T4N 1A1", "US")).startswith("T4N 1A1 (Red Deer")
    assert find_place("77002").place.region == "TX"


@pytest.mark.parametrize("text", ["Atlantis", "Atlantis, ZZ", "", "   ", "near", "00000"])
def test_unknown_places_are_none(text):
    assert find_place(text, "US") is None
