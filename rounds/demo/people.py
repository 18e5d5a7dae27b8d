"""Generated people: realistic, deterministic candidate rows for the demo and the benchmarks.

`candidate_rows(n, seed)` yields dicts of strings with exactly `IMPORT_COLUMNS` as keys (the CSV
import format). Multi-valued cells (licence jurisdictions, tags) are ";"-separated. The same
(n, seed, country) always yields the same rows; emails are unique per row (they carry the row
index, and the seed when it is not 0). Every city/postal code resolves with rounds.lib.geo.locate,
every phone number is valid for rounds.lib.contact.normalize_phone, every profession is a
rounds.candidates.choices.Profession value and every source a Source value.

Pure Python with tables built once at import: 100,000 rows take one to three seconds."""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

IMPORT_COLUMNS = ["external_id", "first_name", "last_name", "email", "phone", "profession",
                  "specialty", "licence_jurisdictions", "licence_number", "city", "region",
                  "postal_code", "country", "headline", "years_experience", "source", "tags",
                  "notes"]

# --- names ------------------------------------------------------------------------------------
# Given and family names from many backgrounds (Canadian and US healthcare workforces are among
# the most diverse anywhere), grouped so that most people get a coherent name; one in five
# crosses groups, as married and blended families do. (given names, family names, weight)

NAME_GROUPS = (
    (("Emily", "Sarah", "Jessica", "Megan", "Rachel", "Laura", "Hannah", "Claire", "Fiona",
      "Siobhan", "Michael", "David", "James", "Andrew", "Matthew", "Ryan", "Connor", "Liam",
      "Owen", "Gareth", "Heather", "Shannon", "Kaitlyn", "Brooke", "Tyler", "Dustin", "Brent",
      "Colton", "Wade", "Daniel", "Rebecca", "Samuel"),
     ("Smith", "Johnson", "Williams", "Brown", "Taylor", "Anderson", "Thompson", "MacDonald",
      "Campbell", "Stewart", "Fraser", "O'Brien", "Murphy", "Kelly", "Walsh", "Hughes", "Evans",
      "Reid", "Hamilton", "Robertson", "Ross"), 30),
    (("Geneviève", "Mélanie", "Isabelle", "Chloé", "Élise", "Marc-André", "Jean-François",
      "Luc", "Étienne", "Mathieu", "Sylvie", "Nathalie"),
     ("Gagnon", "Tremblay", "Bouchard", "Côté", "Pelletier", "Leblanc", "Cormier", "Thibodeau",
      "Bergeron"), 5),
    (("María", "Sofía", "Valeria", "Camila", "Lucía", "Alejandra", "Gabriela", "José", "Carlos",
      "Alejandro", "Diego", "Javier", "Luis", "Miguel", "Rosa", "Guadalupe", "Ricardo",
      "Andrés"),
     ("García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
      "Ramírez", "Flores", "Morales", "Castillo", "Reyes"), 14),
    (("Maricel", "Jocelyn", "Rowena", "Analyn", "Rommel", "Jomar", "Cherry", "Arvin", "Leah"),
     ("Santos", "Dela Cruz", "Bautista", "Villanueva", "Mendoza", "Aquino", "Soriano", "Reyes"),
     8),
    (("Priya", "Ananya", "Deepika", "Harpreet", "Simran", "Navdeep", "Gurpreet", "Rajesh",
      "Arjun", "Vikram", "Sanjay", "Rohan"),
     ("Patel", "Sharma", "Singh", "Gill", "Sandhu", "Dhillon", "Grewal", "Brar", "Iyer", "Reddy",
      "Nair", "Menon", "Gupta"), 10),
    (("Aisha", "Fatima", "Imran", "Farhan", "Nusrat", "Tahmina", "Omar", "Layla", "Yasmin",
      "Karim", "Nour", "Rami", "Hana", "Samir", "Leila", "Tariq", "Dalia"),
     ("Khan", "Ahmed", "Chowdhury", "Rahman", "Haddad", "Khoury", "Mansour", "Hassan",
      "Abdullah", "Saleh", "Nasser"), 7),
    (("Wei", "Mei", "Xin", "Jia", "Hao", "Min-jun", "Seo-yeon", "Ji-woo", "Hiroshi", "Yuki",
      "Haruka", "Thanh", "Linh", "Minh", "Quang"),
     ("Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Wong", "Lam", "Kim", "Park", "Lee", "Choi",
      "Nguyen", "Tran", "Pham", "Le", "Tanaka", "Sato", "Yamamoto"), 10),
    (("Chinonso", "Adaeze", "Oluwaseun", "Ngozi", "Kwame", "Ama", "Abena", "Tendai", "Thandiwe",
      "Amara", "Kofi", "Chidi", "Folasade", "Makeda", "Abebe", "Desmond", "Marcia", "Andre"),
     ("Okafor", "Adeyemi", "Okonkwo", "Mensah", "Boateng", "Asante", "Moyo", "Ndlovu", "Mwangi",
      "Tesfaye", "Haile", "Baptiste", "Campbell-Brown"), 8),
    (("Olena", "Oksana", "Taras", "Dmytro", "Katarzyna", "Agnieszka", "Piotr", "Tomasz", "Ivana",
      "Milan", "Natalia", "Anastasia"),
     ("Kowalski", "Nowak", "Wiśniewski", "Kovalenko", "Shevchenko", "Bondarenko", "Horvat",
      "Novak", "Petrov", "Ivanova"), 5),
    (("Cheyenne", "Dakota", "Tanis", "Kiona", "Ayasha", "Niigaan", "Tyler", "Shannon"),
     ("Cardinal", "Bearspaw", "Many Guns", "Auger", "Laboucan", "Whitehead"), 3),
    (("Ingrid", "Lars", "Sven", "Greta", "Hans", "Marta", "Giulia", "Marco", "Luca",
      "Francesca", "Nikos", "Eleni", "Dimitri", "Noa", "Avi", "Tamar", "Esther"),
     ("Rossi", "Romano", "Bianchi", "Papadopoulos", "Georgiou", "Cohen", "Levi", "Friedman",
      "Johansson", "Larsen", "Schmidt", "Müller", "Wagner", "Becker", "Van der Berg",
      "De Vries"), 6),
)
FIRST_NAMES = tuple(dict.fromkeys(n for g in NAME_GROUPS for n in g[0]))
LAST_NAMES = tuple(dict.fromkeys(n for g in NAME_GROUPS for n in g[1]))


