"""Answers to shift offers by text: YES books (or waitlists), NO declines.

`handle_sms_reply` is called by outreach's inbound handling for a matched candidate's text that
is not an opt-out (STOP always wins, and is handled before). It acts only when the candidate's
latest text from us was about locums and they have a shift offer by text; anything else
returns False so the normal reply handling (meetings, respond-now) goes on.

`handle_unknown_sms` answers a YES from a number no candidate has: a polite transactional text
saying we couldn't match it, once per number a day, never to a suppressed number."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from rounds.outreach.choices import Direction, MessageChannel, MessageKind, MessageStatus, Topic
from rounds.outreach.optout import words

from .choices import OfferStatus, ShiftStatus

log = logging.getLogger(__name__)

YES_WORDS = frozenset({"yes", "y", "yep", "yeah", "yup", "oui", "ok", "okay", "accept",
                       "accepted", "sure", "absolutely", "definitely"})
NO_WORDS = frozenset({"no", "n", "non", "nope", "pass", "decline"})
# Words that may follow the answer without changing it ("yes please", "no thanks").
FILLERS = frozenset({"please", "thanks", "thank", "you", "ty", "merci", "sil", "vous", "plait",
                     "the", "shift", "for", "me"})
YES_FILLERS = FILLERS | {"i", "ill", "will", "take", "it", "im", "in", "sounds", "good",
                         "great", "avec", "plaisir", "je", "prends"}
NO_FILLERS = FILLERS | {"sorry", "desole", "cant", "not", "available", "this", "time"}
MAX_WORDS = 6
UNKNOWN_REPLY_EVERY = timedelta(hours=24)  # one courtesy text per number a day: no ping-pong
LIVE = (OfferStatus.QUEUED, OfferStatus.SENT)
# A text about a shift that ended this long ago is not about it any more.
RECENT = timedelta(days=14)


def _answer(text: str, first: frozenset[str], fillers: frozenset[str]) -> bool:
    tokens = words(text)
    if not tokens or len(tokens) > MAX_WORDS or tokens[0] not in first:
        return False
    return all(t in first or t in fillers for t in tokens[1:])


def is_yes(text: str) -> bool:
    """YES, Y, "yes please", "YES!", "Oui", "ok I'll take it"… (accents, case, punctuation
    and emoji ignored, as the opt-out reader does)."""
    return _answer(text, YES_WORDS, YES_FILLERS)


def is_no(text: str) -> bool:
    return _answer(text, NO_WORDS, NO_FILLERS)


def _last_text_was_about_locums(candidate) -> bool:
    from rounds.outreach.inbound import REACHED
    from rounds.outreach.models import Message

    last = (Message.objects.filter(candidate=candidate, direction=Direction.OUTBOUND,
                                   channel=MessageChannel.SMS, status__in=REACHED)
            .order_by("-created_at", "-id").values_list("topic", flat=True).first())
    return last == Topic.LOCUMS


def latest_sms_offer(candidate, *, now=None):
    """The candidate's shift offer a text answers: the latest live one (queued or sent, shift
    open and not started) by text; else the latest by text about a shift not long over."""
    from .models import ShiftOffer

    now = now or timezone.now()
    offers = (ShiftOffer.objects.filter(candidate=candidate, channel=MessageChannel.SMS)
              .select_related("shift__site", "candidate__organization")
              .order_by("-sent_at", "-created_at", "-id"))
    live = offers.filter(status__in=LIVE, shift__status__in=(ShiftStatus.OPEN,
                                                             ShiftStatus.OFFERED),
                         shift__starts_at__gt=now).first()
    if live is not None:
        return live
    return offers.filter(shift__ends_at__gt=now - RECENT).first()


def handle_sms_reply(message, text: str) -> bool:
    """YES / NO to the candidate's latest shift offer by text. True when handled (the answer
    is on its way); False for any other text, or when their last text from us wasn't about a
    shift (a YES to a job message is a conversation for the recruiter)."""
    yes, no = is_yes(text), is_no(text)
    candidate = message.candidate
    if not (yes or no) or candidate is None:
        return False
    if not _last_text_was_about_locums(candidate):
        return False
    offer = latest_sms_offer(candidate)
    if offer is None:
        return False
    from . import actions

    if no:
        shift = offer.shift
        if offer.status == OfferStatus.ACCEPTED:
            _reply(message, f"{actions._sender(shift)}: you're booked on this shift. To cancel, "
                   "please call the clinic.")
            return True
        actions.do_decline(offer, via="sms")
        _reply(message, f"{actions._sender(shift)}: thanks for letting us know. We'll keep you "
               "in mind for the next one.")
        return True

    result = actions.do_accept(offer, via="sms")
    log.info("YES by text from candidate %s to offer %s: %s", candidate.pk, offer.pk,
             result.outcome)
    # Booked and waitlisted members are texted by do_accept itself (the confirmation, the
    # waitlist notice); the other outcomes are answered here.
    if result.outcome not in (actions.BOOKED, actions.WAITLISTED):
        _reply(message, f"{actions._sender(offer.shift)}: {result.message}")
    return True


def _reply(message, body: str):
    from rounds.outreach import outbox

    return outbox.queue_message(
        message.candidate, channel=MessageChannel.SMS, body=body,
        idempotency_key=f"locums:reply:{message.pk}", kind=MessageKind.TRANSACTIONAL,
        topic=Topic.LOCUMS, thread=message.thread,
    )


# --- A YES from a number no candidate has ---


UNKNOWN_BODY = ("{sender}: thanks for your reply. We couldn't match this number to a shift "
                "offer, so nothing was booked. Please use the link in the offer, or reply from "
                "the number the offer was sent to.")


def handle_unknown_sms(message, text: str) -> bool:
    """A YES from an unknown number: a polite text saying we couldn't match it, written as an
    outbound row (so it is on record) and sent by a task after commit. Not when the number is
    suppressed, nor twice a day to one number. True when a reply was queued."""
    from rounds.outreach.models import Message, Suppression
    from rounds.outreach.optout import sender_name

    if not is_yes(text) or not message.from_address:
        return False
    org_id = message.organization_id
    if Suppression.objects.filter(organization_id=org_id, channel=MessageChannel.SMS,
                                  address=message.from_address).exists():
        log.info("YES from unknown suppressed number %s: not answered", message.from_address)
        return False
    now = timezone.now()
    recent = Message.objects.filter(
        organization_id=org_id, direction=Direction.OUTBOUND, candidate__isnull=True,
        channel=MessageChannel.SMS, to_address=message.from_address,
        idempotency_key__startswith="locums:unknown-yes:", created_at__gt=now - UNKNOWN_REPLY_EVERY,
    )
    if recent.exists():
        log.info("YES from unknown number %s: already answered today", message.from_address)
        return False
    from rounds.accounts.models import Organization
    from rounds.outreach.delivery import LEASE

    # Claimed at creation (SENDING, with a lease) so the outbox worker never takes it: it has
    # no candidate for the policy to judge. If the task dies mid-send the lease runs out and
    # the worker marks it "may have been sent", never resending it.
    reply = Message.objects.create(
        organization_id=org_id, channel=MessageChannel.SMS, direction=Direction.OUTBOUND,
        kind=MessageKind.TRANSACTIONAL, topic=Topic.LOCUMS, status=MessageStatus.SENDING,
        status_reason="Answer to an unmatched YES.",
        idempotency_key=f"locums:unknown-yes:{message.pk}", to_address=message.from_address,
        from_address=message.to_address or settings.SMS_FROM_NUMBER,
        body=UNKNOWN_BODY.format(sender=sender_name(Organization.objects.get(pk=org_id))),
        claim_token=secrets.token_hex(16), lease_until=now + LEASE, send_after=now,
        created_at=now,
    )
    log.info("YES from unknown number %s (message %s): courtesy reply %s queued",
             message.from_address, message.pk, reply.pk)
    transaction.on_commit(lambda: send_unmatched_reply_task.enqueue(reply.pk))
    return True


def send_unmatched_reply(message_id: int) -> str:
    """Send one courtesy reply written by `handle_unknown_sms`; safe to run twice (the first
    run claims it by a conditional update). Returns the row's status after."""
    from rounds.outreach import sms
    from rounds.outreach.delivery import status_callback_url
    from rounds.outreach.models import Message

    claimed = Message.objects.filter(pk=message_id, status=MessageStatus.SENDING,
                                     attempts=0).update(attempts=1)
    message = Message.objects.get(pk=message_id)
    if not claimed:
        return message.status
    result = sms.get_backend().send(message.to_address, message.body, message.from_address,
                                    status_callback_url(message))
    now = timezone.now()
    fields = {"sent_body": message.body, "claim_token": "", "lease_until": None}
    if result.status == sms.ACCEPTED:
        fields.update(status=MessageStatus.SENT, sent_at=now, provider_id=result.provider_id)
    elif result.status == sms.UNKNOWN:
        fields.update(status=MessageStatus.UNKNOWN, error=result.error[:2000])
    else:
        # A courtesy text is not retried: a later YES will ask again.
        fields.update(status=MessageStatus.FAILED, error=result.error[:2000],
                      status_reason=f"Not sent: {result.error}"[:300])
    Message.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(**fields)
    return fields["status"]


@task()
def send_unmatched_reply_task(message_id: int) -> str:
    return send_unmatched_reply(message_id)
