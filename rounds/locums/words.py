"""How a shift is told to a member, in one place: its title, when (in the site's time, with
its zone: the member works it there), where, the rate (rounds.lib.money), and who the member
deals with about it (`offer_sender`: whoever sent them the offer, else whoever posted it)."""

from __future__ import annotations

from django.utils import timezone

from rounds.outreach.models import Message

from .models import Shift, ShiftOffer


def shift_title(shift: Shift) -> str:
    """"Locum shift: Physician — Family Medicine at Red Deer Clinic"."""
    what = shift.get_profession_display()
    if shift.specialty:
        what = f"{what} — {shift.specialty}"
    return f"Locum shift: {what} at {shift.site.name}"


def shift_when(shift: Shift) -> str:
    """The shift's span in the site's time, with its zone (the member works it there):
    "Thu 10 Dec 2026, 08:00–17:00 MST", or across days "Thu 10 Dec 19:00 – Fri 11 Dec 2026
    07:00 MST"."""
    from .fit import shift_zone

    zone = shift_zone(shift)
    start = timezone.localtime(shift.starts_at, zone)
    end = timezone.localtime(shift.ends_at, zone)
    tz = start.strftime("%Z") or zone.key
    if start.date() == end.date():
        return f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}–{end:%H:%M} {tz}"
    end_tz = end.strftime("%Z")
    suffix = tz if end_tz == tz else f"{tz}/{end_tz}"
    return (f"{start:%a} {start.day} {start:%b} {start:%H:%M} – {end:%a} {end.day} {end:%b %Y} "
            f"{end:%H:%M} {suffix}")


def when_text(shift: Shift, candidate=None) -> str:
    """The shift's span as the member reads it: in the site's time, with its zone."""
    return shift_when(shift)


def rate_text(shift: Shift) -> str:
    return shift.rate_display


def details(shift: Shift, candidate=None) -> str:
    """The shift in a few lines, for the confirmation and the pages."""
    lines = [shift_title(shift), f"When: {shift_when(shift)}"]
    where = shift.site.one_line_address
    lines.append(f"Where: {shift.site.name}" + (f", {where}" if where else ""))
    if rate_text(shift):
        lines.append(f"Rate: {rate_text(shift)}")
    if shift.terms.strip():
        lines.append(f"Terms: {shift.terms.strip()}")
    return "\n".join(lines)


def day_text(shift: Shift, candidate=None) -> str:
    """The shift's first day in the site's time: "Thu 10 Dec"."""
    from .fit import shift_zone

    local = shift.starts_at.astimezone(shift_zone(shift))
    return f"{local:%a} {local.day} {local:%b}"


def org_prefix(shift: Shift) -> str:
    """What a text about the shift starts with: the organization (the text's signature names
    the person, see rounds.outreach.sender)."""
    return shift.organization.name


def offer_sender(offer: ShiftOffer):
    """The person the member deals with about this shift: whoever sent them the offer, else
    whoever posted the shift. Every message and page about their offer names them."""
    from rounds.accounts.models import User

    user_id = None
    if offer.message_id:
        user_id = (Message.objects.filter(pk=offer.message_id)
                   .values_list("created_by_id", flat=True).first())
    user_id = user_id or offer.shift.created_by_id
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id, organization_id=offer.organization_id).first()