def _ascii(text: str) -> str:
    """Letters only, accents folded: what goes into the local part of a generated email."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


# --- places -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    city: str
    region: str          # province / state code
    country: str         # CA / US
    postal: tuple[str, ...]   # Canadian FSAs or US ZIPs that geo.locate resolves
    area_codes: tuple[str, ...]
    weight: int


CA_PLACES = (
    # Alberta (heaviest)
    Place("Calgary", "AB", "CA", ("T2N", "T2T", "T3A", "T2E", "T3H", "T2J", "T3K", "T1Y", "T2A",
                                  "T3E", "T2W", "T3M"), ("403", "587", "825"), 240),
    Place("Edmonton", "AB", "CA", ("T5K", "T6G", "T5J", "T6E", "T6R", "T5A", "T6L", "T5T", "T6W"),
          ("780", "587", "825"), 150),
    Place("Red Deer", "AB", "CA", ("T4N", "T4P", "T4R", "T4E"), ("403", "587"), 45),
    Place("Lethbridge", "AB", "CA", ("T1H", "T1J", "T1K"), ("403", "587"), 40),
    Place("Medicine Hat", "AB", "CA", ("T1A", "T1B", "T1C"), ("403", "587"), 30),
    Place("Airdrie", "AB", "CA", ("T4A", "T4B"), ("403", "587", "825"), 30),
    Place("Grande Prairie", "AB", "CA", ("T8V", "T8W", "T8X"), ("780", "587"), 18),
    Place("Fort McMurray", "AB", "CA", ("T9H", "T9J", "T9K"), ("780", "587"), 10),
    Place("Okotoks", "AB", "CA", ("T1S",), ("403", "587"), 12),
    Place("Cochrane", "AB", "CA", ("T4C",), ("403", "587"), 10),
    Place("Canmore", "AB", "CA", ("T1W",), ("403", "587"), 8),
    Place("Brooks", "AB", "CA", ("T1R",), ("403", "587"), 6),
    Place("High River", "AB", "CA", ("T1V",), ("403", "587"), 6),
    Place("Strathmore", "AB", "CA", ("T1P",), ("403", "587"), 6),
    Place("Olds", "AB", "CA", ("T4H",), ("403", "587"), 5),
    Place("Camrose", "AB", "CA", ("T4V",), ("780", "587"), 6),
    Place("Lloydminster", "AB", "CA", ("T9V",), ("780", "587"), 5),
    Place("St. Albert", "AB", "CA", ("T8N", "T8T"), ("780", "587"), 12),
    Place("Sherwood Park", "AB", "CA", ("T8A", "T8B", "T8H"), ("780", "587"), 12),
    Place("Leduc", "AB", "CA", ("T9E",), ("780", "587"), 6),
    Place("Spruce Grove", "AB", "CA", ("T7X",), ("780", "587"), 6),
    # British Columbia
    Place("Vancouver", "BC", "CA", ("V5Z", "V6H", "V6B", "V5K", "V5T", "V6K", "V5R"),
          ("604", "778", "236"), 55),
    Place("Surrey", "BC", "CA", ("V3T", "V3S", "V3W", "V4N"), ("604", "778", "236"), 22),
    Place("Victoria", "BC", "CA", ("V8W", "V8T", "V8V"), ("250", "778", "236"), 18),
    Place("Kelowna", "BC", "CA", ("V1Y", "V1W", "V1V"), ("250", "778", "236"), 16),
    Place("Kamloops", "BC", "CA", ("V2C", "V2B", "V2H"), ("250", "778", "236"), 9),
    Place("Prince George", "BC", "CA", ("V2L", "V2M", "V2N"), ("250", "778", "236"), 8),
    Place("Nanaimo", "BC", "CA", ("V9R", "V9S", "V9T"), ("250", "778", "236"), 8),
    # Saskatchewan
    Place("Saskatoon", "SK", "CA", ("S7N", "S7H", "S7K", "S7L", "S7V"), ("306", "639"), 26),
    Place("Regina", "SK", "CA", ("S4P", "S4S", "S4T", "S4V", "S4X"), ("306", "639"), 20),
    Place("Moose Jaw", "SK", "CA", ("S6H", "S6J"), ("306", "639"), 5),
    Place("Prince Albert", "SK", "CA", ("S6V", "S6W"), ("306", "639"), 5),
    # Ontario
    # (Toronto is left out: geo.locate resolves its FSAs but not the bare city name.)
    Place("Brampton", "ON", "CA", ("L6T", "L6R", "L6Y", "L6V"), ("905", "289", "365"), 14),
    Place("Kingston", "ON", "CA", ("K7L", "K7K", "K7M", "K7P"), ("613", "343"), 10),
    Place("Ottawa", "ON", "CA", ("K1H", "K1Y", "K1N", "K1S", "K1Z"), ("613", "343"), 18),
    Place("Hamilton", "ON", "CA", ("L8N", "L8P", "L8S", "L8M"), ("905", "289", "365"), 12),
    Place("London", "ON", "CA", ("N6A", "N6G", "N6C", "N5Y"), ("519", "226", "548"), 12),
    Place("Mississauga", "ON", "CA", ("L5B", "L5M", "L5N", "L5A"), ("905", "289", "365"), 10),
    Place("Thunder Bay", "ON", "CA", ("P7B", "P7C", "P7A"), ("807",), 6),
)

US_PLACES = (
    # Texas (heaviest)
    Place("Houston", "TX", "US", ("77030", "77002", "77054", "77024", "77098", "77479"),
          ("713", "281", "832", "346"), 120),
    Place("Dallas", "TX", "US", ("75201", "75390", "75204", "75246", "75230"),
          ("214", "469", "972"), 95),
    Place("San Antonio", "TX", "US", ("78229", "78205", "78209", "78240"), ("210", "726"), 60),
    Place("Austin", "TX", "US", ("78701", "78705", "78756", "78745"), ("512", "737"), 55),
    Place("Fort Worth", "TX", "US", ("76104", "76107", "76132"), ("817", "682"), 35),
    Place("El Paso", "TX", "US", ("79902", "79905", "79912"), ("915",), 18),
    Place("Lubbock", "TX", "US", ("79401", "79410", "79424"), ("806",), 14),
    Place("McAllen", "TX", "US", ("78501", "78503", "78504"), ("956",), 12),
    Place("Tyler", "TX", "US", ("75701", "75703"), ("903", "430"), 10),
    Place("San Angelo", "TX", "US", ("76901", "76904"), ("325",), 6),
    Place("Amarillo", "TX", "US", ("79106", "79109"), ("806",), 8),
    Place("Corpus Christi", "TX", "US", ("78404", "78411"), ("361",), 10),
    # Maine
    Place("Portland", "ME", "US", ("04101", "04102", "04103"), ("207",), 22),
    Place("Bangor", "ME", "US", ("04401",), ("207",), 12),
    Place("Lewiston", "ME", "US", ("04240",), ("207",), 8),
    Place("Augusta", "ME", "US", ("04330",), ("207",), 7),
    Place("Presque Isle", "ME", "US", ("04769",), ("207",), 4),
    # Elsewhere (locum travellers, staffing markets)
    Place("Phoenix", "AZ", "US", ("85006", "85013", "85016"), ("602", "480", "623"), 16),
    Place("Denver", "CO", "US", ("80218", "80206", "80220"), ("303", "720"), 14),
    Place("Oklahoma City", "OK", "US", ("73104", "73112"), ("405",), 12),
    Place("Albuquerque", "NM", "US", ("87102", "87106"), ("505",), 10),
    Place("New Orleans", "LA", "US", ("70112", "70115"), ("504",), 10),
    Place("Shreveport", "LA", "US", ("71101", "71105"), ("318",), 5),
    Place("Nashville", "TN", "US", ("37203", "37232"), ("615", "629"), 10),
    Place("Atlanta", "GA", "US", ("30303", "30308", "30322"), ("404", "470", "678"), 10),
    Place("Rochester", "MN", "US", ("55905", "55902"), ("507",), 6),
    Place("Seattle", "WA", "US", ("98104", "98122"), ("206",), 8),
    Place("Boston", "MA", "US", ("02115", "02114"), ("617", "857"), 8),
    Place("Durham", "NC", "US", ("27710", "27705"), ("919", "984"), 7),
    Place("Omaha", "NE", "US", ("68198", "68105"), ("402", "531"), 5),
    Place("Manchester", "NH", "US", ("03101", "03103"), ("603",), 5),
    Place("Burlington", "VT", "US", ("05401",), ("802",), 3),
)

# Licences often held beyond home: neighbours, locum circuits, compact-style states.
EXTRA_JURISDICTIONS = {
    "AB": ("BC", "SK", "NT"), "BC": ("AB", "YT"), "SK": ("AB", "MB"), "ON": ("MB", "QC"),
    "TX": ("NM", "OK", "LA", "AZ", "CO", "AR"), "ME": ("NH", "VT", "MA"),
    "AZ": ("NM", "TX", "NV"), "CO": ("WY", "NM"), "OK": ("TX", "KS"), "NM": ("TX", "AZ"),
    "LA": ("TX", "MS"), "TN": ("KY", "GA"), "GA": ("FL", "SC"), "MN": ("WI", "IA"),
    "WA": ("OR", "ID"), "MA": ("NH", "RI"), "NC": ("SC", "VA"), "NE": ("IA", "KS"),
    "NH": ("ME", "VT"), "VT": ("NH", "ME"),
}

# --- professions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    profession: str
    specialties: tuple[tuple[str, int], ...]     # (specialty, weight)
    weight: int
    licensed: bool = True
    years: tuple[int, int] = (1, 30)
    countries: tuple[str, ...] = ("CA", "US")


ROLES = (
    Role("physician", (("Family medicine", 60), ("Family medicine — emergency (CCFP-EM)", 6),
                       ("Internal medicine", 10), ("Emergency medicine", 9),
                       ("Hospital medicine", 8), ("Psychiatry", 6), ("Anesthesiology", 6),
                       ("Obstetrics and gynecology", 5), ("Pediatrics", 5),
                       ("General surgery", 4), ("Diagnostic radiology", 4)), 230, years=(1, 35)),
    Role("nurse_practitioner", (("Family / all ages", 45), ("Primary care", 15),
                                ("Psychiatric mental health", 12),
                                ("Adult-gerontology acute care", 10),
                                ("Pediatrics", 6), ("Emergency", 8), ("Women's health", 4)),
         85, years=(1, 25)),
    Role("physician_assistant", (("Emergency medicine", 4), ("Family medicine", 5),
                                 ("Orthopedic surgery", 2), ("Hospital medicine", 2)),
         12, years=(1, 20), countries=("US",)),
    Role("registered_nurse", (("ICU / critical care", 20), ("Emergency", 20),
                              ("Medical-surgical", 25), ("Operating room / perioperative", 12),
                              ("Labour and delivery", 10), ("Mental health", 8),
                              ("Primary care / clinic", 10), ("Home care", 5),
                              ("Nurse anesthesia (CRNA)", 5)), 270, years=(1, 35)),
    Role("practical_nurse", (("Long-term care", 30), ("Family practice clinic", 20),
                             ("Acute care", 20), ("Home care", 10), ("Rehabilitation", 8)),
         80, years=(1, 30)),
    Role("clinical_research_coordinator", (("Oncology", 30), ("Cardiology", 20),
                                           ("Endocrinology / diabetes", 12), ("Neurology", 10),
                                           ("Infectious disease / vaccines", 10),
                                           ("Respiratory", 8), ("Rheumatology", 6)),
         40, licensed=False, years=(1, 20)),
    Role("clinical_research_associate", (("Oncology", 30), ("Cardiology", 18),
                                         ("Rare disease", 10), ("Neurology", 10),
                                         ("Infectious disease / vaccines", 12),
                                         ("Endocrinology / diabetes", 10)),
         28, licensed=False, years=(2, 22)),
    Role("medical_office_assistant", (("Family practice", 55), ("Specialist clinic", 20),
                                      ("Walk-in clinic", 15), ("Billing", 10)),
         85, licensed=False, years=(0, 25)),
    Role("front_office", (("Reception and scheduling", 55), ("Patient intake", 25),
                          ("Billing and claims", 20)), 45, licensed=False, years=(0, 20)),
    Role("pharmacist", (("Community pharmacy", 60), ("Hospital pharmacy", 30),
                        ("Primary care team", 10)), 14, years=(1, 30)),
    Role("physiotherapist", (("Musculoskeletal / orthopedics", 60), ("Neurological rehab", 20),
                             ("Sports", 20)), 12, years=(1, 25)),
    Role("sonographer", (("General / abdominal", 50), ("Obstetric", 30),
                         ("Cardiac (echocardiography)", 20)), 8, years=(1, 25)),
)

PHYSICIAN_CA_CREDS = {
    "Family medicine": "MD, CCFP", "Family medicine — emergency (CCFP-EM)": "MD, CCFP(EM)",
    "General surgery": "MD, FRCSC", "Obstetrics and gynecology": "MD, FRCSC",
}
PHYSICIAN_US_BOARD = {
    "Family medicine": "ABFM", "Family medicine — emergency (CCFP-EM)": "ABFM",
    "Internal medicine": "ABIM", "Emergency medicine": "ABEM", "Hospital medicine": "ABIM",
    "Psychiatry": "ABPN", "Anesthesiology": "ABA", "Obstetrics and gynecology": "ABOG",
    "Pediatrics": "ABP", "General surgery": "ABS", "Diagnostic radiology": "ABR",
}
PHYSICIAN_FOCUS = {
    "Family medicine": ("full-scope family practice", "longitudinal panel of 1,400 patients",
                        "rural generalism incl. ER shifts", "obstetrics and low-risk deliveries",
                        "chronic disease management", "walk-in and urgent care"),
    "Family medicine — emergency (CCFP-EM)": ("rural ER coverage", "regional ER and urgent care"),
    "Internal medicine": ("general internal medicine ward", "outpatient GIM clinic",
                          "inpatient consults"),
    "Emergency medicine": ("high-volume trauma centre", "community ER", "rural locums"),
    "Hospital medicine": ("7-on/7-off hospitalist", "nocturnist", "rural hospital coverage"),
    "Psychiatry": ("adult outpatient psychiatry", "inpatient psychiatry", "telepsychiatry",
                   "child and adolescent psychiatry"),
    "Anesthesiology": ("OR and obstetric anesthesia", "regional anesthesia", "cardiac anesthesia"),
    "Obstetrics and gynecology": ("high-risk obstetrics", "community OB/GYN", "gyne oncology"),
    "Pediatrics": ("general pediatrics", "NICU", "community pediatrics"),
    "General surgery": ("community general surgery", "endoscopy", "acute care surgery"),
    "Diagnostic radiology": ("body imaging", "teleradiology", "MSK and interventional"),
}
RN_CERT_US = {
    "ICU / critical care": "CCRN", "Emergency": "CEN", "Operating room / perioperative": "CNOR",
    "Labour and delivery": "RNC-OB", "Mental health": "PMH-BC", "Medical-surgical": "CMSRN",
}
RN_CERT_CA = {
    "ICU / critical care": "CNCC(C)", "Emergency": "ENC(C)",
    "Operating room / perioperative": "CPN(C)", "Labour and delivery": "PNC(C)",
    "Mental health": "CPMHN(C)", "Medical-surgical": "CMSN(C)",
}
NP_CERT_US = {
    "Family / all ages": "FNP-BC", "Primary care": "FNP-C",
    "Psychiatric mental health": "PMHNP-BC", "Adult-gerontology acute care": "AGACNP-BC",
    "Pediatrics": "CPNP-PC", "Emergency": "ENP-C", "Women's health": "WHNP-BC",
}

RN_TITLES = {
    "ICU / critical care": "ICU nurse", "Primary care / clinic": "Primary care nurse",
    "Operating room / perioperative": "Perioperative (OR) nurse",
    "Labour and delivery": "Labour & delivery nurse", "Medical-surgical": "Med-surg nurse",
    "Mental health": "Mental health nurse", "Home care": "Home care nurse",
}
SOURCES = (("referral", 22), ("former_staff", 8), ("former_locum", 5), ("own_network", 10),
           ("association", 7), ("job_board", 22), ("conference", 6), ("career_site", 10),
           ("school_program", 4), ("sourced", 6))
COMMON_TAGS = ("locum-interest", "rural-ok", "relocation-ok", "bilingual-french",
               "spanish-speaking", "punjabi-speaking", "tagalog-speaking", "night-shifts-ok",
               "weekends-ok", "new-grad", "returning-to-practice", "img", "hot", "silver-medalist",
               "part-time-only", "emr-accuro", "emr-epic", "emr-cerner")
NOTE_SNIPPETS = (
    "Prefers early-morning calls.", "Partner is also in healthcare; joint move possible.",
    "Kids in school — move only in summer.", "Interested in teaching residents.",
    "Open to a site visit next month.", "Asked about overhead and billing support.",
    "Wants predictable call schedule.", "Met at the provincial conference booth.",
    "Referred by a current physician.", "Strong references from last locum.",
    "Licence transfer in progress.", "Salary expectations above posted range.",
    "Only interested in team-based care.", "Looking for 4-day week.", "",
)
# Reserved names only (RFC 2606): a demo address can never reach a real person's mailbox.
EMAIL_DOMAINS = (("mail.example.com", 40), ("example.com", 14), ("inbox.example.net", 8),
                 ("example.net", 7), ("example.org", 7), ("post.example.org", 3))
EMAIL_DOMAINS_CA = (("ca.example.net", 5), ("home.example.org", 5),
                    ("inbox.example.com", 3))
POSTAL_LETTERS = "ABCEGHJKLMNPRSTVWXYZ"


def _cum(weights):
    total, out = 0, []
    for w in weights:
        total += w
        out.append(total)
    return out


class _Table:
    """A weighted choice table sampled with one random() call."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs):
        self.items = [p[0] for p in pairs]
        self.cum = _cum([p[1] for p in pairs])
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


