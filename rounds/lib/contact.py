"""Email and phone normalization: what duplicate detection and messaging rely on."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES


class ContactError(ValueError):
    """A contact detail that cannot be used; the message says what to fix."""


# The everyday address (letters, digits, dots, _ + - before the @) takes a shorter road: its
# local part is checked here and its domain once per domain — an import of 100,000 addresses
# at a few hundred domains spent a tenth of its time re-validating the same domains. Anything
# else, and every error, goes through email_validator; tests compare both roads.
_SIMPLE_LOCAL = re.compile(r"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*$")
_SIMPLE_DOMAIN = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")


@lru_cache(maxsize=4096)
def _domain(domain: str) -> str | None:
    """The normalized domain as email_validator writes it, or None when it refuses it."""
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def _simple(value: str) -> str | None:
    local, at, domain = value.rpartition("@")
    if (not at or len(local) > 64 or len(value) > 250 or "--" in domain
            or local.lower() in CASE_INSENSITIVE_MAILBOX_NAMES
            or not _SIMPLE_LOCAL.match(local) or not _SIMPLE_DOMAIN.match(domain)):
        return None
    found = _domain(domain)
    return f"{local}@{found}" if found else None


def normalize_email(value: str) -> str:
    """Validate an address and return it normalized (domain lower-cased, local part as typed).
    Raises ContactError with a readable reason."""
    value = (value or "").strip()
    if not value:
        return ""
    if simple := _simple(value):
        return simple
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ContactError(str(exc)) from None
    return info.normalized


def email_key(value: str) -> str:
    """The key duplicate detection compares: the normalized address, lower-cased."""
    return value.strip().lower() if value else ""


def normalize_phone(value: str, country: str = "") -> str:
    """Parse a phone number and return it in E.164 ("+14035550123"). `country` (ISO alpha-2) is
    the region assumed for numbers written without a country code; North America by default."""
    value = (value or "").strip()
    if not value:
        return ""
    region = (country or "CA").upper()
    if region == "UK":
        region = "GB"
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ContactError(f"“{value}” is not a phone number.") from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError(f"“{value}” is not a valid phone number for {region}.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A phone number for people to read: national format at home, international abroad."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 1:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
