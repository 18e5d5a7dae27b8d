"""Text understanding for matching: what a job title, a posting or a CV headline says about
profession, specialty, settings, therapeutic areas, trial phases, certifications, experience,
licensing jurisdictions and employment type, with the evidence for each.

Matching is a dictionary lookup over normalised word sequences built once from the knowledge
files (longest phrase wins), so it is fast enough to run for every candidate. Capitalised
abbreviations of up to three letters ("ED", "ER", "PA", "GP") match only when written in
capitals, and always on whole words: "required" never says ED, "PAY" never says PA.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import compress, count
from operator import and_
from typing import Any, NamedTuple

from rounds.candidates.choices import Profession, Setting

from . import knowledge

# Job postings live in posting.py (which imports this module only inside its functions);
# their names stay importable from here.
from .posting import (  # noqa: F401
    Posting,
    PostingError,
    employment,
    licence_jurisdictions,
    plain_text,
    read_posting,
)

# --- normalisation ---------------------------------------------------------------------------

_DOTTED = re.compile(r"\b((?:[A-Za-z]\.[ ]?){1,4}[A-Za-z])\b\.?")
_DOTTED_DEGREE = re.compile(r"\b(Ph|PH|ph|Pharm|PHARM|pharm|Au|AU|au|Psy|PSY|psy)\.[ ]?([Dd])\b"
                            r"\.?")
_COORD = re.compile(r"\b([Cc])o-(ordinat|operat)")
# Words, as a splitter: [gap, word, gap, word, ..., gap], so that words and their offsets come
# from C code rather than a loop over match objects.
_SPLIT = re.compile(r"([^\W_]++(?:['’][^\W_]++)*+|&)")
_SPLIT_W = re.compile(r"(\w++(?:['’]\w++)*+|&)")  # the same, for text without "_"
_SPLIT_A = re.compile(r"([A-Za-z0-9]++(?:'[A-Za-z0-9]++)*+|&)")  # and for ASCII text
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


class _Canon(dict):
    """Word as written → as read, remembered; a miss reads the word (_canon_word)."""

    def __missing__(self, word: str) -> str:
        if len(self) > 200_000:  # a bound, in case of endless new words
            self.clear()
            self["&"] = "and"
        found = self[word] = _canon_word(word)
        return found


_CANON = _Canon({"&": "and"})


def _canon(word: str) -> str:
    return _CANON[word]


def _canon_word(word: str) -> str:
    w = word.lower().replace("’", "").replace("'", "")
    if not w.isascii():
        w = unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode() or w
    if _SPELLING_HINT.search(w):
        for pattern, repl in _SPELLING:
            w = pattern.sub(repl, w)
    return w


def _dotted_letter(text: str) -> int:
    """Where the first one-letter word followed by a dot is ("R.N.", "e.g."), or -1: _DOTTED
    matches start at such a letter. Found piece by piece, which is faster than the pattern."""
    offset = 0
    for piece in text.split(".")[:-1]:
        if piece[-1:].isascii() and piece[-1:].isalpha() and (
                len(piece) == 1 or not (piece[-2].isalnum() or piece[-2] == "_")):
            return offset + len(piece) - 1
        offset += len(piece) + 1
    return -1


def _sub_from(pattern: re.Pattern[str], repl: Any, text: str, at: int) -> str:
    """pattern.sub(repl, text) when no match starts before `at`: only the rest is searched
    (from the start of the word `at` is in, so that \\b means what it meant)."""
    at = max(0, at)
    while at and (text[at - 1].isalnum() or text[at - 1] == "_"):
        at -= 1
    return text[:at] + pattern.sub(repl, text[at:])


def _prepare(text: str) -> str:
    """"R.N." → "RN", "Ph.D." → "PhD", "co-ordinator" → "coordinator". Each pattern runs only
    from shortly before the first place it could match (they are slow over whole texts)."""
    if "." in text:
        found = [i for i in (text.find(".d"), text.find(".D"), text.find(". d"),
                             text.find(". D")) if i >= 0]
        if found:  # "Pharm.D": at most five letters before the dot
            text = _sub_from(_DOTTED_DEGREE, r"\1\2 ", text, min(found) - 5)
        at = _dotted_letter(text)
        if at >= 0:
            text = _sub_from(_DOTTED, lambda m: m.group(1).replace(".", "").replace(" ", "")
                             + " ", text, at)
    at = text.find("o-o")
    if at >= 0:
        text = _sub_from(_COORD, r"\1o\2", text, at - 1)
    return text


class _Tokens(NamedTuple):
    text: str  # the prepared text the offsets point into
    words: list[str]  # as written
    norms: list[str]
    upper: list[bool]  # written in capitals (for short abbreviations)
    parts: list[str]  # [gap, word, gap, word, ..., gap]: word k is parts[2k + 1]

    def start(self, k: int) -> int:
        return sum(map(len, self.parts[:2 * k + 1]))

    def end(self, k: int) -> int:
        return self.start(k) + len(self.parts[2 * k + 1])


def _tokens(text: str) -> _Tokens:
    text = _prepare(text)
    parts = (_SPLIT if "_" in text else _SPLIT_A if text.isascii() else _SPLIT_W).split(text)
    words = parts[1::2]
    norms = list(map(_CANON.__getitem__, words))
    return _Tokens(text, words, norms, list(map(str.isupper, words)), parts)


# --- the phrase index ------------------------------------------------------------------------

class _Hit(NamedTuple):
    kind: str  # prof | spec | cert | area | phase | block | setting | side
    value: str
    strong: bool  # prof: strong synonym; spec: names a person (implies the profession)
    mask: tuple[int, ...]  # token positions that must be written in capitals


def _capitals(upper: list[bool], i: int, mask: tuple[int, ...]) -> bool:
    """Whether the words at i + each offset in `mask` are in capitals (a loop: faster)."""
    for k in mask:  # noqa: SIM110
        if not upper[i + k]:
            return False
    return True


class _Index:
    def __init__(self) -> None:
        # Word sequence → [its hits, whether longer phrases start with it].
        self.entries: dict[str, list] = {}
        # Words a match can start with: in any case, or only when written in capitals
        # ("ED", "OR"), and the phrases with words that must be capitals.
        self.first_words: set[str] = set()
        self.first_capitals: set[str] = set()
        self.words: set[str] = set()  # every word of every phrase
        self.seconds: dict[str, set[str]] = {}  # first word → the words that can follow it
        self.masked: set[str] = set()

    def add(self, phrase: str, kind: str, value: str, strong: bool = False,
            plural: bool = True) -> None:
        toks = _tokens(phrase)
        if not toks.norms:
            return
        words = toks.norms
        raw = toks.words
        mask = tuple(i for i, w in enumerate(raw)
                     if w != "&" and w.isupper() and sum(c.isalpha() for c in w) <= 3)
        variants = [words]
        last = words[-1]
        if plural and not mask and last.isalpha() and len(last) >= 4 and not last.endswith("s"):
            variants.append([*words[:-1], last[:-1] + "ies" if last.endswith("y") else last + "s"])
        for variant in variants:
            key = " ".join(variant)
            hit = _Hit(kind, value, strong, mask)
            bucket = self.entries.setdefault(key, [[], False])[0]
            if hit not in bucket:
                bucket.append(hit)
            self.words.update(variant)
            if mask:
                self.masked.add(key)
            if 0 in mask:
                if variant[0] not in self.first_words:
                    self.first_capitals.add(variant[0])
            else:
                self.first_words.add(variant[0])
                self.first_capitals.discard(variant[0])
            for n in range(1, len(variant)):
                self.entries.setdefault(" ".join(variant[:n]), [[], False])[1] = True
            if len(variant) > 1:
                self.seconds.setdefault(variant[0], set()).add(variant[1])

    def scan(self, toks: _Tokens) -> list[tuple[int, int, list[_Hit], str]]:
        """Longest matches, left to right, that do not overlap: (start, end, hits, the
        normalised words)."""
        found = []
        norms, upper = toks.norms, toks.upper
        n = len(norms)
        entries, masked, seconds = self.entries, self.masked, self.seconds
        # Only words that begin some phrase can begin a match: find them in C code.
        starts = list(compress(count(), map(self.first_words.__contains__, norms)))
        if not self.first_capitals.isdisjoint(compress(norms, upper)):
            capitals = compress(count(), map(
                and_, map(self.first_capitals.__contains__, norms), upper))
            starts = sorted([*starts, *capitals])
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
                if not longer or j >= n or j == i + 1 and norms[j] not in seconds[key]:
                    break
                key = f"{key} {norms[j]}"
                j += 1
                entry = entries.get(key)
            if best:
                found.append(best)
                covered = best[1]
        return found


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
    for s in knowledge.words("non_clinical"):
        idx.add(s, "block", "")
    return idx


@cache
def _aux_index() -> _Index:
    """Settings and research side: scanned separately because their words overlap with the
    phrases of the main index ("critical care bank nurse" says ICU and a profession)."""
    idx = _Index()
    for setting, words in knowledge.setting_words().items():
        for s in words:
            idx.add(s, "setting", setting)
    for side, words in knowledge.research_sides().items():
        for s in words:
            idx.add(s, "side", side)
    return idx


# --- years of experience ---------------------------------------------------------------------

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


def _one_edit(a: str, b: str) -> bool:
    """Whether two different words are one edit apart: a letter added, dropped or changed, or
    two neighbours swapped ("Pyschiatrist")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
             min(len(a), len(b)))
    if len(a) != len(b):
        return (a[i:] == b[i + 1:]) if len(a) < len(b) else (a[i + 1:] == b[i:])
    return a[i + 1:] == b[i + 1:] or (a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:])


