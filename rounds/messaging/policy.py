"""The send policy: may this message go to this person on this channel, now?

`decide(recipient, at)` is the one function every send passes through, at queue time (to tell
the recruiter what will happen) and again in the worker at the moment of sending. It is pure:
`facts_for` loads what it needs (consent, suppressions, zones, recent sends) in a few queries
for any number of candidates, so a 10,000-person send is judged in one pass.

Rules (each verdict names the rule it applies; see COMPLIANCE.md):
- an address on record, not suppressed (hard bounce, complaint, unsubscribe, STOP);
- commercial messages: a consent basis on record for the channel — express, implied with
  CASL's expiry (2 years from a transaction, 6 months from an inquiry), or a published address
  with its evidence; never to a candidate marked do-not-contact or for a topic they muted;
- 08:00-21:00 in the candidate's zone (their stated zone, else their postal code's, else their
  phone's area code), narrowed by the organization and by the candidate's own quiet hours;
  Florida 08:00-20:00 and at most 3 texts in 24 h on one subject; Canadian calls 09:00-21:30
  on weekdays and 10:00-18:00 at weekends;
- automated messages (campaigns, sequences) respect the candidate's contact frequency.
A message that fails a time rule is held until the first moment every rule allows; one that
fails any other rule is dropped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from rounds.candidates.choices import CandidateStatus, ConsentBasis, ContactFrequency

from .choices import MessageChannel, MessageKind
from .models import LEGAL_WINDOW_END, LEGAL_WINDOW_START

SEND, HOLD, DROP = "send", "hold", "drop"
# An address that bounced or complained gets nothing, whatever was asked for.
HARD_SUPPRESSIONS = ("hard_bounce", "complaint")

FREQUENCY_DAYS = {
    ContactFrequency.WEEKLY: 7,
    ContactFrequency.MONTHLY: 30,
    ContactFrequency.QUARTERLY: 91,
}
FLORIDA_END = time(20, 0)
FLORIDA_MAX_PER_DAY = 3
CA_CALLS_WEEKDAY = (time(9, 0), time(21, 30))
CA_CALLS_WEEKEND = (time(10, 0), time(18, 0))
LOOKAHEAD_DAYS = 9

CHANNEL_WORDS = {
    MessageChannel.EMAIL: "email",
    MessageChannel.SMS: "text messages",
    MessageChannel.CALL: "calls",
}


@dataclass(frozen=True)
class Recipient:
    """What the policy knows about one candidate on one channel."""

    channel: str
    address: str
    kind: str = MessageKind.COMMERCIAL
    topic: str = "jobs"
    name: str = "the candidate"
    candidate_status: str = CandidateStatus.PASSIVE
    muted_topics: tuple[str, ...] = ()
    consent_basis: str | None = None
    consent_obtained_at: datetime | None = None
    consent_expires_at: datetime | None = None
    consent_evidence: str = ""
    suppressed: str = ""  # the reason in words, when the address is suppressed
    suppressed_by: str = ""  # its SuppressionReason
    identified: bool = True  # the organization has a postal address to identify itself with
    zones: tuple[str, ...] = ("UTC",)
    zone_source: str = ""  # "their stated zone", "their phone's area code", …
    florida: bool = False
    country: str = ""
    quiet_start: time | None = None  # the candidate's own quiet hours, e.g. 21:30 to 07:00
    quiet_end: time | None = None
    window_start: time = LEGAL_WINDOW_START  # the organization's window (narrowed)
    window_end: time = LEGAL_WINDOW_END
    automated: bool = False
    frequency: str = ContactFrequency.ANY
    last_automated_at: datetime | None = None
    same_subject_24h: tuple[datetime, ...] = field(default=())  # texts on this subject (Florida)


@dataclass(frozen=True)
class Verdict:
    action: str  # SEND, HOLD or DROP
    rule: str  # short name of the rule that decided
    reason: str  # a sentence a recruiter reads
    send_at: datetime | None = None  # for HOLD: the first moment every rule allows

    @property
    def allowed(self) -> bool:
        return self.action == SEND

    @property
    def dropped(self) -> bool:
        return self.action == DROP


def decide(r: Recipient, at: datetime) -> Verdict:
    """May this message go to `r` at `at`? Send, hold until a time, or drop with the reason."""
    words = CHANNEL_WORDS.get(r.channel, r.channel)
    if not r.address:
        what = "email address" if r.channel == MessageChannel.EMAIL else "phone number"
        return Verdict(DROP, "no_address", f"No {what} on record.")
    if r.kind == MessageKind.OPT_OUT_CONFIRMATION:
        return Verdict(SEND, "opt_out_confirmation", "Confirms the opt-out, once.")
    if r.kind in (MessageKind.REQUESTED, MessageKind.TRANSACTIONAL, MessageKind.STAFF):
        # Asked for by the person (the link confirming their consent, the answer to their own
        # text), answering their own action (a booking they made), or written to a colleague:
        # no consent or hours to check, and it goes now. An unsubscribe from marketing lets
        # it through by email (after a STOP only the confirmation may be texted); a bounce or
        # a complaint stops everything.
        if r.suppressed_by in HARD_SUPPRESSIONS or (
            r.suppressed_by and r.channel == MessageChannel.SMS
        ):
            return Verdict(DROP, "suppressed", f"{r.address} is suppressed: {r.suppressed}.")
        if r.kind == MessageKind.STAFF:
            return Verdict(SEND, "staff", "To a colleague.")
        if r.kind == MessageKind.TRANSACTIONAL:
            return Verdict(SEND, "transactional", "Answers the candidate's own request.")
        return Verdict(SEND, "requested", "Asked for by the person.")
    if r.suppressed:
        return Verdict(DROP, "suppressed", f"{r.address} is suppressed: {r.suppressed}.")
    if r.kind == MessageKind.COMMERCIAL and not r.identified:
        return Verdict(
            DROP, "no_identification", "Add your organization's postal address (Settings → "
            "Organization): every commercial message must carry it (CASL, CAN-SPAM).",
        )
    if r.kind == MessageKind.COMMERCIAL:
        refused = _consent_refusal(r, at, words)
        if refused:
            return refused

    intervals = _day_intervals(r)
    if not any(intervals(wd) for wd in range(7)):
        return Verdict(DROP, "quiet_hours", f"{r.name}'s quiet hours leave no hour to send in.")
    when = at
    for _ in range(12):  # each pass moves `when` forward to satisfy one rule; few are needed
        moved = _next_allowed(r, when, intervals)
        if moved is None:
            return Verdict(
                DROP, "quiet_hours", f"No allowed hour in the next {LOOKAHEAD_DAYS} days."
            )
        when = moved
        later = _frequency_hold(r, when)
        if later is None:
            break
        when = later
    else:  # pragma: no cover - the rules settle within a few passes
        return Verdict(DROP, "quiet_hours", "No moment satisfies every rule.")
    if when == at:
        return Verdict(SEND, "allowed", f"Allowed: consent for {words} and within hours.")
    if (r.kind == MessageKind.COMMERCIAL and r.consent_expires_at is not None
            and when >= r.consent_expires_at):
        # Holding it would release it after the consent ran out: it can't go at all.
        return Verdict(
            DROP, "consent_expired",
            f"Implied consent for {words} expires on {r.consent_expires_at:%Y-%m-%d}, before "
            f"the next allowed time; ask for express consent.",
        )
    return Verdict(HOLD, _hold_rule(r, at), _hold_reason(r, at, when), when)


def _consent_refusal(r: Recipient, at: datetime, words: str) -> Verdict | None:
    if r.candidate_status == CandidateStatus.DO_NOT_CONTACT:
        return Verdict(DROP, "do_not_contact", f"{r.name} asked not to be contacted.")
    if r.topic in r.muted_topics:
        return Verdict(DROP, "topic_muted", f"{r.name} muted this topic ({r.topic}).")
    basis = r.consent_basis
    if basis is None:
        return Verdict(DROP, "no_consent", f"No consent on record for {words} (CASL).")
    if basis == ConsentBasis.REVOKED:
        return Verdict(DROP, "revoked", f"{r.name} opted out of {words}.")
    if basis == ConsentBasis.PUBLISHED_ADDRESS and not r.consent_evidence.strip():
        return Verdict(
            DROP, "no_evidence", "Published-address consent needs its evidence (where, when)."
        )
    if r.consent_obtained_at is not None and r.consent_obtained_at > at:
        return Verdict(
            DROP, "consent_not_yet",
            f"Consent for {words} is recorded as given on {r.consent_obtained_at:%Y-%m-%d}, "
            "after this message; a record can't count before it was given.",
        )
    if r.consent_expires_at is not None and r.consent_expires_at <= at:
        months = "6 months" if basis == ConsentBasis.IMPLIED_INQUIRY else "2 years"
        return Verdict(
            DROP, "consent_expired",
            f"Implied consent for {words} expired on {r.consent_expires_at:%Y-%m-%d} "
            f"(CASL: {months}); ask for express consent.",
        )
    return None


def _window(r: Recipient, weekday: int) -> list[tuple[int, int]]:
    """Allowed spans of one local day, in minutes from midnight, before quiet hours."""
    start = max(_minutes(LEGAL_WINDOW_START), _minutes(r.window_start))
    end = min(_minutes(LEGAL_WINDOW_END), _minutes(r.window_end))
    if r.florida:
        end = min(end, _minutes(FLORIDA_END))
    if r.channel == MessageChannel.CALL and r.country == "CA":
        lo, hi = CA_CALLS_WEEKDAY if weekday < 5 else CA_CALLS_WEEKEND
        start, end = max(start, _minutes(lo)), min(end, _minutes(hi))
    return [(start, end)] if start < end else []


def _day_intervals(r: Recipient):
    quiet: list[tuple[int, int]] = []
    if r.quiet_start is not None and r.quiet_end is not None and r.quiet_start != r.quiet_end:
        qs, qe = _minutes(r.quiet_start), _minutes(r.quiet_end)
        quiet = [(qs, qe)] if qs < qe else [(qs, 24 * 60), (0, qe)]

    cache: dict[int, list[tuple[int, int]]] = {}

    def intervals(weekday: int) -> list[tuple[int, int]]:
        if weekday not in cache:
            spans = _window(r, weekday)
            for qs, qe in quiet:
                spans = [piece for s, e in spans for piece in _subtract(s, e, qs, qe)]
            cache[weekday] = spans
        return cache[weekday]

    return intervals


def _subtract(s: int, e: int, qs: int, qe: int) -> list[tuple[int, int]]:
    out = []
    if qs > s:
        out.append((s, min(e, qs)))
    if qe < e:
        out.append((max(s, qe), e))
    return [(a, b) for a, b in out if a < b]


def allowed_at(r: Recipient, at: datetime, intervals=None) -> bool:
    """Is `at` inside the allowed hours in every zone the candidate may be in?"""
    intervals = intervals or _day_intervals(r)
    for name in r.zones:
        local = at.astimezone(_zone(name))
        minute = local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 6e7
        if not any(s <= minute < e for s, e in intervals(local.weekday())):
            return False
    return True


def _next_allowed(r: Recipient, at: datetime, intervals) -> datetime | None:
    if allowed_at(r, at, intervals):
        return at
    starts = []
    for name in r.zones:
        zone = _zone(name)
        first = at.astimezone(zone).date()
        for offset in range(LOOKAHEAD_DAYS):
            day = first + timedelta(days=offset)
            for s, _e in intervals(day.weekday()):
                local = datetime.combine(day, time(s // 60, s % 60), tzinfo=zone)
                # A start inside a DST gap resolves past the gap; allowed_at checks it below.
                instant = local.astimezone(UTC)
                if instant > at:
                    starts.append(instant)
    for instant in sorted(starts):
        if allowed_at(r, instant, intervals):
            return instant
    return None


def _frequency_hold(r: Recipient, at: datetime) -> datetime | None:
    """A later time when an automated message, or a Florida text, may go; None if `at` is fine."""
    later = None
    days = FREQUENCY_DAYS.get(r.frequency)
    if r.automated and days and r.last_automated_at is not None:
        ok_from = r.last_automated_at + timedelta(days=days)
        if at < ok_from:
            later = ok_from
    if r.florida and r.channel == MessageChannel.SMS:
        recent = sorted(t for t in r.same_subject_24h if t > at - timedelta(hours=24))
        if len(recent) >= FLORIDA_MAX_PER_DAY:
            ok_from = recent[len(recent) - FLORIDA_MAX_PER_DAY] + timedelta(hours=24)
            later = max(later or ok_from, ok_from)
    return later


def _hold_rule(r: Recipient, at: datetime) -> str:
    if not allowed_at(r, at):
        return "quiet_hours"
    if r.florida and r.channel == MessageChannel.SMS and len(r.same_subject_24h) >= 3:
        return "florida_daily_cap"
    return "frequency"


def _hold_reason(r: Recipient, at: datetime, when: datetime) -> str:
    zone = _zone(r.zones[0])
    local = when.astimezone(zone)
    goes = f"goes {local:%a %d %b %H:%M} {zone.key}"
    rule = _hold_rule(r, at)
    if rule == "quiet_hours":
        hours = [f"{s // 60:02d}:{s % 60:02d}–{e // 60:02d}:{e % 60:02d}"
                 for s, e in _day_intervals(r)(at.astimezone(zone).weekday())]
        span = ", ".join(hours) or "no hours today"
        where = f" ({r.zone_source})" if r.zone_source else ""
        return f"Outside {r.name}'s hours in {zone.key}{where}: {span}; {goes}."
    if rule == "florida_daily_cap":
        return f"Florida allows 3 texts a day on one subject; {goes}."
    return f"{r.name} asked to hear from us at most {r.frequency}; {goes}."


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- Facts: what decide() needs, loaded for many candidates at once ---


def address_for(candidate, channel: str) -> str:
    return candidate.email if channel == MessageChannel.EMAIL else candidate.phone


def normalized_address(candidate, channel: str) -> str:
    return candidate.email_normalized if channel == MessageChannel.EMAIL else (
        candidate.phone_normalized or candidate.phone
    )


# Florida's area codes (NANPA): Florida's telemarketing rules apply to these numbers.
FLORIDA_AREA_CODES = frozenset({
    "239", "305", "321", "324", "352", "386", "407", "448", "561", "645", "656", "689", "727",
    "728", "754", "772", "786", "813", "850", "863", "904", "941", "954",
})


def _is_florida_number(phone: str) -> bool:
    return phone.startswith("+1") and phone[2:5] in FLORIDA_AREA_CODES


@lru_cache(maxsize=65536)
def _phone_zones(phone: str) -> tuple[str, ...]:
    """The time zones of a number's area code (several where an area code spans zones)."""
    import phonenumbers
    from phonenumbers import timezone as phone_zones

    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(z for z in phone_zones.time_zones_for_number(number) if z != "Etc/Unknown")


