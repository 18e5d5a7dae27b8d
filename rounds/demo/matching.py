"""Demo matching signals: the demo's recruiter judges a few real matches (thumbs up on the best
of some open jobs, thumbs down on a near-miss who can't practise there or won't come), so the
weights page shows learning that makes sense. The invented pipeline history teaches nothing
(rounds.matching.tasks.learning_paused)."""

from __future__ import annotations

from rounds.matching.actions import do_record_feedback
from rounds.matching.engine import rank, spec_for_job

JOBS = 4
LOOKED_AT = 25


def load(loader) -> int:
    """Record the recruiter's thumbs on a few open jobs' matches; returns how many."""
    signals = 0
    turned_down: set[str] = set()  # one no for each reason: a few signals, not a campaign
    jobs = [j for j in loader.jobs if j.status == "open"][:JOBS]
    for job in jobs:
        ranking = rank(spec_for_job(job), organization_id=loader.org.pk, limit=LOOKED_AT)
        results = ranking.results
        if not results:
            continue
        best = results[0]
        do_record_feedback(job, best.candidate, actor=loader.recruiter, positive=True)
        signals += 1
        # The right profession and specialty, but can't practise there or won't come: the
        # one furthest down the page.
        for reason, part, below in (("licence", "licence", 0.6), ("distance", "distance", 0.5)):
            if reason in turned_down:
                continue
            cant_come = [m for m in results[1:] if m.components.get("profession", 1) >= 1
                         and m.components.get("specialty", 1) >= 0.9
                         and m.components.get(part, 1) < below]
            if cant_come:
                do_record_feedback(job, cant_come[-1].candidate, actor=loader.recruiter,
                                   positive=False)
                turned_down.add(reason)
                signals += 1
                break
    return signals
