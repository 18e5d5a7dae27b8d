"""Broadcasting a shift: one offer per fitting member, on each member's own channel.

`do_broadcast(shift, actor=…)` judges the network (rounds.locums.fit), chooses each fitting
member's channel with the send policy (their own order, their consent: an SMS opt-out means
email; no allowed channel makes the offer "unreachable" with the reason, never a silent drop),
writes the offers and one outbox message each through outreach's 10,000-recipient fast path
(rows inserted in bulk, threads found or created in bulk), and schedules delivery on commit.
Messages the policy holds (quiet hours) are written held, and the offer says until when — unless
the hold would last until the shift has started: then no message is written and the offer is
unreachable, "It would arrive after the shift starts". A shift that has started is not
broadcast, and its second tier is not sent.

The shift row alone is locked (not its organization and site: every insert in the organization
references those, and an acceptance would wait for the whole broadcast).

Texts carry, after the accept link, a short "Fewer offers: <link>" to the member's offer
settings (weekly cap, muted lists) when it fits in SMS_LIMIT (see `_Composer.sms`); emails
always carry it.

Tiered shifts: favourites are offered at once; everyone else gets an offer waiting for the
second tier, which `run_second_tier` sends `tier_delay_minutes` later if the shift is still open
(a django-tasks task, rounds.locums.tasks). When no favourite fits there is nobody to wait for,
so everyone is offered at once.

Broadcasting again offers nobody twice (one offer per member and shift, one message per
idempotency key) but reaches members who fit since.
"""

from __future__ import annotations

import gc
import re
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from rounds.outreach import policy
from rounds.outreach.campaigns import MESSAGE_COLUMNS, FastInsert, threads_for_many
from rounds.outreach.choices import MessageChannel, MessageKind, MessageStatus, Topic
from rounds.outreach.models import Message

from .choices import OPEN_SHIFT_STATUSES, OfferStatus, ShiftStatus
from .fit import FitReport, Person, fit_members, shift_zone
from .links import FastSigner
from .models import NetworkMember, Shift, ShiftOffer

OFFER_COLUMNS = ("member_id", "candidate_id", "tier", "rank", "score", "channel",
                 "why_channel", "status", "status_reason")
SMS_TERMS_CHARS = 120
# An offer's text, before the outbox's footer (who is writing, STOP, preferences): what, where,
# when, the rate, terms of SMS_TERMS_CHARS and the two links (~110 characters each) fit for an
# organization name of up to ~25 characters; past it the terms are shortened, down to
# SMS_TERMS_MIN, to keep the settings link.
SMS_LIMIT = 540
SMS_TERMS_MIN = 40
ARRIVES_LATE = "It would arrive after the shift starts"


@dataclass
class BroadcastResult:
    """What a broadcast did. `offered`: offers it wrote (sent now, held for the member's hours,
    or waiting for the second tier); `by_channel`: messages written now per channel (held ones
    included); `held`: of those, how many wait for the member's hours; `unreachable`: (member,
    why) for fitting members no channel may reach; `unfit`: (member, reasons) from the fit
    report; `second_tier_at`: when the second tier goes, for a tiered shift still waiting."""

    offered: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)
    held: int = 0
    unreachable: list[tuple[NetworkMember, str]] = field(default_factory=list)
    unfit: list[tuple[NetworkMember, list[str]]] = field(default_factory=list)
    second_tier_at: datetime | None = None
    later_tier: int = 0  # of `offered`, how many wait for the second tier
    already_offered: int = 0  # fitting members offered by an earlier broadcast: left alone
    report: FitReport | None = None

    @property
    def sent_now(self) -> int:
        return sum(self.by_channel.values())


@dataclass
class _Plan:
    """One member's offer as this run writes it."""

    member: NetworkMember
    person: Person
    score: float
    rank: int
    tier: int
    later: bool
    choice: policy.ChannelChoice | None = None
    address: str = ""
    offer_id: int | None = None

    @property
    def verdict(self) -> policy.Verdict | None:
        if self.choice is None or self.choice.channel is None:
            return None
        return self.choice.options[self.choice.channel]


