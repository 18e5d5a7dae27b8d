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
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import accumulate, compress, count
from operator import and_
from typing import Any, NamedTuple

from rounds.candidates.choices import EmploymentType, Profession, Setting
from rounds.lib import jurisdictions

from . import knowledge

# Job postings live in posting.py (which imports this module only inside its functions);
# their names stay importable from here.
from .posting import Posting, PostingError, read_posting  # noqa: F401

# --- normalisation ---------------------------------------------------------------------------

_DOTTED = re.compile(r"\b((?:[A-Za-z]\.[ ]?){1,4}[A-Za-z])\b\.?")
_DOTTED_DEGREE = re.compile(r"\b(Ph|PH|ph|Pharm|PHARM|pharm|Au|AU|au|Psy|PSY|psy)\.[ ]?([Dd])\b"
                            r"\.?")
_COORD = re.compile(r"\b([Cc])o-(ordinat|operat)")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&")
# The same, as a splitter: [gap, word, gap, word, ..., gap], so that words and their offsets
# come from C code rather than a loop over match objects.
_SPLIT = re.compile(r"([^\W_]++(?:['’][^\W_]++)*+|&)")
_SPLIT_W = re.compile(r"(\w++(?:['’]\w++)*+|&)")  # the same, for text without "_"
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


def _dotted_letter(text: str) -> bool:
    """Whether a one-letter word is followed by a dot somewhere ("R.N.", "e.g."): only then
    can _DOTTED match. Checked piece by piece, which is faster than the pattern."""
    for piece in text.split(".")[:-1]:
        if piece[-1:].isascii() and piece[-1:].isalpha() and (
                len(piece) == 1 or not (piece[-2].isalnum() or piece[-2] == "_")):
            return True
    return False


def _prepare(text: str) -> str:
    if "." in text:
        if ".d" in text or ".D" in text or ". d" in text or ". D" in text:
            text = _DOTTED_DEGREE.sub(r"\1\2 ", text)
        if _dotted_letter(text):
            text = _DOTTED.sub(lambda m: m.group(1).replace(".", "").replace(" ", "") + " ",
                               text)
    if "o-o" in text:
        text = _COORD.sub(r"\1o\2", text)
    return text


class _Tokens(NamedTuple):
    text: str  # the prepared text the offsets point into
    words: list[str]  # as written
    norms: list[str]
    upper: list[bool]  # written in capitals (for short abbreviations)
    ends: list[int]  # where each part ends: word k runs from ends[2k] to ends[2k + 1]

    def start(self, k: int) -> int:
        return self.ends[2 * k]

    def end(self, k: int) -> int:
        return self.ends[2 * k + 1]


def _tokens(text: str) -> _Tokens:
    text = _prepare(text)
    parts = (_SPLIT_W if "_" not in text else _SPLIT).split(text)
    words = parts[1::2]
    norms = list(map(_CANON.get, words))
    if None in norms:
        norms = [n if n is not None else _canon(w) for n, w in zip(norms, words, strict=True)]
    # parts are [gap, word, gap, word, ..., gap]: word k is parts[2k + 1].
    return _Tokens(text, words, norms, list(map(str.isupper, words)),
                   list(accumulate(map(len, parts))))


def _letters(word: str) -> int:
    return sum(c.isalpha() for c in word)


# --- the phrase index ------------------------------------------------------------------------

class _Hit(NamedTuple):
    kind: str  # prof | spec | cert | area | phase | block | setting | side
    value: str
    strong: bool  # prof: strong synonym; spec: names a person (implies the profession)
    mask: tuple[int, ...]  # token positions that must be written in capitals


def _capitals(upper: list[bool], i: int, mask: tuple[int, ...]) -> bool:
    """Whether the words at i + each offset in `mask` are written in capitals (a loop: it is
    faster than all() over a generator, and this runs for every masked phrase found)."""
    for k in mask:  # noqa: SIM110
        if not upper[i + k]:
            return False
    return True