_PLACES = {
    None: _Table([(p, p.weight) for p in CA_PLACES + US_PLACES]),
    "CA": _Table([(p, p.weight) for p in CA_PLACES]),
    "US": _Table([(p, p.weight) for p in US_PLACES]),
}
_ROLES = {c: _Table([(r, r.weight) for r in ROLES if c in r.countries]) for c in ("CA", "US")}
_SPECIALTIES = {r.profession: _Table(r.specialties) for r in ROLES}
_SOURCES = _Table(SOURCES)
_DOMAINS = {"US": _Table(EMAIL_DOMAINS), "CA": _Table(EMAIL_DOMAINS + EMAIL_DOMAINS_CA)}
_NAME_GROUPS = _Table([((g[0], g[1]), g[2]) for g in NAME_GROUPS])
_ASCII = {n: _ascii(n) for n in FIRST_NAMES + LAST_NAMES}


def _phone(rng: random.Random, place: Place) -> str:
    area = rng.choice(place.area_codes)
    while True:
        exchange = rng.randint(201, 989)
        if exchange % 100 != 11 and exchange != 555 and exchange // 10 not in (37, 96):
            break
    line = rng.randint(0, 9999)
    style = rng.random()
    if style < 0.45:
        return f"({area}) {exchange}-{line:04d}"
    if style < 0.75:
        return f"{area}-{exchange}-{line:04d}"
    if style < 0.9:
        return f"+1 {area} {exchange} {line:04d}"
    return f"{area}.{exchange}.{line:04d}"


