"""What happens to a row: registry exports (NPPES-style columns, trimmed) import with the
suggested mapping; an unreadable optional value is a warning and the row still imports;
organizations and empty records are skipped with a reason; licences keep their states; the
primary switch marks the primary specialty; NPIs are checked and never imported twice."""

from rounds.candidates.models import Candidate, ContactPoint
from rounds.imports import actions, tasks
from rounds.imports.choices import ImportStatus, RowOutcome
from rounds.imports.models import ImportRowIssue

from .conftest import csv_bytes, upload

HEADER = [
    "NPI",
    "Entity Type Code",
    "Provider Organization Name (Legal Business Name)",
    "Provider Last Name (Legal Name)",
    "Provider First Name",
    "Provider Credential Text",
    "Provider First Line Business Mailing Address",
    "Provider Business Mailing Address City Name",
    "Provider Business Mailing Address State Name",
    "Provider Business Mailing Address Postal Code",
    "Provider Business Mailing Address Telephone Number",
    "Provider Business Practice Location Address Postal Code",
    "Provider Business Practice Location Address Telephone Number",
    "Healthcare Provider Taxonomy Code_1",
    "Provider License Number_1",
    "Provider License Number State Code_1",
    "Healthcare Provider Primary Taxonomy Switch_1",
    "Healthcare Provider Taxonomy Code_2",
    "Provider License Number_2",
    "Provider License Number State Code_2",
    "Healthcare Provider Primary Taxonomy Switch_2",
]


def provider(**over) -> list[str]:
    row = {
        "NPI": "1679576722",
        "Entity Type Code": "1.0",
        "Provider Last Name (Legal Name)": "WIEBE",
        "Provider First Name": "DAVID",
        "Provider Credential Text": "M.D.",
        "Provider First Line Business Mailing Address": "PO BOX 2168",
        "Provider Business Mailing Address City Name": "KEARNEY",
        "Provider Business Mailing Address State Name": "NE",
        "Provider Business Mailing Address Postal Code": "688482168.0",
        "Provider Business Mailing Address Telephone Number": "3088652599.0",
        "Provider Business Practice Location Address Postal Code": "688472944.0",
        "Provider Business Practice Location Address Telephone Number": "3088652512.0",
        "Healthcare Provider Taxonomy Code_1": "207X00000X",
        "Provider License Number_1": "12637",
        "Provider License Number State Code_1": "NE",
        "Healthcare Provider Primary Taxonomy Switch_1": "Y",
    }
    row.update(over)
    return [row.get(h, "") for h in HEADER]


def run(org, recruiter, rows, header=HEADER):
    batch = actions.do_create_batch(org.pk, upload(csv_bytes(rows, header=header)), actor=recruiter)
    actions.do_start_import(batch, batch.mapping, actor=recruiter)
    return tasks.run_import(batch.pk)


def report(batch, outcome):
    return [
        (i.line_number, i.field, i.message)
        for i in ImportRowIssue.objects.filter(batch=batch, outcome=outcome).order_by("line_number")
    ]


def test_trimmed_registry_columns_import_with_the_suggested_mapping(org, recruiter):
    batch = run(org, recruiter, [provider()])
    assert "email" not in batch.mapping  # the mailing address is not an email
    assert batch.mapping["npi"] == "NPI"
    assert batch.mapping["licence_number"] == "Provider License Number_1" or batch.mapping[
        "licence_number"
    ] == ["Provider License Number_1", "Provider License Number_2"]
    assert (batch.status, batch.created_count, batch.error_count) == (ImportStatus.COMPLETED, 1, 0)
    wiebe = Candidate.objects.get()
    assert (wiebe.first_name, wiebe.last_name, wiebe.npi, wiebe.phone) == (
        "David",
        "Wiebe",
        "1679576722",
        "+13088652512",
    )
    assert wiebe.postal_code == "68847-2944" and wiebe.country == "US"
    assert list(wiebe.licences.values_list("jurisdiction", "number")) == [("US-NE", "12637")]
    assert list(ContactPoint.objects.filter(candidate=wiebe).values_list("value", flat=True)) == [
        "+13088652599"
    ]


PRACTICE_PHONE = "Provider Business Practice Location Address Telephone Number"
COLLEAGUES = [  # real NPIs, other people
    ("1588667638", "PILCHER"),
    ("1215930367", "GRESSOT"),
    ("1932102084", "ADUSUMILLI"),
    ("1750384806", "BISBEE"),
]


def colleagues() -> list[list[str]]:
    return [
        provider(
            NPI=npi,
            **{
                "Provider Last Name (Legal Name)": name,
                "Provider License Number_1": f"L-{name}",
                PRACTICE_PHONE: f"308865{2520 + i}.0",
                "Provider Business Mailing Address Telephone Number": "",
            },
        )
        for i, (npi, name) in enumerate(COLLEAGUES)
    ]


def test_an_unreadable_optional_phone_is_a_warning_and_the_row_imports(org, recruiter):
    rows = [
        provider(
            **{
                "Provider Business Practice Location Address Telephone Number": "12.5",
                "Provider Business Mailing Address Telephone Number": "",
            }
        ),
        *colleagues(),
    ]
    batch = run(org, recruiter, rows)
    assert (batch.created_count, batch.warning_count, batch.error_count) == (5, 1, 0)
    [(line, field, message)] = report(batch, RowOutcome.WARNING)
    assert (line, field) == (2, "phone") and "“12.5”" in message
    assert Candidate.objects.get(npi="1679576722").phone == ""


