"""Healthcare knowledge for matching: professions, specialties (keyed by NUCC taxonomy codes),
certifications, therapeutic areas, trial phases and licence portability between jurisdictions,
and the words text understanding relies on besides them (settings, licensing regulators, word
lists: vocabulary.toml and licensure.toml).

The facts live in TOML files in `knowledge/`, written by the team with their sources noted at
the top of each file. They are read once (functools.cache) and validated: a malformed file
raises `KnowledgeError` naming the file and the entry. Specialty entries have a readable `id`
("family_medicine") that other entries refer to; their public `key` is their main NUCC code or,
without one, "rounds:<id>". Keys must never change once used: profiles store them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from rounds.candidates.choices import CertificationKind, Profession, Setting
from rounds.lib import jurisdictions

KNOWLEDGE_DIR = Path(__file__).with_name("knowledge")
# Specialty files in load order: the engine numbers specialties in this order, so new
# entries go at the end of a file and new files at the end of this list.
SPECIALTY_FILES = (
    "specialties_physician.toml",
    "specialties_nursing.toml",
    "specialties_other.toml",
)
_NUCC_CODE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
_ID = re.compile(r"^[a-z0-9_]+$")


class KnowledgeError(ValueError):
    """A knowledge file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class ProfessionInfo:
    key: str
    label: str
    regulated: bool
    qualifies_as: frozenset[str]
    related: Mapping[str, float]
    synonyms: tuple[str, ...]
    # Words that point to the profession only when nothing stronger does ("consultant",
    # "doctor", "nursing"), and phrases that name a role outside it ("student nurse").
    weak_synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpecialtyInfo:
    key: str
    name: str
    profession: str
    nucc: tuple[str, ...]
    classification: str
    designations: tuple[str, ...]
    synonyms: tuple[str, ...]
    related: Mapping[str, float]
    settings: tuple[str, ...]
    # The subset of synonyms naming a person ("cardiologist", "RMN", "GP"): they imply the
    # profession, where a department word ("cardiology") does not.
    titles: tuple[str, ...] = ()
    id: str = ""
    # The profession's entry for "no particular specialty" (Registered Nurse, 163W00000X):
    # moderately close to every specialty of the profession.
    general: bool = False
    # A practice apart from the rest of its profession (nurse anaesthesia): its closeness to
    # the profession's specialties it is not related to, instead of SAME_PROFESSION.
    apart: float | None = None


@dataclass(frozen=True)
class CertificationInfo:
    key: str
    name: str
    kind: str
    synonyms: tuple[str, ...]
    validity_years: int | None
    # The specialty a board or college certification attests, when it names one.
    specialty: str | None = None


@dataclass(frozen=True)
class AreaInfo:
    key: str
    name: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class Portability:
    kind: str  # "covers" | "obtainable"
    scheme: str
    note: str


@dataclass(frozen=True)
class _Scheme:
    name: str
    kind: str
    professions: frozenset[str]
    home: frozenset[str]  # where a licence that travels can be held
    accepts: frozenset[str]  # where it is honoured / obtainable
    phrase: str  # "{held}", "{wanted}" placeholders
    extra: Mapping[str, str] = field(default_factory=dict)  # wanted code → added note


# --- loading ------------------------------------------------------------------------------------

def _read(name: str) -> dict[str, Any]:
    path = KNOWLEDGE_DIR / name
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise KnowledgeError(f"{name}: not valid TOML: {e}") from e
    except OSError as e:
        raise KnowledgeError(f"{name}: cannot be read: {e}") from e