@contextmanager
def _bulk_pass():
    """A 10,000-member pass allocates a few hundred thousand short-lived, acyclic objects (rows,
    people, verdicts, texts); the cyclic garbage collector's full passes over everything else the
    process holds (the match index, the URL resolvers…) would cost a third of the time, for
    nothing to collect. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def do_broadcast(shift: Shift, *, actor, at: datetime | None = None) -> BroadcastResult:
    """Offer an open (or already offered) shift to every fitting member not offered it yet, in
    the caller's transaction; delivery and the second tier are scheduled on commit. Refused
    (ValidationError naming the field) when the shift is no longer open (`status`) or has
    started (`starts_at`)."""
    with _bulk_pass():
        return _broadcast(shift, actor=actor, at=at or timezone.now())


def _lock_shift(shift: Shift) -> Shift:
    """The shift row, locked for the broadcast. Only the shift: FOR UPDATE on the organization
    and site rows joined to it would make every insert in the organization (an acceptance's
    booking, an inbound text, any outbox message) wait for the broadcast, and deadlock with an
    acceptance holding a member row this broadcast offers to (PostgreSQL's foreign key checks
    take FOR KEY SHARE on the rows referenced)."""
    qs = Shift.objects.select_related("site", "organization")
    if connection.features.has_select_for_update_of:
        qs = qs.select_for_update(of=("self",))
    else:
        qs = qs.select_for_update()  # SQLite: BEGIN IMMEDIATE already serializes writers
    return qs.get(pk=shift.pk, organization_id=shift.organization_id)


def _broadcast(shift: Shift, *, actor, at: datetime) -> BroadcastResult:
    locked = _lock_shift(shift)
    if locked.status not in OPEN_SHIFT_STATUSES:
        raise ValidationError({"status": "Only an open shift can be broadcast; this one is "
                                         f"{locked.get_status_display().lower()}."})
    if locked.starts_at <= at:
        # An offer now could only be answered "it has already started".
        raise ValidationError({"starts_at": "This shift has already started: it can't be "
                                            "broadcast. Post a new shift for the time left."})
    report = fit_members(locked, at=at)
    result = BroadcastResult(unfit=report.unfit, report=report)
    existing = {member_id: (offer_id, status) for member_id, offer_id, status in
                ShiftOffer.objects.filter(shift=locked).values_list("member_id", "id", "status")}
    waiting = locked.tiered and locked.second_tier_at is None
    if waiting and not any(m.is_favourite for m, _s, _g in report.fits) and not \
            ShiftOffer.objects.filter(shift=locked, tier=1).exists():
        # Nobody to hear first: everyone hears now, and the second tier counts as sent.
        Shift.objects.filter(pk=locked.pk, second_tier_at__isnull=True).update(
            second_tier_at=at)
        locked.second_tier_at, waiting = at, False
    due = (locked.broadcast_at or at) + timedelta(minutes=locked.tier_delay_minutes)
    plans = []
    retries = []
    for rank, (member, score, _good) in enumerate(report.fits, start=1):
        tier = 2 if locked.tiered and not member.is_favourite else 1
        if member.pk in existing:
            offer_id, status = existing[member.pk]
            if status == OfferStatus.UNREACHABLE:
                # No channel could reach them last time: maybe one can now (consent given).
                retries.append(_Plan(member, member.candidate, score, rank, tier, False,
                                     offer_id=offer_id))
            else:
                result.already_offered += 1
            continue
        later = waiting and not member.is_favourite
        plans.append(_Plan(member, member.candidate, score, rank, tier, later))
    now = [p for p in plans if not p.later]
    _choose_channels(locked, now + retries, at)
    updates = []
    for p in retries:
        if p.choice.channel is None:
            result.unreachable.append((p.member, p.choice.why))
            updates.append((OfferStatus.UNREACHABLE, "", p.choice.why[:300],
                            p.choice.why[:300], p.offer_id))
        else:
            reason = "" if p.verdict.allowed else f"Held: {p.verdict.reason}"
            updates.append((OfferStatus.QUEUED, p.choice.channel, p.choice.why[:300],
                            reason[:300], p.offer_id))
            result.offered += 1
    _update_offers(updates)

    zone = shift_zone(locked)
    due_text = f"{timezone.localtime(due, zone):%a %d %b %H:%M} {zone.key}"
    rows = []
    for p in plans:
        if p.later:
            status = OfferStatus.LATER_TIER
            reason = f"Waits for the second tier: {due_text}, if still open."
            channel = why = ""
        elif p.choice.channel is None:
            status, reason, channel, why = (OfferStatus.UNREACHABLE, p.choice.why, "",
                                            p.choice.why)
            result.unreachable.append((p.member, p.choice.why))
        else:
            status, channel, why = OfferStatus.QUEUED, p.choice.channel, p.choice.why
            reason = "" if p.verdict.allowed else f"Held: {p.verdict.reason}"
        rows.append((p.member.pk, p.person.pk, p.tier, p.rank, p.score, channel, why[:300],
                     status, reason[:300]))
    FastInsert(ShiftOffer, OFFER_COLUMNS, organization_id=locked.organization_id,
               shift_id=locked.pk, created_at=at).rows(rows)
    result.offered += len(rows)
    result.later_tier = sum(1 for p in plans if p.later)

    sending = [p for p in now + retries if p.choice.channel is not None]
    if sending:
        ids = dict(ShiftOffer.objects.filter(shift=locked, status=OfferStatus.QUEUED,
                                             message__isnull=True)
                   .values_list("member_id", "id"))
        sending = [p for p in sending if p.member.pk in ids]  # a concurrent run wrote the rest
        for p in sending:
            p.offer_id = ids[p.member.pk]
        result.by_channel, result.held = _write_messages(locked, sending, actor=actor, at=at)

    reached = ShiftOffer.objects.filter(shift=locked).exclude(
        status=OfferStatus.UNREACHABLE).exists()
    if reached:
        changes = {"status": ShiftStatus.OFFERED, "broadcast_at": locked.broadcast_at or at}
        Shift.objects.filter(pk=locked.pk).update(**changes)
        for obj in (locked, shift):
            for name, value in changes.items():
                setattr(obj, name, value)
    shift.second_tier_at = locked.second_tier_at
    if waiting and ShiftOffer.objects.filter(shift=locked,
                                             status=OfferStatus.LATER_TIER).exists():
        due = (locked.broadcast_at or at) + timedelta(minutes=locked.tier_delay_minutes)
        result.second_tier_at = due
        if result.later_tier:
            from .tasks import schedule_second_tier

            schedule_second_tier(locked.pk, due)
    return result


def run_second_tier(shift_id: int, at: datetime | None = None) -> int:
    """Send the offers waiting for the second tier, once: nothing when the shift is no longer
    open, has started, not due yet, or the second tier was already sent (claimed by a
    conditional update of `second_tier_at`). Members who no longer fit are not sent it, and
    their offer says why. Returns how many messages it wrote."""
    with _bulk_pass():
        return _second_tier(shift_id, at or timezone.now())


def _second_tier(shift_id: int, at: datetime) -> int:
    shift = Shift.objects.select_related("site", "organization").filter(pk=shift_id).first()
    if shift is None or shift.broadcast_at is None or not shift.is_open:
        return 0
    if shift.starts_at <= at:  # too late to offer it to anyone
        return 0
    if at < shift.broadcast_at + timedelta(minutes=shift.tier_delay_minutes):
        return 0
    claimed = Shift.objects.filter(
        pk=shift_id, status__in=OPEN_SHIFT_STATUSES, second_tier_at__isnull=True,
    ).update(second_tier_at=at)
    if not claimed:
        return 0
    shift.second_tier_at = at
    offers = dict(ShiftOffer.objects.filter(shift=shift, status=OfferStatus.LATER_TIER)
                  .values_list("member_id", "id"))
    if not offers:
        return 0
    report = fit_members(shift, NetworkMember.objects.filter(pk__in=ShiftOffer.objects.filter(
        shift=shift, status=OfferStatus.LATER_TIER).values("member_id")), at=at)
    updates = []
    for member, reasons in report.unfit:
        text = "Not sent: no longer fits. " + "; ".join(reasons) + "."
        updates.append((OfferStatus.WITHDRAWN, "", "", text[:300], offers[member.pk]))
    plans = [_Plan(m, m.candidate, s, 0, 2, False, offer_id=offers[m.pk])
             for m, s, _g in report.fits if m.pk in offers]
    judged = {m.pk for m, _r in report.unfit} | {p.member.pk for p in plans}
    for member_id, offer_id in offers.items():
        if member_id not in judged:  # taken off the shift's lists (or merged) meanwhile
            updates.append((OfferStatus.WITHDRAWN, "", "",
                            "Not sent: no longer on the shift's lists.", offer_id))
    _choose_channels(shift, plans, at)
    sending = []
    for p in plans:
        if p.choice.channel is None:
            updates.append((OfferStatus.UNREACHABLE, "", p.choice.why[:300],
                            p.choice.why[:300], p.offer_id))
            continue
        reason = "" if p.verdict.allowed else f"Held: {p.verdict.reason}"
        updates.append((OfferStatus.QUEUED, p.choice.channel, p.choice.why[:300], reason[:300],
                        p.offer_id))
        sending.append(p)
    _update_offers(updates)
    _write_messages(shift, sending, actor=shift.created_by_id, at=at)
    return len(sending)


# --- channels and messages ------------------------------------------------------------------


def _choose_channels(shift: Shift, plans: list[_Plan], at: datetime) -> None:
    """Each member's channel, as the send policy chooses it (their own order; a channel they
    refused, or may not be sent on, is skipped with its reason), with the facts loaded in bulk
    for everyone (`policy.choose_channels`)."""
    if not plans:
        return
    ctx = policy.Context.for_org(shift.organization)
    choices = policy.choose_channels([p.person for p in plans], ctx, topic=Topic.LOCUMS, at=at,
                                     kind=MessageKind.COMMERCIAL)
    for p in plans:
        p.choice = choices[p.person.pk]
        verdict = p.verdict
        if verdict is not None and not verdict.allowed and verdict.send_at is not None \
                and verdict.send_at >= shift.starts_at:
            # Held past the start (a 07:00 shift offered at 22:00, held until 08:00): it could
            # only be answered "already started". Not written; the offer says why.
            p.choice = policy.ChannelChoice(
                None, f"{ARRIVES_LATE}: {verdict.reason}".rstrip(".") + ".", p.choice.options)
        if p.choice.channel is not None:
            p.address = policy.address_for(p.person, p.choice.channel)


def _write_messages(shift: Shift, plans: list[_Plan], *, actor, at: datetime
                    ) -> tuple[dict[str, int], int]:
    """One outbox message per plan (its offer written already), through outreach's fast path:
    the threads found or created in bulk, the rows inserted in one statement per channel, each
    with its idempotency key; then each offer linked to its message, and delivery scheduled
    (now for the queued, at its time for each held one) on commit."""
    from rounds.outreach.tasks import schedule_delivery

    if not plans:
        return {}, 0
    organization = shift.organization
    composer = _Composer(shift, _user(actor, organization.pk))
    rendered = {p.person.pk: composer.render(_OfferRef(p.offer_id, shift, p.member.pk),
                                             p.person, p.choice.channel) for p in plans}
    threads = threads_for_many(organization, [p.person for p in plans], rendered)
    actor_id = actor if isinstance(actor, int) else (
        actor.pk if getattr(actor, "is_authenticated", False) else None)
    by_channel: Counter = Counter()
    held = 0
    hold_times: set[datetime] = set()
    for channel in policy.MESSAGE_CHANNELS:
        batch = [p for p in plans if p.choice.channel == channel]
        if not batch:
            continue
        insert = FastInsert(Message, MESSAGE_COLUMNS, organization_id=organization.pk,
                            channel=channel, kind=MessageKind.COMMERCIAL, topic=Topic.LOCUMS,
                            created_by_id=actor_id, created_at=at)
        rows = []
        for p in batch:
            verdict = p.verdict
            status = MessageStatus.QUEUED if verdict.allowed else MessageStatus.HELD
            send_after = verdict.send_at or at
            subject, body = rendered[p.person.pk]
            rows.append((uuid.uuid4(), threads.get(p.person.pk), p.person.pk, status,
                         "" if verdict.allowed else verdict.reason[:300],
                         offer_key(shift.pk, p.member.pk), p.address, subject[:200], body,
                         send_after))
            by_channel[channel] += 1
            if status == MessageStatus.HELD:
                held += 1
                hold_times.add(send_after)
        insert.rows(rows)
    # Each offer points at its message: found by the candidate (an indexed column) and the
    # message's idempotency key, in one statement for every offer.
    key = Concat(Value(f"shift:{shift.pk}:offer:"),
                 Cast(OuterRef("member_id"), output_field=CharField()))
    ShiftOffer.objects.filter(shift=shift, status=OfferStatus.QUEUED, message__isnull=True,
                              channel__in=policy.MESSAGE_CHANNELS).update(
        message=Subquery(Message.objects.filter(
            organization_id=organization.pk, candidate_id=OuterRef("candidate_id"),
            idempotency_key=key).values("pk")[:1]))
    if held < len(plans):
        schedule_delivery()
    for when in sorted(hold_times):
        schedule_delivery(when)
    return dict(by_channel), held


def _user(actor, organization_id: int):
    """The user behind `actor` (a user, or a user's id as the second tier passes it)."""
    if isinstance(actor, int):
        from rounds.accounts.models import User

        return User.objects.filter(pk=actor, organization_id=organization_id).first()
    return actor if getattr(actor, "is_authenticated", False) else None


def _update_offers(updates: list[tuple]) -> None:
    """(status, channel, why_channel, status_reason, id) for many offers in one round trip."""
    if not updates:
        return
    meta, qn = ShiftOffer._meta, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {qn(meta.db_table)} SET {qn('status')} = %s, {qn('channel')} = %s, "
            f"{qn('why_channel')} = %s, {qn('status_reason')} = %s WHERE {qn('id')} = %s",
            updates,
        )


