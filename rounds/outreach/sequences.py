"""Sequences: multi-step outreach with delays (an email, a text three days later if allowed, then
a call task), stopping for a candidate the moment they reply or opt out.

A step's time is `delay_hours` after the previous step ran (or after enrolment). `run_due` runs
every step that is due; it advances an enrolment by a conditional update before doing the step,
so two workers never run one step twice, and the step's message carries the idempotency key
`seq:<enrolment>:<position>` as a second guard. The send policy judges each message: a step whose
channel the policy refuses for this candidate is skipped with the reason on the timeline, not
failed, and the sequence goes on."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.candidates.actions import mark_changed
from rounds.followups.choices import FollowUpKind
from rounds.followups.models import FollowUp
from rounds.messaging import policy
from rounds.messaging.choices import MessageChannel, MessageStatus, Topic
from rounds.messaging.models import Message

from .choices import EnrollmentStatus, SequenceAction, StopReason
from .models import Enrollment, MessageTemplate, Sequence, SequenceStep

log = logging.getLogger(__name__)

MAX_STEPS = 20
RUN_BATCH = 500
# Verdicts that mean "this person must not be called": anything else (no call consent recorded
# yet, outside calling hours now) leaves the call to the recruiter's judgement at call time.
CALL_REFUSALS = {"no_address", "do_not_contact", "revoked", "suppressed", "topic_muted"}
STEP_CHANNEL = {SequenceAction.EMAIL: MessageChannel.EMAIL, SequenceAction.SMS: MessageChannel.SMS,
                SequenceAction.CALL_TASK: MessageChannel.CALL}

STEP = "outreach.sequence_step"  # the purpose of a step's message (apps.py)


# --- building sequences -------------------------------------------------------------------


def _clean_steps(organization_id: int, steps: Iterable[dict]) -> list[SequenceStep]:
    """SequenceStep rows (unsaved) from dicts of action, delay_hours, template, note. Errors
    name the step and the field: {"steps": ["Step 2 — template: …"]}."""
    rows, problems = [], []
    for i, raw in enumerate(steps):
        number = i + 1
        template = raw.get("template")
        if template is not None and not isinstance(template, MessageTemplate):
            template = MessageTemplate.objects.filter(
                organization_id=organization_id, pk=template).first()
            if template is None:
                problems.append(f"Step {number} — template: unknown template.")
                continue
        if template is not None and template.organization_id != organization_id:
            problems.append(f"Step {number} — template: unknown template.")
            continue
        action = raw.get("action") or ""
        if action not in SequenceAction.values:
            problems.append(f"Step {number} — action: choose email, text or call task.")
            continue
        try:
            delay = int(raw.get("delay_hours") or 0)
        except (TypeError, ValueError):
            delay = -1
        if delay < 0:
            problems.append(f"Step {number} — delay: give a number of hours, 0 or more.")
            continue
        if action == SequenceAction.CALL_TASK:
            template = None  # a call task says what to say in its note
        step = SequenceStep(position=i, action=action, delay_hours=delay, template=template,
                            note=(raw.get("note") or "").strip()[:200])
        try:
            step.clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                problems.extend(f"Step {number} — {field}: {m}" for m in messages)
            continue
        if template is not None and template.is_archived:
            problems.append(f"Step {number} — template: “{template}” is archived.")
            continue
        rows.append(step)
    if not rows and not problems:
        problems.append("Add at least one step.")
    if len(rows) > MAX_STEPS:
        problems.append(f"A sequence has at most {MAX_STEPS} steps.")
    if problems:
        raise ValidationError({"steps": problems})
    return rows


def _clean_name(organization_id: int, name: str, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Name the sequence."})
    clash = Sequence.objects.filter(organization_id=organization_id, name__iexact=name)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": f"There is already a sequence called “{name}”."})
    return name[:120]


def do_create_sequence(org, *, name: str, steps: Iterable[dict], actor,
                       topic: str = Topic.JOBS, is_active: bool = True,
                       via: str = "web") -> Sequence:
    """A sequence with its steps. Each step is a dict: action (email, sms, call_task),
    delay_hours, template (a MessageTemplate or its id; for email and sms) and note."""
    name = _clean_name(org.pk, name)
    if topic not in Topic.values:
        raise ValidationError({"topic": "Choose a topic."})
    rows = _clean_steps(org.pk, steps)
    sequence = Sequence.objects.create(
        organization=org, name=name, topic=topic, is_active=is_active,
        created_by=actor if _is_user(actor) else None,
    )
    for row in rows:
        row.sequence = sequence
    SequenceStep.objects.bulk_create(rows)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=sequence, via=via,
                 changes={"steps": _step_words(rows)})
    return sequence


def do_update_sequence(sequence: Sequence, *, name: str, steps: Iterable[dict], actor,
                       topic: str | None = None, is_active: bool | None = None,
                       via: str = "web") -> Sequence:
    """Rename, replace the steps, pause or resume. Enrolments in progress go on from the
    position they reached, with the new steps."""
    name = _clean_name(sequence.organization_id, name, exclude_pk=sequence.pk)
    rows = _clean_steps(sequence.organization_id, steps)
    before = {"name": sequence.name, "is_active": sequence.is_active}
    sequence.name = name
    if topic is not None:
        if topic not in Topic.values:
            raise ValidationError({"topic": "Choose a topic."})
        sequence.topic = topic
    if is_active is not None:
        sequence.is_active = is_active
    sequence.save()
    sequence.steps.all().delete()
    for row in rows:
        row.sequence = sequence
    SequenceStep.objects.bulk_create(rows)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=sequence, via=via, changes={
        "name": [before["name"], name], "is_active": [before["is_active"], sequence.is_active],
        "steps": _step_words(rows)})
    if sequence.is_active:
        from .tasks import schedule_sequences

        schedule_sequences(None)  # resumed: anything that fell due while paused runs now
    return sequence


# --- enrolment ----------------------------------------------------------------------------


def _reachability(candidate, channels: Iterable[str], topic: str, at: datetime,
                  ctx: policy.Context | None = None) -> dict[str, policy.Verdict]:
    ctx = ctx or policy.Context.for_org(candidate.organization)
    return {
        ch: policy.decide(policy.facts_for([candidate], ch, ctx, topic=topic, automated=True,
                                           at=at)[candidate.pk], at)
        for ch in channels
    }


def _usable(channel: str, verdict: policy.Verdict) -> bool:
    if channel == MessageChannel.CALL:
        return verdict.rule not in CALL_REFUSALS
    return not verdict.dropped


def do_enroll(sequence: Sequence, candidate, *, actor, application=None,
              at: datetime | None = None, via: str = "web") -> Enrollment:
    """Start `candidate` on `sequence`. Refused with a clear reason when they are already in it,
    or when none of its channels may reach them (opted out of everything, no address)."""
    at = at or timezone.now()
    if candidate.organization_id != sequence.organization_id:
        raise ValidationError({"candidate": "Unknown candidate."})
    if application is not None and application.candidate_id != candidate.pk:
        raise ValidationError({"application": "That application is not this candidate's."})
    if not sequence.is_active:
        raise ValidationError({"sequence": f"“{sequence}” is paused; resume it first."})
    steps = list(sequence.steps.order_by("position"))
    if not steps:
        raise ValidationError({"sequence": f"“{sequence}” has no steps."})
    if Enrollment.objects.filter(sequence=sequence, candidate=candidate,
                                 status=EnrollmentStatus.ACTIVE).exists():
        raise ValidationError({"candidate": f"{candidate} is already in “{sequence}”."})
    channels = sorted({STEP_CHANNEL[s.action] for s in steps})
    verdicts = _reachability(candidate, channels, sequence.topic, at)
    if not any(_usable(ch, v) for ch, v in verdicts.items()):
        why = "; ".join(f"{policy.CHANNEL_WORDS[ch]}: {v.reason}" for ch, v in verdicts.items())
        raise ValidationError({"candidate": f"{candidate} can't be reached by “{sequence}” — "
                                            f"{why}"})
    first_at = at + timedelta(hours=steps[0].delay_hours)
    enrollment = Enrollment(
        organization_id=sequence.organization_id, sequence=sequence, candidate=candidate,
        application=application, next_position=steps[0].position, next_step_at=first_at,
        started_by=actor if _is_user(actor) else None, started_at=at,
    )
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:
        # Someone enrolled them a moment ago (the one-active constraint).
        raise ValidationError(
            {"candidate": f"{candidate} is already in “{sequence}”."}) from None
    _timeline(candidate, f"Started sequence “{sequence}”", at, application=application,
              actor=actor)
    mark_changed(candidate.pk)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=enrollment, via=via,
                 changes={"sequence": sequence.name})
    from .tasks import schedule_sequences

    schedule_sequences(first_at)
    return enrollment


def stop_on_reply(message) -> None:
    """A reply stops the candidate's sequences (messaging.purposes.on_every_reply)."""
    if message.candidate_id is not None:
        stop_for_candidate(message.candidate, StopReason.REPLIED)


def stop_on_opt_out(candidate, *, channels) -> int:
    """An opt-out stops the candidate's sequences (messaging.purposes.on_opt_out)."""
    return stop_for_candidate(candidate, StopReason.OPTED_OUT)


def steps_not_wanted(messages) -> dict[int, str]:
    """Claimed sequence steps whose enrolment stopped meanwhile must not go: one query a
    batch (the purpose's `still_wanted`)."""
    ids = {m.ref_id for m in messages if m.ref_id}
    stopped = dict(Enrollment.objects.filter(
        pk__in=ids, status=EnrollmentStatus.STOPPED).values_list("pk", "stop_reason"))
    out = {}
    for m in messages:
        if m.ref_id in stopped:
            try:
                why = StopReason(stopped[m.ref_id]).label.lower()
            except ValueError:
                why = stopped[m.ref_id] or "stopped"
            out[m.pk] = f"The sequence stopped before this step went out ({why})."
    return out


def stop_for_candidate(candidate, reason: str, *, actor=None, at: datetime | None = None) -> int:
    """Stop every active enrolment of the candidate at once and cancel the messages sequences
    queued or held for them. Returns how many enrolments stopped. Safe to call twice."""
    if reason not in StopReason.values:
        raise ValueError(f"Unknown stop reason {reason!r}")
    at = at or timezone.now()
    candidate_id = candidate.pk if hasattr(candidate, "pk") else int(candidate)
    active = list(Enrollment.objects.filter(candidate_id=candidate_id,
                                            status=EnrollmentStatus.ACTIVE)
                  .select_related("sequence"))
    stopped = Enrollment.objects.filter(
        pk__in=[e.pk for e in active], status=EnrollmentStatus.ACTIVE,
    ).update(status=EnrollmentStatus.STOPPED, stop_reason=reason, ended_at=at,
             next_step_at=None) if active else 0
    label = StopReason(reason).label
    from rounds.messaging.outbox import cancel_pending

    # Held messages of finished enrolments too: a reply or an opt-out stops everything automated.
    cancel_pending(Message.objects.filter(candidate_id=candidate_id, purpose=STEP),
                   f"Sequence stopped: {label.lower()}.")
    if stopped:
        names = ", ".join(f"“{e.sequence}”" for e in active)
        org_id = active[0].organization_id
        Activity.objects.create(
            organization_id=org_id, candidate_id=candidate_id, kind=ActivityKind.SYSTEM,
            subject=f"Stopped {names}: {label.lower()}"[:200], occurred_at=at,
            actor=actor if _is_user(actor) else None,
        )
        mark_changed(candidate_id)
    return stopped


