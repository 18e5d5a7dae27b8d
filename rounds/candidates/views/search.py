"""The candidate list: free-text search, filters, sorting, pages (live with htmx), and the CSV
export of the same query."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.lib import csvsafe, jurisdictions, units
from rounds.lib.http import client_ip
from rounds.lib.permissions import editor_required, member_required

from ..choices import CandidateStatus, LicenceStatus, Profession, Source
from ..models import Tag
from ..search import (
    SORTS,
    CandidateQuery,
    SearchPage,
    page_prefetches,
    search_candidates,
    search_queryset,
)

# Column headers that sort: (label, ascending sort, descending sort or None).
SORTABLE = {
    "name": ("name", "-name"),
    "recent": ("recent", None),
    "activity": ("activity", None),
    "distance": ("distance", None),
}


# A wrong place or distance stops the search: results without the filter would look like
# results with it.
PLACE_FIELDS = {"near", "within", "within_km", "unit"}


def _parse(params, *, unit: str, country: str) -> tuple[CandidateQuery, dict[str, list[str]]]:
    """The query, and the message for every filter that doesn't make sense. Other bad filters
    are left out (the rest still apply) so the page always answers; a bad place or distance is
    kept in the form to be fixed, and the caller doesn't search (see PLACE_FIELDS)."""
    try:
        return CandidateQuery.from_params(params, unit=unit, country=country), {}
    except ValidationError as exc:
        errors = exc.message_dict
    cleaned = {k: v for k, v in params.items() if k not in errors and k not in PLACE_FIELDS}
    if errors.keys() & PLACE_FIELDS and cleaned.get("sort") == "distance":
        cleaned.pop("sort")
    try:
        query = CandidateQuery.from_params(cleaned, unit=unit, country=country)
    except ValidationError:
        query = CandidateQuery(unit=unit, country=country)
    # The place and distance as typed, to be corrected in the form.
    query.near = " ".join(str(params.get("near") or "").split())[:120]
    return query, errors


def _url(query: CandidateQuery, **overrides) -> str:
    params = query.as_params(**overrides)
    return "?" + urlencode(params) if params else "?"


PROFESSION_LABELS = dict(Profession.choices)
STATUS_LABELS = dict(CandidateStatus.choices)
LICENCE_STATUS_LABELS = dict(LicenceStatus.choices)


def _label(items, unit: str) -> None:
    """Display names looked up once per page from plain dicts (get_FOO_display rebuilds the
    choices on every call, which adds up over 200 rows of licences); distances in `unit`."""
    for c in items:
        c.distance_label = units.distance_text(getattr(c, "distance_km", None), unit)
        c.profession_label = PROFESSION_LABELS.get(c.profession, c.profession)
        c.status_label = STATUS_LABELS.get(c.status, c.status)
        for lic in c.licences.all():
            lic.jurisdiction_name = jurisdictions.JURISDICTIONS.get(lic.jurisdiction,
                                                                    lic.jurisdiction)
            lic.status_label = LICENCE_STATUS_LABELS.get(lic.status, lic.status)


@member_required
def candidate_list(request):
    organization = request.user.organization
    unit = units.distance_unit(organization)
    query, errors = _parse(request.GET, unit=unit, country=organization.country)
    place_error = bool(errors.keys() & PLACE_FIELDS)
    if place_error:
        result = SearchPage(items=[], total=0, page=1, per_page=query.per_page)
    else:
        result = search_candidates(request.user, query)
    _label(result.items, unit)
    audit.record_list(request, "candidates", shown=len(result.items), filters=query.filters)
    page_numbers = sorted({1, result.pages, *range(max(1, result.page - 2),
                                                     min(result.pages, result.page + 2) + 1)})
    pages, last = [], 0
    for number in page_numbers:
        if number - last > 1:
            pages.append(None)  # an ellipsis
        pages.append((number, _url(query, page=number)))
        last = number
    sort_links = {}
    for column, (up, down) in SORTABLE.items():
        target = down if (query.sort == up and down) else up
        sort_links[column] = {
            "url": _url(query, sort=target, page=1),
            "active": query.sort in (up, down),
            "descending": query.sort == down or (query.sort == up and down is None
                                                 and up in ("recent", "activity")),
        }
    params = query.as_params(page=1)
    context = {
        "nav": "candidates",
        "query": query,
        "result": result,
        "errors": errors,
        "error_messages": [m for messages in errors.values() for m in messages],
        "place_error": place_error,
        "near_error": " ".join(errors.get("near", [])),
        "within_error": " ".join(errors.get("within", []) + errors.get("within_km", [])
                                 + errors.get("unit", [])),
        "unit": unit,
        "unit_words": units.UNITS[unit],
        "within_shown": (f"{units.from_km(query.within_km, unit):.6g}"
                         if query.within_km is not None else
                         " ".join(str(request.GET.get("within") or "").split())[:20]
                         if place_error else ""),
        "pages": pages,
        "previous_url": _url(query, page=result.page - 1) if result.has_previous else "",
        "next_url": _url(query, page=result.page + 1) if result.has_next else "",
        "sort_links": sort_links,
        "sorts": [(k, v) for k, v in SORTS.items()
                  if (k != "distance" or query.near) and (k != "relevance" or query.q)],
        "export_query": urlencode({k: v for k, v in params.items() if k != "per_page"}),
        "professions": Profession.choices,
        "statuses": CandidateStatus.choices,
        "sources": Source.choices,
        "jurisdictions": jurisdictions.grouped_choices(organization.country),
        "tags": Tag.objects.visible_to(request.user).order_by("name").values_list("name",
                                                                                  flat=True),
        "per_page_choices": (25, 50, 100, 200),
        "has_filters": bool(query.filters.keys() - {"sort"}),
    }
    template = "candidates/_results.html" if request.htmx else "candidates/list.html"
    return render(request, template, context)