def zones_for(candidate, fallback: str) -> tuple[tuple[str, ...], str]:
    """The zones to respect and where they came from: the candidate's stated or located zone,
    else every zone of their phone's area code, else the organization's."""
    if candidate.time_zone:
        return (candidate.time_zone,), "their time zone"
    if candidate.phone:
        zones = _phone_zones(candidate.phone)
        if zones:
            return zones, "their phone's area code"
    return (fallback,), "the organization's time zone"


def is_florida(candidate) -> bool:
    if (candidate.country or "").upper() == "US" and (candidate.region or "").upper() in (
        "FL", "US-FL"
    ):
        return True
    return bool(candidate.phone) and _is_florida_number(candidate.phone)


@dataclass
class Context:
    """The organization-level facts shared by every recipient of one decision batch."""

    organization_id: int
    time_zone: str
    window_start: time = LEGAL_WINDOW_START
    window_end: time = LEGAL_WINDOW_END
    identified: bool = True

    @classmethod
    def for_org(cls, organization) -> Context:
        from .models import OutreachSettings

        s = OutreachSettings.for_org(organization.pk)
        return cls(organization.pk, organization.time_zone or "UTC", s.window_start, s.window_end,
                   identified=bool((organization.postal_address or "").strip()))


def facts_for(
    candidates: Iterable, channel: str, ctx: Context, *, kind: str = MessageKind.COMMERCIAL,
    topic: str = "jobs", automated: bool = False, subject_key: str = "", at: datetime | None = None,
) -> dict[int, Recipient]:
    """Recipients by candidate id, in a handful of queries whatever the number of candidates."""
    from django.db.models import Max

    from rounds.candidates.models import ConsentRecord

    from .choices import Direction, MessageStatus
    from .models import Message, Suppression, hashed_address

    at = at or timezone.now()
    candidates = list(candidates)
    ids = [c.pk for c in candidates]
    # (basis, obtained_at, expires_at, evidence) of each candidate's latest record; read as
    # tuples, not model instances: a 10,000-person send reads it for every channel it tries.
    consent: dict[int, tuple] = {}
    consent_channel = MessageChannel.SMS if channel == MessageChannel.SMS else channel
    for chunk in _chunks(ids):
        rows = (ConsentRecord.objects.filter(candidate_id__in=chunk, channel=consent_channel)
                .order_by("candidate_id", "obtained_at", "id")
                .values_list("candidate_id", "basis", "obtained_at", "expires_at", "evidence"))
        for candidate_id, *record in rows:
            consent[candidate_id] = tuple(record)  # ordered: the latest wins
    addresses = {c.pk: normalized_address(c, channel) for c in candidates}
    suppressed: dict[str, tuple[str, str]] = {}
    wanted = [a for a in addresses.values() if a]
    for chunk in _chunks(wanted):
        # An erased person's address is kept hashed (messaging/erasure.py).
        hashed = {hashed_address(a): a for a in chunk}
        for s in Suppression.objects.filter(
            organization_id=ctx.organization_id, channel=_suppression_channel(channel),
            address__in=[*chunk, *hashed],
        ):
            suppressed[hashed.get(s.address, s.address)] = (
                s.get_reason_display().lower(), s.reason)
    last_automated: dict[int, datetime] = {}
    capped = [c.pk for c in candidates if c.contact_frequency in FREQUENCY_DAYS]
    if automated and capped:
        for chunk in _chunks(capped):
            rows = (Message.objects.filter(
                candidate_id__in=chunk, direction=Direction.OUTBOUND,
                status__in=[MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNKNOWN],
            ).filter(purpose__in=automated_purposes())
                .values("candidate_id").annotate(last=Max("sent_at")))
            last_automated.update({r["candidate_id"]: r["last"] for r in rows if r["last"]})
    florida_ids = {c.pk for c in candidates if channel == MessageChannel.SMS and is_florida(c)}
    same_subject: dict[int, list[datetime]] = {}
    if florida_ids:
        recent = Message.objects.filter(
            candidate_id__in=florida_ids, channel=MessageChannel.SMS,
            direction=Direction.OUTBOUND, sent_at__gt=at - timedelta(hours=24),
        )
        if subject_key:
            recent = recent.filter(topic=topic)
        for cid, sent in recent.values_list("candidate_id", "sent_at"):
            same_subject.setdefault(cid, []).append(sent)

    out = {}
    for c in candidates:
        record = consent.get(c.pk)
        zones, zone_source = zones_for(c, ctx.time_zone)
        out[c.pk] = Recipient(
            channel=channel,
            address=address_for(c, channel),
            kind=kind,
            topic=topic,
            name=c.preferred_name or c.first_name or "the candidate",
            candidate_status=c.status,
            muted_topics=tuple(c.muted_topics or ()),
            consent_basis=record[0] if record else None,
            consent_obtained_at=record[1] if record else None,
            consent_expires_at=record[2] if record else None,
            consent_evidence=record[3] if record else "",
            suppressed=suppressed.get(addresses[c.pk], ("", ""))[0],
            suppressed_by=suppressed.get(addresses[c.pk], ("", ""))[1],
            identified=ctx.identified,
            zones=zones,
            zone_source=zone_source,
            florida=c.pk in florida_ids or (channel != MessageChannel.SMS and is_florida(c)),
            country=(c.country or "").upper(),
            quiet_start=c.quiet_hours_start,
            quiet_end=c.quiet_hours_end,
            window_start=ctx.window_start,
            window_end=ctx.window_end,
            automated=automated,
            frequency=c.contact_frequency,
            last_automated_at=last_automated.get(c.pk),
            same_subject_24h=tuple(same_subject.get(c.pk, ())),
        )
    return out


