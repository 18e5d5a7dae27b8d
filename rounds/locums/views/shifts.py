"""Shift pages: the list (upcoming, by site, with status pills and each site's fill rate), a
month calendar per site, posting and editing a shift, and the shift page — details, the fit
report (who fits and why, who doesn't and why), the one-click broadcast, the offers, who is
booked, the figures — whose board polls while the shift is offered, so the clinic sees the
booking the moment a member takes it.

Shifts are fetched through `visible_to`/`access_object` (another organization's → 404); writes
need an editor (403). Hiring managers see shifts read-only, without the network's names
(offers and fit report), as they see only the candidates of their own jobs."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from rounds.accounts.models import Site
from rounds.lib.permissions import editor_required, member_required
from rounds.lib.tenancy import access_object

from .. import figures, shifts
from ..choices import OPEN_SHIFT_STATUSES, CancelledBy, ShiftStatus
from ..forms import ShiftForm, form_errors
from ..models import Booking, Shift, ShiftOffer

LIST_LIMIT = 300
FIT_SHOWN = 200
POLL_SECONDS = 3


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for errs in exc.error_dict.values() for e in errs for m in e.messages)
    return " ".join(exc.messages)


def _shift(request, uuid, queryset=None) -> Shift:
    queryset = queryset if queryset is not None else Shift.objects.select_related(
        "site__organization", "created_by")
    return access_object(queryset, request.user, uuid=uuid)


def _sees_network(user) -> bool:
    """Offers and the fit report name network members: not for hiring managers, who see only
    the candidates of their own jobs."""
    return not user.is_hiring_manager


def _active_bookings():
    return Prefetch("bookings", queryset=Booking.objects.active().select_related("candidate"),
                    to_attr="active_bookings")


# --- list and calendar -----------------------------------------------------------------------


@member_required
def shift_list(request):
    now = timezone.now()
    sites = list(Site.objects.visible_to(request.user).select_related("organization"))
    site_ids = {str(s.pk) for s in sites}
    shown = Shift.objects.visible_to(request.user).select_related("site__organization") \
        .prefetch_related(_active_bookings())
    past = request.GET.get("past") == "1"
    shown = shown.filter(ends_at__lt=now).order_by("-starts_at") if past else \
        shown.filter(ends_at__gte=now).order_by("starts_at", "id")
    status = request.GET.get("status", "")
    if status in ShiftStatus.values:
        shown = shown.filter(status=status)
    site = request.GET.get("site", "")
    if site in site_ids:
        shown = shown.filter(site_id=int(site))
    rows = list(shown[:LIST_LIMIT + 1])
    more = len(rows) > LIST_LIMIT
    by_site: dict[int, dict] = {}
    for shift in rows[:LIST_LIMIT]:
        zone = shifts.site_zone(shift.site)
        shift.local_start = shift.starts_at.astimezone(zone)
        shift.local_end = shift.ends_at.astimezone(zone)
        shift.booking = shift.active_bookings[0] if shift.active_bookings else None
        by_site.setdefault(shift.site_id, {"site": shift.site, "shifts": []})["shifts"].append(
            shift)
    groups = sorted(by_site.values(), key=lambda g: g["site"].name.lower())
    return render(request, "locums/shift_list.html", {
        "nav": "locums", "tab": "shifts", "groups": groups, "sites": sites, "more": more,
        "past": past, "status": status, "site": site, "statuses": ShiftStatus.choices,
        "fill_rates": figures.site_fill_rates(request.user.organization_id,
                                              since=now - timedelta(days=90), at=now),
    })


def _month(value: str, today: date) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except (ValueError, AttributeError):
        return today.replace(day=1)


@member_required
def shift_calendar(request):
    """A month per site: each shift on every local day it covers (the site's time zone)."""
    sites = list(Site.objects.visible_to(request.user).select_related("organization"))
    chosen = next((s for s in sites if str(s.pk) == request.GET.get("site", "")), None)
    if chosen is None and request.GET.get("site"):
        raise Http404("No such site.")  # another organization's, or none
    if not sites:
        return render(request, "locums/calendar.html", {"nav": "locums", "tab": "calendar",
                                                        "sites": []})
    if chosen is None:
        chosen = next((s for s in sites if s.is_active), sites[0])
    zone = shifts.site_zone(chosen)
    today = timezone.now().astimezone(zone).date()
    first = _month(request.GET.get("month", ""), today)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    grid_start = datetime.combine(weeks[0][0], time.min, tzinfo=zone)
    grid_end = datetime.combine(weeks[-1][-1] + timedelta(days=1), time.min, tzinfo=zone)
    on_day: dict[date, list] = {}
    month_shifts = (Shift.objects.visible_to(request.user).filter(
        site=chosen, starts_at__lt=grid_end, ends_at__gt=grid_start)
        .prefetch_related(_active_bookings()).order_by("starts_at", "id"))
    for shift in month_shifts:
        shift.local_start = shift.starts_at.astimezone(zone)
        shift.local_end = shift.ends_at.astimezone(zone)
        shift.booking = shift.active_bookings[0] if shift.active_bookings else None
        days = shifts.local_days(shift.starts_at, shift.ends_at, zone)
        for i, day in enumerate(days):
            on_day.setdefault(day, []).append({
                "shift": shift, "first": i == 0, "last": i == len(days) - 1,
                "span": len(days),
            })
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    context = {
        "nav": "locums", "tab": "calendar", "sites": sites, "site": chosen, "zone": str(zone),
        "month": first, "today": today,
        "weeks": [[{"day": d, "in_month": d.month == first.month,
                    "entries": on_day.get(d, [])} for d in week] for week in weeks],
        "prev": prev_month, "next": next_month,
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "statuses": ShiftStatus.choices,
    }
    with timezone.override(zone):  # every time on the page in the site's zone
        return render(request, "locums/calendar.html", context)


# --- posting and editing ---------------------------------------------------------------------


@editor_required
def shift_new(request):
    org = request.user.organization
    initial = {}
    if site := request.GET.get("site"):
        initial["site"] = site
    form = ShiftForm(request.POST or None, organization=org, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                shift = shifts.do_create_shift(org, actor=request.user, **form.action_fields())
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Shift posted. Check who fits, then broadcast it.")
            return redirect("locums:shift", uuid=shift.uuid)
    return render(request, "locums/shift_form.html", {
        "nav": "locums", "tab": "shifts", "form": form, "shift": None,
        "has_sites": form.fields["site"].queryset.exists(),
    }, status=400 if form.errors else 200)


@editor_required
def shift_edit(request, uuid):
    shift = _shift(request, uuid)
    if shift.status not in OPEN_SHIFT_STATUSES:
        messages.error(request, f"This shift is {shift.get_status_display().lower()}: only "
                                "open or offered shifts can be changed.")
        return redirect("locums:shift", uuid=shift.uuid)
    form = ShiftForm(request.POST or None, organization=request.user.organization, shift=shift)
    if request.method == "POST" and form.is_valid():
        fields = form.action_fields()
        try:
            with transaction.atomic():
                shifts.do_update_shift(shift, actor=request.user, **fields)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, "Shift saved.")
            return redirect("locums:shift", uuid=shift.uuid)
    return render(request, "locums/shift_form.html", {
        "nav": "locums", "tab": "shifts", "form": form, "shift": shift, "has_sites": True,
    }, status=400 if form.errors else 200)


# --- the shift page --------------------------------------------------------------------------


def _board_context(request, shift: Shift) -> dict:
    zone = shifts.site_zone(shift.site)
    bookings = list(shift.bookings.select_related("candidate").order_by("-booked_at"))
    offers = []
    if _sees_network(request.user):
        offers = list(ShiftOffer.objects.filter(shift=shift)
                      .select_related("candidate", "message").order_by("tier", "rank", "id"))
    return {
        "shift": shift, "zone": zone,
        "booking": next((b for b in bookings if b.status == "active"), None),
        "past_bookings": [b for b in bookings if b.status != "active"],
        "offers": offers, "figures": figures.shift_figures(shift),
        "polling": shift.status == ShiftStatus.OFFERED, "poll_seconds": POLL_SECONDS,
        "sees_network": _sees_network(request.user), "now": timezone.now(),
    }


@member_required
def shift_detail(request, uuid):
    shift = _shift(request, uuid)
    zone = shifts.site_zone(shift.site)
    fit = None
    if _sees_network(request.user) and shift.status in OPEN_SHIFT_STATUSES:
        from ..fit import fit_members

        report = fit_members(shift)
        offered = set(ShiftOffer.objects.filter(shift=shift).values_list("member_id", flat=True))
        fit = {"fits": report.fits[:FIT_SHOWN], "unfit": report.unfit[:FIT_SHOWN],
               "fit_count": len(report.fits), "unfit_count": len(report.unfit),
               "new_count": sum(1 for m, _s, _r in report.fits if m.pk not in offered),
               "why_not": report.why_not[:8]}
    context = {
        "nav": "locums", "tab": "shifts", "fit": fit,
        "local_start": shift.starts_at.astimezone(zone),
        "local_end": shift.ends_at.astimezone(zone),
        "days": shifts.local_days(shift.starts_at, shift.ends_at, zone),
        "lists": list(shift.lists.all()),
        **_board_context(request, shift),
    }
    with timezone.override(zone):  # every time on the page in the site's zone
        return render(request, "locums/shift_detail.html", context)


@member_required
def shift_board(request, uuid):
    """The part of the shift page that changes as members answer (htmx polls it)."""
    shift = _shift(request, uuid)
    context = _board_context(request, shift)
    with timezone.override(context["zone"]):
        return render(request, "locums/_board.html", context)


@require_POST
@editor_required
def shift_broadcast(request, uuid):
    shift = _shift(request, uuid)
    from ..broadcast import do_broadcast

    try:
        with transaction.atomic():
            result = do_broadcast(shift, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _broadcast_summary(result))
    return redirect("locums:shift", uuid=shift.uuid)


def _broadcast_summary(result) -> str:
    """"Offered to 12 members: 9 by sms, 3 by email (2 held until their hours); 1 can't be
    reached." from a rounds.locums.broadcast.BroadcastResult."""
    if not result.offered:
        if result.already_offered:
            return "Everyone who fits has already been offered this shift."
        return "Nobody was offered the shift: nobody in the network fits it (see why below)."
    parts = [f"Offered to {result.offered} member{'s' if result.offered != 1 else ''}"]
    channels = ", ".join(f"{n} by {ch}" for ch, n in sorted(result.by_channel.items()) if n)
    if channels:
        parts.append(f": {channels}")
    if result.held:
        parts.append(f" ({result.held} held until their hours)")
    if result.later_tier:
        when = ""
        if result.second_tier_at:
            when = " at " + timezone.localtime(
                result.second_tier_at, shifts.site_zone(result.report.shift.site)
                if result.report else None).strftime("%H:%M")
        parts.append(f"; {result.later_tier} more in the second tier{when} if still open")
    text = "".join(parts) + "."
    if result.unreachable:
        text += f" {len(result.unreachable)} can't be reached on any channel they allow."
    return text


@require_POST
@editor_required
def shift_cancel(request, uuid):
    shift = _shift(request, uuid)
    reason = " ".join(request.POST.get("reason", "").split())[:300]
    if not reason:
        messages.error(request, "Say why the shift is cancelled: the booked member is told.")
        return redirect("locums:shift", uuid=shift.uuid)
    from ..actions import do_cancel_shift

    do_cancel_shift(shift, actor=request.user, reason=reason)
    messages.success(request, "Shift cancelled; everyone offered it is told.")
    return redirect("locums:shift", uuid=shift.uuid)


@require_POST
@editor_required
def shift_complete(request, uuid):
    shift = _shift(request, uuid)
    from ..actions import do_complete_shift

    try:
        do_complete_shift(shift, actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Shift marked worked.")
    return redirect("locums:shift", uuid=shift.uuid)


@require_POST
@editor_required
def booking_cancel(request, uuid, pk: int):
    shift = _shift(request, uuid)
    booking = access_object(Booking.objects.filter(shift=shift), request.user, pk=pk)
    reason = " ".join(request.POST.get("reason", "").split())[:300]
    from ..actions import do_cancel_booking

    do_cancel_booking(booking, by=CancelledBy.CLINIC, actor=request.user, reason=reason)
    messages.success(request, f"Booking of {booking.candidate} cancelled; the shift goes to the "
                              "waitlist first.")
    return redirect("locums:shift", uuid=shift.uuid)


urlpatterns = [
    path("shifts/", shift_list, name="shifts"),
    path("shifts/calendar/", shift_calendar, name="calendar"),
    path("shifts/new/", shift_new, name="shift_new"),
    path("shifts/<uuid:uuid>/", shift_detail, name="shift"),
    path("shifts/<uuid:uuid>/board/", shift_board, name="shift_board"),
    path("shifts/<uuid:uuid>/edit/", shift_edit, name="shift_edit"),
    path("shifts/<uuid:uuid>/broadcast/", shift_broadcast, name="shift_broadcast"),
    path("shifts/<uuid:uuid>/cancel/", shift_cancel, name="shift_cancel"),
    path("shifts/<uuid:uuid>/complete/", shift_complete, name="shift_complete"),
    path("shifts/<uuid:uuid>/bookings/<int:pk>/cancel/", booking_cancel,
         name="booking_cancel"),
]