EXPORT_COLUMNS = [
    # The import columns first, so an exported file can be imported again...
    "external_id", "first_name", "last_name", "email", "phone", "profession", "specialty",
    "licence_jurisdictions", "licence_number", "city", "region", "postal_code", "country",
    "headline", "years_experience", "source", "tags", "notes",
    # ...then what else the record holds.
    "uuid", "status", "preferred_name", "credentials", "specialties", "licences", "summary",
    "source_detail", "willing_to_relocate", "relocation_radius_km", "latitude", "longitude",
    "time_zone", "created_at", "last_activity_at",
]


def _export_row(c) -> list:
    specialties = list(c.specialties.all())
    licences = list(c.licences.all())
    primary = specialties[0].name if specialties else ""
    numbers = [lic.number for lic in licences if lic.number]
    return [
        c.external_id, c.first_name, c.last_name, c.email, c.phone, c.profession, primary,
        ";".join(lic.jurisdiction for lic in licences), numbers[0] if numbers else "",
        c.city, c.region, c.postal_code, c.country, c.headline,
        "" if c.years_experience is None else c.years_experience, c.source,
        ";".join(t.name for t in c.tags.all()),
        " | ".join(" ".join(n.body.split()) for n in c.export_notes if n.body),
        c.uuid, c.status, c.preferred_name, c.credentials,
        ";".join(s.name for s in specialties),
        ";".join(f"{lic.jurisdiction} {lic.number} ({lic.status})".replace("  ", " ")
                 for lic in licences),
        c.summary, c.source_detail, "yes" if c.willing_to_relocate else "no",
        "" if c.relocation_radius_km is None else c.relocation_radius_km,
        "" if c.latitude is None else f"{c.latitude:.5f}",
        "" if c.longitude is None else f"{c.longitude:.5f}",
        c.time_zone, c.created_at.isoformat(),
        c.last_activity_at.isoformat() if c.last_activity_at else "",
    ]


@editor_required
def candidate_export(request):
    """Every candidate matching the current search, as CSV, streamed; one audit event."""
    organization = request.user.organization
    try:
        query = CandidateQuery.from_params(request.GET, unit=units.distance_unit(organization),
                                           country=organization.country)
    except ValidationError as exc:
        lines = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
        return HttpResponseBadRequest("Nothing exported. " + " ".join(lines),
                                      content_type="text/plain; charset=utf-8")
    qs = search_queryset(request.user, query)
    total = qs.count()
    audit.record(
        actor=request.user, action=AuditAction.EXPORT, obj=organization,
        organization_id=organization.pk, ip_address=client_ip(request) or None,
        changes={"format": "csv", "filters": query.filters, "rows": total},
    )
    notes = Prefetch(
        "activities", to_attr="export_notes",
        queryset=Activity.objects.filter(kind=ActivityKind.NOTE).order_by("occurred_at", "id"),
    )
    rows = (_export_row(c) for c in
            qs.prefetch_related(*page_prefetches(), notes).iterator(chunk_size=1000))
    response = StreamingHttpResponse(csvsafe.stream_rows(EXPORT_COLUMNS, rows),
                                     content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="candidates-{stamp}.csv"'
    response["X-Row-Count"] = str(total)
    return response
