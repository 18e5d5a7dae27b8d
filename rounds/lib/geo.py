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

from rounds.lib.jurisdictions import CANADA, UNITED_STATES, normalize

EARTH_RADIUS_KM = 6371.0088
CA_POSTAL = re.compile(r"^\s*([A-Za-z]\d[A-Za-z])\s*-?\s*(\d[A-Za-z]\d)?\s*$")
US_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


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
    """"AB" for "Alberta" (or "AB"), by the one province table (rounds.lib.jurisdictions)."""
    code = normalize(name, "CA") or ""
    return code[3:] if code.startswith("CA-") else ""


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
    name = CANADA.get(province.upper(), province)
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


# --- Places people type ------------------------------------------------------------------------

COUNTRY_WORDS = {"CA": "Canada", "US": "the US"}  # the countries Rounds can place names in
COUNTRY_LABELS = {"CA": "Canada", "US": "USA"}
_COUNTRY_ALIASES = {
    "CA": "CA",
    "CAN": "CA",
    "CANADA": "CA",
    "US": "US",
    "USA": "US",
    "UNITED STATES": "US",
    "U.S.": "US",
    "U.S.A.": "US",
}
_POSTAL = re.compile(r"^\s*([A-Za-z]\d[A-Za-z](\s*-?\s*\d[A-Za-z]\d)?|\d{5}(-\d{4})?)\s*$")
_NEAR = re.compile(r"^\s*(?:near|around|close\s+to)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class PlaceMatch:
    """A place found from what someone typed, how to name it, and, when the name alone was
    ambiguous, which one was chosen: "Austin, TX (the largest Austin in the US)"."""

    place: Place
    label: str
    note: str = ""

    def __str__(self) -> str:
        return f"{self.label} ({self.note})" if self.note else self.label


@lru_cache(maxsize=1)
def _us_names() -> dict[str, dict[str, int]]:
    """City name (lower case) → {state: number of ZIP codes}: the number of ZIP codes is how
    big a place is, as far as offline data tells."""
    import zipcodes

    names: dict[str, dict[str, int]] = {}
    for z in zipcodes.list_all():
        if z.get("lat") and z.get("city"):
            by_state = names.setdefault(z["city"].lower(), {})
            by_state[z["state"]] = by_state.get(z["state"], 0) + 1
    return names


def _ca_sizes(city: str) -> dict[str, int]:
    """Province code → number of forward sortation areas a Canadian place of this name has."""
    rows = (
        _ca_db()
        .execute(
            "select province, count(*) from PostalCodes where (city = ? collate nocase "
            "or city like ? collate nocase or city like ? collate nocase) group by province",
            (city, f"{city} %", f"% {city} (%"),
        )
        .fetchall()
    )
    sizes = {}
    for province, count in rows:
        code = _province_code(province)
        if code:
            sizes[code] = sizes.get(code, 0) + count
    return sizes


def _sizes(city: str, country: str) -> dict[str, int]:
    if country == "US":
        return dict(_us_names().get(city.lower(), {}))
    if country == "CA":
        return _ca_sizes(city)
    return {}


def _largest(city: str, country: str) -> tuple[Place, int, int] | None:
    """The biggest place called `city` in `country`: (place, its size, how many provinces or
    states have a place of that name)."""
    sizes = _sizes(city, country)
    for region in sorted(sizes, key=lambda r: (-sizes[r], r)):
        place = _ca_city(city, region) if country == "CA" else _us_city(city, region)
        if place is not None:
            return place, sizes[region], len(sizes)
    return None


def _label(place: Place) -> str:
    return ", ".join(p for p in (place.city, place.region) if p)


def find_place(text: str, country: str = "") -> PlaceMatch | None:
    """What a person typed — a postal code ("T4N 1A1", "77002"), a place with its province or
    state ("Red Deer, AB", "Houston, Texas", "Austin TX") or a bare name ("Austin", "near
    Houston") — as a place, or None when nothing by that name is known.

    A bare name is looked for in `country` (the organization's) first: the largest place of
    that name there (by the postal areas it spans), the note saying so when there were others;
    when the country has none, the largest elsewhere, the note saying that too."""
    text = _NEAR.sub("", " ".join((text or "").split())).strip(" ,")
    if not text:
        return None
    country = (country or "").upper()
    if _POSTAL.match(text):
        place = locate(postal_code=text)
        if place is None:
            return None
        return PlaceMatch(place, f"{text.upper()} ({_label(place)})")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    found = _with_region(parts)
    if found is None and len(parts) == 1 and " " in parts[0]:
        name, _, last = parts[0].rpartition(" ")
        found = _with_region([name, last])  # "Austin TX", "Springfield Illinois"
    if found is not None:
        return found
    return _bare(parts[0], _country_in(parts[1:]), country)


def _country_in(parts: list[str]) -> str:
    for part in parts:
        if part.upper() in _COUNTRY_ALIASES:
            return _COUNTRY_ALIASES[part.upper()]
    return ""


def _with_region(parts: list[str]) -> PlaceMatch | None:
    """ "City, Region[, Country]" when a part names a province or state."""
    from rounds.lib import jurisdictions

    if len(parts) < 2:
        return None
    stated = _country_in(parts[1:])
    for part in parts[1:]:
        if part.upper() in _COUNTRY_ALIASES and not (stated == "US" and part.upper() == "CA"):
            continue
        code = jurisdictions.normalize(part, stated)
        if code is None or code[:2] not in COUNTRY_WORDS:
            continue
        place = locate(city=parts[0], region=code[3:], country=code[:2])
        if place is not None:
            return PlaceMatch(place, _label(place))
    return None


def _bare(city: str, stated: str, home: str) -> PlaceMatch | None:
    """A name without a province or state: the largest of that name in the stated country,
    else in the organization's, else the largest anywhere Rounds knows (saying so)."""
    wanted = stated or (home if home in COUNTRY_WORDS else "")
    if wanted:
        found = _largest(city, wanted)
        if found is not None:
            place, _size, regions = found
            note = f"the largest {place.city} in {COUNTRY_WORDS[wanted]}" if regions > 1 else ""
            return PlaceMatch(place, _label(place), note)
        if stated:
            return None
    elsewhere = [
        (found, country)
        for country in COUNTRY_WORDS
        if country != wanted
        if (found := _largest(city, country)) is not None
    ]
    if not elsewhere:
        return None
    (place, _size, regions), country = max(elsewhere, key=lambda f: f[0][1])
    notes = [f"no {place.city} in {COUNTRY_WORDS[wanted]}"] if wanted else []
    if home and not wanted:
        notes.append("Rounds knows place names in Canada and the US only")
    if regions > 1:
        notes.append(f"the largest in {COUNTRY_WORDS[country]}")
    return PlaceMatch(place, f"{_label(place)}, {COUNTRY_LABELS[country]}", "; ".join(notes))
