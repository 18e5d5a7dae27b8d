"""Reading titles, CVs and job postings: what they say about profession, specialty, settings,
research experience, certifications, years, licences and employment type, and what they do
not say (no guessing on non-clinical titles, no matches inside other words)."""

import csv
import gzip
import json
import random
import re
from collections import Counter

import pytest

from rounds.imports.fields import PROFESSION_INDEX, match_profession
from rounds.matching import knowledge
from rounds.matching import understand as u
from rounds.matching.tests.shared_data import DATA, data_file
from rounds.matching.understand import (
    read,
    read_certification,
    read_profession,
    read_specialty,
)


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


@pytest.mark.parametrize(("title", "specialties"), [
    ("Consultant Psychiatrist - St Martin's Hospital - Older Adult", ["geriatric_psychiatry"]),
    ("Consultant Psychiatrist - Older Adults", ["geriatric_psychiatry"]),
    ("Consultant Physician - Older Adults", ["geriatric_medicine"]),
    ("Consultant Physician in Acute Medicine", ["acute_medicine"]),
    ("Consultant Physician – Respiratory Medicine", ["pulmonary_disease"]),
    ("Consultant Psychiatrist CAMHS", ["child_adolescent_psychiatry"]),
    ("Staff Nurse - Older Adults", ["nursing_gerontology"]),
    ("Nurse Practitioner - Older Adults", ["np_adult_gerontology_primary", "np_general"]),
    # Two person titles: two specialties, as before.
    ("Cardiologist / Internist", ["cardiology", "internal_medicine"]),
    ("BE/BC Hospitalist – Nocturnist", ["hospitalist", "nocturnist"]),
])
def test_a_subspecialty_beside_a_person_title_says_which_field(title, specialties):
    assert _ids(read("", title=title)) == specialties


@pytest.mark.parametrize(("title", "specialty"), [
    ("Locum consultant Obstetrics Anaethetics", "anesthesiology"),
    ("Consultant Opthalmologist", "ophthalmology"),
    ("Consultant Pyschiatrist", "psychiatry"),
    ("Consultant in Gastroentrology", "gastroenterology"),
    ("Band 6 Speech & Langauge Therapist", "slp_general"),
])
def test_misspelt_specialty_words_in_titles_are_read(title, specialty):
    assert _spec(read("", title=title)) == specialty


def test_only_misspellings_are_corrected():
    # "Virologist" is two edits from "virology"; a singular is not a misspelt plural.
    assert read("", title="Senior Environmental Virologist").specialties == []
    assert "rounds:front_office_records_admin" not in read(
        "", title="Imaging Appointment Facilitator").specialties
    assert not read("", title="Telephonist").recognised


def test_a_department_only_title_is_ordered_by_the_person_the_body_keeps_naming():
    body = ("We are looking for a Consultant Obstetrician to join our team. The consultant "
            "obstetrician will lead the labour ward.")
    reading = read(body, title="Locum Consultant - Anaesthetics and Obstetrics")
    assert _ids(reading) == ["obstetrics", "anesthesiology"]
    # A clean person title keeps the title's specialty whatever colleagues the body names.
    reading = read("You will work with consultant anaesthetists and consultant anaesthetists "
                   "on the labour ward.", title="Consultant Obstetrician")
    assert _ids(reading) == ["obstetrics"]


def test_an_emergency_nurse_practitioner_is_not_an_acute_care_np():
    assert _spec(read("", title="Bank Emergency Nurse Practitioner")) == "np_emergency"
    assert read_specialty("ENP-C").id == "np_emergency"
    assert _spec(read("", title="Acute Care Nurse Practitioner")) == "np_acute_care"


@pytest.mark.parametrize(("title", "body"), [
    ("Logistics and scheduling lead", ""),
    ("Logistics and scheduling lead", "Run the logistics desk: fleet, rosters and stores."),
    ("Billing", ""),
    ("Booking officer", "Concert and event bookings for our venue."),
])
def test_an_office_word_without_a_clinical_word_says_nothing(title, body):
    reading = read(body, title=title)
    assert not reading.recognised, (reading.profession, reading.specialties)


def test_an_office_word_in_a_clinical_place_is_medical_office_work():
    assert _spec(read("", title="Patient scheduling lead")) == "medical_office_general"
    reading = read("Book outpatient appointments for the hospital's clinics.",
                   title="Scheduling lead")
    assert reading.recognised


def test_a_monitor_is_a_clinical_research_associate_only_around_research():
    assert read("", title="Security Monitor").profession is None
    assert read("", title="Equipment monitor").profession is None
    reading = read("Monitor sites for our phase II oncology trials.", title="Monitor")
    assert reading.profession == "clinical_research_associate"


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


@pytest.mark.parametrize("credential", ["PH.D.", "PHD", "Ph.D", "M.", "SP", "M.S.", "MBA"])
def test_a_degree_alone_is_not_a_profession(credential):
    # NPPES credentials: a Ph.D. may be a psychologist, a pharmacist or a scientist, and "M." or
    # "SP" say nothing. The importer falls back to the profession of the specialty instead.
    assert read_profession(credential) is None


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


