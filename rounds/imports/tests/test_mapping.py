"""The mapping suggested at upload: from what each header means and what its first rows hold.
An address is never suggested for email, a licence number never for jurisdictions, an NPI never
for a licence number; numbered columns are suggested together."""

import csv

import pytest

from rounds.imports.mapping import (
    decode_choice,
    encode_choice,
    families,
    header_words,
    suggest_mapping,
)
from rounds.matching.tests.shared_data import data_file

NPPES_LIKE = [
    "NPI",
    "Entity Type Code",
    "Replacement NPI",
    "Provider Organization Name (Legal Business Name)",
    "Provider Last Name (Legal Name)",
    "Provider First Name",
    "Provider Middle Name",
    "Provider Credential Text",
    "Provider Other Last Name",
    "Provider First Line Business Mailing Address",
    "Provider Business Mailing Address City Name",
    "Provider Business Mailing Address State Name",
    "Provider Business Mailing Address Postal Code",
    "Provider Business Mailing Address Telephone Number",
    "Provider Business Mailing Address Fax Number",
    "Provider Business Practice Location Address City Name",
    "Provider Business Practice Location Address State Name",
    "Provider Business Practice Location Address Postal Code",
    "Provider Business Practice Location Address Telephone Number",
    "Last Update Date",
    "Authorized Official Telephone Number",
    "Healthcare Provider Taxonomy Code_1",
    "Provider License Number_1",
    "Provider License Number State Code_1",
    "Healthcare Provider Primary Taxonomy Switch_1",
    "Healthcare Provider Taxonomy Code_2",
    "Provider License Number_2",
    "Provider License Number State Code_2",
    "Healthcare Provider Primary Taxonomy Switch_2",
    "Other Provider Identifier_1",
    "Other Provider Identifier State_1",
    "Healthcare Provider Taxonomy Group_1",
]
NPPES_ROW = [
    "1679576722",
    "1.0",
    "",
    "",
    "WIEBE",
    "DAVID",
    "A",
    "M.D.",
    "",
    "PO BOX 2168",
    "KEARNEY",
    "NE",
    "688482168.0",
    "3088652512.0",
    "3088652506.0",
    "KEARNEY",
    "NE",
    "688472944.0",
    "3088652512.0",
    "07/08/2007",
    "",
    "207X00000X",
    "12637",
    "NE",
    "Y",
    "207RC0000X",
    "ME68414",
    "FL",
    "N",
    "46969",
    "KS",
    "",
]


def test_the_trimmed_nppes_columns_map_to_what_they_hold():
    mapping = suggest_mapping(NPPES_LIKE, [NPPES_ROW] * 3)
    assert mapping == {
        "first_name": "Provider First Name",
        "last_name": "Provider Last Name (Legal Name)",
        "phone": "Provider Business Practice Location Address Telephone Number",
        "phone_other": "Provider Business Mailing Address Telephone Number",
        "npi": "NPI",
        "credentials": "Provider Credential Text",
        "profession": "Provider Credential Text",
        "specialty": ["Healthcare Provider Taxonomy Code_1", "Healthcare Provider Taxonomy Code_2"],
        "specialty_primary": [
            "Healthcare Provider Primary Taxonomy Switch_1",
            "Healthcare Provider Primary Taxonomy Switch_2",
        ],
        "licence_jurisdictions": [
            "Provider License Number State Code_1",
            "Provider License Number State Code_2",
        ],
        "licence_number": ["Provider License Number_1", "Provider License Number_2"],
        "city": "Provider Business Practice Location Address City Name",
        "region": "Provider Business Practice Location Address State Name",
        "postal_code": "Provider Business Practice Location Address Postal Code",
        "entity_type": "Entity Type Code",
    }


def test_an_address_column_is_never_suggested_for_email():
    headers = [
        "First",
        "Last",
        "Mailing Address",
        "Business Mailing Address",
        "Mail",
        "E-mail address",
    ]
    row = ["Amara", "Okafor", "PO BOX 2168", "3500 CENTRAL AVE", "12 Main St", "amara@example.com"]
    mapping = suggest_mapping(headers, [row])
    assert mapping["email"] == "E-mail address"
    assert "email_other" not in mapping
    # Even a column named "Mail" is not an email column when it holds street addresses.
    assert suggest_mapping(["First", "Last", "Mail"], [["A", "B", "12 Main St"]]) == {
        "first_name": "First",
        "last_name": "Last",
    }


def test_a_licence_number_column_is_never_suggested_for_jurisdictions():
    headers = ["First", "Last", "License Number", "Licensed in"]
    mapping = suggest_mapping(headers, [["A", "B", "12637", "NE"], ["C", "D", "H6257", "TX"]])
    assert mapping["licence_number"] == "License Number"
    assert mapping["licence_jurisdictions"] == "Licensed in"
    # A column named for jurisdictions but holding licence numbers is not suggested.
    mapping = suggest_mapping(["First", "Last", "Jurisdiction"], [["A", "B", "12637"]] * 3)
    assert "licence_jurisdictions" not in mapping


def test_an_npi_is_never_suggested_for_the_licence_number():
    mapping = suggest_mapping(
        ["First", "Last", "NPI", "NPI Number"], [["A", "B", "1679576722", "1588667638"]]
    )
    assert mapping["npi"] == "NPI"
    assert "licence_number" not in mapping.values() and "licence_number" not in mapping
    assert suggest_mapping(["First", "Last", "Replacement NPI"], [["A", "B", "1679576722"]]) == {
        "first_name": "First",
        "last_name": "Last",
    }


