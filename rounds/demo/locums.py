"""Demo locum network: former staff and former locums joined in one click, two lists, a few
favourites, and upcoming shifts in every state the board shows — booked (broadcast and taken
through the member's link), offered (waiting for an answer), and open (not yet sent)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from rounds.locums import network
from rounds.locums.broadcast import do_broadcast
from rounds.locums.models import NetworkMember, ShiftOffer
from rounds.locums.shifts import do_create_shift, site_zone


def load(loader) -> dict[str, int]:
    """Add a locum network and shifts to one demo organization."""
    org, owner = loader.org, loader.owner
    added = network.do_add_former(org, actor=loader.recruiter, via="demo")
    # A few more people the team knows, vouched for by the owner.
    known = [c for c in loader.candidates if c.status != "do_not_contact"][:25]
    for cand in known:
        network.do_add_member(cand, actor=owner, vouch_note="Worked with us at a partner clinic")
    members = list(NetworkMember.objects.filter(organization=org).select_related("candidate"))
    profession = "physician" if org.country == "CA" else members[0].candidate.profession
    main = network.do_create_list(org, actor=owner, name=(
        "AB family physicians" if org.country == "CA" else "Texas locum physicians"))
    nights = network.do_create_list(org, actor=owner, name=(
        "ER nocturnists" if org.country == "CA" else "Night coverage"))
    for i, member in enumerate(members):
        lists = [main] if member.candidate.profession == profession else []
        if i % 4 == 0:
            lists.append(nights)
        if lists:
            network.do_set_lists(member, lists, actor=owner, via="demo")
        if i % 6 == 0:
            network.do_set_favourite(member, True, actor=owner, via="demo")
    shifts = _shifts(loader, profession, main)
    return {"network members": len(members), "former staff and locums added": added,
            "shifts": shifts}


def _shifts(loader, profession: str, main_list) -> int:
    """Shifts posted and sent by the recruiter and by the owner (whoever posts a shift is who
    its members hear from)."""
    org, now = loader.org, loader.now
    made = 0
    sites = list(loader.sites.values())
    plans = [
        # (days ahead, hours, rate, state)
        (3, (8, 17), 1800, "booked"),
        (6, (8, 17), 1750, "offered"),
        (12, (19, 7), 2100, "open"),
        (20, (8, 17), 1800, "offered"),
    ]
    for k, (days, (start_h, end_h), rate, state) in enumerate(plans):
        poster = loader.owner if k % 2 else loader.recruiter
        site = sites[k % len(sites)]
        zone = site_zone(site)
        day = (now.astimezone(zone) + timedelta(days=days)).date()
        starts = datetime.combine(day, time(start_h), tzinfo=zone)
        ends = datetime.combine(day + timedelta(days=1 if end_h <= start_h else 0), time(end_h),
                                tzinfo=zone)
        shift = do_create_shift(
            org, actor=poster, site=site, starts_at=starts, ends_at=ends,
            profession=profession, rate=Decimal(rate),
            rate_unit="day" if end_h > start_h else "shift",
            currency="CAD" if org.country == "CA" else "USD",
            terms="Call 1 in 4; lodging and mileage covered.", lists=[main_list],
            notes="Full-scope clinic day; EMR training the morning of the first shift.",
            via="demo",
        )
        made += 1
        if state == "open":
            continue
        do_broadcast(shift, actor=poster, at=now)
        if state == "booked":
            offer = (ShiftOffer.objects.filter(shift=shift, status__in=["queued", "sent"])
                     .order_by("rank").first())
            if offer is not None:
                from rounds.locums.actions import do_accept

                do_accept(offer, via="link", at=now)
    return made
