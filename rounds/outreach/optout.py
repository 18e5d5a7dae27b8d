"""Opting out: reading STOP in a reply, and making an opt-out take effect at once.

`classify(text)` reads a reply: a short one (a few words) with a revocation keyword as a whole
word — stop, stopall, unsubscribe, cancel, end, quit, revoke, opt out, arrêt — is an opt-out,
whatever the case, punctuation, accents or emoji around it (TCPA revocation rules in force
since April 2025; "arrêt" for Canada). A longer message with a keyword ("I can't stop thinking
about the Red Deer job") or a negated one ("don't stop") is ambiguous: a person reads it, the
code doesn't guess.

`do_opt_out` revokes consent for a channel (a `revoked` consent record with the evidence),
suppresses the address, cancels what is still waiting to go on that channel, stops the
candidate's sequences and notes it on the timeline. It is idempotent: a second STOP changes
nothing and sends no second confirmation. The caller owns the transaction."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import timedelta

from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import current_consent, do_record_consent, mark_changed
from rounds.candidates.choices import Channel, ConsentBasis

from .choices import (
    Direction,
    FollowUpKind,
    MessageChannel,
    MessageKind,
    StopReason,
    SuppressionReason,
)
from .models import Message, OutreachSettings, Suppression

# How a request to stop reached us. Also the audit trail's `via` (at most 10 characters).
VIA_SMS = "sms"  # a STOP reply to a text
VIA_CARRIER = "carrier"  # the provider's own opt-out handling told us (it confirms itself)
VIA_EMAIL = "email"  # a reply asking to unsubscribe, or mail to the List-Unsubscribe mailto
VIA_LINK = "link"  # the unsubscribe page's button
VIA_ONE_CLICK = "one_click"  # RFC 8058 one-click POST from the mail client
VIA_PREFERENCES = "prefs"  # the candidate's preference centre
VIA_RECRUITER = "web"  # a recruiter recorded what the candidate said

VIA_WORDS = {
    VIA_SMS: "replied to a text",
    VIA_CARRIER: "opted out at the carrier",
    VIA_EMAIL: "asked by email",
    VIA_LINK: "unsubscribe link",
    VIA_ONE_CLICK: "one-click unsubscribe",
    VIA_PREFERENCES: "preference centre",
    VIA_RECRUITER: "told a recruiter",
}
SUPPRESSION_REASON = {
    VIA_SMS: SuppressionReason.STOP,
    VIA_CARRIER: SuppressionReason.CARRIER_OPT_OUT,
}
CHANNEL_WORDS = {
    Channel.EMAIL: "email",
    Channel.SMS: "text messages",
    Channel.CALL: "phone calls",
}

# Revocation words, normalized (no accents, lower case). "opt out" is joined to "optout" first.
KEYWORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "arret"}
)
# Words that turn a keyword around ("don't stop", "never quit"): a person decides.
NEGATIONS = frozenset(
    {"not", "dont", "never", "cant", "cannot", "wont", "didnt", "doesnt", "shouldnt", "isnt",
     "havent", "ne", "pas", "jamais"}
)
SHORT_REPLY_WORDS = 5

_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NOT_WORD = re.compile(r"[\W_]+")


class Reading(enum.Enum):
    """What a reply says about opting out."""

    OPT_OUT = "opt_out"
    AMBIGUOUS = "ambiguous"
    NONE = "none"


def words(text: str) -> list[str]:
    """The words of a reply: accents stripped (NFKD), lower case, apostrophes dropped so
    "don't" is one word, every other punctuation mark or emoji a space; "opt out" joined."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = _APOSTROPHES.sub("", plain.lower())
    tokens = [t for t in _NOT_WORD.sub(" ", plain).split() if t]
    out: list[str] = []
    for token in tokens:
        if token == "out" and out and out[-1] == "opt":
            out[-1] = "optout"
        else:
            out.append(token)
    return out


def classify(text: str) -> Reading:
    """OPT_OUT for a short reply with a revocation keyword; AMBIGUOUS for a long message with
    one, or a negated one; NONE otherwise."""
    tokens = words(text)
    hits = [i for i, t in enumerate(tokens) if t in KEYWORDS]
    if not hits:
        return Reading.NONE
    if any(t in NEGATIONS for t in tokens[: hits[-1]]):
        return Reading.AMBIGUOUS
    if len(tokens) <= SHORT_REPLY_WORDS:
        return Reading.OPT_OUT
    return Reading.AMBIGUOUS