def _postal(rng: random.Random, place: Place) -> str:
    code = rng.choice(place.postal)
    if place.country == "CA":
        return (f"{code} {rng.randint(0, 9)}{rng.choice(POSTAL_LETTERS)}"
                f"{rng.randint(0, 9)}")
    return code


def _jurisdictions(rng: random.Random, place: Place, role: Role) -> list[str]:
    if not role.licensed:
        return []
    home = f"{place.country}-{place.region}"
    codes = [home]
    extras = EXTRA_JURISDICTIONS.get(place.region, ())
    chance = 0.35 if place.country == "US" else 0.15
    if role.profession in ("physician", "nurse_practitioner"):
        chance += 0.15
    if extras and rng.random() < chance:
        codes.append(f"{place.country}-{rng.choice(extras)}")
        if place.country == "US" and len(extras) > 2 and rng.random() < 0.35:
            other = f"US-{rng.choice(extras)}"
            if other not in codes:
                codes.append(other)
    return codes


def _licence_number(rng: random.Random, profession: str, country: str, region: str) -> str:
    if profession == "physician":
        if country == "US":
            if region == "TX":
                return f"{rng.choice('NPQRS')}{rng.randint(1000, 9999)}"
            return f"MD{rng.randint(10000, 99999)}"
        if region == "ON":
            return f"{rng.randint(60000, 129999)}"
        return f"{rng.randint(10000, 99999):06d}"
    if country == "US":
        prefix = {"registered_nurse": "RN", "nurse_practitioner": "AP",
                  "practical_nurse": "LVN" if region == "TX" else "LPN",
                  "physician_assistant": "PA", "pharmacist": "RPH", "physiotherapist": "PT",
                  "sonographer": "RDMS"}.get(profession, "L")
        return f"{prefix}{rng.randint(100000, 999999)}"
    return f"{rng.randint(10000, 999999)}"


