"""The two demo organizations: who they are, what they offer, where they practise, who works
there and what they are hiring for. Plain data; rounds.demo.loader turns it into records.

Both are fictional. Postal codes and ZIPs are real (rounds.lib.geo places them offline)."""

from __future__ import annotations

DEMO_PASSWORD = "rounds-demo"

ALBERTA = {
    "slug": "demo-aspen-ridge",
    "name": "Aspen Ridge Family Health",
    "kind": "clinic_group",
    "country": "CA",
    "time_zone": "America/Edmonton",
    "postal_address": "1010 10 Ave SW, Suite 400, Calgary, AB T2R 0K8",
    "people_country": "CA",
    "people_seed": 11,
    "share": 0.6,
    "currency": "CAD",
    "professions": None,  # everyone: a clinic group hires physicians down to the front desk
    "owner": ("demo@rounds.test", "Dana", "Whitford", "Director of operations"),
    "users": [
        ("recruiter@rounds.test", "recruiter", "Jordan", "Fehr", "Physician recruitment lead"),
        ("manager@rounds.test", "hiring_manager", "Amara", "Okonkwo",
         "Medical director, Red Deer and Lethbridge"),
        ("viewer@rounds.test", "read_only", "Terry", "Lindqvist", "Finance and payroll"),
    ],
    "profile": {
        "value_proposition": (
            "Join a physician-led family medicine group where you practise medicine and we run "
            "the clinic: a full panel waiting, a team that takes the paperwork off your desk, "
            "and sites from Airdrie to Medicine Hat so you can choose city or small-town life."
        ),
        "practice_model": "fee_for_service",
        "compensation_model": "ffs_split",
        "compensation_details": (
            "70/30 FFS split, overhead capped at $8,500/month; first 6 months income-guaranteed "
            "at $28,000/month while the panel builds; ARP-funded sessions for complex care."
        ),
        "overhead_percent": "30",
        "team_based_care": (
            "Each physician works with an RN for chronic disease management, a shared NP, a "
            "PCN pharmacist and behavioural health consultant; dietitian and social worker on "
            "referral within the group."
        ),
        "admin_support": (
            "Two MOAs per physician FTE, central billing team that reconciles AHCIP claims "
            "weekly, virtual scribe pilot, after-hours call shared across all sites."
        ),
        "emr": "Accuro",
        "community_points": (
            "Calgary and Airdrie: an hour to Banff and Canmore. Red Deer: lower housing costs, "
            "Collicutt Centre, strong schools. Lethbridge and Medicine Hat: 300+ sunny days, "
            "university and college towns, RhPAP rural incentives and relocation support."
        ),
    },
    "sites": [
        {"name": "Calgary — Beltline", "address_line": "1010 10 Ave SW, Suite 400",
         "city": "Calgary", "region": "AB", "postal_code": "T2R 0K8", "phone": "403-261-4410"},
        {"name": "Calgary — Crowfoot", "address_line": "150 Crowfoot Cres NW, Unit 210",
         "city": "Calgary", "region": "AB", "postal_code": "T3G 5T3", "phone": "403-239-8870"},
        {"name": "Airdrie", "address_line": "800 Veterans Blvd NE, Unit 104",
         "city": "Airdrie", "region": "AB", "postal_code": "T4B 3C3", "phone": "403-948-2261"},
        {"name": "Red Deer", "address_line": "4920 51 St, Suite 300",
         "city": "Red Deer", "region": "AB", "postal_code": "T4N 4E7", "phone": "403-346-8120"},
        {"name": "Lethbridge", "address_line": "404 4 Ave S",
         "city": "Lethbridge", "region": "AB", "postal_code": "T1J 0P3", "phone": "403-327-4451"},
        {"name": "Medicine Hat", "address_line": "666 5 St SW, Suite 201",
         "city": "Medicine Hat", "region": "AB", "postal_code": "T1A 2L6",
         "phone": "403-526-7730"},
        {"name": "Aspen Ridge Clinical Research", "address_line": "3330 Hospital Dr NW, Room 180",
         "city": "Calgary", "region": "AB", "postal_code": "T2N 4N1", "phone": "403-210-6655"},
    ],
    "jobs": [
        {
            "title": "Family Physician — full scope, Red Deer", "site": "Red Deer",
            "profession": "physician", "specialty": "Family medicine",
            "employment_type": "permanent", "setting": "community_clinic",
            "licence_jurisdiction": "CA-AB", "pay": (320000, 480000, "year"), "team": True,
            "openings": 2,
            "description": (
                "Take over a 1,300-patient panel from a retiring colleague, with obstetrics and "
                "inpatient privileges at Red Deer Regional Hospital if you want them."),
            "must": ["CPSA registration (independent or provisional practice)",
                     "CCFP or equivalent eligible for CPSA", "Comfortable with chronic disease "
                     "management"],
            "nice": ["Low-risk obstetrics", "Accuro EMR experience", "French or Punjabi"],
        },
        {
            "title": "Family Physician — Lethbridge", "site": "Lethbridge",
            "profession": "physician", "specialty": "Family medicine",
            "employment_type": "permanent", "setting": "community_clinic",
            "licence_jurisdiction": "CA-AB", "pay": (300000, 450000, "year"), "team": True,
            "description": "Join four physicians and two NPs in a teaching clinic for U of C "
                           "rural residents.",
            "must": ["CPSA registration", "CCFP"],
            "nice": ["Interest in teaching residents", "Procedural skills: IUDs, skin biopsies"],
        },
        {
            "title": "Locum Family Physician — Medicine Hat (summer)", "site": "Medicine Hat",
            "profession": "physician", "specialty": "Family medicine",
            "employment_type": "locum", "setting": "community_clinic",
            "licence_jurisdiction": "CA-AB", "pay": (1800, 2600, "day"), "openings": 3,
            "description": "Two- to four-week blocks covering vacations June to September; "
                           "travel and housing covered.",
            "must": ["CPSA registration or eligible for locum permit", "CMPA membership"],
            "nice": ["Rural ER experience", "ACLS current"],
        },
        {
            "title": "Family Physician — 3 days/week, Calgary Beltline",
            "site": "Calgary — Beltline", "profession": "physician",
            "specialty": "Family medicine", "employment_type": "part_time",
            "setting": "community_clinic", "licence_jurisdiction": "CA-AB",
            "pay": (180000, 260000, "year"),
            "description": "Three clinic days, no evenings; ideal for a physician with a "
                           "hospital or teaching commitment.",
            "must": ["CPSA registration", "CCFP"],
            "nice": ["Women's health or LGBTQ2S+ care interest", "Virtual care experience"],
        },
        {
            "title": "Psychiatrist — shared care, Calgary", "site": "Calgary — Crowfoot",
            "profession": "physician", "specialty": "Psychiatry",
            "employment_type": "part_time", "setting": "community_clinic",
            "licence_jurisdiction": "CA-AB", "pay": (210, 260, "hour"),
            "description": "Sessional shared-care psychiatry: consults and case reviews with our "
                           "family physicians, half in person, half virtual.",
            "must": ["FRCPC in psychiatry", "CPSA registration"],
            "nice": ["Perinatal or youth mental health", "Telepsychiatry experience"],
        },
        {
            "title": "Nurse Practitioner — Airdrie", "site": "Airdrie",
            "profession": "nurse_practitioner", "specialty": "Family / all ages",
            "employment_type": "permanent", "setting": "community_clinic",
            "licence_jurisdiction": "CA-AB", "pay": (125000, 150000, "year"), "team": True,
            "description": "Own a panel of 900 with physician backup and a dedicated MOA.",
            "must": ["CRNA registration as NP (family/all ages)", "2+ years NP experience"],
            "nice": ["Mental health and addictions", "Accuro EMR"],
        },
        {
            "title": "Registered Nurse — chronic disease management", "site": "Calgary — Crowfoot",
            "profession": "registered_nurse", "specialty": "Primary care / clinic",
            "employment_type": "part_time", "setting": "community_clinic",
            "licence_jurisdiction": "CA-AB", "pay": (42, 52, "hour"), "status": "on_hold",
            "description": "Diabetes, COPD and hypertension panels with the PCN team, 0.6 FTE.",
            "must": ["CRNA registration (active)", "BLS current"],
            "nice": ["Certified diabetes educator (CDE)", "Spirometry"],
        },
        {
            "title": "Licensed Practical Nurse — Lethbridge", "site": "Lethbridge",
            "profession": "practical_nurse", "specialty": "Family practice clinic",
            "employment_type": "permanent", "setting": "community_clinic",
            "licence_jurisdiction": "CA-AB", "pay": (30, 37, "hour"),
            "description": "Immunizations, wound care, injections and rooming for four "
                           "physicians.",
            "must": ["CLPNA registration", "Immunization competency"],
            "nice": ["Wound care certificate", "Blackfoot or Spanish"],
        },
        {
            "title": "Medical Office Assistant — Red Deer", "site": "Red Deer",
            "profession": "medical_office_assistant", "specialty": "Family practice",
            "employment_type": "permanent", "setting": "community_clinic",
            "pay": (21, 26, "hour"), "openings": 2,
            "description": "Front-line MOA for two physicians: phones, booking, referrals, "
                           "AHCIP billing support.",
            "must": ["MOA diploma or 1+ year clinic experience", "Medical terminology"],
            "nice": ["Accuro EMR", "AHCIP billing codes"],
        },
        {
            "title": "Front Desk Receptionist — Airdrie (part-time)", "site": "Airdrie",
            "profession": "front_office", "specialty": "Reception and scheduling",
            "employment_type": "part_time", "setting": "community_clinic",
            "pay": (18.5, 22, "hour"),
            "description": "Weekday afternoons and two Saturdays a month.",
            "must": ["Customer service experience"],
            "nice": ["Healthcare office experience", "Second language"],
        },
        {
            "title": "Clinical Research Coordinator — cardiology trials",
            "site": "Aspen Ridge Clinical Research", "profession": "clinical_research_coordinator",
            "specialty": "Cardiology", "employment_type": "permanent", "setting": "research_site",
            "pay": (62000, 78000, "year"),
            "description": "Coordinate two phase III heart-failure studies and a lipid trial "
                           "run from our family practices.",
            "must": ["GCP training (current)", "TCPS 2 CORE", "2+ years coordinating trials"],
            "nice": ["Phase III cardiology", "Medidata Rave EDC", "CCRP"],
        },
    ],
}

