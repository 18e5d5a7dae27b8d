"""The job-description audit: pure functions over a `Posting`, with the rules as data in
`audit_data/` (rules.toml: pay-transparency laws per jurisdiction, exclusionary phrases, degree
inflation, the posting's shape; gendered_words.toml: Gaucher, Friesen & Kay 2011, Appendix A).

`audit(posting, today=...)` returns findings, each with a rule id, a severity, what is wrong,
why (the law or the source) and a suggested fix. Findings of severity `required` are the law of
the job's jurisdiction: publishing over them takes an admin's override (rounds.jobs.actions).
Nothing here reads the clock or the database except `posting_for_job`, which turns a Job (saved
or not) into a Posting.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.html import strip_tags

from .choices import AuditSeverity

DATA_DIR = Path(__file__).with_name("audit_data")
_SEVERITY_ORDER = {AuditSeverity.REQUIRED: 0, AuditSeverity.ADVICE: 1, AuditSeverity.NOTE: 2}


@dataclass(frozen=True)
class Posting:
    """What the audit reads of a job: its words, pay, place and the answers the laws ask for.
    `jurisdiction` is an ISO 3166-2 code (US-CO, CA-ON); `place_names` are the site's city and
    region as people write them (for spotting a title stuffed with its location)."""

    title: str = ""
    description: str = ""
    value_proposition: str = ""
    benefits: str = ""
    profession: str = ""
    must_haves: tuple[str, ...] = ()
    nice_to_haves: tuple[str, ...] = ()
    pay_min: Decimal | None = None
    pay_max: Decimal | None = None
    pay_currency: str = ""
    pay_period: str = ""
    jurisdiction: str = ""
    has_location: bool = False
    place_names: tuple[str, ...] = ()
    apply_by: date | None = None
    vacancy_exists: bool | None = None
    ai_screening: bool | None = None

    @property
    def texts(self) -> tuple[str, ...]:
        """Everything a reader of the posting reads, as plain text."""
        return (self.title, strip_tags(self.description), self.value_proposition,
                *self.must_haves, *self.nice_to_haves)


@dataclass(frozen=True)
class Finding:
    """One thing the audit found. `field` names the form field to fix; `examples` quote the
    posting; `counts` carries numbers (gender-coded words) for the reader to weigh."""

    rule: str
    severity: str
    message: str
    reason: str
    fix: str
    field: str = ""
    examples: tuple[str, ...] = ()
    counts: dict[str, int] = dataclass_field(default_factory=dict, compare=False)

    @property
    def blocks_publishing(self) -> bool:
        return self.severity == AuditSeverity.REQUIRED

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["examples"] = list(self.examples)
        out["blocks_publishing"] = self.blocks_publishing
        return out


# --- data ----------------------------------------------------------------------------------


@cache
def rules() -> dict[str, Any]:
    with (DATA_DIR / "rules.toml").open("rb") as fh:
        data = tomllib.load(fh)
    for law in data["pay_law"]:
        if law["check"] not in PAY_LAW_CHECKS:
            raise ValueError(f"rules.toml: pay_law {law['id']} names an unknown check "
                             f"{law['check']!r}")
        law["since"] = date.fromisoformat(law["since"])
    return data


@cache
def gendered_words() -> dict[str, Any]:
    with (DATA_DIR / "gendered_words.toml").open("rb") as fh:
        return tomllib.load(fh)


def _stem_matcher(stems: Iterable[str]):
    """A token matches "Compet*" when it starts with "compet", and "Kind" only when it is
    "kind"."""
    prefixes = tuple(s[:-1].lower() for s in stems if s.endswith("*"))
    words = frozenset(s.lower() for s in stems if not s.endswith("*"))
    return lambda token: token in words or token.startswith(prefixes)


@cache
def _gender_matchers():
    data = gendered_words()
    return _stem_matcher(data["masculine"]), _stem_matcher(data["feminine"])


_TOKEN = re.compile(r"[a-z]+(?:-[a-z]+)*")


def count_gendered_words(text: str) -> dict[str, list[str]]:
    """{"masculine": [tokens...], "feminine": [...]}: every coded word in `text`, in order."""
    masculine, feminine = _gender_matchers()
    found: dict[str, list[str]] = {"masculine": [], "feminine": []}
    for token in _TOKEN.findall((text or "").lower()):
        if masculine(token):
            found["masculine"].append(token)
        if feminine(token):
            found["feminine"].append(token)
    return found


# --- pay laws ------------------------------------------------------------------------------


def _closed_range(p: Posting, law: dict) -> bool:
    return p.pay_min is not None and p.pay_max is not None


def _has_benefits(p: Posting, law: dict) -> bool:
    return bool(p.benefits.strip())


def _has_apply_by(p: Posting, law: dict) -> bool:
    return p.apply_by is not None


def _has_description(p: Posting, law: dict) -> bool:
    return bool(strip_tags(p.description).strip())


_OPEN_ENDED_PAY = re.compile(
    r"\b(from|starting (at|from)|min(imum)?( of)?)\s*\$\s?\d"
    r"|\$\s?\d[\d,.]*\s?k?\s*(\+|and up\b|or more\b)",
    re.IGNORECASE,
)


def _no_open_ended_pay_text(p: Posting, law: dict) -> bool:
    return not any(_OPEN_ENDED_PAY.search(t) for t in (p.title, strip_tags(p.description)))


ANNUAL_FACTOR = {"year": 1, "month": 12}


def range_width(p: Posting) -> tuple[Decimal, Decimal] | None:
    """(width, top) of the pay range, a year's worth when the period is a month or a year; as
    posted for an hour, a day or a shift (such a range is never $50,000 wide)."""
    if p.pay_min is None or p.pay_max is None:
        return None
    factor = ANNUAL_FACTOR.get(p.pay_period, 1)
    return (p.pay_max - p.pay_min) * factor, p.pay_max * factor


def _range_width(p: Posting, law: dict) -> bool:
    measured = range_width(p)
    if measured is None:
        return True
    width, top = measured
    return width <= law["max_width"] or top > law["exempt_above"]


def _says_vacancy(p: Posting, law: dict) -> bool:
    return p.vacancy_exists is not None


def _says_ai_screening(p: Posting, law: dict) -> bool:
    return p.ai_screening is not None


def _canadian_experience(p: Posting) -> list[str]:
    pattern = re.compile(_exclusionary()["canadian_experience"]["pattern"], re.IGNORECASE)
    return [t for t in p.texts if t and pattern.search(t)]


def _no_canadian_experience(p: Posting, law: dict) -> bool:
    return not _canadian_experience(p)


PAY_LAW_CHECKS = {
    "closed_range": _closed_range,
    "has_benefits": _has_benefits,
    "has_apply_by": _has_apply_by,
    "has_description": _has_description,
    "no_open_ended_pay_text": _no_open_ended_pay_text,
    "range_width": _range_width,
    "says_vacancy": _says_vacancy,
    "says_ai_screening": _says_ai_screening,
    "no_canadian_experience": _no_canadian_experience,
}


def laws_for(jurisdiction: str, today: date) -> list[dict]:
    """The pay-transparency rules in force in `jurisdiction` on `today`."""
    return [law for law in rules()["pay_law"]
            if jurisdiction in law["jurisdictions"] and law["since"] <= today]


def pay_law_findings(p: Posting, today: date) -> list[Finding]:
    out = []
    for law in laws_for(p.jurisdiction, today):
        if PAY_LAW_CHECKS[law["check"]](p, law):
            continue
        message, examples = law["message"], ()
        if law["check"] == "range_width":
            width, _top = range_width(p)
            message = f"{message[:-1]}: {width:,.0f} between the bottom and the top."
        elif law["check"] == "no_canadian_experience":
            examples = tuple(_quote(t, "canadian") for t in _canadian_experience(p))[:3]
        out.append(Finding(
            rule=law["id"], severity=AuditSeverity.REQUIRED, message=message,
            reason=f"The law: {law['law']}.", fix=law["fix"], field=law["field"],
            examples=examples,
        ))
    return out


# --- pay in general ------------------------------------------------------------------------


def pay_findings(p: Posting, *, law_covers_range: bool = False) -> list[Finding]:
    """Present, closed, and plausible for its unit. Skips what a law's finding already says."""
    out = []
    reason = ("Applicants filter and decide on pay; Indeed asks for it in every post and Google "
              "recommends baseSalary on every JobPosting.")
    if p.pay_min is None and p.pay_max is None:
        if not law_covers_range:
            out.append(Finding("pay.missing", AuditSeverity.ADVICE, "No pay is stated.", reason,
                               "Enter “Pay from” and “Pay to”, with the period.", "pay_min"))
        return out
    if (p.pay_min is None) != (p.pay_max is None) and not law_covers_range:
        given = "from" if p.pay_max is None else "up to"
        out.append(Finding(
            "pay.open_ended", AuditSeverity.ADVICE,
            f"The pay is open-ended (“{given} …”): only one end of the range is given.",
            "An open-ended figure tells applicants little, and several pay-transparency laws "
            "(British Columbia, Ontario, New York) don't accept it.",
            "Enter both ends of the range, or the same figure twice for a single rate.",
            "pay_max" if p.pay_max is None else "pay_min"))
    low, high = rules()["pay"]["plausible"].get(p.pay_period, (None, None))
    if low is not None:
        odd = [v for v in (p.pay_min, p.pay_max) if v is not None and not low <= v <= high]
        if odd:
            out.append(Finding(
                "pay.unit", AuditSeverity.ADVICE,
                f"{odd[0]:,.0f} {p.pay_currency} per {p.pay_period} looks like the wrong unit.",
                f"Pay per {p.pay_period} is usually between {low:,} and {high:,}; a figure "
                "outside that is most often an annual salary saved per hour, or the reverse.",
                "Check the pay period (per hour, day, shift, month, year) against the figures.",
                "pay_period"))
    if not re.fullmatch(r"[A-Z]{3}", p.pay_currency or ""):
        out.append(Finding(
            "pay.currency", AuditSeverity.ADVICE, "The pay has no currency.",
            "A figure without its currency is ambiguous across the border.",
            "Set the currency, e.g. CAD or USD.", "pay_currency"))
    return out


