"""Email and phone normalization: what duplicate detection and messaging rely on."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class ContactError(ValueError):
    """A contact detail that cannot be used; the message says what to fix."""


def normalize_email(value: str) -> str:
    """Validate an address and return it normalized (domain lower-cased, local part as typed).
    Raises ContactError with a readable reason."""
    value = (value or "").strip()
    if not value:
        return ""
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
