"""Personal first messages, written from the candidate's own record.

Passive clinicians answer personal messages and ignore blasts, so a first message says why this
person (where they work, their specialty and years, a recent certification, what in the offer
fits what they said they want), asks "you, or someone you know?" and aims at a short call, not
a pitch. Every sentence is there only when the fact behind it is on record: a draft never
states what the record doesn't hold (no invented years, no "your work at None"). The facts used
come back with the draft so the recruiter sees what it rests on, and edits it before it goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rounds.accounts.choices import CompensationModel
from rounds.candidates.choices import EmploymentType, Setting

from .choices import MessageChannel
from .templating import employer_profile, recent_certification

SMS_LIMIT = 300
CALL_ASK = "Would you have 10 minutes for a call this week?"
VALUE_PROPOSITION_LIMIT = 220
TEAM_WORDS = re.compile(r"\bteam", re.IGNORECASE)


@dataclass
class Draft:
    """A first message for the recruiter to read and edit, and the facts it rests on."""

    subject: str
    body: str
    facts: list[str] = field(default_factory=list)
    channel: str = MessageChannel.EMAIL
    gaps: list[str] = field(default_factory=list)  # what was asked and isn't on record


@dataclass
class _Facts:
    """What the record holds that a first message may mention; empty when it doesn't."""

    name: str = ""
    employer: str = ""
    employer_location: str = ""
    place: str = ""
    specialty: str = ""
    years: int | None = None
    certification: str = ""
    job_title: str = ""
    site_name: str = ""
    site_city: str = ""
    fits: list[tuple[str, str]] = field(default_factory=list)  # (sentence, fact)
    value_proposition: str = ""
    sender_name: str = ""
    sender_first: str = ""
    sender_title: str = ""
    sender_phone: str = ""
    sender_email: str = ""
    organization: str = ""
    used: list[str] = field(default_factory=list)


def first_message(candidate, *, sender, job=None, channel: str = MessageChannel.EMAIL) -> Draft:
    """A short, personal first message to `candidate` from `sender`, about `job` if given."""
    facts = _gather(candidate, sender=sender, job=job)
    if channel == MessageChannel.SMS:
        return _sms(facts)
    return _email(facts)


# --- what the record holds ----------------------------------------------------------------


def _clean(value) -> str:
    return " ".join(str(value or "").split())


def _current_experience(candidate):
    """The position they hold now: no end date, the latest start first."""
    current = [e for e in candidate.experiences.all() if e.end_date is None and _clean(e.employer)]
    if not current:
        return None
    return max(current, key=lambda e: (e.start_date is not None, e.start_date))


def _first_sentences(text: str, limit: int) -> str:
    """Whole sentences of `text` up to `limit` characters (at least the first sentence)."""
    text = _clean(text)
    if len(text) <= limit:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = ""
    for sentence in sentences:
        if out and len(out) + 1 + len(sentence) > limit:
            break
        out = f"{out} {sentence}".strip()
    return out


def _gather(candidate, *, sender, job) -> _Facts:
    f = _Facts()
    f.name = _clean(candidate.preferred_name) or _clean(candidate.first_name)
    organization = candidate.organization
    f.organization = _clean(organization.name)

    experience = _current_experience(candidate)
    if experience is not None:
        f.employer = _clean(experience.employer)
        f.employer_location = _clean(experience.location)
        where = f" ({f.employer_location})" if f.employer_location else ""
        f.used.append(f"Works at {f.employer}{where} — current position on record")
    else:
        f.place = _clean(candidate.city) or _clean(candidate.region)
        if f.place:
            f.used.append(f"Location on record: {f.place}")

    for specialty in candidate.specialties.all():
        if _clean(specialty.name):
            f.specialty = _clean(specialty.name)
            f.used.append(f"Specialty: {f.specialty}")
            break
    if candidate.years_experience:
        f.years = int(candidate.years_experience)
        f.used.append(f"{f.years} year{'s' if f.years != 1 else ''} of experience")
    cert = recent_certification(candidate)
    if cert is not None and _clean(cert.name):
        f.certification = _clean(cert.name)
        f.used.append(f"Recent certification: {f.certification} (obtained {cert.obtained_on})")

    if job is not None:
        f.job_title = _clean(job.title)
        site = job.site if job.site_id else None
        if site is not None:
            f.site_name = _clean(site.name)
            f.site_city = _clean(site.city)
        f.used.append(f"Job: {f.job_title}")
        employment = _clean(job.employment_type)
        if employment and employment in (candidate.preferred_employment_types or []):
            label = EmploymentType(employment).label.lower()
            f.fits.append((f"It's a {label} role, which is what you said you're looking for.",
                           f"Wants {label} work; the job is {label}"))
        setting = _clean(job.setting)
        if setting and setting in (candidate.preferred_settings or []):
            label = Setting(setting).label.lower()
            f.fits.append((f"The setting is {label}, one of the settings you prefer.",
                           f"Prefers {label}; the job is {label}"))

    profile = employer_profile(organization)
    if profile is not None:
        model = _clean(profile.compensation_model)
        if model and model in (candidate.preferred_compensation_models or []):
            label = CompensationModel(model).label.lower()
            f.fits.append((f"Compensation is {label}, which you said you prefer.",
                           f"Prefers {label}; the employer profile pays {label}"))
        team = _first_sentences(profile.team_based_care, 160)
        said = " ".join(_clean(v) for v in (candidate.headline, candidate.summary,
                                            candidate.preferred_schedule))
        if team and TEAM_WORDS.search(said):
            f.fits.append((f"You mentioned teamwork. Our team: {_end(team)}",
                           "Mentions teamwork; the employer profile describes team-based care"))
    value = _clean(job.value_proposition) if job is not None else ""
    if not value and profile is not None:
        value = _clean(profile.value_proposition)
    if value:
        f.value_proposition = _first_sentences(value, VALUE_PROPOSITION_LIMIT)
        f.used.append("Value proposition — " + ("the job's" if job is not None
                                                and _clean(job.value_proposition)
                                                else "the employer profile's"))
    f.used.extend(fact for _sentence, fact in f.fits)

    if sender is not None and getattr(sender, "is_authenticated", False):
        f.sender_first = _clean(sender.first_name)
        f.sender_name = _clean(sender.get_full_name()) or f.sender_first
        f.sender_title = _clean(getattr(sender, "title", ""))
        f.sender_phone = _clean(getattr(sender, "phone", ""))
        f.sender_email = _clean(sender.email)
    return f