# --- degree inflation ----------------------------------------------------------------------

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10}
_DEMANDING = re.compile(
    r"\b(required|require|requires|must|minimum|mandatory|need(ed)?|at least)\b", re.IGNORECASE)


_ABOUT_EXPERIENCE = re.compile(r"experien|practi[cs]|post-?graduat|in (a|the) role",
                               re.IGNORECASE)


def _demands(p: Posting) -> list[str]:
    """The lines that demand something: every must-have, and description sentences that say
    required/must/minimum. Nice-to-haves demand nothing."""
    lines = list(p.must_haves)
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", strip_tags(p.description)):
        if _DEMANDING.search(sentence):
            lines.append(sentence.strip())
    return [line for line in lines if line]


def _demanded_years(p: Posting, line: str) -> int:
    """Years of experience a line demands; a description sentence counts only when it is about
    experience ("patients who need care for 30 years" isn't)."""
    if line not in p.must_haves and not _ABOUT_EXPERIENCE.search(line):
        return 0
    return _years(line)


def _years(line: str) -> int:
    data = rules()["degree"]
    most = 0
    for m in re.finditer(data["years_pattern"], line, re.IGNORECASE):
        raw = m.group(1).lower()
        most = max(most, int(raw) if raw.isdigit() else _WORD_NUMBERS.get(raw, 0))
    return most


def _is_credential_role(p: Posting) -> bool:
    data = rules()["degree"]
    return (p.profession in data["credential_professions"]
            or bool(re.search(data["credential_titles"], p.title, re.IGNORECASE)))


def degree_findings(p: Posting) -> list[Finding]:
    data = rules()["degree"]
    demands = _demands(p)
    degree_lines = [d for d in demands if re.search(data["degree_pattern"], d, re.IGNORECASE)]
    year_lines = [d for d in demands if _demanded_years(p, d) >= data["min_years"]]
    def advice(rule: str, title: str, kind: str, lines: list[str]) -> Finding:
        return Finding(f"degree.{rule}", AuditSeverity.ADVICE, title, data[f"{kind}_why"],
                       data[f"{kind}_fix"], "must_haves", tuple(_clip(t) for t in lines[:3]))

    out = []
    if _is_credential_role(p):
        if degree_lines:
            out.append(advice("credential_role", "A degree is required for a role done with a "
                              "certificate or training.", "credential", degree_lines))
        if year_lines:
            out.append(advice("credential_years", f"{_years(year_lines[0])}+ years of "
                              "experience are required for a role people learn on the job.",
                              "credential", year_lines))
    elif p.profession in data["licensed_professions"]:
        if degree_lines:
            out.append(advice("licensed_degree", "A degree is required where the licence is "
                              "the real requirement.", "licensed", degree_lines))
        if year_lines:
            out.append(advice("licensed_years", f"{_years(year_lines[0])}+ years of experience "
                              "are required on top of the licence.", "licensed", year_lines))
    return out


