"""Reading titles, CVs and job postings: what they say about profession, specialty, settings,
research experience, certifications, years, licences and employment type, and what they do
not say (no guessing on non-clinical titles, no matches inside other words)."""

import csv
import gzip
import json
import random
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from rounds.imports.fields import PROFESSION_INDEX, match_profession
from rounds.matching import knowledge
from rounds.matching.understand import (
    Posting,
    PostingError,
    plain_text,
    read,
    read_certification,
    read_posting,
    read_profession,
    read_specialty,
)

DATA = Path("/work/shared/data")


def _data_file(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent: real-data checks need the shared data folder")
    return path


def _spec(reading_or_key) -> str | None:
    key = reading_or_key if isinstance(reading_or_key, str) else (
        reading_or_key.specialties[0] if reading_or_key.specialties else None)
    return knowledge.specialty(key).id if key else None


def _ids(reading) -> list[str]:
    return [knowledge.specialty(k).id for k in reading.specialties]


# --- messy titles --------------------------------------------------------------------------

@pytest.mark.parametrize(("title", "profession", "specialty"), [
    ("RMN £3,000 Welcome Bonus", "registered_nurse", "nursing_mental_health"),
    ("BE/BC Hospitalist – Nocturnist", "physician", "hospitalist"),
    ("CERTIFIED REGISTERED NURSE ANESTHETIST (CRNA)", "registered_nurse", "nurse_anesthesia"),
    ("Band 5 Staff Nurse – Acute Medicine", "registered_nurse", "nursing_medical_surgical"),
    ("Salaried GP", "physician", "family_medicine"),
    ("Salaried GP - Northwick Park", "physician", "family_medicine"),
    ("Consultant Cardiologist", "physician", "cardiology"),
    ("Locum Consultant in Respiratory Medicine", "physician", "pulmonary_disease"),
    ("Specialty Doctor in Psychiatry", "physician", "psychiatry"),
    ("Bank Band 5cc A&amp;E Registered Nurse", "registered_nurse", "nursing_emergency"),
    ("Critical Care Bank Nurse(RN00)- ITU", "registered_nurse", "nursing_critical_care"),
    ("Orthopaedic Physiotherapist", "physiotherapist", "physiotherapy_msk"),
    ("Band 6 Speech and Language Therapist", "speech_language_pathologist", "slp_general"),
    ("Theatre Practitioner - Anaesthetics", "registered_nurse", "nursing_perioperative"),
    ("Consultant Renal Transplant Surgeon", "physician", "transplant_surgery"),
    ("Neonatal Staff Nurse", "registered_nurse", "nursing_neonatal_icu"),
    ("Health Visitor", "registered_nurse", "nursing_public_health"),
    ("District Nurse", "registered_nurse", "nursing_community"),
    ("Staff Nurse (RMN/RNLD)", "registered_nurse", "nursing_mental_health"),
    ("Consultant Obs & Gynae", "physician", "obstetrics_gynecology"),
    ("ENT Consultant", "physician", "otolaryngology"),
    ("Consultant in Care of the Elderly", "physician", "geriatric_medicine"),
    ("Paediatric Staff Nurse - PICU", "registered_nurse", "nursing_pediatric"),
    ("Clinical Research Coordinator – Oncology, Phase I unit", "clinical_research_coordinator",
     "crc_site_coordination"),
    ("Senior CRA (home-based), sponsor", "clinical_research_associate", "cra_monitoring"),
    ("Family Nurse Practitioner (FNP-C)", "nurse_practitioner", "np_family"),
    ("PMHNP - Telepsychiatry", "nurse_practitioner", "np_psychiatric"),
    ("Emergency Medicine PA-C", "physician_assistant", "pa_medical"),
    ("Registered Practical Nurse - Long Term Care", "practical_nurse",
     "practical_nursing_long_term_care"),
    ("Clinical Pharmacist - Critical Care", "pharmacist", "pharmacy_clinical"),
    ("Senior Clinical Psychologist", "psychologist", "psychology_clinical"),
    ("MRI Radiographer", "radiographer", "radiography_mri"),
    ("Echocardiographer", "sonographer", "sonography_cardiac"),
])
def test_messy_titles_give_profession_and_primary_specialty(title, profession, specialty):
    reading = read("", title=title)
    assert reading.profession == profession
    assert _spec(reading) == specialty
    assert reading.recognised


def test_hospitalist_nocturnist_names_both_specialties():
    reading = read("", title="BE/BC Hospitalist – Nocturnist")
    assert _ids(reading)[:2] == ["hospitalist", "nocturnist"]
    assert "board_certified" in reading.certifications


def test_a_cms_specialty_name_is_a_physician_specialty():
    assert read_profession("FAMILY PRACTICE") == "physician"
    assert read_specialty("FAMILY PRACTICE").id == "family_medicine"


@pytest.mark.parametrize(("title", "profession"), [
    ("Ward Clerk", "front_office"),
    ("Receptionist", "front_office"),
    ("Medical Secretary", "medical_office_assistant"),
    ("Medical Office Assistant (MOA)", "medical_office_assistant"),
    ("Practice Manager", "practice_manager"),
    ("Bank Medical Records Clerk- Winchester", "front_office"),
])
def test_administrative_titles_map_to_office_professions(title, profession):
    assert read("", title=title).profession == profession


@pytest.mark.parametrize("title", [
    "Senior Data Analyst", "Chef", "Estates Manager", "Finance Business Partner",
    "Server and Systems Administrator", "Carpenter", "Project Manager", "Domestic Assistant",
])
def test_non_clinical_titles_are_not_recognised(title):
    description = ("Join our NHS trust, working alongside nurses, doctors and the emergency "
                   "department team in our busy acute hospital. Cardiology and oncology wards.")
    reading = read(description, title=title)
    assert not reading.recognised, (reading.profession, reading.specialties)


def test_an_administrator_title_is_front_office_or_nothing_but_never_a_physician():
    reading = read("", title="Performance &amp; Assurance Team Administrator")
    assert reading.profession in (None, "front_office")


@pytest.mark.parametrize("title", [
    "Estates Manager", "Deputy General Manager", "Finance Manager - Required Urgently",
    "Payroll Officer", "Paying Agent", "IT Support Analyst", "Gpx Engineer",
])
def test_short_abbreviations_are_not_found_inside_words(title):
    reading = read("", title=title)
    assert "emergency" not in reading.settings
    assert reading.profession not in ("physician", "physician_assistant")
    assert not any(knowledge.specialty(k).id == "emergency_medicine"
                   for k in reading.specialties)


def test_lowercase_words_are_not_read_as_capitalised_abbreviations():
    # "ed", "er", "pa", "do", "or" are words; only ED, ER, PA, DO, OR are abbreviations.
    reading = read("I have worked in an ed and an er; do or pa", title="Volunteer")
    assert not reading.recognised
    assert read("", title="ER Nurse").settings == ["emergency"]


def test_a_nurse_consultant_is_a_nurse_and_a_consultant_nurse_too():
    assert read("", title="Nurse Consultant - Sepsis").profession == "registered_nurse"
    assert read("", title="Consultant Nurse").profession == "registered_nurse"
    assert read("", title="Consultant Clinical Psychologist").profession == "psychologist"


def test_roles_that_only_sound_like_nurses_are_not_registered_nurses():
    for title in ("Nursery Nurse", "Dental Nurse", "Student Nurse", "Health Care Assistant",
                  "Nursing Assistant"):
        assert read("", title=title).profession == "other", title


def test_the_body_fills_the_profession_when_the_title_names_only_a_department():
    reading = read("We are looking for a registered nurse for our intensive care unit. "
                   "Registered nurses with ICU experience are encouraged to apply. "
                   "The successful nurse will join the ICU team.",
                   title="Band 5 - Intensive Care Unit")
    assert reading.profession == "registered_nurse"
    assert _spec(reading) == "nursing_critical_care"


def test_the_body_fills_profession_and_specialty_when_there_is_no_title():
    reading = read("Experienced hospitalist. Board certified internist, 6 years of "
                   "hospital medicine experience, nocturnist shifts welcome.")
    assert reading.profession == "physician"
    assert _spec(reading) == "hospitalist"
    assert reading.years_experience == 6


def test_the_title_wins_over_the_body():
    reading = read("You will supervise nurses and healthcare assistants.",
                   title="Consultant Cardiologist")
    assert reading.profession == "physician"
    assert _ids(reading) == ["cardiology"]


# --- settings, research, certifications --------------------------------------------------------

@pytest.mark.parametrize(("title", "setting"), [
    ("Critical Care Nurse", "icu"),
    ("A&amp;E Staff Nurse", "emergency"),
    ("Community Staff Nurse", "community_clinic"),
    ("Staff Nurse - Ward 12", "hospital_inpatient"),
    ("Senior CRA, CRO", "sponsor_cro"),
    ("Research Coordinator - research site", "research_site"),
    ("Nursing Home RN", "long_term_care"),
    ("Telehealth Physician", "virtual"),
    ("Rural Family Physician", "rural"),
])
def test_settings_are_read_from_titles(title, setting):
    assert setting in read("", title=title).settings


def test_research_experience_is_read_as_areas_phases_and_side():
    reading = read(
        "Three years of site experience coordinating first-in-human and phase II oncology "
        "trials; ICH-GCP certified; experience with CAR-T and solid tumours. Our investigator "
        "site runs dose escalation studies.",
        title="Clinical Research Coordinator")
    assert reading.profession == "clinical_research_coordinator"
    assert reading.trial_phases[:2] == ["phase_1", "phase_2"]
    assert "oncology" in reading.therapeutic_areas
    assert "gcp" in reading.certifications
    assert reading.research_side == "site"
    assert reading.years_experience == 3


@pytest.mark.parametrize(("text", "phase"), [
    ("phase I", "phase_1"), ("Phase 1b", "phase_1"), ("FIH study", "phase_1"),
    ("first-in-human", "phase_1"), ("phase IIb", "phase_2"), ("pivotal phase III", "phase_3"),
    ("post-marketing surveillance", "phase_4"), ("Phase IV", "phase_4"),
])
def test_trial_phases_in_their_usual_spellings(text, phase):
    assert phase in read(f"Experience with {text} trials.", title="CRA").trial_phases


def test_sponsor_side_words_make_a_sponsor_reading():
    reading = read("Monitoring visits for a global CRO and pharmaceutical sponsors.",
                   title="Clinical Research Associate II")
    assert reading.research_side == "sponsor"
    assert "sponsor_cro" in reading.settings


def test_cns_and_cardiovascular_therapeutic_areas():
    reading = read("Monitored CNS (Alzheimer's, epilepsy) and cardiovascular studies.",
                   title="Senior CRA")
    assert {"neuroscience", "cardiovascular"} <= set(reading.therapeutic_areas)


@pytest.mark.parametrize(("text", "key"), [
    ("ACLS", "acls"), ("PALS certified", "pals"), ("BLS for Healthcare Providers", "bls"),
    ("ICH-GCP", "gcp"), ("CCRP (SoCRA)", "ccrp"), ("CCFP(EM)", "ccfp_em"), ("FRCPC", "frcpc"),
    ("MRCGP", "mrcgp"), ("NRP", "nrp"), ("TNCC", "tncc"), ("CEN", "cen"), ("CCRN", "ccrn"),
    ("CNOR", "cnor"), ("ABIM board certified", "abim"), ("DEA registration", "dea"),
    ("acls", "acls"),
])
def test_certifications_are_read_with_their_synonyms(text, key):
    assert read_certification(text) == key


def test_a_board_certification_names_its_specialty():
    assert read_specialty("FRCPC (Internal Medicine)").id == "internal_medicine"
    assert read_specialty("CCFP").id == "family_medicine"
    assert read_certification("Random words") is None


# --- profession and specialty of short texts ---------------------------------------------

@pytest.mark.parametrize(("text", "profession"), [
    ("MD", "physician"), ("Family physician", "physician"), ("RN", "registered_nurse"),
    ("RPN", "practical_nurse"), ("CRNA", "registered_nurse"), ("PA-C", "physician_assistant"),
    ("NP", "nurse_practitioner"), ("M.D., CCFP", "physician"),
    ("Registered Nurse", "registered_nurse"), ("PHYSICIAN ASSISTANT", "physician_assistant"),
    ("CLINICAL SOCIAL WORKER", "social_worker"), ("RN, MSN, FNP-C", "nurse_practitioner"),
    ("P.A.-C", "physician_assistant"), ("D.O.", "physician"), ("LPN", "practical_nurse"),
    ("LVN", "practical_nurse"), ("MOA", "medical_office_assistant"),
    ("CRA", "clinical_research_associate"), ("Clinical monitor", "clinical_research_associate"),
    ("receptionist", "front_office"), ("PharmD", "pharmacist"), ("RGN", "registered_nurse"),
    ("Staff nurse", "registered_nurse"), ("Consultant", "physician"),
    ("OPTOMETRY", "other"), ("rn", "registered_nurse"), ("pa-c", "physician_assistant"),
])
def test_read_profession(text, profession):
    assert read_profession(text) == profession


def test_read_profession_says_nothing_about_nothing():
    for text in ("", "Chef", "Senior Data Analyst", "Ph.D."):
        assert read_profession(text) is None, text


def test_read_profession_is_at_least_as_good_as_the_import_guesser():
    """Every text the CSV import recognises gives the same profession here."""
    differences = []
    for key in PROFESSION_INDEX:
        for text in (key, key.upper(), key.title()):
            if match_profession(text) != read_profession(text):
                differences.append((text, match_profession(text), read_profession(text)))
    assert not differences


@pytest.mark.parametrize(("text", "specialty"), [
    ("FAMILY PRACTICE", "family_medicine"), ("Emerg", "emergency_medicine"),
    ("ICU nursing", "nursing_critical_care"), ("207Q00000X", "family_medicine"),
    ("Obs & Gynae", "obstetrics_gynecology"), ("OB/GYN", "obstetrics_gynecology"),
    ("ENT", "otolaryngology"), ("Anaesthetics", "anesthesiology"),
    ("anesthesiology", "anesthesiology"), ("orthopedic surgery", "orthopaedic_surgery"),
    ("Orthopaedics", "orthopaedic_surgery"), ("paediatrics", "pediatrics"),
    ("Renal", "nephrology"), ("Respiratory medicine", "pulmonary_disease"),
    ("care of the elderly", "geriatric_medicine"), ("Nocturnist", "nocturnist"),
    ("Hospitalist", "hospitalist"), ("ITU", "critical_care_medicine"),
    ("RMN", "nursing_mental_health"), ("RNLD", "nursing_learning_disability"),
    ("NICU", "neonatology"), ("health visitor", "nursing_public_health"),
])
def test_read_specialty(text, specialty):
    assert read_specialty(text).id == specialty


def test_read_specialty_of_nothing_is_none():
    assert read_specialty("") is None
    assert read_specialty("Chef") is None


# --- years, jurisdictions, employment type -------------------------------------------------

@pytest.mark.parametrize(("text", "years"), [
    ("5+ years of experience", 5),
    ("minimum of 3 years' experience in acute care", 3),
    ("2 yrs ICU", 2),
    ("three years post-registration experience", 3),
    ("At least two years experience as a staff nurse", 2),
    ("3-5 years experience", 3),
])
def test_years_of_experience(text, years):
    assert read(text, title="Registered Nurse").years_experience == years


@pytest.mark.parametrize("text", [
    "This is a 3 years fixed term post. " + "Our team supports patients. " * 20,
    "Salary £35,000 - £42,000 per annum. " + "We support patients across the region. " * 20,
    "We are a provider with over 30 years' experience of delivering care. " + "x " * 200,
    "Funding is available for the next 2 years. " + "Join us. " * 40,
])
def test_contract_lengths_salaries_and_company_history_are_not_experience(text):
    assert read(text, title="Staff Nurse").years_experience is None


@pytest.mark.parametrize(("text", "codes"), [
    ("Must be licensed in Alberta.", ["CA-AB"]),
    ("Eligible for CPSA licensure.", ["CA-AB"]),
    ("Texas license required; Oklahoma licence a plus.", ["US-TX", "US-OK"]),
    ("Active RN license in the state of New York.", ["US-NY"]),
    ("Registration with the College of Nurses of Ontario", ["CA-ON"]),
    ("We are in Alberta and value teamwork.", []),
])
def test_licensing_jurisdictions(text, codes):
    assert read(text, title="Physician").jurisdictions == codes


@pytest.mark.parametrize(("title", "body", "employment"), [
    ("Locum Consultant Psychiatrist", "", "locum"),
    ("Bank Staff Nurse", "", "per_diem"),
    ("Per Diem RN", "", "per_diem"),
    ("Part-time Receptionist", "", "part_time"),
    ("Staff Nurse - Fixed Term", "", "contract"),
    ("Staff Nurse", "This is a permanent, full time post.", "permanent"),
    ("Staff Nurse", "Join our staff bank to pick up bank shifts.", "per_diem"),
])
def test_employment_type_from_words(title, body, employment):
    assert read(body, title=title).employment_type == employment


def test_evidence_says_what_was_recognised_as_what():
    reading = read("", title="RMN £3,000 Welcome Bonus")
    assert reading.evidence == {"RMN": "Mental health nursing"}


def test_readings_are_independent_copies():
    first = read("", title="Registered Nurse")
    first.specialties.append("207Q00000X")
    first.profession = "physician"
    assert read("", title="Registered Nurse").profession == "registered_nurse"
    assert "207Q00000X" not in read("", title="Registered Nurse").specialties


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

def test_every_cms_primary_specialty_in_maine_is_recognised():
    with _data_file("cms_clinicians_maine.csv").open(newline="", encoding="utf-8") as f:
        values = sorted({row["Primary Specialty"].strip() for row in csv.DictReader(f)} - {""})
    misses = []
    for value in values:
        profession = read_profession(value)
        specialty = read_specialty(value)
        if profession is None:
            misses.append((value, "no profession"))
        elif profession == "physician" and (specialty is None
                                            or specialty.profession != "physician"):
            misses.append((value, "no physician specialty"))
    assert not misses, f"{len(misses)} of {len(values)} not recognised: {misses}"
    assert len(values) >= 70


def test_nppes_taxonomy_codes_resolve_to_specialties():
    with _data_file("nppes_sample.csv").open(newline="", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f)
                if row["Entity Type Code"].split(".")[0] == "1"]
    codes = [row["Healthcare Provider Taxonomy Code_1"] for row in rows
             if row["Healthcare Provider Taxonomy Code_1"]]
    misses = Counter(code for code in codes if knowledge.specialty(code) is None)
    rate = 1 - sum(misses.values()) / len(codes)
    assert rate >= 0.95, f"{rate:.1%} resolved; misses: {misses.most_common()}"