def automated_purposes() -> list[str]:
    """Purposes sent by a rule rather than a person (campaigns, sequence steps)."""
    from . import purposes

    return [p.name for p in purposes.registered() if p.automated]


def address_facts(organization_id: int, channel: str, address: str, *, kind: str) -> Recipient:
    """What the policy knows about an address that is no candidate's (a colleague, an
    invitee, a number that texted us): only whether it is suppressed."""
    from rounds.lib.contact import ContactError, email_key, normalize_phone

    from .models import Suppression, hashed_address

    if channel == MessageChannel.EMAIL:
        # A colleague's or an invitee's address as it was given (the sign-in address of a
        # user, checked when it was saved); the suppression list is keyed by its lower case.
        key = email_key(address) if "@" in (address or "") else ""
    else:
        try:
            key = normalize_phone(address)
        except ContactError:
            key = ""
    found = Suppression.objects.filter(
        organization_id=organization_id, channel=channel,
        address__in=[key, hashed_address(key)]).first() if key else None
    return Recipient(channel=channel, address=key and address, kind=kind, name=address,
                     suppressed=found.get_reason_display().lower() if found else "",
                     suppressed_by=found.reason if found else "")


def _suppression_channel(channel: str) -> str:
    # A number that said STOP to texts is still callable only with its own consent; suppression
    # of a phone number is per channel, like consent.
    return channel


