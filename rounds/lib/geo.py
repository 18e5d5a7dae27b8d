"""Offline geocoding: postal code or city → coordinates and IANA time zone.

US ZIP codes and cities come from the `zipcodes` package, Canadian postal codes (by forward
sortation area) and cities from `pypostalcode`, and the time zone of a Canadian point from
`timezonefinder`; all ship their data, nothing is fetched at run time."""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache

from rounds.lib.jurisdictions import UNITED_STATES

EARTH_RADIUS_KM = 6371.0088
CA_POSTAL = re.compile(r"^\s*([A-Za-z]\d[A-Za-z])\s*-?\s*(\d[A-Za-z]\d)?\s*$")
US_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")
PROVINCE_NAMES = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Quebec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    time_zone: str
    city: str = ""
    region: str = ""
    country: str = ""
    postal_code: str = ""


@lru_cache(maxsize=1)
def _tz_finder():
    from timezonefinder import TimezoneFinder

    return TimezoneFinder(in_memory=False)


def time_zone_at(latitude: float, longitude: float) -> str:
    return _tz_finder().timezone_at(lat=latitude, lng=longitude) or ""


@lru_cache(maxsize=1)
def _ca_db() -> sqlite3.Connection:
    from pathlib import Path

    import pypostalcode

    path = Path(pypostalcode.__file__).with_name("postalcodes.db")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def _province_code(name: str) -> str:
    for code, full in PROVINCE_NAMES.items():
        if name and name.lower().startswith(full.lower()[:6]):
            return code
    return ""


def _clean_city(city: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", city or "").strip()


@lru_cache(maxsize=20000)
def _ca_postal(fsa: str) -> Place | None:
    row = (
        _ca_db()
        .execute(
            "select city, province, latitude, longitude from PostalCodes where fsa = ?",
            (fsa.upper(),),
        )
        .fetchone()
    )
    if not row:
        return None
    city, province, lat, lng = row
    return Place(
        lat,
        lng,
        time_zone_at(lat, lng),
        _clean_city(city),
        _province_code(province),
        "CA",
        fsa.upper(),
    )


@lru_cache(maxsize=20000)
def _us_zip(zip5: str) -> Place | None:
    import zipcodes

    try:
        found = zipcodes.matching(zip5)
    except (ValueError, TypeError):
        return None
    if not found:
        return None
    z = found[0]
    return Place(
        float(z["lat"]),
        float(z["long"]),
        z.get("timezone") or "",
        z["city"],
        z["state"],
        "US",
        zip5,
    )


@lru_cache(maxsize=20000)
def _ca_city(city: str, province: str) -> Place | None:
    name = PROVINCE_NAMES.get(province.upper(), province)
    rows = (
        _ca_db()
        .execute(
            "select fsa, city, province, latitude, longitude from PostalCodes "
            "where (city = ? collate nocase or city like ? collate nocase "
            "or city like ? collate nocase) "
            "and (? = '' or province like ?) order by fsa",
            (city, f"{city} %", f"% {city} (%", name, f"{name[:6]}%"),
        )
        .fetchall()
    )
    if not rows:
        return None
    lat = sum(r[3] for r in rows) / len(rows)
    lng = sum(r[4] for r in rows) / len(rows)
    return Place(lat, lng, time_zone_at(lat, lng), city.title(), _province_code(rows[0][2]), "CA")


@lru_cache(maxsize=20000)
def _us_city(city: str, state: str) -> Place | None:
    import zipcodes

    found = (
        [z for z in zipcodes.filter_by(city=city.title(), state=state.upper()) if z.get("lat")]
        if state
        else []
    )
    if not found:
        return None
    lat = sum(float(z["lat"]) for z in found) / len(found)
    lng = sum(float(z["long"]) for z in found) / len(found)
    return Place(lat, lng, found[0].get("timezone") or "", found[0]["city"], state.upper(), "US")


def locate(
    *, postal_code: str = "", city: str = "", region: str = "", country: str = ""
) -> Place | None:
    """Best place for what is known: the postal code first, then city and region."""
    country = (country or "").upper()
    postal_code = (postal_code or "").strip()
    city = (city or "").strip()
    region = (region or "").strip()
    place = None
    if postal_code:
        if (m := CA_POSTAL.match(postal_code)) and country in ("", "CA"):
            place = _ca_postal(m.group(1))
        elif (m := US_ZIP.match(postal_code)) and country in ("", "US"):
            place = _us_zip(m.group(1))
    if place is None and city:
        us_state = region.upper() in UNITED_STATES
        if country == "CA" or (country == "" and not us_state):
            place = _ca_city(city, region)
        if place is None and country in ("", "US"):
            place = _us_city(city, region)
    return place


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lng: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) enclosing the circle: the index-friendly pre-filter."""
    dlat = math.degrees(km / EARTH_RADIUS_KM)
    coslat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = min(180.0, math.degrees(km / (EARTH_RADIUS_KM * coslat)))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng
