"""What an import can fill in, how spreadsheet headers are matched to it, and how free text
("MD", "Nurse Practitioner", "Alberta", "LinkedIn") becomes the values Rounds stores."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from rounds.candidates.choices import Profession, Source


@dataclass(frozen=True)
class Target:
    """A candidate field an import can fill; `multiple`: it can take several columns."""

    name: str
    label: str
    help: str = ""
    max_length: int | None = None
    multiple: bool = False


TARGETS: tuple[Target, ...] = (
    Target("first_name", "First name", "Required, unless a full-name column is mapped. Names in "
           "capitals are written properly (MC DONALD → McDonald); others are kept as typed.",
           100),
    Target("last_name", "Last name", "Required, unless a full-name column is mapped.", 100),
    Target("full_name", "Full name", "“Amara Okafor” or “Okafor, Amara”: split into first and "
           "last name when those are not mapped.", 201),
    Target("email", "Email", "An address that can't be read is a warning; the row is still "
           "imported.", 254),
    Target("email_other", "Other emails", "Kept as secondary addresses (not written to).", 254,
           multiple=True),
    Target("phone", "Phone", "Parsed with the row's country; stored as +14035550142. A number "
           "that can't be read is a warning; the row is still imported.", 40),
    Target("phone_other", "Other phones", "Kept as secondary numbers (not texted).", 40,
           multiple=True),
    Target("npi", "NPI", "US National Provider Identifier (10 digits, checked). A row whose NPI "
           "is already in the pool is not created again.", 10),
    Target("credentials", "Credentials", "MD, DO, NP, RN, PA-C… kept as written.", 60),
    Target("profession", "Profession", "MD, Physician, NP, RN, RPN, PA-C, Family practice… "
           "Empty or not a profession: the profession of the specialty, when it names one. "
           "Rows with no profession are reported, not guessed.", None),
    Target("specialty", "Specialties", "Words (Family medicine) or NUCC taxonomy codes "
           "(207Q00000X); several columns, or several values separated by “;” — the first is "
           "primary unless a primary flag says otherwise.", None, multiple=True),
    Target("specialty_primary", "Primary specialty flag", "Y on the primary specialty (NPPES "
           "Primary Taxonomy Switch): one column per specialty column, in the same order.",
           None, multiple=True),
    Target("licence_jurisdictions", "Licence jurisdictions", "AB, Alberta, CA-AB, TX, Texas… "
           "several separated by “;”, or one column per licence.", None, multiple=True),
    Target("licence_number", "Licence number", "Goes with the jurisdiction in the same "
           "position (one number per jurisdiction, or one column per licence).", 60,
           multiple=True),
    Target("city", "City", "", 120),
    Target("region", "Province / state", "", 80),
    Target("postal_code", "Postal / ZIP code", "ZIP+4 and ZIPs that lost their leading zero "
           "are written as 04101-2345.", 12),
    Target("country", "Country", "Canada, US, CA… Empty: guessed from the province, state or "
           "postal code.", None),
    Target("headline", "Headline", "", 200),
    Target("years_experience", "Years of experience", "A whole number.", None),
    Target("source", "Source", "Referral, job board, conference… anything else is kept as the "
           "source detail.", None),
    Target("tags", "Tags", "Several separated by “;” or “,”.", None),
    Target("notes", "Notes", "Added to the candidate's timeline as a note.", None),
    Target("external_id", "External ID", "The record's ID in the system you export from: a row "
           "with an ID already in Rounds is skipped.", 100),
    Target("entity_type", "Person or organization", "NPPES Entity Type Code (1 person, 2 "
           "organization) or words: organizations are not candidates, their rows are skipped "
           "with the reason.", None),
)
TARGET_NAMES = tuple(t.name for t in TARGETS)
TARGET_BY_NAME = {t.name: t for t in TARGETS}
MULTIPLE = frozenset(t.name for t in TARGETS if t.multiple)


# --- free text → stored values -----------------------------------------------------------------

def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


_PROFESSION_SYNONYMS: dict[str, tuple[str, ...]] = {
    Profession.PHYSICIAN: (
        "md", "do", "mbbs", "mbchb", "physician", "doctor", "dr", "medical doctor", "gp",
        "general practitioner", "family physician", "family doctor", "family medicine",
        "hospitalist", "surgeon", "psychiatrist", "anesthesiologist", "anaesthetist",
        "internist", "pediatrician", "paediatrician", "radiologist", "emergency physician",
        "locum physician", "resident", "fellow", "ccfp", "frcpc", "md ccfp", "obstetrician",
        "oncologist", "cardiologist", "neurologist", "dermatologist", "pathologist", "intensivist",
    ),
    Profession.NURSE_PRACTITIONER: (
        "np", "nurse practitioner", "aprn", "fnp", "fnp c", "fnp bc", "agnp", "pmhnp", "rn np",
        "rn ep", "rnep", "pnp", "acnp", "cnp", "crnp", "dnp",
    ),
    Profession.PHYSICIAN_ASSISTANT: (
        "pa", "pa c", "pac", "physician assistant", "physician associate", "ccpa",
    ),
    Profession.REGISTERED_NURSE: (
        "rn", "registered nurse", "nurse", "bsn", "bscn", "rn bsn", "rn bscn", "staff nurse",
        "charge nurse", "icu nurse", "er nurse", "travel nurse", "clinical nurse", "psych nurse",
        "registered psychiatric nurse", "rpn psych", "crna",
    ),
    Profession.PRACTICAL_NURSE: (
        "lpn", "lvn", "rpn", "practical nurse", "licensed practical nurse",
        "registered practical nurse", "licensed vocational nurse",
    ),
    Profession.MIDWIFE: ("midwife", "rm", "cnm", "registered midwife", "certified nurse midwife"),
    Profession.PHARMACIST: ("pharmacist", "rph", "pharmd", "clinical pharmacist"),
    Profession.PHYSIOTHERAPIST: ("physiotherapist", "pt", "physical therapist", "dpt", "physio"),
    Profession.OCCUPATIONAL_THERAPIST: ("occupational therapist", "ot", "otr", "otr l"),
    Profession.SPEECH_LANGUAGE_PATHOLOGIST: ("slp", "speech language pathologist",
                                             "speech pathologist", "speech therapist"),
    Profession.DIETITIAN: ("dietitian", "dietician", "rd", "registered dietitian"),
    Profession.PSYCHOLOGIST: ("psychologist", "clinical psychologist", "phd psych", "psyd"),
    Profession.SOCIAL_WORKER: ("social worker", "msw", "rsw", "lcsw", "lmsw"),
    Profession.PARAMEDIC: ("paramedic", "emt", "emt p", "pcp", "acp", "emr"),
    Profession.RADIOGRAPHER: ("radiographer", "x ray tech", "xray tech", "rt r", "mrt",
                              "radiology technologist", "medical radiation technologist",
                              "radiologic technologist"),
    Profession.SONOGRAPHER: ("sonographer", "ultrasound tech", "rdms", "ultrasound technologist"),
    Profession.LAB_TECHNOLOGIST: ("mlt", "lab tech", "lab technologist", "medical technologist",
                                  "medical laboratory technologist", "mls", "clinical lab"),
    Profession.RESPIRATORY_THERAPIST: ("rrt", "respiratory therapist", "rt"),
    Profession.CLINICAL_RESEARCH_ASSOCIATE: ("cra", "clinical research associate", "monitor"),
    Profession.CLINICAL_RESEARCH_COORDINATOR: ("crc", "clinical research coordinator",
                                               "research coordinator", "study coordinator"),
    Profession.MEDICAL_OFFICE_ASSISTANT: ("moa", "medical office assistant", "medical assistant",
                                          "ma", "cma", "unit clerk", "medical secretary"),
    Profession.FRONT_OFFICE: ("front office", "receptionist", "reception", "front desk",
                              "scheduler", "patient coordinator"),
    Profession.PRACTICE_MANAGER: ("practice manager", "clinic manager", "office manager",
                                  "operations manager"),
    Profession.OTHER: ("other",),
}
PROFESSION_INDEX: dict[str, str] = {}
for _value, _label in Profession.choices:
    PROFESSION_INDEX[_key(_value)] = _value
    PROFESSION_INDEX[_key(_label)] = _value
for _value, _syns in _PROFESSION_SYNONYMS.items():
    for _syn in _syns:
        PROFESSION_INDEX.setdefault(_key(_syn), str(_value))


def match_profession(text: str) -> str | None:
    """Profession value for free text, or None when it is not recognised."""
    return read_profession_text(text)[0]


def read_profession_text(text: str) -> tuple[str | None, bool]:
    """(profession, whole): `whole` is False when only the leading words of the text named
    it ("RN, MSN, CPNP" → registered nurse, read from "RN"), a weaker reading that a coded
    specialty may overrule."""
    key = _key(text)
    if not key:
        return None, False
    if key in PROFESSION_INDEX:
        return PROFESSION_INDEX[key], True
    # "FAMILY PRACTICE", "CLINICAL SOCIAL WORKER", "CERTIFIED REGISTERED NURSE ANESTHETIST
    # (CRNA)", "M.D.": what the matching knowledge reads in the words.
    from rounds.matching.understand import read_profession

    words = key.split()
    # "MD, CCFP", "RN (ICU)", "Family Physician - Locum": try the leading words.
    for n in range(len(words) - 1, 0, -1):
        if (found := PROFESSION_INDEX.get(" ".join(words[:n]))) is not None:
            whole = read_profession(text)
            return (whole, True) if whole == found else (found, False)
    found = read_profession(text)
    return (found, True) if found in Profession.values else (None, False)


class SpecialtyReading(NamedTuple):
    """A specialty cell as stored: the name, its NUCC taxonomy code when recognised, and the
    profession the specialty belongs to (to fill an empty profession cell)."""

    name: str
    code: str
    profession: str | None
    bare_code: bool = False  # the cell held a code, not words


NUCC_CODE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")


def match_specialty(text: str) -> SpecialtyReading:
    """“207Q00000X” → (Family medicine, 207Q00000X, physician); “Family practice” → (Family
    practice, 207Q00000X, physician): words are kept as written, a bare code is named after
    its specialty. Text naming no specialty Rounds knows is kept as written, without a code."""
    from rounds.matching.understand import read_specialty

    text = " ".join((text or "").split())
    info = read_specialty(text) if text else None
    if NUCC_CODE.match(text.upper()):
        code = text.upper()
        return SpecialtyReading(info.name if info else code, code,
                                info.profession if info else None, bare_code=True)
    if info is None:
        return SpecialtyReading(text, "", None)
    return SpecialtyReading(text, info.nucc[0] if info.nucc else "", info.profession)


_SOURCE_SYNONYMS = {
    Source.REFERRAL: ("referral", "referred", "employee referral", "word of mouth"),
    Source.JOB_BOARD: ("job board", "indeed", "linkedin", "monster", "glassdoor", "ziprecruiter",
                       "careerbuilder", "workopolis", "doximity", "health match bc",
                       "healthcarejobs", "practicematch", "practicelink", "job bank"),
    Source.CONFERENCE: ("conference", "event", "career fair", "job fair", "trade show", "fair"),
    Source.CAREER_SITE: ("career site", "website", "careers page", "company website",
                         "applied online", "career page"),
    Source.ASSOCIATION: ("association", "networking group", "society"),
    Source.SCHOOL_PROGRAM: ("school", "residency program", "university", "college program",
                            "training program"),
    Source.FORMER_STAFF: ("former staff", "alumni", "former employee", "rehire"),
    Source.FORMER_LOCUM: ("former locum", "past locum"),
    Source.OWN_NETWORK: ("own network", "personal network", "network"),
    Source.SOURCED: ("sourced", "sourcing", "headhunted", "outreach", "cold call"),
    Source.IMPORT: ("import", "imported", "spreadsheet"),
    Source.OTHER: ("other",),
}
SOURCE_INDEX: dict[str, str] = {}
for _value, _label in Source.choices:
    SOURCE_INDEX[_key(_value)] = _value
    SOURCE_INDEX[_key(_label)] = _value
for _value, _syns in _SOURCE_SYNONYMS.items():
    for _syn in _syns:
        SOURCE_INDEX.setdefault(_key(_syn), str(_value))


def match_source(text: str) -> tuple[str, str]:
    """(Source value, source detail): recognised sources map to their value; anything else is
    an import with the text kept as the detail, so nothing typed is lost."""
    key = _key(text)
    if not key:
        return Source.IMPORT, ""
    if key in SOURCE_INDEX:
        value = SOURCE_INDEX[key]
        detail = text.strip() if key not in (_key(value), _key(Source(value).label)) else ""
        return value, detail[:200]
    return Source.IMPORT, text.strip()[:200]


_COUNTRIES = {
    "ca": "CA", "can": "CA", "canada": "CA",
    "us": "US", "usa": "US", "u s": "US", "u s a": "US", "united states": "US",
    "united states of america": "US", "america": "US",
    "gb": "GB", "uk": "GB", "u k": "GB", "united kingdom": "GB", "great britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB",
    "ie": "IE", "ireland": "IE", "au": "AU", "australia": "AU", "nz": "NZ", "new zealand": "NZ",
    "in": "IN", "india": "IN", "ph": "PH", "philippines": "PH", "fr": "FR", "france": "FR",
    "mx": "MX", "mexico": "MX", "za": "ZA", "south africa": "ZA", "ng": "NG", "nigeria": "NG",
}


def match_country(text: str) -> str | None:
    """ISO alpha-2 code for a country name or code; None when not recognised."""
    key = _key(text)
    if not key:
        return ""
    if key in _COUNTRIES:
        return _COUNTRIES[key]
    if re.fullmatch(r"[a-z]{2}", key):
        return key.upper()
    return None


MULTI_SPLIT = re.compile(r"\s*[;|\n]\s*")
TAG_SPLIT = re.compile(r"\s*[;,|\n]\s*")
JURISDICTION_SPLIT = re.compile(r"\s*[;,|/\n]\s*")