def test_columns_about_someone_else_are_not_the_candidates():
    headers = [
        "Provider First Name",
        "Provider Last Name",
        "Authorized Official First Name",
        "Authorized Official Last Name",
        "Authorized Official Telephone Number",
        "Emergency Contact Phone",
        "Last Update Date",
        "Provider Other Last Name",
    ]
    row = ["Ana", "Silva", "Bob", "Boss", "3088652512", "4035550142", "07/08/2007", "Souza"]
    assert suggest_mapping(headers, [row]) == {
        "first_name": "Provider First Name",
        "last_name": "Provider Last Name",
    }


def test_a_phone_column_must_hold_numbers_and_a_fax_is_not_a_phone():
    headers = ["First", "Last", "Phone", "Fax Number", "Phone type"]
    row = ["A", "B", "(403) 555-0142", "4035550143", "mobile"]
    mapping = suggest_mapping(headers, [row])
    assert mapping["phone"] == "Phone"
    assert "phone_other" not in mapping


def test_cms_abbreviated_headers_are_understood():
    headers = [
        "NPI",
        "Ind_PAC_ID",
        "lst_nm",
        "frst_nm",
        "mid_nm",
        "Cred",
        "pri_spec",
        "sec_spec_1",
        "sec_spec_2",
        "sec_spec_all",
        "org_nm",
        "adr_ln_1",
        "cty",
        "st",
        "zip",
        "phn_numbr",
    ]
    row = [
        "1215911011",
        "9638060049",
        "PEREZ-RODRIGUEZ",
        "SOCRATES",
        "",
        "MD",
        "INTERNAL MEDICINE",
        "CARDIOLOGY",
        "",
        "CARDIOLOGY",
        "",
        "870 111TH AVE N",
        "NAPLES",
        "FL",
        "341081869",
        "2395550100",
    ]
    mapping = suggest_mapping(headers, [row])
    assert mapping["first_name"] == "frst_nm" and mapping["last_name"] == "lst_nm"
    assert mapping["specialty"] == ["pri_spec", "sec_spec_1", "sec_spec_2"]
    assert (mapping["city"], mapping["region"], mapping["postal_code"], mapping["phone"]) == (
        "cty",
        "st",
        "zip",
        "phn_numbr",
    )
    assert mapping["credentials"] == mapping["profession"] == "Cred"
    assert "full_name" not in mapping  # org_nm is the group's name, not the clinician's


def test_numbered_columns_form_families():
    headers = ["NPI", "Code_1", "Code_2", "Code_10", "sec_spec_1", "sec_spec_2", "Phone"]
    found = families(headers)
    assert [f.members for f in found] == [
        ("Code_1", "Code_2", "Code_10"),
        ("sec_spec_1", "sec_spec_2"),
    ]
    assert found[0].label == "Code_1 … 10 (3 columns)"


def test_headers_are_read_as_words_not_substrings():
    assert header_words("Provider Business Mailing Address") == (
        "provider",
        "business",
        "mailing",
        "address",
    )
    assert header_words("E-mail") == ("email",)
    assert header_words("frst_nm") == ("first", "name")
    assert header_words("phoneNumber") == ("phone", "number")


def test_form_choices_encode_one_column_or_several():
    headers = ["A", "B_1", "B_2", '["odd"]']
    assert encode_choice("A") == "A" and decode_choice("A", headers) == "A"
    assert decode_choice(encode_choice(["B_1", "B_2"]), headers) == ["B_1", "B_2"]
    assert decode_choice('["odd"]', headers) == '["odd"]'  # a real header wins
    assert decode_choice("[not json", headers) == "[not json"


def _sample(name: str) -> tuple[list[str], list[list[str]]]:
    with data_file(name).open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        headers = [h.strip() for h in next(reader)]
        rows = []
        for row in reader:
            if any(c.strip() for c in row):
                rows.append([c.strip() for c in row])
            if len(rows) == 50:
                break
    return headers, rows


def test_the_full_nppes_file_maps_every_taxonomy_and_licence_with_its_state():
    headers, rows = _sample("nppes_sample.csv")
    assert len(headers) == 330
    mapping = suggest_mapping(headers, rows)
    for field, stem in (
        ("specialty", "Healthcare Provider Taxonomy Code_"),
        ("licence_number", "Provider License Number_"),
        ("licence_jurisdictions", "Provider License Number State Code_"),
        ("specialty_primary", "Healthcare Provider Primary Taxonomy Switch_"),
    ):
        assert mapping[field] == [f"{stem}{i}" for i in range(1, 16)]
    assert mapping["npi"] == "NPI"
    assert "email" not in mapping and "email_other" not in mapping
    assert "Fax" not in mapping["phone"] and "Fax" not in mapping["phone_other"]
    assert mapping["entity_type"] == "Entity Type Code"


@pytest.mark.parametrize(
    "name", ["cms_clinicians_maine.csv", "cms_clinicians_full_columns_sample.csv"]
)
def test_the_cms_files_map_names_npi_specialty_and_place(name):
    headers, rows = _sample(name)
    mapping = suggest_mapping(headers, rows)
    assert mapping["npi"] == "NPI"
    assert "licence_number" not in mapping and "email" not in mapping
    assert {"specialty", "city", "region", "postal_code"} <= set(mapping)
    assert "full_name" in mapping or {"first_name", "last_name"} <= set(mapping)