class _Entry:
    """Typed access to one TOML table, with errors that say where."""

    def __init__(self, file: str, where: str, data: Any):
        if not isinstance(data, dict):
            raise KnowledgeError(f"{file}: {where}: expected a table, got {type(data).__name__}")
        self.file, self.where, self.data = file, where, data

    def fail(self, message: str) -> KnowledgeError:
        return KnowledgeError(f"{self.file}: {self.where}: {message}")

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise self.fail(f"unknown field(s) {', '.join(unknown)}")

    def text(self, name: str, default: str | None = None) -> str:
        value = self.data.get(name, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(f"{name!r} must be non-empty text")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                 for v in value):
            raise self.fail(f"{name!r} must be a list of non-empty texts")
        return tuple(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            raise self.fail(f"{name!r} must be true or false")
        return value

    def weights(self, name: str) -> dict[str, float]:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"{name!r} must be a table of name = closeness")
        out = {}
        for k, v in value.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 1:
                raise self.fail(f"{name}.{k}: closeness must be a number in (0, 1], got {v!r}")
            out[k] = float(v)
        return out


def _symmetric(file: str, kind: str, related: dict[str, dict[str, float]]) -> None:
    for a, neighbours in list(related.items()):
        for b, w in neighbours.items():
            back = related[b].get(a)
            if back is not None and abs(back - w) > 1e-9:
                raise KnowledgeError(f"{file}: {kind} {a!r} and {b!r} give each other different "
                                     f"closeness ({w} and {back})")
            related[b][a] = w


@cache
def professions() -> dict[str, ProfessionInfo]:
    file = "professions.toml"
    data = _read(file)
    values = set(Profession.values)
    related: dict[str, dict[str, float]] = {}
    raw: dict[str, _Entry] = {}
    for key, table in data.items():
        entry = _Entry(file, f"profession {key!r}", table)
        entry.check_keys({"label", "regulated", "qualifies_as", "related", "synonyms", "weak"})
        if key not in values:
            raise entry.fail("is not a Profession value (rounds/candidates/choices.py)")
        raw[key] = entry
        related[key] = entry.weights("related")
    missing = values - set(raw)
    if missing:
        raise KnowledgeError(f"{file}: no entry for profession(s) {', '.join(sorted(missing))}")
    for key, entry in raw.items():
        for other in [*related[key], *entry.texts("qualifies_as")]:
            if other not in values or other == key:
                raise entry.fail(f"refers to {other!r}, not another Profession value")
    _symmetric(file, "professions", related)
    out = {}
    for value in Profession.values:  # choices order
        entry = raw[value]
        out[value] = ProfessionInfo(
            key=value,
            label=entry.text("label", str(Profession(value).label)),
            regulated=entry.flag("regulated", True),
            qualifies_as=frozenset(entry.texts("qualifies_as")),
            related=MappingProxyType(related[value]),
            synonyms=entry.texts("synonyms"),
            weak_synonyms=entry.texts("weak"),
        )
    return out


_SPECIALTY_FIELDS = {"id", "name", "profession", "nucc", "classification", "designations",
                     "synonyms", "titles", "related", "settings", "general", "apart"}