def _headline(rng: random.Random, role: Role, specialty: str, place: Place, years: int) -> str:
    us = place.country == "US"
    prof = role.profession
    yrs = "entry level" if years == 0 else ("1 yr" if years == 1 else f"{years} yrs")
    if prof == "physician":
        if us:
            creds = rng.choice(("MD", "MD", "MD", "DO"))
            board = PHYSICIAN_US_BOARD.get(specialty, "")
            cred = f"{creds}, {board}-certified" if board else creds
            if specialty.startswith("Family") and rng.random() < 0.3:
                cred = f"{creds}, FAAFP"
        else:
            cred = PHYSICIAN_CA_CREDS.get(specialty, "MD, FRCPC")
        focus = rng.choice(PHYSICIAN_FOCUS.get(specialty, ("clinical practice",)))
        name = "Family physician" if specialty.startswith("Family") else specialty
        return f"{name}, {cred} — {yrs}, {focus}"
    if prof == "nurse_practitioner":
        cred = NP_CERT_US.get(specialty, "NP-C") if us else rng.choice(("NP", "NP, MN"))
        return f"Nurse practitioner ({specialty.lower()}), {cred} — {yrs}"
    if prof == "physician_assistant":
        return f"Physician assistant, PA-C — {specialty.lower()}, {yrs}"
    if prof == "registered_nurse":
        if "CRNA" in specialty:
            return f"CRNA, DNAP — {yrs} OR and OB anesthesia" if us else (
                f"RN, anesthesia assistant — {yrs} OR")
        certs = (RN_CERT_US if us else RN_CERT_CA).get(specialty)
        base = rng.choice(("RN, BSN", "RN, BSN", "RN") if us else ("RN, BN", "RN, BScN", "RN"))
        if certs and rng.random() < 0.45:
            base = f"{base}, {certs}"
        title = RN_TITLES.get(specialty, f"{specialty} nurse")
        if us:
            title = title.replace("Labour", "Labor")
        return f"{title}, {base} — {yrs}"
    if prof == "practical_nurse":
        title = ("LVN" if place.region == "TX" else "LPN") if us else (
            "RPN" if place.region == "ON" else "LPN")
        return f"{title} — {specialty.lower()}, {yrs}"
    if prof == "clinical_research_coordinator":
        cred = rng.choice(("CCRP", "CCRC", "ACRP-CP", "", ""))
        phases = rng.choice(("Phase I–III", "Phase II–III", "Phase III", "Phase I/II"))
        title = f"Clinical research coordinator{', ' + cred if cred else ''}"
        return f"{title} — {specialty.lower()}, {phases}, {yrs}"
    if prof == "clinical_research_associate":
        cred = rng.choice(("CCRA", "ACRP-CP", "", ""))
        return (f"Clinical research associate{', ' + cred if cred else ''} — {specialty.lower()} "
                f"monitoring, {yrs}")
    if prof == "medical_office_assistant":
        emr = rng.choice(("Accuro", "Med Access", "Epic", "eClinicalWorks", "athenahealth"))
        title = "Medical assistant" if us else "Medical office assistant"
        return f"{title} — {specialty.lower()}, {emr}, {yrs}"
    if prof == "front_office":
        return f"Front office — {specialty.lower()}, {yrs}"
    if prof == "pharmacist":
        cred = rng.choice(("PharmD", "PharmD, BCPS")) if us else rng.choice(("BScPharm", "PharmD"))
        return f"Pharmacist, {cred} — {specialty.lower()}, {yrs}"
    if prof == "physiotherapist":
        cred = "DPT" if us else "MPT"
        title = "Physical therapist" if us else "Physiotherapist"
        return f"{title}, {cred} — {specialty.lower()}, {yrs}"
    if prof == "sonographer":
        cred = "RDMS" if us else rng.choice(("CRGS", "RDMS"))
        return f"Sonographer, {cred} — {specialty.lower()}, {yrs}"
    return f"{specialty}, {yrs}"


