"""Answering a candidate's reply: what they wrote, read simply and shown to the recruiter, and
an answer drafted from it using only facts on record.

Reading is plain pattern matching, kept honest and visible: the questions a reply asks (pay,
schedule and call, where the role is, the start date, the team, the EMR), whether it declines,
whether it suggests a time or asks for a link or a few times, whether it asks to pass our
number on, and a colleague it names — only after words such as "my colleague" or before "is
looking", with a capitalised name, so "Dr. Haddad" is read and "Thursday" is not. The recruiter
sees what was read and corrects it; the draft follows the correction.

The answer says only what the record holds: the job's pay range and terms, clauses of the job
description and employer profile that speak of call and schedule, the site, the start date, the
team and EMR from the employer profile, the value proposition, the sender's own number. What
was asked and isn't on record is named for the recruiter and promised, never made up ("I'll
confirm the start date on our call"). A decline gets thanks and no pitch. The next step is a
short call: a few of the sender's free times (they can reply 1, 2 or 3 by text) or a link to
pick one, following how they wrote and what they asked for, or the time they suggested."""

from __future__ import annotations

import re
import uuid as uuid_lib
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from rounds.accounts.choices import CompensationModel
from rounds.candidates.choices import EmploymentType, Profession

from .choices import MessageChannel
from .drafts import Draft, _clean, _end, _first_sentences, signature_lines
from .templating import employer_profile

CALL_MINUTES = 15
TIMES_OFFERED = 3
SMS_REPLY_LIMIT = 480  # three segments: an answer may be longer than a first text
ANSWER_CHARS = 240

TIMES, LINK, THEIRS, NO_CALL = "times", "link", "theirs", "none"
ASK = "ask"  # no free time to offer: the answer asks when suits them
CALL_MODES = (TIMES, LINK, THEIRS, NO_CALL)

# What a reply may ask about, in the order answers are written.
TOPICS = {
    "pay": "pay",
    "schedule": "the schedule and call",
    "location": "where the role is",
    "start": "the start date",
    "team": "the team",
    "emr": "the EMR",
}
_I = re.IGNORECASE
TOPIC_PATTERNS = {
    "pay": re.compile(
        r"\b(pay|pays|paid|salary|salaries|compensation|remuneration|income|"
        r"earn|earnings?|wages?|rates?|billing|overhead|split|stipend|how much "
        r"(would|will|could|do|does|can) (i|you|one|it|the role|the job) "
        r"(make|earn|get))\b",
        _I,
    ),
    "schedule": re.compile(
        r"\b(call schedule|on[- ]?call|call (duties|coverage|burden|requirements?|rota)|"
        r"how much call|\d+[- ]in[- ]\d+|schedules?|hours|shifts?|nights?|weekends?|evenings?|"
        r"part[- ]time|full[- ]time|fte|days? (a|per) week|workload|rotation)\b",
        _I,
    ),
    "location": re.compile(
        r"\b(where|location|located|address|commute|relocat\w*|"
        r"which (site|clinic|city|town))\b",
        _I,
    ),
    "start": re.compile(
        r"\b(start date|start(ing)? when|when (would|does|do|could|can|will) "
        r"(it|i|the role|the job|you need)|how soon|timeline|timeframe|begin)\b",
        _I,
    ),
    "team": re.compile(r"\b(team|teams|support staff|nurses|moas?|staffing)\b", _I),
    "emr": re.compile(r"\b(emr|ehr|electronic (medical|health) records?|charting)\b", _I),
}
# A sentence asks when it is a question or a request; "I'm happy with my hours" asks nothing.
ASKING = re.compile(
    r"\?|\b(could|can|would|will) you\b|\b(send|share|tell|let me know|"
    r"details|info|information|more about|wondering|curious|what|how|which|"
    r"when|where)\b",
    _I,
)
DECLINE = re.compile(
    r"\b(not for me|not interested|no longer interested|not looking|not the right (time|fit|"
    r"move)|no,? thanks|no,? thank you|not at (this|the) (time|moment)|happy where i am|"
    r"i'?ll pass\b(?! (on|along))|pass on this|not considering|not a good fit|(have|going) to "
    r"pass\b(?! (on|along))|decline)\b",
    _I,
)
INTERESTED = re.compile(
    r"\b(interested|happy to (chat|talk|hear)|keen|sounds (good|great|"
    r"interesting)|tell me more|hear more|yes|sure|love to|would like to)\b",
    _I,
)
WANTS_CALL = re.compile(
    r"\b(call me|give me a (call|ring)|phone me|ring me|happy to (chat|talk)|"
    r"a (quick )?(call|chat)|speak)\b",
    _I,
)
SHARE = re.compile(
    r"\b(pass (on|along) your (number|details|contact|email)|share your (number|"
    r"details|contact|email)|give (him|her|them) your (number|details|contact|"
    r"email))\b",
    _I,
)
WANTS_LINK = re.compile(r"\b(link|calendly|calendar|booking page|book (a time )?online)\b", _I)
WANTS_TIMES = re.compile(
    r"\b((text|send|email) me (a few|some) times|what times|which times|"
    r"a few times|some times that)\b",
    _I,
)
_DAY = (
    r"(?:today|tonight|tomorrow|(?:this|next) (?:morning|afternoon|evening|week)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day(?: (?:morning|afternoon|evening))?)"
)
_CLOCK = (
    r"(?:(?:after|before|around|at|from) \d{1,2}(?::\d{2})?(?:\s?(?:am|pm))?|"
    r"\d{1,2}(?::\d{2})?\s?(?:am|pm))"
)
SUGGESTED_TIME = re.compile(rf"\b({_DAY}(?: {_CLOCK})?|{_CLOCK}(?: {_DAY})?)\b", _I)

