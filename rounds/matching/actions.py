"""Writes of matching: feedback on matches, learning from pipeline outcomes, tuning weights.
The caller owns the transaction.

Learning is a small, explainable step. A signal says "this candidate was right (or wrong) for
this job". The candidate's component scores are compared with the average of the job's current
top matches: components where the candidate stands out gain weight after a positive signal and
lose it after a negative one, and the other way round. Each step moves a weight by at most a few
points, weights stay between MIN_WEIGHT and MAX_WEIGHT and sum to 1, and every change is stored
with its cause (WeightChange) so the settings page can show what changed and why."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction

from .choices import (
    DEFAULT_WEIGHTS,
    MAX_WEIGHT,
    MIN_WEIGHT,
    Component,
    FeedbackSource,
    learned_bounds,
)
from .engine import rank, score_candidate, spec_for_job, weights_for
from .index import for_organization
from .models import MatchFeedback, MatchWeights, WeightChange

# How far one signal moves the weights, and in which direction.
LEARNING = {
    FeedbackSource.THUMBS_UP: (+1, 0.06),
    FeedbackSource.THUMBS_DOWN: (-1, 0.06),
    FeedbackSource.ENGAGED: (+1, 0.02),
    FeedbackSource.HIRED: (+1, 0.08),
    FeedbackSource.REJECTED: (-1, 0.03),
}
BASELINE_SIZE = 20
# Rejections that say something about fit; "position filled" or "no response" do not.
FIT_REASONS = {"not_qualified", "licensure", "location", "compensation", "timing", "fit"}


def _normalise(weights: dict[str, float]) -> dict[str, float]:
    w = {k: min(max(float(weights.get(k, v)), MIN_WEIGHT), MAX_WEIGHT)
         for k, v in DEFAULT_WEIGHTS.items()}
    for _ in range(5):  # clamping and rescaling converge in a few rounds
        total = sum(w.values())
        w = {k: min(max(v / total, MIN_WEIGHT), MAX_WEIGHT) for k, v in w.items()}
    total = sum(w.values())
    return {k: round(v / total, 4) for k, v in w.items()}


def _bounds(key: str, current: float) -> tuple[float, float]:
    """Where learning may take a weight: within half and twice its default, or no further
    from it than it already is (a weight set by hand outside that range is not pushed out
    further by a signal)."""
    low, high = learned_bounds(key)
    return min(low, current), max(high, current)


def _weights_row(organization_id: int) -> MatchWeights:
    row = MatchWeights.objects.select_for_update().filter(organization_id=organization_id).first()
    if row is None:
        row, _ = MatchWeights.objects.get_or_create(
            organization_id=organization_id, defaults={"weights": dict(DEFAULT_WEIGHTS)}
        )
    return row


def _describe(before: dict[str, float], after: dict[str, float]) -> str:
    moved = sorted(
        ((k, after[k] - before.get(k, 0)) for k in after if abs(after[k] - before.get(k, 0))
         >= 0.0005),
        key=lambda kv: -abs(kv[1]),
    )
    if not moved:
        return "no change"
    return ", ".join(
        f"{Component(k).label.lower()} {'+' if d > 0 else '−'}{abs(d) * 100:.1f}"
        for k, d in moved[:3]
    )


def learn(job, candidate, source: str, *, actor=None, stage_change=None) -> MatchFeedback:
    """Record a signal about (job, candidate) and move the organization's weights by it."""
    organization_id = job.organization_id
    spec = spec_for_job(job)
    index = for_organization(organization_id)
    row = _weights_row(organization_id)
    before = row.effective()
    match = score_candidate(spec, index, candidate.pk, before)
    feedback = MatchFeedback.objects.create(
        organization_id=organization_id, job=job, candidate=candidate, source=source,
        user=actor if getattr(actor, "is_authenticated", False) else None,
        stage_change=stage_change, components=match.components if match else {},
        score=match.score if match else None,
    )
    if match is None:
        return feedback  # excluded by law or unknown: nothing to learn from
    baseline = rank(spec, organization_id=organization_id, limit=BASELINE_SIZE,
                    weights=before, index=index).results
    direction, rate = LEARNING[source]
    after = dict(before)
    applicable = [k for k in match.components if k in DEFAULT_WEIGHTS]
    for key in applicable:
        value = match.components[key]
        values = [m.components.get(key, value) for m in baseline] or [value]
        mean = sum(values) / len(values)
        # A yes says what mattered and what didn't; a no only what they lacked (a far
        # candidate turned down says distance matters, not that their specialty doesn't).
        step = value - mean if direction > 0 else min(value - mean, 0.0)
        moved = before[key] + direction * rate * step * before[key] / 0.15
        low, high = _bounds(key, before[key])
        after[key] = min(max(moved, low), high)
    # Only the components that applied to this job move: they keep their share between them,
    # so a signal on a permanent job leaves the locum-only availability weight alone.
    share_before = sum(before[k] for k in applicable)
    for _ in range(8):  # rescale and clamp until the share is kept
        bounds = {k: _bounds(k, before[k]) for k in applicable}
        free = [k for k in applicable if bounds[k][0] < after[k] < bounds[k][1]]
        fixed = sum(after[k] for k in applicable if k not in free)
        share_free = sum(after[k] for k in free)
        if not free or share_free <= 0:
            break
        scale = (share_before - fixed) / share_free
        for key in free:
            after[key] = min(max(after[key] * scale, bounds[key][0]), bounds[key][1])
    after = {k: round(v, 4) for k, v in after.items()}
    summary = _describe(before, after)
    row.weights = after
    row.signals += 1
    row.save()
    who = candidate.full_name
    WeightChange.objects.create(
        organization_id=organization_id, source=source, feedback=feedback,
        actor=feedback.user, before=before, after=after,
        summary=f"{FeedbackSource(source).label} — {who} for {job.title}: {summary}"[:300],
    )
    return feedback


