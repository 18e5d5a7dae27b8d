"""Distances as an organization reads them: miles for organizations in the US, kilometres
elsewhere, unless the organization chose otherwise (Settings → Organization). Everything is
stored and computed in kilometres; only what a person reads or types is in their unit."""

from __future__ import annotations

import math

KM = "km"
MILES = "mi"
UNITS = {KM: "kilometres", MILES: "miles"}
KM_PER_MILE = 1.609344


def default_unit(country: str) -> str:
    return MILES if (country or "").upper() == "US" else KM


def distance_unit(organization) -> str:
    """ "mi" or "km": the organization's choice, else miles in the US and km elsewhere."""
    chosen = getattr(organization, "distance_unit", "") or ""
    return chosen if chosen in UNITS else default_unit(getattr(organization, "country", ""))


def to_km(value: float, unit: str) -> float:
    return value * KM_PER_MILE if unit == MILES else value


def from_km(km: float, unit: str) -> float:
    return km / KM_PER_MILE if unit == MILES else km


def distance_text(km: float | None, unit: str) -> str:
    """ "12 mi", "1,450 km", "under 1 km"; "" when the distance is unknown."""
    if km is None or not math.isfinite(km):
        return ""
    value = from_km(km, unit)
    if value < 0.5:
        return f"under 1 {unit}"
    return f"{value:,.0f} {unit}"


def organization_distance(km: float | None, organization) -> str:
    """A distance in kilometres as `organization` reads it: "12 mi" in the US, "19 km" else."""
    return distance_text(km, distance_unit(organization))