# --- wording -------------------------------------------------------------------------------


@cache
def _exclusionary() -> dict[str, dict]:
    return {e["id"]: e for e in rules()["exclusionary"]}


def exclusionary_findings(p: Posting, *, skip: Iterable[str] = ()) -> list[Finding]:
    out = []
    skip = set(skip)
    for entry in rules()["exclusionary"]:
        if entry["id"] in skip:
            continue
        pattern = re.compile(entry["pattern"], re.IGNORECASE)
        hits = [t for t in p.texts if t and pattern.search(t)]
        if hits:
            words = pattern.search(hits[0]).group(0)
            out.append(Finding(
                f"wording.{entry['id']}", AuditSeverity.ADVICE,
                f"“{words}” can exclude qualified applicants.", entry["why"], entry["fix"],
                "description", tuple(_quote(t, words) for t in hits[:3])))
    return out


def gendered_finding(p: Posting) -> Finding | None:
    """Counts and examples of Gaucher et al.'s coded words; a note to read, not a verdict."""
    found = count_gendered_words("\n".join(p.texts))
    if not found["masculine"] and not found["feminine"]:
        return None

    def summary(kind: str) -> str:
        words = list(dict.fromkeys(found[kind]))
        n = len(found[kind])
        return f"{n} {kind}-coded word{'s' if n != 1 else ''}" + (
            f" ({', '.join(words[:6])})" if words else "")

    return Finding(
        "wording.gender_coded", AuditSeverity.NOTE,
        f"{summary('masculine')}; {summary('feminine')}.",
        "Gaucher, Friesen & Kay (2011) found that adverts worded with more masculine-coded words "
        "were less appealing to women (who felt they belonged less), independent of the job. "
        f"Word list: {gendered_words()['source']}. These are counts, not a verdict.",
        "Read the words in context; where a neutral word says the same thing, consider it.",
        "description",
        tuple(dict.fromkeys(found["masculine"] + found["feminine"]))[:10],
        {"masculine": len(found["masculine"]), "feminine": len(found["feminine"])},
    )


# --- the posting's shape -------------------------------------------------------------------


