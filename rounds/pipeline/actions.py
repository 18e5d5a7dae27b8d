"""Pipeline writes: adding candidates to a job, moving them between stages, next actions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.candidates.actions import mark_changed
from rounds.candidates.choices import Source

from .choices import StageKind
from .models import DEFAULT_STAGES, Application, Stage, StageChange

DEFAULT_NEXT_ACTION = {
    "Sourced": ("Reach out: you, or someone you know?", 1),
    "Contacted": ("Follow up if no reply", 3),
    "Engaged": ("Book a short call", 1),
    "Screened": ("Arrange interview / site visit", 3),
    "Interview / site visit": ("Debrief with hiring team", 2),
    "Offer": ("Follow up on the offer", 2),
}


# Sources where the candidate came to us by applying, not by being found.
CANDIDATE_APPLIED = (Source.CAREER_SITE, Source.JOB_BOARD)


def ensure_default_stages(organization_id: int) -> list[Stage]:
    """Create the default pipeline for an organization that has none."""
    existing = list(Stage.objects.filter(organization_id=organization_id))
    if existing:
        return existing
    return Stage.objects.bulk_create(
        Stage(organization_id=organization_id, name=name, sequence=(i + 1) * 10, kind=kind)
        for i, (name, kind) in enumerate(DEFAULT_STAGES)
    )


def default_next_action(stage: Stage, now=None) -> tuple[str, object]:
    text, days = DEFAULT_NEXT_ACTION.get(stage.name, ("Check in", 2))
    return text, (now or timezone.now()) + timedelta(days=days)


def do_add_to_pipeline(
    candidate, job, *, actor, stage: Stage | None = None, owner=None,
    next_action: str = "", next_action_due_at=None, via: str = "web",
) -> Application:
    """Put a candidate in a job's pipeline (first stage by default), with an owner and a next
    action. Raises ValidationError if they are already in it or belong to another org."""
    if candidate.organization_id != job.organization_id:
        raise ValidationError("Candidate and job belong to different organizations.")
    if Application.objects.filter(candidate=candidate, job=job).exists():
        raise ValidationError({"candidate": f"{candidate} is already in the pipeline for {job}."})
    stages = ensure_default_stages(job.organization_id)
    stage = stage or min(stages, key=lambda s: s.sequence)
    if stage.organization_id != job.organization_id:
        raise ValidationError({"stage": "Unknown stage."})
    now = timezone.now()
    if stage.is_open and not next_action:
        next_action, default_due = default_next_action(stage, now)
        next_action_due_at = next_action_due_at or default_due
    application = Application.objects.create(
        organization_id=job.organization_id, candidate=candidate, job=job, stage=stage,
        stage_entered_at=now, owner=owner or job.owner or actor, next_action=next_action,
        next_action_due_at=next_action_due_at if stage.is_open else None,
        created_by=actor, source=candidate.source,
    )
    StageChange.objects.create(
        organization_id=job.organization_id, application=application, from_stage=None,
        to_stage=stage, actor=actor, at=now,
    )
    Activity.objects.create(
        organization_id=job.organization_id, candidate=candidate, application=application,
        kind=ActivityKind.STAGE_CHANGE, subject=f"Added to {job.title} — {stage.name}",
        actor=actor, occurred_at=now,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=application, via=via)
    # Applications count in the candidate's match profile: its stamp must move.
    mark_changed(candidate.pk)
    # The features built on the pipeline hear of it in this transaction (respond-now starts its
    # clock for someone who applied).
    from . import hooks

    hooks.added(application)
    return application


def do_move_application(
    application: Application, stage: Stage, *, actor, reason: str = "", note: str = "",
    next_action: str = "", next_action_due_at=None, via: str = "web",
) -> StageChange | None:
    """Move an application to another stage and record the move (from, to, who, when, why).

    Rejected and withdrawn need a reason. An application still open gets a next action: the one
    given, or the stage's default. Moving to the stage it is in changes nothing."""
    if stage.organization_id != application.organization_id:
        raise ValidationError({"stage": "Unknown stage."})
    if stage.pk == application.stage_id:
        return None
    if stage.needs_reason and not reason:
        raise ValidationError({"reason": f"Say why the candidate is {stage.name.lower()}."})
    now = timezone.now()
    change = StageChange.objects.create(
        organization_id=application.organization_id, application=application,
        from_stage=application.stage, to_stage=stage, actor=actor, at=now, reason=reason,
        note=note,
    )
    from_name = application.stage.name
    application.stage = stage
    application.stage_entered_at = now
    if stage.is_open:
        if not next_action:
            next_action, due = default_next_action(stage, now)
            next_action_due_at = next_action_due_at or due
        application.next_action = next_action
        application.next_action_due_at = next_action_due_at
        application.disposition_reason = ""
    else:
        application.next_action = ""
        application.next_action_due_at = None
        application.disposition_reason = reason
        application.disposition_note = note
    application.save()
    label = f"{from_name} → {stage.name}"
    if reason:
        label += f" ({change.get_reason_display()})"
    Activity.objects.create(
        organization_id=application.organization_id, candidate_id=application.candidate_id,
        application=application, kind=ActivityKind.STAGE_CHANGE,
        subject=f"{application.job.title}: {label}", body=note, actor=actor, occurred_at=now,
    )
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=application, via=via,
                 changes={"stage": [from_name, stage.name]})
    # Engaged, hired and rejected count in the candidate's match profile: its stamp must move.
    mark_changed(application.candidate_id)
    from . import hooks

    hooks.moved(change)  # e.g. engaged, hired or rejected-for-fit tunes the match weights
    return change