# --- real data ---------------------------------------------------------------------------------

def test_every_cms_primary_specialty_in_maine_is_recognised():
    with data_file("cms_clinicians_maine.csv").open(newline="", encoding="utf-8") as f:
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
    with data_file("nppes_sample.csv").open(newline="", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f)
                if row["Entity Type Code"].split(".")[0] == "1"]
    codes = [row["Healthcare Provider Taxonomy Code_1"] for row in rows
             if row["Healthcare Provider Taxonomy Code_1"]]
    misses = Counter(code for code in codes if knowledge.specialty(code) is None)
    rate = 1 - sum(misses.values()) / len(codes)
    assert rate >= 0.95, f"{rate:.1%} resolved; misses: {misses.most_common()}"


def test_nppes_credentials_name_a_profession():
    with data_file("nppes_sample.csv").open(newline="", encoding="utf-8") as f:
        credentials = [row["Provider Credential Text"] for row in csv.DictReader(f)
                       if row["Entity Type Code"].split(".")[0] == "1"
                       and row["Provider Credential Text"].strip()]
    misses = Counter(c for c in credentials if read_profession(c) is None)
    rate = 1 - sum(misses.values()) / len(credentials)
    assert rate >= 0.95, f"{rate:.1%} read; misses: {misses.most_common()}"


def test_nppes_taxonomy_and_credential_agree_on_physicians():
    with data_file("nppes_sample.csv").open(newline="", encoding="utf-8") as f:
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


# --- the fast paths give the answers of the plain patterns -------------------------------------

def _long_texts() -> list[str]:
    texts = [
        "Must be licensed in Alberta. Texas license required; CPSA eligible. 5+ years "
        "experience. Locum, 6-month contract. R.N. with a Ph.D., e.g. a co-ordinator role.",
        "Registered nurse, part-time post, then full time; bank shifts; licensed in the state "
        "of New York; minimum of three years' post-registration experience; U.K. trained.",
        "ICU_nurse, co-operative team; A&E and ITU; Dr. J. R. R. Smith, Psy. D.; 2 yrs ICU.",
        "No trigger words here at all, only a summary of a career in community nursing.",
    ]
    path = DATA / "nhs_job_postings_2020.jsonl.gz"
    if path.exists():
        from rounds.matching.posting import plain_text

        with gzip.open(path, "rt", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        texts += [plain_text(r.get("description", ""))[:2500]
                  for r in random.Random(7).sample(rows, 300)]
    return texts


def _naive_scan(idx, toks):
    """Longest matches left to right, trying every length: what _Index.scan must give."""
    norms, upper, n = toks.norms, toks.upper, len(toks.norms)
    longest = max(key.count(" ") + 1 for key in idx.entries)
    found, i = [], 0
    while i < n:
        best = None
        for j in range(i + 1, min(n, i + longest) + 1):
            key = " ".join(norms[i:j])
            hits = (idx.entries.get(key) or [[]])[0]
            ok = [h for h in hits if all(upper[i + k] for k in h.mask)]
            if ok:
                best = (i, j, ok, key)
        if best:
            found.append(best)
            i = best[1]
        else:
            i += 1
    return found


def test_words_scans_and_prepared_text_match_the_plain_patterns():
    token = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&")
    for text in _long_texts():
        prepared = text
        if "." in prepared:
            prepared = u._DOTTED_DEGREE.sub(r"\1\2 ", prepared)
            prepared = u._DOTTED.sub(
                lambda m: m.group(1).replace(".", "").replace(" ", "") + " ", prepared)
        if "-" in prepared:
            prepared = u._COORD.sub(r"\1o\2", prepared)
        toks = u._tokens(text)
        assert toks.text == prepared
        assert [(w, toks.start(k), toks.end(k)) for k, w in enumerate(toks.words)] == [
            (m.group(), *m.span()) for m in token.finditer(prepared)]
        for idx in (u._index(), u._aux_index()):
            assert idx.scan(toks) == _naive_scan(idx, toks)


def test_employment_years_and_licences_match_the_plain_patterns():
    from rounds.matching import posting

    for text in _long_texts():
        toks = u._tokens(text)
        assert posting.employment("", text, toks) == posting.employment("", text)
        assert u._years(text, short=False, toks=toks) == u._years(text, short=False)
        found = []
        for i, j, hits, _ in posting._place_index().scan(toks):
            start, end = toks.start(i), toks.end(j - 1)
            for hit in hits:
                if hit.kind == "regulator" or posting._LICENCE_BEFORE.search(
                        toks.text[max(0, start - 80):start]) or posting._LICENCE_AFTER.match(
                        toks.text[end:end + 50]):
                    found += [hit.value] if hit.value not in found else []
                    break
        assert posting.licence_jurisdictions(toks) == found
