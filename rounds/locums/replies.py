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
from datetime import timedelta

from django.utils import timezone

from rounds.messaging.choices import Direction, MessageChannel, MessageStatus
from rounds.messaging.optout import words

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
    from rounds.messaging.models import Message

    return (Message.objects.filter(candidate=candidate, direction=Direction.OUTBOUND,
                                   channel=MessageChannel.SMS, status__in=WRITTEN)
            .order_by("-created_at", "-id").first())


def answered_offer(candidate):
    """(the offer a text from the candidate answers, or None; the last text we wrote them, or
    None). The offer is the record of that last text when it was an offer (a broadcast's or a
    reopened one: purpose `locums.offer`) and has reached them; anything else answers no
    offer."""
    from .models import ShiftOffer
    from .purposes import OFFER

    last = last_text(candidate)
    if last is None or last.purpose != OFFER or last.status not in REACHED:
        return None, last
    offer = (ShiftOffer.objects.filter(candidate=candidate, pk=last.ref_id)
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
    if last is None or not last.purpose.startswith("locums."):
        return False
    from . import actions
    from .purposes import WHICH_SHIFT as ASKED

    if offer is None:
        # A confirmation, a waitlist notice, our own question, an offer not sent yet: which
        # offer a yes means is a guess, and a guess may book the wrong shift. Asked once (not
        # again in answer to our own question); a person sees the reply either way.
        if yes and last.purpose != ASKED:
            _reply(message, f"{_sender_name(candidate)}: {WHICH_SHIFT}",
                   key=f"{WHICH_KEY}{message.pk}", purpose=ASKED, ref_id=message.pk)
        log.info("Locums reply %s from candidate %s not tied to an offer (last text %s): left "
                 "to a person", message.pk, candidate.pk, last.pk)
        return False

    shift = offer.shift
    if no:
        if offer.status == OfferStatus.ACCEPTED:
            from .links import accept_url

            _reply(message, f"{actions._sender(shift)}: you're booked on this shift. To cancel, "
                   f"open {accept_url(offer)} and tap Cancel my booking.",
                   sender=actions.offer_sender(offer), ref_id=offer.pk)
            return True
        actions.do_decline(offer, via="sms")
        _reply(message, f"{actions._sender(shift)}: thanks for letting us know. We'll keep you "
               "in mind for the next one.", sender=actions.offer_sender(offer), ref_id=offer.pk)
        return True

    result = actions.do_accept(offer, via="sms")
    log.info("YES by text from candidate %s to offer %s: %s", candidate.pk, offer.pk,
             result.outcome)
    # Booked and waitlisted members are texted by do_accept itself (the confirmation, the
    # waitlist notice); the other outcomes are answered here.
    if result.outcome not in (actions.BOOKED, actions.WAITLISTED):
        _reply(message, f"{actions._sender(shift)}: {result.message}",
               sender=actions.offer_sender(offer), ref_id=offer.pk)
    return True


def answer_reply(message, text: str):
    """The reply handler (messaging.purposes.on_reply): a YES or NO texted to a shift offer is
    answered here — booked, waitlisted or declined — with nothing for a person to do."""
    from rounds.messaging.purposes import Handled

    if message.channel != MessageChannel.SMS:
        return None
    return Handled.CLOSED if handle_sms_reply(message, text) else None


def offers_not_wanted(messages) -> dict[int, str]:
    """Claimed offer messages whose offer is no longer open (taken, declined, withdrawn when
    the shift was filled or cancelled) must not go: one query a batch (the purpose's
    `still_wanted`)."""
    from .models import ShiftOffer

    pending = {OfferStatus.QUEUED, OfferStatus.SENT, OfferStatus.LATER_TIER,
               OfferStatus.WAITLISTED}
    status = dict(ShiftOffer.objects.filter(pk__in={m.ref_id for m in messages if m.ref_id})
                  .values_list("pk", "status"))
    return {m.pk: (f"The shift offer is no longer open ({status[m.ref_id]}): the shift was "
                   "filled or cancelled, or they answered, before it went out.")
            for m in messages if m.ref_id in status and status[m.ref_id] not in pending}


def _sender_name(candidate) -> str:
    from rounds.messaging.optout import sender_name

    return sender_name(candidate.organization)


def _reply(message, body: str, *, key: str = "", sender=None, purpose: str = "",
           ref_id: int | None = None):
    """A text back to the member; from `sender`, the person they deal with about the offer
    (`words.offer_sender`), when there is one."""
    from rounds.messaging import outbox

    from .purposes import ANSWER

    return outbox.queue_message(
        message.candidate, channel=MessageChannel.SMS, body=body,
        idempotency_key=key or f"locums:reply:{message.pk}", purpose=purpose or ANSWER,
        ref_id=ref_id, thread=message.thread, actor=sender,
    )


# --- A YES from a number no candidate has ---


UNKNOWN_BODY = ("{sender}: thanks for your reply. We couldn't match this number to a shift "
                "offer, so nothing was booked. Please use the link in the offer, or reply from "
                "the number the offer was sent to.")


def handle_unknown_sms(message, text: str) -> None:
    """A YES from an unknown number: a polite text saying we couldn't match it, through the
    outbox like every message (the purpose `locums.courtesy`: asked for by the person, so no
    consent is needed, but never to a number that said STOP), from the number they texted.
    Not twice a day to one number. (messaging.purposes.on_unmatched_text)"""
    from rounds.accounts.models import Organization
    from rounds.messaging import outbox
    from rounds.messaging.models import Message
    from rounds.messaging.optout import sender_name

    from .purposes import COURTESY

    if not is_yes(text) or not message.from_address:
        return
    org_id = message.organization_id
    now = timezone.now()
    recent = Message.objects.filter(
        organization_id=org_id, direction=Direction.OUTBOUND, purpose=COURTESY,
        channel=MessageChannel.SMS, to_address=message.from_address,
        created_at__gt=now - UNKNOWN_REPLY_EVERY,
    )
    if recent.exists():
        log.info("YES from unknown number %s: already answered today", message.from_address)
        return
    reply = outbox.queue_to_address(
        org_id, address=message.from_address, channel=MessageChannel.SMS,
        body=UNKNOWN_BODY.format(sender=sender_name(Organization.objects.get(pk=org_id))),
        idempotency_key=f"locums:unknown-yes:{message.pk}", purpose=COURTESY,
        ref_id=message.pk, from_address=message.to_address or "", at=now,
    )
    log.info("YES from unknown number %s (message %s): courtesy reply %s (%s)",
             message.from_address, message.pk, reply.pk, reply.status)
