"""Which column of a spreadsheet fills which candidate field: the mapping suggested at upload,
from what each header means and what its first rows hold.

A mapping is {field: column header} or, for the fields that take several columns (specialties,
licences, their primary flags, other emails and phones), {field: [header, ...]}. Numbered
columns (NPPES's "Healthcare Provider Taxonomy Code_1" … "_15", CMS's "sec_spec_1" … "_4")
are a family, offered and suggested as one choice.

Headers are read as words, never as substrings: "Provider Business Mailing Address" has the
word "mailing", not "mail", and is never an email column. A column is suggested only when its
sample values fit the field: an email column holds addresses with an @, a phone column
numbers, a jurisdiction column places Rounds knows, an NPI column ten-digit NPIs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rounds.lib import jurisdictions
from rounds.lib.codes import normalize_us_zip, npi_is_valid, whole_number_text
from rounds.lib.geo import CA_POSTAL

from . import fields as F_

Mapping = dict[str, "str | list[str]"]

# --- header words -----------------------------------------------------------------------------

# Abbreviations in exports (CMS: lst_nm, frst_nm, pri_spec, cty, phn_numbr…) → the word.
_ABBREVIATIONS = {
    "frst": "first",
    "fst": "first",
    "fname": "first",
    "lst": "last",
    "lname": "last",
    "nm": "name",
    "nme": "name",
    "mid": "middle",
    "cty": "city",
    "st": "state",
    "phn": "phone",
    "ph": "phone",
    "tel": "telephone",
    "numbr": "number",
    "num": "number",
    "nbr": "number",
    "no": "number",
    "spec": "specialty",
    "speciality": "specialty",
    "specialties": "specialty",
    "specialities": "specialty",
    "pri": "primary",
    "prim": "primary",
    "sec": "secondary",
    "cred": "credential",
    "credentials": "credential",
    "adr": "address",
    "addr": "address",
    "org": "organization",
    "organisation": "organization",
    "lic": "licence",
    "license": "licence",
    "licensed": "licence",
    "licences": "licence",
    "licenses": "licence",
    "licencing": "licence",
    "licensing": "licence",
    "prov": "province",
    "zipcode": "zip",
    "postcode": "postal",
    "emailaddress": "email",
    "courriel": "email",
    "cellphone": "cell",
    "mobilephone": "mobile",
    "firstname": "first",
    "lastname": "last",
    "surname": "last",
    "forename": "first",
    "givenname": "first",
    "given": "first",
    "familyname": "last",
    "yrs": "years",
    "yr": "year",
    "exp": "experience",
}
# Words saying a column is about someone or something other than the candidate.
_NOT_THE_CANDIDATE = frozenset(
    {
        "other",
        "authorized",
        "official",
        "parent",
        "replacement",
        "emergency",
        "reference",
        "referee",
        "supervisor",
        "manager",
        "spouse",
        "contact",
        "organization",
        "business",
        "deactivation",
        "reactivation",
        "enumeration",
        "update",
        "ein",
        "tin",
        "fax",
    }
)


def header_words(header: str) -> tuple[str, ...]:
    """ "Provider First Line Business Mailing Address" → (provider, first, line, business,
    mailing, address); "frst_nm" → (first, name); "E-mail" → (email,)."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", header or "")  # camelCase
    text = text.replace("#", " number ").replace("&", " and ")
    raw = [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]
    words: list[str] = []
    i = 0
    while i < len(raw):
        w = raw[i]
        if w == "e" and i + 1 < len(raw) and raw[i + 1] == "mail":  # "E-mail", "e mail"
            words.append("email")
            i += 2
            continue
        words.append(_ABBREVIATIONS.get(w, w))
        i += 1
    return tuple(words)


def header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9#]+", "", (text or "").lower().replace("&", "and"))