@cache
def _specialty_tables() -> tuple[dict[str, SpecialtyInfo], dict[str, str], dict[str, str]]:
    """(specialties by key, every NUCC code → key, id → key)."""
    professions_ = set(Profession.values)
    settings_ = set(Setting.values)
    entries: list[_Entry] = []
    id_to_key: dict[str, str] = {}
    code_to_key: dict[str, str] = {}
    for file in SPECIALTY_FILES:
        data = _read(file)
        unknown = set(data) - {"specialty"}
        if unknown:
            raise KnowledgeError(f"{file}: unknown top-level table(s) "
                                 f"{', '.join(sorted(unknown))}")
        items = data.get("specialty", [])
        if not isinstance(items, list):
            raise KnowledgeError(f"{file}: 'specialty' must be an array of tables ([[specialty]])")
        for n, table in enumerate(items, 1):
            sid = table.get("id") if isinstance(table, dict) else None
            entry = _Entry(file, f"specialty #{n} {sid!r}", table)
            entry.check_keys(_SPECIALTY_FIELDS)
            sid = entry.text("id")
            if not _ID.match(sid):
                raise entry.fail("id must be lowercase letters, digits and underscores")
            if sid in id_to_key:
                raise entry.fail("duplicate id")
            if entry.text("profession") not in professions_:
                raise entry.fail(f"profession {entry.data['profession']!r} is not a Profession "
                                 "value")
            for s in entry.texts("settings"):
                if s not in settings_:
                    raise entry.fail(f"setting {s!r} is not a Setting value")
            codes = entry.texts("nucc")
            for code in codes:
                if not _NUCC_CODE.match(code):
                    raise entry.fail(f"{code!r} is not a NUCC taxonomy code (like 207Q00000X)")
                if code in code_to_key:
                    raise entry.fail(f"NUCC code {code} is already listed by "
                                     f"{code_to_key[code]!r}")
            key = codes[0] if codes else f"rounds:{sid}"
            if key in id_to_key.values():
                raise entry.fail(f"key {key!r} is used twice")
            id_to_key[sid] = key
            for code in codes:
                code_to_key[code] = key
            entries.append(entry)

    def ref(entry: _Entry, name: str) -> str:
        key = id_to_key.get(name) or (name if name in id_to_key.values() else None)
        if key is None:
            raise entry.fail(f"refers to unknown specialty {name!r}")
        return key

    related: dict[str, dict[str, float]] = {}
    for entry in entries:
        key = id_to_key[entry.data["id"]]
        related[key] = {}
        for other, w in entry.weights("related").items():
            okey = ref(entry, other)
            if okey == key:
                raise entry.fail("is related to itself")
            related[key][okey] = w
    _symmetric("specialties", "specialties", related)
    out: dict[str, SpecialtyInfo] = {}
    for entry in entries:
        d = entry.data
        key = id_to_key[d["id"]]
        classification = ref(entry, d["classification"]) if "classification" in d else key
        titles = entry.texts("titles")
        synonyms = tuple(dict.fromkeys([*titles, *entry.texts("synonyms")]))
        out[key] = SpecialtyInfo(
            key=key,
            name=entry.text("name"),
            profession=d["profession"],
            nucc=entry.texts("nucc"),
            classification=classification,
            designations=entry.texts("designations"),
            synonyms=synonyms,
            related=MappingProxyType(related[key]),
            settings=entry.texts("settings"),
            titles=titles,
            id=d["id"],
            general=entry.flag("general", False),
            apart=_apart(entry),
        )
    for info in out.values():
        parent = out[info.classification]
        if parent.classification != parent.key:
            raise KnowledgeError(f"specialties: {info.id!r}: classification {parent.id!r} is "
                                 "itself under another classification")
        if parent.profession != info.profession:
            raise KnowledgeError(f"specialties: {info.id!r}: classification {parent.id!r} "
                                 "belongs to another profession")
    return out, code_to_key, id_to_key


def _apart(entry: _Entry) -> float | None:
    value = entry.data.get("apart")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 < value < SAME_PROFESSION):
        raise entry.fail(f"apart: closeness must be a number in (0, {SAME_PROFESSION}), got "
                         f"{value!r}")
    return float(value)


def specialties() -> dict[str, SpecialtyInfo]:
    """Every specialty by key, in file order (stable: the engine numbers them in this order)."""
    return _specialty_tables()[0]


@cache
def _classification_prefixes() -> dict[str, str]:
    """First four characters of a NUCC code → the listed classification-level specialty, for
    codes we do not list. NUCC classification codes end in 00000X and their specializations
    share the first four characters (207R00000X Internal Medicine, 207RC0000X Cardiology)."""
    by_key, code_to_key, _ = _specialty_tables()
    out: dict[str, str] = {}
    for code, key in code_to_key.items():
        if code.endswith("00000X"):
            info = by_key[key]
            out.setdefault(code[:4], info.classification)
    return out