STAFFING = {
    "slug": "demo-bluebonnet",
    "name": "Bluebonnet Medical Staffing",
    "kind": "staffing_firm",
    "country": "US",
    "time_zone": "America/Chicago",
    "postal_address": "5151 San Felipe St, Suite 1200, Houston, TX 77056",
    "people_country": "US",
    "people_seed": 12,
    "share": 0.4,
    "currency": "USD",
    "professions": {"physician", "nurse_practitioner", "physician_assistant", "registered_nurse",
                    "practical_nurse", "clinical_research_coordinator",
                    "clinical_research_associate", "pharmacist", "sonographer",
                    "physiotherapist"},
    "owner": ("staffing@rounds.test", "Carla", "Mendoza", "Managing partner"),
    "users": [
        ("staffing-recruiter@rounds.test", "recruiter", "Brandon", "Tran",
         "Senior locum tenens recruiter"),
        ("staffing-manager@rounds.test", "hiring_manager", "Samuel", "Adeyemi",
         "Client medical director (East Texas)"),
        ("staffing-viewer@rounds.test", "read_only", "Avery", "Collins",
         "Credentialing coordinator"),
    ],
    "profile": {
        "value_proposition": (
            "Locum and permanent placements across Texas and New England, with a recruiter "
            "who answers the phone: we handle licensing, credentialing, privileges, travel and "
            "malpractice so you only show up and practise."
        ),
        "practice_model": "hourly",
        "compensation_model": "daily_rate",
        "compensation_details": (
            "Locums paid weekly at a daily or hourly rate; occurrence-based malpractice with "
            "tail; travel, housing and rental car covered; license fees reimbursed."
        ),
        "team_based_care": "Each client facility is vetted for nursing ratios and call support.",
        "admin_support": (
            "Dedicated credentialing coordinator, IMLC and NLC licence support, 24/7 on-call "
            "line for providers on assignment."
        ),
        "emr": "Epic, Cerner and athenahealth (trained before your first shift)",
        "community_points": (
            "Assignments from Houston's Medical Center to rural West Texas and coastal Maine; "
            "no state income tax in Texas; flexible blocks that fit family life."
        ),
    },
    "sites": [
        {"name": "Houston office", "address_line": "5151 San Felipe St, Suite 1200",
         "city": "Houston", "region": "TX", "postal_code": "77056", "phone": "713-622-5100"},
        {"name": "Dallas office", "address_line": "2200 Ross Ave, Suite 3800",
         "city": "Dallas", "region": "TX", "postal_code": "75201", "phone": "214-740-8200"},
        {"name": "Concho Valley Rural Health Clinic (client)",
         "address_line": "3501 Knickerbocker Rd",
         "city": "San Angelo", "region": "TX", "postal_code": "76903", "phone": "325-949-2100"},
        {"name": "Piney Woods Regional Hospital (client)", "address_line": "1000 S Beckham Ave",
         "city": "Tyler", "region": "TX", "postal_code": "75701", "phone": "903-597-0351"},
        {"name": "Rio Grande Valley Medical Center (client)", "address_line": "2101 Pease St",
         "city": "Harlingen", "region": "TX", "postal_code": "78550", "phone": "956-389-1100"},
        {"name": "Permian Basin Surgical Center (client)", "address_line": "500 W 4th St",
         "city": "Odessa", "region": "TX", "postal_code": "79761", "phone": "432-582-8000"},
        {"name": "Penobscot Bay Community Health (client)", "address_line": "489 State St",
         "city": "Bangor", "region": "ME", "postal_code": "04401", "phone": "207-973-7000"},
        {"name": "Casco Bay Medical Center (client)", "address_line": "22 Bramhall St",
         "city": "Portland", "region": "ME", "postal_code": "04102", "phone": "207-662-0111"},
    ],
    "jobs": [
        {
            "title": "Locum Family Physician — rural clinic, San Angelo",
            "site": "Concho Valley Rural Health Clinic (client)", "profession": "physician",
            "specialty": "Family medicine", "employment_type": "locum",
            "setting": "rural", "licence_jurisdiction": "US-TX", "pay": (1400, 1900, "day"),
            "openings": 2,
            "description": "Ongoing 1–2 week blocks, clinic only, 22–26 patients/day, no call.",
            "must": ["Active unrestricted Texas medical license", "Board certified (ABFM or "
                     "AOBFP)", "DEA registration"],
            "nice": ["Spanish", "Rural health clinic experience"],
        },
        {
            "title": "Hospitalist — 7 on / 7 off, Tyler", "team": True,
            "site": "Piney Woods Regional Hospital (client)", "profession": "physician",
            "specialty": "Hospital medicine", "employment_type": "permanent",
            "setting": "hospital_inpatient", "licence_jurisdiction": "US-TX",
            "pay": (310000, 360000, "year"),
            "description": "Census 16–18, dedicated nocturnists, ICU coverage by intensivists.",
            "must": ["Board certified or eligible in internal or family medicine",
                     "Texas medical license (or eligible, IMLC)"],
            "nice": ["Procedures: central lines", "Epic"],
        },
        {
            "title": "Emergency Medicine Physician — locums, Harlingen",
            "site": "Rio Grande Valley Medical Center (client)", "profession": "physician",
            "specialty": "Emergency medicine", "employment_type": "locum",
            "setting": "emergency", "licence_jurisdiction": "US-TX",
            "pay": (225, 260, "hour"), "openings": 2,
            "description": "Level III trauma ED, 38k visits a year, 12-hour shifts with APP "
                           "coverage.",
            "must": ["ABEM or AOBEM board certification", "ACLS, ATLS, PALS current"],
            "nice": ["Spanish", "Ultrasound credentialing"],
        },
        {
            "title": "Anesthesiologist — locums, Dallas", "site": "Dallas office",
            "profession": "physician", "specialty": "Anesthesiology",
            "employment_type": "locum", "setting": "hospital_inpatient",
            "licence_jurisdiction": "US-TX", "pay": (2400, 3200, "day"),
            "description": "Medical direction of CRNAs 1:3, general and orthopedic cases.",
            "must": ["ABA board certified", "Texas medical license"],
            "nice": ["Regional blocks", "Cardiac experience"],
        },
        {
            "title": "CRNA — locum, Odessa", "site": "Permian Basin Surgical Center (client)",
            "profession": "registered_nurse", "specialty": "Nurse anesthesia (CRNA)",
            "employment_type": "locum", "setting": "hospital_inpatient",
            "licence_jurisdiction": "US-TX", "pay": (175, 210, "hour"), "team": True,
            "description": "ASC with ortho, GI and ENT lists; no call; 10-hour days.",
            "must": ["NBCRNA certification", "Texas APRN license (CRNA)"],
            "nice": ["Regional anesthesia", "Pediatric cases"],
        },
        {
            "title": "Family Nurse Practitioner — Bangor",
            "site": "Penobscot Bay Community Health (client)", "profession": "nurse_practitioner",
            "specialty": "Family / all ages", "employment_type": "permanent",
            "setting": "community_clinic", "licence_jurisdiction": "US-ME",
            "pay": (118000, 135000, "year"),
            "description": "FQHC primary care with behavioural health integration; loan "
                           "repayment eligible (HPSA 18).",
            "must": ["FNP-BC or FNP-C", "Maine APRN license or eligible"],
            "nice": ["MAT/buprenorphine experience", "athenahealth"],
        },
        {
            "title": "Travel RN — ICU, 13 weeks, Houston", "site": "Houston office",
            "profession": "registered_nurse", "specialty": "ICU / critical care",
            "employment_type": "contract", "setting": "icu", "licence_jurisdiction": "US-TX",
            "pay": (64, 78, "hour"), "openings": 4, "team": True,
            "description": "Med-surg and cardiovascular ICU, 3x12 nights, 1:2 ratios.",
            "must": ["Texas or compact (NLC) RN license", "2+ years ICU", "BLS and ACLS"],
            "nice": ["CCRN", "CRRT or Impella experience"],
        },
        {
            "title": "Travel RN — Labor & Delivery, Dallas", "site": "Dallas office",
            "profession": "registered_nurse", "specialty": "Labour and delivery",
            "employment_type": "contract", "setting": "hospital_inpatient",
            "licence_jurisdiction": "US-TX", "pay": (60, 72, "hour"), "openings": 2,
            "description": "High-volume L&D, 5,000 deliveries a year; 3x12 days.",
            "must": ["Compact RN license", "2+ years L&D", "NRP and BLS"],
            "nice": ["RNC-OB", "AWHONN fetal monitoring"],
        },
        {
            "title": "Per Diem RN — Med-Surg, Portland ME",
            "site": "Casco Bay Medical Center (client)", "profession": "registered_nurse",
            "specialty": "Medical-surgical", "employment_type": "per_diem",
            "setting": "hospital_inpatient", "licence_jurisdiction": "US-ME",
            "pay": (52, 64, "hour"),
            "description": "Pick up shifts on two med-surg units; minimum 2 shifts/month.",
            "must": ["Maine or compact RN license", "1+ year acute care"],
            "nice": ["Telemetry", "Epic"],
        },
        {
            "title": "Telepsychiatrist — part-time locums", "site": "Houston office",
            "profession": "physician", "specialty": "Psychiatry",
            "employment_type": "locum", "setting": "virtual",
            "licence_jurisdiction": "US-TX", "pay": (250, 300, "hour"), "status": "on_hold",
            "description": "Outpatient adult telepsychiatry for rural clinics, 2–3 days/week.",
            "must": ["ABPN board certified", "Texas medical license"],
            "nice": ["Licenses in NM or OK", "Addiction medicine"],
        },
        {
            "title": "Clinical Research Coordinator — oncology (contract)",
            "site": "Houston office", "profession": "clinical_research_coordinator",
            "specialty": "Oncology", "employment_type": "contract", "setting": "research_site",
            "pay": (38, 48, "hour"),
            "description": "12-month contract at a Texas Medical Center oncology site, phase "
                           "I–II solid-tumour studies.",
            "must": ["2+ years oncology trials", "GCP training (current)"],
            "nice": ["CCRP or ACRP-CP", "OnCore CTMS", "Phase I experience"],
        },
    ],
}

ORGANIZATIONS = [ALBERTA, STAFFING]
DEMO_SLUGS = [o["slug"] for o in ORGANIZATIONS]
DEMO_EMAILS = [o["owner"][0] for o in ORGANIZATIONS] + [
    u[0] for o in ORGANIZATIONS for u in o["users"]]
