"""The outbox: writing messages. A message is a row written in the same transaction as its
cause, with an idempotency key (organization, cause, recipient, template version); writing the
same key twice returns the first row. The send policy judges each row when it is written (so the
recruiter sees at once that it will be held or why it was dropped) and again when a worker
sends it (`rounds.outreach.delivery`)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import policy
from .choices import MessageKind, MessageStatus, Topic
from .models import Message
from .threads import thread_for

STATUS_FOR = {policy.SEND: MessageStatus.QUEUED, policy.HOLD: MessageStatus.HELD,
              policy.DROP: MessageStatus.DROPPED}


def queue_message(
    candidate, *, channel: str, body: str, idempotency_key: str, subject: str = "",
    actor=None, application=None, template=None, kind: str = MessageKind.COMMERCIAL,
    topic: str = Topic.JOBS, campaign=None, enrollment=None, sequence_step: int | None = None,
    thread=None, at: datetime | None = None, ctx: policy.Context | None = None,
) -> Message:
    """Write one outbound message in the caller's transaction and queue its delivery on commit.

    The row's status says what the policy decided now: queued, held until `send_after`, or
    dropped with `status_reason`. The same `idempotency_key` returns the existing row."""
    org_id = candidate.organization_id
    existing = Message.objects.filter(organization_id=org_id, idempotency_key=idempotency_key)
    found = existing.first()
    if found is not None:
        return found
    at = at or timezone.now()
    ctx = ctx or policy.Context.for_org(candidate.organization)
    recipient = policy.facts_for(
        [candidate], channel, ctx, kind=kind, topic=topic,
        automated=bool(campaign or enrollment), at=at,
    )[candidate.pk]
    verdict = policy.decide(recipient, at)
    thread = thread or thread_for(candidate, application, subject=subject or body[:80])
    message = Message(
        organization_id=org_id, thread=thread, candidate=candidate, application=application,
        campaign=campaign, enrollment=enrollment, sequence_step=sequence_step,
        template=template, template_version=template.version if template else None,
        channel=channel, kind=kind, topic=topic, status=STATUS_FOR[verdict.action],
        status_reason="" if verdict.allowed else verdict.reason,
        idempotency_key=idempotency_key, to_address=recipient.address, subject=subject[:200],
        body=body, send_after=verdict.send_at or at, created_by=actor if _is_user(actor) else None,
        created_at=at,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # A concurrent writer with the same key won: theirs is the message.
        return existing.get()
    if message.is_open:
        from .tasks import schedule_delivery

        schedule_delivery(message.send_after)
    return message


def cancel_pending(queryset, reason: str) -> int:
    """Cancel messages not yet claimed (queued or held). Claimed ones finish: the worker
    re-checks the policy before sending, so an opt-out still stops them."""
    return queryset.filter(status__in=[MessageStatus.QUEUED, MessageStatus.HELD]).update(
        status=MessageStatus.CANCELLED, status_reason=reason[:300]
    )


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)
