"""Merging two records of one person into one. The caller (a view, the API) owns the
transaction: `do_merge_candidates` must run inside `transaction.atomic()`.

What a merge does, so nothing either record held is lost:

* Every row of any model that points at the other record moves to the survivor: activities,
  applications (and through them their stage changes), attachments, consent records, licences,
  certifications, experience, education, specialties, availability, import row issues,
  referrals (`referred_by`), and whatever later apps add. The foreign keys to Candidate are
  discovered from the app registry, so a new model is covered without touching this module.
* Exceptions, on purpose:
  - the audit log is append-only: the other record's events stay on it (the candidate audit
    view shows the events of the records merged into a candidate too);
  - a licence, certification, specialty, experience, education or availability row that the
    survivor already has (same jurisdiction and number; same name…) is not copied twice: the
    duplicate stays on the merged record, where history can still find it;
  - a row that cannot move because of a uniqueness rule of its model stays on the merged record.
* Two applications to the same job become one. Rule: the application that is further along
  wins — hired/started beats open, open beats rejected/withdrawn, then the later stage in the
  pipeline, then the survivor's own. The losing application's stage changes, activities and any
  other rows pointing at it move onto the winner, a system note records what it was, and only
  then is the emptied application deleted: the winner's stage history shows both paths.
* Every email address and phone number of both records is kept: the one chosen stays the
  main one, the others become the survivor's secondary contact points (ContactPoint), which
  inbound routing and duplicate checks read. Nothing is ever sent to a secondary one.
* Tags are united. Earlier merges into the other record are re-pointed at the survivor, so a
  merged record always points straight at the record that is current.
* The chosen field values are applied to the survivor (by default the survivor's value, or the
  other's where the survivor's is empty). The other record is kept, marked `merged_into`, and
  drops out of lists, search and duplicate suggestions; its URL leads to the survivor.
* Both records get a MERGE audit event saying what was kept and what moved; the survivor's
  timeline gets a system activity "Merged with …".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent
from rounds.lib import jurisdictions
from rounds.lib.codes import licence_key
from rounds.pipeline.choices import StageKind
from rounds.pipeline.models import Application

from .actions import refresh_search_text
from .choices import Channel, ContactKind, EmploymentType, Setting
from .models import (
    Availability,
    Candidate,
    Certification,
    ContactPoint,
    DuplicateDismissal,
    Education,
    Experience,
    Licence,
    Specialty,
)

SURVIVOR = "survivor"
OTHER = "other"


@dataclass(frozen=True)
class MergeField:
    """One choice on the merge page: a field, or fields that only make sense together."""

    name: str
    label: str
    fields: tuple[str, ...]


MERGE_FIELDS: tuple[MergeField, ...] = (
    MergeField("first_name", "First name", ("first_name",)),
    MergeField("last_name", "Last name", ("last_name",)),
    MergeField("preferred_name", "Preferred name", ("preferred_name",)),
    MergeField("credentials", "Credentials", ("credentials",)),
    MergeField("pronouns", "Pronouns", ("pronouns",)),
    MergeField("email", "Email", ("email", "email_normalized")),
    MergeField("phone", "Phone", ("phone", "phone_normalized")),
    MergeField("profession", "Profession", ("profession",)),
    MergeField("headline", "Headline", ("headline",)),
    MergeField("summary", "Summary", ("summary",)),
    MergeField("years_experience", "Years of experience", ("years_experience",)),
    MergeField(
        "location", "Location",
        ("city", "region", "postal_code", "country", "latitude", "longitude", "time_zone"),
    ),
    MergeField(
        "relocation", "Relocation", ("willing_to_relocate", "relocation_radius_km")
    ),
    MergeField("status", "Status", ("status",)),
    MergeField("source", "Source", ("source", "source_detail")),
    MergeField("referral", "Referred by", ("referred_by", "referrer_name")),
    MergeField("preferred_employment_types", "Wants (employment)", ("preferred_employment_types",)),
    MergeField(
        "preferred_compensation_models", "Wants (compensation)", ("preferred_compensation_models",)
    ),
    MergeField("preferred_settings", "Wants (settings)", ("preferred_settings",)),
    MergeField("preferred_schedule", "Preferred schedule", ("preferred_schedule",)),
    MergeField("desired_start", "Desired start", ("desired_start",)),
    MergeField("minimum_pay", "Minimum pay", ("minimum_pay",)),
    MergeField("preferred_channels", "Channels", ("preferred_channels",)),
    MergeField("quiet_hours", "Quiet hours", ("quiet_hours_start", "quiet_hours_end")),
    MergeField("contact_frequency", "Contact frequency", ("contact_frequency",)),
    MergeField("languages", "Languages", ("languages",)),
    MergeField("owner", "Owner", ("owner",)),
    MergeField("external_id", "External ID", ("external_id",)),
    MergeField("npi", "NPI", ("npi",)),
)
MERGE_FIELDS_BY_NAME = {f.name: f for f in MERGE_FIELDS}

# Rows the survivor already has are not copied twice: how to tell two rows are the same.
def _text(v: Any) -> str:
    return str(v or "").strip().lower()


DEDUPE_KEYS = {
    Licence: lambda r: (r.jurisdiction, licence_key(r.number)) if licence_key(r.number) else None,
    Specialty: lambda r: (_text(r.name),),
    Certification: lambda r: (_text(r.name), _text(r.issuer)),
    Experience: lambda r: (_text(r.employer), _text(r.role), r.start_date),
    Education: lambda r: (_text(r.institution), _text(r.credential), r.graduation_year),
    Availability: lambda r: (r.start_date, r.end_date),
}


@dataclass
class MergeResult:
    survivor: Candidate
    other: Candidate
    moved: Counter = field(default_factory=Counter)
    kept_on_merged: Counter = field(default_factory=Counter)
    combined_applications: list[str] = field(default_factory=list)
    changes: dict = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"{n} {label}" for label, n in sorted(self.moved.items()) if n]
        return ", ".join(parts) or "nothing to move"


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _group_values(candidate: Candidate, group: MergeField) -> tuple:
    return tuple(getattr(candidate, _attname(f)) for f in group.fields)


def _attname(name: str) -> str:
    f = Candidate._meta.get_field(name)
    return f.attname


def default_choice(survivor: Candidate, other: Candidate, group: MergeField) -> str:
    """The survivor's value, unless it is empty and the other record has one."""
    mine = _group_values(survivor, group)
    theirs = _group_values(other, group)
    if all(_is_empty(v) for v in mine) and not all(_is_empty(v) for v in theirs):
        return OTHER
    return SURVIVOR


