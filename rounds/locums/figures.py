"""Figures of the locum network, for the shift page and the API: how fast a shift was booked
(from posting, and from the broadcast), whom the broadcast reached on which channel and whose
offer is still on the way, how many said yes; and per site, how many shifts were filled and
how fast."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from rounds.messaging.choices import MessageStatus

from .choices import OfferStatus, ShiftStatus
from .models import Shift, ShiftOffer

# A message gone (UNKNOWN: the provider failed mid-send and it may have gone; never resent):
# the member was reached.
REACHED = {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNKNOWN}
# Not gone yet: waiting for a worker, being sent, or held until the member's hours.
ON_THE_WAY = {MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.HELD}
YES = {OfferStatus.ACCEPTED, OfferStatus.WAITLISTED}
# An answer (by link or reply) means the offer reached them, whatever became of the message.
ANSWERED = {*YES, OfferStatus.DECLINED, OfferStatus.REFUSED}
FILLED = {ShiftStatus.BOOKED, ShiftStatus.COMPLETED}


def _minutes(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 60, 1)


def shift_figures(shift: Shift) -> dict:
    """One query over the shift's offers and their messages.

    reached: members whose offer message was sent or delivered, or who answered (by link or
    reply: the offer reached them, whatever became of the message), per channel too;
    on_the_way: messages not sent yet — queued, being sent, or held until the member's hours
    (`held` counts the held ones among them); unreachable: no channel allowed, or the message
    was refused by the policy or failed; not_sent: messages cancelled before they went (the
    shift filled or was cancelled first); waiting_tier: favourites-first broadcasts not yet
    sent to the rest; acceptances: booked plus waitlisted; acceptance_rate: acceptances /
    reached. Times: posted to booked (`time_to_book_minutes`, from the shift's creation) and
    broadcast to booked (`broadcast_to_book_minutes`)."""
    rows = (ShiftOffer.objects.filter(shift_id=shift.pk)
            .values_list("channel", "status", "message__status")
            .annotate(n=Count("id")).order_by())
    reached_by_channel: Counter = Counter()
    on_the_way = held = unreachable = not_sent = waiting = offers = 0
    answers: Counter = Counter()
    for channel, status, message_status, n in rows:
        offers += n
        answers[status] += n
        if status in ANSWERED or message_status in REACHED:
            reached_by_channel[channel or "other"] += n
        elif message_status in ON_THE_WAY:
            on_the_way += n
            if message_status == MessageStatus.HELD:
                held += n
        elif status == OfferStatus.LATER_TIER and message_status is None:
            waiting += n
        elif message_status == MessageStatus.CANCELLED:
            not_sent += n
        else:  # no channel allowed, refused by the policy, or failed
            unreachable += n
    acceptances = sum(answers[s] for s in YES)
    reached = sum(reached_by_channel.values())
    return {
        "status": shift.status,
        "status_label": shift.get_status_display(),
        "posted_at": shift.created_at,
        "broadcast_at": shift.broadcast_at,
        "booked_at": shift.booked_at,
        "time_to_book_minutes": _minutes(_since(shift.created_at, shift.booked_at)),
        "broadcast_to_book_minutes": _minutes(_since(shift.broadcast_at, shift.booked_at)),
        "offers": offers,
        "reached": reached,
        "reached_by_channel": dict(sorted(reached_by_channel.items())),
        "on_the_way": on_the_way,
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


def _since(start: datetime | None, end: datetime | None) -> timedelta | None:
    return end - start if start and end else None


def site_fill_rates(organization, since: datetime | None = None,
                    *, at: datetime | None = None, site=None) -> list[dict]:
    """Per site with shifts posted since `since` (only `site`'s when given): posted, booked
    (booked or completed), cancelled, still open (not yet started), unfilled (started without
    a booking), the fill rate — booked over the shifts whose outcome is known (still-open ones
    are left out) — and the median minutes from posting to booking and from broadcast to
    booking."""
    org_id = getattr(organization, "pk", organization)
    now = at or timezone.now()
    shifts = Shift.objects.filter(organization_id=org_id)
    if since is not None:
        shifts = shifts.filter(created_at__gte=since)
    if site is not None:
        shifts = shifts.filter(site_id=getattr(site, "pk", site))
    per_site: dict[int, dict] = defaultdict(lambda: {
        "posted": 0, "booked": 0, "cancelled": 0, "open": 0, "unfilled": 0, "_waits": [],
        "_from_broadcast": []})
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
                row["_waits"].append(booked_at - created_at)
                if broadcast_at:
                    row["_from_broadcast"].append(booked_at - broadcast_at)
        elif status == ShiftStatus.CANCELLED:
            row["cancelled"] += 1
        elif starts_at > now:
            row["open"] += 1
        else:
            row["unfilled"] += 1
    out = []
    for site_id, row in per_site.items():
        waits, from_broadcast = row.pop("_waits"), row.pop("_from_broadcast")
        decided = row["posted"] - row["open"]
        out.append({
            "site_id": site_id,
            "site": names[site_id],
            **row,
            "fill_rate": round(row["booked"] / decided, 3) if decided else None,
            "median_minutes_to_book": _median_minutes(waits),
            "median_minutes_broadcast_to_book": _median_minutes(from_broadcast),
        })
    out.sort(key=lambda r: r["site"].lower())
    return out


def _median_minutes(waits: list[timedelta]) -> float | None:
    return _minutes(statistics.median(waits)) if waits else None