@cache
def _spelling_targets() -> dict[str, dict[str, str]]:
    """One-word specialty names of eight letters or more as written in the knowledge files
    (British and American spellings both), by their first letter → the word as read."""
    out: dict[str, dict[str, str]] = {}
    for info in knowledge.specialties().values():
        for name in (*info.synonyms, info.name):
            if len(name) >= 8 and name.isalpha():
                word = name.lower()
                out.setdefault(word[0], {})[word] = _canon(word)
    return out


def _corrected(toks: _Tokens) -> _Tokens:
    """A title with its misspelt specialty words read as the words they are closest to
    ("Anaethetics", "Opthalmology"): a word of eight letters or more that no phrase uses, one
    edit from exactly one one-word specialty name (British or American spelling) with the same
    first letter. Only titles: they are short, and name what the post is."""
    norms = None
    for k, word in enumerate(toks.norms):
        if len(word) >= 8 and word not in _index().words and word.isalpha():
            found = _correction(toks.words[k].lower())
            if found:
                norms = norms or list(toks.norms)
                norms[k] = found
    return toks if norms is None else toks._replace(norms=norms)


@lru_cache(maxsize=16384)
def _correction(raw: str) -> str | None:
    close = {read for written, read in _spelling_targets().get(raw[0], {}).items()
             if abs(len(written) - len(raw)) <= 1 and _one_edit(raw, written)
             and not (written.startswith(raw) or raw.startswith(written))}  # not a plural
    return close.pop() if len(close) == 1 else None


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
    parts, new = toks.parts, tuple.__new__  # (faster than _Match(...))
    return [new(_Match, (i, parts[2 * i + 1] if j == i + 1 else "".join(parts[2 * i + 1:2 * j]),
                         key, hits)) for i, j, hits, key in idx.scan(toks)]


