"""Finding records that are probably the same person.

Two current (not merged) candidates of one organization are likely duplicates when they share
a normalized email or a normalized (E.164) phone — the main one of the record or a secondary
one (ContactPoint, e.g. kept from an earlier merge) — an NPI, or the same first and last name
(case and surrounding spaces ignored) together with a licence number (in any jurisdiction),
compared by `lib.codes.licence_key` ("MD-12 345" is "md12345"), the rule the import and merge
use too. A pair a recruiter marked "not a duplicate" (DuplicateDismissal) is never shown again.

The pool can hold 100,000 people, so nothing here compares records pairwise in Python: each
signal is one GROUP BY … HAVING COUNT(*) > 1 query that returns only the shared keys, and only
the few rows carrying those keys are read afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Count, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower, Trim

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.lib import jurisdictions
from rounds.lib.codes import CodeError, licence_key, normalize_npi
from rounds.lib.contact import (
    ContactError,
    email_key,
    format_phone,
    normalize_email,
    normalize_phone,
)

from .choices import ContactKind
from .models import Candidate, ContactPoint, DuplicateDismissal, Licence

# A key shared by very many records (a clinic's front-desk email typed for everyone) is still
# reported, but only as pairs with its oldest record, not as every possible pair.
MAX_GROUP_PAIRS = 10


@dataclass
class DuplicatePair:
    """Two records that look like one person, and why. `first` is the older record."""

    first: Candidate
    second: Candidate
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int]:
        return (self.first.pk, self.second.pk)


@dataclass
class DuplicateMatch:
    """Another record that looks like the given one, and why."""

    candidate: Candidate
    reasons: list[str] = field(default_factory=list)


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)



def _groups_sharing(current, field: str, key_limit: int) -> dict[str, list[int]]:
    """{value: [candidate ids]} for the values of `field` that several candidates share, newest
    groups first: one GROUP BY … HAVING query for the keys, one for their members."""
    keys = list(
        current.exclude(**{field: ""})
        .values(field)
        .annotate(n=Count("id"), newest=Max("id"))
        .filter(n__gt=1)
        .order_by("-newest")
        .values_list(field, flat=True)[:key_limit]
    )
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, key in current.filter(**{f"{field}__in": keys}).values_list("id", field):
        groups[key].append(pk)
    return groups

def _groups_sharing_secondary(organization_id: int, current, key_limit: int
                              ) -> dict[tuple[str, str], list[int]]:
    """{(kind, value): [candidate ids]} for the secondary emails and phones that another
    current candidate has too, as a main or a secondary one. Two queries find the keys (a
    grouped one over the secondary values, a semi-join against the main ones); only when
    there are some, three more read their members."""
    points = ContactPoint.objects.filter(
        organization_id=organization_id, candidate__merged_into__isnull=True
    ).order_by()
    shared = set(
        points.values_list("kind", "value_normalized")
        .annotate(n=Count("candidate_id", distinct=True))
        .filter(n__gt=1)
        .values_list("kind", "value_normalized")[:key_limit]
    )
    shared.update(
        points.filter(
            Q(kind=ContactKind.EMAIL,
              value_normalized__in=current.exclude(email_normalized="").values("email_normalized"))
            | Q(kind=ContactKind.PHONE,
                value_normalized__in=current.exclude(phone_normalized="").values("phone_normalized"))
        ).values_list("kind", "value_normalized")[:key_limit]
    )
    if not shared:
        return {}
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for kind, column in ((ContactKind.EMAIL, "email_normalized"),
                         (ContactKind.PHONE, "phone_normalized")):
        keys = [value for k, value in shared if k == kind]
        if keys:
            for pk, key in current.filter(**{f"{column}__in": keys}).values_list("id", column):
                groups[(kind, key)].add(pk)
    for pk, kind, key in points.filter(
        value_normalized__in={value for _k, value in shared}
    ).values_list("candidate_id", "kind", "value_normalized"):
        if (kind, key) in shared:
            groups[(kind, key)].add(pk)
    return {key: sorted(ids) for key, ids in groups.items() if len(ids) > 1}


def _pairs_of(ids: list[int]) -> Iterable[tuple[int, int]]:
    ids = sorted(set(ids))
    if len(ids) <= MAX_GROUP_PAIRS:
        yield from combinations(ids, 2)
    else:
        for other in ids[1:]:
            yield (ids[0], other)


def _name_key(first: str, last: str) -> tuple[str, str]:
    return ((first or "").strip().lower(), (last or "").strip().lower())


def _licence_label(licence_number: str, codes: set[str]) -> str:
    """“same name and licence 12345 (Alberta)”: the place in words, not its code."""
    where = ", ".join(sorted(jurisdictions.label(j) for j in codes if j))
    return f"same name and licence {licence_number}" + (f" ({where})" if where else "")


def _dismissed(organization_id: int, ids: Iterable[int]) -> set[tuple[int, int]]:
    ids = list(set(ids))
    if not ids:
        return set()
    rows = DuplicateDismissal.objects.filter(organization_id=organization_id).filter(
        Q(first_id__in=ids) | Q(second_id__in=ids)
    ).values_list("first_id", "second_id")
    return {_ordered(a, b) for a, b in rows}


def find_duplicate_pair_keys(
    organization_id: int, *, limit: int = 100
) -> dict[tuple[int, int], list[str]]:
    """{(older id, newer id): [reasons]} for up to `limit` pairs, newest shared keys first.

    Three grouped queries find the shared keys, three more read the records that carry them,
    one reads the dismissals: seven queries however large the pool."""
    current = Candidate.objects.filter(
        organization_id=organization_id, merged_into__isnull=True
    ).order_by()
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)
    # Look at a few more keys than pairs wanted: some pairs are dismissed.
    key_limit = limit * 2 + 10

    # 1. Same normalized email. 2. Same phone (E.164).
    for key, ids in _groups_sharing(current, "email_normalized", key_limit).items():
        for pair in _pairs_of(ids):
            reasons[pair].append(f"same email {key}")
    for key, ids in _groups_sharing(current, "phone_normalized", key_limit).items():
        for pair in _pairs_of(ids):
            reasons[pair].append(f"same phone {format_phone(key)}")
    for key, ids in _groups_sharing(current, "npi", key_limit).items():
        for pair in _pairs_of(ids):
            reasons[pair].append(f"same NPI {key}")
    # Secondary emails and phones, against each other and against the main ones.
    for (kind, key), ids in _groups_sharing_secondary(organization_id, current,
                                                      key_limit).items():
        reason = f"same email {key}" if kind == ContactKind.EMAIL else (
            f"same phone {format_phone(key)}"
        )
        for pair in _pairs_of(ids):
            if reason not in reasons[pair]:
                reasons[pair].append(reason)

    # 3. Same first + last name and the same licence number (any jurisdiction).
    licences = Licence.objects.filter(
        organization_id=organization_id, candidate__merged_into__isnull=True
    ).exclude(number_key="").order_by()
    numbers = list(
        licences.values("number_key")
        .annotate(n=Count("candidate_id", distinct=True), newest=Max("candidate_id"))
        .filter(n__gt=1)
        .order_by("-newest")
        .values_list("number_key", flat=True)[: key_limit * 5]
    )
    if numbers:
        rows = (
            licences.annotate(
                fn=Lower(Trim("candidate__first_name")),
                ln=Lower(Trim("candidate__last_name")),
            )
            .filter(number_key__in=numbers)
            .order_by("candidate_id", "id")
            .values_list("candidate_id", "number_key", "number", "jurisdiction", "fn", "ln")
        )
        groups: dict[tuple, set[int]] = defaultdict(set)
        where: dict[tuple, set[str]] = defaultdict(set)
        shown: dict[tuple, str] = {}
        for cand_id, key, number, jurisdiction, fn, ln in rows:
            groups[(fn, ln, key)].add(cand_id)
            where[(fn, ln, key)].add(jurisdiction)
            shown.setdefault((fn, ln, key), number.strip().upper())  # as the oldest has it
        for key, ids in groups.items():
            if len(ids) > 1:
                for pair in _pairs_of(list(ids)):
                    reasons[pair].append(_licence_label(shown[key], where[key]))

    dismissed = _dismissed(organization_id, {i for pair in reasons for i in pair})
    found = {pair: r for pair, r in reasons.items() if pair not in dismissed}
    # Newest records first: the duplicate most likely just came in (an import, a form).
    ordered = sorted(found, key=lambda p: (p[1], p[0]), reverse=True)[:limit]
    return {pair: found[pair] for pair in ordered}


def annotate_for_comparison(queryset):
    """What the side-by-side cards show, in one query plus two prefetches."""
    from rounds.activities.models import Activity
    from rounds.pipeline.models import Application

    def count_of(model):
        return Coalesce(
            Subquery(
                model.objects.filter(candidate_id=OuterRef("pk"))
                .order_by()
                .values("candidate_id")
                .annotate(c=Count("id"))
                .values("c")[:1]
            ),
            Value(0),
        )

    return (
        queryset.annotate(
            application_count=count_of(Application), activity_count=count_of(Activity)
        )
        .select_related("owner")
        .prefetch_related("licences", "specialties", "contact_points")
    )


def find_duplicate_groups(organization_id: int, *, limit: int = 100) -> list[DuplicatePair]:
    """Likely duplicate pairs among the organization's current candidates, each with its
    reasons ("same email amara@example.com", "same phone (403) 555-0142", "same name and
    licence CA-AB 12345"), newest first, at most `limit`. Bounded number of queries."""
    keys = find_duplicate_pair_keys(organization_id, limit=limit)
    ids = {i for pair in keys for i in pair}
    by_id = {
        c.pk: c
        for c in annotate_for_comparison(
            Candidate.objects.filter(organization_id=organization_id, pk__in=ids)
        )
    }
    return [
        DuplicatePair(first=by_id[a], second=by_id[b], reasons=reasons)
        for (a, b), reasons in keys.items()
        if a in by_id and b in by_id
    ]


def duplicates_of(
    candidate: Candidate, *, licence_numbers: Iterable[str] | None = None
) -> list[DuplicateMatch]:
    """Current records of the candidate's organization that look like this candidate.

    Works for a saved candidate (its licences are read) and for one not saved yet, as the
    import checks a row before creating it (pass `licence_numbers`). Pairs dismissed as "not a
    duplicate" are left out."""
    org_id = candidate.organization_id
    # No ORDER BY on the lookups: the default (by name) would steer the planner off the
    # email/phone indexes.
    pool = Candidate.objects.filter(organization_id=org_id, merged_into__isnull=True).order_by()
    if candidate.pk:
        pool = pool.exclude(pk=candidate.pk)
    email = candidate.email_normalized or (candidate.email or "").strip().lower()
    phone = candidate.phone_normalized
    emails = {email} - {""}
    phones = {phone} - {""}
    if candidate.pk:
        for kind, value in ContactPoint.objects.filter(candidate=candidate).values_list(
            "kind", "value_normalized"
        ):
            (emails if kind == ContactKind.EMAIL else phones).add(value)
    npi = candidate.npi
    if licence_numbers is None:
        licence_numbers = (
            candidate.licences.exclude(number="").values_list("number", flat=True)
            if candidate.pk
            else []
        )
    numbers = {licence_key(n) for n in licence_numbers} - {""}
    first, last = _name_key(candidate.first_name, candidate.last_name)

    # One indexed lookup per signal (an OR across them would scan the pool), then one fetch.
    ids: set[int] = set()
    for value in emails:
        ids.update(pool.with_email(value, organization_id=org_id)
                   .values_list("pk", flat=True)[:50])
    for value in phones:
        ids.update(pool.with_phone(value, organization_id=org_id)
                   .values_list("pk", flat=True)[:50])
    if npi:
        ids.update(pool.filter(npi=npi).values_list("pk", flat=True)[:50])
    if numbers and first and last:
        ids.update(
            pool.filter(
                pk__in=Licence.objects.filter(organization_id=org_id, number_key__in=numbers)
                .values("candidate_id")
            )
            .annotate(fn=Lower(Trim("first_name")), ln=Lower(Trim("last_name")))
            .filter(fn=first, ln=last)
            .values_list("pk", flat=True)[:50]
        )
    if not ids:
        return []
    matches = list(
        pool.filter(pk__in=ids).prefetch_related("licences", "contact_points")
        .order_by("created_at", "id")[:50]
    )
    dismissed = _dismissed(org_id, [m.pk for m in matches]) if candidate.pk else set()
    out = []
    for match in matches:
        if candidate.pk and _ordered(candidate.pk, match.pk) in dismissed:
            continue
        reasons = []
        theirs = {(ContactKind.EMAIL, match.email_normalized), (ContactKind.PHONE,
                                                               match.phone_normalized)}
        theirs.update((p.kind, p.value_normalized) for p in match.contact_points.all())
        for value in sorted(emails):
            if (ContactKind.EMAIL, value) in theirs:
                reasons.append(f"same email {value}")
        for value in sorted(phones):
            if (ContactKind.PHONE, value) in theirs:
                reasons.append(f"same phone {format_phone(value)}")
        if npi and match.npi == npi:
            reasons.append(f"same NPI {npi}")
        if numbers and _name_key(match.first_name, match.last_name) == (first, last):
            for lic in match.licences.all():
                if lic.number_key in numbers:
                    reasons.append(_licence_label(lic.number.strip().upper(), {lic.jurisdiction}))
        if reasons:
            out.append(DuplicateMatch(candidate=match, reasons=reasons))
    return out


def duplicates_of_new(organization_id: int, fields: dict) -> list[DuplicateMatch]:
    """Current records that look like a person about to be added (the fields of the add form):
    same email or phone (main or secondary) or same NPI. A value that does not validate is
    left out here; the form reports it."""
    probe = Candidate(organization_id=organization_id, first_name=fields.get("first_name") or "",
                      last_name=fields.get("last_name") or "")
    with suppress(ContactError):
        probe.email_normalized = email_key(normalize_email(fields.get("email") or ""))
    with suppress(ContactError):
        probe.phone_normalized = normalize_phone(fields.get("phone") or "",
                                                 fields.get("country") or "CA")
    with suppress(CodeError):
        probe.npi = normalize_npi(fields.get("npi") or "")
    return duplicates_of(probe, licence_numbers=[])


def do_dismiss_duplicate(first: Candidate, second: Candidate, *, actor, via: str = "web"):
    """Record that two records are different people, so the pair is not suggested again.
    Saying it twice changes nothing. Raises ValueError for a pair that cannot be dismissed."""
    if first.pk == second.pk:
        raise ValueError("A record cannot be a duplicate of itself.")
    if first.organization_id != second.organization_id:
        raise ValueError("The records belong to different organizations.")
    a, b = (first, second) if first.pk < second.pk else (second, first)
    dismissal, created = DuplicateDismissal.objects.get_or_create(
        first=a, second=b, defaults={"organization_id": a.organization_id, "dismissed_by": actor}
    )
    if created:
        for one, two in ((a, b), (b, a)):
            audit.record(
                actor=actor, action=AuditAction.UPDATE, obj=one, via=via,
                changes={"not_a_duplicate_of": [None, f"{two} ({two.uuid})"]},
            )
    return dismissal
