"""Job postings in schema.org JobPosting form (the JSON-LD that job boards such as NHS Jobs put in
their pages): read into plain values, with what their text says (rounds.matching.understand).

Every text field is unescaped, however many times the source escaped it ("St Martin&amp;#39;s"
is "St Martin's"), and an address part repeated by the source ("The X Trust, The X Trust") is
given once. `read_posting`, `Posting` and `PostingError` are also importable from
rounds.matching.understand, where they used to live.

Also here, and used by understand.read for any text: plain text from HTML, and the two things
that only a job's words ask for, its employment type ("Locum", "bank shifts") and the licence
jurisdictions it requires ("licensed in Alberta", "eligible for CPSA licensure").
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from itertools import compress, count
from typing import TYPE_CHECKING, Any

from rounds.candidates.choices import EmploymentType
from rounds.lib import jurisdictions

from . import knowledge

if TYPE_CHECKING:
    from .understand import Reading, _Index, _Tokens

# understand.py re-exports this module's public names, so this module imports understand only
# inside functions: either module can then be imported first.


# --- plain text and employment type -------------------------------------------------------------

_TAGS_BLOCK = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>")
_TAG_BREAK = re.compile(r"(?i)<\s*(?:br|hr)\s*/?\s*>|</?\s*(?:p|div|li|ul|ol|h[1-6]|tr|table|"
                        r"section|article|blockquote|header|footer|dd|dt)\b[^>]*>")
_TAG = re.compile(r"<[^<>]+>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b]+")
# " *\n\s*" → "\n", in two steps that run faster than that pattern (which is tried at every
# position): white space after a line break, then spaces before one.
_AFTER_BREAK = re.compile(r"\n\s*")
_BEFORE_BREAK = re.compile(r" +\n")


def plain_text(html_text: str) -> str:
    """Text from HTML that may be escaped more than once (NHS Jobs escapes it twice):
    unescape up to three times, drop tags, keep paragraph breaks as newlines."""
    s = html_text or ""
    for _ in range(3):
        if "&" not in s:
            break
        unescaped = html.unescape(s)
        if unescaped == s:
            break
        s = unescaped
    if "<" in s:
        s = _TAGS_BLOCK.sub(" ", s)
        s = _TAG_BREAK.sub("\n", s)
        s = _TAG.sub(" ", s)
    s = _SPACES.sub(" ", s)
    if "\n" in s:
        s = _AFTER_BREAK.sub("\n", s)
        if " \n" in s:
            s = _BEFORE_BREAK.sub("\n", s)
    return s.strip()


_EMPLOYMENT_TITLE = (  # in priority order
    (EmploymentType.LOCUM, re.compile(r"\blocums?\b|\blocum tenens\b", re.I)),
    (EmploymentType.PER_DIEM, re.compile(
        r"\bbank\b|\bper[ -]diem\b|\bPRN\b|\bcasual\b|\brelief\b|\bzero[ -]hours?\b", re.I)),
    (EmploymentType.CONTRACT, re.compile(
        r"\bfixed[ -]term\b|\btemporary\b|\btemp\b|\bsecondment\b|\bmaternity (?:leave )?cover\b"
        r"|\bcontract(?:or)?\b|\binterim\b|\bFTC\b|\btravel (?:nurse|rn|assignment)\b", re.I)),
    (EmploymentType.PART_TIME, re.compile(r"(?i:\bpart[ -]time\b|\bjob share\b)|\bPT\b")),
    (EmploymentType.PERMANENT, re.compile(
        r"\bpermanent\b|\bfull[ -]time\b|\bsubstantive\b|\bFT\b", re.I)),
)
# Every match of the pattern below contains one of these words (or "part time", "full time"),
# starts less than 40 characters before it and ends less than 60 after it. The lookahead
# lists the letters a match can start with: it makes the search faster.
_EMPLOYMENT_WORDS = frozenset({
    "locum", "locums", "bank", "diem", "casual", "relief", "fixed", "temporary", "secondment",
    "maternity", "contract", "contractor", "permanent", "substantive"})
_EMPLOYMENT_BODY = re.compile(
    r"(?=[bcfilmnprst0-9])(?:"
    r"(?P<locum>\blocum(?:s| tenens| positions?| work| cover| shifts?| basis)?\b)"
    r"|(?P<per_diem>\b(?:bank (?:staff|shifts?|nurses?|workers?|contract|positions?|role|post|"
    r"hours)|(?:staff|nurse|nursing|trust|internal) bank|per[ -]diem|casual (?:position|basis|"
    r"pool|hours|employment)|relief (?:position|basis|pool))\b)"
    r"|(?P<contract>\b(?:fixed[ -]term|temporary (?:post|position|contract|role)|secondment|"
    r"maternity (?:leave )?cover|\d+[ -](?:month|week)s? contract|contract (?:role|position|"
    r"basis|post|assignment)|contractor)\b)"
    r"|(?P<part_time>\bpart[ -]time (?:post|position|role|hours|basis|contract|permanent)\b)"
    r"|(?P<permanent>\b(?:permanent|full[ -]time|substantive)\b))",
    re.I,
)


def employment(title: str, body: str, body_t: _Tokens | None = None
               ) -> tuple[str | None, str]:
    """(EmploymentType value, where it came from: "title" | "body" | ""). With the body's
    words, the body pattern runs only from shortly before the first word it could match."""
    for value, pattern in _EMPLOYMENT_TITLE:
        if pattern.search(title):
            return str(value), "title"
    m = _employment_body(body, body_t) if body_t is not None else _EMPLOYMENT_BODY.search(body)
    if m:
        return m.lastgroup, "body"
    return None, ""


def _employment_body(body: str, toks: _Tokens) -> re.Match[str] | None:
    """_EMPLOYMENT_BODY.search(body), searching only near the words a match must contain: the
    first window around one of them that holds a match says where the first match is."""
    norms, parts = toks.norms, toks.parts
    words = list(compress(count(), map(_EMPLOYMENT_WORDS.__contains__, norms)))
    if "time" in norms:
        words = sorted(words + [i - 1 for i in compress(count(), map("time".__eq__, norms))
                                if i and norms[i - 1] in ("part", "full")])
    # Offsets in the prepared text are never past the same place in the body, and at most
    # `slack` before it: preparing only shortens "R.N." and "co-ordinator".
    slack = len(body) - len(toks.text)
    offset = done = 0  # the offset of parts[done]
    for i in words:
        offset += sum(map(len, parts[done:2 * i + 1]))
        done = 2 * i + 1
        start = max(0, offset - 40)
        if _EMPLOYMENT_BODY.search(body, start, offset + len(parts[done]) + 60 + slack):
            return _EMPLOYMENT_BODY.search(body, start)
    return None


# --- licensing jurisdictions -------------------------------------------------------------------

@cache
def _place_index() -> _Index:
    from .understand import _Index

    idx = _Index()
    names = {**{name: code for code, name in jurisdictions.JURISDICTIONS.items()},
             **jurisdictions.ALIASES}
    for name, code in names.items():
        idx.add(name, "place", code, plural=False)
    for code in jurisdictions.JURISDICTIONS:
        country, sub = code.split("-")
        idx.add(code, "place", code, plural=False)  # "US-TX", "CA-AB"
        if country in ("CA", "US"):
            idx.add(sub, "place", jurisdictions.normalize(sub, country) or code, plural=False)
    for regulator, code in knowledge.regulators().items():
        idx.add(regulator, "regulator", code, plural=False)
    return idx


_LICENCE_BEFORE = re.compile(
    r"(?:licen[cs]\w*|registration|registered|eligib\w*|certified|practi[cs]e permit)\W+"
    r"(?:[\w/-]+\W+){0,4}?(?:in|with|for|by|from)\W+(?:the\W+)?"
    r"(?:(?:state|province|commonwealth)\W+of\W+)?$", re.I)
_LICENCE_AFTER = re.compile(
    r"^\W*(?:(?:state|provincial|medical|nursing|RN|LPN|PA|NP|professional|active|"
    r"unrestricted|full|independent|current|valid|physician|pharmacy|pharmacist)\W+){0,3}"
    r"licen[cs](?:e|ure|ed)\b", re.I)
_LICENCE_HINTS = ("licen", "registration", "registered", "eligib", "certified", "permit")


def _hinted(text: str) -> bool:
    """Whether a text has a word without which no place is a licensing requirement."""
    low = text.lower()
    return any(w in low for w in _LICENCE_HINTS)


@cache
def _regulator_words() -> frozenset[str]:
    """First words of the regulators' names: a regulator needs no licence word around it."""
    from .understand import _tokens

    return frozenset(_tokens(name).norms[0] for name in knowledge.regulators())