def do_stop_enrollment(enrollment: Enrollment, *, actor, via: str = "web") -> bool:
    """A recruiter stops one enrolment. Its pending messages are cancelled."""
    now = timezone.now()
    stopped = Enrollment.objects.filter(
        pk=enrollment.pk, status=EnrollmentStatus.ACTIVE,
    ).update(status=EnrollmentStatus.STOPPED, stop_reason=StopReason.MANUAL, ended_at=now,
             next_step_at=None)
    if not stopped:
        return False
    from rounds.messaging.outbox import cancel_pending

    cancel_pending(Message.objects.filter(purpose=STEP, ref_id=enrollment.pk),
                   "Sequence stopped by a recruiter.")
    enrollment.refresh_from_db()
    _timeline(enrollment.candidate, f"Stopped “{enrollment.sequence}”: stopped by a recruiter",
              now, application=enrollment.application, actor=actor)
    mark_changed(enrollment.candidate_id)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=enrollment, via=via,
                 changes={"status": [EnrollmentStatus.ACTIVE, EnrollmentStatus.STOPPED]})
    return True


# --- running steps ------------------------------------------------------------------------


def run_due(now: datetime | None = None, limit: int = RUN_BATCH) -> int:
    """Run every step that is due. Each enrolment is advanced by a conditional update in its
    own transaction before its step runs, so a second worker (or a second run) finds nothing
    to do. Returns the number of steps run (skipped ones included)."""
    now = now or timezone.now()
    due = list(
        Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, next_step_at__lte=now,
                                  sequence__is_active=True)
        .select_related("sequence", "candidate__organization", "candidate__owner",
                        "application__job__owner", "application__owner", "started_by")
        .order_by("next_step_at", "id")[:limit]
    )
    steps_of: dict[int, list[SequenceStep]] = {}
    ran = 0
    for enrollment in due:
        steps = steps_of.get(enrollment.sequence_id)
        if steps is None:
            steps = list(SequenceStep.objects.filter(sequence_id=enrollment.sequence_id)
                         .select_related("template").order_by("position"))
            steps_of[enrollment.sequence_id] = steps
        try:
            with transaction.atomic():
                ran += _run_step(enrollment, steps, now)
        except Exception:  # one broken step must not hold up everyone else's
            log.exception("Sequence step failed for enrolment %s; it will be retried",
                          enrollment.pk)
    from .tasks import schedule_sequences

    if len(due) == limit:
        schedule_sequences(None)  # more are due: keep going
    else:
        # The next step due, so a run is always waiting for it (runs coalesce per minute).
        upcoming = Enrollment.objects.filter(
            status=EnrollmentStatus.ACTIVE, next_step_at__gt=now, sequence__is_active=True,
        ).aggregate(at=Min("next_step_at"))["at"]
        if upcoming is not None:
            schedule_sequences(upcoming)
    return ran


