"""The outbox: writing messages. A message is a row written in the same transaction as its
cause, with an idempotency key (organization, cause, recipient, template version); writing the
same key twice returns the first row. The send policy judges each row when it is written (so the
recruiter sees at once that it will be held or why it was dropped) and again when a worker
sends it (`rounds.messaging.delivery`)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import policy, purposes
from .choices import MessageKind, MessageStatus
from .models import Message
from .threads import thread_for

# The columns that vary by row when a feature writes many messages at once (a campaign, a
# broadcast) with `rounds.lib.bulk.FastInsert`; the rest are the same for the whole batch.
BULK_COLUMNS = ("uuid", "thread_id", "candidate_id", "status", "status_reason",
                "idempotency_key", "to_address", "subject", "body", "send_after")
STATUS_FOR = {policy.SEND: MessageStatus.QUEUED, policy.HOLD: MessageStatus.HELD,
              policy.DROP: MessageStatus.DROPPED}


def queue_message(
    candidate, *, channel: str, body: str, idempotency_key: str, purpose: str,
    subject: str = "", actor=None, application=None, ref_id: int | None = None,
    ref_step: int | None = None, topic: str | None = None, thread=None,
    at: datetime | None = None, ctx: policy.Context | None = None,
) -> Message:
    """Write one outbound message to a candidate in the caller's transaction and queue its
    delivery on commit.

    `purpose` is a name registered in `purposes` (what the law sees and whether the frequency
    rule applies come from it); `ref_id` the record it is about. `topic` overrides the
    purpose's (a "news" template is news, whoever sends it). The row's status says what the
    policy decided now: queued, held until `send_after`, or dropped with `status_reason`. The
    same `idempotency_key` returns the existing row."""
    what = purposes.get(purpose)
    topic = topic or what.topic
    org_id = candidate.organization_id
    existing = Message.objects.filter(organization_id=org_id, idempotency_key=idempotency_key)
    found = existing.first()
    if found is not None:
        return found
    at = at or timezone.now()
    ctx = ctx or policy.Context.for_org(candidate.organization)
    recipient = policy.facts_for(
        [candidate], channel, ctx, kind=what.kind, topic=topic, automated=what.automated, at=at,
    )[candidate.pk]
    verdict = policy.decide(recipient, at)
    thread = thread or thread_for(candidate, application, subject=subject or body[:80])
    message = Message(
        organization_id=org_id, thread=thread, candidate=candidate, application=application,
        purpose=purpose, ref_id=ref_id, ref_step=ref_step,
        channel=channel, kind=what.kind, topic=topic, status=STATUS_FOR[verdict.action],
        status_reason="" if verdict.allowed else verdict.reason,
        idempotency_key=idempotency_key, to_address=recipient.address, subject=subject[:200],
        body=body, send_after=verdict.send_at or at, created_by=actor if _is_user(actor) else None,
        created_at=at,
    )
    return _save(message, existing)


def queue_to_address(
    organization_id: int, *, address: str, channel: str, body: str, idempotency_key: str,
    purpose: str, subject: str = "", to_user=None, actor=None, ref_id: int | None = None,
    ref_step: int | None = None, from_address: str = "", at: datetime | None = None,
) -> Message:
    """Write one outbound message to an address that is not a candidate's: a colleague (an
    alert, a sign-in link: `to_user`), someone invited, a number that texted us. The purpose
    must be one the person asked for or one to a colleague; the policy judges the address (a
    bounce or a complaint stops it, as for anyone)."""
    what = purposes.get(purpose)
    if what.kind not in (MessageKind.REQUESTED, MessageKind.STAFF):
        raise ValueError(f"“{purpose}” is written to candidates (queue_message), not to an "
                         "address.")
    existing = Message.objects.filter(organization_id=organization_id,
                                      idempotency_key=idempotency_key)
    found = existing.first()
    if found is not None:
        return found
    at = at or timezone.now()
    verdict = policy.decide(policy.address_facts(organization_id, channel, address,
                                                 kind=what.kind), at)
    message = Message(
        organization_id=organization_id, to_user=to_user, purpose=purpose, ref_id=ref_id,
        ref_step=ref_step, channel=channel, kind=what.kind, topic=what.topic,
        status=STATUS_FOR[verdict.action], status_reason="" if verdict.allowed else verdict.reason,
        idempotency_key=idempotency_key, to_address=address, from_address=from_address,
        subject=subject[:200], body=body, send_after=verdict.send_at or at,
        created_by=actor if _is_user(actor) else None, created_at=at,
    )
    return _save(message, existing)


def _save(message: Message, existing) -> Message:
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


def account_email(organization_id: int, *, address: str, subject: str, body: str, purpose: str,
                  key: str, ref_id: int | None = None, to_user=None) -> Message:
    """The writer accounts' emails go through (rounds.accounts.mail): an email to an address,
    from the organization, in the caller's transaction."""
    from .choices import MessageChannel

    return queue_to_address(organization_id, address=address, to_user=to_user,
                            channel=MessageChannel.EMAIL, subject=subject, body=body,
                            idempotency_key=key, purpose=purpose, ref_id=ref_id)


def latest_about(purpose: str, ref_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """{ref_id: (status, status in words, why)} of the latest message of `purpose` about each
    of `ref_ids`, in one query."""
    out: dict[int, tuple[str, str, str]] = {}
    rows = (Message.objects.filter(purpose=purpose, ref_id__in=ref_ids)
            .order_by("-created_at", "-id")
            .only("ref_id", "status", "status_reason", "error"))
    for m in rows:
        if m.ref_id not in out:
            out[m.ref_id] = (m.status, m.get_status_display(),
                             m.status_reason or m.error[:300])
    return out

