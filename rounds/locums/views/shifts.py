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
from collections import Counter
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
from rounds.lib.tenancy import access_object, sees_everyone

from .. import figures, shifts
from ..choices import OPEN_SHIFT_STATUSES, CancelledBy, OfferStatus, ShiftStatus
from ..forms import ShiftForm, form_errors
from ..models import Booking, Shift, ShiftOffer

LIST_LIMIT = 300
FIT_SHOWN = 200
POLL_SECONDS = 3
FILL_DAYS = 90  # the fill rates shown: shifts posted in the last 90 days


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
    return sees_everyone(user)


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
                                              since=now - timedelta(days=FILL_DAYS), at=now),
    })


# Months a calendar may show: the previous and next month links and the grid's weeks stay
# inside what dates can hold (year 1 to 9999), with room to spare.
FIRST_YEAR, LAST_YEAR = 1900, 2200


def _month(value: str, today: date) -> date:
    """The first of the month asked for as "YYYY-MM", else of this month (unreadable, or
    outside FIRST_YEAR–LAST_YEAR)."""
    try:
        year, month = (int(part) for part in value.split("-"))
        if FIRST_YEAR <= year <= LAST_YEAR:
            return date(year, month, 1)
    except (ValueError, AttributeError, TypeError, OverflowError):
        pass
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
    if shift.status not in shifts.CHANGEABLE_STATUSES:
        messages.error(request, f"This shift is {shift.get_status_display().lower()}: it "
                                "can't be changed any more.")
        return redirect("locums:shift", uuid=shift.uuid)
    # The status the form was loaded with decides which fields it posts: one loaded while the
    # shift was open posts them all (and the action refuses what may no longer change).
    loaded_as = request.POST.get("loaded_as", shift.status) if request.method == "POST" \
        else shift.status
    form = ShiftForm(request.POST or None, organization=request.user.organization, shift=shift,
                     settled_locked=loaded_as != ShiftStatus.OPEN)
    if request.method == "POST" and form.is_valid():
        fields = form.action_fields()
        try:
            # The action re-reads the shift under a lock: an acceptance or a broadcast since
            # this page was loaded is seen, never overwritten.
            with transaction.atomic():
                shifts.do_update_shift(shift, actor=request.user, **fields)
        except ValidationError as exc:
            shift.refresh_from_db()
            if loaded_as == ShiftStatus.OPEN and shift.status != ShiftStatus.OPEN:
                # Broadcast since the form was loaded: show it as it now is, the fields that
                # can no longer change back at their stored values, with why.
                loaded_as = shift.status
                form = ShiftForm(request.POST, organization=request.user.organization,
                                 shift=shift, settled_locked=True)
                form.is_valid()
            form_errors(form, exc)
        else:
            messages.success(request, "Shift saved.")
            return redirect("locums:shift", uuid=shift.uuid)
    return render(request, "locums/shift_form.html", {
        "nav": "locums", "tab": "shifts", "form": form, "shift": shift, "has_sites": True,
        "loaded_as": loaded_as,
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
    now = timezone.now()
    site_fill = figures.site_fill_rates(shift.organization_id, site=shift.site_id,
                                        since=now - timedelta(days=FILL_DAYS), at=now)
    context = {
        "nav": "locums", "tab": "shifts", "fit": fit,
        "site_fill": site_fill[0] if site_fill else None, "fill_days": FILL_DAYS,
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

    with transaction.atomic():
        if shift.status in (ShiftStatus.CANCELLED, ShiftStatus.COMPLETED):
            messages.info(request, f"This shift is already "
                                   f"{shift.get_status_display().lower()}.")
            return redirect("locums:shift", uuid=shift.uuid)
        booked = Booking.objects.active().filter(shift=shift).select_related("candidate").first()
        answers = Counter(ShiftOffer.objects.filter(shift=shift).values_list("status", flat=True))
        do_cancel_shift(shift, actor=request.user, reason=reason)
    messages.success(request, _cancel_summary(booked, answers))
    return redirect("locums:shift", uuid=shift.uuid)


def _cancel_summary(booked, answers: Counter) -> str:
    """What cancelling did, as it is: the booked member gets the calendar cancellation, the
    waitlist is told, offers still unanswered are withdrawn (their messages cancelled if not
    sent yet; those already sent are not followed by another)."""
    parts = ["Shift cancelled."]
    if booked is not None:
        parts.append(f"{booked.candidate} gets the calendar cancellation.")
    waiting = answers[OfferStatus.WAITLISTED]
    if waiting:
        parts.append(f"{waiting} member{'s' if waiting != 1 else ''} on the waitlist "
                     f"{'are' if waiting != 1 else 'is'} told.")
    pending = sum(answers[s] for s in (OfferStatus.QUEUED, OfferStatus.SENT,
                                       OfferStatus.LATER_TIER))
    if pending:
        parts.append(f"{pending} unanswered offer{'s' if pending != 1 else ''} withdrawn; "
                     "messages not sent yet are cancelled.")
    return " ".join(parts)


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

    try:
        do_cancel_booking(booking, by=CancelledBy.CLINIC, actor=request.user, reason=reason)
    except ValueError as exc:  # a shift already worked or under way
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Booking of {booking.candidate} cancelled; the shift goes to "
                                  "the waitlist first.")
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