def test_nppes_credentials_name_a_profession():
    with _data_file("nppes_sample.csv").open(newline="", encoding="utf-8") as f:
        credentials = [row["Provider Credential Text"] for row in csv.DictReader(f)
                       if row["Entity Type Code"].split(".")[0] == "1"
                       and row["Provider Credential Text"].strip()]
    misses = Counter(c for c in credentials if read_profession(c) is None)
    rate = 1 - sum(misses.values()) / len(credentials)
    assert rate >= 0.95, f"{rate:.1%} read; misses: {misses.most_common()}"


def test_nppes_taxonomy_and_credential_agree_on_physicians():
    with _data_file("nppes_sample.csv").open(newline="", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f)
                if row["Entity Type Code"].split(".")[0] == "1"]
    disagree = []
    for row in rows:
        if read_profession(row["Provider Credential Text"]) != "physician":
            continue
        found = knowledge.specialty(row["Healthcare Provider Taxonomy Code_1"])
        if found is not None and found.profession not in ("physician", "other"):
            disagree.append((row["Provider Credential Text"], found.name))
    assert len(disagree) <= 3, disagree


@pytest.fixture(scope="module")
def nhs_postings() -> list[dict]:
    path = _data_file("nhs_job_postings_2020.jsonl.gz")
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
