"""JSON API of the locum network, mounted at /api/locums: shifts (list, post, one with its
figures, broadcast), the fill rate per site, and the network's members (list, add a
candidate).

Errors: 400 {"detail", "errors": {field: [..]}} when input is refused — the field is named
(`ends_at: A shift must end after it starts.`); 422 when the body doesn't match the schema;
403 when the role doesn't allow it (only recruiters and admins write; hiring managers see
shifts but not the network); 404 for anything outside your organization."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from ninja import Router, Schema, Status

from rounds.audit import actions as audit
from rounds.candidates.models import Candidate
from rounds.lib.api import ERRORS, PAGING, limit_param, offset_param, page_of, paginate
from rounds.lib.permissions import can_edit
from rounds.lib.tenancy import access_object, sees_everyone

from . import figures, network, shifts
from .choices import RateUnit, ShiftStatus
from .models import Booking, NetworkMember, Shift

router = Router(tags=["Locums"])
FILL_DAYS = 90
FILL_DAYS_MAX = 3650


class ShiftIn(Schema):
    site_id: int
    starts_at: datetime
    ends_at: datetime
    profession: str
    specialty: str = ""
    licence_jurisdiction: str = ""
    required_credentials: list[str] = []
    rate: Decimal | None = None
    rate_unit: RateUnit = RateUnit.DAY
    currency: str = "CAD"
    terms: str = ""
    notes: str = ""
    list_ids: list[int] = []
    tiered: bool = False
    tier_delay_minutes: int = 30


class BookedOut(Schema):
    candidate_uuid: UUID
    name: str
    booked_at: datetime
    via: str


class ShiftOut(Schema):
    uuid: UUID
    site_id: int
    site: str
    starts_at: datetime
    ends_at: datetime
    profession: str
    specialty: str
    specialty_code: str
    licence_jurisdiction: str
    required_credentials: list[str]
    rate: Decimal | None
    rate_unit: str
    currency: str
    terms: str
    notes: str
    list_ids: list[int]
    tiered: bool
    tier_delay_minutes: int
    status: ShiftStatus
    created_at: datetime
    broadcast_at: datetime | None
    booked_at: datetime | None
    booked: BookedOut | None = None


class FiguresOut(Schema):
    status: str
    posted_at: datetime
    broadcast_at: datetime | None
    booked_at: datetime | None
    time_to_book_minutes: float | None
    broadcast_to_book_minutes: float | None
    offers: int
    reached: int
    reached_by_channel: dict[str, int]
    on_the_way: int
    held: int
    unreachable: int
    not_sent: int
    waiting_tier: int
    acceptances: int
    declined: int
    refused: int
    withdrawn: int
    acceptance_rate: float | None


class ShiftDetailOut(ShiftOut):
    figures: FiguresOut


class SiteFillOut(Schema):
    site_id: int
    site: str
    posted: int
    booked: int
    cancelled: int
    open: int
    unfilled: int
    fill_rate: float | None
    median_minutes_to_book: float | None
    median_minutes_broadcast_to_book: float | None


class BroadcastOut(Schema):
    offered: int
    by_channel: dict[str, int]
    held: int
    unreachable: int
    unfit: int
    later_tier: int
    already_offered: int
    second_tier_at: datetime | None


class MemberIn(Schema):
    candidate_uuid: UUID
    list_ids: list[int] = []
    vouch_note: str = ""
    favourite: bool = False


class MemberOut(Schema):
    id: int
    candidate_uuid: UUID
    name: str
    joined_on: date
    left_on: date | None
    vouched_by: str | None
    vouch_note: str
    is_favourite: bool
    list_ids: list[int]
    muted_list_ids: list[int]
    weekly_offer_cap: int | None


def _require_editor(request) -> None:
    if not can_edit(request.user):
        raise PermissionDenied("Only recruiters and admins can change the locum network.")


def _require_network_reader(request) -> None:
    if not sees_everyone(request.user):
        raise PermissionDenied("Hiring managers see shifts, not the whole network.")


def _booked(booking: Booking | None) -> dict | None:
    if booking is None:
        return None
    return {"candidate_uuid": booking.candidate.uuid, "name": str(booking.candidate),
            "booked_at": booking.booked_at, "via": booking.via}


def _shift_out(shift: Shift, booking: Booking | None = None) -> dict:
    return {
        **{name: getattr(shift, name) for name in (
            "uuid", "site_id", "starts_at", "ends_at", "profession", "specialty",
            "specialty_code", "licence_jurisdiction", "required_credentials", "rate",
            "rate_unit", "currency", "terms", "notes", "tiered", "tier_delay_minutes",
            "status", "created_at", "broadcast_at", "booked_at")},
        "site": shift.site.name,
        "list_ids": [lst.pk for lst in shift.lists.all()],
        "booked": _booked(booking),
    }


def _active_booking(shift: Shift) -> Booking | None:
    return Booking.objects.active().filter(shift=shift).select_related("candidate").first()


def _member_out(member: NetworkMember) -> dict:
    return {
        "id": member.pk, "candidate_uuid": member.candidate.uuid, "name": str(member.candidate),
        "joined_on": member.joined_on, "left_on": member.left_on,
        "vouched_by": str(member.vouched_by) if member.vouched_by else None,
        "vouch_note": member.vouch_note, "is_favourite": member.is_favourite,
        "list_ids": [lst.pk for lst in member.lists.all()],
        "muted_list_ids": [lst.pk for lst in member.muted_lists.all()],
        "weekly_offer_cap": member.weekly_offer_cap,
    }


@router.get("/shifts", response={200: page_of(ShiftOut), **ERRORS},
            summary="Shifts, soonest first; filter by site id and status", description=PAGING)
def list_shifts(request, site: int | None = None, status: ShiftStatus | None = None,
                limit: int = limit_param(), offset: int = offset_param()):
    from django.db.models import Prefetch

    rows = Shift.objects.visible_to(request.user).select_related("site").prefetch_related(
        "lists", Prefetch("bookings", queryset=Booking.objects.active()
                          .select_related("candidate"), to_attr="active"))
    if site is not None:
        rows = rows.filter(site_id=site)
    if status is not None:
        rows = rows.filter(status=status)
    return paginate(rows.order_by("starts_at", "id"), limit, offset, request,
                    lambda s: _shift_out(s, s.active[0] if s.active else None))


@router.post("/shifts", response={201: ShiftDetailOut, **ERRORS},
             summary="Post a shift (recruiters and admins); 400 names the field refused: "
                     "site_id, starts_at, ends_at (after the start), profession, "
                     "licence_jurisdiction, required_credentials, rate, currency, list_ids, …")
def create_shift(request, payload: ShiftIn):
    _require_editor(request)
    data = payload.dict()
    try:
        with transaction.atomic():
            shift = shifts.do_create_shift(
                request.user.organization, actor=request.user, via="api",
                site=data.pop("site_id"), lists=data.pop("list_ids"), **data)
    except ValidationError as exc:
        raise _renamed(exc) from None
    return Status(201, {**_shift_out(shift), "figures": figures.shift_figures(shift)})


def _renamed(exc: ValidationError) -> ValidationError:
    """The action's field names, as the API calls them (site → site_id, lists → list_ids)."""
    if not hasattr(exc, "error_dict"):
        return exc
    names = {"site": "site_id", "lists": "list_ids"}
    return ValidationError({names.get(field, field): errors
                            for field, errors in exc.error_dict.items()})


