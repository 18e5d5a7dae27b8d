"""One spreadsheet row read into what a candidate is made of, with what to tell the user.

A row ends up in one of four states before duplicates are looked for:
* skipped — not a person's record: an organization (NPPES entity type 2), or a row with no
  name, email or phone at all (NPPES lists deactivated NPIs that way); one reason, no errors;
* an error — something the candidate cannot be created without: a first or last name, a
  profession (from its cell, else from a specialty), names and IDs that do not fit;
* imported with warnings — an optional value that cannot be read (an email without an @, a
  phone that is not a number, an NPI whose check digit is wrong, an unknown licence
  jurisdiction, years that are not a number…): the value is left out, the warning names it,
  and the row's cells stay in the report, so nothing typed is lost;
* fine.

What is cleaned on the way: names in capitals are cased (rounds.lib.names), ZIP+4 and ZIPs
that lost their leading zero are written 04101-2345, whole numbers a spreadsheet wrote as
floats ("3088652512.0") lose their ".0", NPIs are checked (rounds.lib.codes)."""

from __future__ import annotations

import hashlib
import re
from contextlib import suppress
from dataclasses import dataclass, field

import phonenumbers

from rounds.lib import jurisdictions
from rounds.lib.codes import (
    CodeError,
    licence_key,
    normalize_npi,
    normalize_us_zip,
    whole_number_text,
)
from rounds.lib.contact import ContactError, email_key, normalize_email, normalize_phone
from rounds.lib.csvsafe import unneutralize
from rounds.lib.geo import CA_POSTAL, US_ZIP
from rounds.lib.names import proper_case_name, split_full_name
from rounds.matching import knowledge

from . import fields as F_
from .mapping import columns, read_entity_type

MAX_YEARS = 70
_YEARS = re.compile(r"^(\d{1,3})(?:[.,]\d+)?\s*(?:\+|years?|yrs?\.?|y)?$", re.IGNORECASE)
# NPPES: Y primary, N not, X not answered.
_YES = frozenset({"y", "yes", "true", "1", "1.0", "primary"})
# Cells in these fields are codes or numbers: a float's ".0" is an artefact, not data.
_NUMERIC = frozenset({"phone", "phone_other", "postal_code", "npi", "entity_type"})