# Naming a colleague: conservative on purpose. A name is one or two capitalised words (after
# "Dr." when given) right after "my colleague", "a friend of mine", "talk to"… or before "is
# looking" / "might be interested", and none of them an ordinary word.
_NAME = r"[A-Z][a-zA-Z'’-]+"
_TITLE = r"(?:Dr\.?|Doctor)"
_PERSON = rf"(?P<title>{_TITLE}\s+)?(?P<first>{_NAME})(?:\s+(?P<last>{_NAME}))?"
_RELATION = (
    r"(?i:colleague|co-?worker|friend|partner|classmate|former resident|resident|"
    r"fellow)"
)
# Names are told by their capital letter, so only the surrounding words ignore case.
COLLEAGUE_PATTERNS = [
    re.compile(rf"\b(?i:my|a|our)\s+(?:\w+\s+)?{_RELATION}(?i:\s+of mine)?,?\s+{_PERSON}"),
    re.compile(rf"\b(?i:talk to|speak to|speak with|reach out to|contact|try|ask)\s+{_PERSON}"),
    re.compile(
        rf"{_PERSON}\s+(?i:is|might be|may be|would be|could be)\s+(?i:looking|"
        r"interested)"
    ),
]
_ORDINARY = """
i i'm im he she they we you it the this that these those there here is are was were who what
and but or so if can could would will should may might must please thanks thank hi hello hey
yes no not my our your his her their its also just maybe perhaps sure ok okay great good
monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight
january february march april may june july august september october november december
dr doctor mr mrs ms nurse happy sorry unfortunately however anyway
"""
NOT_NAMES = frozenset(_ORDINARY.split())


# Where a sentence ends: not after a title ("Dr. Haddad" is one sentence's words).
SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)\s+|\n+")


