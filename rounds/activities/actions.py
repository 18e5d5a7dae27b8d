"""Writes on the candidate timeline: notes, call logs, meetings. The caller owns the transaction.

Each one creates an Activity, marks the candidate as recently active, re-indexes the free text
search reads (so a note's words find the candidate) and records an audit event."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.candidates import actions as candidate_actions

from . import hooks
from .choices import ActivityKind, CallOutcome, Direction
from .models import Activity

MAX_DURATION_MINUTES = 24 * 60
# Activities that answer a candidate who is waiting (speed-to-lead).
RESPONSE_KINDS = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.SMS)


def _check_application(candidate, application):
    if application is not None and application.candidate_id != candidate.pk:
        raise ValidationError({"application": "That application is not this candidate's."})


def _check_when(occurred_at: datetime | None) -> datetime:
    now = timezone.now()
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    return occurred_at


def _check_duration(duration_minutes: int | None) -> None:
    if duration_minutes is not None and not 0 <= duration_minutes <= MAX_DURATION_MINUTES:
        raise ValidationError(
            {"duration_minutes": f"Give a duration between 0 and {MAX_DURATION_MINUTES} minutes."}
        )


def _create(candidate, *, actor, via: str, **fields) -> Activity:
    activity = Activity(
        organization_id=candidate.organization_id, candidate=candidate,
        actor=actor if actor is not None and actor.is_authenticated else None, **fields,
    )
    activity.full_clean(exclude=["organization", "candidate", "application", "actor"])
    activity.save()
    candidate_actions.touch_activity(candidate.pk, activity.occurred_at)
    candidate_actions.refresh_search_text(candidate)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=activity, via=via,
                 changes={"added": str(activity)[:200]})
    if activity.actor_id and activity.kind in RESPONSE_KINDS:
        # A recruiter called or wrote: that answers the candidate's waiting reply.
        hooks.responded(candidate, at=activity.occurred_at, actor=actor)
    return activity


def do_add_note(candidate, *, actor, body: str, application=None, occurred_at=None,
                via: str = "web") -> Activity:
    """A free-text note on the candidate (and, optionally, one of their applications)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the note."})
    _check_application(candidate, application)
    return _create(candidate, actor=actor, via=via, kind=ActivityKind.NOTE, body=body,
                   application=application, occurred_at=_check_when(occurred_at))


def do_log_call(candidate, *, actor, outcome: str, body: str = "",
                duration_minutes: int | None = None, direction: str = Direction.OUTBOUND,
                application=None, occurred_at=None, via: str = "web") -> Activity:
    """A phone call that happened: its outcome, how long it took, what was said."""
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": "Choose how the call went."})
    if direction not in (Direction.INBOUND, Direction.OUTBOUND):
        raise ValidationError({"direction": "Say whether the call was inbound or outbound."})
    _check_duration(duration_minutes)
    _check_application(candidate, application)
    label = CallOutcome(outcome).label
    return _create(
        candidate, actor=actor, via=via, kind=ActivityKind.CALL, direction=direction,
        subject=f"Call — {label}", body=(body or "").strip(), outcome=outcome,
        duration_minutes=duration_minutes, application=application,
        occurred_at=_check_when(occurred_at),
    )


def do_log_meeting(candidate, *, actor, subject: str, body: str = "",
                   duration_minutes: int | None = None, application=None, occurred_at=None,
                   via: str = "web") -> Activity:
    """A meeting (in person, video, site visit) with the candidate."""
    subject = (subject or "").strip()
    if not subject:
        raise ValidationError({"subject": "Say what the meeting was (e.g. “Site visit”)."})
    _check_duration(duration_minutes)
    _check_application(candidate, application)
    return _create(
        candidate, actor=actor, via=via, kind=ActivityKind.MEETING, subject=subject[:200],
        body=(body or "").strip(), duration_minutes=duration_minutes, application=application,
        occurred_at=_check_when(occurred_at),
    )


def timeline_queryset(candidate, user=None) -> QuerySet[Activity]:
    """Everything that happened with a candidate, newest first, ready to render."""
    qs = Activity.objects.visible_to(user) if user is not None else Activity.objects.all()
    return (
        qs.filter(candidate=candidate)
        .select_related("actor", "application__job")
        .order_by("-occurred_at", "-id")
    )
