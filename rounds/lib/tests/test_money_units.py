"""One way to write money (rounds/lib/money.py) and distances (rounds/lib/units.py)."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from rounds.lib.money import money, money_range
from rounds.lib.units import distance_text, distance_unit, organization_distance, to_km


@pytest.mark.parametrize(
    "amount, currency, per, text",
    [
        (Decimal("1900.00"), "CAD", "per day", "$1,900 CAD per day"),
        (Decimal("1900.50"), "usd", "per hour", "$1,900.50 USD per hour"),
        (650, "GBP", "per shift", "£650 per shift"),
        (Decimal("120"), "EUR", "", "€120"),
        (Decimal("75"), "CHF", "per hour", "75 CHF per hour"),
    ],
)
def test_money_is_written_one_way(amount, currency, per, text):
    assert money(amount, currency, per) == text


def test_pay_ranges():
    assert (
        money_range(Decimal("250000"), Decimal("300000"), "CAD", "per year")
        == "$250,000–$300,000 CAD per year"
    )
    assert money_range(None, Decimal("95.5"), "USD", "per hour") == "$95.50 USD per hour"
    assert money_range(Decimal("80"), Decimal("80.00"), "GBP", "per hour") == "£80 per hour"
    assert money_range(None, None, "CAD") == ""


def test_us_organizations_read_miles_and_everyone_else_kilometres():
    assert distance_unit(SimpleNamespace(country="US", distance_unit="")) == "mi"
    assert distance_unit(SimpleNamespace(country="CA", distance_unit="")) == "km"
    assert distance_unit(SimpleNamespace(country="GB", distance_unit="")) == "km"
    assert distance_unit(SimpleNamespace(country="CA", distance_unit="mi")) == "mi"
    assert distance_unit(SimpleNamespace(country="US", distance_unit="km")) == "km"


def test_distances_are_written_in_the_organizations_unit():
    us = SimpleNamespace(country="US", distance_unit="")
    assert organization_distance(160.9344, us) == "100 mi"
    assert (
        organization_distance(160.9344, SimpleNamespace(country="CA", distance_unit="")) == "161 km"
    )
    assert distance_text(1450.2, "km") == "1,450 km"
    assert distance_text(0.2, "mi") == "under 1 mi"
    assert distance_text(None, "km") == ""
    assert to_km(25, "mi") == pytest.approx(40.2336)
    assert to_km(25, "km") == 25