def specialty(key_or_code: str) -> SpecialtyInfo | None:
    """The specialty for a key, an id or any NUCC code; an unlisted NUCC code falls back to the
    specialty of its classification when that is listed; else None."""
    if not key_or_code:
        return None
    by_key, code_to_key, id_to_key = _specialty_tables()
    value = key_or_code.strip()
    if value in by_key:
        return by_key[value]
    code = value.upper()
    key = code_to_key.get(code) or id_to_key.get(value)
    if key is None and value.startswith("rounds:"):
        key = id_to_key.get(value[7:])
    if key is None and _NUCC_CODE.match(code):
        key = _classification_prefixes().get(code[:4])
    return by_key.get(key) if key else None


@cache
def certifications() -> dict[str, CertificationInfo]:
    file = "certifications.toml"
    data = _read(file)
    kinds = set(CertificationKind.values)
    out = {}
    for key, table in data.items():
        entry = _Entry(file, f"certification {key!r}", table)
        entry.check_keys({"name", "kind", "synonyms", "validity_years", "specialty"})
        if not _ID.match(key):
            raise entry.fail("key must be lowercase letters, digits and underscores")
        kind = entry.text("kind")
        if kind not in kinds:
            raise entry.fail(f"kind {kind!r} is not a CertificationKind value")
        years = entry.data.get("validity_years")
        if years is not None and (isinstance(years, bool) or not isinstance(years, int)
                                  or not 0 < years <= 20):
            raise entry.fail("validity_years must be a whole number of years (1-20)")
        spec = entry.data.get("specialty")
        if spec is not None and specialty(spec) is None:
            raise entry.fail(f"specialty {spec!r} is not a known specialty")
        out[key] = CertificationInfo(
            key=key, name=entry.text("name"), kind=kind, synonyms=entry.texts("synonyms"),
            validity_years=years, specialty=specialty(spec).key if spec else None,
        )
    return out


@cache
def _research() -> dict[str, Any]:
    return _read("research.toml")


def _areas(table: str) -> dict[str, AreaInfo]:
    file = "research.toml"
    data = _research().get(table)
    if not isinstance(data, dict) or not data:
        raise KnowledgeError(f"{file}: missing table [{table}]")
    out = {}
    for key, value in data.items():
        entry = _Entry(file, f"{table} {key!r}", value)
        entry.check_keys({"name", "synonyms"})
        if not _ID.match(key):
            raise entry.fail("key must be lowercase letters, digits and underscores")
        out[key] = AreaInfo(key=key, name=entry.text("name"), synonyms=entry.texts("synonyms"))
    return out


@cache
def therapeutic_areas() -> dict[str, AreaInfo]:
    return _areas("therapeutic_area")


@cache
def trial_phases() -> dict[str, AreaInfo]:
    phases = _areas("trial_phase")
    expected = {"phase_1", "phase_2", "phase_3", "phase_4"}
    if not expected <= set(phases):
        raise KnowledgeError(f"research.toml: [trial_phase] must have {sorted(expected)}")
    return phases


@cache
def research_sides() -> dict[str, tuple[str, ...]]:
    """"site" | "sponsor" → words that say which side of a trial someone works on."""
    data = _research().get("research_side")
    entry = _Entry("research.toml", "[research_side]", data)
    entry.check_keys({"site", "sponsor"})
    return {"site": entry.texts("site"), "sponsor": entry.texts("sponsor")}


# --- words for reading text --------------------------------------------------------------------

_WORD_LISTS = ("non_clinical", "generic", "office", "clinical", "research")


@cache
def _vocabulary() -> dict[str, Any]:
    data = _read("vocabulary.toml")
    unknown = set(data) - {"settings", "words"}
    if unknown:
        raise KnowledgeError(f"vocabulary.toml: unknown table(s) {', '.join(sorted(unknown))}")
    return data


@cache
def setting_words() -> dict[str, tuple[str, ...]]:
    """Setting value → the words that name it ("ITU" → icu), in file order."""
    entry = _Entry("vocabulary.toml", "[settings]", _vocabulary().get("settings"))
    entry.check_keys(set(Setting.values))
    return {key: entry.texts(key) for key in entry.data}


