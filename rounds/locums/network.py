"""The locum network: who is in it (joined when, vouched by whom), the lists that group them,
and each member's fatigue settings (a weekly cap on offers, muted lists).

Every change to a member is a change to candidate data: it is audited against the candidate and
moves the candidate's `updated_at` (matching and the broadcast read members through it). The
caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.candidates.actions import mark_changed
from rounds.candidates.choices import CandidateStatus, Source
from rounds.candidates.models import Candidate

from .choices import OPEN_SHIFT_STATUSES, OfferStatus
from .models import NetworkList, NetworkMember, ShiftOffer

FORMER_SOURCES = {Source.FORMER_STAFF: "Former staff", Source.FORMER_LOCUM: "Former locum"}
WEEKLY_CAP_MAX = 50
# Offers still waiting for an answer (as rounds.locums.actions.PENDING_OFFERS).
PENDING_OFFERS = (OfferStatus.QUEUED, OfferStatus.SENT, OfferStatus.LATER_TIER)
LIST_NAME_MAX = 120


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _lists_of(organization_id: int, lists: Iterable, field: str = "lists") -> list[NetworkList]:
    """NetworkList rows (or ids) of this organization; another organization's list is refused
    by name of the field rather than silently dropped."""
    items = list(lists or ())
    ids = [item.pk if isinstance(item, NetworkList) else item for item in items]
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise ValidationError({field: "Choose lists of your network."}) from None
    found = list(NetworkList.objects.filter(organization_id=organization_id, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({field: "Choose lists of your network."})
    return found


def _names(lists: Iterable[NetworkList]) -> str:
    return ", ".join(sorted(lst.name for lst in lists)) or "none"


# --- members ---------------------------------------------------------------------------------


def do_add_member(
    candidate: Candidate, *, actor, lists: Iterable = (), vouch_note: str = "",
    favourite: bool = False, via: str = "web",
) -> NetworkMember:
    """Put a candidate in the organization's network, vouched for by the actor.

    Idempotent: adding someone already in the network returns their membership (adding any
    lists given, and the favourite star when asked); someone who left rejoins from today."""
    if candidate.merged_into_id:
        raise ValidationError({"candidate": "This record was merged into another one."})
    vouch_note = (vouch_note or "").strip()[:300]
    chosen = _lists_of(candidate.organization_id, lists)
    member = NetworkMember.objects.filter(
        organization_id=candidate.organization_id, candidate=candidate
    ).first()
    action = AuditAction.UPDATE
    changes: dict = {}
    if member is None:
        try:
            with transaction.atomic():  # a savepoint: two clicks at once make one member
                member = NetworkMember.objects.create(
                    organization_id=candidate.organization_id, candidate=candidate,
                    vouched_by=_user(actor), vouch_note=vouch_note, is_favourite=favourite,
                    joined_on=timezone.localdate(),
                )
            action = AuditAction.CREATE
            changes["network"] = [None, "joined"]
        except IntegrityError:
            member = NetworkMember.objects.get(
                organization_id=candidate.organization_id, candidate=candidate
            )
    if action != AuditAction.CREATE:
        if member.left_on is not None:
            changes["network"] = [f"left {member.left_on}", "rejoined"]
            member.left_on = None
            member.joined_on = timezone.localdate()
            member.vouched_by = _user(actor) or member.vouched_by
            if vouch_note:
                member.vouch_note = vouch_note
        if favourite and not member.is_favourite:
            member.is_favourite = True
            changes["favourite"] = ["no", "yes"]
        if changes:
            member.save()
    new_lists = [lst for lst in chosen if action == AuditAction.CREATE
                 or not member.lists.filter(pk=lst.pk).exists()]
    if new_lists:
        member.lists.add(*new_lists)
        changes["lists"] = [None, f"added {_names(new_lists)}"]
    if changes:
        if vouch_note:
            changes["vouch_note"] = [None, vouch_note]
        mark_changed(candidate.pk)
        audit.record(actor=actor, action=action, obj=member, changes=changes, via=via)
    return member


LEFT_REASON = "They left the network before answering."


def do_remove_member(member: NetworkMember, *, actor, via: str = "web") -> NetworkMember:
    """Take a member out of the network (kept, with the day they left: offers and bookings
    they had stay in the history). Their offers still waiting for an answer are withdrawn and
    the messages of those not sent yet cancelled: nobody gets an offer from a network they
    were just taken out of."""
    from rounds.messaging import outbox
    from rounds.messaging.models import Message

    if member.left_on is None:
        member.left_on = timezone.localdate()
        member.save(update_fields=["left_on"])
        pending = ShiftOffer.objects.filter(member=member, status__in=PENDING_OFFERS)
        message_ids = [m for m in pending.values_list("message_id", flat=True) if m]
        withdrawn = pending.update(status=OfferStatus.WITHDRAWN, status_reason=LEFT_REASON)
        if message_ids:
            outbox.cancel_pending(Message.objects.filter(pk__in=message_ids),
                                  "The member left the locum network; the offer was withdrawn.")
        mark_changed(member.candidate_id)
        changes = {"network": ["member", f"left {member.left_on}"]}
        if withdrawn:
            changes["offers_withdrawn"] = [None, str(withdrawn)]
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=member, via=via,
                     changes=changes)
    return member


def do_add_former(organization, *, actor, via: str = "web") -> int:
    """One click: every current candidate whose source is former staff or former locum joins
    the network, vouched for by the actor, with the note "Former staff" / "Former locum".

    Returns how many joined. Not re-added: people already in the network, people who left it
    (they left on purpose; add them back one by one) and people marked do-not-contact."""
    org_id = getattr(organization, "pk", organization)
    rows = list(
        Candidate.objects.for_org(org_id).current()
        .filter(source__in=list(FORMER_SOURCES))
        .exclude(status=CandidateStatus.DO_NOT_CONTACT)
        .exclude(network_memberships__organization_id=org_id)
        .values_list("pk", "source", "first_name", "last_name")
    )
    if not rows:
        return 0
    today = timezone.localdate()
    vouched_by = _user(actor)
    members = [
        NetworkMember(organization_id=org_id, candidate_id=pk, vouched_by=vouched_by,
                      vouch_note=FORMER_SOURCES[source], joined_on=today)
        for pk, source, _first, _last in rows
    ]
    # ignore_conflicts: a concurrent click (or a member added meanwhile) is not an error.
    NetworkMember.objects.bulk_create(members, batch_size=1000, ignore_conflicts=True)
    created = {
        m.candidate_id: m for m in NetworkMember.objects.filter(
            organization_id=org_id, candidate_id__in=[r[0] for r in rows], joined_on=today,
            left_on__isnull=True, created_at__gte=members[0].created_at,
        ).only("pk", "candidate_id")
    }
    ids = list(created)
    for start in range(0, len(ids), 1000):
        Candidate.objects.filter(pk__in=ids[start:start + 1000]).update(updated_at=timezone.now())
    by_pk = {r[0]: r for r in rows}
    AuditEvent.objects.bulk_create([
        AuditEvent(
            organization_id=org_id, actor=vouched_by, action=AuditAction.CREATE,
            object_type=NetworkMember._meta.model_name, object_id=str(member.pk),
            object_repr=f"{by_pk[cid][2]} {by_pk[cid][3]}"[:200], candidate_id=cid,
            changes={"network": [None, "joined"],
                     "vouch_note": [None, FORMER_SOURCES[by_pk[cid][1]]]},
            via=via,
        )
        for cid, member in created.items()
    ], batch_size=1000)
    return len(created)


def do_update_member(
    member: NetworkMember, *, actor, lists: Iterable | None = None,
    favourite: bool | None = None, vouch_note: str | None = None, via: str = "web",
    **fatigue,
) -> NetworkMember:
    """Change a member's lists, favourite star or vouch note, and (keyword arguments
    `weekly_offer_cap`, `muted_lists`) their fatigue settings. Only what is passed changes."""
    changes: dict = {}
    if lists is not None:
        chosen = _lists_of(member.organization_id, lists)
        before = list(member.lists.all())
        if {lst.pk for lst in before} != {lst.pk for lst in chosen}:
            member.lists.set(chosen)
            changes["lists"] = [_names(before), _names(chosen)]
    fields = []
    if favourite is not None and bool(favourite) != member.is_favourite:
        changes["favourite"] = ["yes" if member.is_favourite else "no",
                                "yes" if favourite else "no"]
        member.is_favourite = bool(favourite)
        fields.append("is_favourite")
    if vouch_note is not None and vouch_note.strip()[:300] != member.vouch_note:
        changes["vouch_note"] = [member.vouch_note, vouch_note.strip()[:300]]
        member.vouch_note = vouch_note.strip()[:300]
        fields.append("vouch_note")
    if fatigue:
        changes.update(_set_fatigue(member, by_member=via == "member", **fatigue))
        if "weekly_offer_cap" in changes:
            fields.append("weekly_offer_cap")
    if fields:
        member.save(update_fields=fields)
    if changes:
        mark_changed(member.candidate_id)
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=member, changes=changes,
                     via=via)
    return member


_UNSET = object()


def _set_fatigue(member: NetworkMember, *, by_member: bool, weekly_offer_cap=_UNSET,
                 muted_lists=None) -> dict:
    changes: dict = {}
    if weekly_offer_cap is not _UNSET:
        cap = weekly_offer_cap
        if cap in ("", None):
            cap = None
        else:
            try:
                cap = int(cap)
            except (TypeError, ValueError):
                raise ValidationError(
                    {"weekly_offer_cap": "Enter a whole number of offers a week."}) from None
            if not 1 <= cap <= WEEKLY_CAP_MAX:
                raise ValidationError({"weekly_offer_cap": (
                    f"A weekly cap is between 1 and {WEEKLY_CAP_MAX} offers; leave it empty "
                    "for no cap.")})
        if cap != member.weekly_offer_cap:
            changes["weekly_offer_cap"] = [member.weekly_offer_cap, cap]
            member.weekly_offer_cap = cap
    if muted_lists is not None:
        chosen = _lists_of(member.organization_id, muted_lists, field="muted_lists")
        before = list(member.muted_lists.all())
        if {lst.pk for lst in before} != {lst.pk for lst in chosen}:
            member.muted_lists.set(chosen)
            changes["muted_lists"] = [_names(before), _names(chosen)]
    if changes:
        # The member's own choice: set by them on their offer-settings page (`via="member"`),
        # or written by a recruiter on their behalf (they told us by phone, text or email).
        # The audit says which.
        changes["set_for_member"] = (
            "set by the member on their offer-settings page" if by_member
            else "recorded by the recruiter on the member's behalf")
    return changes


def do_set_lists(member: NetworkMember, lists: Iterable, *, actor, via: str = "web"):
    return do_update_member(member, actor=actor, lists=lists, via=via)


def do_set_favourite(member: NetworkMember, favourite: bool, *, actor, via: str = "web"):
    return do_update_member(member, actor=actor, favourite=favourite, via=via)


def do_set_fatigue(
    member: NetworkMember, *, actor, weekly_offer_cap=_UNSET, muted_lists=None, via: str = "web",
) -> NetworkMember:
    """A member's fatigue settings: at most `weekly_offer_cap` offers a week (None: no cap),
    and the lists whose shifts they don't want to hear about. Set by the member themselves
    through the link in their offers (`via="member"`, no actor), or by a recruiter on their
    behalf."""
    fatigue = {"muted_lists": muted_lists}
    if weekly_offer_cap is not _UNSET:
        fatigue["weekly_offer_cap"] = weekly_offer_cap
    return do_update_member(member, actor=actor, via=via, **fatigue)


# --- lists -----------------------------------------------------------------------------------


def _clean_list_name(organization_id: int, name: str, exclude_pk: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the list a name."})
    if len(name) > LIST_NAME_MAX:
        raise ValidationError({"name": f"At most {LIST_NAME_MAX} characters."})
    clash = NetworkList.objects.filter(organization_id=organization_id, name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": f"There is already a list called “{name}”."})
    return name


def do_create_list(organization, *, actor, name: str, description: str = "") -> NetworkList:
    org_id = getattr(organization, "pk", organization)
    name = _clean_list_name(org_id, name)
    try:
        with transaction.atomic():
            return NetworkList.objects.create(
                organization_id=org_id, name=name, description=(description or "").strip()[:300]
            )
    except IntegrityError:
        raise ValidationError({"name": f"There is already a list called “{name}”."}) from None


def do_rename_list(
    network_list: NetworkList, *, actor, name: str, description: str | None = None
) -> NetworkList:
    network_list.name = _clean_list_name(
        network_list.organization_id, name, exclude_pk=network_list.pk)
    if description is not None:
        network_list.description = description.strip()[:300]
    network_list.save(update_fields=["name", "description"])
    return network_list


def do_delete_list(network_list: NetworkList, *, actor) -> None:
    """Delete a list. Refused while an open shift is addressed to it: without the list, that
    shift would go to the whole network."""
    open_shifts = network_list.shifts.filter(status__in=OPEN_SHIFT_STATUSES).count()
    if open_shifts:
        raise ValidationError({"name": (
            f"“{network_list.name}” is the audience of {open_shifts} open "
            f"shift{'s' if open_shifts != 1 else ''}; change or cancel "
            f"{'them' if open_shifts != 1 else 'it'} first.")})
    member_ids = list(network_list.members.values_list("candidate_id", flat=True))
    member_ids += list(network_list.muted_by.values_list("candidate_id", flat=True))
    network_list.delete()
    # Members' lists changed: derived state reading them must catch up.
    if member_ids:
        Candidate.objects.filter(pk__in=set(member_ids)).update(updated_at=timezone.now())