def test_an_npi_with_a_wrong_check_digit_is_a_warning(org, recruiter):
    batch = run(org, recruiter, [provider(NPI="1679576723"), *colleagues()])
    assert batch.created_count == 5
    [(_line, field, message)] = report(batch, RowOutcome.WARNING)
    assert field == "npi" and "check digit" in message and "without the NPI" in message
    assert Candidate.objects.get(last_name="Wiebe").npi == ""


def test_organizations_and_empty_records_are_skipped_with_one_reason_each(org, recruiter):
    rows = [
        provider(),
        provider(
            NPI="1588667638",
            **{
                "Entity Type Code": "2.0",
                "Provider Last Name (Legal Name)": "",
                "Provider First Name": "",
                "Provider Credential Text": "",
                "Provider Organization Name (Legal Business Name)": "KEARNEY CLINIC PC",
            },
        ),
        [""] * 0 + ["1306849450"] + [""] * (len(HEADER) - 1),  # a deactivated NPI
    ]
    batch = run(org, recruiter, rows)
    assert (batch.created_count, batch.skipped_count, batch.error_count) == (1, 2, 0)
    assert report(batch, RowOutcome.SKIPPED) == [
        (3, "", "An organization (entity type 2), not a person: organizations are not candidates."),
        (4, "", "No name, email or phone in this row: nothing to import."),
    ]


def test_every_licence_keeps_its_state_and_the_switch_marks_the_primary(org, recruiter):
    row = provider(
        **{
            "Healthcare Provider Primary Taxonomy Switch_1": "N",
            "Healthcare Provider Taxonomy Code_2": "207RC0000X",
            "Provider License Number_2": "032024",
            "Provider License Number State Code_2": "GA",
            "Healthcare Provider Primary Taxonomy Switch_2": "Y",
        }
    )
    run(org, recruiter, [row])
    c = Candidate.objects.get()
    assert list(c.specialties.order_by("-is_primary").values_list("code", "is_primary")) == [
        ("207RC0000X", True),
        ("207X00000X", False),
    ]
    assert sorted(c.licences.values_list("jurisdiction", "number")) == [
        ("US-GA", "032024"),
        ("US-NE", "12637"),
    ]


def test_a_licence_without_a_state_takes_the_rows_state_or_is_a_warning(org, recruiter):
    header = ["First", "Last", "Profession", "State", "Licence number"]
    batch = run(
        org,
        recruiter,
        [["Ana", "Silva", "RN", "TX", "RN123"], ["Bo", "Berg", "RN", "", "RN456"]],
        header=header,
    )
    assert batch.created_count == 2
    assert list(
        Candidate.objects.get(first_name="Ana").licences.values_list("jurisdiction", "number")
    ) == [("US-TX", "RN123")]
    assert not Candidate.objects.get(first_name="Bo").licences.exists()
    [(line, field, message)] = report(batch, RowOutcome.WARNING)
    assert (line, field) == (3, "licence_number") and "RN456" in message


def test_the_same_npi_is_not_imported_twice(org, recruiter):
    first = run(org, recruiter, [provider(), provider(**{"Provider First Name": "DAVE"})])
    assert (first.created_count, first.duplicate_count) == (1, 1)
    assert report(first, RowOutcome.DUPLICATE) == [(3, "npi", "Same NPI as line 2.")]
    # Another file, other cells, the same NPI: already in the pool.
    other = run(org, recruiter, [provider(**{"Provider Credential Text": "MD, FACP"})])
    assert (other.created_count, other.unchanged_count) == (0, 1)
    assert report(other, RowOutcome.UNCHANGED) == [
        (2, "npi", "NPI 1679576722 is already in the pool (David Wiebe).")
    ]


def test_colleagues_sharing_a_practice_phone_are_not_duplicates(org, recruiter):
    batch = run(
        org,
        recruiter,
        [
            provider(),
            provider(
                NPI="1588667638",
                **{
                    "Provider Last Name (Legal Name)": "PILCHER",
                    "Provider First Name": "WILLIAM",
                    "Provider License Number_1": "ME68414",
                },
            ),
        ],
    )
    assert (batch.created_count, batch.duplicate_count) == (2, 0)


def test_a_row_matching_a_secondary_contact_point_is_a_likely_duplicate(org, recruiter, candidate):
    ContactPoint.objects.create(
        organization=org,
        candidate=candidate,
        kind="phone",
        value="+13088652512",
        value_normalized="+13088652512",
    )
    batch = run(
        org,
        recruiter,
        [provider(NPI="", **{"Provider Business Mailing Address Telephone Number": ""})],
    )
    assert batch.duplicate_count == 1
    [(_line, field, message)] = report(batch, RowOutcome.DUPLICATE)
    assert field == "phone" and message == f"Same phone as {candidate.first_name} Okafor."


def test_a_credential_naming_no_profession_takes_the_taxonomys(org, recruiter):
    batch = run(
        org,
        recruiter,
        [
            provider(
                **{
                    "Provider Credential Text": "PH.D.",
                    "Healthcare Provider Taxonomy Code_1": "103TC0700X",
                }
            ),
            provider(
                NPI="1588667638",
                **{
                    "Provider Credential Text": "RN, MSN, CPNP",
                    "Provider Last Name (Legal Name)": "KAY",
                    "Healthcare Provider Taxonomy Code_1": "363LP0200X",
                },
            ),
        ],
    )
    assert batch.created_count == 2
    assert Candidate.objects.get(npi="1679576722").profession == "psychologist"
    # Read from its leading "RN" only: the pediatric NP taxonomy says more.
    assert Candidate.objects.get(npi="1588667638").profession == "nurse_practitioner"
    [(_line, field, message)] = report(batch, RowOutcome.WARNING)
    assert field == "profession" and "Psychologist, from the specialty" in message