@cache
def words(name: str) -> tuple[str, ...]:
    """One of the word lists of vocabulary.toml [words]: non_clinical, generic, office,
    clinical, research."""
    if name not in _WORD_LISTS:
        raise KeyError(name)
    entry = _Entry("vocabulary.toml", "[words]", _vocabulary().get("words"))
    entry.check_keys(set(_WORD_LISTS))
    found = entry.texts(name)
    if not found:
        raise entry.fail(f"{name!r} must be a non-empty list")
    return found


@cache
def regulators() -> dict[str, str]:
    """Licensing bodies whose name says the jurisdiction ("CPSA" → CA-AB)."""
    data = _read("licensure.toml").get("regulators", {})
    entry = _Entry("licensure.toml", "[regulators]", data)
    for name, code in data.items():
        if code not in jurisdictions.JURISDICTIONS:
            raise entry.fail(f"{name}: {code!r} is not a jurisdiction code")
    return dict(data)


# --- closeness ----------------------------------------------------------------------------------

def profession_closeness(wanted: str, held: str) -> float:
    """1.0 same; 0.9 when the held profession may legally fill the wanted one (an NP can work
    as an RN); the explicit closeness between the two; else 0.0."""
    if not wanted or not held:
        return 0.0
    if wanted == held:
        return 1.0
    table = professions()
    info = table.get(held)
    if info is None or wanted not in table:
        return 0.0
    if wanted in info.qualifies_as:
        return 0.9
    return info.related.get(wanted, 0.0)


SAME_CLASSIFICATION = 0.6
GENERAL = 0.6
SAME_PROFESSION = 0.3


def specialty_closeness(wanted: str, held: str) -> float:
    """1.0 same; the explicit closeness of related specialties (0.6-0.9); 0.6 within one
    classification (cardiology and internal medicine); within one profession, 0.6 between its
    general entry and any of its specialties (a registered nurse with no specialty and an ICU
    nurse), the `apart` closeness of a practice apart from the rest (nurse anaesthesia, 0.1),
    else 0.3; across professions, 0. A profession that may legally fill another counts as the
    same one here: an NP holds an RN licence, so an NP's specialty is weighed as a nurse's."""
    a, b = specialty(wanted), specialty(held)
    if a is None or b is None:
        return 0.0
    if a.key == b.key:
        return 1.0
    score = a.related.get(b.key, 0.0)
    if a.classification == b.classification:
        score = max(score, SAME_CLASSIFICATION)
    if score:
        return score
    if a.profession != b.profession and not _one_fills_the_other(a.profession, b.profession):
        return 0.0
    if a.apart or b.apart:
        return min(x for x in (a.apart, b.apart) if x)
    if a.general or b.general:
        return GENERAL
    return SAME_PROFESSION


def _one_fills_the_other(a: str, b: str) -> bool:
    table = professions()
    return a in table and b in table and (b in table[a].qualifies_as
                                          or a in table[b].qualifies_as)


# --- licence portability ------------------------------------------------------------------------