@router.get("/shifts/{uuid}", response={200: ShiftDetailOut, **ERRORS},
            summary="One shift, who is booked, and its figures: time from posting and from "
                    "broadcast to booking, members reached (sent or answered) per channel, "
                    "offers on the way (queued or held), unreachable, acceptances")
def get_shift(request, uuid: UUID):
    shift = access_object(Shift.objects.select_related("site"), request.user, uuid=uuid)
    return {**_shift_out(shift, _active_booking(shift)), "figures": figures.shift_figures(shift)}


@router.get("/figures/sites", response={200: page_of(SiteFillOut), **ERRORS},
            description=PAGING,
            summary="Fill rate per site over the shifts posted in the last `days` days (90 by "
                    "default, at most 3650): posted, booked, cancelled, still open, unfilled, "
                    "the fill rate (booked over shifts whose outcome is known) and the median "
                    "minutes from posting, and from broadcast, to booking")
def fill_rates_by_site(request, days: int = FILL_DAYS, limit: int = limit_param(),
                       offset: int = offset_param()):
    from django.utils import timezone

    if not 1 <= days <= FILL_DAYS_MAX:
        raise ValidationError({"days": f"Between 1 and {FILL_DAYS_MAX} days."})
    now = timezone.now()
    return paginate(figures.site_fill_rates(request.user.organization_id,
                                            since=now - timedelta(days=days), at=now),
                    limit, offset, request)


@router.post("/shifts/{uuid}/broadcast", response={200: BroadcastOut, **ERRORS},
             summary="Offer the shift to every fitting member not offered it yet, each on "
                     "their own channel (recruiters and admins); 400 when it is no longer open")
def broadcast_shift(request, uuid: UUID):
    _require_editor(request)
    shift = access_object(Shift.objects.select_related("site"), request.user, uuid=uuid)
    from .broadcast import do_broadcast

    with transaction.atomic():
        result = do_broadcast(shift, actor=request.user)
    return {"offered": result.offered, "by_channel": result.by_channel, "held": result.held,
            "unreachable": len(result.unreachable), "unfit": len(result.unfit),
            "later_tier": result.later_tier, "already_offered": result.already_offered,
            "second_tier_at": result.second_tier_at}


@router.get("/network", response={200: page_of(MemberOut), **ERRORS},
            summary="The network's members (current by default; left=true for those who "
                    "left); filter by list id", description=PAGING)
def list_members(request, list_id: int | None = None, left: bool = False,
                 limit: int = limit_param(), offset: int = offset_param()):
    _require_network_reader(request)
    rows = (NetworkMember.objects.visible_to(request.user).filter(left_on__isnull=not left)
            .select_related("candidate", "vouched_by").prefetch_related("lists", "muted_lists"))
    if list_id is not None:
        rows = rows.filter(lists__id=list_id)
    page = paginate(rows.order_by("id"), limit, offset, request, _member_out)
    audit.record_list(request, "locum network", shown=len(page["items"]),
                      filters={"list_id": list_id, "left": left})
    return page


@router.post("/network", response={200: MemberOut, 201: MemberOut, **ERRORS},
             summary="Add a candidate to the network, vouched for by you (recruiters and "
                     "admins); 200 with the membership when they are already in it, 201 when "
                     "they joined (or rejoined)")
def add_member(request, payload: MemberIn):
    _require_editor(request)
    candidate = access_object(Candidate.objects.current(), request.user,
                              uuid=payload.candidate_uuid)
    before = NetworkMember.objects.filter(candidate=candidate, left_on__isnull=True).exists()
    try:
        with transaction.atomic():
            member = network.do_add_member(
                candidate, actor=request.user, lists=payload.list_ids,
                vouch_note=payload.vouch_note, favourite=payload.favourite, via="api")
    except ValidationError as exc:
        raise _renamed(exc) from None
    member = NetworkMember.objects.select_related("candidate", "vouched_by").get(pk=member.pk)
    return Status(200 if before else 201, _member_out(member))