def _tags(rng: random.Random, role: Role, specialty: str, place: Place, years: int) -> list[str]:
    tags = []
    if rng.random() < 0.5:
        tags.append(rng.choice(COMMON_TAGS))
    if rng.random() < 0.15:
        t = rng.choice(COMMON_TAGS)
        if t not in tags:
            tags.append(t)
    if years <= 2 and "new-grad" not in tags and rng.random() < 0.6:
        tags.append("new-grad")
    if role.profession.startswith("clinical_research"):
        tags.append(rng.choice(("gcp-current", "oncology-trials", "edc-medidata", "edc-redcap")))
    if role.profession == "physician" and rng.random() < 0.25:
        tags.append(rng.choice(("panel-ready", "obstetrics", "er-shifts", "teaching")))
    return tags


def candidate_rows(
    n: int, seed: int = 0, *, country: str | None = None
) -> Iterator[dict[str, str]]:
    """`n` deterministic candidate rows in the CSV import format (see module docstring).

    `country` ("CA" or "US") restricts everyone to that country; None mixes both (about 60/40)."""
    country = country.upper() if country else None
    if country not in _PLACES:
        raise ValueError(f"country must be 'CA', 'US' or None, not {country!r}")
    rng = random.Random(f"rounds-people:{seed}:{country or ''}")
    places = _PLACES[country]
    suffix = f".{seed}" if seed else ""
    for i in range(n):
        place = places.pick(rng)
        role = _ROLES[place.country].pick(rng)
        specialty = _SPECIALTIES[role.profession].pick(rng)
        if place.country == "CA" and "CRNA" in specialty:
            specialty = "ICU / critical care"
        firsts, lasts = _NAME_GROUPS.pick(rng)
        first = firsts[rng.randrange(len(firsts))]
        if rng.random() < 0.2:
            lasts = _NAME_GROUPS.pick(rng)[1]
        last = lasts[rng.randrange(len(lasts))]
        lo, hi = role.years
        years = min(hi, lo + int(rng.random() ** 1.4 * (hi - lo + 1)))
        jurisdictions = _jurisdictions(rng, place, role)
        licence = (_licence_number(rng, role.profession, place.country, place.region)
                   if jurisdictions else "")
        domain = _DOMAINS[place.country].pick(rng)
        sep = rng.choice((".", "", "_"))
        email = f"{_ASCII[first]}{sep}{_ASCII[last]}{i}{suffix}@{domain}"
        note = NOTE_SNIPPETS[rng.randrange(len(NOTE_SNIPPETS))]
        yield {
            "external_id": f"P{seed}-{i:07d}",
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": _phone(rng, place),
            "profession": role.profession,
            "specialty": specialty,
            "licence_jurisdictions": ";".join(jurisdictions),
            "licence_number": licence,
            "city": place.city,
            "region": place.region,
            "postal_code": _postal(rng, place),
            "country": place.country,
            "headline": _headline(rng, role, specialty, place, years),
            "years_experience": str(years),
            "source": _SOURCES.pick(rng),
            "tags": ";".join(_tags(rng, role, specialty, place, years)),
            "notes": note,
        }