# Header names that say exactly what they hold (compared after header_key()).
_EXACT: dict[str, tuple[str, ...]] = {
    "first_name": (
        "firstname",
        "first",
        "givenname",
        "given",
        "forename",
        "fname",
        "prenom",
        "legalfirstname",
        "firstnames",
    ),
    "last_name": (
        "lastname",
        "last",
        "surname",
        "familyname",
        "family",
        "lname",
        "nom",
        "legallastname",
    ),
    "full_name": (
        "name",
        "fullname",
        "candidate",
        "candidatename",
        "contactname",
        "person",
        "providername",
        "displayname",
        "clinician",
        "cliniciannname",
        "physician",
    ),
    "email": (
        "email",
        "emailaddress",
        "mail",
        "courriel",
        "workemail",
        "personalemail",
        "primaryemail",
        "emailaddr",
    ),
    "phone": (
        "phone",
        "mobile",
        "cell",
        "cellphone",
        "mobilephone",
        "telephone",
        "tel",
        "phonenumber",
        "mobilenumber",
        "cellnumber",
        "primaryphone",
        "contactnumber",
        "homephone",
        "workphone",
    ),
    "npi": ("npi", "npinumber", "nationalprovideridentifier"),
    "credentials": (
        "credentials",
        "credential",
        "cred",
        "degree",
        "degrees",
        "postnominals",
        "suffixcredentials",
    ),
    "profession": (
        "profession",
        "occupation",
        "discipline",
        "role",
        "jobtitle",
        "title",
        "providertype",
        "designation",
        "type",
        "clinicianttype",
        "position",
    ),
    "specialty": (
        "specialty",
        "specialties",
        "speciality",
        "specialities",
        "specialization",
        "specialisation",
        "practicearea",
        "area",
        "primaryspecialty",
        "taxonomy",
    ),
    "licence_jurisdictions": (
        "licencejurisdictions",
        "licensejurisdictions",
        "licencejurisdiction",
        "licensejurisdiction",
        "licensestate",
        "licensestates",
        "licencedin",
        "licensedin",
        "licenceprovince",
        "statelicensed",
        "stateoflicense",
        "licensedstates",
        "jurisdiction",
        "jurisdictions",
    ),
    "licence_number": (
        "licencenumber",
        "licensenumber",
        "licence#",
        "license#",
        "licenceno",
        "licenseno",
        "licence",
        "license",
        "registrationnumber",
        "registration#",
        "collegenumber",
        "cpsa",
        "cpsanumber",
        "cpsonumber",
        "practitionerid",
        "permitnumber",
    ),
    "city": ("city", "town", "municipality", "locality", "ville", "citytown"),
    "region": (
        "province",
        "state",
        "region",
        "provincestate",
        "stateprovince",
        "prov",
        "st",
        "territory",
    ),
    "postal_code": (
        "postalcode",
        "postcode",
        "zip",
        "zipcode",
        "postal",
        "zippostal",
        "postalzip",
        "codepostal",
    ),
    "country": ("country", "countrycode", "nation", "pays"),
    "headline": ("headline", "summary", "tagline", "profile", "currentposition", "currentrole"),
    "years_experience": (
        "yearsexperience",
        "yearsofexperience",
        "experience",
        "years",
        "yrsexperience",
        "yoe",
        "experienceyears",
        "yrs",
    ),
    "source": ("source", "leadsource", "candidatesource", "origin", "howheard", "referredby"),
    "tags": ("tags", "tag", "labels", "keywords", "skills", "groups"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "description"),
    "external_id": (
        "externalid",
        "id",
        "candidateid",
        "recordid",
        "personid",
        "applicantid",
        "atsid",
        "crmid",
        "employeeid",
        "reference",
        "ref",
    ),
    "entity_type": ("entitytype", "entitytypecode", "recordtype", "providerentitytype"),
}
_EXACT_INDEX = {syn: target for target, syns in _EXACT.items() for syn in syns}


def _has(words: tuple[str, ...], *wanted: str) -> bool:
    return all(w in words for w in wanted)


def _word_target(words: tuple[str, ...]) -> str | None:
    """The field a header names by its words, or None. Order matters: licence columns before
    plain numbers and states, contact columns only for the candidate's own details."""
    w = set(words)
    foreign = w & _NOT_THE_CANDIDATE
    if "npi" in w:
        return None if foreign else "npi"
    if "entity" in w and "type" in w:
        return "entity_type"
    if "taxonomy" in w or "specialty" in w:
        if "switch" in w or ("primary" in w and "flag" in w):
            return "specialty_primary"
        if "group" in w or (foreign - {"business"}):
            return None
        return "specialty"
    if "licence" in w or "registration" in w or "permit" in w:
        if foreign - {"business"}:
            return None
        if w & {"state", "province", "jurisdiction", "region", "country"}:
            return "licence_jurisdictions"
        if w & {"type", "status", "date", "expiry", "expiration", "expires", "issued"}:
            return None
        return "licence_number"
    if "jurisdiction" in w:
        return "licence_jurisdictions"
    if "email" in w:
        return None if foreign - {"business", "contact"} else "email"
    if w & {"phone", "telephone", "mobile", "cell"}:
        return None if foreign - {"business", "contact"} else "phone"
    if foreign - {"business"}:
        return None
    if "credential" in w:
        return "credentials"
    if w & {"profession", "occupation", "discipline"}:
        return "profession"
    # Places before names: "… Address City Name" is a city.
    if "zip" in w or "postal" in w:
        return "postal_code"
    if "city" in w or "town" in w:
        return "city"
    if "country" in w:
        return "country"
    if w & {"state", "province", "region", "territory"}:
        return "region"
    if "name" in w or w & {"first", "last", "middle"}:
        if w & {"middle", "prefix", "suffix", "maiden", "preferred", "nick", "nickname"}:
            return None
        if "first" in w and "line" not in w:
            return "first_name"
        if "last" in w:
            return "last_name"
        if "name" in w and not w & {
            "school",
            "hospital",
            "facility",
            "group",
            "practice",
            "legal",
            "city",
            "state",
            "county",
            "street",
        }:
            return "full_name"
        return None
    if "years" in w and "experience" in w:
        return "years_experience"
    return None


