"""Job postings: schema.org JobPosting objects, JSON, @graphs and HTML pages read into plain
values (unescaped, however often the source escaped them), with errors that name the field;
plain text from HTML; and the same names still importable from rounds.matching.understand."""

import gzip
import json
import os
import random
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from rounds.matching import knowledge, posting, understand
from rounds.matching.posting import Posting, PostingError, plain_text, read_posting
from rounds.matching.tests.shared_data import data_file


def _spec(reading) -> str | None:
    return knowledge.specialty(reading.specialties[0]).id if reading.specialties else None


# --- plain text ----------------------------------------------------------------------------------

def test_plain_text_unescapes_twice_and_keeps_paragraphs():
    raw = ("&amp;lt;p&amp;gt;&amp;lt;strong&amp;gt;Be part of it&amp;lt;/strong&amp;gt;"
           "&amp;lt;/p&amp;gt;\n&amp;lt;ul&amp;gt;&amp;lt;li&amp;gt;A&amp;amp;amp;E&amp;lt;/li"
           "&amp;gt;&amp;lt;li&amp;gt;ICU&amp;lt;/li&amp;gt;&amp;lt;/ul&amp;gt;")
    assert plain_text(raw) == "Be part of it\nA&E\nICU"


def test_plain_text_collapses_spaces_and_drops_scripts():
    assert plain_text("<div>  Hello\t <b>world</b>&nbsp;!</div><script>x()</script>") \
        == "Hello world !"
    assert plain_text("") == ""



