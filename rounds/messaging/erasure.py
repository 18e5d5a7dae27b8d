"""What the messaging core removes when a candidate is erased (registered with
`rounds.candidates.erasure` in apps.py): their threads and every message in or out (bodies,
addresses, raw payloads), inbound messages from their addresses that never found them, the
provider webhooks' log of calls that carried their messages or addresses, and the plain form
of their addresses on the suppression list, which is kept as a hash so they are never written
to again (`hashed_address`, read by the send policy)."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

from django.db.models import Q

from rounds.candidates.choices import ErasureSource

from .choices import MessageChannel, SuppressionReason
from .models import Message, Suppression, Thread, WebhookEvent, hashed_address


def _messages(subject):
    mine = Q(candidate_id__in=subject.ids)
    if subject.addresses:
        addresses = list(subject.addresses)
        mine |= Q(organization_id=subject.organization_id) & (
            Q(from_address__in=addresses) | Q(to_address__in=addresses))
    return Message.objects.filter(mine)


def count_messages(subject) -> int:
    return _messages(subject).count()


def _payload_words(address: str) -> set[str]:
    words = {address, quote_plus(address), quote(address, safe="")}
    if address.startswith("+"):
        words.add(address[1:])  # a form-encoded "%2B1403…" still holds the digits
    return {w for w in words if len(w) >= 6}


def _scrub_webhooks(subject, message_ids: list[int]) -> int:
    condition = Q(message_id__in=message_ids) if message_ids else Q(pk__in=[])
    for address in subject.addresses:
        for word in _payload_words(address):
            condition |= Q(payload__icontains=word)
    scope = Q(organization_id=subject.organization_id) | Q(organization__isnull=True)
    return WebhookEvent.objects.filter(scope & condition).update(
        payload="", detail="(erased)", remote_addr="")


def erase_messages(subject) -> int:
    messages = _messages(subject)
    message_ids = list(messages.values_list("pk", flat=True))
    _scrub_webhooks(subject, message_ids)
    n, _ = Message.objects.filter(pk__in=message_ids).delete()
    Thread.objects.filter(candidate_id__in=subject.ids).delete()
    return min(n, len(message_ids))


def hash_suppressions(subject) -> int:
    """Every suppression of their addresses stays, as a hash. When the person asked to be
    erased, each address is suppressed too: they asked to hear nothing more."""
    org = subject.organization_id
    kept = 0
    for address in sorted(subject.addresses):
        hashed = hashed_address(address)
        rows = list(Suppression.objects.filter(organization_id=org, address=address))
        for row in rows:
            exists = Suppression.objects.filter(
                organization_id=org, channel=row.channel, address=hashed).exists()
            if exists:
                row.delete()
            else:
                Suppression.objects.filter(pk=row.pk).update(address=hashed, detail="")
            kept += 1
        if subject.source == ErasureSource.CANDIDATE:
            channels = (MessageChannel.EMAIL,) if "@" in address else (
                MessageChannel.SMS, MessageChannel.CALL)
            for channel in channels:
                Suppression.objects.get_or_create(
                    organization_id=org, channel=channel, address=hashed,
                    defaults={"reason": SuppressionReason.UNSUBSCRIBE,
                              "detail": "asked to be erased"},
                )
    return kept
