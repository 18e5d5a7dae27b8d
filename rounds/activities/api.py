"""JSON API for activities across the talent pool, mounted at /api/activities.

GET /api/activities          the newest activities you can see (filters: candidate, kind, since)
GET /api/activities/{id}     one activity

Adding notes, calls and meetings goes through the candidate:
POST /api/candidates/{uuid}/activities (see the Candidates section).
Errors: 401 without a session or token; 404 for what you cannot see; 400/422 naming the field.
"""

from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema
from pydantic import Field

from rounds.lib.api import INT_MAX, LIMIT_DEFAULT, LIMIT_MAX, page_of, paginate
from rounds.lib.api import ErrorOut as Error
from rounds.lib.tenancy import access_object

from .api_timeline import ActivityOut, activity_out
from .choices import ActivityKind
from .models import Activity

router = Router(tags=["Activities"])


class ActivityFeedItem(ActivityOut):
    candidate_uuid: UUID
    candidate_name: str


ActivityFeed = page_of(ActivityFeedItem, "ActivityFeed")


class FeedParams(Schema):
    candidate: UUID | None = None
    kind: str = ""
    since: datetime | None = None
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX)
    offset: int = Field(0, ge=0, le=INT_MAX)


def _item(a: Activity) -> dict:
    return {**activity_out(a), "candidate_uuid": a.candidate.uuid,
            "candidate_name": a.candidate.full_name}


@router.get("", response={200: ActivityFeed, 400: Error, 401: Error, 422: Error},
            url_name="activity_feed")
def activity_feed(request, params: Query[FeedParams]):
    """The newest activities on candidates you can see, newest first. Paged: `limit` (1–200,
    default 50) and `offset`; follow `next` until it is null."""
    errors = {}
    if params.kind and params.kind not in ActivityKind.values:
        errors["kind"] = f"Choose one of {', '.join(ActivityKind.values)}."
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
    return paginate(qs, params.limit, params.offset, request, _item)


@router.get("/{activity_id}", response={200: ActivityFeedItem, 401: Error, 404: Error},
            url_name="activity_detail")
def activity_detail(request, activity_id: int):
    """One activity you can see."""
    activity = access_object(
        Activity.objects.select_related("actor", "application__job", "candidate"),
        request.user, pk=activity_id,
    )
    return _item(activity)