def _chunks(items: list, size: int = 900):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def recipient_for(candidate, channel: str, **kwargs) -> Recipient:
    ctx = Context.for_org(candidate.organization)
    return facts_for([candidate], channel, ctx, **kwargs)[candidate.pk]


def check_send(message, at: datetime | None = None) -> Verdict:
    """The policy for one outbox row, as the worker asks it at the moment of sending."""
    at = at or timezone.now()
    return check_send_many([message], at)[message.pk]


def check_send_many(messages: list, at: datetime) -> dict[int, Verdict]:
    """`check_send` for a batch, by message id: the same facts and the same `decide`, with the
    facts loaded once per group of messages judged alike instead of once a message (the
    worker's send rate depends on it)."""
    out: dict[int, Verdict] = {}
    groups: dict[tuple, list] = {}
    automated = set(automated_purposes())
    for m in messages:
        if m.candidate_id is None:
            if m.kind in (MessageKind.REQUESTED, MessageKind.STAFF) and m.to_address:
                out[m.pk] = decide(address_facts(m.organization_id, m.channel, m.to_address,
                                                 kind=m.kind), at)
            else:
                out[m.pk] = Verdict(DROP, "no_candidate", "No candidate for this message.")
            continue
        key = (m.organization_id, m.channel, m.kind, m.topic, m.purpose in automated,
               bool(m.thread_id))
        groups.setdefault(key, []).append(m)
    contexts: dict[int, Context] = {}
    for (org_id, channel, kind, topic, automated, threaded), group in groups.items():
        if org_id not in contexts:
            contexts[org_id] = Context.for_org(group[0].candidate.organization)
        candidates = list({m.candidate_id: m.candidate for m in group}.values())
        facts = facts_for(candidates, channel, contexts[org_id], kind=kind, topic=topic,
                          automated=automated, subject_key="thread" if threaded else "", at=at)
        for m in group:
            r = facts[m.candidate_id]
            if m.to_address and m.to_address != r.address:
                # The address changed since queueing: the person on record now decides, never
                # the old address (it may belong to someone else by now).
                out[m.pk] = Verdict(DROP, "address_changed",
                                    "The address changed since this was queued.")
            else:
                out[m.pk] = decide(r, at)
    return out