def _end(sentence: str) -> str:
    sentence = sentence.strip()
    return sentence if sentence.endswith((".", "!", "?")) else sentence + "."


# --- writing ------------------------------------------------------------------------------


def _introduction(f: _Facts) -> str:
    who = f.sender_name
    if who and f.sender_title:
        return f"I'm {who}, {f.sender_title} at {f.organization}."
    if who:
        return f"I'm {who} with {f.organization}."
    return f"I'm writing from {f.organization}."


def _why_you(f: _Facts) -> list[str]:
    sentences = []
    if f.employer:
        where = f" in {f.employer_location}" if f.employer_location else ""
        sentences.append(f"I see you're currently at {f.employer}{where}.")
    elif f.place:
        sentences.append(f"I'm reaching out to a few people in the {f.place} area.")
    if f.years and f.specialty:
        sentences.append(f"With {_years(f.years)} in {f.specialty}, your background stood out.")
    elif f.specialty:
        sentences.append(f"Your background in {f.specialty} stood out.")
    elif f.years:
        sentences.append(f"Your {_years(f.years)} of experience stood out.")
    if f.certification:
        sentences.append(f"Congratulations on your recent {f.certification} certification.")
    return sentences


def _years(n: int) -> str:
    return f"{n} year{'s' if n != 1 else ''}"


def _opening(f: _Facts) -> str:
    """The job in one sentence; nothing without a job (no claim the record doesn't hold)."""
    if not f.job_title:
        return ""
    where = ""
    if f.site_name:
        where += f" at {f.site_name}"
    if f.site_city and f.site_city.lower() not in (f.site_name + f.job_title).lower():
        where += f" in {f.site_city}"
    return f"We're looking for a {f.job_title}{where}."


def _question(f: _Facts) -> str:
    if f.job_title:
        return "Could this be for you, or someone you know?"
    return "Would a role with us interest you, or someone you know?"


def _email(f: _Facts) -> Draft:
    greeting = f"Hi {f.name}," if f.name else "Hello,"
    first = " ".join([_introduction(f), *_why_you(f)])
    offer = " ".join(s for s in [_opening(f), *(sentence for sentence, _fact in f.fits)] if s)
    paragraphs = [greeting, first]
    if offer:
        paragraphs.append(offer)
    if f.value_proposition:
        paragraphs.append(_end(f.value_proposition))
    paragraphs.append(f"{_question(f)} {CALL_ASK}")
    paragraphs.append("\n".join(["Thank you,", *signature_lines(
        f.sender_name, f.sender_title, f.organization, f.sender_phone, f.sender_email)]))
    if f.job_title:
        subject = f"{f.job_title} — you, or someone you know?"
    elif f.specialty:
        subject = f"{f.specialty} at {f.organization} — you, or someone you know?"
    else:
        subject = f"{f.organization} — you, or someone you know?"
    return Draft(subject=subject[:200], body="\n\n".join(paragraphs), facts=list(f.used),
                 channel=MessageChannel.EMAIL)


def signature_lines(name: str, title: str, organization: str, phone: str, email: str
                    ) -> list[str]:
    """The sender's sign-off under a draft: name, title and organization, phone, email."""
    return [line for line in (
        name, ", ".join(p for p in (title, organization) if p), phone, email) if line]


