"""Text understanding for matching: what a job title, a posting or a CV headline says about
profession, specialty, settings, therapeutic areas, trial phases, certifications, experience,
licensing jurisdictions and employment type, with the evidence for each.

Matching is a dictionary lookup over normalised word sequences built once from the knowledge
files (longest phrase wins), so it is fast enough to run for every candidate. Capitalised
abbreviations of up to three letters ("ED", "ER", "PA", "GP") match only when written in
capitals, and always on whole words: "required" never says ED, "PAY" never says PA.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any, NamedTuple

from rounds.candidates.choices import EmploymentType, Profession, Setting
from rounds.lib import jurisdictions

from . import knowledge

# --- normalisation ---------------------------------------------------------------------------

_DOTTED = re.compile(r"\b((?:[A-Za-z]\.[ ]?){1,4}[A-Za-z])\b\.?")
_DOTTED_DEGREE = re.compile(r"\b(Ph|PH|ph|Pharm|PHARM|pharm|Au|AU|au|Psy|PSY|psy)\.[ ]?([Dd])\b"
                            r"\.?")
_COORD = re.compile(r"\b([Cc])o-(ordinat|operat)")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&")
# British → American spellings, so that one synonym serves both ("paediatric" = "pediatric").
_SPELLING = [
    (re.compile(r"^paed"), "ped"), (re.compile(r"^orthopaed"), "orthoped"),
    (re.compile(r"^anaes"), "anes"), (re.compile(r"^haem"), "hem"),
    (re.compile(r"gynae"), "gyne"), (re.compile(r"^oesoph"), "esoph"),
    (re.compile(r"^foet"), "fet"), (re.compile(r"(leuk|an|isch)aem"), r"\1em"),
    (re.compile(r"^oedem"), "edem"), (re.compile(r"^oestr"), "estr"),
    (re.compile(r"centre(s?)$"), r"center\1"), (re.compile(r"^specialit(y|ies)$"), r"specialt\1"),
    (re.compile(r"^programme(s?)$"), r"program\1"), (re.compile(r"^labour$"), "labor"),
    (re.compile(r"behaviour"), "behavior"), (re.compile(r"counsell"), "counsel"),
    (re.compile(r"tumour"), "tumor"), (re.compile(r"^dietician"), "dietitian"),
    (re.compile(r"isation(s?)$"), r"ization\1"), (re.compile(r"^licen[cs]"), "licens"),
    (re.compile(r"^enrolment"), "enrollment"), (re.compile(r"^catheteris"), "catheteriz"),
    (re.compile(r"^immunis"), "immuniz"), (re.compile(r"^organis"), "organiz"),
    (re.compile(r"^optimis"), "optimiz"), (re.compile(r"^judgement"), "judgment"),
]
_SPELLING_HINT = re.compile(r"ae|oe|centre|speciali|programme|labour|behaviour|counsell|tumour|"
                            r"dietician|isation|licen|enrolment|catheteris|immunis|organis|"
                            r"optimis|judgement")


_CANON: dict[str, str] = {"&": "and"}


def _canon(word: str) -> str:
    found = _CANON.get(word)
    if found is None:
        found = _CANON[word] = _canon_word(word)
        if len(_CANON) > 200_000:  # a bound, in case of endless new words
            _CANON.clear()
            _CANON["&"] = "and"
    return found


def _canon_word(word: str) -> str:
    w = word.lower().replace("’", "").replace("'", "")
    if not w.isascii():
        w = unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() or w
    if _SPELLING_HINT.search(w):
        for pattern, repl in _SPELLING:
            w = pattern.sub(repl, w)
    return w


def _prepare(text: str) -> str:
    if "." in text:
        text = _DOTTED_DEGREE.sub(r"\1\2 ", text)
        text = _DOTTED.sub(lambda m: m.group(1).replace(".", "").replace(" ", "") + " ", text)
    if "-" in text:
        text = _COORD.sub(r"\1o\2", text)
    return text


class _Tokens(NamedTuple):
    text: str  # the prepared text the spans point into
    norms: list[str]
    upper: list[bool]  # written in capitals (for short abbreviations)
    spans: list[tuple[int, int]]


def _tokens(text: str) -> _Tokens:
    text = _prepare(text)
    norms: list[str] = []
    upper: list[bool] = []
    spans: list[tuple[int, int]] = []
    canon = _CANON.get
    for m in _TOKEN.finditer(text):
        word = m.group()
        norms.append(canon(word) or _canon(word))
        upper.append(word.isupper())
        spans.append(m.span())
    return _Tokens(text, norms, upper, spans)


def _letters(word: str) -> int:
    return sum(c.isalpha() for c in word)


# --- the phrase index ------------------------------------------------------------------------

class _Hit(NamedTuple):
    kind: str  # prof | spec | cert | area | phase | block | setting | side
    value: str
    strong: bool  # prof: strong synonym; spec: names a person (implies the profession)
    mask: tuple[int, ...]  # token positions that must be written in capitals


class _Index:
    def __init__(self) -> None:
        self.phrases: dict[str, list[_Hit]] = {}
        self.prefixes: set[str] = set()

    def add(self, phrase: str, kind: str, value: str, strong: bool = False,
            plural: bool = True) -> None:
        toks = _tokens(phrase)
        if not toks.norms:
            return
        words = toks.norms
        raw = [toks.text[a:b] for a, b in toks.spans]
        mask = tuple(i for i, w in enumerate(raw)
                     if w != "&" and w.isupper() and _letters(w) <= 3)
        variants = [words]
        last = words[-1]
        if plural and not mask and last.isalpha() and len(last) >= 4 and not last.endswith("s"):
            variants.append([*words[:-1], last[:-1] + "ies" if last.endswith("y") else last + "s"])
        for variant in variants:
            key = " ".join(variant)
            hit = _Hit(kind, value, strong, mask)
            bucket = self.phrases.setdefault(key, [])
            if hit not in bucket:
                bucket.append(hit)
            for n in range(1, len(variant)):
                self.prefixes.add(" ".join(variant[:n]))

    def scan(self, toks: _Tokens) -> list[tuple[int, int, list[_Hit]]]:
        """Longest matches, left to right, that do not overlap: (start, end, hits)."""
        found = []
        norms, upper = toks.norms, toks.upper
        n = len(norms)
        i = 0
        phrases, prefixes = self.phrases, self.prefixes
        while i < n:
            key = norms[i]
            j = i
            best: tuple[int, list[_Hit]] | None = None
            while True:
                hits = phrases.get(key)
                if hits:
                    ok = [h for h in hits if all(upper[i + k] for k in h.mask)]
                    if ok:
                        best = (j + 1, ok)
                j += 1
                if j >= n or key not in prefixes:
                    break
                key = f"{key} {norms[j]}"
            if best:
                found.append((i, best[0], best[1]))
                i = best[0]
            else:
                i += 1
        return found


# Phrases that name non-clinical roles containing a weak profession word ("administrator",
# "clerk"), so that an IT or finance role is not read as front office.
_NON_CLINICAL = (
    "systems administrator", "system administrator", "server administrator",
    "database administrator", "network administrator", "finance administrator",
    "payroll administrator", "HR administrator", "payroll clerk", "finance clerk",
    "accounts clerk", "data analyst", "business analyst", "IT support", "estates officer",
    "finance manager", "project manager", "IT manager", "research scientist", "data scientist",
    "IM&T", "IM and T", "HR advisor", "HR adviser", "HR manager",
)

_SETTINGS: dict[str, tuple[str, ...]] = {
    Setting.ICU: ("critical care", "ICU", "icu", "ITU", "intensive care", "intensive care unit",
                  "intensive therapy unit", "HDU", "high dependency unit", "NICU", "nicu", "PICU",
                  "CVICU", "MICU", "SICU", "CCU", "coronary care unit", "critical care unit"),
    Setting.EMERGENCY: ("A&E", "accident and emergency", "accident & emergency",
                        "emergency department", "ED", "ER", "emergency room", "emerg",
                        "emergency", "trauma centre", "urgent and emergency care"),
    Setting.HOSPITAL_INPATIENT: ("ward", "wards", "inpatient", "inpatients", "in-patient",
                                 "hospital", "acute hospital", "acute care", "medical ward",
                                 "surgical ward", "hospital-based", "hospitalist", "theatres",
                                 "operating room", "operating theatres", "hospital medicine"),
    Setting.COMMUNITY_CLINIC: ("community", "clinic", "clinics", "outpatient", "outpatients",
                               "out-patient", "GP practice", "GP surgery", "primary care",
                               "family practice", "health centre", "medical centre",
                               "walk-in clinic", "physician office", "private practice",
                               "polyclinic", "community health centre", "medical office",
                               "ambulatory care"),
    Setting.HOME_CARE: ("home care", "home health", "district nursing", "district nurse",
                        "home visits", "domiciliary", "home-based care", "home healthcare",
                        "visiting nurse", "community nursing", "hospital at home",
                        "virtual ward"),
    Setting.LONG_TERM_CARE: ("long-term care", "long term care", "LTC", "nursing home",
                             "nursing homes", "care home", "care homes", "residential care",
                             "skilled nursing facility", "SNF", "assisted living",
                             "retirement home", "continuing care", "extended care"),
    Setting.RURAL: ("rural", "remote and rural", "rural and remote", "remote community",
                    "remote communities", "northern community", "fly-in", "isolated community",
                    "critical access hospital", "frontier", "remote area", "remote location"),
    Setting.VIRTUAL: ("virtual care", "virtual", "telehealth", "telemedicine", "tele-health",
                      "video consultations", "remote consultations", "telephone triage",
                      "NHS 111", "telepsychiatry", "teleradiology", "virtual clinic"),
    Setting.RESEARCH_SITE: ("research site", "investigator site", "investigative site",
                            "study site", "clinical research unit", "phase I unit",
                            "phase 1 unit", "clinical research facility", "SMO",
                            "site management organisation", "site-based", "site based",
                            "clinical trials unit", "research unit", "clinical research site"),
    Setting.SPONSOR_CRO: ("CRO", "CROs", "sponsor", "sponsors", "contract research organisation",
                          "contract research organization", "pharmaceutical company",
                          "pharmaceutical companies", "biotech", "biotechnology company",
                          "pharma", "biopharma", "life sciences company", "sponsor-side"),
    Setting.ACADEMIC: ("academic", "teaching hospital", "university hospital",
                       "academic medical centre", "academic health sciences centre",
                       "academic centre", "academic medical center", "faculty position",
                       "university teaching hospital", "teaching trust"),
}


@cache
def _index() -> _Index:
    idx = _Index()
    for key, info in knowledge.professions().items():
        for s in info.synonyms:
            idx.add(s, "prof", key, strong=True)
        for s in info.weak_synonyms:
            idx.add(s, "prof", key, strong=False)
        idx.add(info.label, "prof", key, strong=True)
    for key, info in knowledge.specialties().items():
        titles = set(info.titles)
        for s in info.synonyms:
            idx.add(s, "spec", key, strong=s in titles)
        for s in info.designations:
            idx.add(s, "spec", key, strong=True, plural=False)
        idx.add(info.name, "spec", key, strong=False)
    for key, cert in knowledge.certifications().items():
        for s in (*cert.synonyms, cert.name):
            idx.add(s, "cert", key, plural=False)
    for key, area in knowledge.therapeutic_areas().items():
        for s in (*area.synonyms, area.name):
            idx.add(s, "area", key)
    for key, area in knowledge.trial_phases().items():
        for s in (*area.synonyms, area.name):
            idx.add(s, "phase", key, plural=False)
    for s in _NON_CLINICAL:
        idx.add(s, "block", "")
    return idx


@cache
def _aux_index() -> _Index:
    """Settings and research side: scanned separately because their words overlap with the
    phrases of the main index ("critical care bank nurse" says ICU and a profession)."""
    idx = _Index()
    for setting, words in _SETTINGS.items():
        for s in words:
            idx.add(s, "setting", str(setting))
    for side, words in knowledge.research_sides().items():
        for s in words:
            idx.add(s, "side", side)
    return idx


# --- employment type, years, jurisdictions ---------------------------------------------------

_EMPLOYMENT_TITLE = (  # in priority order
    (EmploymentType.LOCUM, re.compile(r"\blocums?\b|\blocum tenens\b", re.I)),
    (EmploymentType.PER_DIEM, re.compile(
        r"\bbank\b|\bper[ -]diem\b|\bPRN\b|\bcasual\b|\brelief\b|\bzero[ -]hours?\b", re.I)),
    (EmploymentType.CONTRACT, re.compile(
        r"\bfixed[ -]term\b|\btemporary\b|\btemp\b|\bsecondment\b|\bmaternity (?:leave )?cover\b"
        r"|\bcontract(?:or)?\b|\binterim\b|\bFTC\b|\btravel (?:nurse|rn|assignment)\b", re.I)),
    (EmploymentType.PART_TIME, re.compile(r"(?i:\bpart[ -]time\b|\bjob share\b)|\bPT\b")),
    (EmploymentType.PERMANENT, re.compile(
        r"\bpermanent\b|\bfull[ -]time\b|\bsubstantive\b|\bFT\b", re.I)),
)
_EMPLOYMENT_BODY = re.compile(
    r"(?P<locum>\blocum(?:s| tenens| positions?| work| cover| shifts?| basis)?\b)"
    r"|(?P<per_diem>\b(?:bank (?:staff|shifts?|nurses?|workers?|contract|positions?|role|post|"
    r"hours)|(?:staff|nurse|nursing|trust|internal) bank|per[ -]diem|casual (?:position|basis|"
    r"pool|hours|employment)|relief (?:position|basis|pool))\b)"
    r"|(?P<contract>\b(?:fixed[ -]term|temporary (?:post|position|contract|role)|secondment|"
    r"maternity (?:leave )?cover|\d+[ -](?:month|week)s? contract|contract (?:role|position|"
    r"basis|post|assignment)|contractor)\b)"
    r"|(?P<part_time>\bpart[ -]time (?:post|position|role|hours|basis|contract|permanent)\b)"
    r"|(?P<permanent>\b(?:permanent|full[ -]time|substantive)\b)",
    re.I,
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}
_NUM = r"(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")"
_YEARS = (r"(?:\s*(?:-|–|to)\s*\d{1,2})?\s*\+?\s*(?:\(\d{1,2}\)\s*)?(?:or more\s+)?"
          r"(?P<unit>years?|yrs?)\b['’]?")
_YEARS_EXPERIENCE = re.compile(
    rf"(?:(?:minimum|min\.?|at least|over|more than|a minimum of)\s+(?:of\s+)?)?\b{_NUM}{_YEARS}"
    r"(?P<tail>[^.;\n]{0,60})",
    re.I,
)
_EXPERIENCE_WORD = re.compile(r"\b(?:experience|exp\b|experienced|post[- ]?qualification|"
                              r"post[- ]?registration|post[- ]?qualified|as an?\s+\w+)", re.I)
# "a provider with over 30 years' experience", "within the coming two years"
_NOT_REQUIREMENT_LEAD = re.compile(
    r"\b(?:with|for|boasts|brings|within|next|coming|past|last|period of|up to|every|each)\s*$"
    r"|\b(?:we|we've|we have|our|has|nearly|almost)\b[^.;\n]{0,20}$", re.I)
_NOT_EXPERIENCE = re.compile(r"^\W*(?:fixed|term|contract|secondment|"
                             r"post\b(?![- ]?(?:qualif|regist))|programme|program\b|"
                             r"rotation|training|funding|funded|old|ago|of age|age\b|"
                             r"in post|duration|period|warranty|lease|tenure|from)", re.I)

_REGULATORS = {  # licensing bodies whose name says the jurisdiction
    "CPSA": "CA-AB", "CPSO": "CA-ON", "CPSBC": "CA-BC", "CPSS": "CA-SK", "CPSM": "CA-MB",
    "CMQ": "CA-QC", "CPSNS": "CA-NS", "CPSNB": "CA-NB", "CPSNL": "CA-NL", "CPSPEI": "CA-PE",
    "BCCNM": "CA-BC", "CRNBC": "CA-BC", "CARNA": "CA-AB", "CRNA of Alberta": "CA-AB",
    "CLPNA": "CA-AB", "OIIQ": "CA-QC", "NSCN": "CA-NS", "CRNNS": "CA-NS", "CRNM": "CA-MB",
    "CLPNM": "CA-MB", "NANB": "CA-NB", "CRNNL": "CA-NL", "OCP": "CA-ON", "OPQ": "CA-QC",
    "College of Nurses of Ontario": "CA-ON", "Texas Medical Board": "US-TX",
    "Medical Board of California": "US-CA",
}


@cache
def _place_index() -> _Index:
    idx = _Index()
    names = {**{name: code for code, name in jurisdictions.JURISDICTIONS.items()},
             "Quebec": "CA-QC", "Newfoundland": "CA-NL", "PEI": "CA-PE",
             "Washington DC": "US-DC", "Washington D.C.": "US-DC"}
    for name, code in names.items():
        idx.add(name, "place", code, plural=False)
    for code in jurisdictions.JURISDICTIONS:
        country, sub = code.split("-")
        idx.add(code, "place", code, plural=False)  # "US-TX", "CA-AB"
        if country in ("CA", "US"):
            idx.add(sub, "place", jurisdictions.normalize(sub, country) or code, plural=False)
    for regulator, code in _REGULATORS.items():
        idx.add(regulator, "regulator", code, plural=False)
    return idx


_LICENCE_BEFORE = re.compile(
    r"(?:licen[cs]\w*|registration|registered|eligib\w*|certified|practi[cs]e permit)\W+"
    r"(?:[\w/-]+\W+){0,4}?(?:in|with|for|by|from)\W+(?:the\W+)?"
    r"(?:(?:state|province|commonwealth)\W+of\W+)?$", re.I)
_LICENCE_AFTER = re.compile(
    r"^\W*(?:(?:state|provincial|medical|nursing|RN|LPN|PA|NP|professional|active|"
    r"unrestricted|full|independent|current|valid|physician|pharmacy|pharmacist)\W+){0,3}"
    r"licen[cs](?:e|ure|ed)\b", re.I)


def _jurisdictions(*texts: _Tokens) -> list[str]:
    """Jurisdictions named as licensing requirements ("licensed in Alberta", "Texas license",
    "eligible for CPSA licensure"), found by looking up place names among the words and then
    checking the words around them."""
    found: list[str] = []
    idx = _place_index()
    for toks in texts:
        for i, j, hits in idx.scan(toks):
            start, end = toks.spans[i][0], toks.spans[j - 1][1]
            for hit in hits:
                if hit.kind == "regulator" or _LICENCE_BEFORE.search(
                        toks.text[max(0, start - 80):start]) or _LICENCE_AFTER.match(
                        toks.text[end:end + 50]):
                    if hit.value not in found:
                        found.append(hit.value)
                    break
    return found


_YEAR_WORD = re.compile(r"(?i)\b(?:years?|yrs?)\b")


def _years(text: str, *, short: bool) -> int | None:
    """Years of experience asked for or stated; not contract lengths, ages or salaries. The
    pattern runs only around the words "year"/"yrs" (it is too slow over whole texts)."""
    for hit in _YEAR_WORD.finditer(text):
        start = max(0, hit.start() - 40)
        window = text[start:hit.end() + 70]
        for m in _YEARS_EXPERIENCE.finditer(window):
            if m.start("unit") == hit.start() - start:
                value = _year_value(m, text, start, short)
                if value:
                    return value
    return None


def _year_value(m: re.Match[str], text: str, offset: int, short: bool) -> int | None:
    raw = m.group(1).lower()
    value = _NUMBER_WORDS.get(raw) or (int(raw) if raw.isdigit() else 0)
    if not 0 < value <= 45:
        return None
    tail = m.group("tail") or ""
    if _NOT_EXPERIENCE.match(tail):
        return None
    begin = offset + m.start()
    lead = text[max(0, begin - 40):begin]
    if _NOT_REQUIREMENT_LEAD.search(lead):
        return None
    said = bool(_EXPERIENCE_WORD.search(tail[:45])) or bool(
        re.search(r"experience\s+(?:of|for)?\s*$", lead, re.I)) or bool(
        re.search(r"\b(?:minimum|at least)\b", m.group(0), re.I))
    return value if said or short else None


def _employment(title: str, body: str) -> tuple[str | None, str]:
    """(EmploymentType value, where it came from: "title" | "body" | "")."""
    for value, pattern in _EMPLOYMENT_TITLE:
        if pattern.search(title):
            return str(value), "title"
    m = _EMPLOYMENT_BODY.search(body)
    if m:
        return m.lastgroup, "body"
    return None, ""


# --- reading ---------------------------------------------------------------------------------

@dataclass
class Reading:
    profession: str | None = None
    specialties: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)
    therapeutic_areas: list[str] = field(default_factory=list)
    trial_phases: list[str] = field(default_factory=list)
    certifications: list[str] = field(default_factory=list)
    years_experience: int | None = None
    research_side: str | None = None
    jurisdictions: list[str] = field(default_factory=list)
    employment_type: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def recognised(self) -> bool:
        return bool(self.profession or self.specialties)


_RESEARCH_PROFESSIONS = {Profession.CLINICAL_RESEARCH_ASSOCIATE,
                         Profession.CLINICAL_RESEARCH_COORDINATOR}
# Professions that work within physician specialties and may carry their keys as practice area.
_PRACTICE_AREA_PROFESSIONS = {Profession.NURSE_PRACTITIONER, Profession.PHYSICIAN_ASSISTANT}
_RESEARCH_WORDS = frozenset({"trial", "trials", "cro", "cros", "sponsor", "sponsors", "gcp",
                             "protocol", "protocols", "investigator", "investigators", "study",
                             "studies", "research"})


class _Match(NamedTuple):
    start: int
    text: str  # as written
    key: str  # normalised words
    hits: list[_Hit]


def _matches(text: str | _Tokens, idx: _Index, *, field_value: bool = False) -> list[_Match]:
    """Matches in a text. A field value ("rn", "Pa-c", "do" in a profession column) is short
    and says one thing, so capitals are not needed there to read an abbreviation."""
    toks = _tokens(text) if isinstance(text, str) else text
    if not toks.norms:
        return []
    if field_value and len(toks.norms) <= 4:
        toks = toks._replace(upper=[True] * len(toks.norms))
    return [_Match(i, toks.text[toks.spans[i][0]:toks.spans[j - 1][1]],
                   " ".join(toks.norms[i:j]), hits)
            for i, j, hits in idx.scan(toks)]


def _profession_votes(matches: list[_Match], *, field_words: float,
                      ambiguous: float = 0.0) -> Counter[str]:
    """Score each profession named in the matches. Strong synonyms and person titles count 3,
    weak words 1; a field word that belongs to one profession only ("anesthesiology") counts
    `field_words`; an ambiguous one `ambiguous`, for the first profession listed."""
    votes: Counter[str] = Counter()
    first: dict[str, int] = {}
    specs = knowledge.specialties()
    blocked = any(h.kind == "block" for m in matches for h in m.hits)
    for m in matches:
        named = {}
        for h in m.hits:
            if h.kind == "prof":
                weight = 3.0 if h.strong else (0.0 if blocked else 1.0)
                named[h.value] = max(named.get(h.value, 0.0), weight)
        spec_hits = [h for h in m.hits if h.kind == "spec"]
        for h in spec_hits:
            if h.strong:
                p = specs[h.value].profession
                named[p] = max(named.get(p, 0.0), 3.0)
        if not named and spec_hits and m.key not in _GENERIC_WORDS:
            profs = list(dict.fromkeys(specs[h.value].profession for h in spec_hits))
            weight = field_words if len(profs) == 1 else ambiguous
            if weight:
                named[profs[0]] = weight
        for p, w in named.items():
            votes[p] += w
            first.setdefault(p, m.start)
    # A profession that may legally fill another outranks it ("RN, MSN, FNP-C" is an NP).
    table = knowledge.professions()
    for p in list(votes):
        for lower in table[p].qualifies_as:
            if lower in votes and votes[p] >= 3:
                votes[lower] = min(votes[lower], votes[p] - 0.5)
    # Earlier mentions win ties: subtract a tiny amount by position.
    return Counter({p: v - first[p] * 1e-6 for p, v in votes.items() if v > 0})


def _choose_profession(votes: Counter[str], minimum: float = 0.5) -> str | None:
    if not votes:
        return None
    (best, score), *rest = votes.most_common()
    if score < minimum:
        return None
    return best


def _pick_specialty(hits: list[_Hit], profession: str | None) -> str | None:
    specs = knowledge.specialties()
    keys = [h.value for h in hits if h.kind == "spec"]
    if not keys:
        return None
    if profession:
        same = [k for k in keys if specs[k].profession == profession]
        if same:
            return same[0]
        if profession in _PRACTICE_AREA_PROFESSIONS:
            physician = [k for k in keys if specs[k].profession == Profession.PHYSICIAN]
            if physician:
                return physician[0]
        return None
    titled = [h.value for h in hits if h.kind == "spec" and h.strong]
    return titled[0] if titled else keys[0]


def _specialties(matches: list[_Match], profession: str | None,
                 evidence: dict[str, str]) -> list[str]:
    """Specialties in order of mention; a specialty named only by the profession itself
    ("Registered Practical Nurse" → practical nursing) goes after more specific ones."""
    specs = knowledge.specialties()
    specific: list[str] = []
    generic: list[str] = []
    for m in matches:
        key = _pick_specialty(m.hits, profession)
        if key and key not in specific and key not in generic:
            names_profession = any(h.kind == "prof" and h.strong
                                   and h.value == specs[key].profession for h in m.hits)
            (generic if names_profession else specific).append(key)
            evidence.setdefault(m.text, specs[key].name)
    return specific + generic


def _collect(matches: list[_Match], kind: str, names: dict[str, Any],
             evidence: dict[str, str]) -> list[str]:
    out: list[str] = []
    for m in matches:
        for h in m.hits:
            if h.kind == kind and h.value not in out:
                out.append(h.value)
                evidence.setdefault(m.text, names[h.value].name)
    return out


@cache
def _setting_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Setting.choices}


def _settings(title_aux: list[_Match], body_aux: list[_Match], short: bool,
              evidence: dict[str, str]) -> list[str]:
    labels = _setting_labels()
    out: list[str] = []
    for m in title_aux:
        for h in m.hits:
            if h.kind == "setting" and h.value not in out:
                out.append(h.value)
                evidence.setdefault(m.text, str(labels[h.value]))
    counts: Counter[str] = Counter()
    where: dict[str, str] = {}
    for m in body_aux:
        for h in m.hits:
            if h.kind == "setting":
                counts[h.value] += 1
                where.setdefault(h.value, m.text)
    if out:
        return out
    for value, n in counts.most_common(2):
        if n >= 2 or short:
            out.append(value)
            evidence.setdefault(where[value], str(labels[value]))
    return out


# Department words too common in descriptions to say a specialty by themselves.
_GENERIC_TEXT = """
medicine medical surgery surgical hospital community children childrens clinic clinics pediatric
pediatrics emergency trauma acute adult adults rehabilitation rehab recovery theatre theatres
respiratory cardiac renal heart liver lung skin spine spinal vascular breast cancer neuro
school sport sports hand imaging outpatient outpatients hospice palliative nursing psychiatric
forensic custody prison inpatient infection stroke dementia frailty diabetes obesity fertility
maternity continence discharge language communication dialysis kidney ortho orthopedic
orthopedics general primary clinical scrub flight gerontology geriatrics chemotherapy endoscopy
ophthalmic neonatal anesthesia anesthetics anesthetic perioperative telemetry infusion pain
safeguarding reablement intermediate residential counseling psychotherapy hearing ultrasound
echo reception registration admissions appointments booking bookings referrals clerical
administration administrative filing scheduling billing typing transcription dictation
dispensing emerg sexual health public
"""
_GENERIC_WORDS = frozenset(_GENERIC_TEXT.split())


def _body_specialties(body_m: list[_Match], profession: str | None, short: bool,
                      evidence: dict[str, str]) -> list[str]:
    """Up to three specialties the description keeps coming back to."""
    counts: Counter[str] = Counter()
    where: dict[str, str] = {}
    for m in body_m:
        if m.key in _GENERIC_WORDS and not any(h.strong for h in m.hits if h.kind == "spec"):
            continue
        key = _pick_specialty(m.hits, profession)
        if key:
            counts[key] += 1
            where.setdefault(key, m.text)
    limit = 1 if short else 2
    keep = [k for k, n in counts.most_common() if n >= limit][:3]
    specs = knowledge.specialties()
    for key in keep:
        evidence.setdefault(where[key], specs[key].name)
    return keep


def _read(text: str, title: str) -> tuple[Reading, str]:
    """The reading, and where its employment type came from ("title", "body" or "")."""
    title = plain_text(title) if title and ("&" in title or "<" in title) else (title or "")
    body = plain_text(text) if text and ("&" in text or "<" in text) else (text or "")
    title_t, body_t = _tokens(title), _tokens(body)
    title_m = _matches(title_t, _index())
    body_m = _matches(body_t, _index())
    evidence: dict[str, str] = {}
    reading = Reading(evidence=evidence)
    short = len(body) < 300

    profession = _choose_profession(_profession_votes(title_m, field_words=0.5))
    # The body speaks about profession and specialty only when the title is empty or names
    # something clinical itself: "Senior Data Analyst" stays unrecognised whatever its
    # description says about nurses and doctors.
    title_clinical = any(h.kind == "prof" or (h.kind == "spec" and m.key not in _GENERIC_WORDS)
                         for m in title_m for h in m.hits)
    use_body = bool(body_m) and (not title.strip() or title_clinical)
    if profession is None and use_body:
        votes = _profession_votes(body_m, field_words=0.0)
        if votes:
            (best, score), *rest = votes.most_common()
            runner_up = rest[0][1] if rest else 0.0
            if score >= 3 and score > runner_up:
                profession = best

    specialties = _specialties(title_m, profession, evidence)
    if not specialties and use_body:
        specialties = _body_specialties(body_m, profession, short, evidence)
    if profession is None and specialties:
        # A person title ("cardiologist", "RMN") says the profession.
        specs = knowledge.specialties()
        for m in (*title_m, *(body_m if use_body else ())):
            titled = [h for h in m.hits if h.kind == "spec" and h.strong
                      and h.value in specialties]
            if titled:
                profession = specs[titled[0].value].profession
                break
    reading.profession = profession
    reading.specialties = specialties
    if profession:
        for m in title_m or body_m:
            if any(h.kind == "prof" and h.value == profession for h in m.hits):
                evidence.setdefault(m.text, knowledge.professions()[profession].label)
                break

    all_m = [*title_m, *body_m]
    reading.certifications = _collect(all_m, "cert", knowledge.certifications(), evidence)
    reading.therapeutic_areas = _collect(all_m, "area", knowledge.therapeutic_areas(), evidence)
    reading.trial_phases = _collect(all_m, "phase", knowledge.trial_phases(), evidence)

    title_aux = _matches(title_t, _aux_index())
    body_aux = _matches(body_t, _aux_index())
    reading.settings = _settings(title_aux, body_aux, short, evidence)

    research = profession in _RESEARCH_PROFESSIONS or bool(reading.trial_phases) or bool(
        _RESEARCH_WORDS.intersection(title_t.norms)
        or _RESEARCH_WORDS.intersection(body_t.norms))
    if research:
        sides = Counter(h.value for m in (*title_aux, *body_aux) for h in m.hits
                        if h.kind == "side")
        if sides:
            ranked = sides.most_common()
            if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                reading.research_side = ranked[0][0]
    if reading.research_side is None:
        if profession == Profession.CLINICAL_RESEARCH_ASSOCIATE:
            reading.research_side = "sponsor"
        elif profession == Profession.CLINICAL_RESEARCH_COORDINATOR:
            reading.research_side = "site"

    reading.years_experience = _years(body, short=short) if body else None
    if reading.years_experience is None and title:
        reading.years_experience = _years(title, short=len(title) < 150)
    reading.jurisdictions = _jurisdictions(title_t, body_t)
    reading.employment_type, where = _employment(title, body)
    return reading, where


def read(text: str, *, title: str = "") -> Reading:
    """Read a title (carries most weight) and a body of text."""
    if len(text or "") + len(title or "") <= 400:
        # Candidate headlines repeat a lot ("Registered Nurse"): remember short readings and
        # hand out copies, so that a caller changing one does not change the next.
        return _copy(_read_short(text or "", title or ""))
    return _read(text, title)[0]


@lru_cache(maxsize=32768)
def _read_short(text: str, title: str) -> Reading:
    return _read(text, title)[0]


def _copy(r: Reading) -> Reading:
    return Reading(
        profession=r.profession, specialties=list(r.specialties), settings=list(r.settings),
        therapeutic_areas=list(r.therapeutic_areas), trial_phases=list(r.trial_phases),
        certifications=list(r.certifications), years_experience=r.years_experience,
        research_side=r.research_side, jurisdictions=list(r.jurisdictions),
        employment_type=r.employment_type, evidence=dict(r.evidence),
    )


@lru_cache(maxsize=65536)
def read_profession(text: str) -> str | None:
    """Profession value for a short text ("MD", "RN, MSN, FNP-C", "PHYSICIAN ASSISTANT",
    "FAMILY PRACTICE"), or None when nothing in it names one."""
    matches = _matches(text or "", _index(), field_value=True)
    return _choose_profession(_profession_votes(matches, field_words=1.0, ambiguous=0.5))


@lru_cache(maxsize=65536)
def read_specialty(text: str) -> knowledge.SpecialtyInfo | None:
    """The specialty a short text names ("FAMILY PRACTICE", "Emerg", "ICU nursing") or a NUCC
    code ("207Q00000X"); None when it names none."""
    value = (text or "").strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9]{3}[0-9A-Za-z]{6}[Xx]", value):
        return knowledge.specialty(value)
    matches = _matches(value, _index(), field_value=True)
    votes = _profession_votes(matches, field_words=1.0)
    profession = _choose_profession(votes)
    specs = knowledge.specialties()
    keys = []
    for m in matches:
        key = _pick_specialty(m.hits, profession)
        if key:
            keys.append((not any(h.strong and h.value == key for h in m.hits), len(keys), key))
    if not keys:
        return knowledge.specialty(value)
    return specs[min(keys)[2]]


@lru_cache(maxsize=16384)
def read_certification(text: str) -> str | None:
    """Certification key for a short text ("ACLS", "ICH-GCP", "CCFP(EM)"), or None."""
    for m in _matches(text or "", _index(), field_value=True):
        for h in m.hits:
            if h.kind == "cert":
                return h.value
    return None


_TAGS_BLOCK = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>")
_TAG_BREAK = re.compile(r"(?i)<\s*(?:br|hr)\s*/?\s*>|</?\s*(?:p|div|li|ul|ol|h[1-6]|tr|table|"
                        r"section|article|blockquote|header|footer|dd|dt)\b[^>]*>")
_TAG = re.compile(r"<[^<>]+>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b]+")
_NEWLINES = re.compile(r" *\n[\s]*")


def plain_text(html_text: str) -> str:
    """Text from HTML that may be escaped more than once (NHS Jobs escapes it twice):
    unescape up to three times, drop tags, keep paragraph breaks as newlines."""
    s = html_text or ""
    for _ in range(3):
        if "&" not in s:
            break
        unescaped = html.unescape(s)
        if unescaped == s:
            break
        s = unescaped
    if "<" in s:
        s = _TAGS_BLOCK.sub(" ", s)
        s = _TAG_BREAK.sub("\n", s)
        s = _TAG.sub(" ", s)
    s = _SPACES.sub(" ", s)
    s = _NEWLINES.sub("\n", s)
    return s.strip()


# --- schema.org JobPosting -------------------------------------------------------------------

class PostingError(ValueError):
    """A job posting that cannot be used; the message names the field and what is wrong."""


@dataclass
class Posting:
    """A schema.org JobPosting read into plain values, with what its text says."""

    title: str
    description: str
    identifier: str
    employment_type: str | None
    pay_min: Decimal | None
    pay_max: Decimal | None
    pay_currency: str
    pay_period: str | None
    city: str
    region: str
    postal_code: str
    country: str
    latitude: float | None
    longitude: float | None
    hiring_organization: str
    date_posted: date | None
    valid_through: date | None
    reading: Reading
    warnings: list[str] = field(default_factory=list)


_LD_JSON = re.compile(r"(?is)<script[^>]*type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>"
                      r"(.*?)</script\s*>")
_SCHEMA_EMPLOYMENT = {
    "FULL_TIME": EmploymentType.PERMANENT, "FULLTIME": EmploymentType.PERMANENT,
    "PART_TIME": EmploymentType.PART_TIME, "PARTTIME": EmploymentType.PART_TIME,
    "CONTRACTOR": EmploymentType.CONTRACT, "CONTRACT": EmploymentType.CONTRACT,
    "TEMPORARY": EmploymentType.CONTRACT, "INTERN": EmploymentType.CONTRACT,
    "PER_DIEM": EmploymentType.PER_DIEM, "PERDIEM": EmploymentType.PER_DIEM,
    "LOCUM": EmploymentType.LOCUM,
}
_PAY_UNITS = {"HOUR": "hour", "DAY": "day", "SHIFT": "shift", "MONTH": "month", "YEAR": "year",
              "ANNUM": "year", "ANNUAL": "year", "YEARLY": "year", "HOURLY": "hour",
              "DAILY": "day", "MONTHLY": "month"}


def _type_names(obj: dict) -> list[str]:
    t = obj.get("@type")
    if isinstance(t, str):
        return [t.rsplit("/", 1)[-1]]
    if isinstance(t, list):
        return [x.rsplit("/", 1)[-1] for x in t if isinstance(x, str)]
    return []


def _is_posting(obj: Any) -> bool:
    return isinstance(obj, dict) and "JobPosting" in _type_names(obj)


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__


def _load(data: dict | list | str | bytes) -> Any:
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise PostingError(f"not UTF-8 text: {e.reason} at byte {e.start}") from e
    if isinstance(data, str):
        text = data.strip()
        if not text:
            raise PostingError("empty: expected a JobPosting as JSON or an HTML page")
        if text.startswith("<"):
            scripts = _LD_JSON.findall(text)
            if not scripts:
                raise PostingError("HTML page without a <script type=\"application/ld+json\">")
            found = []
            for n, script in enumerate(scripts, 1):
                try:
                    found.append(json.loads(html.unescape(script.strip())
                                            if script.strip().startswith("&") else script))
                except json.JSONDecodeError as e:
                    raise PostingError(f"ld+json script #{n}: not JSON: {e.msg} at line "
                                       f"{e.lineno} column {e.colno}") from e
            postings = [p for f in found for p in _candidates(f) if _is_posting(p)]
            if not postings:
                raise PostingError("HTML page: no JobPosting in its application/ld+json scripts")
            return postings[0]
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise PostingError(f"not JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
    if isinstance(data, dict | list):
        return data
    raise PostingError(f"expected a JobPosting object, JSON text or HTML, got {_describe(data)}")


def _candidates(obj: Any) -> list[Any]:
    if isinstance(obj, list):
        return [x for item in obj for x in _candidates(item)]
    if isinstance(obj, dict) and isinstance(obj.get("@graph"), list):
        return [x for item in obj["@graph"] for x in _candidates(item)]
    return [obj]


def _posting_object(obj: Any) -> dict:
    if isinstance(obj, dict) and "@graph" not in obj:
        if obj.get("@type") is not None and not _is_posting(obj):
            names = _type_names(obj) or [_describe(obj["@type"])]
            raise PostingError(f"@type: expected JobPosting, got {', '.join(names)}")
        return obj
    where = "@graph" if isinstance(obj, dict) else "list"
    items = _candidates(obj)
    postings = [x for x in items if _is_posting(x)]
    if len(postings) == 1:
        return postings[0]
    if not postings:
        raise PostingError(f"{where}: none of its {len(items)} item(s) is a JobPosting")
    raise PostingError(f"{where}: {len(postings)} JobPostings, expected one")


def _text(obj: dict, path: str, key: str, *, required: bool = False) -> str:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise PostingError(f"{path}{key}: required")
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise PostingError(f"{path}{key}: expected text, got {_describe(value)}")
    return value.strip()


def _named(obj: dict, path: str, key: str) -> str:
    """Text, or an object with a name (Organization, Country)."""
    value = obj.get(key)
    if isinstance(value, dict):
        return _text(value, f"{path}{key}.", "name")
    return _text(obj, path, key)


def _number(value: Any, path: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PostingError(f"{path}: expected a number, got {_describe(value)}")
    raw = str(value).strip()
    cleaned = re.sub(r"[^\d.\-]", "", raw.replace(",", ""))
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise PostingError(f"{path}: expected a number, got {raw!r}") from None
    if not number.is_finite() or number < 0:
        raise PostingError(f"{path}: expected a positive number, got {raw!r}")
    return number


def _coordinate(value: Any, path: str, limit: int) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PostingError(f"{path}: expected a number, got {_describe(value)}")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise PostingError(f"{path}: expected a number, got {value!r}") from None
    if not -limit <= number <= limit:
        raise PostingError(f"{path}: {number} is out of range")
    return number


def _date(obj: dict, key: str) -> date | None:
    raw = _text(obj, "", key)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise PostingError(f"{key}: not a date: {raw!r}") from None


def _identifier(obj: dict) -> str:
    value = obj.get("identifier")
    if value is None:
        return ""
    if isinstance(value, list):
        if not value:
            return ""
        value = value[0]
    if isinstance(value, dict):
        inner = value.get("value")
        if isinstance(inner, str | int) and not isinstance(inner, bool):
            return str(inner).strip()
        raise PostingError("identifier.value: expected text or a number, got "
                           f"{_describe(inner)}")
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value).strip()
    raise PostingError(f"identifier: expected text, a number or a PropertyValue, got "
                       f"{_describe(value)}")


def _salary(obj: dict) -> tuple[Decimal | None, Decimal | None, str, str | None, list[str]]:
    salary = obj.get("baseSalary")
    warnings: list[str] = []
    if salary is None or salary == "":
        return None, None, "", None, warnings
    if isinstance(salary, list):
        salary = salary[0] if salary else {}
    if isinstance(salary, int | float | str) and not isinstance(salary, bool):
        amount = _number(salary, "baseSalary")
        return amount, amount, "", None, warnings
    if not isinstance(salary, dict):
        raise PostingError(f"baseSalary: expected a MonetaryAmount, got {_describe(salary)}")
    currency = _text(salary, "baseSalary.", "currency").upper()
    value = salary.get("value")
    unit = ""
    low = high = None
    if isinstance(value, dict):
        unit = _text(value, "baseSalary.value.", "unitText").upper()
        low = _number(value.get("minValue"), "baseSalary.value.minValue")
        high = _number(value.get("maxValue"), "baseSalary.value.maxValue")
        if low is None and high is None:
            single = value.get("value")
            if isinstance(single, str) and not re.fullmatch(r"\s*[\d.,]+\s*", single):
                numbers = [Decimal(n.replace(",", "")) for n in
                           re.findall(r"\d[\d,]*(?:\.\d+)?", single)]
                if numbers:
                    low, high = min(numbers), max(numbers)
            else:
                low = high = _number(single, "baseSalary.value.value")
    elif value is not None:
        low = high = _number(value, "baseSalary.value")
    unit = unit or _text(salary, "baseSalary.", "unitText").upper()
    if low is not None and high is not None and low > high:
        raise PostingError(f"baseSalary.value: minValue {low} is above maxValue {high}")
    period = _PAY_UNITS.get(unit)
    if unit and period is None:
        warnings.append(f"Pay is given per {unit.lower()}, which Rounds does not store: the "
                        "pay range is kept without a period.")
    return low, high, currency, period, warnings


def _location(obj: dict) -> tuple[str, str, str, str, float | None, float | None]:
    place = obj.get("jobLocation")
    path = "jobLocation"
    if isinstance(place, list):
        if not place:
            return "", "", "", "", None, None
        place, path = place[0], "jobLocation[0]"
    if place is None or place == "":
        return "", "", "", "", None, None
    if not isinstance(place, dict):
        raise PostingError(f"{path}: expected a Place, got {_describe(place)}")
    address = place.get("address")
    city = region = postal = country = ""
    if isinstance(address, str):
        city = address.strip()
    elif isinstance(address, dict):
        p = f"{path}.address."
        city = _text(address, p, "addressLocality")
        region = _named(address, p, "addressRegion")
        postal = _text(address, p, "postalCode")
        country = _named(address, p, "addressCountry")
    elif address is not None:
        raise PostingError(f"{path}.address: expected a PostalAddress, got "
                           f"{_describe(address)}")
    lat = lon = None
    geo = place.get("geo")
    if isinstance(geo, dict):
        lat = _coordinate(geo.get("latitude"), f"{path}.geo.latitude", 90)
        lon = _coordinate(geo.get("longitude"), f"{path}.geo.longitude", 180)
    elif geo is not None:
        raise PostingError(f"{path}.geo: expected GeoCoordinates, got {_describe(geo)}")
    return city, region, postal, country, lat, lon


def _schema_employment(obj: dict) -> str | None:
    value = obj.get("employmentType")
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    for v in values:
        if not isinstance(v, str):
            raise PostingError(f"employmentType: expected text or a list of text, got "
                               f"{_describe(v)}")
        found = _SCHEMA_EMPLOYMENT.get(re.sub(r"[\s-]+", "_", v.strip()).upper())
        if found:
            return str(found)
    return None


def read_posting(data: dict | list | str | bytes) -> Posting:
    """Read a schema.org JobPosting: an object, JSON text, an @graph or list holding exactly
    one JobPosting, or an HTML page with <script type="application/ld+json">.

    Raises PostingError naming the field for anything unusable. Pay periods map to
    PayPeriod values (hour, day, shift, month, year); a weekly or other period leaves
    `pay_period` None and adds a warning."""
    obj = _posting_object(_load(data))
    title = plain_text(_text(obj, "", "title", required=True))
    if not title:
        raise PostingError("title: required")
    description = plain_text(_text(obj, "", "description"))
    identifier = _identifier(obj)
    low, high, currency, period, warnings = _salary(obj)
    city, region, postal, country, lat, lon = _location(obj)
    organisation = _named(obj, "", "hiringOrganization")
    posted, valid = _date(obj, "datePosted"), _date(obj, "validThrough")
    schema_type = _schema_employment(obj)
    reading, where = _read(description, title)
    words_type = reading.employment_type
    # Words in the title ("Locum", "Bank") say more than the schema's FULL_TIME/TEMPORARY.
    employment = words_type if where == "title" else schema_type or words_type
    if where == "title" or not reading.employment_type:
        reading.employment_type = employment
    if not reading.recognised:
        warnings.append("Nothing recognisable in the title or description: ranking falls back "
                        "to text similarity.")
    if not description:
        warnings.append("No description: only the title was read.")
    return Posting(
        title=title, description=description, identifier=identifier, employment_type=employment,
        pay_min=low, pay_max=high, pay_currency=currency, pay_period=period, city=city,
        region=region, postal_code=postal, country=country, latitude=lat, longitude=lon,
        hiring_organization=organisation, date_posted=posted, valid_through=valid,
        reading=reading, warnings=warnings,
    )