@dataclass
class Colleague:
    """A person the reply names, as written: "Dr. Haddad" is a title and a last name."""

    title: str = ""
    first_name: str = ""
    last_name: str = ""

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)

    @classmethod
    def parse(cls, text: str) -> Colleague | None:
        """A colleague from words the recruiter typed ("Dr. Sam Haddad", "Haddad")."""
        words = _clean(text).split()
        if not words:
            return None
        title = ""
        if re.fullmatch(_TITLE, words[0], _I) and len(words) > 1:
            title = "Dr."
            words = words[1:]
        words = [w.strip(",;") for w in words if w.strip(",;")][:3]
        if not words:
            return None
        if len(words) == 1:
            # "Dr. Haddad" names a family; "Sam" alone a person we know by first name.
            return cls(title, "", words[0]) if title else cls(title, words[0], "")
        return cls(title, " ".join(words[:-1]), words[-1])


@dataclass
class Reading:
    """What a reply says, as far as simple reading goes; the recruiter corrects it."""

    asks: list[str] = field(default_factory=list)
    declined: bool = False
    interested: bool = False
    wants_call: bool = False
    asks_to_share: bool = False
    wants_link: bool = False
    wants_times: bool = False
    suggested_time: str = ""
    colleague: Colleague | None = None
    corrected: bool = False

    def lines(self) -> list[str]:
        """What was read, in words, for the recruiter."""
        out = [f"Asks about {TOPICS[t]}" for t in self.asks]
        if self.declined:
            out.append("Says no for now")
        elif self.interested:
            out.append("Sounds interested")
        if self.suggested_time:
            out.append(f"Suggests a time: “{self.suggested_time}”")
        if self.wants_link:
            out.append("Asks for a link to book")
        if self.wants_times:
            out.append("Asks for a few times")
        if self.colleague is not None:
            out.append(f"Names a colleague: {self.colleague.label}")
        if self.asks_to_share:
            out.append("Asks to pass on your contact details")
        return out

    def corrected_by(self, params) -> Reading:
        """This reading as the recruiter corrected it (the redraft form's fields), or itself
        when the form wasn't used."""
        if params.get("reread") != "1":
            return self
        asks = set(params.getlist("ask"))
        return Reading(
            asks=[t for t in TOPICS if t in asks],
            declined=params.get("declined") == "1",
            interested=self.interested,
            wants_call=self.wants_call,
            asks_to_share=params.get("share") == "1",
            wants_link=self.wants_link,
            wants_times=self.wants_times,
            suggested_time=self.suggested_time,
            colleague=Colleague.parse(params.get("colleague", "")[:120]),
            corrected=True,
        )


def read(text: str) -> Reading:
    """Read a reply: the questions it asks, a decline, a time, a colleague it names."""
    text = text or ""
    flat = " ".join(text.split())
    sentences = SENTENCE_END.split(text)
    asking = " ".join(s for s in sentences if ASKING.search(s))
    reading = Reading(asks=[t for t, pattern in TOPIC_PATTERNS.items() if pattern.search(asking)])
    reading.declined = bool(DECLINE.search(flat))
    reading.interested = not reading.declined and bool(INTERESTED.search(flat))
    reading.wants_call = bool(WANTS_CALL.search(flat))
    reading.asks_to_share = bool(SHARE.search(flat))
    reading.wants_link = bool(WANTS_LINK.search(flat))
    reading.wants_times = bool(WANTS_TIMES.search(flat))
    if not reading.declined:
        found = SUGGESTED_TIME.search(flat)
        reading.suggested_time = found.group(1) if found else ""
    reading.colleague = _colleague(flat)
    return reading


def _colleague(text: str) -> Colleague | None:
    for pattern in COLLEAGUE_PATTERNS:
        for found in pattern.finditer(text):
            title = "Dr." if found.group("title") else ""
            first, last = found.group("first"), found.group("last") or ""
            if first.lower() in NOT_NAMES:
                continue
            if last.lower() in NOT_NAMES:
                last = ""
            if pattern is not COLLEAGUE_PATTERNS[0] and not (title or last):
                continue  # "Sam is looking" alone is too loose to call a name
            if title and not last:
                return Colleague(title, "", first)
            return Colleague(title, first, last)
    return None


# --- the next step: a short call -----------------------------------------------------------


