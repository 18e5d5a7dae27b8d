"""Identifiers and codes as they arrive from other systems' exports: the US National Provider
Identifier (NPI), ZIP codes that a spreadsheet turned into numbers, and whole numbers written as
floats ("3088652512.0") by tools that read every numeric column as a float."""

from __future__ import annotations

import re
import unicodedata

_FLOAT_WHOLE = re.compile(r"^([0-9]+)\.0+$")
_DIGITS = re.compile(r"^[0-9]+$")
_ZIP_PLUS4 = re.compile(r"^([0-9]{5})[\s-]?([0-9]{4})$")

# The NPI check digit is the Luhn digit of the 9 leading digits prefixed with 80840 (the
# ISO/IEC 7812 issuer prefix for US health applications). CMS, "NPI: Check digit", 2005.
NPI_PREFIX = "80840"


def whole_number_text(value: str) -> str:
    """A whole number a spreadsheet tool wrote as a float, without its ".0":
    "3088652512.0" → "3088652512". Anything else comes back unchanged."""
    m = _FLOAT_WHOLE.match(value)
    return m.group(1) if m else value


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit to append to `digits`."""
    total = 0
    # From the rightmost digit of the payload, every other digit (starting with it) is doubled.
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit over 80840 + the first nine."""
    return (
        len(npi) == 10
        and bool(_DIGITS.match(npi))
        and npi[0] in "12"
        and luhn_check_digit(NPI_PREFIX + npi[:9]) == int(npi[9])
    )


def licence_key(number: str) -> str:
    """What duplicate checks compare of a licence number: its letters and digits, upper-cased,
    so "MD-12 345", "md12345" and "MD 12345" are one number (boards print them with dashes and
    spaces, spreadsheets and people type them without). The one rule: stored as
    `Licence.number_key` and used by the duplicate finder, the import and merge."""
    text = unicodedata.normalize("NFKC", number or "")
    return "".join(ch for ch in text if ch.isalnum()).upper()


class CodeError(ValueError):
    """A code that cannot be read; the message says what is wrong."""


def normalize_npi(value: str) -> str:
    """An NPI as ten digits ("1679576722"); raises CodeError saying why a value is not one.
    Spaces and dashes people type are dropped, and so is a float's ".0"."""
    text = whole_number_text((value or "").strip())
    if not text:
        return ""
    digits = re.sub(r"[\s-]", "", text)
    if not _DIGITS.match(digits):
        raise CodeError(f"“{value}” is not an NPI: an NPI is 10 digits.")
    if len(digits) != 10:
        raise CodeError(f"“{value}” is not an NPI: it has {len(digits)} digits, an NPI has 10.")
    if not npi_is_valid(digits):
        raise CodeError(f"“{value}” is not a valid NPI: its check digit is wrong (a typo?).")
    return digits


def normalize_us_zip(value: str) -> str | None:
    """A US ZIP code as 12345 or 12345-6789, or None when the value is not one.

    Spreadsheets read ZIP codes as numbers, so New England's lose their leading zero:
    04101 comes back as 4101, and ZIP+4 041023134 as 41023134. Four and eight digits get
    their zero back (three and seven digits: two zeros, for 005xx/006xx…); a ".0" a float
    added is dropped."""
    text = whole_number_text((value or "").strip())
    if m := _ZIP_PLUS4.match(text):
        return f"{m.group(1)}-{m.group(2)}"
    if not _DIGITS.match(text):
        return None
    if len(text) in (3, 4, 5):
        return text.zfill(5)
    if len(text) in (7, 8):
        text = text.zfill(9)
        return f"{text[:5]}-{text[5:]}"
    return None