def licence_jurisdictions(*texts: _Tokens) -> list[str]:
    """Jurisdictions named as licensing requirements ("licensed in Alberta", "Texas license",
    "eligible for CPSA licensure"), found by looking up place names among the words and then
    checking the words around them."""
    found: list[str] = []
    idx = _place_index()
    for toks in texts:
        hinted = _hinted(toks.text)
        if not hinted and _regulator_words().isdisjoint(toks.norms):
            continue  # nothing could count: skip the scan
        for i, j, hits, _ in idx.scan(toks):
            start, end = toks.start(i), toks.end(j - 1)
            for hit in hits:
                before = toks.text[max(0, start - 80):start]
                if hit.kind == "regulator" or hinted and (
                        _hinted(before) and _LICENCE_BEFORE.search(before)
                        or _LICENCE_AFTER.match(toks.text[end:end + 50])):
                    if hit.value not in found:
                        found.append(hit.value)
                    break
    return found


# --- schema.org JobPosting ---------------------------------------------------------------------

class PostingError(ValueError):
    """A job posting that cannot be used; the message names the field and what is wrong."""


@dataclass
class Posting:
    """A schema.org JobPosting read into plain values, with what its text says."""

    title: str
    description: str
    identifier: str
    employment_type: str | None
    pay_min: Decimal | None
    pay_max: Decimal | None
    pay_currency: str
    pay_period: str | None
    city: str
    region: str
    postal_code: str
    country: str
    latitude: float | None
    longitude: float | None
    hiring_organization: str
    date_posted: date | None
    valid_through: date | None
    reading: Reading
    warnings: list[str] = field(default_factory=list)


