"""JSON API for likely duplicates and merging, mounted at /api/duplicates.

GET  /api/duplicates/           likely duplicate pairs, newest first, paged (`limit`, `offset`)
                                → {count, next, items: [{first, second, reasons}]}
POST /api/duplicates/merge      {"survivor": uuid, "other": uuid, "field_choices": {field:
                                "survivor" | "other"}} → the merged survivor and what moved
POST /api/duplicates/dismiss    {"first": uuid, "second": uuid} → the pair is not suggested again

Errors: 401 without a session or token; 403 for roles that do not edit candidates (hiring
manager, read-only); 404 for a record you cannot see (another organization's is always 404);
400 {"detail", "errors": {field: [...]}} when a merge is impossible (the same record, an
already-merged record, an unknown field choice); 422 for a malformed body.
"""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from ninja import Query, Router, Schema
from pydantic import Field

from rounds.audit import actions as audit
from rounds.lib.api import INT_MAX, LIMIT_DEFAULT, LIMIT_MAX, page_of, paginate
from rounds.lib.permissions import can_edit
from rounds.lib.tenancy import access_object

from .duplicates import annotate_for_comparison, do_dismiss_duplicate, find_duplicate_pair_keys
from .merge import MERGE_FIELDS, do_merge_candidates
from .models import Candidate

router = Router(tags=["Duplicates"])


class LicenceOut(Schema):
    jurisdiction: str
    number: str


class RecordOut(Schema):
    uuid: UUID
    name: str
    email: str
    phone: str
    profession: str
    location: str
    licences: list[LicenceOut]
    created_at: str
    application_count: int | None = None
    activity_count: int | None = None


class PairOut(Schema):
    first: RecordOut
    second: RecordOut
    reasons: list[str]


PairListOut = page_of(PairOut, "PairListOut")
# The most pairs one listing looks for: `count` is the pairs found, at most this many.
PAIRS_SCANNED = 1000


class MergeIn(Schema):
    survivor: UUID
    other: UUID
    field_choices: dict[str, str] | None = Field(
        default=None,
        description="Which record's value the survivor keeps, per field: 'survivor' or "
        "'other'. Fields: " + ", ".join(f.name for f in MERGE_FIELDS) + ". Unnamed fields "
        "keep the survivor's value, or the other's where the survivor's is empty.",
    )


class MergeOut(Schema):
    survivor: RecordOut
    merged: UUID
    moved: dict[str, int]
    left_on_merged_record: dict[str, int]
    combined_applications: list[str]
    changes: dict


class DismissIn(Schema):
    first: UUID
    second: UUID


class DismissOut(Schema):
    dismissed: bool
    first: UUID
    second: UUID


class ListQuery(Schema):
    limit: int = Field(default=LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    offset: int = Field(default=0, ge=0, le=INT_MAX)


def _require_editor(request) -> None:
    if not can_edit(request.user):
        raise PermissionDenied("Your role does not allow merging or dismissing duplicates.")


def _record(c: Candidate) -> dict:
    return {
        "uuid": c.uuid,
        "name": c.full_name,
        "email": c.email,
        "phone": c.phone,
        "profession": c.profession,
        "location": c.location_display,
        "licences": [
            {"jurisdiction": lic.jurisdiction, "number": lic.number} for lic in c.licences.all()
        ],
        "created_at": c.created_at.isoformat(),
        "application_count": getattr(c, "application_count", None),
        "activity_count": getattr(c, "activity_count", None),
    }


@router.get("/", response=PairListOut, summary="List likely duplicate pairs",
            description="Newest first. Paged with `limit` (1–200, default 50) and `offset`; "
            f"follow `next` until it is null. `count` is the pairs found, at most "
            f"{PAIRS_SCANNED}.")
def list_duplicates(request, filters: Query[ListQuery]):
    _require_editor(request)
    org_id = request.user.organization_id
    keys = list(find_duplicate_pair_keys(org_id, limit=PAIRS_SCANNED).items())

    def pairs(window: list) -> list[dict]:
        ids = {i for (a, b), _ in window for i in (a, b)}
        by_id = {c.pk: c for c in annotate_for_comparison(
            Candidate.objects.filter(organization_id=org_id, pk__in=ids))}
        return [{"first": _record(by_id[a]), "second": _record(by_id[b]), "reasons": reasons}
                for (a, b), reasons in window if a in by_id and b in by_id]

    page = paginate(keys, filters.limit, filters.offset, request)
    page["items"] = pairs(page["items"])
    audit.record_list(request, "duplicates", shown=2 * len(page["items"]), contact_details=True)
    return page


@router.post(
    "/merge", response={200: MergeOut}, summary="Merge one record into another",
)
def merge_duplicates(request, payload: MergeIn):
    _require_editor(request)
    visible = Candidate.objects.visible_to(request.user)
    survivor = access_object(visible, request.user, uuid=payload.survivor)
    other = access_object(visible, request.user, uuid=payload.other)
    if survivor.pk == other.pk:
        raise ValidationError({"other": "A record cannot be merged with itself."})
    with transaction.atomic():
        result = do_merge_candidates(
            survivor, other, actor=request.user, field_choices=payload.field_choices or {},
            via="api",
        )
    survivor = Candidate.objects.prefetch_related("licences").get(pk=survivor.pk)
    return {
        "survivor": _record(survivor),
        "merged": other.uuid,
        "moved": dict(result.moved),
        "left_on_merged_record": dict(result.kept_on_merged),
        "combined_applications": result.combined_applications,
        "changes": result.changes,
    }


@router.post("/dismiss", response=DismissOut, summary="Mark two records as different people")
def dismiss_duplicate(request, payload: DismissIn):
    _require_editor(request)
    visible = Candidate.objects.visible_to(request.user)
    first = access_object(visible, request.user, uuid=payload.first)
    second = access_object(visible, request.user, uuid=payload.second)
    try:
        with transaction.atomic():
            do_dismiss_duplicate(first, second, actor=request.user, via="api")
    except ValueError as exc:
        raise ValidationError({"second": str(exc)}) from None
    return {"dismissed": True, "first": first.uuid, "second": second.uuid}