def display_value(candidate: Candidate, group: MergeField) -> str:
    """A field group's value as a person reads it."""
    c = candidate
    match group.name:
        case "location":
            region = jurisdictions.label(jurisdictions.normalize(c.region, c.country) or "")
            country = COUNTRY_NAMES.get(c.country, c.country)
            text = ", ".join(p for p in (c.city, region or c.region, c.postal_code, country) if p)
        case ("preferred_employment_types" | "preferred_compensation_models"
              | "preferred_settings" | "preferred_channels"):
            names = dict(_choice_labels()[group.name])
            text = ", ".join(str(names.get(v, v)) for v in getattr(c, group.fields[0]) or [])
        case "relocation":
            if not c.willing_to_relocate:
                text = "Not willing"
            else:
                text = "Willing" + (
                    f", within {c.relocation_radius_km} km" if c.relocation_radius_km else ""
                )
        case "source":
            text = c.get_source_display() + (f" — {c.source_detail}" if c.source_detail else "")
        case "referral":
            text = str(c.referred_by) if c.referred_by_id else c.referrer_name
        case "quiet_hours":
            text = (
                f"{c.quiet_hours_start:%H:%M}–{c.quiet_hours_end:%H:%M}"
                if c.quiet_hours_start and c.quiet_hours_end else ""
            )
        case "owner":
            text = str(c.owner) if c.owner_id else ""
        case "profession":
            text = c.get_profession_display()
        case "status":
            text = c.get_status_display()
        case "contact_frequency":
            text = c.get_contact_frequency_display()
        case _:
            value = getattr(c, group.fields[0])
            if isinstance(value, list):
                text = ", ".join(map(str, value))
            elif isinstance(value, bool):
                text = "Yes" if value else "No"
            else:
                text = "" if value is None else str(value)
    return text