def _profession_votes(matches: list[_Match], *, field_words: float,
                      ambiguous: float = 0.0) -> Counter[str]:
    """Score each profession named in the matches. Strong synonyms and person titles count 3,
    weak words 1; a field word that belongs to one profession only ("anesthesiology") counts
    `field_words`; an ambiguous one `ambiguous`, for the first profession listed."""
    votes: dict[str, float] = {}
    first: dict[str, int] = {}
    specs = knowledge.specialties()
    blocked = any(h.kind == "block" for m in matches for h in m.hits)
    generic = _vocab("generic")
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
        if not named and spec_hits and m.key not in generic:
            profs = list(dict.fromkeys(specs[h.value].profession for h in spec_hits))
            weight = field_words if len(profs) == 1 else ambiguous
            if weight:
                named[profs[0]] = weight
        for p, w in named.items():
            votes[p] = votes.get(p, 0.0) + w
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


def _pick_specialty(hits: list[_Hit], profession: str | None,
                    context: frozenset[str] = frozenset()) -> str | None:
    """The specialty a match names for this profession; among several, one whose
    classification is in `context` (named beside it) first."""
    specs = knowledge.specialties()
    keys = [h.value for h in hits if h.kind == "spec"]
    if not keys:
        return None
    if context and len(keys) > 1:
        keys.sort(key=lambda k: specs[k].classification == k
                  or specs[k].classification not in context)
    if profession:
        same = [k for k in keys if specs[k].profession == profession]
        if same:
            return same[0]
        if profession in _PRACTICE_AREA_PROFESSIONS:
            physician = [k for k in keys if specs[k].profession == Profession.PHYSICIAN]
            if physician:
                return physician[0]
        return None
    titled = {h.value for h in hits if h.kind == "spec" and h.strong}
    return next((k for k in keys if k in titled), keys[0])


