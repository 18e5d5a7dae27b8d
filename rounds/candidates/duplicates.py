"""Finding records that are probably the same person.

Two current (not merged) candidates of one organization are likely duplicates when they share
a normalized email, a normalized (E.164) phone, or the same first and last name (case and
surrounding spaces ignored) together with a licence number (in any jurisdiction). A pair a
recruiter marked "not a duplicate" (DuplicateDismissal) is never shown again.

The pool can hold 100,000 people, so nothing here compares records pairwise in Python: each
signal is one GROUP BY … HAVING COUNT(*) > 1 query that returns only the shared keys, and only
the few rows carrying those keys are read afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Count, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower, Trim, Upper

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.lib.contact import format_phone

from .models import Candidate, DuplicateDismissal, Licence

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

def _pairs_of(ids: list[int]) -> Iterable[tuple[int, int]]:
    ids = sorted(set(ids))
    if len(ids) <= MAX_GROUP_PAIRS:
        yield from combinations(ids, 2)
    else:
        for other in ids[1:]:
            yield (ids[0], other)


def _name_key(first: str, last: str) -> tuple[str, str]:
    return ((first or "").strip().lower(), (last or "").strip().lower())


def _licence_label(licence_number: str, jurisdictions: set[str]) -> str:
    where = "/".join(sorted(j for j in jurisdictions if j))
    return f"same name and licence {where} {licence_number}".replace("  ", " ").strip()


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

    # 3. Same first + last name and the same licence number (any jurisdiction).
    licences = Licence.objects.filter(
        organization_id=organization_id, candidate__merged_into__isnull=True
    ).exclude(number="")
    numbers = list(
        licences.annotate(num=Upper(Trim("number")))
        .values("num")
        .annotate(n=Count("candidate_id", distinct=True), newest=Max("candidate_id"))
        .filter(n__gt=1)
        .order_by("-newest")
        .values_list("num", flat=True)[: key_limit * 5]
    )
    if numbers:
        rows = (
            licences.annotate(
                num=Upper(Trim("number")),
                fn=Lower(Trim("candidate__first_name")),
                ln=Lower(Trim("candidate__last_name")),
            )
            .filter(num__in=numbers)
            .values_list("candidate_id", "num", "jurisdiction", "fn", "ln")
        )
        groups: dict[tuple, set[int]] = defaultdict(set)
        where: dict[tuple, set[str]] = defaultdict(set)
        for cand_id, num, jurisdiction, fn, ln in rows:
            groups[(fn, ln, num)].add(cand_id)
            where[(fn, ln, num)].add(jurisdiction)
        for key, ids in groups.items():
            if len(ids) > 1:
                for pair in _pairs_of(list(ids)):
                    reasons[pair].append(_licence_label(key[2], where[key]))

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
        .prefetch_related("licences", "specialties")
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
    if licence_numbers is None:
        licence_numbers = (
            candidate.licences.exclude(number="").values_list("number", flat=True)
            if candidate.pk
            else []
        )
    numbers = {n.strip().upper() for n in licence_numbers if n and n.strip()}
    first, last = _name_key(candidate.first_name, candidate.last_name)

    # One indexed lookup per signal (an OR across them would scan the pool), then one fetch.
    ids: set[int] = set()
    if email:
        ids.update(pool.filter(email_normalized=email).values_list("pk", flat=True)[:50])
    if phone:
        ids.update(pool.filter(phone_normalized=phone).values_list("pk", flat=True)[:50])
    if numbers and first and last:
        typed = numbers | {n.lower() for n in numbers}
        ids.update(
            pool.filter(
                pk__in=Licence.objects.filter(organization_id=org_id, number__in=typed).values(
                    "candidate_id"
                )
            )
            .annotate(fn=Lower(Trim("first_name")), ln=Lower(Trim("last_name")))
            .filter(fn=first, ln=last)
            .values_list("pk", flat=True)[:50]
        )
    if not ids:
        return []
    matches = list(
        pool.filter(pk__in=ids).prefetch_related("licences").order_by("created_at", "id")[:50]
    )
    dismissed = _dismissed(org_id, [m.pk for m in matches]) if candidate.pk else set()
    out = []
    for match in matches:
        if candidate.pk and _ordered(candidate.pk, match.pk) in dismissed:
            continue
        reasons = []
        if email and match.email_normalized == email:
            reasons.append(f"same email {email}")
        if phone and match.phone_normalized == phone:
            reasons.append(f"same phone {format_phone(phone)}")
        if numbers and _name_key(match.first_name, match.last_name) == (first, last):
            for lic in match.licences.all():
                if lic.number.strip().upper() in numbers:
                    reasons.append(_licence_label(lic.number.strip().upper(), {lic.jurisdiction}))
        if reasons:
            out.append(DuplicateMatch(candidate=match, reasons=reasons))
    return out


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
