"""Finding candidates: free text plus filters, sorted and paginated, fast at 100,000 records.

Free text reads `Candidate.search_text` (lower-cased name, credentials, headline, summary,
profession, specialties, experience, certifications and notes, kept by actions.py). Every word
typed must match the start of a word in it ("obst" finds obstetrics, "oka" finds Okafor), so
results are the same on both databases and each has an index for it:

- PostgreSQL: a GIN index on `to_tsvector('simple', search_text)`, queried with prefix terms
  (`to_tsquery('simple', 'obst:* & calg:*')`); no extension needed.
- SQLite: an FTS5 external-content table `candidates_candidate_fts` over search_text, kept in
  step with triggers, queried with `"obst"* "calg"*`.

Both are created by migration 0002 (see `install_search_index`). Filters on related rows
(specialty, licence jurisdiction, tag) are `id IN (subquery)`, never joins, so counts stay right
and no DISTINCT is needed. Distance filters first on the indexed bounding box, then on the exact
great-circle distance.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection as default_connection
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    F,
    FloatField,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import ACos, Cos, Least, Radians, Sin

from rounds.lib import geo, jurisdictions, units

from .choices import CandidateStatus, Profession, Source
from .models import Candidate, Licence, Specialty, Tag

MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
MAX_TERMS = 8
DEFERRED_OFFSET = 500  # from this offset on, a page is fetched as ids first, rows second
MAX_WITHIN_KM = 5000
FTS_TABLE = "candidates_candidate_fts"
PG_TSVECTOR = "to_tsvector('simple'::regconfig, {column})"

SORTS = {
    "relevance": "Best match",
    "name": "Name (A–Z)",
    "-name": "Name (Z–A)",
    "recent": "Newest first",
    "activity": "Latest activity",
    "distance": "Distance",
}


@dataclass
class CandidateQuery:
    """What the person searching asked for. Build it with `from_params` to get validation.

    Distances are typed in the organization's unit (`within` in `unit`, "km" or "mi"); the
    API's `within_km` is read as kilometres. A place is placed in the organization's country
    (`country`), and `match` says which place was chosen ("Austin, TX (the largest Austin in
    the US)")."""

    q: str = ""
    profession: str = ""
    specialty: str = ""
    jurisdiction: str = ""
    status: str = ""
    source: str = ""
    tag: str = ""
    near: str = ""
    within: float | None = None
    unit: str = units.KM
    sort: str = "name"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    country: str = ""
    match: geo.PlaceMatch | None = field(default=None, repr=False, compare=False)

    FIELDS = ("q", "profession", "specialty", "jurisdiction", "status", "source", "tag", "near",
              "within", "unit", "within_km", "sort", "page", "per_page")

    @property
    def place(self) -> geo.Place | None:
        return self.match.place if self.match is not None else None

    @property
    def within_km(self) -> float | None:
        return None if self.within is None else units.to_km(self.within, self.unit)

    @classmethod
    def from_params(cls, params: Any, *, unit: str = units.KM,
                    country: str = "") -> CandidateQuery:
        """Read request.GET (or a dict). `unit` is the organization's distance unit (what
        `within` is in unless the parameters say `unit`), `country` where a bare place name
        is looked for. Raises ValidationError({field: message}) naming every field that is
        wrong, in the words a recruiter would use."""

        def text(name: str, limit: int = 200) -> str:
            value = params.get(name) or ""
            return " ".join(str(value).split())[:limit]

        errors: dict[str, str] = {}
        query = cls(q=text("q"), specialty=text("specialty", 120), tag=text("tag", 60),
                    near=text("near", 120), country=(country or "").upper())

        profession = text("profession")
        if profession and profession not in Profession.values:
            errors["profession"] = f"“{profession}” is not a profession Rounds knows."
        query.profession = profession

        status = text("status")
        if status and status not in CandidateStatus.values:
            errors["status"] = f"“{status}” is not a candidate status."
        query.status = status

        source = text("source")
        if source and source not in Source.values:
            errors["source"] = f"“{source}” is not a source."
        query.source = source

        jurisdiction = text("jurisdiction", 60)
        if jurisdiction:
            code = jurisdictions.normalize(jurisdiction)
            if code is None:
                errors["jurisdiction"] = (
                    f"“{jurisdiction}” is not a licensing jurisdiction; "
                    "use a code like CA-AB or US-TX, or a name like Alberta."
                )
            query.jurisdiction = code or jurisdiction

        if query.near:
            query.match = geo.find_place(query.near, query.country)
            if query.match is None:
                errors["near"] = (
                    f"Rounds can't place “{query.near}”. Give a postal code (T2P 1J9, 77002) "
                    "or a city, with its province or state when several share the name "
                    "(Red Deer, AB; Springfield, MA)."
                )

        query.unit = text("unit", 4).lower() or unit
        if query.unit not in units.UNITS:
            errors["unit"] = "Distances are in km or mi."
            query.unit = unit if unit in units.UNITS else units.KM
        name = "within" if text("within", 20) else "within_km"
        within = text(name, 20)
        if within and name == "within_km":
            query.unit = units.KM  # the API's parameter, and links from before `within`
        if within:
            words = units.UNITS[query.unit]
            try:
                query.within = float(within)
            except ValueError:
                errors[name] = f"Distance must be a number of {words}, like 50."
            else:
                limit = units.from_km(MAX_WITHIN_KM, query.unit)
                if not math.isfinite(query.within) or query.within <= 0:
                    errors[name] = f"Distance must be more than 0 {query.unit}."
                elif query.within > limit + 0.5:
                    errors[name] = f"Distance can be at most {limit:,.0f} {query.unit}."
                elif not query.near:
                    errors[name] = "Say near which place (postal code or city)."
            if name in errors:
                query.within = None

        sort = text("sort", 20)
        if not sort:
            sort = "distance" if query.near else ("relevance" if query.q else "name")
        if sort not in SORTS:
            errors["sort"] = f"Can't sort by “{sort}”."
        elif sort == "distance" and not query.near:
            errors["sort"] = "Sorting by distance needs a place in “Near”."
        query.sort = sort

        for name, default, upper in (("page", 1, None), ("per_page", DEFAULT_PER_PAGE,
                                                         MAX_PER_PAGE)):
            raw = text(name, 12)
            if not raw:
                setattr(query, name, default)
                continue
            try:
                number = int(raw)
            except ValueError:
                errors[name] = "Must be a whole number."
                continue
            if number < 1:
                errors[name] = "Must be 1 or more."
                continue
            setattr(query, name, min(number, upper) if upper else number)

        if errors:
            raise ValidationError(errors)
        return query

    @property
    def terms(self) -> list[str]:
        return search_terms(self.q)

    def as_params(self, **overrides: Any) -> dict[str, str]:
        """The query as GET parameters (empty ones left out), e.g. for links and export."""
        out = {}
        for name in self.FIELDS:
            if name == "within_km":
                continue  # written as `within` and its `unit`
            value = overrides.get(name, getattr(self, name))
            if value in (None, "") or (name == "unit" and self.within is None):
                continue
            if name == "within":
                value = f"{value:g}"
            if (name, value) in (("page", 1), ("per_page", DEFAULT_PER_PAGE)):
                continue
            out[name] = str(value)
        return out

    @property
    def filters(self) -> dict[str, Any]:
        """The filters in force (for the audit log of an export)."""
        return {k: v for k, v in self.as_params().items() if k not in ("page", "per_page")}


