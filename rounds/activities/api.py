"""JSON API for activities across the talent pool, mounted at /api/activities.

GET /api/activities          the newest activities you can see (filters: candidate, kind, since)
GET /api/activities/{id}     one activity

Adding notes, calls and meetings goes through the candidate:
POST /api/candidates/{uuid}/activities (see the Candidates section).
Errors: 401 without a session or token; 404 for what you cannot see; 400/422 naming the field.
"""

import math
from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema

from rounds.lib.api import ErrorOut as Error
from rounds.lib.tenancy import access_object

from .api_timeline import ActivityOut, activity_out
from .choices import ActivityKind
from .models import Activity

router = Router(tags=["Activities"])


class ActivityFeedItem(ActivityOut):
    candidate_uuid: UUID
    candidate_name: str


class ActivityFeed(Schema):
    items: list[ActivityFeedItem]
    total: int
    page: int
    pages: int


class FeedParams(Schema):
    candidate: UUID | None = None
    kind: str = ""
    since: datetime | None = None
    page: int = 1
    per_page: int = 50


def _item(a: Activity) -> dict:
    return {**activity_out(a), "candidate_uuid": a.candidate.uuid,
            "candidate_name": a.candidate.full_name}


@router.get("", response={200: ActivityFeed, 400: Error, 401: Error, 422: Error},
            url_name="activity_feed")
def activity_feed(request, params: Query[FeedParams]):
    """The newest activities on candidates you can see, newest first."""
    errors = {}
    if params.kind and params.kind not in ActivityKind.values:
        errors["kind"] = f"Choose one of {', '.join(ActivityKind.values)}."
    if params.page < 1:
        errors["page"] = "Must be 1 or more."
    if not 1 <= params.per_page <= 200:
        errors["per_page"] = "Must be between 1 and 200."
    if errors:
        raise ValidationError(errors)
    qs = (Activity.objects.visible_to(request.user)
          .select_related("actor", "application__job", "candidate")
          .order_by("-occurred_at", "-id"))
    if params.candidate:
        qs = qs.filter(candidate__uuid=params.candidate)
    if params.kind:
        qs = qs.filter(kind=params.kind)
    if params.since:
        qs = qs.filter(occurred_at__gte=params.since)
    total = qs.count()
    start = (params.page - 1) * params.per_page
    items = [_item(a) for a in qs[start:start + params.per_page]]
    return {"items": items, "total": total, "page": params.page,
            "pages": max(1, math.ceil(total / params.per_page))}


@router.get("/{activity_id}", response={200: ActivityFeedItem, 401: Error, 404: Error},
            url_name="activity_detail")
def activity_detail(request, activity_id: int):
    """One activity you can see."""
    activity = access_object(
        Activity.objects.select_related("actor", "application__job", "candidate"),
        request.user, pk=activity_id,
    )
    return _item(activity)