def do_set_next_action(application: Application, *, actor, text: str, due_at, owner=None,
                       via: str = "web") -> Application:
    if not application.stage.is_open:
        raise ValidationError({"next_action": "This application is closed."})
    if not text or not text.strip():
        raise ValidationError({"next_action": "Say what happens next."})
    if due_at is None:
        raise ValidationError({"next_action_due_at": "Say when it is due."})
    before = (application.next_action, application.next_action_due_at, application.owner_id)
    application.next_action = text.strip()[:200]
    application.next_action_due_at = due_at
    if owner is not None:
        if owner.organization_id != application.organization_id:
            raise ValidationError({"owner": "Unknown user."})
        application.owner = owner
    application.save(update_fields=["next_action", "next_action_due_at", "owner", "updated_at"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=application, via=via,
                 changes={"next_action": [f"{before[0]} @ {before[1]}", f"{text} @ {due_at}"]})
    return application


def do_complete_next_action(application: Application, *, actor, text: str, due_at, owner=None,
                            via: str = "web") -> Application:
    """Mark the current next action done (a line on the candidate's timeline) and set the one
    that follows: an open application always has a next action."""
    done = application.next_action
    do_set_next_action(application, actor=actor, text=text, due_at=due_at, owner=owner, via=via)
    if done:
        Activity.objects.create(
            organization_id=application.organization_id, candidate_id=application.candidate_id,
            application=application, kind=ActivityKind.SYSTEM,
            subject=f"Done: {done}"[:200], body=f"Next: {application.next_action}",
            actor=actor, occurred_at=timezone.now(),
        )
    return application


# --- moves the conversation makes ------------------------------------------------------------
# Stages are data, so these find the stage by its default name; an organization that renamed
# or removed it gets no automatic move. They only move forward: an application already at or
# past the stage (or closed) stays where it is.

CONTACTED = "Contacted"
ENGAGED = "Engaged"


def _stage_named(organization_id: int, name: str) -> Stage | None:
    return Stage.objects.filter(organization_id=organization_id, name__iexact=name,
                                kind=StageKind.ACTIVE).first()


def _behind(candidate, target: Stage, *, application=None, actor=None) -> list[Application]:
    """The application named (when it is the candidate's), else the candidate's open ones the
    actor may see; only those still before `target`."""
    if application is not None:
        apps = [application] if application.candidate_id == candidate.pk else []
    else:
        qs = Application.objects.filter(candidate=candidate).open()
        if actor is not None and getattr(actor, "is_authenticated", False):
            qs = qs.visible_to(actor)
        apps = list(qs.select_related("stage", "job").order_by("id"))
    return [a for a in apps if a.stage.is_open and a.stage.sequence < target.sequence]


def do_mark_contacted(candidate, *, actor, application=None, how: str = "message sent",
                      via: str = "web") -> list[StageChange]:
    """A message went to the candidate: their applications still before "Contacted" (the one
    it is about, or all they are in that the sender sees) move there, recorded as the sender's
    move, and the next action they had ("reach out…") is marked done."""
    target = _stage_named(candidate.organization_id, CONTACTED)
    if target is None:
        return []
    changes = []
    for app in _behind(candidate, target, application=application, actor=actor):
        done = app.next_action
        change = do_move_application(app, target, actor=actor, via=via,
                                     note=f"Automatic: {how}"[:300])
        changes.append(change)
        if done:
            Activity.objects.create(
                organization_id=app.organization_id, candidate_id=app.candidate_id,
                application=app, kind=ActivityKind.SYSTEM, subject=f"Done: {done}"[:200],
                body=f"Next: {app.next_action}", actor=actor, occurred_at=change.at,
            )
    return changes


def do_mark_engaged(candidate, *, application=None, how: str = "replied",
                    excerpt: str = "") -> list[StageChange]:
    """The candidate answered: their applications still before "Engaged" (the one the
    conversation is about, or all their open ones) move there, recorded as the system's move
    (no actor) with what they wrote as the note. Someone already screened stays screened."""
    target = _stage_named(candidate.organization_id, ENGAGED)
    if target is None:
        return []
    note = f"Automatic: {how}" + (f": “{excerpt}”" if excerpt else "")
    if len(note) > 300:
        note = note[:298] + "…”"
    return [do_move_application(app, target, actor=None, via="system", note=note)
            for app in _behind(candidate, target, application=application)]


def do_withdraw_erased(candidate_ids: list[int], organization_id: int, *, now=None) -> int:
    """Withdraw the open applications of candidates being erased (rounds/pipeline/erasure.py):
    a stage change by no one to the organization's Withdrawn stage, and no hooks — there is
    no one to write to and nothing to learn. Returns how many moved."""
    from .choices import DispositionReason

    now = now or timezone.now()
    withdrawn = (Stage.objects.filter(organization_id=organization_id,
                                      kind=StageKind.WITHDRAWN).order_by("sequence", "id").first())
    if withdrawn is None:
        return 0
    moved = 0
    for app in Application.objects.filter(candidate_id__in=candidate_ids,
                                          stage__kind=StageKind.ACTIVE).only(
            "pk", "stage_id", "organization_id"):
        StageChange.objects.create(
            organization_id=app.organization_id, application_id=app.pk,
            from_stage_id=app.stage_id, to_stage=withdrawn, at=now,
            reason=DispositionReason.OTHER,
        )
        Application.objects.filter(pk=app.pk).update(
            stage=withdrawn, stage_entered_at=now, disposition_reason=DispositionReason.OTHER)
        moved += 1
    return moved


def pipeline_counts(job_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """{job_id: {stage_id: applications}} for many jobs in one aggregate query."""
    job_ids = list(job_ids)
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    if not job_ids:
        return counts
    rows = (Application.objects.filter(job_id__in=job_ids).order_by()
            .values_list("job_id", "stage_id").annotate(n=Count("id")))
    for job_id, stage_id, n in rows:
        counts[job_id][stage_id] = n
    return counts