def _run_step(enrollment: Enrollment, steps: list[SequenceStep], now: datetime) -> int:
    k = enrollment.next_position
    later = [s for s in steps if s.position >= k]
    step = later[0] if later else None
    following = later[1] if len(later) > 1 else None
    if following is not None:
        advance = {"next_position": following.position,
                   "next_step_at": now + timedelta(hours=following.delay_hours)}
    else:
        advance = {"next_position": (step.position + 1) if step else k, "next_step_at": None,
                   "status": EnrollmentStatus.COMPLETED, "ended_at": now}
    claimed = Enrollment.objects.filter(
        pk=enrollment.pk, next_position=k, status=EnrollmentStatus.ACTIVE,
    ).update(**advance)
    if not claimed:
        return 0  # another worker ran it, or the candidate replied meanwhile
    if step is None:
        return 0
    scheduled = enrollment.next_step_at or now
    if step.action == SequenceAction.CALL_TASK:
        _open_call_task(enrollment, step, scheduled, now)
    else:
        _send_step(enrollment, step, now)
    if following is not None:
        from .tasks import schedule_sequences

        schedule_sequences(advance["next_step_at"])
    else:
        _timeline(enrollment.candidate, f"Finished sequence “{enrollment.sequence}”", now,
                  application=enrollment.application)
    mark_changed(enrollment.candidate_id)
    return 1


def owner_of(enrollment: Enrollment):
    """Who works this candidate: the application's owner, the candidate's, the job's, else
    whoever started the sequence."""
    app = enrollment.application
    return ((app.owner if app is not None else None) or enrollment.candidate.owner
            or (app.job.owner if app is not None else None) or enrollment.started_by)


