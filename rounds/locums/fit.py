"""Who in the locum network fits a shift, ranked, and why the others don't.

`fit_members(shift)` judges every active member of the shift's organization (or the members
given; members of another organization are never considered) in a fixed handful of queries,
whatever their number: the members, their candidates' contact fields, specialties, licences in
the shift's jurisdiction, certifications, overlapping bookings, muted lists and recent offers.
The rules are strict because an unsuitable shift offer is the locums' first complaint:

- profession: the candidate's profession is the shift's (no substitutes);
- specialty, when the shift names one: one of the candidate's specialties is the same or
  explicitly related (rounds.matching.knowledge closeness of at least 0.6: related entries or
  one classification); a clearly different one doesn't fit, and the reason names it;
- a current licence in the shift's licence jurisdiction: active or provisional, not expired on
  the shift's last day (in the site's time zone);
- every required credential current through the shift's end, matched by name case-insensitively
  or through matching's certification knowledge ("ACLS" is "Advanced Cardiovascular Life
  Support");
- no active booking overlapping the shift; not left the network; not muting any of the shift's
  lists (when the shift names lists, only members of those lists are considered at all);
  weekly offer cap not reached; not marked do-not-contact.

Ranking: by matching's score (rounds.matching.engine's components and the organization's
weights) computed over just the fitting members' rows of the organization's match index, from a
JobSpec built from the shift; ties go to favourites, then the longest-standing member.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from rounds.candidates.choices import (
    CandidateStatus,
    EmploymentType,
    LicenceStatus,
    Profession,
)
from rounds.candidates.models import Candidate, Certification, Licence, Specialty
from rounds.outreach.campaigns import CANDIDATE_FIELDS

from .choices import BookingStatus, OfferStatus
from .models import Booking, NetworkMember, Shift, ShiftOffer

# Same or explicitly related specialty (matching's related entries run 0.6-0.9; one NUCC
# classification is 0.6); "same profession, different specialty" is 0.3 and doesn't fit.
RELATED = 0.6
CURRENT_LICENCE = (LicenceStatus.ACTIVE, LicenceStatus.PROVISIONAL)
CAP_WINDOW = timedelta(days=7)
# Offers that never reached the member don't count against their weekly cap.
NOT_REACHED = (OfferStatus.LATER_TIER, OfferStatus.UNREACHABLE)
# What the policy, the channel choice and the offer's text read of a candidate; the lists
# (JSON) last, read as text and decoded only when not empty (most are).
LIST_FIELDS = ("muted_topics", "preferred_channels")
PERSON_FIELDS = (*(f for f in CANDIDATE_FIELDS if f not in LIST_FIELDS), "uuid", *LIST_FIELDS)
MEMBER_FIELDS = ("id", "organization", "candidate", "is_favourite", "weekly_offer_cap",
                 "left_on", "joined_on")


class Person:
    """A candidate as a broadcast reads them: plain attributes (what the send policy, the
    channel choice and the offer's text use), ten times cheaper than model instances for
    10,000 people. Read-only: it is never saved. `member.candidate` in a FitReport is one."""

    __slots__ = (*PERSON_FIELDS, "pk")

    def __init__(self, values: tuple):
        for name, value in zip(PERSON_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.pk = self.id
        for name in LIST_FIELDS:
            raw = getattr(self, name)
            setattr(self, name, json.loads(raw) if raw and raw not in ("[]", "null") else [])

    @classmethod
    def load(cls, candidates: QuerySet) -> dict[int, Person]:
        """The people of a candidate queryset, by id, in one query."""
        raw = {f"{name}_text": Cast(name, TextField()) for name in LIST_FIELDS}
        names = [*PERSON_FIELDS[:-len(LIST_FIELDS)], *raw]
        return {values[0]: cls(values) for values in
                candidates.annotate(**raw).values_list(*names)}

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}".strip()

    def get_profession_display(self) -> str:
        return _profession_label(self.profession)

    @property
    def location_display(self) -> str:
        return ", ".join(p for p in (self.city, self.region, self.country) if p)


@dataclass
class FitReport:
    """The members who fit a shift, best first, and every other considered member with every
    reason they don't. `fits`: (member, score, reasons why they fit); `unfit`: (member,
    reasons). Each member's `candidate` is a read-only `Person` (names, contact fields,
    profession, place), loaded with the rest in bulk."""

    shift: Shift
    at: datetime
    fits: list[tuple[NetworkMember, float, list[str]]] = field(default_factory=list)
    unfit: list[tuple[NetworkMember, list[str]]] = field(default_factory=list)
    ranked_by: str = "matching"

    @property
    def considered(self) -> int:
        return len(self.fits) + len(self.unfit)

    @property
    def why_not(self) -> list[tuple[str, int]]:
        """How many members each kind of reason kept out, the most common first ("ACLS
        expired 2026-03-01" and "… 2026-04-02" count as one kind)."""
        from collections import Counter

        counts: Counter = Counter()
        for _member, reasons in self.unfit:
            for reason in {_reason_kind(r) for r in reasons}:
                counts[reason] += 1
        return counts.most_common()


def fit_members(shift: Shift, members=None, *, at: datetime | None = None) -> FitReport:
    """Judge the network for `shift`: every active member of its organization, or `members`
    (a queryset or iterable of NetworkMember; other organizations' are ignored). When the
    shift names lists, only members of those lists are considered."""
    at = at or timezone.now()
    report = FitReport(shift=shift, at=at)
    zone = shift_zone(shift)
    last_day = timezone.localtime(shift.ends_at, zone).date()
    today = timezone.localtime(at, zone).date()

    list_ids = _shift_list_ids(shift)
    scope = _scope(shift, members, today, list_ids)
    member_ids = scope.values("pk")
    candidate_ids = scope.values("candidate_id")
    loaded = list(scope.only(*MEMBER_FIELDS).order_by("id"))
    if not loaded:
        return report
    people = Person.load(Candidate.objects.current().filter(
        organization_id=shift.organization_id, pk__in=candidate_ids))

    wanted_specialty = shift_specialty(shift, list_ids)
    specialties: dict[int, list[tuple[str, str]]] = {}
    if wanted_specialty is not None or shift.specialty:
        for cid, name, code in Specialty.objects.filter(
                candidate_id__in=candidate_ids).order_by("-is_primary", "id").values_list(
                "candidate_id", "name", "code"):
            specialties.setdefault(cid, []).append((name, code))

    where = shift_jurisdiction(shift)
    licences: dict[int, list[tuple[str, str, date | None]]] = {}
    if where:
        for cid, jurisdiction, status, expires in Licence.objects.filter(
                candidate_id__in=candidate_ids,
        ).values_list("candidate_id", "jurisdiction", "status", "expires_on"):
            licences.setdefault(cid, []).append((jurisdiction, status, expires))

    required = [str(name).strip() for name in shift.required_credentials or [] if
                str(name).strip()]
    certificates: dict[int, list[tuple[str, date | None]]] = {}
    if required:
        for cid, name, expires in Certification.objects.filter(
                candidate_id__in=candidate_ids).values_list("candidate_id", "name", "expires_on"):
            certificates.setdefault(cid, []).append((name, expires))

    booked: dict[int, list[str]] = {}
    for member_id, site_name, starts_at in Booking.objects.filter(
            organization_id=shift.organization_id, member_id__in=member_ids,
            status=BookingStatus.ACTIVE, starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at,
    ).exclude(shift_id=shift.pk).order_by("starts_at").values_list(
            "member_id", "shift__site__name", "starts_at"):
        day = timezone.localtime(starts_at, zone)
        booked.setdefault(member_id, []).append(f"Booked at {site_name} on {day.day} {day:%b}")

    muted: dict[int, list[str]] = {}
    if list_ids:
        through = NetworkMember.muted_lists.through
        for member_id, name in through.objects.filter(
                networklist_id__in=list_ids, networkmember_id__in=member_ids,
        ).order_by("networklist__name").values_list("networkmember_id", "networklist__name"):
            muted.setdefault(member_id, []).append(f"Muted the list “{name}”")

    offers_this_week: dict[int, int] = {}
    if any(m.weekly_offer_cap is not None for m in loaded):
        offers_this_week = dict(
            ShiftOffer.objects.filter(
                member_id__in=scope.filter(weekly_offer_cap__isnull=False).values("pk"),
                created_at__gte=at - CAP_WINDOW, created_at__lt=at,
            ).exclude(shift_id=shift.pk).exclude(status__in=NOT_REACHED)
            .order_by().values("member_id").annotate(n=Count("id")).values_list("member_id", "n"))

    judge = _Judge(shift, wanted_specialty, required, last_day, today, where)
    fitting: list[tuple[NetworkMember, list[str]]] = []
    for member in loaded:
        person = people.get(member.candidate_id)
        if person is None:  # a candidate merged away or gone: nobody to offer the shift to
            continue
        # The light record stands in for the candidate (no query per member on the page).
        member._state.fields_cache["candidate"] = person
        reasons: list[str] = []
        # The why of a member who fits is never blank: it starts with what they are.
        good: list[str] = [_profession_label(person.profession).capitalize()]
        if member.is_favourite:
            good.append("Favourite")
        if member.left_on is not None and member.left_on <= today:
            reasons.append(f"Left the network on {member.left_on:%Y-%m-%d}")
        if person.status == CandidateStatus.DO_NOT_CONTACT:
            reasons.append("Asked not to be contacted")
        judge.profession(person, reasons)
        judge.specialty(specialties.get(person.pk, ()), reasons, good)
        judge.licence(licences.get(person.pk, ()), reasons, good, person.profession)
        judge.credentials(certificates.get(person.pk, ()), reasons, good)
        reasons.extend(booked.get(member.pk, ()))
        reasons.extend(muted.get(member.pk, ()))
        cap = member.weekly_offer_cap
        if cap is not None and offers_this_week.get(member.pk, 0) >= cap:
            reasons.append(f"Weekly cap of {cap} offer{'s' if cap != 1 else ''} reached")
        if reasons:
            report.unfit.append((member, reasons))
        else:
            fitting.append((member, good))

    scores = matching_scores(shift, [m.candidate_id for m, _ in fitting], zone)
    ranked = [(member, scores.get(member.candidate_id, 0.0), good) for member, good in fitting]
    ranked.sort(key=lambda row: (-row[1], not row[0].is_favourite, row[0].joined_on,
                                 row[0].pk))
    report.fits = ranked
    return report


def _scope(shift: Shift, members, today: date, list_ids: list[int]) -> QuerySet:
    """The members to judge, as a queryset (so every later query filters by it in the
    database, not by a list of 10,000 ids)."""
    # Only current records: a duplicate merged into another keeps its membership row, and
    # judging it too would offer (and book) the same person twice.
    scope = NetworkMember.objects.filter(organization_id=shift.organization_id,
                                         candidate__merged_into__isnull=True)
    if members is None:
        scope = scope.exclude(left_on__lte=today)
    elif isinstance(members, QuerySet):
        scope = scope.filter(pk__in=members.values("pk"))
    else:
        scope = scope.filter(pk__in=[getattr(m, "pk", m) for m in members])
    if list_ids:
        through = NetworkMember.lists.through
        scope = scope.filter(pk__in=through.objects.filter(
            networklist_id__in=list_ids).values("networkmember_id"))
    return scope


def _shift_list_ids(shift: Shift) -> list[int]:
    return list(shift.lists.values_list("pk", flat=True)) if shift.pk else []


class _Judge:
    """The per-member rules, with everything that depends only on the shift worked out once."""

    def __init__(self, shift: Shift, wanted_specialty, required: list[str], last_day: date,
                 today: date, jurisdiction: str | None = None):
        from rounds.matching import understand

        self.shift = shift
        self.wanted = wanted_specialty
        self.wanted_name = wanted_specialty.name if wanted_specialty else shift.specialty
        self.last_day = last_day
        self.today = today
        self.jurisdiction = jurisdiction if jurisdiction is not None else \
            shift_jurisdiction(shift)
        # Each required credential: its name as the shift writes it, and matching's key.
        self.required = [(name, understand.read_certification(name)) for name in required]
        self.closeness: dict[tuple[str, str], float] = {}
        self.cert_keys: dict[str, str | None] = {}

    def profession(self, person: Person, reasons: list[str]) -> None:
        if person.profession != self.shift.profession:
            reasons.append(f"Not {_with_article(_profession_label(self.shift.profession))}")

    def specialty(self, held, reasons: list[str], good: list[str]) -> None:
        if self.wanted is None and not self.shift.specialty:
            return
        if not held:
            reasons.append(f"No specialty on record (the shift needs {self.wanted_name})")
            return
        best, best_name = -1.0, held[0][0]
        for name, code in held:
            value = self._closeness(name, code)
            if value > best:
                best, best_name = value, name
        if best >= 1.0:
            good.append(best_name)
        elif best >= RELATED:
            good.append(f"Related specialty: {best_name}")
        else:
            reasons.append(f"Different specialty: {best_name} (the shift needs "
                           f"{self.wanted_name})")

    def _closeness(self, name: str, code: str) -> float:
        key = (name, code)
        if key not in self.closeness:
            from rounds.matching import knowledge, understand

            if self.wanted is None:  # a specialty matching doesn't know: same words only
                value = 1.0 if name.strip().casefold() == self.shift.specialty.strip(
                ).casefold() else 0.0
            else:
                info = (knowledge.specialty(code) if code else None) or \
                    understand.read_specialty(name)
                value = knowledge.specialty_closeness(self.wanted.key, info.key) if info else (
                    1.0 if name.strip().casefold() == (self.shift.specialty or "").strip(
                    ).casefold() else 0.0)
            self.closeness[key] = value
        return self.closeness[key]

    def licence(self, held, reasons: list[str], good: list[str],
                profession: str | None = None) -> None:
        """A current licence where the shift is, through its last day: one issued there, or
        one a compact makes valid there by the rules of the profession it was issued for (the
        same law as matching: rounds.matching.knowledge.covers). `held`: (jurisdiction,
        status, expires) rows, any jurisdiction; (status, expires) rows are the shift's."""
        from rounds.matching import knowledge

        where = self.jurisdiction
        if not where:
            return
        profession = profession or self.shift.profession
        rows = [r if len(r) == 3 else (where, *r) for r in held]
        here = [(s, e) for j, s, e in rows if j == where]
        current = [(s, e) for s, e in here if s in CURRENT_LICENCE]
        through = [(s, e) for s, e in current if e is None or e >= self.last_day]
        if through:
            good.append(f"Current licence in {where}")
            return
        for j, status, expires in rows:
            if j == where or status not in CURRENT_LICENCE or (
                    expires is not None and expires < self.last_day):
                continue
            rule = knowledge.portability(profession, j, where)
            if rule is not None and rule.kind == "covers":
                good.append(f"Current licence in {j}; {rule.scheme} covers {where}")
                return
        if current:
            expires = max(e for _s, e in current)
            if expires < self.today:
                reasons.append(f"Licence in {where} expired {expires:%Y-%m-%d}")
            else:
                reasons.append(f"Licence in {where} expires {expires:%Y-%m-%d}, before the "
                               "shift ends")
        elif here:
            statuses = sorted({LicenceStatus(s).label.lower() for s, _e in here
                               if s in LicenceStatus.values})
            reasons.append(f"No current licence in {where} ({', '.join(statuses)})")
        else:
            reasons.append(f"No current licence in {where}")

    def credentials(self, held, reasons: list[str], good: list[str]) -> None:
        for name, key in self.required:
            wanted = name.casefold()
            found = [expires for cert, expires in held
                     if cert.strip().casefold() == wanted or (key and self._cert_key(cert) == key)]
            if not found:
                reasons.append(f"No {name} on record")
                continue
            if any(e is None for e in found):
                good.append(f"{name} on record")
                continue
            expires = max(found)
            if expires >= self.last_day:
                good.append(f"{name} current through {expires:%Y-%m-%d}")
            elif expires < self.today:
                reasons.append(f"{name} expired {expires:%Y-%m-%d}")
            else:
                reasons.append(f"{name} expires {expires:%Y-%m-%d}, before the shift ends")

    def _cert_key(self, name: str) -> str | None:
        if name not in self.cert_keys:
            from rounds.matching import understand

            self.cert_keys[name] = understand.read_certification(name)
        return self.cert_keys[name]


# --- the shift as matching sees it --------------------------------------------------------------


def shift_zone(shift: Shift) -> ZoneInfo:
    """The site's time zone, else the organization's: the shift's days are counted there."""
    name = shift.site.time_zone or shift.organization.time_zone or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def shift_jurisdiction(shift: Shift) -> str:
    """Where a current licence is required: the shift's jurisdiction, else where its site is
    (a shift naming none still needs a licence there); "" when neither is known."""
    from rounds.lib import jurisdictions

    if shift.licence_jurisdiction:
        return shift.licence_jurisdiction
    site = shift.site
    if site is not None and site.region:
        return jurisdictions.normalize(site.region, site.country) or ""
    return ""


def shift_specialty(shift: Shift, list_ids: list[int] | None = None):
    """Matching's specialty for the shift (by its code, else its name), or, when it names
    none, the one its lists' names and its notes name for its profession ("AB family
    physicians", "ER coverage"), read as matching reads a posting; else None."""
    from rounds.matching import knowledge, understand
    from rounds.matching.spec import specialty_for

    if shift.specialty_code:
        info = knowledge.specialty(shift.specialty_code)
        if info is not None:
            return info
    if shift.specialty:
        return understand.read_specialty(shift.specialty)
    if list_ids is None:
        list_ids = _shift_list_ids(shift)
    names = []
    if list_ids:
        from .models import NetworkList

        names = list(NetworkList.objects.filter(pk__in=list_ids).order_by("name")
                     .values_list("name", flat=True))
    for title, text in (("; ".join(names), ""), ("", shift.notes or "")):
        if title or text:
            key = specialty_for(understand.read(text, title=title), shift.profession)
            if key:
                return knowledge.specialty(key)
    return None


def job_spec(shift: Shift, zone: ZoneInfo | None = None):
    """A matching JobSpec for the shift: profession, specialty, jurisdiction, the site's place,
    the dates (a locum, so availability counts) and the required certifications."""
    from rounds.matching import understand
    from rounds.matching.spec import JobSpec

    zone = zone or shift_zone(shift)
    site = shift.site
    info = shift_specialty(shift)
    spec = JobSpec(
        title=f"Locum {shift.specialty or _profession_label(shift.profession)}",
        profession=shift.profession if shift.profession != Profession.OTHER else None,
        specialty=info.key if info else None,
        employment_type=EmploymentType.LOCUM,
        jurisdiction=shift_jurisdiction(shift) or None,
        latitude=site.latitude, longitude=site.longitude, place=site.city or site.name,
        start_date=timezone.localtime(shift.starts_at, zone).date(),
        end_date=timezone.localtime(shift.ends_at, zone).date(),
    )
    for name in shift.required_credentials or []:
        key = understand.read_certification(str(name))
        if key and key not in spec.certifications_required:
            spec.certifications_required.append(key)
    return spec


def matching_scores(shift: Shift, candidate_ids: list[int], zone: ZoneInfo | None = None
                    ) -> dict[int, float]:
    """Matching's score (0-100) of each candidate for the shift, computed over just their rows
    of the organization's match index (built once per process, then caught up)."""
    if not candidate_ids:
        return {}
    from rounds.matching import engine
    from rounds.matching.index import IndexWarming, for_organization

    try:
        index = for_organization(shift.organization_id)
    except IndexWarming:
        return {}  # a large pool's index is being built: fit alone orders them meanwhile
    with index.lock:
        rows = index.subset(candidate_ids)
    if rows.n == 0:
        return {}
    scored = engine.score_columns(job_spec(shift, zone), rows)
    scores = engine.combine(scored.components, engine.weights_for(shift.organization_id))
    ids = rows.cols["ids"][: rows.n]
    return {int(cid): round(float(score), 1) for cid, score in zip(ids, scores, strict=True)}


# --- words --------------------------------------------------------------------------------------


def _profession_label(profession: str) -> str:
    try:
        return Profession(profession).label.lower()
    except ValueError:
        return profession or "professional"


def _with_article(words: str) -> str:
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def _reason_kind(reason: str) -> str:
    """A reason without its dates and names, for counting."""
    for prefix in ("Booked at", "Muted the list", "Different specialty", "Left the network",
                   "Weekly cap", "No current licence", "No specialty on record"):
        if reason.startswith(prefix):
            return prefix
    for word in (" expired ", " expires "):
        if word in reason:
            return reason.split(word)[0] + word.rstrip()
    return reason