_LD_JSON = re.compile(r"(?is)<script[^>]*type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>"
                      r"(.*?)</script\s*>")
_SCHEMA_EMPLOYMENT = {
    "FULL_TIME": EmploymentType.PERMANENT, "FULLTIME": EmploymentType.PERMANENT,
    "PART_TIME": EmploymentType.PART_TIME, "PARTTIME": EmploymentType.PART_TIME,
    "CONTRACTOR": EmploymentType.CONTRACT, "CONTRACT": EmploymentType.CONTRACT,
    "TEMPORARY": EmploymentType.CONTRACT, "INTERN": EmploymentType.CONTRACT,
    "PER_DIEM": EmploymentType.PER_DIEM, "PERDIEM": EmploymentType.PER_DIEM,
    "LOCUM": EmploymentType.LOCUM,
}
_PAY_UNITS = {"HOUR": "hour", "DAY": "day", "SHIFT": "shift", "MONTH": "month", "YEAR": "year",
              "ANNUM": "year", "ANNUAL": "year", "YEARLY": "year", "HOURLY": "hour",
              "DAILY": "day", "MONTHLY": "month"}


def _type_names(obj: dict) -> list[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return [t.rsplit("/", 1)[-1]]
    if isinstance(t, list):
        return [x.rsplit("/", 1)[-1] for x in t if isinstance(x, str)]
    return []


def _is_posting(obj: Any) -> bool:
    return isinstance(obj, dict) and "JobPosting" in _type_names(obj)


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _load(data: dict | list | str | bytes) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise PostingError(f"not UTF-8 text: {e.reason} at byte {e.start}") from e
    if isinstance(data, str):
        text = data.strip()
        if not text:
            raise PostingError("empty: expected a JobPosting as JSON or an HTML page")
        if text.startswith("<"):
            scripts = _LD_JSON.findall(text)
            if not scripts:
                raise PostingError("HTML page without a <script type=\"application/ld+json\">")
            found = []
            for n, script in enumerate(scripts, 1):
                try:
                    found.append(json.loads(html.unescape(script.strip())
                                            if script.strip().startswith("&") else script))
                except json.JSONDecodeError as e:
                    raise PostingError(f"ld+json script #{n}: not JSON: {e.msg} at line "
                                       f"{e.lineno} column {e.colno}") from e
            postings = [p for f in found for p in _candidates(f) if _is_posting(p)]
            if not postings:
                raise PostingError("HTML page: no JobPosting in its application/ld+json scripts")
            return postings[0]
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise PostingError(f"not JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
    if isinstance(data, dict | list):
        return data
    raise PostingError(f"expected a JobPosting object, JSON text or HTML, got {_describe(data)}")


def _candidates(obj: Any) -> list[Any]:
    if isinstance(obj, list):
        return [x for item in obj for x in _candidates(item)]
    if isinstance(obj, dict) and isinstance(obj.get("@graph"), list):
        return [x for item in obj["@graph"] for x in _candidates(item)]
    return [obj]


def _posting_object(obj: Any) -> dict:
    if isinstance(obj, dict) and "@graph" not in obj:
        if obj.get("@type") is not None and not _is_posting(obj):
            names = _type_names(obj) or [_describe(obj["@type"])]
            raise PostingError(f"@type: expected JobPosting, got {', '.join(names)}")
        return obj
    where = "@graph" if isinstance(obj, dict) else "list"
    items = _candidates(obj)
    postings = [x for x in items if _is_posting(x)]
    if len(postings) == 1:
        return postings[0]
    if not postings:
        raise PostingError(f"{where}: none of its {len(items)} item(s) is a JobPosting")
    raise PostingError(f"{where}: {len(postings)} JobPostings, expected one")


def _text(obj: dict, path: str, key: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise PostingError(f"{path}{key}: required")
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise PostingError(f"{path}{key}: expected text, got {_describe(value)}")
    return value.strip()


def _line(value: str) -> str:
    """One line of plain text: entities unescaped as often as the source escaped them, tags
    dropped, runs of white space made one space."""
    if "&" in value or "<" in value:
        value = plain_text(value)
    return " ".join(value.split())


def _once(value: str) -> str:
    """An address with each comma-separated part given once: NHS Jobs writes some localities
    twice ("The Shrewsbury and Telford Hospital NHS Trust, The Shrewsbury and Telford Hospital
    NHS Trust")."""
    if "," not in value:
        return value
    parts: list[str] = []
    seen: set[str] = set()
    for part in value.split(","):
        part = part.strip()
        if part and part.casefold() not in seen:
            seen.add(part.casefold())
            parts.append(part)
    return ", ".join(parts)


def _named(obj: dict, path: str, key: str) -> str:
    """Text, or an object with a name (Organization, Country), as one line of plain text."""
    value = obj.get(key)
    if isinstance(value, dict):
        return _line(_text(value, f"{path}{key}.", "name"))
    return _line(_text(obj, path, key))


def _number(value: Any, path: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PostingError(f"{path}: expected a number, got {_describe(value)}")
    raw = str(value).strip()
    cleaned = re.sub(r"[^\d.\-]", "", raw.replace(",", ""))
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise PostingError(f"{path}: expected a number, got {raw!r}") from None
    if not number.is_finite() or number < 0:
        raise PostingError(f"{path}: expected a positive number, got {raw!r}")
    return number


def _coordinate(value: Any, path: str, limit: int) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PostingError(f"{path}: expected a number, got {_describe(value)}")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise PostingError(f"{path}: expected a number, got {value!r}") from None
    if not -limit <= number <= limit:
        raise PostingError(f"{path}: {number} is out of range")
    return number


def _date(obj: dict, key: str) -> date | None:
    raw = _text(obj, "", key)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise PostingError(f"{key}: not a date: {raw!r}") from None


def _identifier(obj: dict) -> str:
    value = obj.get("identifier")
    if value is None:
        return ""
    if isinstance(value, list):
        if not value:
            return ""
        value = value[0]
    if isinstance(value, dict):
        inner = value.get("value")
        if isinstance(inner, str | int) and not isinstance(inner, bool):
            return _line(str(inner))
        raise PostingError("identifier.value: expected text or a number, got "
                           f"{_describe(inner)}")
    if isinstance(value, str | int) and not isinstance(value, bool):
        return _line(str(value))
    raise PostingError(f"identifier: expected text, a number or a PropertyValue, got "
                       f"{_describe(value)}")


def _salary(obj: dict) -> tuple[Decimal | None, Decimal | None, str, str | None, list[str]]:
    salary = obj.get("baseSalary")
    warnings: list[str] = []
    if salary is None or salary == "":
        return None, None, "", None, warnings
    if isinstance(salary, list):
        salary = salary[0] if salary else {}
    if isinstance(salary, int | float | str) and not isinstance(salary, bool):
        amount = _number(salary, "baseSalary")
        return amount, amount, "", None, warnings
    if not isinstance(salary, dict):
        raise PostingError(f"baseSalary: expected a MonetaryAmount, got {_describe(salary)}")
    currency = _text(salary, "baseSalary.", "currency").upper()
    value = salary.get("value")
    unit = ""
    low = high = None
    if isinstance(value, dict):
        unit = _text(value, "baseSalary.value.", "unitText").upper()
        low = _number(value.get("minValue"), "baseSalary.value.minValue")
        high = _number(value.get("maxValue"), "baseSalary.value.maxValue")
        if low is None and high is None:
            single = value.get("value")
            if isinstance(single, str) and not re.fullmatch(r"\s*[\d.,]+\s*", single):
                numbers = [Decimal(n.replace(",", "")) for n in
                           re.findall(r"\d[\d,]*(?:\.\d+)?", single)]
                if numbers:
                    low, high = min(numbers), max(numbers)
            else:
                low = high = _number(single, "baseSalary.value.value")
    elif value is not None:
        low = high = _number(value, "baseSalary.value")
    unit = unit or _text(salary, "baseSalary.", "unitText").upper()
    if low is not None and high is not None and low > high:
        raise PostingError(f"baseSalary.value: minValue {low} is above maxValue {high}")
    period = _PAY_UNITS.get(unit)
    if unit and period is None:
        warnings.append(f"Pay is given per {unit.lower()}, which Rounds does not store: the "
                        "pay range is kept without a period.")
    return low, high, currency, period, warnings


def _location(obj: dict) -> tuple[str, str, str, str, float | None, float | None]:
    place = obj.get("jobLocation")
    path = "jobLocation"
    if isinstance(place, list):
        if not place:
            return "", "", "", "", None, None
        place, path = place[0], "jobLocation[0]"
    if place is None or place == "":
        return "", "", "", "", None, None
    if not isinstance(place, dict):
        raise PostingError(f"{path}: expected a Place, got {_describe(place)}")
    address = place.get("address")
    city = region = postal = country = ""
    if isinstance(address, str):
        city = _once(_line(address))
    elif isinstance(address, dict):
        p = f"{path}.address."
        city = _once(_line(_text(address, p, "addressLocality")))
        region = _once(_named(address, p, "addressRegion"))
        postal = _line(_text(address, p, "postalCode"))
        country = _named(address, p, "addressCountry")
    elif address is not None:
        raise PostingError(f"{path}.address: expected a PostalAddress, got "
                           f"{_describe(address)}")
    lat = lon = None
    geo = place.get("geo")
    if isinstance(geo, dict):
        lat = _coordinate(geo.get("latitude"), f"{path}.geo.latitude", 90)
        lon = _coordinate(geo.get("longitude"), f"{path}.geo.longitude", 180)
    elif geo is not None:
        raise PostingError(f"{path}.geo: expected GeoCoordinates, got {_describe(geo)}")
    return city, region, postal, country, lat, lon


def _schema_employment(obj: dict) -> str | None:
    value = obj.get("employmentType")
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not isinstance(v, str):
            raise PostingError(f"employmentType: expected text or a list of text, got "
                               f"{_describe(v)}")
        found = _SCHEMA_EMPLOYMENT.get(re.sub(r"[\s-]+", "_", v.strip()).upper())
        if found:
            return str(found)
    return None


def read_posting(data: dict | list | str | bytes) -> Posting:
    """Read a schema.org JobPosting: an object, JSON text, an @graph or list holding exactly
    one JobPosting, or an HTML page with <script type="application/ld+json">.

    Raises PostingError naming the field for anything unusable. Pay periods map to
    PayPeriod values (hour, day, shift, month, year); a weekly or other period leaves
    `pay_period` None and adds a warning."""
    from .understand import _read

    obj = _posting_object(_load(data))
    title = plain_text(_text(obj, "", "title", required=True))
    if not title:
        raise PostingError("title: required")
    description = plain_text(_text(obj, "", "description"))
    identifier = _identifier(obj)
    low, high, currency, period, warnings = _salary(obj)
    city, region, postal, country, lat, lon = _location(obj)
    organisation = _named(obj, "", "hiringOrganization")
    posted, valid = _date(obj, "datePosted"), _date(obj, "validThrough")
    schema_type = _schema_employment(obj)
    reading, where = _read(description, title)
    words_type = reading.employment_type
    # Words in the title ("Locum", "Bank") say more than the schema's FULL_TIME/TEMPORARY.
    employment = words_type if where == "title" else schema_type or words_type
    if where == "title" or not reading.employment_type:
        reading.employment_type = employment
    if not reading.recognised:
        warnings.append("Nothing recognisable in the title or description: ranking falls back "
                        "to text similarity.")
    if not description:
        warnings.append("No description: only the title was read.")
    return Posting(
        title=title, description=description, identifier=identifier, employment_type=employment,
        pay_min=low, pay_max=high, pay_currency=currency, pay_period=period, city=city,
        region=region, postal_code=postal, country=country, latitude=lat, longitude=lon,
        hiring_organization=organisation, date_posted=posted, valid_through=valid,
        reading=reading, warnings=warnings,
    )
