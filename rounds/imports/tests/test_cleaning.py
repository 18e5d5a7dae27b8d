"""How values from registries are cleaned: names in capitals, full names, ZIP codes a
spreadsheet turned into numbers, NPIs (rounds/lib/names.py, rounds/lib/codes.py)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rounds.lib.codes import (
    CodeError,
    luhn_check_digit,
    normalize_npi,
    normalize_us_zip,
    npi_is_valid,
    whole_number_text,
)
from rounds.lib.names import proper_case_name, split_full_name


@pytest.mark.parametrize(
    ("text", "cased"),
    [
        ("MC DONALD", "McDonald"),
        ("MCDONALD", "McDonald"),
        ("O'BRIEN", "O'Brien"),
        ("SMITH-JONES", "Smith-Jones"),
        ("WIEBE", "Wiebe"),
        ("DAVID", "David"),
        ("MACDONALD", "MacDonald"),
        ("MACHADO", "Machado"),  # not Mac + a name
        ("MACKEY", "Mackey"),
        ("DE LA CRUZ", "De la Cruz"),
        ("MARIA DE LA CRUZ", "Maria de la Cruz"),
        ("VAN WERT", "Van Wert"),
        ("JOHN SMITH III", "John Smith III"),
        ("D'ANGELO", "D'Angelo"),
        ("ST. JEAN", "St. Jean"),
        ("A", "A"),
        ("KEARNEY", "Kearney"),
        ("MC ALLEN", "McAllen"),
    ],
)
def test_names_in_capitals_are_properly_cased(text, cased):
    assert proper_case_name(text) == cased


@pytest.mark.parametrize(
    "text",
    [
        "de la Cruz",
        "McKenzie",
        "van Gogh",
        "Amara",
        "DeShawn",
        "d'Arcy",
        "iPhone-Smith",
        "",
        "1234",
    ],
)
def test_names_with_any_lower_case_letter_are_left_alone(text):
    assert proper_case_name(text) == text


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Okafor, Amara", ("Amara", "Okafor")),
        ("Dr. Amara N. Okafor", ("Amara N.", "Okafor")),
        ("MOLLY VAN WERT", ("MOLLY", "VAN WERT")),
        ("KHALED AL SIBAI", ("KHALED", "AL SIBAI")),
        ("JOCELYN ST. JEAN", ("JOCELYN", "ST. JEAN")),
        ("KWAKU OWUSU - ABROKWA", ("KWAKU", "OWUSU-ABROKWA")),
        ("JOHN SMITH III", ("JOHN", "SMITH III")),
        ("LAZARO GONZALEZ MUNOZ", ("LAZARO GONZALEZ", "MUNOZ")),
        ("Cher", ("Cher", "")),
    ],
)
def test_full_names_split_into_first_and_last(text, parts):
    assert split_full_name(text) == parts


@pytest.mark.parametrize(
    ("value", "zip_code"),
    [
        ("04101", "04101"),
        ("4101", "04101"),  # Maine, its leading zero lost in a spreadsheet
        ("501", "00501"),
        ("41023134", "04102-3134"),  # ZIP+4 with the zero lost
        ("041023134", "04102-3134"),
        ("688482168", "68848-2168"),
        ("688482168.0", "68848-2168"),  # written as a float
        ("68848-2168", "68848-2168"),
        ("68848 2168", "68848-2168"),
        ("6884821", "00688-4821"),
    ],
)
def test_zip_codes_are_normalized(value, zip_code):
    assert normalize_us_zip(value) == zip_code


@pytest.mark.parametrize("value", ["T4N 6K8", "12", "1234567890", "ABCDE", ""])
def test_what_is_not_a_zip_code_is_none(value):
    assert normalize_us_zip(value) is None


def test_npi_check_digit_is_luhn_over_the_80840_prefix():
    # CMS's worked example: 123456789 → check digit 3 (Luhn over 80840123456789).
    assert luhn_check_digit("80840123456789") == 3
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1234567890")
    # Real NPIs from the NPPES registry.
    for npi in ("1679576722", "1588667638", "1215930367", "1932102084"):
        assert npi_is_valid(npi)
        wrong = npi[:9] + str((int(npi[9]) + 1) % 10)
        assert not npi_is_valid(wrong)
    assert not npi_is_valid("3234567893")  # NPIs start with 1 or 2


def test_npis_are_read_as_typed_or_exported():
    assert normalize_npi("1679576722") == "1679576722"
    assert normalize_npi(" 1679-576-722 ") == "1679576722"
    assert normalize_npi("1679576722.0") == "1679576722"
    assert normalize_npi("") == ""
    with pytest.raises(CodeError, match="check digit"):
        normalize_npi("1679576723")
    with pytest.raises(CodeError, match="9 digits"):
        normalize_npi("167957672")
    with pytest.raises(CodeError, match="10 digits"):
        normalize_npi("NPI-ABC")


def test_whole_numbers_lose_a_floats_dot_zero_and_nothing_else():
    assert whole_number_text("3088652512.0") == "3088652512"
    assert whole_number_text("1.0") == "1"
    assert whole_number_text("1.5") == "1.5"
    assert whole_number_text("M.D.") == "M.D."
    assert whole_number_text("2.12689E+12") == "2.12689E+12"


# --- the short road for everyday email addresses ------------------------------------------------

_LOCAL = st.text(alphabet="abcXYZ019._+-%!", min_size=0, max_size=70)
_LABEL = st.text(alphabet="abcxnXN019-", min_size=0, max_size=12)
_DOMAIN = st.lists(_LABEL, min_size=1, max_size=4).map(".".join) | st.sampled_from(
    [
        "example.com",
        "Example.COM",
        "mail.test",
        "localhost",
        "x.local",
        "gmail.com",
        "a.b",
        "prairiehealth.ca",
        "xn--bcher-kva.com",
        "123.45",
        "ex--ample.com",
        "-a.com",
        "a-.com",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(local=_LOCAL, domain=_DOMAIN)
def test_the_short_road_gives_what_email_validator_gives(local, domain):
    from email_validator import EmailNotValidError, validate_email

    from rounds.lib.contact import _simple

    value = f"{local}@{domain}"
    short = _simple(value)
    if short is None:
        return  # the long road decides
    try:
        expected = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        pytest.fail(f"{value!r}: the short road accepted what email_validator refuses ({exc})")
    assert short == expected


@pytest.mark.parametrize(
    "value",
    [
        "Amara.Okafor@EXAMPLE.com",
        "ana+jobs@prairiehealth.ca",
        "Postmaster@Example.com",
        "a@xn--bcher-kva.com",
    ],
)
def test_normalized_addresses_are_what_email_validator_writes(value):
    from email_validator import validate_email

    from rounds.lib.contact import normalize_email

    assert normalize_email(value) == validate_email(value, check_deliverability=False).normalized


@pytest.mark.parametrize(
    "value", ["a@b.test", "x@localhost", "a..b@x.com", "a@-x.com", "@x.com", "a@x..com"]
)
def test_refused_addresses_keep_email_validators_reason(value):
    from email_validator import EmailNotValidError, validate_email

    from rounds.lib.contact import ContactError, normalize_email

    with pytest.raises(EmailNotValidError) as expected:
        validate_email(value, check_deliverability=False)
    with pytest.raises(ContactError) as got:
        normalize_email(value)
    assert str(got.value) == str(expected.value)
