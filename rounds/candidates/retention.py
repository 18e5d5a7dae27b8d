"""The organization's retention period (`Organization.retention_days`, "anonymise candidates
with no activity after N days"; PIPEDA, Alberta PIPA and GDPR storage limitation): a candidate
nobody has touched for that long — no timeline activity, no change to the record, not created
within it — is erased (`erasure.erase`, source "retention"). A scheduled task runs it every
day (`tasks.retention_task`); the owner sees who is due on a preview page and every run in a
log (`RetentionRun`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from . import erasure
from .choices import ErasureSource
from .models import Candidate, RetentionRun

BATCH = 200


def cutoff_for(organization, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=organization.retention_days)


def due(organization, now: datetime | None = None) -> QuerySet:
    """Current records of the organization untouched since the cutoff: created before it,
    changed before it, and no activity after it."""
    cutoff = cutoff_for(organization, now)
    return (Candidate.objects.filter(organization=organization).current()
            .filter(created_at__lt=cutoff, updated_at__lt=cutoff)
            .filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=cutoff)))


def do_run_retention(organization, *, actor=None, now: datetime | None = None) -> RetentionRun:
    """Erase everyone due, in batches each committed on its own (a run stopped halfway has
    erased whole batches and logged them). Not inside a transaction: it opens its own."""
    now = now or timezone.now()
    with transaction.atomic():
        run = RetentionRun.objects.create(
            organization=organization, started_at=now, days=organization.retention_days,
            cutoff=cutoff_for(organization, now),
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
    while True:
        with transaction.atomic():
            batch = list(due(organization, now).order_by("pk")[:BATCH])
            if not batch:
                break
            done = erasure.erase(batch, source=ErasureSource.RETENTION, actor=actor, via="task",
                                 purge=False)
            RetentionRun.objects.filter(pk=run.pk).update(erased=run.erased + len(done))
            run.erased += len(done)
            if not done:
                break
    if run.erased:
        with transaction.atomic():
            erasure.purge_search_index()
    run.finished_at = timezone.now()
    RetentionRun.objects.filter(pk=run.pk).update(finished_at=run.finished_at)
    return run


def run_all(now: datetime | None = None) -> int:
    """Every organization's retention run; returns how many records were anonymised."""
    from rounds.accounts.models import Organization

    return sum(do_run_retention(org, now=now).erased for org in Organization.objects.all())
