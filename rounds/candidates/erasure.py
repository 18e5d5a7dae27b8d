"""Erasing a candidate: their personal data removed from every place it lives, an anonymous
tombstone left for the figures, and the fact (not the data) in the audit log.

The tombstone is the Candidate row itself, kept with `erased_at` set, a new UUID (so links
already sent lead nowhere), the words "Erased candidate" for a name and every other personal
field blank. It keeps what aggregate figures need: organization, profession, source, status,
when the record was created and last active, its owner, who referred them. Applications and
their stage changes stay on it (notes blanked, open ones withdrawn), so pipeline counts,
time-in-stage and source-of-hire still add up; bookings, shift offers, respond-now items and
match feedback stay too, with their free text blanked. `visible_to` and `current()` leave
erased rows out, so no page, search, export or API shows them.

Rows that are only about the person are deleted: contact points, specialties, licences,
certifications, experience, education, availability, consent records, attachments and their
files, tags on the record, duplicate dismissals, and (through the apps that own them) messages
and threads, timeline activities, match profiles, import report rows. An address that must
never be written to again (an unsubscribe, a STOP, a bounce) keeps its suppression as a hash.

Each app above candidates owns the rows it keeps about a candidate and registers an eraser
in its `AppConfig.ready()` (`register`); candidates imports none of them. The records merged
into the candidate are erased with it. The caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, models, transaction
from django.utils import timezone

from rounds.audit import actions as audit
from rounds.audit.choices import AuditAction
from rounds.audit.models import AuditEvent

from .choices import ErasureSource, ErasureStatus
from .models import (
    Attachment,
    Availability,
    Candidate,
    Certification,
    ConsentRecord,
    ContactPoint,
    DuplicateDismissal,
    Education,
    Erasure,
    Experience,
    Licence,
    Specialty,
)
from .search import FTS_TABLE

ERASED_NAME = ("Erased", "candidate")

# What the tombstone keeps; every other field of Candidate is reset to its default.
KEPT_FIELDS = {
    "id", "organization", "uuid", "profession", "status", "source", "referred_by", "owner",
    "merged_into", "created_by", "created_at", "updated_at", "last_activity_at", "erased_at",
    "first_name", "last_name",
}


@dataclass
class Subject:
    """Whom an erasure is about, for the erasers: the record and those merged into it, with
    their addresses (normalized), read before anything is removed."""

    organization_id: int
    ids: list[int]
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    source: str = ErasureSource.OWNER

    @property
    def addresses(self) -> set[str]:
        return self.emails | self.phones


@dataclass(frozen=True)
class Eraser:
    label: str  # what it removes, as the confirmation page lists it ("messages")
    erase: Callable[[Subject], int]  # removes or blanks; returns how many rows
    count: Callable[[Subject], int] | None = None  # how many there are, for the page
    order: int = 50  # lower first; the candidate's own rows go last


_erasers: list[Eraser] = []


def register(label: str, *, erase: Callable[[Subject], int],
             count: Callable[[Subject], int] | None = None, order: int = 50) -> None:
    """Called by an app above candidates in its AppConfig.ready(): how to erase the rows it
    keeps about a candidate. Registering the same label twice replaces it."""
    _erasers[:] = [e for e in _erasers if e.label != label]
    _erasers.append(Eraser(label, erase, count, order))
    _erasers.sort(key=lambda e: e.order)


def registered() -> list[Eraser]:
    return list(_erasers)


# --- whom ----------------------------------------------------------------------------------

def root_of(candidate: Candidate) -> Candidate:
    """The current record a merged one points at (merges re-point, so one step is enough)."""
    if candidate.merged_into_id:
        return Candidate._base_manager.get(pk=candidate.merged_into_id)
    return candidate


def subject_of(candidates: list[Candidate], *, source: str = ErasureSource.OWNER) -> Subject:
    """Everything an eraser needs to know, for one or many current records (retention) of one
    organization, the records merged into them included."""
    roots = [c.pk for c in candidates]
    rows = list(
        Candidate._base_manager.filter(models.Q(pk__in=roots) | models.Q(merged_into__in=roots))
        .values_list("pk", "organization_id", "email_normalized", "phone_normalized",
                     "first_name", "last_name", "preferred_name")
    )
    subject = Subject(organization_id=rows[0][1] if rows else candidates[0].organization_id,
                      ids=[r[0] for r in rows], source=source)
    for _pk, _org, email, phone, first, last, preferred in rows:
        subject.emails.add(email) if email else None
        subject.phones.add(phone) if phone else None
        subject.names.update(n for n in (f"{first} {last}".strip(),
                                         f"{preferred} {last}".strip() if preferred else "") if n)
    for kind, value in ContactPoint.objects.filter(candidate_id__in=subject.ids).values_list(
        "kind", "value_normalized"
    ):
        (subject.emails if kind == "email" else subject.phones).add(value)
    return subject


# --- what --------------------------------------------------------------------------------

OWN_ROWS = (
    ("contact points", ContactPoint), ("specialties", Specialty), ("licences", Licence),
    ("certifications", Certification), ("experience", Experience), ("education", Education),
    ("availability", Availability), ("consent records", ConsentRecord),
    ("attachments", Attachment),
)


def describe(candidate: Candidate) -> list[tuple[str, int]]:
    """[(what, how many)] an erasure of this record would remove, for the confirmation page."""
    subject = subject_of([candidate])
    out = []
    for label, model in OWN_ROWS:
        n = model._base_manager.filter(candidate_id__in=subject.ids).count()
        if n:
            out.append((label, n))
    for eraser in _erasers:
        n = eraser.count(subject) if eraser.count else 0
        if n:
            out.append((eraser.label, n))
    return out


# --- doing it ------------------------------------------------------------------------------

def _erase_own_rows(subject: Subject) -> dict[str, int]:
    removed: dict[str, int] = {}
    files = list(
        Attachment._base_manager.filter(candidate_id__in=subject.ids).values_list("file", flat=True)
    )
    for label, model in OWN_ROWS:
        n, _ = model._base_manager.filter(candidate_id__in=subject.ids).delete()
        if n:
            removed[label] = n
    if files:
        storage = Attachment._meta.get_field("file").storage
        # The rows go with the transaction; the files once it has committed.
        transaction.on_commit(lambda: [storage.delete(f) for f in files if f])
    Candidate.tags.through.objects.filter(candidate_id__in=subject.ids).delete()
    DuplicateDismissal.objects.filter(
        models.Q(first_id__in=subject.ids) | models.Q(second_id__in=subject.ids)
    ).delete()
    return removed


def _blank(candidate_ids: list[int], now) -> None:
    values = {}
    for f in Candidate._meta.concrete_fields:
        if f.name in KEPT_FIELDS or f.primary_key:
            continue
        values[f.attname] = None if f.null else f.get_default()
    first, last = ERASED_NAME
    for pk in candidate_ids:
        # A new UUID each: links already sent (preferences, unsubscribe) find no one.
        Candidate._base_manager.filter(pk=pk).update(
            **values, first_name=first, last_name=last, uuid=uuid.uuid4(), erased_at=now,
            updated_at=now,
        )


def _scrub_audit(subject: Subject) -> int:
    """The audit log keeps who did what to which record and when; what the record said (its
    name, the values changed) goes, and so do searches for them by name or address recorded
    with list views (events about no one record, whose details hold those words)."""
    from django.db.models import TextField
    from django.db.models.functions import Cast

    n = AuditEvent.objects.filter(
        organization_id=subject.organization_id, candidate_id__in=subject.ids
    ).update(object_repr=" ".join(ERASED_NAME), changes={}, ip_address=None)
    words = [w for w in (*subject.names, *subject.addresses) if len(w) >= 5]
    if words:
        mentions = models.Q()
        for word in words:
            mentions |= models.Q(details__icontains=word)
        n += (AuditEvent.objects.filter(organization_id=subject.organization_id,
                                        candidate__isnull=True)
              .annotate(details=Cast("changes", TextField())).filter(mentions)
              .update(changes={}))
    return n


def purge_search_index() -> None:
    """Deleting from SQLite's FTS5 index leaves the old terms in its segments until they are
    merged; 'optimize' merges them, so an erased word is gone from the file. It rewrites the
    whole index (about 5 s at 100,000 candidates), so erasures queue it as a task
    (`schedule_purge`) rather than make a person wait. PostgreSQL's GIN index drops dead
    entries at vacuum."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")


