"""Answers to shift offers by text: YES books (or waitlists), NO declines.

`handle_sms_reply` is called by outreach's inbound handling for a matched candidate's text that
is not an opt-out (STOP always wins, and is handled before). A text answers the last text we
wrote to them, nothing else: the YES or NO acts on the offer whose message that was (a
broadcast's offer, or a shift reopened to them from the waitlist). When the last text was
about locums but wasn't an offer they could have read (a booking confirmation, a waitlist
notice, an offer still held for their hours or not yet sent), a YES is not guessed at: we
text "Which shift? Tap the link in the offer you want." once, and the reply goes on to a person
(respond-now) like any other; a NO then goes to a person without an automatic answer (after a
confirmation it may mean "I can't come any more"). When the last text wasn't about locums at all
(a job message), it is the recruiter's conversation and this module leaves it alone.

Only unambiguous yes words count: "yes", "y", "yep", "yeah", "oui", "I'll take it", "yes
please"… — never "ok", "sure" or "great", which are as often a thank-you for a confirmation.

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

from .choices import OfferStatus

log = logging.getLogger(__name__)

YES_WORDS = frozenset({"yes", "y", "yep", "yeah", "yup", "oui", "accept", "accepted"})
NO_WORDS = frozenset({"no", "n", "non", "nope", "pass", "decline"})
# "I'll take it", "I will take the shift", "je la prends", after an optional yes word or an
# "ok"/"sure" (which alone mean nothing: "ok thanks" answers a confirmation).
TAKE_IT_PHRASES = (("ill", "take", "it"), ("i", "will", "take", "it"), ("ill", "take", "the",
                   "shift"), ("i", "will", "take", "the", "shift"), ("ill", "take", "this",
                   "shift"), ("je", "la", "prends"), ("je", "le", "prends"), ("je", "prends"))
LEADS = frozenset({"ok", "okay", "sure", "great"}) | YES_WORDS
# Words that may follow the answer without changing it ("yes please", "no thanks").
FILLERS = frozenset({"please", "thanks", "thank", "you", "ty", "merci", "sil", "vous", "plait",
                     "the", "shift", "for", "me"})
YES_FILLERS = FILLERS | {"i", "ill", "will", "take", "it", "im", "in", "sounds", "good",
                         "great", "avec", "plaisir", "je", "prends"}
NO_FILLERS = FILLERS | {"sorry", "desole", "cant", "not", "available", "this", "time"}
MAX_WORDS = 6
UNKNOWN_REPLY_EVERY = timedelta(hours=24)  # one courtesy text per number a day: no ping-pong
# Outbound texts that exist for the member: on their phone, or on their way to it. Dropped,
# cancelled and failed ones never reached them, so a reply can't be about them.
WRITTEN = (MessageStatus.QUEUED, MessageStatus.HELD, MessageStatus.SENDING, MessageStatus.SENT,
           MessageStatus.DELIVERED, MessageStatus.UNKNOWN)
REACHED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNKNOWN)
WHICH_SHIFT = "Which shift? Tap the link in the offer you want."
WHICH_KEY = "locums:which-shift:"


def _answer(text: str, first: frozenset[str], fillers: frozenset[str]) -> bool:
    tokens = words(text)
    if not tokens or len(tokens) > MAX_WORDS or tokens[0] not in first:
        return False
    return all(t in first or t in fillers for t in tokens[1:])


def _takes_it(tokens: list[str]) -> bool:
    """"I'll take it", "ok I'll take it", "yes, I will take the shift please"."""
    if not tokens or len(tokens) > MAX_WORDS + 2:
        return False
    for start in (0, 1):
        if start and tokens[0] not in LEADS:
            break
        for phrase in TAKE_IT_PHRASES:
            n = len(phrase)
            if tuple(tokens[start:start + n]) == phrase and all(
                    t in FILLERS or t in YES_WORDS for t in tokens[start + n:]):
                return True
    return False


def is_yes(text: str) -> bool:
    """YES, Y, "yes please", "YES!", "Oui", "ok I'll take it"… (accents, case, punctuation
    and emoji ignored, as the opt-out reader does). Not "ok", "sure", "great" or "ok thanks"."""
    return _answer(text, YES_WORDS, YES_FILLERS) or _takes_it(words(text))


def is_no(text: str) -> bool:
    return _answer(text, NO_WORDS, NO_FILLERS)


def last_text(candidate):
    """The last text we wrote to the candidate that still exists for them (sent, or on its way),
    newest by when it was written."""
    from rounds.outreach.models import Message

    return (Message.objects.filter(candidate=candidate, direction=Direction.OUTBOUND,
                                   channel=MessageChannel.SMS, status__in=WRITTEN)
            .order_by("-created_at", "-id").first())


def answered_offer(candidate):
    """(the offer a text from the candidate answers, or None; the last text we wrote them, or
    None). The offer is the one whose message is that last text (a broadcast's offer or a
    reopened one), when the text has reached them; anything else answers no offer."""
    from .models import ShiftOffer

    last = last_text(candidate)
    if last is None or last.topic != Topic.LOCUMS or last.status not in REACHED:
        return None, last
    offer = (ShiftOffer.objects.filter(candidate=candidate, message_id=last.pk)
             .select_related("shift__site", "shift__organization", "candidate__organization")
             .first())
    return offer, last


def handle_sms_reply(message, text: str) -> bool:
    """YES / NO to the shift offer that was the candidate's last text from us. True when
    handled (the answer is on its way, nothing for a person to do); False for any other text,
    when the last text wasn't about locums (a YES to a job message is a conversation for the
    recruiter), or when it was but wasn't an offer they could have read: then a YES gets one
    "Which shift?" text and goes to a person as a respond-now item, and nothing is booked."""
    yes, no = is_yes(text), is_no(text)
    candidate = message.candidate
    if not (yes or no) or candidate is None:
        return False
    offer, last = answered_offer(candidate)
    if last is None or last.topic != Topic.LOCUMS:
        return False
    from . import actions

    if offer is None:
        # A confirmation, a waitlist notice, our own question, an offer not sent yet: which
        # offer a yes means is a guess, and a guess may book the wrong shift. Asked once (not
        # again in answer to our own question); a person sees the reply either way.
        if yes and not (last.idempotency_key or "").startswith(WHICH_KEY):
            _reply(message, f"{_sender_name(candidate)}: {WHICH_SHIFT}",
                   key=f"{WHICH_KEY}{message.pk}")
        log.info("Locums reply %s from candidate %s not tied to an offer (last text %s): left "
                 "to a person", message.pk, candidate.pk, last.pk)
        return False

    shift = offer.shift
    if no:
        if offer.status == OfferStatus.ACCEPTED:
            from .links import accept_url

            _reply(message, f"{actions._sender(shift)}: you're booked on this shift. To cancel, "
                   f"open {accept_url(offer)} and tap Cancel my booking.",
                   sender=actions.offer_sender(offer))
            return True
        actions.do_decline(offer, via="sms")
        _reply(message, f"{actions._sender(shift)}: thanks for letting us know. We'll keep you "
               "in mind for the next one.", sender=actions.offer_sender(offer))
        return True

    result = actions.do_accept(offer, via="sms")
    log.info("YES by text from candidate %s to offer %s: %s", candidate.pk, offer.pk,
             result.outcome)
    # Booked and waitlisted members are texted by do_accept itself (the confirmation, the
    # waitlist notice); the other outcomes are answered here.
    if result.outcome not in (actions.BOOKED, actions.WAITLISTED):
        _reply(message, f"{actions._sender(shift)}: {result.message}",
               sender=actions.offer_sender(offer))
    return True


def _sender_name(candidate) -> str:
    from rounds.outreach.optout import sender_name

    return sender_name(candidate.organization)


def _reply(message, body: str, *, key: str = "", sender=None):
    """A text back to the member; from `sender`, the person they deal with about the offer
    (`words.offer_sender`), when there is one."""
    from rounds.outreach import outbox

    return outbox.queue_message(
        message.candidate, channel=MessageChannel.SMS, body=body,
        idempotency_key=key or f"locums:reply:{message.pk}", kind=MessageKind.TRANSACTIONAL,
        topic=Topic.LOCUMS, thread=message.thread, actor=sender,
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