def posting_findings(p: Posting) -> list[Finding]:
    data = rules()["posting"]
    out = []
    if not p.value_proposition.strip():
        out.append(Finding(
            "posting.value_proposition", AuditSeverity.ADVICE, "There is no value proposition.",
            "Clinicians choose among many offers; the posting should say what's in it for them "
            "(practice model, support, community) — every Rounds posting carries one.",
            "Write two or three sentences in “Value proposition”, or fill in the employer "
            "profile's so new jobs start with it.", "value_proposition"))
    if not p.has_location:
        out.append(Finding(
            "posting.location", AuditSeverity.ADVICE, "The job has no site or location.",
            "Google for Jobs requires jobLocation on a JobPosting, and boards place a job by its "
            "city, region and country; a pay-transparency check also needs to know where it is.",
            "Choose the site (with its city and province or state).", "site"))
    stuffing = []
    if re.search(data["title_pay_pattern"], p.title, re.IGNORECASE):
        stuffing.append("pay")
    places = [n for n in p.place_names if n and len(n) > 2
              and re.search(rf"\b{re.escape(n)}\b", p.title, re.IGNORECASE)]
    if places:
        stuffing.append("location")
    if re.search(data["title_spam_pattern"], p.title, re.IGNORECASE):
        stuffing.append("calls to action")
    if stuffing:
        out.append(Finding(
            "posting.title_stuffed", AuditSeverity.ADVICE,
            f"The title carries {' and '.join(stuffing)}.",
            f"Boards rank and may hide such titles: {data['title_source']}.",
            "Keep the title to the job's name (“Family Physician”); pay and place have their "
            "own fields and are shown next to it.", "title", (p.title,)))
    length = len(" ".join(strip_tags(p.description).split()))
    if length < data["min_description_chars"]:
        out.append(Finding(
            "posting.description_short", AuditSeverity.ADVICE,
            f"The description is {length} characters; boards accept "
            f"{data['min_description_chars']} or more.",
            f"{data['description_source']}; a short description also tells applicants little.",
            "Describe the duties, the schedule, the team and the patients.", "description"))
    return out


# --- all together --------------------------------------------------------------------------


def audit(p: Posting, *, today: date) -> list[Finding]:
    """Every finding for the posting on `today` (the laws in force that day), the law's first,
    then advice, then notes."""
    law = pay_law_findings(p, today)
    law_ids = {f.rule.split(".", 1)[1] for f in law}
    range_rules = {x["id"] for x in laws_for(p.jurisdiction, today)
                   if x["check"] == "closed_range"}
    findings = [
        *law,
        *pay_findings(p, law_covers_range=any(f.rule in range_rules for f in law)),
        *degree_findings(p),
        *exclusionary_findings(p, skip={"canadian_experience"} & law_ids),
        *posting_findings(p),
    ]
    note = gendered_finding(p)
    if note is not None:
        findings.append(note)
    return sorted(findings, key=lambda f: _SEVERITY_ORDER[f.severity])


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocks_publishing]


def _clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str, words: str, width: int = 60) -> str:
    """The words with a little of their context."""
    flat = " ".join(text.split())
    i = flat.lower().find(words.lower())
    if i < 0:
        return _clip(flat)
    start, end = max(0, i - width), min(len(flat), i + len(words) + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")


# --- from a job ----------------------------------------------------------------------------


def posting_for_job(job, *, must_haves: Iterable[str] | None = None,
                    nice_to_haves: Iterable[str] | None = None) -> Posting:
    """The Posting of a Job as it stands in memory (unsaved changes included). Requirements
    come from the arguments when given (a form being edited), else from the saved rows."""
    from rounds.lib import jurisdictions

    if must_haves is None or nice_to_haves is None:
        reqs = list(job.requirements.all()) if job.pk else []
        if must_haves is None:
            must_haves = [r.text for r in reqs if r.required]
        if nice_to_haves is None:
            nice_to_haves = [r.text for r in reqs if not r.required]
    site = job.site
    code, places, located = "", (), False
    if site is not None:
        code = jurisdictions.normalize(site.region, site.country) or ""
        places = (site.city, site.region, jurisdictions.label(code) if code else "")
        located = bool(site.city or site.region)
    return Posting(
        title=job.title or "", description=job.description or "",
        value_proposition=job.value_proposition or "", benefits=job.benefits or "",
        profession=job.profession or "", must_haves=tuple(must_haves),
        nice_to_haves=tuple(nice_to_haves), pay_min=job.pay_min, pay_max=job.pay_max,
        pay_currency=job.pay_currency or "", pay_period=job.pay_period or "",
        jurisdiction=code or job.licence_jurisdiction or "", has_location=located,
        place_names=tuple(p for p in places if p), apply_by=job.apply_by,
        vacancy_exists=job.vacancy_exists, ai_screening=job.ai_screening,
    )