def _sms(f: _Facts) -> Draft:
    """One short text: who, why them, the question, the call; optional parts only while the
    whole fits in SMS_LIMIT characters."""
    who = f"{f.sender_first} from {f.organization}" if f.sender_first else f.organization
    greeting = f"Hi {f.name}, it's {who}." if f.name else f"Hi, it's {who}."
    if f.job_title:
        where = f" in {f.site_city}" if f.site_city and f.site_city.lower() not in (
            f.job_title.lower()) else ""
        ask = f"We're looking for a {f.job_title}{where}: you, or someone you know? {CALL_ASK}"
    else:
        ask = f"{_question(f)} {CALL_ASK}"
    optional = []
    if f.years and f.specialty:
        optional.append(f"Your {_years(f.years)} in {f.specialty} stood out.")
    elif f.specialty:
        optional.append(f"Your background in {f.specialty} stood out.")
    elif f.years:
        optional.append(f"Your {_years(f.years)} of experience stood out.")
    if f.certification:
        optional.append(f"Congrats on your recent {f.certification} certification.")
    optional.extend(sentence for sentence, _fact in f.fits)
    parts = [greeting]
    used_optional = []
    for sentence in optional:
        if len(" ".join([*parts, sentence, ask])) <= SMS_LIMIT:
            parts.append(sentence)
            used_optional.append(sentence)
    parts.append(ask)
    body = " ".join(parts)
    if len(body) > SMS_LIMIT:
        # Long names or titles: keep the greeting and the ask, trimmed to fit.
        body = f"{greeting} {ask}"[:SMS_LIMIT]
    return Draft(subject="", body=body, facts=_sms_facts(f, used_optional),
                 channel=MessageChannel.SMS)


def _sms_facts(f: _Facts, sentences: list[str]) -> list[str]:
    """The facts the shorter text actually mentions."""
    text = " ".join(sentences)
    facts = []
    if f.job_title:
        facts.append(f"Job: {f.job_title}")
    if f.specialty and f.specialty in text:
        facts.append(f"Specialty: {f.specialty}")
    if f.years and _years(f.years) in text:
        facts.append(f"{_years(f.years)} of experience")
    if f.certification and f.certification in text:
        facts.append(f"Recent certification: {f.certification}")
    facts.extend(fact for sentence, fact in f.fits if sentence in text)
    return facts


# --- a kind note after a rejection --------------------------------------------------------

REASON_SENTENCES = {
    # Only reasons that are kind and plain to say; the others stay with the recruiter.
    "position_filled": "The position has now been filled.",
    "other_offer": "I understand you've accepted another offer: congratulations.",
    "timing": "The timing doesn't line up this time.",
}


def rejection_message(candidate, *, sender, application,
                      channel: str = MessageChannel.EMAIL) -> Draft:
    """A short, kind note with the outcome of `application`: thanks, the decision (with the
    reason only when it is one that is kind and plain to say), and an offer to keep in touch.
    Offered to the recruiter after a rejection, to read, edit, send or not."""
    name = _clean(candidate.preferred_name) or _clean(candidate.first_name)
    job = application.job
    title = _clean(job.title)
    organization = _clean(candidate.organization.name)
    first, full = "", ""
    sender_title = phone = email = ""
    if sender is not None and getattr(sender, "is_authenticated", False):
        first = _clean(sender.first_name)
        full = _clean(sender.get_full_name()) or first
        sender_title = _clean(getattr(sender, "title", ""))
        phone = _clean(getattr(sender, "phone", ""))
        email = _clean(sender.email)
    facts = [f"Job: {title}", f"Rejected: {application.get_disposition_reason_display()}"
             if application.disposition_reason else "Rejected"]
    reason = REASON_SENTENCES.get(application.disposition_reason, "")
    if reason:
        facts.append("The reason is said because it is kind and plain; other reasons are not.")
    else:
        facts.append("The reason is not said: tell it yourself if it helps them.")
    decision = "we won't be taking things further this time"
    if channel == MessageChannel.SMS:
        who = f"it's {first} from {organization}" if first else f"it's {organization}"
        parts = [f"Hi {name}, {who}." if name else f"Hi, {who}.",
                 f"Thank you for your time and interest in the {title} role. I'm sorry to say "
                 f"{decision}."]
        for optional in (reason, "Happy to keep you in mind for future roles."):
            if optional and len(" ".join([*parts, optional])) <= SMS_LIMIT:
                parts.append(optional)
        if reason and reason not in parts:
            facts[-1] = "The reason didn't fit in the text: tell it yourself if it helps them."
        return Draft(subject="", body=" ".join(parts), facts=facts, channel=MessageChannel.SMS)
    paragraphs = [
        f"Hi {name}," if name else "Hello,",
        f"Thank you for your time and your interest in the {title} role at {organization}.",
        f"I'm sorry to say {decision}." + (f" {reason}" if reason else ""),
        "I'm grateful for the time you gave us, and I'd be glad to keep you in mind for future "
        "roles that fit you, if you'd like.",
        "\n".join(["With best wishes,", *signature_lines(full, sender_title, organization, phone,
                                                        email)]),
    ]
    return Draft(subject=f"{title}: thank you"[:200], body="\n\n".join(paragraphs),
                 facts=facts, channel=MessageChannel.EMAIL)