def is_opt_out(text: str) -> bool:
    """Does this reply revoke consent? (Short reply with a revocation keyword, not negated.)"""
    return classify(text) is Reading.OPT_OUT


def is_ambiguous(text: str) -> bool:
    """Does this reply mention stopping in a way only a person should judge?"""
    return classify(text) is Reading.AMBIGUOUS


def address_of(candidate, channel: str) -> str:
    """The address a suppression is kept under: the normalized email, or the E.164 phone."""
    if channel == Channel.EMAIL:
        return candidate.email_normalized or (candidate.email or "").strip().lower()
    return candidate.phone_normalized or candidate.phone or ""


def sender_name(organization) -> str:
    settings_row = OutreachSettings.for_org(organization.pk)
    return settings_row.sender_name or organization.name


def do_opt_out(
    candidate, channel: str, *, via: str, detail: str = "", actor=None, thread=None,
    confirm: bool = True,
) -> bool:
    """Stop contact with `candidate` on `channel`, at once. Returns True when something changed
    (consent revoked, address newly suppressed, waiting messages cancelled); a repeat changes
    nothing and queues no second confirmation.

    A STOP reply to a text (`via=VIA_SMS`) queues exactly one confirmation text, without
    marketing (`confirm=False` when the STOP came from a number other than the one on record:
    the confirmation must not go to someone else). Carrier opt-outs are confirmed by the
    carrier, so not by us."""
    from . import outbox

    how = VIA_WORDS.get(via, via)
    evidence = f"Opted out ({how})" + (f": {detail.strip()[:500]}" if detail.strip() else "")
    now = timezone.now()

    current = current_consent(candidate, channel)
    revoked_now = current is None or current.basis != ConsentBasis.REVOKED
    record = current
    if revoked_now:
        record = do_record_consent(
            candidate, channel=channel, basis=ConsentBasis.REVOKED, actor=actor,
            evidence=evidence, obtained_at=now, via=via,
        )

    suppressed_now = False
    address = address_of(candidate, channel)
    if address:
        _, suppressed_now = Suppression.objects.get_or_create(
            organization_id=candidate.organization_id, channel=channel, address=address,
            defaults={"reason": SUPPRESSION_REASON.get(via, SuppressionReason.UNSUBSCRIBE),
                      "detail": evidence[:300], "created_at": now},
        )

    pending = Message.objects.filter(
        candidate=candidate, channel=channel, direction=Direction.OUTBOUND
    ).exclude(kind=MessageKind.OPT_OUT_CONFIRMATION)
    cancelled = outbox.cancel_pending(
        pending, f"{candidate.first_name or 'The candidate'} opted out of "
                 f"{CHANNEL_WORDS.get(channel, channel)} ({how})."
    )
    stopped = _stop_sequences(candidate, StopReason.OPTED_OUT)

    changed = bool(revoked_now or suppressed_now or cancelled or stopped)
    if revoked_now or suppressed_now:
        Activity.objects.create(
            organization_id=candidate.organization_id, candidate=candidate,
            kind=ActivityKind.SYSTEM,
            subject=f"Opted out of {CHANNEL_WORDS.get(channel, channel)}",
            body=evidence, occurred_at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        mark_changed(candidate.pk)

    if confirm and channel == Channel.SMS and via == VIA_SMS and (revoked_now or suppressed_now):
        _queue_confirmation(candidate, record, thread=thread)
    return changed


def _queue_confirmation(candidate, record, *, thread=None) -> Message:
    """The one text allowed after STOP: it confirms, it sells nothing. Keyed by the revocation
    record, so however often this runs for that revocation, one text goes."""
    from . import outbox

    name = sender_name(candidate.organization)
    body = (f"{name}: you have opted out and will not get more texts from {name}. "
            "No further messages will be sent.")
    return outbox.queue_message(
        candidate, channel=MessageChannel.SMS, body=body,
        idempotency_key=f"optout-confirm:{MessageChannel.SMS}:{record.pk}",
        kind=MessageKind.OPT_OUT_CONFIRMATION, thread=thread,
    )


def do_opt_out_everything(
    candidate, via: str, *, detail: str = "", actor=None, thread=None
) -> bool:
    """"Stop everything": revoke email, text and calls. The candidate's status is kept (the
    consent records say what may happen; status is the recruiter's view of their search)."""
    changed = False
    for channel in (Channel.EMAIL, Channel.SMS, Channel.CALL):
        changed |= do_opt_out(candidate, channel, via=via, detail=detail, actor=actor,
                              thread=thread)
    return changed


def do_opt_in(candidate, channel: str, *, via: str, evidence: str, actor=None) -> bool:
    """The candidate themselves said yes again to a channel (an explicit box ticked): express
    consent with the evidence, and the address is no longer suppressed for a past unsubscribe
    or STOP. Bounces and complaints stay suppressed: those are about the address, not the
    person's wish. Returns True when consent was recorded."""
    current = current_consent(candidate, channel)
    if current is not None and current.basis == ConsentBasis.EXPRESS:
        return False
    do_record_consent(candidate, channel=channel, basis=ConsentBasis.EXPRESS, actor=actor,
                      evidence=evidence, via=via)
    address = address_of(candidate, channel)
    if address:
        Suppression.objects.filter(
            organization_id=candidate.organization_id, channel=channel, address=address,
            reason__in=[SuppressionReason.UNSUBSCRIBE, SuppressionReason.STOP],
        ).delete()
    Activity.objects.create(
        organization_id=candidate.organization_id, candidate=candidate, kind=ActivityKind.SYSTEM,
        subject=f"Agreed to {CHANNEL_WORDS.get(channel, channel)}", body=evidence,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return True


def has_consent(candidate, channel: str, at=None) -> bool:
    """Is there a current, unexpired, not revoked consent record for the channel?"""
    record = current_consent(candidate, channel)
    return record is not None and record.is_valid_at(at or timezone.now())


def do_save_preferences(
    candidate, *, channels: list[str], consent_to: set[str], frequency: str,
    topics: set[str], quiet_start, quiet_end, via: str = VIA_PREFERENCES,
) -> None:
    """What the candidate chose in the preference centre.

    `channels` are the ticked channels, in their order. Unticking a channel that had consent
    revokes it (an opt-out: suppressed, pending messages cancelled). Ticking one again does not
    grant consent by itself: only the explicit "yes, you may contact me by …" box does
    (`consent_to`), recorded as express consent with what they ticked and when. Frequency,
    topics (stored as the topics left unticked) and quiet hours go through the candidate's
    update action, audited; a ValidationError names the field."""
    from rounds.candidates.actions import do_update_candidate

    from .choices import Topic

    now = timezone.now()
    when = f"{now:%Y-%m-%d %H:%M} UTC"
    for channel in (Channel.EMAIL, Channel.SMS, Channel.CALL):
        words_ = CHANNEL_WORDS[channel]
        if channel in consent_to:
            do_opt_in(candidate, channel, via=via,
                      evidence=f"Preference centre: ticked “Yes, you may contact me by "
                               f"{words_}” on {when}.")
            continue
        current = current_consent(candidate, channel)
        if channel not in channels and current is not None and (
            current.basis != ConsentBasis.REVOKED
        ):
            do_opt_out(candidate, channel, via=via, detail=f"unticked {words_} on {when}")
    candidate.refresh_from_db()
    do_update_candidate(
        candidate, actor=None, via=via, preferred_channels=list(channels),
        contact_frequency=frequency,
        muted_topics=[t for t in Topic.values if t not in topics],
        quiet_hours_start=quiet_start, quiet_hours_end=quiet_end,
    )


def open_review(message, note: str):
    """A respond-now item of kind `review` for a message a person must read (an ambiguous
    opt-out): due within the organization's respond target, for whoever answers this candidate
    (`followups.responder_for`). One per message."""
    from .followups import responder_for
    from .models import FollowUp

    existing = FollowUp.objects.filter(message=message, kind=FollowUpKind.REVIEW).first()
    if existing is not None:
        return existing
    rules = OutreachSettings.for_org(message.organization_id)
    now = timezone.now()
    item = FollowUp.objects.create(
        organization_id=message.organization_id, kind=FollowUpKind.REVIEW,
        candidate_id=message.candidate_id, application_id=message.application_id,
        message=message, owner=responder_for(message.candidate, message.application),
        backup_id=rules.backup_responder_id, note=note[:300], opened_at=now,
        due_at=now + timedelta(minutes=rules.respond_target_minutes),
    )
    mark_changed(message.candidate_id)
    return item


def _stop_sequences(candidate, reason: str) -> int:
    from . import sequences

    return sequences.stop_for_candidate(candidate, reason)
