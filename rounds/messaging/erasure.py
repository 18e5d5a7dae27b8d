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


# --- The candidate asks: from the preference centre, confirmed by a link emailed to them ---
#
# The preference centre's link is in every message and may be forwarded, so pressing "erase my
# data" there only emails a link to the address on record; pressing the button on that link's
# page erases at once (no owner in between: the law asks for erasure without undue delay, the
# link proves it is the person, and the tombstone keeps what the organization's figures need).
# Owners see each request and erasure in the erasure log.

ERASURE_LINK = "messaging.erasure_link"  # the purpose of the email (registered in apps.py)
ERASURE_SALT = "messaging.erasure"
ERASURE_LINK_DAYS = 7
ERASURE_LINK_EVERY_MINUTES = 10


def _signer():
    from django.core import signing

    return signing.TimestampSigner(salt=ERASURE_SALT, algorithm="sha256")


def erasure_url(candidate, erasure) -> str:
    from django.urls import reverse

    from .links import absolute

    token = _signer().sign(f"{candidate.uuid.hex}.{erasure.pk}")
    return absolute(reverse("messaging_public:erase", args=[token]))


def read_erasure_token(token: str):
    """(erasure, candidate or None, fresh) for a link we emailed; None when it was altered.
    The candidate is None once the erasure is done (the record's UUID changed with it)."""
    import uuid
    from datetime import timedelta

    from django.core import signing

    from rounds.candidates.models import Candidate, Erasure

    signer = _signer()
    try:
        value = signer.unsign(token, max_age=timedelta(days=ERASURE_LINK_DAYS))
        fresh = True
    except signing.SignatureExpired:
        value, fresh = signer.unsign(token), False
    except signing.BadSignature:
        return None
    try:
        uuid_hex, erasure_id = value.split(".")
        key = uuid.UUID(hex=uuid_hex)
        erasure = Erasure.objects.get(pk=int(erasure_id))
    except (ValueError, Erasure.DoesNotExist):
        return None
    candidate = (Candidate.objects.select_related("organization")
                 .filter(uuid=key, pk=erasure.candidate_id, merged_into__isnull=True).first())
    return erasure, candidate, fresh


def do_request_erasure(candidate, *, now=None) -> str:
    """"Erase my data" in the preference centre: an Erasure request, and the link that confirms
    it emailed to the address on record (asked for by the person, so it goes past an
    unsubscribe; never past a bounce or complaint). Returns optout.LINK_SENT, LINK_RECENT,
    NO_EMAIL or EMAIL_BLOCKED."""
    from datetime import timedelta

    from django.utils import timezone

    from rounds.candidates.choices import ErasureStatus
    from rounds.candidates.models import Erasure

    from . import optout, outbox
    from .threads import thread_for

    now = now or timezone.now()
    address = optout.address_of(candidate, MessageChannel.EMAIL)
    if not address:
        return optout.NO_EMAIL
    if Suppression.objects.filter(
        organization_id=candidate.organization_id, channel=MessageChannel.EMAIL,
        address__in=[address, hashed_address(address)],
        reason__in=[SuppressionReason.HARD_BOUNCE, SuppressionReason.COMPLAINT,
                    SuppressionReason.MANUAL],
    ).exists():
        return optout.EMAIL_BLOCKED
    if Erasure.objects.filter(
        candidate=candidate, source=ErasureSource.CANDIDATE, status=ErasureStatus.REQUESTED,
        requested_at__gt=now - timedelta(minutes=ERASURE_LINK_EVERY_MINUTES),
    ).exists():
        return optout.LINK_RECENT
    erasure = Erasure.objects.create(
        organization_id=candidate.organization_id, candidate=candidate,
        source=ErasureSource.CANDIDATE, requested_at=now,
    )
    name = optout.sender_name(candidate.organization)
    subject = f"Confirm: erase your data from {name}?"
    body = (
        f"Hi {candidate.preferred_name or candidate.first_name},\n\n"
        f"Someone using your preferences page asked {name} to erase everything it holds "
        f"about you. If that was you, confirm it here:\n\n{erasure_url(candidate, erasure)}\n\n"
        f"The link works for {ERASURE_LINK_DAYS} days. Once you press the button, your data "
        "is erased at once and for good. If it wasn't you, ignore this email: nothing changes."
    )
    outbox.queue_message(
        candidate, channel=MessageChannel.EMAIL, subject=subject, body=body,
        idempotency_key=f"erasure-link:{erasure.pk}", purpose=ERASURE_LINK, ref_id=erasure.pk,
        at=now, thread=thread_for(candidate, subject=subject),
    )
    return optout.LINK_SENT


def do_confirm_erasure(erasure, candidate):
    """The person pressed the button on the page of the link we emailed: erase them now."""
    from rounds.candidates.erasure import do_erase_candidate

    return do_erase_candidate(candidate, actor=None, source=ErasureSource.CANDIDATE,
                              via="prefs", request=erasure)
