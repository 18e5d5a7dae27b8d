"""A full candidate profile grown from one generated row (rounds.demo.people): licences with
issuers and expiry, certifications, experience with settings (therapeutic areas and trial phases
for research staff), education, availability for locums, preferences, communication
preferences and consent. Deterministic for a given random generator and "today"."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from rounds.lib.jurisdictions import CANADA, UNITED_STATES

# --- who issues licences -----------------------------------------------------------------------

CA_ISSUERS = {
    "physician": {"AB": "CPSA", "BC": "CPSBC", "SK": "CPSS", "ON": "CPSO", "MB": "CPSM",
                  "NT": "NWT Health and Social Services", "YT": "Yukon Medical Council",
                  "QC": "Collège des médecins du Québec"},
    "nurse_practitioner": {"AB": "CRNA", "BC": "BCCNM", "SK": "CRNS", "ON": "CNO", "MB": "CRNM"},
    "registered_nurse": {"AB": "CRNA", "BC": "BCCNM", "SK": "CRNS", "ON": "CNO", "MB": "CRNM",
                         "NT": "RNANT/NU", "YT": "YRNA"},
    "practical_nurse": {"AB": "CLPNA", "BC": "BCCNM", "SK": "SALPN", "ON": "CNO", "MB": "CLPNM"},
    "pharmacist": {"AB": "Alberta College of Pharmacy", "BC": "CPBC", "SK": "SCPP",
                   "ON": "Ontario College of Pharmacists"},
    "physiotherapist": {"AB": "Physiotherapy Alberta", "BC": "CPTBC", "SK": "SCPT",
                        "ON": "College of Physiotherapists of Ontario"},
    "sonographer": {"AB": "Sonography Canada", "BC": "Sonography Canada",
                    "SK": "Sonography Canada", "ON": "CMRITO"},
}
US_BOARDS = {
    "physician": "{state} Medical Board",
    "physician_assistant": "{state} Physician Assistant Board",
    "nurse_practitioner": "{state} Board of Nursing",
    "registered_nurse": "{state} Board of Nursing",
    "practical_nurse": "{state} Board of Nursing",
    "pharmacist": "{state} State Board of Pharmacy",
    "physiotherapist": "{state} Board of Physical Therapy",
    "sonographer": "ARDMS",
}
LICENCE_TYPES = {
    "physician": ("Independent practice", "Full", "Full", "Provisional — supervised practice"),
    "nurse_practitioner": ("Nurse practitioner", "APRN — CNP"),
    "registered_nurse": ("Registered nurse",),
    "practical_nurse": ("Practical nurse",),
    "physician_assistant": ("Physician assistant",),
    "pharmacist": ("Clinical pharmacist",),
    "physiotherapist": ("General register",),
    "sonographer": ("Registered sonographer",),
}

# --- certifications ----------------------------------------------------------------------------
# (name, kind, issuer, renews every N years or None)
CA_FAMILY = [("CCFP", "board", "College of Family Physicians of Canada", None)]
CA_ROYAL = [("FRCPC", "board", "Royal College of Physicians and Surgeons of Canada", None)]
CA_SURGICAL = [("FRCSC", "board", "Royal College of Physicians and Surgeons of Canada", None)]
ACLS = ("ACLS", "life_support", "Heart and Stroke Foundation", 2)
ACLS_US = ("ACLS", "life_support", "American Heart Association", 2)
BLS = ("BLS", "life_support", "Heart and Stroke Foundation", 2)
BLS_US = ("BLS", "life_support", "American Heart Association", 2)
PALS = ("PALS", "life_support", "Heart and Stroke Foundation", 2)
PALS_US = ("PALS", "life_support", "American Heart Association", 2)
NRP = ("NRP", "life_support", "Canadian Paediatric Society", 2)
NRP_US = ("NRP", "life_support", "American Academy of Pediatrics", 2)
ATLS = ("ATLS", "life_support", "American College of Surgeons", 4)
GCP = ("ICH GCP E6(R3)", "research", "CITI Program", 3)
TCPS2 = ("TCPS 2 CORE", "research", "Panel on Research Ethics", None)
IATA = ("IATA dangerous goods shipping", "research", "IATA", 2)

US_BOARD_NAMES = {
    "Family medicine": ("ABFM", "American Board of Family Medicine"),
    "Family medicine — emergency (CCFP-EM)": ("ABFM", "American Board of Family Medicine"),
    "Internal medicine": ("ABIM", "American Board of Internal Medicine"),
    "Hospital medicine": ("ABIM", "American Board of Internal Medicine"),
    "Emergency medicine": ("ABEM", "American Board of Emergency Medicine"),
    "Psychiatry": ("ABPN", "American Board of Psychiatry and Neurology"),
    "Anesthesiology": ("ABA", "American Board of Anesthesiology"),
    "Obstetrics and gynecology": ("ABOG", "American Board of Obstetrics and Gynecology"),
    "Pediatrics": ("ABP", "American Board of Pediatrics"),
    "General surgery": ("ABS", "American Board of Surgery"),
    "Diagnostic radiology": ("ABR", "American Board of Radiology"),
}
RN_CERTS_US = {
    "ICU / critical care": [("CCRN", "board", "AACN", 3), ACLS_US],
    "Emergency": [("CEN", "board", "BCEN", 4), ACLS_US, PALS_US,
                  ("TNCC", "other", "Emergency Nurses Association", 4)],
    "Operating room / perioperative": [("CNOR", "board", "CCI", 5), ACLS_US],
    "Labour and delivery": [("RNC-OB", "board", "NCC", 3), NRP_US],
    "Mental health": [("PMH-BC", "board", "ANCC", 5)],
    "Medical-surgical": [("CMSRN", "board", "MSNCB", 5)],
    "Nurse anesthesia (CRNA)": [("NBCRNA certification", "board", "NBCRNA", 4), ACLS_US,
                                PALS_US],
}
RN_CERTS_CA = {
    "ICU / critical care": [("CNCC(C)", "board", "Canadian Nurses Association", 5), ACLS],
    "Emergency": [("ENC(C)", "board", "Canadian Nurses Association", 5), ACLS, PALS,
                  ("TNCC", "other", "Emergency Nurses Association", 4)],
    "Operating room / perioperative": [("CPN(C)", "board", "Canadian Nurses Association", 5)],
    "Labour and delivery": [("PNC(C)", "board", "Canadian Nurses Association", 5), NRP],
    "Mental health": [("CPMHN(C)", "board", "Canadian Nurses Association", 5)],
    "Medical-surgical": [("CMSN(C)", "board", "Canadian Nurses Association", 5)],
}
NP_CERTS_US = {
    "Family / all ages": ("FNP-BC", "ANCC"), "Primary care": ("FNP-C", "AANPCB"),
    "Psychiatric mental health": ("PMHNP-BC", "ANCC"),
    "Adult-gerontology acute care": ("AGACNP-BC", "ANCC"), "Pediatrics": ("CPNP-PC", "PNCB"),
    "Emergency": ("ENP-C", "AANPCB"), "Women's health": ("WHNP-BC", "NCC"),
}

# --- employers, schools ------------------------------------------------------------------------

HOSPITALS = {
    "AB": ["Foothills Medical Centre", "Peter Lougheed Centre", "Rockyview General Hospital",
           "Royal Alexandra Hospital", "University of Alberta Hospital",
           "Red Deer Regional Hospital Centre", "Chinook Regional Hospital",
           "Medicine Hat Regional Hospital", "Queen Elizabeth II Hospital"],
    "BC": ["Vancouver General Hospital", "Surrey Memorial Hospital", "Kelowna General Hospital",
           "Royal Jubilee Hospital", "Royal Inland Hospital"],
    "SK": ["Royal University Hospital", "Regina General Hospital", "Victoria Hospital"],
    "ON": ["Hamilton General Hospital", "The Ottawa Hospital", "London Health Sciences Centre",
           "Kingston Health Sciences Centre", "William Osler Health System"],
    "TX": ["Houston Methodist Hospital", "Baylor Scott & White Medical Center",
           "Parkland Memorial Hospital", "University Health (San Antonio)",
           "Dell Seton Medical Center", "UMC El Paso", "Covenant Medical Center",
           "CHRISTUS Trinity Mother Frances", "Shannon Medical Center"],
    "ME": ["Maine Medical Center", "Northern Light Eastern Maine Medical Center",
           "Central Maine Medical Center", "MaineGeneral Medical Center"],
}
HOSPITALS_OTHER = ["Regional Medical Center", "Memorial Hospital", "Community Hospital",
                   "University Medical Center"]
CLINIC_PATTERNS = ["{city} Family Medical Clinic", "{city} Community Health Centre",
                   "{city} Medical Associates", "Westside Walk-in Clinic, {city}",
                   "{city} Primary Care Network clinic", "{city} Urgent Care"]
CROS = ["IQVIA", "ICON plc", "Parexel", "Syneos Health", "PPD (Thermo Fisher)", "Medpace",
        "Fortrea"]
RESEARCH_SITES = {
    "CA": ["Tom Baker Cancer Centre — Clinical Research Unit", "Libin Cardiovascular Institute",
           "Cross Cancer Institute — Clinical Trials Unit", "Alberta Diabetes Institute",
           "Centre for Clinical Research, Saskatoon"],
    "US": ["MD Anderson Cancer Center — Clinical Research", "Texas Oncology — Research",
           "UT Southwestern Clinical Research Center", "Houston Methodist Research Institute",
           "Maine Medical Center Research Institute"],
}
MED_SCHOOLS = {
    "CA": ["University of Calgary (Cumming School of Medicine)", "University of Alberta",
           "University of British Columbia", "University of Saskatchewan",
           "University of Toronto", "McMaster University", "Queen's University",
           "Dalhousie University", "Université de Montréal"],
    "US": ["UT Southwestern Medical School", "Baylor College of Medicine",
           "UTHealth Houston McGovern Medical School", "UT Health San Antonio",
           "Texas Tech University HSC", "Texas A&M College of Medicine",
           "University of New England College of Osteopathic Medicine", "Tufts University",
           "University of Vermont"],
    "IMG": ["University of the Philippines Manila", "University of Lagos",
            "All India Institute of Medical Sciences", "Aga Khan University",
            "Cairo University", "University of Cape Town", "Trinity College Dublin",
            "Universidad Nacional Autónoma de México", "Jagiellonian University"],
}
NURSING_SCHOOLS = {
    "CA": ["Mount Royal University", "University of Calgary", "University of Alberta",
           "MacEwan University", "University of Lethbridge", "Red Deer Polytechnic",
           "BCIT", "University of Saskatchewan", "Western University"],
    "US": ["UT Austin School of Nursing", "Texas Woman's University", "UTHealth Cizik School "
           "of Nursing", "Baylor University Louise Herrington School of Nursing",
           "Texas Tech HSC School of Nursing", "University of Southern Maine",
           "University of Maine"],
}
COLLEGES = {
    "CA": ["Bow Valley College", "NorQuest College", "Lethbridge College", "Medicine Hat College",
           "Saskatchewan Polytechnic", "SAIT", "Vancouver Community College"],
    "US": ["Houston Community College", "San Jacinto College", "Lone Star College",
           "Austin Community College", "Southern Maine Community College"],
}
UNIVERSITIES = {
    "CA": ["University of Calgary", "University of Alberta", "University of British Columbia",
           "University of Saskatchewan", "McMaster University"],
    "US": ["Texas A&M University", "University of Houston", "UT Austin", "Rice University",
           "University of Maine"],
}
TRIAL_PHASES = ["Phase I", "Phase II", "Phase III", "Phase IV"]
RESEARCH_DUTIES = ["site initiation to close-out", "consent and eligibility",
                   "SAE reporting and source verification"]


@dataclass
class Profile:
    """What loader needs to create one candidate and its related rows."""

    fields: dict
    specialties: list[str]
    tags: list[str]
    licences: list[dict] = field(default_factory=list)
    certifications: list[dict] = field(default_factory=list)
    experiences: list[dict] = field(default_factory=list)
    education: list[dict] = field(default_factory=list)
    availability: list[dict] = field(default_factory=list)
    consents: list[dict] = field(default_factory=list)
    note: str = ""


def credentials_from_headline(headline: str) -> str:
    """"Family physician, MD, CCFP — 12 yrs" → "MD, CCFP"; "LPN — home care" → "LPN"."""
    head = headline.split(" — ", 1)[0]
    if ", " in head:
        title, rest = head.split(", ", 1)
        return head if title.isupper() else rest
    return head if head.replace("-", "").isupper() else ""


def _jitter_date(rng: random.Random, base: date, days: int) -> date:
    return base + timedelta(days=rng.randint(-days, days))


def _licences(rng, row, today) -> list[dict]:
    codes = [c for c in row["licence_jurisdictions"].split(";") if c]
    prof = row["profession"]
    out = []
    for i, code in enumerate(codes):
        country, region = code.split("-", 1)
        if country == "CA":
            issuer = CA_ISSUERS.get(prof, {}).get(region, f"{CANADA[region]} regulatory college")
            # Canadian permits renew every year.
            expires = date(today.year, 12, 31) if today.month < 11 else date(today.year + 1, 12, 31)
        else:
            issuer = US_BOARDS.get(prof, "{state} licensing board").format(
                state=UNITED_STATES[region])
            expires = _jitter_date(rng, today + timedelta(days=400), 330)
        number = row["licence_number"] if i == 0 else (
            f"{rng.randint(100000, 999999)}" if country == "CA"
            else f"{row['licence_number'][:2] if prof != 'physician' else 'MD'}"
                 f"{rng.randint(10000, 99999)}")
        status = "active"
        r = rng.random()
        if i > 0 and r < 0.15:
            status, expires = "pending", None
        elif r < 0.05:
            status = "expired"
            expires = today - timedelta(days=rng.randint(20, 400))
        elif r < 0.10:
            status = "provisional"
        elif r < 0.16:
            # Renewal due soon: what a credentialing coordinator chases.
            expires = today + timedelta(days=rng.randint(5, 60))
        years = int(row["years_experience"] or 0)
        held_years = max(0, years - rng.randint(0, 2))
        issued = today - timedelta(days=365 * held_years + rng.randint(0, 300))
        out.append({
            "jurisdiction": code, "number": number, "status": status, "issuer": issuer,
            "licence_type": rng.choice(LICENCE_TYPES.get(prof, ("General",))),
            "issued_on": issued if status != "pending" else None, "expires_on": expires,
        })
    return out


def _cert(name, kind, issuer, renew, rng, today, years):
    obtained = today - timedelta(days=rng.randint(30, 365 * max(1, min(years, 6))))
    expires = None
    if renew:
        expires = obtained + timedelta(days=365 * renew)
        while expires < today - timedelta(days=200):
            obtained = obtained + timedelta(days=365 * renew)
            expires = obtained + timedelta(days=365 * renew)
    return {"name": name, "kind": kind, "issuer": issuer, "obtained_on": obtained,
            "expires_on": expires}


def _certifications(rng, row, today) -> list[dict]:
    prof, spec, us = row["profession"], row["specialty"], row["country"] == "US"
    years = int(row["years_experience"] or 0)
    items: list[tuple] = []
    if prof == "physician":
        if us:
            short, board = US_BOARD_NAMES.get(spec, ("ABIM", "American Board of Internal Medicine"))
            items.append((f"{short} board certification — {spec.split(' — ')[0].lower()}",
                          "board", board, 10))
            items.append(ACLS_US)
            if spec in ("Emergency medicine", "General surgery"):
                items.append(ATLS)
            if spec in ("Emergency medicine", "Pediatrics"):
                items.append(PALS_US)
        else:
            if spec.startswith("Family"):
                items += CA_FAMILY
                if "EM" in spec:
                    items.append(("CCFP(EM)", "board", "College of Family Physicians of Canada",
                                  None))
            elif spec in ("General surgery", "Obstetrics and gynecology"):
                items += CA_SURGICAL
            else:
                items += CA_ROYAL
            if rng.random() < 0.6:
                items.append(ACLS)
            if spec.startswith("Family") and rng.random() < 0.3:
                items.append(("ALARM", "other", "SOGC", 5))
            if spec in ("Emergency medicine",) or "EM" in spec:
                items += [ATLS, PALS]
    elif prof == "nurse_practitioner":
        if us:
            name, issuer = NP_CERTS_US.get(spec, ("FNP-C", "AANPCB"))
            items.append((name, "board", issuer, 5))
            items.append(BLS_US)
        else:
            items.append(BLS)
    elif prof == "physician_assistant":
        items += [("PA-C", "board", "NCCPA", 10), BLS_US, ACLS_US]
    elif prof == "registered_nurse":
        certs = (RN_CERTS_US if us else RN_CERTS_CA).get(spec, [])
        items.append(BLS_US if us else BLS)
        for c in certs:
            if c[1] != "board" or rng.random() < 0.5 or "CRNA" in spec:
                items.append(c)
    elif prof == "practical_nurse":
        items.append(BLS_US if us else BLS)
        if rng.random() < 0.3:
            items.append(("Immunization competency", "other",
                          "CLPNA" if not us else "State Board of Nursing", None))
    elif prof in ("clinical_research_coordinator", "clinical_research_associate"):
        items.append(GCP)
        if not us:
            items.append(TCPS2)
        if rng.random() < 0.4:
            items.append(IATA)
        if rng.random() < 0.35:
            items.append(("CCRP", "research", "SOCRA", 3) if prof.endswith("coordinator")
                         else ("CCRA", "research", "ACRP", 2))
    elif prof in ("medical_office_assistant", "front_office"):
        if rng.random() < 0.5:
            items.append(BLS_US if us else BLS)
        if prof == "medical_office_assistant" and us and rng.random() < 0.6:
            items.append(("CMA (AAMA)", "board", "American Association of Medical Assistants",
                          5))
    elif prof == "pharmacist":
        if us and rng.random() < 0.4:
            items.append(("BCPS", "board", "Board of Pharmacy Specialties", 7))
        items.append(("Immunization and injection authorization", "other",
                      "APhA" if us else "Alberta College of Pharmacy", None))
    elif prof == "sonographer":
        items.append(("RDMS", "board", "ARDMS", 3) if us or rng.random() < 0.3
                     else ("CRGS", "board", "Sonography Canada", 3))
        items.append(BLS_US if us else BLS)
    elif prof == "physiotherapist":
        items.append(("Dry needling", "other", "Kinetacore", None))
    return [_cert(*c, rng, today, years) for c in items]


def _employer(rng, row) -> tuple[str, str]:
    """(employer, setting) for a past or current position."""
    prof, spec, region, city = row["profession"], row["specialty"], row["region"], row["city"]
    hospitals = HOSPITALS.get(region) or [f"{city} {h}" for h in HOSPITALS_OTHER]
    clinic = rng.choice(CLINIC_PATTERNS).format(city=city)
    if prof == "clinical_research_associate":
        return rng.choice(CROS), "sponsor_cro"
    if prof == "clinical_research_coordinator":
        return rng.choice(RESEARCH_SITES[row["country"]]), "research_site"
    if prof in ("medical_office_assistant", "front_office"):
        return clinic, "community_clinic"
    if prof == "pharmacist":
        if "Hospital" in spec:
            return rng.choice(hospitals), "hospital_inpatient"
        return rng.choice(["Shoppers Drug Mart", "London Drugs", "Rexall", "Co-op Pharmacy"]
                          if row["country"] == "CA" else ["CVS Pharmacy", "H-E-B Pharmacy",
                                                          "Walgreens"]), "community_clinic"
    if prof in ("physiotherapist",):
        return f"{city} Physiotherapy & Sports Injury", "community_clinic"
    settings = {
        "Emergency": "emergency", "Emergency medicine": "emergency", "ICU / critical care": "icu",
        "Hospital medicine": "hospital_inpatient", "Internal medicine": "hospital_inpatient",
        "Medical-surgical": "hospital_inpatient", "Labour and delivery": "hospital_inpatient",
        "Operating room / perioperative": "hospital_inpatient",
        "Nurse anesthesia (CRNA)": "hospital_inpatient", "Anesthesiology": "hospital_inpatient",
        "General surgery": "hospital_inpatient", "Diagnostic radiology": "hospital_inpatient",
        "Long-term care": "long_term_care", "Home care": "home_care",
        "Adult-gerontology acute care": "hospital_inpatient",
        "Acute care": "hospital_inpatient", "Rehabilitation": "hospital_inpatient",
    }
    setting = settings.get(spec)
    if setting is None:
        if rng.random() < 0.15:
            return f"{city} Rural Health Centre" if region not in ("TX", "ME") else (
                f"{city} Rural Health Clinic"), "rural"
        return clinic, "community_clinic"
    if setting == "long_term_care":
        return rng.choice(["Bethany Care Centre", "Extendicare", "Covenant Living",
                           "Good Samaritan Society"]), setting
    if setting == "home_care":
        return rng.choice(["Home Care — " + city, "Bayshore HealthCare", "CBI Health"]), setting
    return rng.choice(hospitals), setting


def _role_title(row) -> str:
    prof, spec = row["profession"], row["specialty"]
    return {
        "physician": "Family physician" if spec.startswith("Family") else f"Physician — {spec}",
        "nurse_practitioner": f"Nurse practitioner ({spec.lower()})",
        "physician_assistant": f"Physician assistant — {spec.lower()}",
        "registered_nurse": "CRNA" if "CRNA" in spec else f"Registered nurse — {spec.lower()}",
        "practical_nurse": f"Practical nurse — {spec.lower()}",
        "clinical_research_coordinator": "Clinical research coordinator",
        "clinical_research_associate": "Clinical research associate",
        "medical_office_assistant": "Medical office assistant",
        "front_office": "Front office / reception",
        "pharmacist": "Pharmacist",
        "physiotherapist": "Physiotherapist",
        "sonographer": "Sonographer",
    }.get(prof, spec)


def _experiences(rng, row, today) -> list[dict]:
    years = max(1, int(row["years_experience"] or 0))
    count = 1 if years < 4 else rng.choice((2, 2, 3))
    research = row["profession"].startswith("clinical_research")
    out = []
    end = None
    start_cursor = today
    spans = sorted((rng.random() for _ in range(count - 1)), reverse=True)
    bounds = [0.0] + spans[::-1] + [1.0]
    for i in range(count):
        # Most recent first: the current position has no end date.
        share = bounds[count - i] - bounds[count - i - 1]
        length = max(120, int(365 * years * share))
        start = start_cursor - timedelta(days=length)
        employer, setting = _employer(rng, row)
        exp = {
            "employer": employer, "role": _role_title(row), "setting": setting,
            "location": f"{row['city']}, {row['region']}" if i == 0 else "",
            "start_date": start, "end_date": end,
            "description": "", "therapeutic_areas": [], "trial_phases": [],
        }
        if research:
            area = row["specialty"]
            areas = [area] + ([rng.choice(["Cardiology", "Oncology", "Neurology",
                                           "Respiratory", "Rheumatology"])]
                              if rng.random() < 0.4 else [])
            exp["therapeutic_areas"] = sorted(set(areas))
            lo = rng.randint(0, 2)
            exp["trial_phases"] = TRIAL_PHASES[lo:lo + rng.randint(1, 3)]
            exp["description"] = (
                f"{'Monitored' if setting == 'sponsor_cro' else 'Coordinated'} "
                f"{rng.randint(2, 9)} {', '.join(exp['trial_phases'])} studies in "
                f"{' and '.join(a.lower() for a in exp['therapeutic_areas'])}; "
                f"{rng.choice(['Medidata Rave', 'REDCap', 'Oracle InForm', 'Veeva Vault'])} EDC, "
                f"{rng.choice(RESEARCH_DUTIES)}.")
        elif row["profession"] == "physician":
            exp["description"] = rng.choice([
                "Panel of ~1,400; chronic disease and prenatal care.",
                "Inpatient ward and consult service; teaching residents.",
                "ER and urgent care shifts; procedural sedation.",
                "Group practice with shared call; EMR super-user.",
                "Rural generalist: clinic, ER and obstetrics.",
            ]) if row["specialty"].startswith(("Family", "Internal", "Emergency", "Hospital")) \
                else f"{row['specialty']} practice; call 1 in {rng.randint(3, 8)}."
        elif row["profession"] in ("registered_nurse", "practical_nurse", "nurse_practitioner"):
            exp["description"] = rng.choice([
                "12-hour rotating shifts; charge nurse relief.", "Preceptor for new graduates.",
                "Unit practice council member.", "Float pool across medical units.",
                "Day shifts, 1:4 ratio.", "Independent panel with physician consult.",
            ])
        out.append(exp)
        end = start - timedelta(days=rng.randint(0, 60))
        start_cursor = end
    return out


def _education(rng, row, today) -> list[dict]:
    prof, country = row["profession"], row["country"]
    years = int(row["years_experience"] or 0)
    grad = today.year - years
    if prof == "physician":
        img = rng.random() < 0.22
        school = rng.choice(MED_SCHOOLS["IMG" if img else country])
        degree = "DO" if "Osteopathic" in school else ("MBBS" if img and rng.random() < 0.5
                                                        else "MD")
        spec = row["specialty"].split(" — ")[0]
        res_school = rng.choice(MED_SCHOOLS[country][:6])
        res_years = 2 if spec.startswith("Family") else 4 if spec in (
            "Internal medicine", "Anesthesiology") else 5
        return [
            {"institution": res_school, "credential": "Residency", "field": spec,
             "graduation_year": grad},
            {"institution": school, "credential": degree, "field": "Medicine",
             "graduation_year": grad - res_years},
        ]
    if prof == "nurse_practitioner":
        return [
            {"institution": rng.choice(NURSING_SCHOOLS[country]),
             "credential": rng.choice(("MSN", "DNP")) if country == "US" else "MN (NP)",
             "field": row["specialty"], "graduation_year": grad},
            {"institution": rng.choice(NURSING_SCHOOLS[country]),
             "credential": "BSN" if country == "US" else "BN", "field": "Nursing",
             "graduation_year": grad - rng.randint(4, 10)},
        ]
    if prof == "registered_nurse":
        if "CRNA" in row["specialty"]:
            return [{"institution": "Texas Wesleyan University", "credential": "DNAP",
                     "field": "Nurse anesthesia", "graduation_year": grad}]
        return [{"institution": rng.choice(NURSING_SCHOOLS[country]),
                 "credential": rng.choice(("BSN", "ADN", "BSN")) if country == "US"
                 else rng.choice(("BN", "BScN")), "field": "Nursing", "graduation_year": grad}]
    if prof == "practical_nurse":
        return [{"institution": rng.choice(COLLEGES[country]),
                 "credential": "Practical nurse diploma" if country == "CA"
                 else "Vocational nursing certificate", "field": "Practical nursing",
                 "graduation_year": grad}]
    if prof in ("medical_office_assistant", "front_office"):
        if rng.random() < 0.4:
            return []
        return [{"institution": rng.choice(COLLEGES[country]),
                 "credential": "Medical office assistant diploma" if country == "CA"
                 else "Medical assistant certificate", "field": "Health administration",
                 "graduation_year": grad}]
    if prof.startswith("clinical_research"):
        edu = [{"institution": rng.choice(UNIVERSITIES[country]),
                "credential": rng.choice(("BSc", "BSc", "MSc", "BN")), "field":
                rng.choice(("Biology", "Kinesiology", "Health sciences", "Biochemistry",
                            "Nursing")), "graduation_year": grad}]
        if rng.random() < 0.4:
            edu.insert(0, {"institution": rng.choice(COLLEGES[country]),
                           "credential": "Clinical research certificate",
                           "field": "Clinical research", "graduation_year": grad + 1})
        return edu
    if prof == "pharmacist":
        return [{"institution": rng.choice(UNIVERSITIES[country]),
                 "credential": "PharmD" if country == "US" or rng.random() < 0.4 else "BScPharm",
                 "field": "Pharmacy", "graduation_year": grad}]
    if prof == "physiotherapist":
        return [{"institution": rng.choice(UNIVERSITIES[country]),
                 "credential": "DPT" if country == "US" else "MScPT", "field": "Physical therapy",
                 "graduation_year": grad}]
    if prof == "sonographer":
        return [{"institution": rng.choice(COLLEGES[country]),
                 "credential": "Diagnostic medical sonography diploma", "field": "Sonography",
                 "graduation_year": grad}]
    return []


def _availability(rng, row, today, locum: bool) -> list[dict]:
    if not locum:
        return []
    out = []
    start = today + timedelta(days=rng.randint(7, 45))
    for _ in range(rng.randint(1, 3)):
        length = rng.choice((7, 14, 14, 21, 28))
        out.append({"start_date": start, "end_date": start + timedelta(days=length - 1),
                    "note": rng.choice(("Locum block", "Can extend", "Weekdays only",
                                        "Includes call", "Prefers rural", ""))})
        start = start + timedelta(days=length + rng.randint(14, 60))
    return out


def _preferences(rng, row, locum: bool) -> dict:
    prof, us = row["profession"], row["country"] == "US"
    types = ["permanent"]
    if rng.random() < 0.35:
        types.append("part_time")
    if locum:
        types.insert(0, "locum")
    if us and prof == "registered_nurse" and rng.random() < 0.5:
        types.insert(0, "contract")
    if prof in ("registered_nurse", "practical_nurse") and rng.random() < 0.2:
        types.append("per_diem")
    comp: list[str]
    if prof == "physician":
        comp = (["daily_rate", "salary"] if us else ["ffs_split", "salary"]) if locum else (
            ["salary_bonus", "salary"] if us else ["ffs_split"])
        if not us and rng.random() < 0.3:
            comp.append("salary")  # ARP / sessional
    elif prof in ("medical_office_assistant", "front_office", "practical_nurse",
                  "registered_nurse"):
        comp = ["hourly"]
    else:
        comp = ["salary"] + (["hourly"] if rng.random() < 0.3 else [])
    settings = []
    exp_setting = {
        "Emergency": "emergency", "Emergency medicine": "emergency", "ICU / critical care": "icu",
        "Long-term care": "long_term_care", "Home care": "home_care",
    }.get(row["specialty"])
    if exp_setting:
        settings.append(exp_setting)
    if prof.startswith("clinical_research"):
        settings.append("sponsor_cro" if prof.endswith("associate") else "research_site")
    elif prof in ("physician", "nurse_practitioner", "medical_office_assistant", "front_office",
                  "practical_nurse"):
        settings.append("community_clinic")
    if "rural-ok" in row["tags"] or rng.random() < 0.12:
        settings.append("rural")
    if rng.random() < 0.15 and prof in ("physician", "nurse_practitioner"):
        settings.append("virtual")
    if prof in ("registered_nurse",) and not settings:
        settings.append("hospital_inpatient")
    schedule = rng.choice(("Days only", "4-day week", "No weekends", "Nights OK",
                           "Flexible", "School hours", "1-in-6 call max", ""))
    return {"preferred_employment_types": list(dict.fromkeys(types)),
            "preferred_compensation_models": list(dict.fromkeys(comp)),
            "preferred_settings": list(dict.fromkeys(settings)),
            "preferred_schedule": schedule}


def _communication(rng, row) -> dict:
    r = rng.random()
    if r < 0.45:
        channels = ["email", "sms", "call"]
    elif r < 0.75:
        channels = ["sms", "email"]
    elif r < 0.9:
        channels = ["call", "sms"]
    else:
        channels = ["email"]
    quiet = rng.random() < 0.7
    start = time(rng.choice((20, 21, 21, 22)), 0) if quiet else None
    end = time(rng.choice((7, 8, 8, 9)), 0) if quiet else None
    langs = ["en"]
    tags = row["tags"]
    if "bilingual-french" in tags:
        langs.append("fr")
    if "spanish-speaking" in tags or (row["country"] == "US" and rng.random() < 0.15):
        langs.append("es")
    if "punjabi-speaking" in tags:
        langs.append("pa")
    if "tagalog-speaking" in tags:
        langs.append("tl")
    return {"preferred_channels": channels, "quiet_hours_start": start, "quiet_hours_end": end,
            "contact_frequency": rng.choice(("any", "any", "weekly", "monthly", "quarterly")),
            "languages": langs}


def _consents(rng, row, channels, source, now) -> list[dict]:
    """One record per channel the candidate gave or implied; a few opted out later."""
    out = []
    for channel in channels:
        r = rng.random()
        when = now - timedelta(days=rng.randint(3, 500), hours=rng.randint(0, 23))
        if source in ("job_board", "career_site", "conference"):
            if r < 0.5:
                basis = "implied_inquiry"
                evidence = f"Applied / inquired via {source.replace('_', ' ')}"
            else:
                basis, evidence = "express", "Ticked 'contact me about roles' on the form"
        elif source in ("former_staff", "former_locum"):
            basis, evidence = "implied_transaction", "Previously worked with us"
        elif source == "association" and channel == "email":
            basis, evidence = "published_address", "Listed in the association directory"
        else:
            basis, evidence = "express", rng.choice((
                "Agreed on a phone call", "Replied 'yes, keep me posted' by email",
                "Signed up at our booth", "Asked us to text about openings"))
        if basis == "published_address" and channel != "email":
            basis = "express"
        out.append({"channel": channel, "basis": basis, "evidence": evidence, "obtained_at": when})
        if rng.random() < 0.04:
            out.append({"channel": channel, "basis": "revoked",
                        "evidence": "Replied STOP" if channel == "sms"
                        else "Asked not to be contacted",
                        "obtained_at": when + timedelta(days=rng.randint(1, 60))})
    return out


SOURCE_DETAILS = {
    "CA": {
        "job_board": ["CFPC job board", "Indeed", "AMA classifieds", "Alberta Health Services "
                      "careers", "LinkedIn", "HealthMatch BC"],
        "conference": ["Family Medicine Forum", "RhPAP rural recruitment fair",
                       "Alberta Family Practice Research Day", "Canadian Nurses Association "
                       "convention", "ACRP Canada chapter meeting"],
        "association": ["Alberta Medical Association — Section of Family Medicine",
                        "CARNA / CRNA community", "Alberta College of Family Physicians",
                        "Society of Clinical Research Associates (SOCRA) chapter"],
        "school_program": ["U of C family medicine residency", "Bow Valley College MOA "
                           "practicum", "Mount Royal nursing practicum", "NorQuest PN program"],
        "career_site": ["careers.aspenridge.example"],
        "own_network": ["Met through a colleague", "Former classmate of a physician"],
        "sourced": ["LinkedIn search", "CPSA physician directory"],
    },
    "US": {
        "job_board": ["Doximity", "PracticeMatch", "Indeed", "NEJM CareerCenter", "Vivian",
                      "LinkedIn"],
        "conference": ["TAFP Primary Care Summit", "ACEP Scientific Assembly",
                       "AANA Annual Congress", "ACRP 2025", "Maine Rural Health conference"],
        "association": ["Texas Medical Association", "Texas Nurse Practitioners",
                        "Maine Nurse Practitioner Association", "Texas Academy of Family "
                        "Physicians"],
        "school_program": ["UTMB residency job fair", "Baylor CRNA program"],
        "career_site": ["apply.bluebonnet.example"],
        "own_network": ["Recruiter's own network", "Met on a prior assignment"],
        "sourced": ["Doximity search", "State licence lookup"],
    },
}


def build(row: dict, rng: random.Random, *, today: date, now) -> Profile:
    """Everything about one candidate, from a generated row."""
    years = int(row["years_experience"] or 0)
    prof, spec = row["profession"], row["specialty"]
    tags = [t for t in row["tags"].split(";") if t]
    locum = "locum-interest" in tags or (
        prof in ("physician", "nurse_practitioner", "physician_assistant")
        and rng.random() < (0.45 if row["country"] == "US" else 0.2)) or (
        "CRNA" in spec)
    if locum and "locum-interest" not in tags:
        tags.append("locum-interest")
    relocate = "relocation-ok" in tags or rng.random() < 0.3
    status = rng.choices(["active", "passive", "not_looking", "placed", "do_not_contact"],
                         weights=[35, 45, 10, 7, 3])[0]
    source = row["source"]
    details = SOURCE_DETAILS[row["country"]]
    comm = _communication(rng, row)
    pay_floor = None
    if prof == "physician":
        pay_floor = rng.choice((260000, 300000, 340000, 380000))
    elif prof == "nurse_practitioner":
        pay_floor = rng.choice((110000, 120000, 130000))
    elif prof in ("registered_nurse", "practical_nurse", "medical_office_assistant",
                  "front_office"):
        pay_floor = {"registered_nurse": 42, "practical_nurse": 28,
                     "medical_office_assistant": 20, "front_office": 18}[prof] + rng.randint(0, 8)
    place = f"{row['city']}, {row['region']}"
    summary = (f"{_role_title(row)} in {place} with {years} year{'s' if years != 1 else ''} of "
               f"experience. " + (
                   f"Open to relocating within {'{r}'} km. " if relocate else
                   "Prefers to stay local. ") + (
                   "Interested in locum blocks." if locum else ""))
    radius = rng.choice((100, 200, 300, 500, 1000, 2000)) if relocate else None
    summary = summary.replace("{r}", f"{radius:,}" if radius else "").strip()
    fields = {
        "first_name": row["first_name"], "last_name": row["last_name"], "email": row["email"],
        "phone": row["phone"], "profession": prof, "headline": row["headline"][:200],
        "credentials": credentials_from_headline(row["headline"])[:60], "summary": summary,
        "years_experience": years, "city": row["city"], "region": row["region"],
        "postal_code": row["postal_code"], "country": row["country"],
        "willing_to_relocate": relocate, "relocation_radius_km": radius, "status": status,
        "source": source, "source_detail": rng.choice(details.get(source, [""])),
        "external_id": row["external_id"],
        "desired_start": today + timedelta(days=rng.choice((14, 30, 60, 90, 120, 180))),
        "minimum_pay": pay_floor,
        **_preferences(rng, row, locum), **comm,
    }
    return Profile(
        fields=fields, specialties=[spec], tags=tags,
        licences=_licences(rng, row, today),
        certifications=_certifications(rng, row, today),
        experiences=_experiences(rng, row, today),
        education=_education(rng, row, today),
        availability=_availability(rng, row, today, locum),
        consents=_consents(rng, row, comm["preferred_channels"], source, now),
        note=row["notes"],
    )