@dataclass
class CallStep:
    """How the answer proposes a call: a few of the sender's free times, a link to pick one, or
    the time the candidate suggested. `key` is the meeting the times or link will belong to:
    it is created, with that key, only when the answer carrying its link is sent."""

    mode: str
    why: str
    times: list[datetime] = field(default_factory=list)
    key: uuid_lib.UUID | None = None
    url: str = ""
    zone_name: str = "UTC"
    labels: list[str] = field(default_factory=list)

    @property
    def makes_meeting(self) -> bool:
        return self.mode in (TIMES, LINK) and bool(self.url)


def default_mode(reading: Reading, channel: str) -> tuple[str, str]:
    """The call step that fits what they wrote, and why."""
    if reading.declined:
        return NO_CALL, "They said no for now: the answer doesn't push for a call."
    if reading.suggested_time:
        return THEIRS, (
            f"They suggested a time (“{reading.suggested_time}”): the answer "
            "accepts it. Check your calendar before sending."
        )
    if reading.wants_link:
        return LINK, "They asked for a link: the answer has one to pick a time."
    if reading.wants_times:
        return TIMES, "They asked for a few times: the answer offers three of your free times."
    if channel == MessageChannel.SMS:
        return TIMES, (
            "They wrote by text: the answer offers three of your free times; they reply 1, 2 or 3."
        )
    return LINK, "They wrote by email: the answer has a link to pick one of your free times."


def plan_call(
    candidate,
    *,
    sender,
    mode: str,
    why: str,
    key: uuid_lib.UUID | None = None,
    now: datetime | None = None,
) -> CallStep:
    """The call step for `mode`: free times and the link of the meeting to be (its key kept
    from the form, so the link in the text is the one that will work)."""
    from . import links, meetings
    from .models import Meeting

    step = CallStep(mode=mode, why=why)
    if mode not in (TIMES, LINK):
        return step
    now = now or timezone.now()
    slots = meetings.free_slots(sender, duration=CALL_MINUTES, now=now)
    if not slots:
        step.mode = ASK
        step.why = (
            "You have no free time in your meeting hours in the next days: the answer "
            "asks when suits them instead."
        )
        return step
    zone = meetings.candidate_zone(candidate)
    step.zone_name = zone.key
    step.key = key or uuid_lib.uuid4()
    step.url = links.meeting_url(Meeting(uuid=step.key))
    if mode == TIMES:
        step.times = spread(slots, meetings.org_zone(candidate.organization))
        step.labels = [meetings.when_label(t, zone) for t in step.times]
    return step


def spread(slots: list[datetime], zone) -> list[datetime]:
    """A few times on different days where possible: the first free slot of each day."""
    chosen, days = [], set()
    for slot in slots:
        day = slot.astimezone(zone).date()
        if day not in days:
            days.add(day)
            chosen.append(slot)
        if len(chosen) == TIMES_OFFERED:
            return chosen
    for slot in slots:
        if slot not in chosen:
            chosen.append(slot)
        if len(chosen) == TIMES_OFFERED:
            break
    return sorted(chosen)


# --- what the record holds, for an answer --------------------------------------------------

SCHEDULE_FACT = re.compile(
    r"\b(on[- ]?call|call|schedules?|hours|shifts?|nights?|weekends?|weekdays?|evenings?|"
    r"mornings?|afternoons?|(mon|tues|wednes|thurs|fri|satur|sun)days?|days?(/| a | per )week|"
    r"\d+x\d+|\d+-hour|\d*\.?\d+ fte|part[- ]time|full[- ]time|rotation|blocks?)\b",
    _I,
)


@dataclass
class Answer:
    """What the record says about one thing they asked: sentences for the answer and, one for
    each, the fact behind it for the recruiter."""

    topic: str
    sentences: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