class _Index:
    def __init__(self) -> None:
        self.phrases: dict[str, list[_Hit]] = {}
        self.prefixes: set[str] = set()
        # Words a match can start with: in any case, or only when written in capitals
        # ("ED", "OR"), and the phrases with words that must be capitals.
        self.first_words: set[str] = set()
        self.first_capitals: set[str] = set()
        self.masked: set[str] = set()
        self._entries: dict[str, tuple[list[_Hit] | None, bool]] | None = None

    def add(self, phrase: str, kind: str, value: str, strong: bool = False,
            plural: bool = True) -> None:
        toks = _tokens(phrase)
        if not toks.norms:
            return
        words = toks.norms
        raw = toks.words
        mask = tuple(i for i, w in enumerate(raw)
                     if w != "&" and w.isupper() and _letters(w) <= 3)
        variants = [words]
        last = words[-1]
        if plural and not mask and last.isalpha() and len(last) >= 4 and not last.endswith("s"):
            variants.append([*words[:-1], last[:-1] + "ies" if last.endswith("y") else last + "s"])
        for variant in variants:
            key = " ".join(variant)
            hit = _Hit(kind, value, strong, mask)
            self._entries = None
            bucket = self.phrases.setdefault(key, [])
            if hit not in bucket:
                bucket.append(hit)
            if mask:
                self.masked.add(key)
            if 0 in mask:
                if variant[0] not in self.first_words:
                    self.first_capitals.add(variant[0])
            else:
                self.first_words.add(variant[0])
                self.first_capitals.discard(variant[0])
            for n in range(1, len(variant)):
                self.prefixes.add(" ".join(variant[:n]))

    def _lookup(self) -> dict[str, tuple[list[_Hit] | None, bool]]:
        """Word sequence → (its hits, whether longer phrases start with it): one dictionary
        lookup per word while scanning."""
        if self._entries is None:
            self._entries = {key: (self.phrases.get(key), key in self.prefixes)
                             for key in self.phrases.keys() | self.prefixes}
        return self._entries

    def scan(self, toks: _Tokens) -> list[tuple[int, int, list[_Hit], str]]:
        """Longest matches, left to right, that do not overlap: (start, end, hits, the
        normalised words)."""
        found = []
        norms, upper = toks.norms, toks.upper
        n = len(norms)
        entries, masked = self._lookup(), self.masked
        # Only words that begin some phrase can begin a match: find them in C code.
        starts = list(compress(count(), map(self.first_words.__contains__, norms)))
        if self.first_capitals:
            capitals = list(compress(count(), map(
                and_, map(self.first_capitals.__contains__, norms), upper)))
            if capitals:
                starts = sorted(starts + capitals)
        covered = 0
        for i in starts:
            if i < covered:
                continue
            key = norms[i]
            entry = entries.get(key)
            j = i + 1  # the end of the words in `key`
            best: tuple[int, int, list[_Hit], str] | None = None
            while entry is not None:
                hits, longer = entry
                if hits:
                    ok = hits if key not in masked else [
                        h for h in hits if _capitals(upper, i, h.mask)]
                    if ok:
                        best = (i, j, ok, key)
                if not longer or j >= n:
                    break
                key = f"{key} {norms[j]}"
                j += 1
                entry = entries.get(key)
            if best:
                found.append(best)
                covered = best[1]
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
# Every match of the pattern below contains one of these words (or "part time", "full time"),
# starts less than 40 characters before it and ends less than 60 after it. The lookahead
# lists the letters a match can start with: it makes the search faster.
_EMPLOYMENT_WORDS = frozenset({
    "locum", "locums", "bank", "diem", "casual", "relief", "fixed", "temporary", "secondment",
    "maternity", "contract", "contractor", "permanent", "substantive"})