COUNTRY_NAMES = {"CA": "Canada", "US": "United States", "GB": "United Kingdom"}


def _choice_labels() -> dict[str, list[tuple[str, str]]]:
    """The words for the coded values of list fields (stored as codes: "sms", "locum")."""
    from rounds.accounts.choices import CompensationModel

    return {
        "preferred_employment_types": EmploymentType.choices,
        "preferred_compensation_models": CompensationModel.choices,
        "preferred_settings": Setting.choices,
        "preferred_channels": Channel.choices,
    }


def differing_fields(survivor: Candidate, other: Candidate) -> list[MergeField]:
    """The field groups whose values differ between the two records."""
    return [
        g for g in MERGE_FIELDS if _group_values(survivor, g) != _group_values(other, g)
    ]


def candidate_relations() -> list[models.ForeignKey]:
    """Every foreign key (and one-to-one) to Candidate in the project, hidden ones included
    (related_name="+"), except `merged_into`, which a merge handles itself."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if (
                f.is_relation
                and (f.many_to_one or f.one_to_one)
                and f.remote_field.model is Candidate
                and not (model is Candidate and f.name == "merged_into")
            ):
                found.append(f)
    return found


def _label(model) -> str:
    return str(model._meta.verbose_name_plural)


def _is_unique_with(model, fk: models.Field) -> bool:
    """Whether moving a row to another candidate could break a uniqueness rule of its model."""
    if fk.unique or fk.one_to_one:
        return True
    for together in model._meta.unique_together:
        if fk.name in together:
            return True
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and fk.name in (constraint.fields or ()):
            return True
    return False


# Relations handled by name rather than generically.
def _special(fk) -> str | None:
    model = fk.model
    if model is AuditEvent:
        return "audit"
    if model is DuplicateDismissal:
        return "dismissal"
    if model is Application:
        return "application"
    if model is Candidate and fk.name == "referred_by":
        return "referral"
    if model is Candidate.tags.through:
        return "tags"
    if model is ContactPoint:
        return "contact_points"
    return None


def preview_moves(other: Candidate, survivor: Candidate | None = None) -> list[tuple[str, int]]:
    """What would move from `other` to `survivor`: [(what, how many)], for the merge page."""
    counts: Counter = Counter()
    for fk in candidate_relations():
        kind = _special(fk)
        if kind in ("audit", "dismissal"):
            continue
        n = fk.model._base_manager.filter(**{fk.name: other}).count()
        if not n:
            continue
        label = "referrals" if kind == "referral" else (
            "tags" if kind == "tags" else _label(fk.model)
        )
        counts[label] += n
    # The other record's own email and phone are kept too (as secondary contact points).
    mine = (survivor.email_normalized, survivor.phone_normalized) if survivor else ("", "")
    extra = sum(1 for v, m in zip((other.email_normalized, other.phone_normalized), mine,
                                  strict=True) if v and v != m)
    if extra:
        counts[_label(ContactPoint)] += extra
    return sorted(counts.items())


def _application_rank(app: Application, is_survivors: bool) -> tuple:
    kind_rank = {
        StageKind.HIRED: 3, StageKind.ACTIVE: 2, StageKind.REJECTED: 1, StageKind.WITHDRAWN: 1,
    }.get(app.stage.kind, 0)
    return (kind_rank, app.stage.sequence, 1 if is_survivors else 0)


def _combine_applications(
    survivor: Candidate, other: Candidate, *, actor, result: MergeResult
) -> None:
    """Two applications to the same job become one; see the module docstring for the rule."""
    mine = {
        a.job_id: a
        for a in Application.objects.filter(candidate=survivor).select_related("stage", "job")
    }
    theirs = Application.objects.filter(candidate=other, job_id__in=list(mine)).select_related(
        "stage", "job"
    )
    app_relations = [
        f for m in apps.get_models(include_auto_created=True) for f in m._meta.concrete_fields
        if f.is_relation and (f.many_to_one or f.one_to_one) and f.remote_field.model is Application
    ]
    for their_app in theirs:
        my_app = mine[their_app.job_id]
        if _application_rank(my_app, True) >= _application_rank(their_app, False):
            keeper, loser = my_app, their_app
        else:
            keeper, loser = their_app, my_app
        for fk in app_relations:
            fk.model._base_manager.filter(**{fk.name: loser}).update(**{fk.name: keeper})
        note = (
            f"Combined with the duplicate application of {loser.candidate} to {loser.job.title}"
            f" (it was at {loser.stage.name}, entered {loser.stage_entered_at:%Y-%m-%d});"
            f" its stage history and activities are kept here."
        )
        Activity.objects.create(
            organization_id=keeper.organization_id, candidate_id=keeper.candidate_id,
            application=keeper, kind=ActivityKind.SYSTEM, subject="Applications combined",
            body=note, actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if not keeper.next_action and keeper.stage.is_open and loser.next_action:
            keeper.next_action = loser.next_action
            keeper.next_action_due_at = loser.next_action_due_at
            keeper.save(update_fields=["next_action", "next_action_due_at", "updated_at"])
        result.combined_applications.append(
            f"{keeper.job.title}: kept {keeper.stage.name}, folded in {loser.stage.name}"
        )
        loser.delete()


def _move_children_deduplicated(model, fk, survivor, other, result: MergeResult) -> None:
    key_of = DEDUPE_KEYS[model]
    have = {key_of(r) for r in model._base_manager.filter(**{fk.name: survivor})}
    have.discard(None)
    to_move = []
    for row in model._base_manager.filter(**{fk.name: other}):
        key = key_of(row)
        if key is not None and key in have:
            result.kept_on_merged[_label(model)] += 1
            continue
        have.add(key)
        to_move.append(row.pk)
    if to_move:
        result.moved[_label(model)] += model._base_manager.filter(pk__in=to_move).update(
            **{fk.name: survivor}
        )


def _keep_contact_points(survivor: Candidate, other: Candidate, contacts, result: MergeResult
                         ) -> None:
    """Every email and phone of both records stays on the survivor: the main ones chosen in
    the merge stay main, every other one (both records' former main ones, the other record's
    secondary ones) becomes a secondary contact point of the survivor, once."""
    main = {
        ContactKind.EMAIL: survivor.email_normalized, ContactKind.PHONE: survivor.phone_normalized
    }
    have = {
        (kind, value): pk
        for pk, kind, value in ContactPoint.objects.filter(candidate=survivor)
        .values_list("pk", "kind", "value_normalized")
    }
    # A secondary one that has just become the main one is no longer secondary.
    for (kind, value), pk in list(have.items()):
        if value and value == main[kind]:
            ContactPoint.objects.filter(pk=pk).delete()
            del have[(kind, value)]
    label = _label(ContactPoint)
    for point in ContactPoint.objects.filter(candidate=other).order_by("id"):
        key = (point.kind, point.value_normalized)
        if key in have or point.value_normalized == main[point.kind]:
            result.kept_on_merged[label] += 1
            continue
        ContactPoint.objects.filter(pk=point.pk).update(candidate=survivor)
        have[key] = point.pk
        result.moved[label] += 1
    for kind, value, key, note in contacts:
        if not key or key == main[kind] or (kind, key) in have:
            continue
        created = ContactPoint.objects.create(
            organization_id=survivor.organization_id, candidate=survivor, kind=kind,
            value=value, value_normalized=key, note=note[:200],
        )
        have[(kind, key)] = created.pk
        if "merged record" in note:
            result.moved[label] += 1


def _move_rows(fk, survivor, other, result: MergeResult) -> None:
    model = fk.model
    qs = model._base_manager.filter(**{fk.name: other})
    if not _is_unique_with(model, fk):
        n = qs.update(**{fk.name: survivor})
        if n:
            result.moved[_label(model)] += n
        return
    # A uniqueness rule involves the candidate: move row by row, keep what cannot move.
    for pk in list(qs.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                model._base_manager.filter(pk=pk).update(**{fk.name: survivor})
            result.moved[_label(model)] += 1
        except IntegrityError:
            result.kept_on_merged[_label(model)] += 1


def _move_dismissals(survivor, other) -> None:
    for d in DuplicateDismissal.objects.filter(
        models.Q(first=other) | models.Q(second=other)
    ):
        x = d.second_id if d.first_id == other.pk else d.first_id
        if x == survivor.pk:
            d.delete()
            continue
        a, b = sorted((survivor.pk, x))
        if DuplicateDismissal.objects.filter(first_id=a, second_id=b).exists():
            d.delete()
        else:
            DuplicateDismissal.objects.filter(pk=d.pk).update(first_id=a, second_id=b)


def _check(survivor: Candidate, other: Candidate) -> None:
    if survivor.pk == other.pk:
        raise ValidationError({"other": "A record cannot be merged with itself."})
    if survivor.organization_id != other.organization_id:
        raise ValidationError({"other": "The records belong to different organizations."})
    # Read the merge state again under a row lock: two people merging at once must not both win.
    state = dict(
        Candidate.objects.select_for_update()
        .filter(pk__in=[survivor.pk, other.pk])
        .values_list("pk", "merged_into_id")
    )
    if state.get(survivor.pk):
        raise ValidationError(
            {"survivor": f"{survivor} was already merged into another record; merge into that "
                         "record instead."}
        )
    if state.get(other.pk):
        raise ValidationError(
            {"other": f"{other} was already merged into another record."}
        )


def check_field_choices(field_choices: dict | None) -> dict[str, str]:
    """Validate {field group: "survivor" | "other"}; raises ValidationError naming the field."""
    errors = {}
    clean = {}
    for name, choice in (field_choices or {}).items():
        if name not in MERGE_FIELDS_BY_NAME:
            errors[name] = f"“{name}” is not a field that can be chosen in a merge."
        elif choice not in (SURVIVOR, OTHER):
            errors[name] = "Choose “survivor” or “other”."
        else:
            clean[name] = choice
    if errors:
        raise ValidationError(errors)
    return clean


def do_merge_candidates(
    survivor: Candidate, other: Candidate, *, actor, field_choices: dict | None = None,
    via: str = "web",
) -> MergeResult:
    """Merge `other` into `survivor` (see the module docstring). Raises ValidationError when
    the merge is not possible: the same record, an already-merged record, another org, or a
    field choice that makes no sense. Call inside transaction.atomic()."""
    choices = check_field_choices(field_choices)
    _check(survivor, other)
    result = MergeResult(survivor=survivor, other=other)
    before = {f: getattr(survivor, _attname(f)) for g in MERGE_FIELDS for f in g.fields}
    # Every address and number either record had as its main one, before the choices.
    merged_note = f"from the merged record of {other}"
    contacts = [
        (ContactKind.EMAIL, survivor.email, survivor.email_normalized, "main email before a merge"),
        (ContactKind.PHONE, survivor.phone, survivor.phone_normalized, "main phone before a merge"),
        (ContactKind.EMAIL, other.email, other.email_normalized, merged_note),
        (ContactKind.PHONE, other.phone, other.phone_normalized, merged_note),
    ]

    # 1. Field values.
    for group in MERGE_FIELDS:
        choice = choices.get(group.name) or default_choice(survivor, other, group)
        if choice == OTHER:
            for f in group.fields:
                setattr(survivor, _attname(f), getattr(other, _attname(f)))
    if survivor.referred_by_id in (survivor.pk, other.pk):
        survivor.referred_by = None  # a person cannot be their own referrer
    survivor.full_clean(exclude=["organization", "tags", "referred_by", "owner"])

    # 2. Two applications to the same job become one, before anything else moves.
    _combine_applications(survivor, other, actor=actor, result=result)

    # 3. Every row that points at the other record.
    for fk in candidate_relations():
        kind = _special(fk)
        if kind == "audit":
            continue  # append-only; see the module docstring
        if kind == "dismissal":
            if fk.name == "first":  # both columns handled at once
                _move_dismissals(survivor, other)
            continue
        if kind == "tags":
            tags = list(other.tags.all())
            new = [t for t in tags if t.pk not in set(survivor.tags.values_list("pk", flat=True))]
            survivor.tags.add(*tags)
            if new:
                result.moved["tags"] += len(new)
            continue
        if kind == "referral":
            n = Candidate._base_manager.filter(referred_by=other).exclude(pk=survivor.pk).update(
                referred_by=survivor
            )
            if n:
                result.moved["referrals"] += n
            continue
        if kind == "contact_points":
            _keep_contact_points(survivor, other, contacts, result)
            continue
        if fk.model in DEDUPE_KEYS:
            _move_children_deduplicated(fk.model, fk, survivor, other, result)
            continue
        _move_rows(fk, survivor, other, result)
    # Records merged into the other one earlier now point straight at the survivor.
    Candidate._base_manager.filter(merged_into=other).update(merged_into=survivor)

    # 4. Save both records.
    now = timezone.now()
    latest = [d for d in (survivor.last_activity_at, other.last_activity_at) if d]
    survivor.last_activity_at = max(latest) if latest else None
    if other.created_at < survivor.created_at:
        survivor.created_at = other.created_at  # in the pool since the first record came in
    survivor.save()
    other.merged_into = survivor
    other.save(update_fields=["merged_into", "updated_at"])
    refresh_search_text(survivor)

    after = {f: getattr(survivor, _attname(f)) for f in before}
    changes = audit.diff(
        {k: v for k, v in before.items() if not k.endswith("_normalized")},
        {k: v for k, v in after.items() if not k.endswith("_normalized")},
    )
    result.changes = changes
    summary = result.summary()
    audit.record(
        actor=actor, action=AuditAction.MERGE, obj=survivor, via=via,
        changes={
            **changes,
            "merged_from": [None, f"{other} ({other.uuid})"],
            "moved": summary,
            **({"combined_applications": "; ".join(result.combined_applications)}
               if result.combined_applications else {}),
        },
    )
    audit.record(
        actor=actor, action=AuditAction.MERGE, obj=other, via=via,
        changes={"merged_into": [None, f"{survivor} ({survivor.uuid})"], "moved": summary},
    )
    body = f"Moved from the merged record: {summary}."
    if result.kept_on_merged:
        kept = ", ".join(f"{n} {label}" for label, n in sorted(result.kept_on_merged.items()))
        body += f" Already here, so left on the merged record: {kept}."
    if result.combined_applications:
        body += " Applications combined: " + "; ".join(result.combined_applications) + "."
    Activity.objects.create(
        organization_id=survivor.organization_id, candidate=survivor, kind=ActivityKind.SYSTEM,
        subject=f"Merged with {other}", body=body, occurred_at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return result