def offer_key(shift_id: int, member_id: int) -> str:
    """The outbox idempotency key of a member's offer of a shift: one message, ever."""
    return f"shift:{shift_id}:offer:{member_id}"


# --- the offer's text ---------------------------------------------------------------------------


class _OfferRef:
    """What the offer's links sign (the offer's id, its shift and its member), without loading
    the offer."""

    __slots__ = ("pk", "shift", "member_id")

    def __init__(self, pk: int, shift: Shift, member_id: int):
        self.pk, self.shift, self.member_id = pk, shift, member_id


def offer_body(offer: ShiftOffer, channel: str) -> tuple[str, str]:
    """(subject, body) of an offer on a channel: what, where, when in the site's time, the
    rate and terms, and the one-tap accept link; texts add "Reply YES to take it". The outbox
    adds the sender's identification and the unsubscribe (STOP for texts)."""
    from .words import offer_sender

    return _Composer(offer.shift, offer_sender(offer)).render(offer, offer.candidate, channel)


# Characters a signed token is made of, none of which a URL reverse escapes.
_TOKEN = re.compile(r"[A-Za-z0-9._:-]+")


class _Composer:
    """The offer's text for one shift: what depends on the shift alone is worked out once,
    the times once per time zone, so 10,000 offers cost little more than their links."""

    def __init__(self, shift: Shift, sender=None):
        from rounds.outreach.sender import signature

        from .fit import _profession_label, shift_specialty
        from .words import shift_when

        self.shift = shift
        self.site_zone = shift_zone(shift)
        # Who is asking: the person sending the offers, at the organization.
        self.asking = signature(shift.organization, sender, joiner=" at ")
        self.when = shift_when(shift)
        site = shift.site
        info = shift_specialty(shift)
        profession = _profession_label(shift.profession)
        specialty = info.name if info else shift.specialty
        self.what = f"{specialty} ({profession})" if specialty and \
            specialty.lower() != profession else profession
        self.rate = _rate(shift)
        self.organization = shift.organization.name
        self.place = ", ".join(p for p in (site.name, site.address_line, site.city, site.region)
                               if p)
        # "at Red Deer Clinic, Red Deer", but never "at Red Deer, Red Deer".
        city = site.city if site.city and site.city.casefold() not in site.name.casefold() else ""
        self.at_site = f"{site.name}{', ' + city if city else ''}"
        terms = " ".join(shift.terms.split())
        self.terms = terms
        self.sms_terms = terms if len(terms) <= SMS_TERMS_CHARS else \
            terms[:SMS_TERMS_CHARS - 1].rstrip() + "…"
        needs = ([f"a current licence in {shift.licence_jurisdiction}"]
                 if shift.licence_jurisdiction else [])
        self.needs = ", ".join(needs + [str(c) for c in shift.required_credentials or []])
        self.notes = " ".join(shift.notes.split())
        self.link_parts: tuple[str, str] | None = None
        self.settings_parts: tuple[str, str] | None = None
        self.signer: FastSigner | None = None
        self.member_signer: FastSigner | None = None

    def link(self, offer) -> str:
        """`links.accept_url(offer)`: reversed once, then only the token changes per offer
        (signed as `links.accept_token` signs it, by one signer for the whole broadcast)."""
        from .links import ACCEPT, accept_url

        if self.signer is None:
            self.signer = FastSigner(ACCEPT)
        token = self.signer.sign(f"{offer.pk}.{offer.shift.uuid.hex}")
        if self.link_parts is None:
            url = accept_url(offer)
            if token in url:
                self.link_parts = tuple(url.split(token, 1))
            return url
        if not _TOKEN.fullmatch(token):
            return accept_url(offer)
        return f"{self.link_parts[0]}{token}{self.link_parts[1]}"

    def settings_link(self, member_id: int, candidate_uuid) -> str:
        """`links.offer_settings_url`: reversed once, then only the token changes."""
        from .links import MEMBER, offer_settings_url

        if self.member_signer is None:
            self.member_signer = FastSigner(MEMBER)
        uuid_hex = candidate_uuid.hex if hasattr(candidate_uuid, "hex") else str(candidate_uuid)
        token = self.member_signer.sign(f"{member_id}.{uuid_hex.replace('-', '')}")
        if self.settings_parts is None:
            url = offer_settings_url(member_id, candidate_uuid)
            if token not in url or not _TOKEN.fullmatch(token):
                return url
            self.settings_parts = tuple(url.split(token, 1))
        return f"{self.settings_parts[0]}{token}{self.settings_parts[1]}"

    def times(self, person) -> tuple[str, str]:
        """(when, the start day) in the site's time, with its zone, whoever reads it: the
        member works the shift there."""
        start = timezone.localtime(self.shift.starts_at, self.site_zone)
        return self.when, f"{start.day} {start:%b}"

    def sms(self, offer, person, when: str, link: str) -> str:
        """The text: what, where, when, the rate, the terms (shortened), the accept link, and
        a last line "Fewer offers: <the member's offer settings>" — SMS-only members have no
        other way to the weekly cap and muted lists. The line goes in when the body stays
        within SMS_LIMIT, the terms shortened to make room if need be; when even that leaves
        too little of the terms, the terms win and the line is left out (the outbox's footer
        still links their preferences, where they can stop locum texts altogether)."""
        head = " ".join([f"{self.organization}: locum shift, {self.what} at {self.at_site}.",
                         f"{when}.", f"{self.rate}."])
        tail = f"Take it: {link} Reply YES to take it."
        fewer = f"Fewer offers: {self.settings_link(offer.member_id, person.uuid)}"
        terms = self.sms_terms

        def body(terms: str, with_link: bool) -> str:
            text = " ".join(p for p in (head, terms, tail) if p)
            return f"{text}\n{fewer}" if with_link else text

        if len(body(terms, True)) <= SMS_LIMIT:
            return body(terms, True)
        room = SMS_LIMIT - len(body("", True)) - 1
        if terms and room >= SMS_TERMS_MIN:
            return body(terms[:room - 1].rstrip() + "…", True)
        if not terms and len(body("", True)) <= SMS_LIMIT:
            return body("", True)
        return body(terms, False)

    def render(self, offer, person, channel: str) -> tuple[str, str]:
        when, day = self.times(person)
        link = self.link(offer)
        if channel == MessageChannel.SMS:
            return "", self.sms(offer, person, when, link)
        first = person.preferred_name or person.first_name or "there"
        what = f"{self.what[:1].upper()}{self.what[1:]}"
        subject = f"Locum shift: {what} at {self.shift.site.name}, {day}"
        lines = [
            f"Hi {first},", "",
            f"{self.asking} has a locum shift that fits your background:", "",
            f"What: {what}",
            f"Where: {self.place}",
            f"When: {when}",
            f"Rate: {self.rate}",
        ]
        if self.terms:
            lines.append(f"Terms: {self.terms}")
        if self.needs:
            lines.append(f"Needs: {self.needs}")
        if self.notes:
            lines.append(f"Notes: {self.notes}")
        lines += [
            "", f"Take it in one tap: {link}", "",
            "The first valid acceptance books the shift. If it is filled before you answer, "
            "we'll tell you and keep you on the waitlist in the order you said yes.", "",
            "Too many offers? Choose how many you get a week and which lists you hear from: "
            f"{self.settings_link(offer.member_id, person.uuid)}",
        ]
        return subject[:200], "\n".join(lines)


def _rate(shift: Shift) -> str:
    return shift.rate_display or "rate to be agreed"
