"""Posting and changing a shift: every field checked, each error naming its field, nothing
half-written. A block of days is one shift whose start and end span the days, starting at most
two years ahead.

Once a shift is broadcast (offered, then booked) the members have its details: only its terms
and notes may change (`do_update_shift`); for anything else, cancel it and post it again.

Times are aware datetimes; the form reads them in the site's time zone (`site_zone`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.candidates.choices import Profession
from rounds.lib import jurisdictions

from .choices import OPEN_SHIFT_STATUSES, OfferStatus, RateUnit, ShiftStatus
from .models import NetworkList, Shift, ShiftOffer

LONGEST_BLOCK = timedelta(days=92)
FURTHEST_AHEAD = timedelta(days=2 * 365 + 1)
CREDENTIALS_MAX = 20
CREDENTIAL_LENGTH = 60
TEXT_MAX = 5000
RATE_MAX = Decimal("99999999.99")
TIER_DELAY_MAX = 24 * 60

FIELDS = (
    "site", "starts_at", "ends_at", "profession", "specialty", "licence_jurisdiction",
    "required_credentials", "rate", "rate_unit", "currency", "terms", "notes", "lists",
    "tiered", "tier_delay_minutes",
)


def site_zone(site) -> ZoneInfo:
    """The zone a site's shifts are read and shown in: the site's own, else its
    organization's, else UTC."""
    for name in (getattr(site, "time_zone", ""), getattr(site.organization, "time_zone", "")):
        if name:
            try:
                return ZoneInfo(name)
            except (KeyError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_days(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> list[date]:
    """The local dates a shift covers in `zone` (a night shift covers two; a shift ending at
    midnight does not cover the next day)."""
    start = starts_at.astimezone(zone)
    end = ends_at.astimezone(zone)
    last = end.date()
    if end.time() == datetime.min.time() and last > start.date():
        last -= timedelta(days=1)
    days, day = [], start.date()
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


def split_credentials(value) -> list[str]:
    """"ACLS, PALS ,acls" → ["ACLS", "PALS"]: commas or a list, trimmed, duplicates (any case)
    dropped, order kept."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    out, seen = [], set()
    for item in items:
        text = " ".join(str(item or "").split())
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append(text)
    return out


def _specialty_code(text: str) -> str:
    if not text:
        return ""
    from rounds.matching.understand import read_specialty

    info = read_specialty(text)
    return info.key if info is not None and len(info.key) <= 10 else ""


def clean_fields(organization, fields: dict, *, at: datetime | None = None,
                 check_past: bool = True, current_site_id: int | None = None) -> dict:
    """Check and normalise shift fields; raise one ValidationError naming every bad field.
    `current_site_id`: the site the shift is at now, kept even if it was deactivated since."""
    from rounds.accounts.models import Site

    org_id = getattr(organization, "pk", organization)
    now = at or timezone.now()
    errors: dict[str, str] = {}
    out: dict = {}

    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError({name: "Not a field of a shift." for name in sorted(unknown)})

    if "site" in fields:
        site = fields["site"]
        if not isinstance(site, Site):
            site = Site.objects.filter(organization_id=org_id, pk=site).first() \
                if str(site or "").isdigit() else None
        if site is None or site.organization_id != org_id:
            errors["site"] = "Choose one of your organization's sites."
        elif not site.is_active and site.pk != current_site_id:
            errors["site"] = f"{site.name} is no longer active."
        else:
            out["site"] = site

    for name in ("starts_at", "ends_at"):
        if name in fields:
            value = fields[name]
            if not isinstance(value, datetime):
                errors[name] = "Enter a date and time."
            elif timezone.is_naive(value):
                errors[name] = "A time needs its time zone."
            else:
                out[name] = value
    starts_at, ends_at = out.get("starts_at"), out.get("ends_at")
    if starts_at and ends_at:
        if ends_at <= starts_at:
            errors["ends_at"] = "A shift must end after it starts."
        elif ends_at - starts_at > LONGEST_BLOCK:
            errors["ends_at"] = (f"A block of days is at most {LONGEST_BLOCK.days} days; "
                                 "post longer cover as several shifts.")
    # Whole minutes: a form posting "now" must not be refused for the seconds since.
    if check_past and starts_at and starts_at < now.replace(second=0, microsecond=0):
        errors["starts_at"] = "This time has passed: a shift starts in the future."
    # Nobody books locums years ahead; a typo like 9999 would also overflow the database's
    # dates once converted to UTC.
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value and name not in errors and value > now + FURTHEST_AHEAD:
            errors[name] = (f"At most {FURTHEST_AHEAD.days // 365} years ahead: check the "
                            "year.")

    if "profession" in fields:
        if fields["profession"] in Profession.values:
            out["profession"] = fields["profession"]
        else:
            errors["profession"] = "Choose a profession."

    if "specialty" in fields:
        specialty = " ".join(str(fields["specialty"] or "").split())
        if len(specialty) > 120:
            errors["specialty"] = "At most 120 characters."
        else:
            out["specialty"] = specialty
            out["specialty_code"] = _specialty_code(specialty)

    if "licence_jurisdiction" in fields:
        raw = str(fields["licence_jurisdiction"] or "").strip()
        site = out.get("site")
        code = jurisdictions.normalize(raw, getattr(site, "country", "")) if raw else ""
        if code is None:
            errors["licence_jurisdiction"] = (
                f"“{raw}” is not a province, state or nation we know; use a code like CA-AB "
                "or US-TX.")
        else:
            out["licence_jurisdiction"] = code

    if "required_credentials" in fields:
        creds = split_credentials(fields["required_credentials"])
        if len(creds) > CREDENTIALS_MAX:
            errors["required_credentials"] = f"At most {CREDENTIALS_MAX} credentials."
        elif any(len(c) > CREDENTIAL_LENGTH for c in creds):
            errors["required_credentials"] = (
                f"Name each credential in at most {CREDENTIAL_LENGTH} characters, separated "
                "by commas.")
        else:
            out["required_credentials"] = creds

    if "rate" in fields:
        rate = fields["rate"]
        if rate in (None, ""):
            out["rate"] = None
        else:
            try:
                rate = Decimal(str(rate).replace(",", "").strip())
                if not rate.is_finite():
                    raise ValueError(rate)
                rate = rate.quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                errors["rate"] = "Enter an amount, e.g. 1800 or 185.50."
            else:
                if rate < 0 or rate > RATE_MAX:
                    errors["rate"] = "Enter an amount of zero or more."
                else:
                    out["rate"] = rate
    if "rate_unit" in fields:
        if fields["rate_unit"] in RateUnit.values:
            out["rate_unit"] = fields["rate_unit"]
        else:
            errors["rate_unit"] = "Choose per hour, per day or per shift."
    if "currency" in fields:
        currency = str(fields["currency"] or "").strip().upper()
        if len(currency) == 3 and currency.isalpha() and currency.isascii():
            out["currency"] = currency
        else:
            errors["currency"] = "Use a three-letter currency code, e.g. CAD or USD."

    for name in ("terms", "notes"):
        if name in fields:
            text = str(fields[name] or "").strip()
            if len(text) > TEXT_MAX:
                errors[name] = f"At most {TEXT_MAX} characters."
            else:
                out[name] = text

    if "lists" in fields:
        items = list(fields["lists"] or ())
        ids = {item.pk if isinstance(item, NetworkList) else item for item in items}
        try:
            ids = {int(i) for i in ids}
        except (TypeError, ValueError):
            ids = None
        found = list(NetworkList.objects.filter(organization_id=org_id, pk__in=ids or ()))
        if ids is None or len(found) != len(ids):
            errors["lists"] = "Choose lists of your network."
        else:
            out["lists"] = found

    if "tiered" in fields:
        out["tiered"] = bool(fields["tiered"])
    if "tier_delay_minutes" in fields:
        try:
            delay = int(fields["tier_delay_minutes"])
        except (TypeError, ValueError):
            errors["tier_delay_minutes"] = "Enter a number of minutes."
        else:
            if not 1 <= delay <= TIER_DELAY_MAX:
                errors["tier_delay_minutes"] = (
                    f"Wait between 1 minute and {TIER_DELAY_MAX // 60} hours before the "
                    "second tier.")
            else:
                out["tier_delay_minutes"] = delay

    if errors:
        raise ValidationError(errors)
    return out


def do_create_shift(
    organization, *, actor, site, starts_at: datetime, ends_at: datetime, profession: str,
    rate_unit: str, currency: str, specialty: str = "", licence_jurisdiction: str = "",
    required_credentials: Iterable[str] | str = (), rate=None, terms: str = "", notes: str = "",
    lists: Iterable = (), tiered: bool = False, tier_delay_minutes: int = 30,
    at: datetime | None = None, via: str = "web",
) -> Shift:
    """Post a shift (open: not sent to anyone until it is broadcast)."""
    org_id = getattr(organization, "pk", organization)
    values = clean_fields(org_id, {
        "site": site, "starts_at": starts_at, "ends_at": ends_at, "profession": profession,
        "specialty": specialty, "licence_jurisdiction": licence_jurisdiction,
        "required_credentials": required_credentials, "rate": rate, "rate_unit": rate_unit,
        "currency": currency, "terms": terms, "notes": notes, "lists": lists,
        "tiered": tiered, "tier_delay_minutes": tier_delay_minutes,
    }, at=at)
    chosen = values.pop("lists")
    shift = Shift(organization_id=org_id, status=ShiftStatus.OPEN,
                  created_by=actor if getattr(actor, "is_authenticated", False) else None,
                  created_at=at or timezone.now(), **values)
    shift.full_clean(exclude=["organization", "site", "created_by", "lists"])
    shift.save()
    shift.lists.set(chosen)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=shift, via=via,
                 organization_id=org_id)
    return shift


# Once members have a shift's details (offered, or booked), these are what they said yes to:
# changing them would leave held messages, offers and the booking saying something else. Terms
# and notes may still be corrected.
SETTLED_ONCE_OFFERED = {
    "site": "The site", "starts_at": "The start", "ends_at": "The end",
    "profession": "The profession", "specialty": "The specialty",
    "licence_jurisdiction": "The licence required", "required_credentials": "The credentials",
    "rate": "The rate", "rate_unit": "The rate unit", "currency": "The currency",
    "lists": "Who it goes to", "tiered": "Favourites first",
    "tier_delay_minutes": "The second tier's delay",
}
CHANGEABLE_STATUSES = (*OPEN_SHIFT_STATUSES, ShiftStatus.BOOKED)


def _lock_shift(shift_id: int) -> Shift:
    """The shift row, locked until the caller's transaction ends (only the shift: not the site
    and organization rows joined to it, which every insert in the organization references)."""
    qs = Shift.objects.select_related("site__organization")
    if connection.features.has_select_for_update_of:
        qs = qs.select_for_update(of=("self",))
    else:
        qs = qs.select_for_update()  # SQLite: BEGIN IMMEDIATE already serializes writers
    return qs.get(pk=shift_id)


def do_update_shift(
    shift: Shift, *, actor, at: datetime | None = None, via: str = "web", **fields
) -> Shift:
    """Change a shift. Open (not broadcast yet): anything. Offered or booked: only the terms
    and notes — the members offered it have the other details, so a change to them is refused
    with the fields named (cancel the shift and post it again). Completed or cancelled: nothing.

    The shift is re-read under a lock (an acceptance or a broadcast may have changed it since
    the form was loaded) and only the changed fields are written, so a stale copy never writes
    back its status or booking time. Returns the shift as saved."""
    with transaction.atomic():
        locked = _lock_shift(shift.pk)
        if locked.status not in CHANGEABLE_STATUSES:
            raise ValidationError({"status": (
                f"This shift is {locked.get_status_display().lower()}: it can't be changed "
                "any more.")})
        check_past = "starts_at" in fields and fields["starts_at"] != locked.starts_at
        full = dict(fields)
        # Ends after starts is checked against the stored value of whichever side is not sent.
        if "starts_at" in full or "ends_at" in full:
            full.setdefault("starts_at", locked.starts_at)
            full.setdefault("ends_at", locked.ends_at)
        values = clean_fields(locked.organization_id, full, at=at, check_past=check_past,
                              current_site_id=locked.site_id)
        chosen = values.pop("lists", None)
        changed = {name: value for name, value in values.items()
                   if value != getattr(locked, name)}
        if "specialty" not in changed:  # the code follows the specialty's words
            changed.pop("specialty_code", None)
        old_lists = {lst.pk for lst in locked.lists.all()}
        lists_changed = chosen is not None and old_lists != {lst.pk for lst in chosen}

        if locked.status != ShiftStatus.OPEN:
            settled = [name for name in SETTLED_ONCE_OFFERED
                       if name in changed or (name == "lists" and lists_changed)]
            if settled:
                raise ValidationError(_settled_errors(locked, settled))

        before = {name: getattr(locked, name) for name in changed}
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.full_clean(exclude=["organization", "site", "created_by", "lists"])
        if changed:
            locked.save(update_fields=list(changed))
        changes = audit.diff(before, changed)
        if lists_changed:
            locked.lists.set(chosen)
            changes["lists"] = [None, ", ".join(lst.name for lst in chosen) or "whole network"]
        if changes:
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=locked, changes=changes,
                         via=via)
    return locked


def _settled_errors(shift: Shift, names: list[str]) -> dict[str, str]:
    """Each settled field the change touches, named, with what to do instead."""
    offered = ShiftOffer.objects.filter(shift=shift).exclude(
        status=OfferStatus.UNREACHABLE).count()
    if offered:
        have = (f"{offered} member{'s' if offered != 1 else ''} already "
                f"{'have' if offered != 1 else 'has'} these details")
    else:
        have = "the members offered it already have these details"
    return {name: (f"{SETTLED_ONCE_OFFERED[name]} can't change now; {have}: cancel the shift "
                   "and post it again.")
            for name in names}