_EMPLOYMENT_BODY = re.compile(
    r"(?=[bcfilmnprst0-9])(?:"
    r"(?P<locum>\blocum(?:s| tenens| positions?| work| cover| shifts?| basis)?\b)"
    r"|(?P<per_diem>\b(?:bank (?:staff|shifts?|nurses?|workers?|contract|positions?|role|post|"
    r"hours)|(?:staff|nurse|nursing|trust|internal) bank|per[ -]diem|casual (?:position|basis|"
    r"pool|hours|employment)|relief (?:position|basis|pool))\b)"
    r"|(?P<contract>\b(?:fixed[ -]term|temporary (?:post|position|contract|role)|secondment|"
    r"maternity (?:leave )?cover|\d+[ -](?:month|week)s? contract|contract (?:role|position|"
    r"basis|post|assignment)|contractor)\b)"
    r"|(?P<part_time>\bpart[ -]time (?:post|position|role|hours|basis|contract|permanent)\b)"
    r"|(?P<permanent>\b(?:permanent|full[ -]time|substantive)\b))",
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


# Words without which no place name is a licensing requirement (see _LICENCE_BEFORE/_AFTER).
_LICENCE_HINTS = ("licen", "registration", "registered", "eligib", "certified", "permit")


def _hinted(text: str) -> bool:
    low = text.lower()
    return any(w in low for w in _LICENCE_HINTS)


@cache
def _regulator_words() -> frozenset[str]:
    """First words of the regulators' names: a regulator needs no licence word around it."""
    return frozenset(_tokens(name).norms[0] for name in _REGULATORS)


def _jurisdictions(*texts: _Tokens) -> list[str]:
    """Jurisdictions named as licensing requirements ("licensed in Alberta", "Texas license",
    "eligible for CPSA licensure"), found by looking up place names among the words and then
    checking the words around them."""
    found: list[str] = []
    idx = _place_index()
    for toks in texts:
        hinted = _hinted(toks.text)
        if not hinted and _regulator_words().isdisjoint(toks.norms):
            continue  # nothing could count: skip the scan
        for i, j, hits, _ in idx.scan(toks):
            start, end = toks.start(i), toks.end(j - 1)
            for hit in hits:
                before = toks.text[max(0, start - 80):start]
                if hit.kind == "regulator" or hinted and (
                        _hinted(before) and _LICENCE_BEFORE.search(before)
                        or _LICENCE_AFTER.match(toks.text[end:end + 50])):
                    if hit.value not in found:
                        found.append(hit.value)
                    break
    return found


_YEAR_WORD = re.compile(r"(?i)\b(?:years?|yrs?)\b")
_YEAR_NORMS = frozenset({"year", "years", "yr", "yrs"})


def _years(text: str, *, short: bool, toks: _Tokens | None = None) -> int | None:
    """Years of experience asked for or stated; not contract lengths, ages or salaries. The
    pattern runs only around the words "year"/"yrs" (it is too slow over whole texts), and
    not at all when the text's words (`toks`, when given) have none."""
    if toks is not None and _YEAR_NORMS.isdisjoint(toks.norms):
        return None
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


def _employment(title: str, body: str, body_t: _Tokens | None = None
                ) -> tuple[str | None, str]:
    """(EmploymentType value, where it came from: "title" | "body" | ""). With the body's
    words, the body pattern runs only from shortly before the first word it could match."""
    for value, pattern in _EMPLOYMENT_TITLE:
        if pattern.search(title):
            return str(value), "title"
    m = _employment_body(body, body_t) if body_t is not None else _EMPLOYMENT_BODY.search(body)
    if m:
        return m.lastgroup, "body"
    return None, ""


def _employment_body(body: str, toks: _Tokens) -> re.Match[str] | None:
    """_EMPLOYMENT_BODY.search(body), searching only near the words a match must contain: the
    first window around one of them that holds a match says where the first match is."""
    norms = toks.norms
    words = list(compress(count(), map(_EMPLOYMENT_WORDS.__contains__, norms)))
    times = [i - 1 for i in compress(count(), map("time".__eq__, norms))
             if i and norms[i - 1] in ("part", "full")]
    if times:
        words = sorted(words + times)
    # Offsets in the prepared text are never past the same place in the body, and at most
    # `slack` before it: preparing only shortens "R.N." and "co-ordinator".
    slack = len(body) - len(toks.text)
    for i in words:
        start = max(0, toks.start(i) - 40)
        if _EMPLOYMENT_BODY.search(body, start, toks.end(i) + 60 + slack):
            return _EMPLOYMENT_BODY.search(body, start)
    return None


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
    source, ends = toks.text, toks.ends
    return [_Match(i, source[ends[2 * i]:ends[2 * j - 1]], key, hits)
            for i, j, hits, key in idx.scan(toks)]


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

    reading.years_experience = _years(body, short=short, toks=body_t) if body else None
    if reading.years_experience is None and title:
        reading.years_experience = _years(title, short=len(title) < 150)
    reading.jurisdictions = _jurisdictions(title_t, body_t)
    reading.employment_type, where = _employment(title, body, body_t)
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