# --- real data ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nhs_postings() -> list[dict]:
    path = data_file("nhs_job_postings_2020.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return random.Random(251).sample(rows, 600)


_CLINICAL_TITLE = re.compile(r"Nurse|Consultant|GP|Physiotherapist|Pharmacist|Psychologist|"
                             r"Therapist|Midwife|Dietitian|Radiographer")


def test_nhs_postings_are_read_and_clinical_titles_get_a_profession(nhs_postings):
    postings = [read_posting(row) for row in nhs_postings]  # never raises on real postings
    assert all(isinstance(p, Posting) for p in postings)
    clinical = [p for p in postings if _CLINICAL_TITLE.search(p.title)]
    misses = [p.title for p in clinical if p.reading.profession is None]
    print(f"{len(clinical) - len(misses)}/{len(clinical)} clinical titles read; misses: {misses}")
    assert len(clinical) >= 200
    assert len(misses) <= 0.15 * len(clinical), misses


def test_nhs_postings_carry_pay_place_and_dates(nhs_postings):
    posting = read_posting(nhs_postings[0])
    assert posting.pay_currency == "GBP"
    assert posting.pay_period == "year"
    assert posting.country == "GB"
    assert posting.date_posted is not None
    assert posting.identifier
    assert "&lt;" not in posting.description and "<p>" not in posting.description


# --- read_posting -----------------------------------------------------------------------------

def _posting(**changes) -> dict:
    data = {
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": "Locum Emergency Physician",
        "description": "&lt;p&gt;ACLS required. Licensed in Alberta. 5 years experience."
                       "&lt;/p&gt;",
        "identifier": {"@type": "PropertyValue", "name": "Rounds", "value": "J-42"},
        "employmentType": ["FULL_TIME", "TEMPORARY"],
        "hiringOrganization": {"@type": "Organization", "name": "Prairie Health"},
        "datePosted": "2025-03-01T09:00:00+0100", "validThrough": "2025-04-01",
        "baseSalary": {"@type": "MonetaryAmount", "currency": "CAD",
                       "value": {"@type": "QuantitativeValue", "minValue": "180",
                                 "maxValue": 220, "unitText": "HOUR"}},
        "jobLocation": [{"@type": "Place", "address": {
            "@type": "PostalAddress", "addressLocality": "Red Deer", "addressRegion": "AB",
            "postalCode": "T4N 1A1", "addressCountry": "CA"},
            "geo": {"@type": "GeoCoordinates", "latitude": "52.27", "longitude": -113.81}}],
    }
    data.update(changes)
    return data


def test_read_posting_reads_every_field():
    p = read_posting(_posting())
    assert (p.title, p.identifier, p.hiring_organization) == (
        "Locum Emergency Physician", "J-42", "Prairie Health")
    assert p.description == "ACLS required. Licensed in Alberta. 5 years experience."
    assert (p.pay_min, p.pay_max, p.pay_currency, p.pay_period) == (
        Decimal("180"), Decimal("220"), "CAD", "hour")
    assert (p.city, p.region, p.postal_code, p.country) == ("Red Deer", "AB", "T4N 1A1", "CA")
    assert (p.latitude, p.longitude) == (52.27, -113.81)
    assert str(p.date_posted) == "2025-03-01" and str(p.valid_through) == "2025-04-01"
    assert p.employment_type == "locum"  # "Locum" in the title beats FULL_TIME
    assert p.reading.profession == "physician"
    assert _spec(p.reading) == "emergency_medicine"
    assert p.reading.certifications == ["acls"]
    assert p.reading.jurisdictions == ["CA-AB"]
    assert p.reading.years_experience == 5
    assert p.warnings == []


@pytest.mark.parametrize(("value", "expected"), [
    ("JP-1", "JP-1"), (915787195, "915787195"), ({"value": 7}, "7"), (None, ""),
])
def test_identifier_may_be_text_a_number_or_a_property_value(value, expected):
    assert read_posting(_posting(identifier=value)).identifier == expected


@pytest.mark.parametrize(("schema", "employment"), [
    ("FULL_TIME", "permanent"), ("PART_TIME", "part_time"), ("CONTRACTOR", "contract"),
    ("TEMPORARY", "contract"), ("PER_DIEM", "per_diem"), (["PART_TIME", "FULL_TIME"],
                                                           "part_time"),
])
def test_schema_employment_types(schema, employment):
    p = read_posting(_posting(title="Registered Nurse", employmentType=schema))
    assert p.employment_type == employment


def test_bank_in_the_title_overrides_temporary():
    p = read_posting(_posting(title="Bank Staff Nurse", employmentType="TEMPORARY"))
    assert p.employment_type == "per_diem"


def test_read_posting_accepts_json_text_bytes_graphs_lists_and_html_pages():
    data = _posting()
    text = json.dumps(data)
    graph = {"@context": "https://schema.org",
             "@graph": [{"@type": "Organization", "name": "Prairie Health"}, data]}
    page = ("<html><head><script type=\"application/ld+json\">"
            + json.dumps({"@type": "WebPage"}) + "</script><script type='application/ld+json'>"
            + text + "</script></head><body><h1>Job</h1></body></html>")
    for source in (text, text.encode(), graph, [{"@type": "Organization"}, data], page):
        assert read_posting(source).identifier == "J-42"


def test_weekly_pay_keeps_the_amount_and_warns():
    salary = {"@type": "MonetaryAmount", "currency": "USD",
              "value": {"@type": "QuantitativeValue", "value": 2400, "unitText": "WEEK"}}
    p = read_posting(_posting(baseSalary=salary))
    assert p.pay_min == p.pay_max == Decimal("2400")
    assert p.pay_period is None
    assert any("week" in w for w in p.warnings)


def test_a_posting_with_nothing_recognisable_says_so():
    p = read_posting(_posting(title="Senior Data Analyst", description="SQL and dashboards."))
    assert not p.reading.recognised
    assert any("Nothing recognisable" in w for w in p.warnings)


@pytest.mark.parametrize(("source", "message"), [
    ('{"title": "Nurse",, }', r"^not JSON: .* at line 1 column \d+"),
    ("", "^empty"),
    (b"\xff\xfe\x00", "^not UTF-8"),
    ("<html><body>No data</body></html>", "ld\\+json"),
    ({"@type": "JobPosting", "description": "x"}, "^title: required"),
    ({"@type": "JobPosting", "title": ["Nurse"]}, "^title: expected text, got a list"),
    ({"@type": "Organization", "name": "x"}, "^@type: expected JobPosting, got Organization"),
    ([{"@type": "Organization"}, {"@type": "WebPage"}], "^list: none of its 2 item"),
    ([_posting(), _posting()], "^list: 2 JobPostings, expected one"),
    ({"@graph": [{"@type": "Organization"}]}, "^@graph: none of its 1 item"),
    (42, "^expected a JobPosting object"),
])
def test_unusable_postings_raise_errors_that_name_what_failed(source, message):
    with pytest.raises(PostingError, match=message):
        read_posting(source)


@pytest.mark.parametrize(("changes", "message"), [
    ({"jobLocation": {"address": {"postalCode": ["T4N"]}}},
     r"^jobLocation\.address\.postalCode: expected text, got a list"),
    ({"jobLocation": [{"geo": {"latitude": "north", "longitude": 1}}]},
     r"^jobLocation\[0\]\.geo\.latitude: expected a number, got 'north'"),
    ({"jobLocation": {"geo": {"latitude": 95, "longitude": 1}}},
     r"^jobLocation\.geo\.latitude: 95\.0 is out of range"),
    ({"jobLocation": "Red Deer"}, r"^jobLocation: expected a Place, got str"),
    ({"baseSalary": {"currency": "CAD", "value": {"minValue": "lots"}}},
     r"^baseSalary\.value\.minValue: expected a number, got 'lots'"),
    ({"baseSalary": {"currency": "CAD", "value": {"minValue": 9, "maxValue": 1}}},
     r"^baseSalary\.value: minValue 9 is above maxValue 1"),
    ({"baseSalary": [1, 2][0:0] or True}, r"^baseSalary: expected a MonetaryAmount"),
    ({"identifier": [["x"]]}, r"^identifier: expected text, a number or a PropertyValue"),
    ({"identifier": {"value": {"x": 1}}}, r"^identifier\.value: expected text or a number"),
    ({"employmentType": [1]}, r"^employmentType: expected text"),
    ({"datePosted": "yesterday"}, r"^datePosted: not a date: 'yesterday'"),
    ({"hiringOrganization": {"name": 5.5}}, None),
    ({"description": {"text": "x"}}, r"^description: expected text, got an object"),
])
def test_wrong_types_raise_errors_that_name_the_field(changes, message):
    if message is None:  # a number where text is expected is accepted as text
        assert read_posting(_posting(**changes)).hiring_organization == "5.5"
        return
    with pytest.raises(PostingError, match=message):
        read_posting(_posting(**changes))


# --- text fields, and the names kept in understand ------------------------------------------------

def test_every_text_field_is_unescaped_however_often_it_was_escaped():
    p = read_posting(_posting(
        title="Staff Nurse &amp;amp; Team Lead",
        identifier="A&amp;B-1",
        hiringOrganization={"name": "North Cumbria &amp;amp; Whitehaven Trust"},
        jobLocation={"address": {"addressLocality": "St Martin&amp;#39;s Hospital, Canterbury",
                                 "addressRegion": "Carlisle &amp; Whitehaven",
                                 "postalCode": " CT1 &nbsp;1TD ", "addressCountry": "GB"}}))
    assert p.title == "Staff Nurse & Team Lead"
    assert p.identifier == "A&B-1"
    assert p.hiring_organization == "North Cumbria & Whitehaven Trust"
    assert (p.city, p.region, p.postal_code) == ("St Martin's Hospital, Canterbury",
                                                 "Carlisle & Whitehaven", "CT1 1TD")


def test_an_address_part_written_twice_is_given_once():
    twice = ("The Shrewsbury and Telford Hospital NHS Trust, The Shrewsbury and Telford "
             "Hospital NHS Trust")
    p = read_posting(_posting(jobLocation={"address": {"addressLocality": twice}}))
    assert p.city == "The Shrewsbury and Telford Hospital NHS Trust"
    p = read_posting(_posting(jobLocation={"address": "Telford, Shropshire, telford"}))
    assert p.city == "Telford, Shropshire"


def test_real_postings_have_no_entities_left_in_their_fields(nhs_postings):
    for row in nhs_postings:
        p = read_posting(row)
        for value in (p.title, p.city, p.region, p.hiring_organization, p.identifier):
            assert not re.search(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", value, re.I), value


def test_the_posting_names_are_still_importable_from_understand():
    assert understand.read_posting is posting.read_posting
    assert understand.Posting is Posting and understand.PostingError is PostingError
    assert understand.plain_text is plain_text


@pytest.mark.parametrize("first", ["rounds.matching.posting", "rounds.matching.understand"])
def test_either_module_can_be_imported_first(first):
    code = ("import django; django.setup(); import importlib; "
            f"importlib.import_module({first!r}); "
            "from rounds.matching.understand import read_posting; "
            "print(read_posting({'@type': 'JobPosting', 'title': 'RMN'}).reading.profession)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "rounds.settings"},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "registered_nurse"


# --- the postings the quality benchmark found hard ------------------------------------------------

@pytest.mark.parametrize(("title", "description", "profession", "specialty"), [
    ("Locum consultant Obstetrics Anaethetics",
     "<p>Applications are invited for a Locum Consultant Anaesthetist. Applicants must have a "
     "CCT in Anaesthesia. Interested anaesthetists may contact the Clinical Director.</p>",
     "physician", "anesthesiology"),
    ("Consultant Psychiatrist - St Martin&#39;s Hospital - Older Adult",
     "<p>Consultant Psychiatrist in Old Age Psychiatry.</p>", "physician",
     "geriatric_psychiatry"),
    ("Consultant Physician in Acute Medicine", "<p>Join our acute medical unit.</p>",
     "physician", "acute_medicine"),
    ("Bank Emergency Nurse Practitioner", "<p>Minor injuries, all ages.</p>",
     "nurse_practitioner", "np_emergency"),
    ("RMN", "<p>Mental health hospital.</p>", "registered_nurse", "nursing_mental_health"),
])
def test_hard_postings_read_as_a_recruiter_would(title, description, profession, specialty):
    p = read_posting(_posting(title=title, description=description))
    assert p.reading.profession == profession
    assert [knowledge.specialty(k).id for k in p.reading.specialties] == [specialty]