# Bonus and penalty words when several columns name the same field: a provider's practice
# location is where they work; a mailing address is often a billing office.
_PREFERRED = {"practice": 3, "location": 2, "primary": 2, "home": 1, "mobile": 1, "cell": 1}
_AVOIDED = {"mailing": -3, "secondary": -2, "billing": -3, "all": -1}


def _rank(words: tuple[str, ...]) -> int:
    return sum(_PREFERRED.get(w, 0) + _AVOIDED.get(w, 0) for w in set(words))


# --- numbered families ------------------------------------------------------------------------

_NUMBERED = re.compile(r"^(.*?)(\d{1,2})(\D*)$")


@dataclass(frozen=True)
class Family:
    """Columns that differ only by their number: "Provider License Number_1" … "_15"."""

    stem: str
    suffix: str
    members: tuple[str, ...]

    @property
    def label(self) -> str:
        first, last = self.members[0], self.members[-1]
        tail = _NUMBERED.match(last)
        end = f"{tail.group(2)}{tail.group(3)}" if tail else last
        return f"{first} … {end} ({len(self.members)} columns)"


def families(headers: list[str]) -> list[Family]:
    """The numbered families among the headers, in order of their first column."""
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for header in headers:
        m = _NUMBERED.match(header)
        if m and m.group(1).strip():
            groups.setdefault((m.group(1), m.group(3)), []).append((int(m.group(2)), header))
    out = []
    for (stem, suffix), numbered in groups.items():
        numbers = [n for n, _h in numbered]
        if len(numbered) >= 2 and len(set(numbers)) == len(numbers):
            out.append(Family(stem, suffix, tuple(h for _n, h in sorted(numbered))))
    order = {h: i for i, h in enumerate(headers)}
    return sorted(out, key=lambda f: order[f.members[0]])


# --- sample values ----------------------------------------------------------------------------

_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^[0-9+().\s/-]+(?:\s*(?:x|ext\.?)\s*\d+)?$", re.IGNORECASE)


def _fits(target: str, values: list[str], *, named: bool) -> bool:
    """Whether a column's sample values can be what `target` holds. An empty sample says
    nothing. A column named exactly for the field ("Email") needs fewer fitting values than
    one whose words only point to it; neither passes with none that fit."""
    values = [v for v in values if v]
    if not values:
        return True
    share = _share(target, values)
    if named:
        return share >= 0.3
    return share >= {"profession": 0.5, "specialty": 0.5, "credentials": 0.3}.get(target, 0.8)


def _share(target: str, values: list[str]) -> float:
    def ratio(test) -> float:
        return sum(1 for v in values if test(v)) / len(values)

    match target:
        case "email" | "email_other":
            return ratio(lambda v: bool(_EMAIL_LIKE.match(v)))
        case "phone" | "phone_other":

            def phone_like(v: str) -> bool:
                v = whole_number_text(v)
                digits = sum(ch.isdigit() for ch in v)
                return bool(_PHONE_CHARS.match(v)) and 7 <= digits <= 15

            return ratio(phone_like)
        case "npi":
            return ratio(lambda v: npi_is_valid(whole_number_text(v)))
        case "licence_jurisdictions" | "region":
            return ratio(
                lambda v: all(
                    jurisdictions.normalize(p) is not None
                    for p in F_.JURISDICTION_SPLIT.split(v)
                    if p
                )
            )
        case "postal_code":
            return ratio(
                lambda v: (
                    normalize_us_zip(v) is not None
                    or bool(CA_POSTAL.match(v))
                    or bool(re.match(r"^[A-Za-z0-9][A-Za-z0-9 -]{2,9}$", v))
                )
            )
        case "first_name" | "last_name" | "full_name" | "city":
            return ratio(
                lambda v: (
                    any(ch.isalpha() for ch in v) and "@" not in v and not re.search(r"\d{3}", v)
                )
            )
        case "profession":
            return ratio(lambda v: F_.match_profession(v) is not None)
        case "credentials":
            return ratio(lambda v: len(v) <= 60 and "@" not in v)
        case "specialty":
            return ratio(
                lambda v: F_.match_specialty(v).code != "" or any(ch.isalpha() for ch in v)
            )
        case "specialty_primary":
            return ratio(
                lambda v: (
                    v.strip().upper()
                    in ("Y", "N", "X", "YES", "NO", "TRUE", "FALSE", "1", "0", "1.0", "0.0")
                )
            )
        case "entity_type":
            return ratio(lambda v: read_entity_type(v) is not None)
        case "country":
            return ratio(lambda v: F_.match_country(v) is not None)
        case "licence_number":
            return ratio(lambda v: len(v) <= 60 and "@" not in v)
    return 1.0


