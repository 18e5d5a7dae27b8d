"""Figures of the locum network, for the shift page and the API: how fast a shift was booked,
whom the broadcast reached on which channel, how many said yes; and per site, how many shifts
were filled and how fast."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from rounds.outreach.choices import MessageStatus

from .choices import OfferStatus, ShiftStatus
from .models import Shift, ShiftOffer

# A message on its way or gone: the member was (or is being) reached.
REACHING = {MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT,
            MessageStatus.DELIVERED, MessageStatus.UNKNOWN}
YES = {OfferStatus.ACCEPTED, OfferStatus.WAITLISTED}
# An answer (by link or reply) means the offer reached them, whatever became of the message.
ANSWERED = {*YES, OfferStatus.DECLINED, OfferStatus.REFUSED}
FILLED = {ShiftStatus.BOOKED, ShiftStatus.COMPLETED}


def _minutes(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 60, 1)


def shift_figures(shift: Shift) -> dict:
    """One query over the shift's offers and their messages.

    reached: members who answered (by link or reply, so the offer reached them) or whose
    message is queued or sent, per channel too; held: messages held until the member's hours
    allow; unreachable: no channel allowed, or the message was refused by the policy or
    failed; not_sent: messages cancelled before they went (the shift filled or was cancelled
    first); waiting_tier: favourites-first broadcasts not yet sent to the rest; acceptances:
    booked plus waitlisted; acceptance_rate: acceptances / reached."""
    rows = (ShiftOffer.objects.filter(shift_id=shift.pk)
            .values_list("channel", "status", "message__status")
            .annotate(n=Count("id")).order_by())
    reached_by_channel: Counter = Counter()
    held = unreachable = not_sent = waiting = offers = 0
    answers: Counter = Counter()
    for channel, status, message_status, n in rows:
        offers += n
        answers[status] += n
        if status in ANSWERED or message_status in REACHING:
            reached_by_channel[channel or "other"] += n
        elif message_status == MessageStatus.HELD:
            held += n
        elif status == OfferStatus.LATER_TIER and message_status is None:
            waiting += n
        elif message_status == MessageStatus.CANCELLED:
            not_sent += n
        else:  # no channel allowed, refused by the policy, or failed
            unreachable += n
    acceptances = sum(answers[s] for s in YES)
    reached = sum(reached_by_channel.values())
    started = shift.broadcast_at or shift.created_at
    to_book = shift.booked_at - started if shift.booked_at and started else None
    return {
        "status": shift.status,
        "status_label": shift.get_status_display(),
        "posted_at": shift.created_at,
        "broadcast_at": shift.broadcast_at,
        "booked_at": shift.booked_at,
        "time_to_book_minutes": _minutes(to_book),
        "offers": offers,
        "reached": reached,
        "reached_by_channel": dict(sorted(reached_by_channel.items())),
        "held": held,
        "unreachable": unreachable,
        "not_sent": not_sent,
        "waiting_tier": waiting,
        "acceptances": acceptances,
        "declined": answers[OfferStatus.DECLINED],
        "refused": answers[OfferStatus.REFUSED],
        "withdrawn": answers[OfferStatus.WITHDRAWN],
        "acceptance_rate": round(acceptances / reached, 3) if reached else None,
    }


def site_fill_rates(organization, since: datetime | None = None,
                    *, at: datetime | None = None) -> list[dict]:
    """Per site with shifts posted since `since`: posted, booked (booked or completed),
    cancelled, still open (not yet started), unfilled (started without a booking), the fill
    rate — booked over the shifts whose outcome is known (still-open ones are left out) — and
    the median minutes from broadcast (or posting) to booking."""
    org_id = getattr(organization, "pk", organization)
    now = at or timezone.now()
    shifts = Shift.objects.filter(organization_id=org_id)
    if since is not None:
        shifts = shifts.filter(created_at__gte=since)
    per_site: dict[int, dict] = defaultdict(lambda: {
        "posted": 0, "booked": 0, "cancelled": 0, "open": 0, "unfilled": 0, "_waits": []})
    names: dict[int, str] = {}
    for site_id, site_name, status, starts_at, created_at, broadcast_at, booked_at in (
        shifts.values_list("site_id", "site__name", "status", "starts_at", "created_at",
                           "broadcast_at", "booked_at").order_by()
    ):
        names[site_id] = site_name
        row = per_site[site_id]
        row["posted"] += 1
        if status in FILLED:
            row["booked"] += 1
            if booked_at:
                row["_waits"].append(booked_at - (broadcast_at or created_at))
        elif status == ShiftStatus.CANCELLED:
            row["cancelled"] += 1
        elif starts_at > now:
            row["open"] += 1
        else:
            row["unfilled"] += 1
    out = []
    for site_id, row in per_site.items():
        waits = row.pop("_waits")
        decided = row["posted"] - row["open"]
        out.append({
            "site_id": site_id,
            "site": names[site_id],
            **row,
            "fill_rate": round(row["booked"] / decided, 3) if decided else None,
            "median_minutes_to_book": _minutes(statistics.median(waits)) if waits else None,
        })
    out.sort(key=lambda r: r["site"].lower())
    return out
