"""One table of provinces and states (`rounds.lib.jurisdictions`): the place names geo reads
from the postal-code data and the jurisdictions postings name come out of it, and it agrees
with the real data."""

import pytest

from rounds.lib import geo, jurisdictions


def test_every_province_of_the_postal_data_is_in_the_table():
    provinces = [row[0] for row in geo._ca_db().execute(
        "select distinct province from PostalCodes")]
    codes = {name: geo._province_code(name) for name in provinces}
    assert all(codes.values()), codes
    assert set(codes.values()) == set(jurisdictions.CANADA)


@pytest.mark.parametrize("city, region, code", [
    ("St. John's", "NL", "NL"),
    ("St. John's", "Newfoundland and Labrador", "NL"),
    ("Yellowknife", "NT", "NT"),
    ("Red Deer", "Alberta", "AB"),
])
def test_places_carry_the_tables_codes(city, region, code):
    place = geo.locate(city=city, region=region, country="CA")
    assert place is not None and place.region == code


def test_a_place_named_with_the_full_province_name_is_found():
    found = geo.find_place("Corner Brook, Newfoundland and Labrador")
    assert found is not None and found.place.region == "NL"


def test_geo_keeps_no_province_table_of_its_own():
    assert not any(isinstance(value, dict) and "AB" in value and "Alberta" in value.values()
                   and value is not jurisdictions.CANADA for value in vars(geo).values())


def test_aliases_name_known_codes():
    assert set(jurisdictions.ALIASES.values()) <= set(jurisdictions.JURISDICTIONS)
    for name, code in jurisdictions.ALIASES.items():
        assert jurisdictions.normalize(name) == code


def test_a_posting_names_a_province_by_any_of_its_names():
    from rounds.matching import posting, understand

    for name in ("Newfoundland and Labrador", "Newfoundland", "Nunavut Territory"):
        text = f"Must hold an active licence in {name}."
        expected = [jurisdictions.normalize(name)]
        assert posting.licence_jurisdictions(understand._tokens(text)) == expected, name