def read_entity_type(value: str) -> str | None:
    """ "person" or "organization" for an NPPES entity type code or words; None if neither."""
    v = whole_number_text((value or "").strip()).lower()
    if v in ("1", "i", "individual", "person", "provider", "practitioner"):
        return "person"
    if v in ("2", "o", "organization", "organisation", "org", "group", "facility"):
        return "organization"
    return None


# --- suggestion -------------------------------------------------------------------------------


def suggest_mapping(headers: list[str], sample: Iterable[list[str]] = ()) -> Mapping:
    """{field: header or [headers]} for the columns whose names say what they hold and whose
    sample values fit (see the module docstring). Each column fills one field at most, except a
    credentials column, which is read for the profession too when no column names one."""
    rows = list(sample)
    values = {h: [r[i] for r in rows if i < len(r)] for i, h in enumerate(headers)}
    family_of = {m: f for f in families(headers) for m in f.members}

    def family_values(header: str) -> list[str]:
        fam = family_of.get(header)
        members = fam.members if fam else (header,)
        return [v for m in members for v in values[m]]

    # Every column that could fill each field, with its strength: 2 exact name, 1 words.
    found: dict[str, list[tuple[int, int, int, str]]] = {}
    for position, header in enumerate(headers):
        words = header_words(header)
        strength, target = 2, _EXACT_INDEX.get(header_key(header))
        if target is None:
            strength, target = 1, _word_target(words)
        if target is None or not _fits(target, family_values(header), named=strength == 2):
            continue
        found.setdefault(target, []).append((strength, _rank(words), -position, header))

    mapping: Mapping = {}
    used: set[str] = set()
    for target in F_.TARGET_NAMES:
        options = sorted(found.get(target, []), reverse=True)
        options = [o for o in options if o[3] not in used]
        if not options:
            continue
        if target in F_.MULTIPLE:
            chosen = _several(target, options, family_of, headers)
            if len(chosen) == 1:
                chosen = chosen[0]
        else:
            chosen = options[0][3]
            # A family (Phone_1 … _3) for a one-column field: its first member.
            if chosen in family_of:
                chosen = family_of[chosen].members[0]
        mapping[target] = chosen
        used.update([chosen] if isinstance(chosen, str) else chosen)
        if target in ("email", "phone"):
            # The other columns that fit are the candidate's other addresses or numbers.
            rest = sorted((o[3] for o in options if o[3] not in used), key=headers.index)
            if rest:
                mapping[f"{target}_other"] = rest if len(rest) > 1 else rest[0]
                used.update(rest)
    if "full_name" in mapping and "first_name" in mapping and "last_name" in mapping:
        del mapping["full_name"]
    if "profession" not in mapping and "credentials" in mapping:
        mapping["profession"] = mapping["credentials"]
    return mapping


def _several(target: str, options, family_of, headers: list[str]) -> list[str]:
    """The columns for a field taking several: the best one's family, or every column that
    names the field (a primary specialty column first, then the others in file order). A
    column summing up others ("sec_spec_all") is left out when its parts are there."""
    best = options[0][3]
    if best in family_of and len(options) == len(family_of[best].members):
        return list(family_of[best].members)
    chosen = [o[3] for o in options]
    if len(chosen) > 1:
        chosen = [h for h in chosen if "all" not in header_words(h)] or chosen
    order = {h: i for i, h in enumerate(headers)}
    first = [h for h in chosen if "primary" in header_words(h)]
    return first + sorted((h for h in chosen if h not in first), key=order.__getitem__)


# --- reading a mapping back -------------------------------------------------------------------


def columns(value) -> list[str]:
    """The headers of one mapping entry: a header, or a list of them."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str) and v]
    return []


def encode_choice(value) -> str:
    """A mapping entry as one form value: the header itself, or a JSON list of headers."""
    cols = columns(value)
    if not cols:
        return ""
    return cols[0] if len(cols) == 1 else json.dumps(cols, ensure_ascii=False)


def decode_choice(text: str, headers: list[str]):
    """A form value back to a mapping entry: a header, a list of headers, or the text itself
    when it is neither (check_mapping then says the file has no such column)."""
    text = (text or "").strip()
    if not text or text in headers:
        return text
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    return text
