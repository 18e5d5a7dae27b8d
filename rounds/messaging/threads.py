"""Threads and the timeline: every message in or out belongs to a thread with one candidate
(and one application where it is about one) and lands on the candidate's timeline."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.choices import Direction as ActivityDirection
from rounds.activities.models import Activity
from rounds.lib.bulk import FastInsert

from .choices import Direction, MessageChannel
from .models import Message, Thread, new_reply_token


def thread_for(candidate, application=None, *, subject: str = "") -> Thread:
    """The candidate's thread about `application` (or their general thread), created once."""
    thread = (Thread.objects.filter(candidate=candidate, application=application)
              .order_by("-last_message_at", "-id").first())
    if thread is None:
        thread = Thread.objects.create(
            organization_id=candidate.organization_id, candidate=candidate,
            application=application, subject=subject[:200],
        )
    return thread


def reply_address(thread: Thread) -> str:
    return f"reply+{thread.reply_token}@{settings.REPLY_DOMAIN}"


def log_activity(message: Message, when=None) -> Activity | None:
    """Put a sent or received message on the candidate's timeline (and its application's),
    once. Returns the activity, or None for a message without a candidate."""
    if message.candidate_id is None:
        return None
    log_activities([message], when=when)
    return message.activity


def log_activities(messages: list[Message], when=None) -> None:
    """Put messages on their candidates' timelines in a few statements whatever their number:
    one activity each (linked from the message, once), the threads' last-message time and the
    candidates' last activity moved. The worker logs each sent batch this way."""
    from django.db import connection

    from rounds.candidates.models import Candidate

    todo = [m for m in messages if m.candidate_id is not None and not m.activity_id]
    # A status callback may have put one on the timeline already (a row whose lease ran out).
    logged = dict(Message.objects.filter(pk__in=[m.pk for m in todo], activity__isnull=False)
                  .values_list("pk", "activity_id"))
    for m in todo:
        if m.pk in logged:
            m.activity_id = logged[m.pk]
    todo = [m for m in todo if m.pk not in logged]
    if not todo:
        return
    now = timezone.now()
    stamps = {m.pk: when or m.sent_at or m.received_at or now for m in todo}
    activities = Activity.objects.bulk_create([
        Activity(
            organization_id=m.organization_id, candidate_id=m.candidate_id,
            application_id=m.application_id,
            kind=ActivityKind.EMAIL if m.channel == MessageChannel.EMAIL else ActivityKind.SMS,
            direction=(ActivityDirection.INBOUND if m.direction == Direction.INBOUND
                       else ActivityDirection.OUTBOUND),
            subject=(m.subject or "")[:200], body=m.sent_body or m.body,
            occurred_at=stamps[m.pk], actor_id=m.created_by_id,
        )
        for m in todo
    ])
    for m, activity in zip(todo, activities, strict=True):
        m.activity = activity
    meta, qn = Message._meta, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {qn(meta.db_table)} SET {qn('activity_id')} = %s "
            f"WHERE {qn(meta.pk.column)} = %s AND {qn('activity_id')} IS NULL",
            [[m.activity_id, m.pk] for m in todo],
        )
    latest = max(stamps.values())
    Thread.objects.filter(pk__in={m.thread_id for m in todo if m.thread_id}).update(
        last_message_at=latest)
    # As candidates.actions.touch_activity, for every candidate of the batch at once.
    Candidate.objects.filter(pk__in={m.candidate_id for m in todo}).update(
        last_activity_at=latest, updated_at=now)


def threads_for_many(organization, people: list, rendered: dict) -> dict[int, int]:
    """Each candidate's general thread (no application), as `threads.thread_for` finds it:
    one query for the existing ones, one insert for the rest and one to read their ids."""
    found = _general_threads(organization, [c.pk for c in people])
    missing = [c for c in people if c.pk not in found]
    if missing:
        insert = FastInsert(Thread, ("candidate_id", "subject", "reply_token"),
                            organization_id=organization.pk, application_id=None,
                            created_at=timezone.now())
        # Every thread draws its own reply token (the field's default is evaluated once per
        # instance, so a prototype's token must never be shared by the rows).
        rows = [(c.pk, (rendered[c.pk][0] or rendered[c.pk][1][:80])[:200], new_reply_token())
                for c in missing]
        insert.rows(rows)
        # Read the new ids back by their reply tokens (unique, and a plain text lookup).
        found.update(Thread.objects.filter(reply_token__in=[row[2] for row in rows])
                     .values_list("candidate_id", "id"))
    return found


def _general_threads(organization, ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    rows = (Thread.objects.filter(organization_id=organization.pk, candidate_id__in=ids,
                                  application__isnull=True)
            .order_by("-last_message_at", "-id").values_list("candidate_id", "id"))
    for candidate_id, thread_id in rows:
        found.setdefault(candidate_id, thread_id)
    return found