# --- Which channel ---


@dataclass(frozen=True)
class ChannelChoice:
    channel: str | None
    why: str
    options: dict[str, Verdict]  # every message channel with its verdict now

    def refused(self, channel: str) -> Verdict | None:
        v = self.options.get(channel)
        return v if v is not None and v.dropped else None


MESSAGE_CHANNELS = (MessageChannel.EMAIL, MessageChannel.SMS)


def channel_order(candidate) -> list[str]:
    stated = [c for c in (candidate.preferred_channels or []) if c in MESSAGE_CHANNELS]
    return stated + [c for c in MESSAGE_CHANNELS if c not in stated]


def choose_channel(candidate, *, topic: str = "jobs", at: datetime | None = None,
                   ctx: Context | None = None) -> ChannelChoice:
    """The candidate's first channel in their own order that the policy doesn't refuse, with
    the reason in words; refused channels keep their verdict so the form can say why."""
    at = at or timezone.now()
    ctx = ctx or Context.for_org(candidate.organization)
    return choose_channels([candidate], ctx, topic=topic, at=at, every_channel=True)[candidate.pk]


def choose_channels(candidates: list, ctx: Context, *, topic: str = "jobs",
                    at: datetime | None = None, kind: str = MessageKind.COMMERCIAL,
                    every_channel: bool = False) -> dict[int, ChannelChoice]:
    """`choose_channel` for many candidates at once (a broadcast): the facts for each channel
    are loaded once for everyone, in the channel's order of preference, so a 10,000-member
    broadcast judges channels in a few queries. Channels after the chosen one are judged only
    with `every_channel` (a page that shows each channel's verdict)."""
    at = at or timezone.now()
    orders = {c.pk: channel_order(c) for c in candidates}
    options: dict[int, dict[str, Verdict]] = {c.pk: {} for c in candidates}
    undecided = list(candidates)
    for position in range(len(MESSAGE_CHANNELS)):
        by_channel: dict[str, list] = {}
        for c in undecided:
            by_channel.setdefault(orders[c.pk][position], []).append(c)
        for channel, group in by_channel.items():
            facts = facts_for(group, channel, ctx, kind=kind, topic=topic, at=at)
            for c in group:
                options[c.pk][channel] = decide(facts[c.pk], at)
        if not every_channel:
            undecided = [c for c in undecided if options[c.pk][orders[c.pk][position]].dropped]
    return {c.pk: _channel_choice(c, options[c.pk], orders[c.pk]) for c in candidates}


def _channel_choice(candidate, options: dict[str, Verdict], order: list[str]) -> ChannelChoice:
    stated = bool(candidate.preferred_channels)
    name = candidate.preferred_name or candidate.first_name
    skipped = []
    for position, ch in enumerate(order):
        verdict = options[ch]
        if verdict.dropped:
            skipped.append(f"{CHANNEL_WORDS[ch]}: {verdict.reason}")
            continue
        label = MessageChannel(ch).label
        if stated and position == 0:
            why = f"{label}: {name}'s first choice."
        elif stated:
            why = f"{label}: next in {name}'s order."
        else:
            why = f"{label}: {name} has no stated order; email comes first."
        if skipped:
            why += " Skipped " + _listed(skipped)
        if verdict.action == HOLD:
            why += f" Held: {verdict.reason}"
        return ChannelChoice(ch, why, options)
    listed = _listed(skipped)
    return ChannelChoice(None, "No channel allowed. " + listed[:1].upper() + listed[1:], options)


def _listed(reasons: list[str]) -> str:
    """Reasons ("email: No email address on record.", "text messages: …") as one sentence,
    without a full stop before each semicolon."""
    return "; ".join(r.rstrip(". ") for r in reasons) + "." if reasons else ""