def schedule_purge() -> None:
    """Purge the search index once the current transaction commits (coalesced per minute)."""
    if connection.vendor == "sqlite":
        from rounds.lib.tasks import schedule_once

        from .tasks import purge_search_index_task

        schedule_once(purge_search_index_task)


def erase(candidates: list[Candidate], *, source: str, actor=None, via: str = "web",
          requests: dict[int, Erasure] | None = None, purge: bool = True) -> list[Erasure]:
    """Erase current records of one organization (see the module docstring); one Erasure row
    each, done. `requests` maps a candidate id to the request it carries out. `purge=False`
    leaves the search index's clean-up to the caller (a retention run does it once at the
    end). Call inside transaction.atomic()."""
    if not candidates:
        return []
    now = timezone.now()
    ids = [c.pk for c in candidates]
    # Locked, and read again: two erasures at once erase once.
    live = list(Candidate._base_manager.select_for_update().filter(
        pk__in=ids, erased_at__isnull=True, merged_into__isnull=True).order_by("pk"))
    if not live:
        return []
    subject = subject_of(live, source=source)
    removed: dict[str, int] = {}
    for eraser in _erasers:
        n = eraser.erase(subject)
        if n:
            removed[eraser.label] = removed.get(eraser.label, 0) + n
    for label, n in _erase_own_rows(subject).items():
        removed[label] = removed.get(label, 0) + n
    _scrub_audit(subject)
    _blank(subject.ids, now)
    if purge:
        schedule_purge()
    # Counts per record are only told apart for a single erasure; a retention run logs totals.
    per_record = removed if len(live) == 1 else {}
    done = []
    requests = requests or {}
    for candidate in live:
        erasure = requests.get(candidate.pk) or Erasure(
            organization_id=candidate.organization_id, candidate_id=candidate.pk,
            source=source, requested_at=now,
        )
        erasure.status = ErasureStatus.DONE
        erasure.done_at = now
        erasure.actor = actor if getattr(actor, "is_authenticated", False) else None
        erasure.removed = per_record
        erasure.save()
        candidate.refresh_from_db()
        audit.record(actor=actor, action=AuditAction.ERASE, obj=candidate, via=via,
                     changes={"erasure": erasure.pk, "source": source})
        done.append(erasure)
    return done


def do_erase_candidate(candidate: Candidate, *, actor, source: str = ErasureSource.OWNER,
                       via: str = "web", request: Erasure | None = None) -> Erasure | None:
    """Erase one person's record (and those merged into it). Returns the Erasure, or None when
    it was already erased. Call inside transaction.atomic()."""
    candidate = root_of(candidate)
    done = erase([candidate], source=source, actor=actor, via=via,
                 requests={candidate.pk: request} if request else None)
    return done[0] if done else None