def clauses(text: str, pattern: re.Pattern, limit: int = 2) -> list[str]:
    """The clauses of `text` that match `pattern`, as written (sentences split at commas and
    semicolons, so a clause about call comes without the rest of its sentence)."""
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", _clean(text)):
        for part in re.split(r"[;,]\s+", sentence):
            part = part.strip().rstrip(".;,")
            if part and pattern.search(part) and part not in out:
                out.append(part)
            if len(out) == limit:
                return out
    return out


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def date_words(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def answers(reading: Reading, *, job, organization) -> tuple[list[Answer], list[str]]:
    """An answer for each topic asked that the record speaks to; the topics it doesn't."""
    profile = employer_profile(organization)
    site = job.site if job is not None and job.site_id else None
    found, missing = [], []
    for topic in reading.asks:
        answer = Answer(topic)
        if topic == "pay":
            if job is not None and job.pay_display:
                answer.sentences.append(f"The {_clean(job.title)} role pays {job.pay_display}.")
                answer.facts.append(f"Pay range: {job.pay_display} (the job)")
            # The employer profile's terms (practice model, split, overhead) are about
            # physicians' practice: quoted for a physician's job, or when the job has no pay of
            # its own, never to a nurse paid by the hour.
            general = not answer.sentences or job.profession == Profession.PHYSICIAN
            details = _clean(profile.compensation_details) if profile and general else ""
            if details:
                answer.sentences.append(
                    f"Compensation: {_end(_first_sentences(details, ANSWER_CHARS))}"
                )
                answer.facts.append("Compensation details (employer profile)")
            elif profile is not None and profile.compensation_model and general:
                label = CompensationModel(profile.compensation_model).label.lower()
                answer.sentences.append(f"Compensation is {label}.")
                answer.facts.append(f"Compensation model: {label} (employer profile)")
        elif topic == "schedule":
            if job is not None and job.employment_type:
                label = EmploymentType(job.employment_type).label.lower()
                answer.sentences.append(f"It's a {label} role.")
                answer.facts.append(f"Employment type: {label} (the job)")
            # The job's own words first; the employer profile's only when the job says
            # nothing about call or schedule.
            sources = [(job.description if job else "", "the job description")]
            if profile is not None:
                sources += [
                    (profile.admin_support, "employer profile, admin support"),
                    (profile.team_based_care, "employer profile, team"),
                ]
            for text, where in sources:
                found_here = clauses(text, SCHEDULE_FACT)
                for part in found_here:
                    answer.sentences.append(_end(_capital(part)))
                    answer.facts.append(f"“{part}” ({where})")
                if found_here:
                    break
        elif topic == "location":
            if site is not None and _clean(site.name):
                where = ", ".join(
                    p
                    for p in (_clean(site.address_line), _clean(site.city))
                    if p and p.lower() not in _clean(site.name).lower()
                )
                answer.sentences.append(
                    f"It's at our {_clean(site.name)} site" + (f", {where}." if where else ".")
                )
                answer.facts.append(f"Site: {_clean(site.name)} (the job)")
                community = _clean(profile.community_points) if profile else ""
                city = _clean(site.city)
                for sentence in re.split(r"(?<=[.!?])\s+", community):
                    if city and city.lower() in sentence.lower():
                        answer.sentences.append(_end(sentence))
                        answer.facts.append("Community (employer profile)")
                        break
        elif topic == "start":
            if job is not None and job.start_date:
                if job.end_date:
                    answer.sentences.append(
                        f"It runs from {date_words(job.start_date)} to {date_words(job.end_date)}."
                    )
                else:
                    answer.sentences.append(f"It starts on {date_words(job.start_date)}.")
                answer.facts.append("Start date (the job)")
        elif topic == "team":
            team = _clean(profile.team_based_care) if profile else ""
            if team:
                answer.sentences.append(_end(_first_sentences(team, ANSWER_CHARS)))
                answer.facts.append("Team-based care (employer profile)")
        elif topic == "emr":
            emr = _clean(profile.emr) if profile else ""
            if emr:
                answer.sentences.append(f"We use {emr}.")
                answer.facts.append(f"EMR: {emr} (employer profile)")
        (found if answer.sentences else missing).append(answer if answer.sentences else topic)
    return found, missing


# --- writing the answer --------------------------------------------------------------------


@dataclass
class _Sender:
    name: str = ""
    first: str = ""
    title: str = ""
    phone: str = ""
    email: str = ""
    organization: str = ""
    contact_phone: str = ""


def _sender(sender, organization) -> _Sender:
    from .models import OutreachSettings

    s = _Sender(organization=_clean(organization.name))
    if sender is not None and getattr(sender, "is_authenticated", False):
        s.first = _clean(sender.first_name)
        s.name = _clean(sender.get_full_name()) or s.first
        s.title = _clean(getattr(sender, "title", ""))
        s.phone = _clean(getattr(sender, "phone", ""))
        s.email = _clean(sender.email)
    s.contact_phone = _clean(OutreachSettings.for_org(organization.pk).contact_phone)
    return s


def _list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def reply_draft(
    candidate,
    *,
    sender,
    reading: Reading,
    channel: str,
    job=None,
    call: CallStep | None = None,
    subject: str = "",
) -> Draft:
    """The answer to a reply, on `channel`, from the reading (as the recruiter corrected it)
    and the record; `call` is the next step (None: no call)."""
    organization = candidate.organization
    s = _sender(sender, organization)
    name = _clean(candidate.preferred_name) or _clean(candidate.first_name)
    found, missing = answers(reading, job=job, organization=organization)
    facts = [f"Their reply, as read: {'; '.join(reading.lines()) or 'nothing in particular'}"]
    for answer in found:
        facts.extend(answer.facts)
    gaps = [
        f"They asked about {TOPICS[t]}: nothing on record, so the answer promises to "
        "confirm it. Add it to the job or employer profile for next time."
        for t in missing
    ]

    colleague = reading.colleague
    if reading.declined:
        thanks = "Thank you for letting me know" + (
            f", and for thinking of {colleague.label}." if colleague else "."
        )
    else:
        thanks = "Thanks for getting back to me."

    answer_lines = [" ".join(a.sentences) for a in found]
    calling = call is not None and call.mode in (TIMES, LINK, THEIRS, ASK)
    promise = ""
    if missing:
        when = "on our call" if calling and not reading.declined else "and come back to you"
        promise = f"I'll confirm {_list([TOPICS[t] for t in missing])} {when}."
        answer_lines.append(promise)

    value = ""
    if not reading.declined:
        source = _clean(job.value_proposition) if job is not None else ""
        profile = employer_profile(organization)
        if not source and profile is not None:
            source = _clean(profile.value_proposition)
        if source:
            value = _end(_first_sentences(source, 220))
            facts.append(
                "Value proposition — "
                + (
                    "the job's"
                    if job is not None and _clean(job.value_proposition)
                    else "the employer profile's"
                )
            )

    contact_phone = s.phone or s.contact_phone
    contact = contact_phone or s.email
    if (reading.asks_to_share or colleague) and not contact_phone:
        gaps.append(
            "They may pass on your details, but no phone number is on record (yours "
            "or the organization's contact phone): "
            + ("the answer gives your email." if contact else "the answer gives none.")
        )
    sharing = ""
    if contact and (reading.asks_to_share or colleague):
        what = "number" if contact_phone else "email"
        if reading.asks_to_share:
            sharing = f"Yes, please do pass on my {what}: {contact}."
        else:
            sharing = (
                f"If {colleague.label} would like to hear more, please pass on my {what}: "
                f"{contact}."
            )
        if colleague:
            sharing += f" I'll leave it to {colleague.label} to get in touch."
        facts.append(
            f"Your {what}: {contact}"
            + ("" if contact == s.phone or contact == s.email else " (the organization's)")
        )
    closing = ""
    if reading.declined:
        closing = "If things change, I'd be glad to hear from you."
        if not colleague:
            closing += " And if someone you know might be interested, please pass on my details."

    step = _call_text(call, channel, reading) if not reading.declined else ""
    if call is not None and call.makes_meeting:
        facts.append(
            f"Call offer: {len(call.times)} of your free times and the link to pick one"
            if call.mode == TIMES
            else "Call offer: your link to pick a free time"
        )
    if channel == MessageChannel.SMS:
        return _sms(name, s, thanks, found, promise, value, sharing, closing, step, facts, gaps)
    paragraphs = [f"Hi {name}," if name else "Hello,", thanks]
    paragraphs += [line for line in answer_lines if line]
    if value:
        paragraphs.append(value)
    for part in (sharing, closing, step):
        if part:
            paragraphs.append(part)
    paragraphs.append(
        "\n".join(
            ["Thank you,", *signature_lines(s.name, s.title, s.organization, s.phone, s.email)]
        )
    )
    return Draft(
        subject=subject[:200],
        body="\n\n".join(paragraphs),
        facts=facts,
        channel=MessageChannel.EMAIL,
        gaps=gaps,
    )


def _call_text(call: CallStep | None, channel: str, reading: Reading) -> str:
    if call is None or call.mode == NO_CALL:
        return ""
    sms = channel == MessageChannel.SMS
    if call.mode == THEIRS:
        return f"Yes, I'll call you {reading.suggested_time}."
    if call.mode == ASK:
        return f"Would you have {CALL_MINUTES} minutes for a call this week? When suits you?"
    ask = f"Could we talk for {CALL_MINUTES} minutes?"
    if call.mode == LINK:
        return f"{ask} Pick a time that suits you here: {call.url}"
    if sms:
        listed = " ".join(f"{i}) {label}" for i, label in enumerate(call.labels, 1))
        from .meetings import reply_phrase

        return f"{ask} {listed}. {reply_phrase(len(call.labels))}, or pick here: {call.url}"
    listed = "\n".join(f"  {i}. {label}" for i, label in enumerate(call.labels, 1))
    return (
        f"{ask} Here are a few times that work on my side ({call.zone_name} time):\n"
        f"{listed}\nPick one with a single click: {call.url}"
    )


def _sms(
    name,
    s: _Sender,
    thanks,
    found: list[Answer],
    promise,
    value,
    sharing,
    closing,
    step,
    facts,
    gaps,
) -> Draft:
    """One text: the first sentence of each answer, what is promised and the next step always;
    the other sentences of the answers, then the value proposition, while the text fits."""
    who = f"it's {s.first}" if s.first else f"it's {s.organization}"
    greeting = f"Hi {name}, {who}." if name else f"Hi, {who}."
    answers_in = [[a.sentences[0]] for a in found]
    tail = [p for p in (promise, sharing, closing, step) if p]

    def text() -> str:
        return " ".join([greeting, thanks, *(" ".join(a) for a in answers_in), *tail])

    left_out = []  # the facts of the sentences that didn't fit
    for answer, kept in zip(found, answers_in, strict=True):
        for sentence, fact in zip(answer.sentences[1:], answer.facts[1:], strict=False):
            kept.append(sentence)
            if len(text()) > SMS_REPLY_LIMIT:
                kept.pop()
                left_out.append(fact)
    if value and len(text()) + 1 + len(value) <= SMS_REPLY_LIMIT:
        tail.insert(1 if promise else 0, value)
    else:
        left_out += [f for f in facts if f.startswith("Value proposition")]
    return Draft(
        subject="",
        body=text(),
        facts=[f for f in facts if f not in left_out],
        channel=MessageChannel.SMS,
        gaps=gaps,
    )


def reply_subject(message) -> str:
    """ "Re: " and the subject they wrote under (or the thread's)."""
    subject = _clean(message.subject) or (
        _clean(message.thread.subject) if message.thread_id else ""
    )
    subject = re.sub(r"(?i)^\s*((re|fw|fwd|tr)\s*:\s*)+", "", subject)
    return f"Re: {subject}"[:200] if subject else "Re: your message"