@dataclass
class ParsedRow:
    line: int
    cells: list[str]
    raw: dict[str, str | list[str]]
    texts: dict[str, str]  # each field's cells as one text (several columns joined by “;”)
    fingerprint: str
    external_id: str = ""
    npi: str = ""  # when the cell holds a valid NPI
    skip: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    specialties: list[F_.SpecialtyReading] = field(default_factory=list)  # primary first
    licences: list[tuple[str, str]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    notes: str = ""
    other_emails: list[tuple[str, str]] = field(default_factory=list)  # (address, key)
    other_phones: list[str] = field(default_factory=list)  # E.164

    @property
    def emails(self) -> list[str]:
        """Every email key of the row: the main one first."""
        main = self.values.get("email_normalized", "")
        return ([main] if main else []) + [k for _a, k in self.other_emails]

    @property
    def phones(self) -> list[str]:
        main = self.values.get("phone_normalized", "")
        return ([main] if main else []) + self.other_phones


def fingerprint(raw: dict[str, str | list[str]]) -> str:
    """A stable hash of the mapped cells: the same row imported again has the same one. A field
    read from one column hashes as it always has, so files imported before still match."""
    parts = []
    for k in sorted(raw):
        value = raw[k]
        parts.append(f"{k}\x1e{value if isinstance(value, str) else chr(0x1D).join(value)}")
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()


def _cell(value: str) -> str:
    return unneutralize(value) if value[:1] == "'" else value  # a cell exported by Rounds


class RowReader:
    """Reads rows with one mapping. Professions, specialties, jurisdictions and names are
    looked up once per distinct value: a 100,000-row file repeats them."""

    def __init__(
        self,
        headers: list[str],
        mapping: dict,
        *,
        default_country: str,
        default_profession: str = "",
    ) -> None:
        index = {h: i for i, h in enumerate(headers)}
        self.columns: list[tuple[str, list[int], bool]] = []
        for target, value in (mapping or {}).items():
            idx = [index[c] for c in columns(value) if c in index]
            if idx:
                self.columns.append((target, idx, isinstance(value, str)))
        self.mapped = {t for t, _i, _s in self.columns}
        self.default_country = (default_country or "CA").upper()
        self.default_profession = default_profession
        self._professions: dict[str, tuple[str | None, bool]] = {}
        self._specialties: dict[str, F_.SpecialtyReading] = {}
        self._jurisdictions: dict[tuple[str, str], str | None] = {}
        self._names: dict[str, str] = {}
        self._phones: dict[tuple[str, str], str | ContactError] = {}

    # -- reading the cells --

    def parse(self, line: int, cells: list[str]) -> ParsedRow:
        raw: dict[str, str | list[str]] = {}
        for target, idx, single in self.columns:
            if single:
                raw[target] = _cell(cells[idx[0]])
            else:
                values = [cells[i] for i in idx]
                raw[target] = [_cell(v) if v[:1] == "'" else v for v in values]
        texts = {target: self._text(value, target) for target, value in raw.items()}
        npi = ""
        if text := texts.get("npi"):
            digits = re.sub(r"[\s-]", "", text)
            with suppress(CodeError):  # reported by validate()
                npi = normalize_npi(digits)
        return ParsedRow(
            line=line,
            cells=cells,
            raw=raw,
            texts=texts,
            fingerprint=fingerprint(raw),
            external_id=texts.get("external_id", ""),
            npi=npi,
        )

    @staticmethod
    def _text(value: str | list[str], target: str) -> str:
        """A field's cells as one text: several columns joined by “;”."""
        if isinstance(value, str):
            return whole_number_text(value) if target in _NUMERIC else value
        cells = [whole_number_text(v) if target in _NUMERIC else v for v in value if v]
        return ";".join(cells)

    # -- checking --

    def validate(self, row: ParsedRow) -> None:
        raw, errors, warnings = row.raw, row.errors, row.warnings
        get = row.texts.get

        kind = get("entity_type", "")
        if kind:
            read = read_entity_type(kind)
            if read == "organization":
                row.skip = (
                    "An organization (entity type 2), not a person: organizations are "
                    "not candidates."
                )
                return
            if read is None:
                warnings.append(
                    (
                        "entity_type",
                        f"“{kind}” is not an entity type (1 person, "
                        "2 organization): read as a person.",
                    )
                )

        first, last = get("first_name", ""), get("last_name", "")
        if (not first or not last) and get("full_name", ""):
            split_first, split_last = split_full_name(get("full_name", ""))
            first, last = first or split_first, last or split_last
        if not (
            first
            or last
            or get("email", "")
            or get("phone", "")
            or get("email_other", "")
            or get("phone_other", "")
        ):
            row.skip = "No name, email or phone in this row: nothing to import."
            return
        first, last = self._name(first), self._name(last)
        if not first:
            errors.append(("first_name", "First name is empty."))
        if not last:
            errors.append(("last_name", "Last name is empty."))

        country_text = get("country", "")
        country = F_.match_country(country_text)
        if country is None:
            warnings.append(
                (
                    "country",
                    f"“{country_text}” is not a country Rounds knows: "
                    "imported without it (use a name or a code such as CA "
                    "or US).",
                )
            )
            country = ""
        region = get("region", "")
        if region:
            code = self.jurisdiction(region, country)
            if code and (not country or code.startswith(country + "-")):
                region = code.split("-", 1)[1]
                country = country or code.split("-", 1)[0]
        postal = get("postal_code", "").upper()
        if postal:
            if country in ("", "US") and (zip_code := normalize_us_zip(postal)):
                postal = zip_code
            if not country:
                if CA_POSTAL.match(postal):
                    country = "CA"
                elif US_ZIP.match(postal):
                    country = "US"
        row_country = country or self.default_country

        email, email_normalized = self._email(get("email", ""), "email", warnings)
        phone = self._phone(get("phone", ""), row_country, "phone", warnings)
        others = []
        for value in F_.MULTI_SPLIT.split(get("email_other", "")):
            address, key = self._email(value, "email_other", warnings)
            if key and key != email_normalized and key not in {k for _a, k in others}:
                others.append((address, key))
        if not email_normalized and others:
            (email, email_normalized), others = others[0], others[1:]
        row.other_emails = others
        other_phones = []
        for value in F_.MULTI_SPLIT.split(get("phone_other", "")):
            number = self._phone(value, row_country, "phone_other", warnings)
            if number and number != phone and number not in other_phones:
                other_phones.append(number)
        if not phone and other_phones:
            phone, other_phones = other_phones[0], other_phones[1:]
        row.other_phones = other_phones

        if (npi_text := get("npi", "")) and not row.npi:
            try:
                normalize_npi(npi_text)
            except CodeError as exc:
                warnings.append(("npi", f"{exc} Imported without the NPI."))

        specialties = self._specialties_of(raw, errors)
        profession = self._profession(get("profession", ""), specialties, errors, warnings)
        if profession:
            # Words are read without the row's profession: “Primary care” reads as family
            # medicine. Its code is kept only when it is a specialty of the row's profession;
            # a code typed in the cell is kept as typed.
            specialties = [
                s
                if s.bare_code or not s.code or s.profession == profession
                else s._replace(code="", profession=None)
                for s in specialties
            ]

        years = None
        if years_text := get("years_experience", ""):
            m = _YEARS.match(years_text)
            if not m:
                warnings.append(
                    (
                        "years_experience",
                        f"“{years_text}” is not a number of years "
                        "(write e.g. 12): imported without it.",
                    )
                )
            elif int(m.group(1)) > MAX_YEARS:
                warnings.append(
                    (
                        "years_experience",
                        f"{years_text} years is more than {MAX_YEARS}: imported without it.",
                    )
                )
            else:
                years = int(m.group(1))

        row.licences = self._licences(raw, row.texts, region, country, warnings)

        source, source_detail = F_.match_source(get("source", ""))
        values = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "email_normalized": email_normalized,
            "phone": phone,
            "phone_normalized": phone,
            "profession": profession,
            "headline": get("headline", ""),
            "years_experience": years,
            "city": self._name(get("city", "")),
            "region": region,
            "postal_code": postal,
            "country": country,
            "source": source,
            "source_detail": source_detail,
            "external_id": row.external_id,
            "npi": row.npi,
            "credentials": get("credentials", ""),
        }
        for name in ("first_name", "last_name", "external_id"):
            limit = F_.TARGET_BY_NAME[name].max_length
            if limit and len(values[name]) > limit:
                errors.append(
                    (
                        name,
                        f"{F_.TARGET_BY_NAME[name].label} is {len(values[name])} "
                        f"characters long; at most {limit} fit.",
                    )
                )
        for name in ("headline", "city", "region", "postal_code", "credentials"):
            limit = F_.TARGET_BY_NAME[name].max_length
            if limit and len(values[name]) > limit:
                warnings.append(
                    (
                        name,
                        f"{F_.TARGET_BY_NAME[name].label} is "
                        f"{len(values[name])} characters long; at most {limit} "
                        "fit: imported without it.",
                    )
                )
                values[name] = ""
        tags = []
        for name in F_.TAG_SPLIT.split(get("tags", "")):
            name = name[:60].strip()
            if name and name.lower() not in {t.lower() for t in tags}:
                tags.append(name)
        row.values = values
        row.specialties, row.tags = specialties, tags
        row.notes = get("notes", "")

    # -- the parts --

    def _name(self, text: str) -> str:
        if not text:
            return ""
        if text not in self._names:
            if len(self._names) > 100_000:
                self._names.clear()
            self._names[text] = proper_case_name(" ".join(text.split()))
        return self._names[text]

    @staticmethod
    def _email(value: str, field_name: str, warnings) -> tuple[str, str]:
        if not value:
            return "", ""
        try:
            address = normalize_email(value)
        except ContactError as exc:
            warnings.append(
                (
                    field_name,
                    f"“{value}” is not a valid email address ({exc}): imported without it.",
                )
            )
            return "", ""
        return address, email_key(address)

    def _phone(self, value: str, region: str, field_name: str, warnings) -> str:
        if not value:
            return ""
        key = (value, region)
        if (found := self._phones.get(key)) is None:
            # Practices' numbers repeat across a registry's rows: parse each number once.
            try:
                found = self.phone(value, region)
            except ContactError as exc:
                found = exc
            if len(self._phones) > 50_000:
                self._phones.clear()
            self._phones[key] = found
        if isinstance(found, ContactError):
            warnings.append((field_name, f"{found} Imported without it."))
            return ""
        return found

    @staticmethod
    def phone(value: str, region: str) -> str:
        """normalize_phone, with a shortcut for the usual case: a number valid in the row's
        own country skips the search for its region (the slow part for +1 numbers)."""
        try:
            number = phonenumbers.parse(value, region)
            if phonenumbers.is_valid_number_for_region(number, region):
                return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            pass
        return normalize_phone(value, region)

    def _specialties_of(self, raw, errors) -> list[F_.SpecialtyReading]:
        """Specialties in order, the primary first: the one whose primary flag says Y (the flag
        in the same position as its column), else the first."""
        value = raw.get("specialty", "")
        cells = [value] if isinstance(value, str) else value
        flags = raw.get("specialty_primary", "")
        flags = [flags] if isinstance(flags, str) else flags
        out: list[F_.SpecialtyReading] = []
        primary: F_.SpecialtyReading | None = None
        seen: set[str] = set()
        for i, cell in enumerate(cells):
            flagged = len(flags) == len(cells) and flags[i].strip().lower() in _YES
            for text in F_.MULTI_SPLIT.split(cell):
                if not text:
                    continue
                found = self.specialty(text)
                key = found.code or found.name.lower()
                if key in seen:
                    if flagged and primary is None:
                        primary = next(s for s in out if (s.code or s.name.lower()) == key)
                    continue
                seen.add(key)
                if len(found.name) > 120:
                    errors.append(
                        (
                            "specialty",
                            f"Specialty “{found.name[:40]}…” is longer than 120 characters.",
                        )
                    )
                out.append(found)
                if flagged and primary is None:
                    primary = found
        if primary is not None and out[0] is not primary:
            out.remove(primary)
            out.insert(0, primary)
        return out

    def _profession(self, text: str, specialties, errors, warnings) -> str | None:
        """The profession of the row: its cell, else the batch default, else what the
        specialties imply. A coded specialty (an NPPES taxonomy) overrules a cell read only
        from its leading words ("RN, MSN, CPNP" with a pediatric NP taxonomy is an NP), and a
        specialty's profession that qualifies as the cell's is the more precise one."""
        implied = next((s.profession for s in specialties if s.profession), None)
        coded = next((s.profession for s in specialties if s.profession and s.bare_code), None)
        if text:
            profession, whole = self.profession(text)
            if profession is None:
                if implied:
                    label = F_.Profession(implied).label
                    warnings.append(
                        (
                            "profession",
                            f"“{text}” does not name a profession: {label}, from the specialty.",
                        )
                    )
                    return implied
                errors.append(
                    (
                        "profession",
                        f"“{text}” is not a profession Rounds knows. Use "
                        "e.g. Physician (MD), Nurse practitioner (NP), "
                        "Registered nurse (RN), Practical nurse (LPN/RPN),"
                        " Physician assistant (PA), Pharmacist.",
                    )
                )
                return None
            if coded and coded != profession and not whole:
                return coded
            if implied and implied != profession and _qualifies_as(implied, profession):
                return implied
            return profession
        if self.default_profession:
            return self.default_profession
        if implied:
            return implied
        errors.append(("profession", "Profession is empty."))
        return None

    def _licences(self, raw, texts, region: str, country: str, warnings) -> list[tuple[str, str]]:
        """(jurisdiction code, number) pairs, each once. Several jurisdiction columns and as
        many number columns pair up by position (NPPES: licence N with its state N); one
        column each holds “;”-separated lists, paired by position too."""
        jur_value, num_value = raw.get("licence_jurisdictions", ""), raw.get("licence_number", "")
        if (
            not isinstance(jur_value, str)
            and not isinstance(num_value, str)
            and (len(jur_value) == len(num_value) and len(jur_value) > 1)
        ):
            pairs = [
                (j.strip(), n.strip())
                for j, n in zip(jur_value, num_value, strict=True)
                if j.strip() or n.strip()
            ]
        else:
            jur_text = texts.get("licence_jurisdictions", "")
            num_text = texts.get("licence_number", "")
            jurs = [j for j in F_.JURISDICTION_SPLIT.split(jur_text) if j]
            numbers = [n for n in F_.MULTI_SPLIT.split(num_text) if n]
            if not jurs and not numbers:
                return []
            if len(numbers) == len(jurs):
                pairs = list(zip(jurs, numbers, strict=True))
            elif len(numbers) <= 1:
                pairs = [
                    (j, numbers[0] if numbers and i == 0 else "") for i, j in enumerate(jurs)
                ] or [("", numbers[0])]
            else:
                warnings.append(
                    (
                        "licence_number",
                        f"{len(numbers)} licence numbers for "
                        f"{len(jurs)} jurisdictions: the numbers "
                        "were not imported (give one per "
                        "jurisdiction, in the same order).",
                    )
                )
                pairs = [(j, "") for j in jurs]
        home = self.jurisdiction(region, country) if region else None
        out: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for jur_text, number in pairs:
            if jur_text:
                code = self.jurisdiction(jur_text, country)
                if code is None:
                    what = f"licence {number}" if number else "a licence"
                    warnings.append(
                        (
                            "licence_jurisdictions",
                            f"“{jur_text}” is not a licensing jurisdiction (use e.g. "
                            f"AB, Alberta, CA-AB, TX or Texas): {what} not imported.",
                        )
                    )
                    continue
            elif home:
                code = home
            else:
                warnings.append(
                    (
                        "licence_number",
                        f"Licence number {number} has no "
                        "jurisdiction and the row no province or "
                        "state: not imported.",
                    )
                )
                continue
            if len(number) > 60:
                warnings.append(
                    (
                        "licence_number",
                        "A licence number is longer than 60 characters: not imported.",
                    )
                )
                continue
            key = (code, licence_key(number))
            if key in seen or (not number and any(c == code for c, _n in out)):
                continue
            if number:  # a number for a place listed without one replaces it
                out = [(c, n) for c, n in out if not (c == code and not n)]
            seen.add(key)
            out.append((code, number))
        return out

    # -- cached look-ups --

    def profession(self, text: str) -> tuple[str | None, bool]:
        if text not in self._professions:
            self._professions[text] = F_.read_profession_text(text)
        return self._professions[text]

    def specialty(self, text: str) -> F_.SpecialtyReading:
        if text not in self._specialties:
            self._specialties[text] = F_.match_specialty(text)
        return self._specialties[text]

    def jurisdiction(self, text: str, country: str) -> str | None:
        key = (text, country)
        if key not in self._jurisdictions:
            self._jurisdictions[key] = jurisdictions.normalize(text, country)
        return self._jurisdictions[key]


def _qualifies_as(specific: str, general: str) -> bool:
    """An NP qualifies as an RN: its profession is the more precise reading of “RN”."""
    info = knowledge.professions().get(specific)
    return bool(info and general in info.qualifies_as)
