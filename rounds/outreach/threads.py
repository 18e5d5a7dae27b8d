"""Threads and the timeline: every message in or out belongs to a thread with one candidate
(and one application where it is about one) and lands on the candidate's timeline."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.choices import Direction as ActivityDirection
from rounds.activities.models import Activity

from .choices import Direction, MessageChannel
from .models import Message, Thread


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
    if message.activity_id:
        return message.activity
    when = when or message.sent_at or message.received_at or timezone.now()
    kind = ActivityKind.EMAIL if message.channel == MessageChannel.EMAIL else ActivityKind.SMS
    direction = (ActivityDirection.INBOUND if message.direction == Direction.INBOUND
                 else ActivityDirection.OUTBOUND)
    activity = Activity.objects.create(
        organization_id=message.organization_id, candidate_id=message.candidate_id,
        application_id=message.application_id, kind=kind, direction=direction,
        subject=(message.subject or "")[:200], body=message.sent_body or message.body,
        occurred_at=when, actor=message.created_by,
    )
    Message.objects.filter(pk=message.pk).update(activity=activity)
    message.activity = activity
    if message.thread_id:
        Thread.objects.filter(pk=message.thread_id).update(last_message_at=when)
    from rounds.candidates.actions import touch_activity

    touch_activity(message.candidate_id, when)
    return activity