def do_record_feedback(job, candidate, *, actor, positive: bool) -> MatchFeedback | None:
    """A recruiter's thumbs up or down on a match. Repeating the same verdict changes nothing;
    changing it counts as a new signal."""
    if candidate.organization_id != job.organization_id:
        raise ValidationError({"candidate": "Unknown candidate."})
    source = FeedbackSource.THUMBS_UP if positive else FeedbackSource.THUMBS_DOWN
    last = (MatchFeedback.objects.filter(
        job=job, candidate=candidate, user=actor,
        source__in=[FeedbackSource.THUMBS_UP, FeedbackSource.THUMBS_DOWN],
    ).order_by("-created_at", "-id").first())
    if last is not None and last.source == source:
        return None
    feedback = learn(job, candidate, source, actor=actor)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=candidate,
                 changes={"match_feedback": [None, f"{feedback.get_source_display()} for "
                                                    f"{job.title}"]})
    return feedback


def current_verdicts(job, user) -> dict[int, str]:
    """The user's latest thumbs per candidate for this job: {candidate_id: source}."""
    out: dict[int, str] = {}
    for cid, source in (MatchFeedback.objects.filter(
        job=job, user=user, source__in=[FeedbackSource.THUMBS_UP, FeedbackSource.THUMBS_DOWN]
    ).order_by("created_at", "id").values_list("candidate_id", "source")):
        out[cid] = source
    return out


def outcome_of(stage_change) -> str | None:
    """What a stage move says about the match, if anything."""
    from rounds.pipeline.choices import StageKind

    stage = stage_change.to_stage
    if stage.kind == StageKind.HIRED:
        return FeedbackSource.HIRED
    if stage.kind == StageKind.REJECTED:
        return FeedbackSource.REJECTED if stage_change.reason in FIT_REASONS else None
    if stage.kind == StageKind.ACTIVE and stage.name.lower().startswith("engaged"):
        return FeedbackSource.ENGAGED
    return None


def do_learn_from_stage_change(stage_change) -> MatchFeedback | None:
    """Learn from a pipeline move once (a stage change is learnt from at most one time)."""
    source = outcome_of(stage_change)
    if source is None or MatchFeedback.objects.filter(stage_change=stage_change).exists():
        return None
    application = stage_change.application
    if source == FeedbackSource.HIRED and MatchFeedback.objects.filter(
        job_id=application.job_id, candidate_id=application.candidate_id,
        source=FeedbackSource.HIRED,
    ).exists():
        return None  # hired → started counts once
    return learn(application.job, application.candidate, source, stage_change=stage_change)


def do_set_weights(organization_id: int, weights: dict[str, float], *, actor) -> MatchWeights:
    """Weights set by hand (any positive numbers; they are scaled to sum to 1)."""
    unknown = [k for k in weights if k not in DEFAULT_WEIGHTS]
    if unknown:
        raise ValidationError({"weights": f"Unknown component: {', '.join(unknown)}."})
    bad = [k for k, v in weights.items() if not isinstance(v, int | float) or v < 0]
    if bad:
        raise ValidationError({"weights": f"Weights must be zero or more: {', '.join(bad)}."})
    if sum(weights.values()) <= 0:
        raise ValidationError({"weights": "At least one weight must be above zero."})
    row = _weights_row(organization_id)
    before = row.effective()
    after = _normalise({**before, **weights})
    row.weights = after
    row.save()
    WeightChange.objects.create(
        organization_id=organization_id, source=FeedbackSource.MANUAL, actor=actor,
        before=before, after=after, summary=f"Set by hand: {_describe(before, after)}"[:300],
    )
    return row


def do_reset_weights(organization_id: int, *, actor) -> MatchWeights:
    row = _weights_row(organization_id)
    before = row.effective()
    row.weights = dict(DEFAULT_WEIGHTS)
    row.signals = 0
    row.save()
    WeightChange.objects.create(
        organization_id=organization_id, source=FeedbackSource.RESET, actor=actor,
        before=before, after=row.effective(),
        summary=f"Reset to defaults: {_describe(before, row.effective())}"[:300],
    )
    return row


def current_weights(organization_id: int) -> dict[str, float]:
    return weights_for(organization_id)