@dataclass
class SearchPage:
    """One page of results and what it took to get there."""

    items: list
    total: int
    page: int
    per_page: int
    warnings: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def start_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


def search_terms(q: str) -> list[str]:
    """Words of a free-text query, lower-cased; punctuation separates words."""
    return re.findall(r"[^\W_]+", (q or "").lower())[:MAX_TERMS]


def resolve_place(text: str, country: str = "") -> geo.Place | None:
    """A postal code ("T2P 1J9", "T4N", "77002") or a place ("Red Deer, AB", "Houston, TX",
    "Calgary", "Austin": the largest of that name in `country`, see `geo.find_place`)."""
    match = geo.find_place(text, country)
    return match.place if match is not None else None


# --- free text ---------------------------------------------------------------------------------


class _PgPrefixMatch(Expression):
    """`to_tsvector('simple', search_text) @@ to_tsquery('simple', 'a:* & b:*')`, the exact
    expression of the GIN index, so the planner uses it."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, tsquery: str):
        super().__init__()
        self.tsquery = tsquery

    def as_sql(self, compiler, connection):
        column = compiler.compile(F("search_text").resolve_expression(compiler.query))[0]
        sql = PG_TSVECTOR.format(column=column)
        return f"{sql} @@ to_tsquery('simple'::regconfig, %s)", [self.tsquery]

    def get_group_by_cols(self):
        return []


def text_filter(qs: QuerySet, terms: list[str]) -> QuerySet:
    """Rows whose search text has every term as a word prefix, through the database's index."""
    if not terms:
        return qs
    vendor = _vendor(qs)
    if vendor == "postgresql":
        return qs.filter(_PgPrefixMatch(" & ".join(f"{t}:*" for t in terms)))
    if vendor == "sqlite":
        match = " ".join(f'"{t}"*' for t in terms)
        return qs.filter(id__in=RawSQL(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match]
        ))
    # Any other database: correct, unindexed.
    q = Q()
    for t in terms:
        q &= Q(search_text__startswith=t) | Q(search_text__contains=f" {t}")
    return qs.filter(q)