def _send_step(enrollment: Enrollment, step: SequenceStep, now: datetime) -> Message | None:
    from rounds.messaging.outbox import queue_message

    from . import templating

    candidate = enrollment.candidate
    template = step.template
    job = enrollment.application.job if enrollment.application_id else None
    context = templating.context_for(candidate, job=job, sender=owner_of(enrollment))
    channel = STEP_CHANNEL[step.action]
    subject, subject_error = templating.render_or_error(template.subject, context) if (
        channel == MessageChannel.EMAIL) else ("", "")
    body, body_error = templating.render_or_error(template.body, context)
    if subject_error or body_error:
        # The template can't be written for this candidate: skip the step with the reason
        # rather than fail the run again and again.
        _timeline(candidate, f"Skipped step {step.position + 1} of “{enrollment.sequence}”: "
                  f"the template “{template}” can't be written for them "
                  f"({subject_error or body_error})", now, application=enrollment.application)
        return None
    message = queue_message(
        candidate, channel=channel, subject=subject.strip(), body=body.strip(),
        idempotency_key=f"seq:{enrollment.pk}:{step.position}",
        application=enrollment.application, topic=enrollment.sequence.topic,
        purpose=STEP, ref_id=enrollment.pk, ref_step=step.position, at=now,
    )
    if message.status == MessageStatus.DROPPED:
        # "A text three days later if allowed": not allowed is a skip, not a failure.
        _timeline(candidate, f"Skipped step {step.position + 1} of “{enrollment.sequence}” "
                  f"({step.get_action_display().lower()}): {message.status_reason}", now,
                  application=enrollment.application)
        _stop_if_unreachable(enrollment, now)
    return message


def _stop_if_unreachable(enrollment: Enrollment, now: datetime) -> None:
    """When no channel reaches the candidate any more (opted out of everything), the rest of
    the sequence would only be skipped: stop it with the reason."""
    verdicts = _reachability(enrollment.candidate, (MessageChannel.EMAIL, MessageChannel.SMS,
                                                    MessageChannel.CALL),
                             enrollment.sequence.topic, now)
    if any(_usable(ch, v) for ch, v in verdicts.items()):
        return
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.STOPPED, stop_reason=StopReason.NO_CHANNEL, ended_at=now,
        next_step_at=None)
    _timeline(enrollment.candidate, f"Stopped “{enrollment.sequence}”: no channel allowed",
              now, application=enrollment.application)


def _open_call_task(enrollment: Enrollment, step: SequenceStep, due: datetime,
                    now: datetime) -> FollowUp | None:
    candidate = enrollment.candidate
    verdict = _reachability(candidate, [MessageChannel.CALL], enrollment.sequence.topic,
                            now)[MessageChannel.CALL]
    if not _usable(MessageChannel.CALL, verdict):
        _timeline(candidate, f"Skipped step {step.position + 1} of “{enrollment.sequence}” "
                  f"(call task): {verdict.reason}", now, application=enrollment.application)
        return None
    from rounds.messaging.models import OutreachSettings

    owner = owner_of(enrollment)
    backup = OutreachSettings.for_org(enrollment.organization_id).backup_responder
    note = step.note or f"Call {candidate} ({enrollment.sequence})"
    return FollowUp.objects.create(
        organization_id=enrollment.organization_id, kind=FollowUpKind.CALL_TASK,
        candidate=candidate, application=enrollment.application, owner=owner,
        backup=backup if backup is not None and backup != owner else None,
        note=note[:300], opened_at=now, due_at=due,
    )


def _timeline(candidate, subject: str, at: datetime, *, application=None, actor=None) -> None:
    Activity.objects.create(
        organization_id=candidate.organization_id, candidate=candidate,
        application=application, kind=ActivityKind.SYSTEM, subject=subject[:200],
        body=subject if len(subject) > 200 else "", occurred_at=at,
        actor=actor if _is_user(actor) else None,
    )


def _step_words(rows: list[SequenceStep]) -> str:
    return ", ".join(f"{s.get_action_display().lower()} after {s.delay_hours} h" for s in rows)


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)