def _names_person(m: _Match, key: str) -> bool:
    return any(h.kind == "spec" and h.strong and h.value == key for h in m.hits)


def _specialties(matches: list[_Match], profession: str | None,
                 evidence: dict[str, str]) -> list[str]:
    """Specialties in order of mention; a specialty named only by the profession itself
    ("Registered Practical Nurse" → practical nursing) goes after more specific ones. Words
    beside a person title that name a subspecialty of its field say which one the post is:
    "Consultant Psychiatrist - Older Adult" is old age psychiatry, not also psychiatry."""
    specs = knowledge.specialties()
    picks = [_pick_specialty(m.hits, profession) for m in matches]
    named = frozenset(k for k in picks if k)
    if len(named) > 1:
        picks = [_pick_specialty(m.hits, profession, named - {k}) if k else None
                 for m, k in zip(matches, picks, strict=True)]
    qualified = {specs[k].classification for m, k in zip(matches, picks, strict=True)
                 if k and specs[k].classification != k and not _names_person(m, k)}
    specific: list[str] = []
    generic: list[str] = []
    for m, key in zip(matches, picks, strict=True):
        if key in qualified and _names_person(m, key):
            # The person title says the profession only: its field is the subspecialty's.
            evidence.setdefault(m.text, knowledge.professions()[specs[key].profession].label)
            continue
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


@cache
def _vocab(name: str) -> frozenset[str]:
    """A word list of knowledge/vocabulary.toml, as words are read."""
    return frozenset(_canon(w) for w in knowledge.words(name))


def _body_specialties(body_m: list[_Match], profession: str | None, short: bool,
                      evidence: dict[str, str]) -> list[str]:
    """Up to three specialties the description keeps coming back to."""
    generic = _vocab("generic")
    counts: Counter[str] = Counter()
    where: dict[str, str] = {}
    for m in body_m:
        if m.key in generic and not any(h.strong for h in m.hits if h.kind == "spec"):
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
    title_t, body_t = _corrected(_tokens(title)), _tokens(body)
    title_m = _matches(title_t, _index())
    body_m = _matches(body_t, _index())
    evidence: dict[str, str] = {}
    reading = Reading(evidence=evidence)
    short = len(body) < 300
    research_words, clinical = (any(not _vocab(name).isdisjoint(t.norms) for t in (title_t, body_t))
                                for name in ("research", "clinical"))
    office = _vocab("office")
    if any(m.key in office for m in title_m) and not clinical:
        # "Logistics and scheduling lead": an office word alone says nothing medical.
        title_m = [m for m in title_m if m.key not in office]

    votes = _profession_votes(title_m, field_words=0.5)
    if not research_words:  # "Security Monitor" is not a clinical research associate
        for p in _RESEARCH_PROFESSIONS & votes.keys():
            if votes[p] < 2.5:  # weak words only (strong ones count 3)
                del votes[p]
    profession = _choose_profession(votes)
    # The body speaks about profession and specialty only when the title is empty or names
    # something clinical itself: "Senior Data Analyst" stays unrecognised whatever its
    # description says about nurses and doctors.
    title_clinical = any(h.kind == "prof" or (h.kind == "spec" and m.key not in _vocab("generic"))
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
    if len(specialties) > 1 and use_body and not any(
            _names_person(m, k) for m in title_m for k in specialties):
        # A title naming fields by department words only ("Obstetrics Anaesthetics"): the one
        # the description keeps naming by its person title ("Consultant Anaesthetist") first.
        named = Counter(h.value for m in body_m for h in m.hits
                        if h.kind == "spec" and h.strong and h.value in specialties)
        top, times = named.most_common(1)[0] if named else ("", 0)
        specs = knowledge.specialties()
        if times >= 2 and not any(specs[k].classification == top != k for k in specialties):
            specialties.remove(top)  # (never ahead of a subspecialty of its own)
            specialties.insert(0, top)
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

    research = profession in _RESEARCH_PROFESSIONS or bool(reading.trial_phases) or research_words
    title_aux = _matches(title_t, _aux_index())
    # Settings named in the title are the settings; the body's matter only without them (and
    # for the research side).
    body_aux = _matches(body_t, _aux_index()) if research or not any(
        h.kind == "setting" for m in title_aux for h in m.hits) else []
    reading.settings = _settings(title_aux, body_aux, short, evidence)
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
    reading.jurisdictions = licence_jurisdictions(title_t, body_t)
    reading.employment_type, where = employment(title, body, body_t)
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