def _vendor(qs: QuerySet) -> str:
    from django.db import connections

    return connections[qs.db].vendor


def _relevance(terms: list[str]):
    """0 when a word names the person, 1 when it is in the headline, 2 otherwise."""
    name_hit = Q()
    for t in terms:
        name_hit |= Q(last_name__istartswith=t) | Q(first_name__istartswith=t)
    return Case(
        When(name_hit, then=Value(0)),
        When(headline__icontains=terms[0], then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


# --- find a candidate as the person types ------------------------------------------------------

SUGGEST_MIN_CHARS = 2
SUGGEST_LIMIT = 10


def suggest_candidates(user, text: str, *, exclude_job=None, limit: int = SUGGEST_LIMIT) -> list:
    """The "find a candidate" boxes (add to a job, referred by): at most `limit` current
    candidates `user` may see (the organization, narrowed for a hiring manager) whose search text
    has every typed word as a word prefix, through the full-text index (never `LIKE '%x%'` over
    text that holds every note), by name. `exclude_job` leaves out the people already in that
    job's pipeline."""
    terms = search_terms(text)[:5]
    if len((text or "").strip()) < SUGGEST_MIN_CHARS or not terms:
        return []
    qs = text_filter(Candidate.objects.visible_to(user).current(), terms)
    if exclude_job is not None:
        qs = qs.exclude(applications__job=exclude_job)  # a NOT IN subquery, no join
    # By name alone: the database walks the name index and stops at the tenth match, where
    # ranking every match first (names before notes) sorted thousands for a two-letter prefix.
    return list(qs.order_by("last_name", "first_name", "id")[:limit])


# --- distance ----------------------------------------------------------------------------------


def distance_expression(place: geo.Place):
    """Great-circle distance in km from `place` (spherical law of cosines), in SQL."""
    lat0, lng0 = math.radians(place.latitude), math.radians(place.longitude)
    cos_angle = (
        Value(math.sin(lat0)) * Sin(Radians("latitude"))
        + Value(math.cos(lat0)) * Cos(Radians("latitude"))
        * Cos(Radians("longitude") - Value(lng0))
    )
    km = ACos(Least(Value(1.0), cos_angle), output_field=FloatField()) * Value(geo.EARTH_RADIUS_KM)
    # PostgreSQL's LEAST skips NULLs: without this, an unknown location would be 0 km away.
    return Case(When(latitude__isnull=False, longitude__isnull=False, then=km), default=None,
                output_field=FloatField())


def _distance_filter(qs: QuerySet, place: geo.Place, within_km: float | None) -> QuerySet:
    qs = qs.annotate(distance_km=distance_expression(place))
    if within_km is None:
        return qs
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(place.latitude, place.longitude,
                                                         within_km)
    qs = qs.filter(latitude__gte=min_lat, latitude__lte=max_lat)
    if max_lng - min_lng < 360 and min_lng >= -180 and max_lng <= 180:
        qs = qs.filter(longitude__gte=min_lng, longitude__lte=max_lng)
    return qs.filter(distance_km__lte=within_km)


# --- the query ---------------------------------------------------------------------------------


def search_queryset(user, query: CandidateQuery) -> QuerySet:
    """Candidates `user` may see that match `query`, ordered; not paginated (export uses it)."""
    qs = Candidate.objects.visible_to(user).current()
    org_id = getattr(user, "organization_id", None)
    terms = query.terms
    qs = text_filter(qs, terms)
    if query.profession:
        qs = qs.filter(profession=query.profession)
    if query.status:
        qs = qs.filter(status=query.status)
    if query.source:
        qs = qs.filter(source=query.source)
    if query.specialty:
        specialty = query.specialty.strip()
        qs = qs.filter(id__in=Specialty.objects.filter(organization_id=org_id).filter(
            Q(name__icontains=specialty) | Q(code__iexact=specialty)
        ).values("candidate_id"))
    if query.jurisdiction:
        qs = qs.filter(id__in=Licence.objects.filter(
            organization_id=org_id, jurisdiction=query.jurisdiction
        ).values("candidate_id"))
    if query.tag:
        through = Candidate.tags.through
        qs = qs.filter(id__in=through.objects.filter(
            tag__in=Tag.objects.filter(organization_id=org_id, name__iexact=query.tag)
        ).values("candidate_id"))
    place = query.place
    if query.near:
        country = _country_of(user)
        if place is None or query.country != country:
            # A query read without the organization's country (or another's): a bare name
            # is the largest of that name in this organization's country.
            match = geo.find_place(query.near, country)
            if match is None:
                return qs.none()
            place = match.place
    if place is not None:
        qs = _distance_filter(qs, place, query.within_km)
    return qs.order_by(*_ordering(query, terms, place is not None, _vendor(qs)))


def _country_of(user) -> str:
    organization = getattr(user, "organization", None)
    return (getattr(organization, "country", "") or "").upper()


def _ordering(query: CandidateQuery, terms: list[str], has_distance: bool, vendor: str) -> list:
    by_name = ["last_name", "first_name", "id"]
    sort = query.sort
    if sort == "relevance" and not terms:
        sort = "name"
    if sort == "distance" and not has_distance:
        sort = "name"
    if sort == "relevance":
        return [_relevance(terms), *by_name]
    if sort == "-name":
        return ["-last_name", "-first_name", "-id"]
    if sort == "recent":
        return ["-created_at", "-id"]
    if sort == "activity":
        if vendor == "sqlite":  # NULLs already sort last descending; this form uses the index
            return [F("last_activity_at").desc(), "-id"]
        return [F("last_activity_at").desc(nulls_last=True), "-id"]
    if sort == "distance":
        return [F("distance_km").asc(nulls_last=True), *by_name]
    return by_name


def page_prefetches() -> list[Prefetch]:
    """What the result rows show: tags, specialties (primary first), licences."""
    return [
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        Prefetch("specialties", queryset=Specialty.objects.order_by("-is_primary", "name")),
        Prefetch("licences", queryset=Licence.objects.order_by("jurisdiction")),
    ]


def search_candidates(user, query: CandidateQuery, *, limit: int | None = None,
                      offset: int | None = None) -> SearchPage:
    """One page of `search_queryset`, with the total count and the related rows prefetched.

    The list page pages by `query.page`/`per_page`; the API passes `limit` and `offset`."""
    qs = search_queryset(user, query)
    total = qs.count()
    warnings = []
    if offset is not None:
        per_page = limit or DEFAULT_PER_PAGE
        page = offset // per_page + 1
    else:
        per_page = max(1, min(query.per_page or DEFAULT_PER_PAGE, MAX_PER_PAGE))
        pages = max(1, math.ceil(total / per_page))
        page = max(1, query.page)
        if page > pages:
            warnings.append(f"There is no page {page}; showing page {pages}.")
            page = pages
        offset = (page - 1) * per_page
    if not total or offset >= total:
        items = []
    elif offset < DEFERRED_OFFSET:
        items = list(qs.prefetch_related(*page_prefetches())[offset:offset + per_page])
    else:
        # Deep page: skip the offset over ids alone (read from the sort index), then load
        # only the rows shown, instead of reading and discarding thousands of full rows.
        ids = list(qs.values_list("id", flat=True)[offset:offset + per_page])
        position = {pk: i for i, pk in enumerate(ids)}
        rows = qs.order_by().filter(pk__in=ids).prefetch_related(*page_prefetches())
        items = sorted(rows, key=lambda c: position[c.pk])
    if query.near and query.within_km is None and items:
        missing = sum(1 for c in items if getattr(c, "distance_km", None) is None)
        if missing:
            warnings.append("Candidates without a known location are listed last.")
    return SearchPage(items=items, total=total, page=page, per_page=per_page, warnings=warnings)


# --- the indexes -------------------------------------------------------------------------------

SQLITE_FTS = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        search_text, content='candidates_candidate', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON candidates_candidate BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON candidates_candidate BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF search_text
        ON candidates_candidate BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
]
SQLITE_TRIGGERS = [f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au"]
PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS cand_search_tsv ON candidates_candidate "
    f"USING gin ({PG_TSVECTOR.format(column='search_text')})"
)


def install_search_index(connection=None) -> bool:
    """Create the free-text index for this database if it is missing; True if anything was
    (re)built. Safe to run again: after a migration that rebuilds the candidates table on SQLite
    (which drops its triggers), running it restores the triggers and re-indexes."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'cand_search_tsv'")
            if cursor.fetchone():
                return False
            cursor.execute(PG_INDEX)
            return True
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND name IN (%s, %s, %s)",
                SQLITE_TRIGGERS,
            )
            if cursor.fetchone()[0] == len(SQLITE_TRIGGERS):
                return False
            for statement in SQLITE_FTS:
                cursor.execute(statement)
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
            return True
    return False


def remove_search_index(connection=None) -> None:
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS cand_search_tsv")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