@cache
def _schemes() -> tuple[_Scheme, ...]:
    file = "licensure.toml"
    data = _read(file)
    unknown = set(data) - {"scheme", "regulators"}
    if unknown:
        raise KnowledgeError(f"{file}: unknown table(s) {', '.join(sorted(unknown))}")
    items = data.get("scheme")
    if not isinstance(items, list) or not items:
        raise KnowledgeError(f"{file}: expected [[scheme]] entries")
    out = []
    values = set(Profession.values)
    regulated = {k for k, v in professions().items() if v.regulated}
    for n, table in enumerate(items, 1):
        name = table.get("name") if isinstance(table, dict) else None
        entry = _Entry(file, f"scheme #{n} {name!r}", table)
        entry.check_keys({"name", "kind", "professions", "members", "also_accepts", "phrase",
                          "notes"})
        kind = entry.text("kind")
        if kind not in ("covers", "obtainable"):
            raise entry.fail("kind must be 'covers' or 'obtainable'")
        profs = entry.texts("professions")
        if profs == ("regulated",):
            profs = tuple(sorted(regulated))
        for p in profs:
            if p not in values:
                raise entry.fail(f"profession {p!r} is not a Profession value")
        codes = {}
        for field_name in ("members", "also_accepts"):
            for code in entry.texts(field_name):
                if code not in jurisdictions.JURISDICTIONS:
                    raise entry.fail(f"{field_name}: {code!r} is not a jurisdiction code")
            codes[field_name] = frozenset(entry.texts(field_name))
        notes = entry.data.get("notes", {})
        if not isinstance(notes, dict) or not all(
                k in jurisdictions.JURISDICTIONS and isinstance(v, str) for k, v in notes.items()):
            raise entry.fail("notes must be a table of jurisdiction code = text")
        phrase = entry.text("phrase")
        if "{held}" not in phrase or ("{wanted}" not in phrase and "{a_wanted}" not in phrase):
            raise entry.fail("phrase must contain {held} and {wanted} (or {a_wanted})")
        out.append(_Scheme(
            name=entry.text("name"), kind=kind, professions=frozenset(profs),
            home=codes["members"], accepts=codes["members"] | codes["also_accepts"],
            phrase=phrase, extra=MappingProxyType(notes),
        ))
    return tuple(out)


def _code(value: str) -> str:
    """An ISO 3166-2 code; "AB" or "Texas" are tolerated and normalised."""
    if not value or value in jurisdictions.JURISDICTIONS:
        return value or ""
    return jurisdictions.normalize(value) or value


def _short(code: str) -> str:
    """"ON", "TX" for provinces and states; the name elsewhere ("Scotland")."""
    country, _, sub = code.partition("-")
    if country in ("CA", "US"):
        return sub
    return jurisdictions.label(code)


def _with_article(short: str) -> str:
    """"an AB", "a CO", "an ON", "a Scotland": codes are read letter by letter."""
    if short.isupper() and len(short) <= 3:
        vowel_sound = short[0] in "AEFHILMNORSX"
    else:
        vowel_sound = short[:1].lower() in "aeiou"
    return f"{'an' if vowel_sound else 'a'} {short}"


def portability(profession: str, held: str, wanted: str) -> Portability | None:
    """How a licence held in one jurisdiction carries to another, or None when no rule
    applies (or held == wanted). "covers": already allowed to practise there; "obtainable":
    a licence there can be had through a mobility agreement or compact."""
    held, wanted = _code(held), _code(wanted)
    if not profession or not held or not wanted or held == wanted:
        return None
    best: Portability | None = None
    for scheme in _schemes():
        if profession not in scheme.professions:
            continue
        if held not in scheme.home or wanted not in scheme.accepts:
            continue
        note = scheme.phrase.format(held=_short(held), wanted=_short(wanted),
                                    a_wanted=_with_article(_short(wanted)))
        if wanted in scheme.extra:
            note = f"{note}; {scheme.extra[wanted]}"
        found = Portability(kind=scheme.kind, scheme=scheme.name, note=note)
        if found.kind == "covers":
            return found
        best = best or found
    return best


def covers(profession: str, held: str, wanted: str) -> bool:
    """True when a licence in `held` already allows practice in `wanted`."""
    if held and _code(held) == _code(wanted):
        return True
    found = portability(profession, held, wanted)
    return found is not None and found.kind == "covers"


def validate_all() -> None:
    """Load every file, so that a malformed one fails loudly (used by tests and checks)."""
    professions()
    specialties()
    _classification_prefixes()
    certifications()
    therapeutic_areas()
    trial_phases()
    research_sides()
    _schemes()
    setting_words()
    for name in _WORD_LISTS:
        words(name)
    regulators()
