"""Licensing jurisdictions as ISO 3166-2 codes (CA-AB, US-TX, GB-ENG...). Licences, jobs and
filters all speak these codes; people type "AB", "Alberta" or "Texas" and `normalize` maps them.

This is the one table of provinces and states: place names (`rounds.lib.geo`), postings read by
matching (`rounds.matching.posting`) and the demo derive their names and codes from it, and
`ALIASES` holds the other ways they are written (including the spellings of the postal-code
data geo reads)."""

CANADA = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Quebec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}
UNITED_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
}
UNITED_KINGDOM = {"ENG": "England", "SCT": "Scotland", "WLS": "Wales", "NIR": "Northern Ireland"}

JURISDICTIONS: dict[str, str] = {
    **{f"CA-{k}": v for k, v in CANADA.items()},
    **{f"US-{k}": v for k, v in UNITED_STATES.items()},
    **{f"GB-{k}": v for k, v in UNITED_KINGDOM.items()},
}
CHOICES = sorted(
    ((code, f"{name} ({code})") for code, name in JURISDICTIONS.items()), key=lambda c: c[0]
)

_BY_NAME = {name.lower(): code for code, name in JURISDICTIONS.items()}
ALIASES = {
    "Québec": "CA-QC",
    "Newfoundland": "CA-NL",
    "PEI": "CA-PE",
    "Northwest Territory": "CA-NT",  # the postal-code data's spellings
    "Nunavut Territory": "CA-NU",
    "Washington DC": "US-DC",
    "Washington D.C.": "US-DC",
    "UK": "GB-ENG",
}
_ALIASES = {name.lower(): code for name, code in ALIASES.items()}


def normalize(value: str, country: str = "") -> str | None:
    """Map "AB", "Alberta", "ca-ab", "TX" or "Texas" to an ISO 3166-2 code; None if unknown.

    A bare two-letter code is ambiguous (CA is California and Canada's country code); `country`
    decides, and without it Canadian provinces win where the codes differ from US states."""
    v = (value or "").strip()
    if not v:
        return None
    upper = v.upper().replace(" ", "")
    if upper in JURISDICTIONS:
        return upper
    lower = v.lower()
    if lower in _BY_NAME:
        return _BY_NAME[lower]
    if lower in _ALIASES:
        return _ALIASES[lower]
    country = (country or "").upper()
    if country in ("US", "USA") and upper in UNITED_STATES:
        return f"US-{upper}"
    if country in ("CA", "CAN") and upper in CANADA:
        return f"CA-{upper}"
    if country in ("GB", "UK") and upper in UNITED_KINGDOM:
        return f"GB-{upper}"
    if upper in CANADA:
        return f"CA-{upper}"
    if upper in UNITED_STATES:
        return f"US-{upper}"
    return None


def country_of(code: str) -> str:
    return code.split("-", 1)[0] if code else ""


def label(code: str) -> str:
    return JURISDICTIONS.get(code, code)


COUNTRY_GROUPS = (
    ("CA", "Canada", CANADA),
    ("US", "United States", UNITED_STATES),
    ("GB", "United Kingdom", UNITED_KINGDOM),
)


def grouped_choices(country: str = "") -> list[tuple[str, list[tuple[str, str]]]]:
    """Jurisdictions for a select, grouped by country, the organization's `country` first and
    each group in alphabetical order: a Texas staffing firm sees the states first, an Alberta
    clinic the provinces."""
    country = (country or "").upper()
    groups = sorted(COUNTRY_GROUPS, key=lambda g: g[0] != country)
    return [
        (
            title,
            sorted(
                ((f"{code}-{k}", f"{name} ({code}-{k})") for k, name in places.items()),
                key=lambda c: c[1],
            ),
        )
        for code, title, places in groups
    ]
