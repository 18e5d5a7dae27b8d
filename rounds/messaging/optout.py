"""Opting out and back in: reading STOP in a reply, making an opt-out take effect at once, and
giving consent back only in ways that prove it is the person.

`classify(text)` reads a reply: one with a revocation keyword as a whole word — stop, stopall,
unsubscribe, cancel, end, quit, revoke, opt out, arrêt — is an opt-out when it is short (a few
words) or opens or closes the reply, whatever the case, punctuation, accents or emoji around it
(TCPA revocation rules in force since April 2025; "arrêt" for Canada). "Not interested. STOP"
is an opt-out: a negation turns a keyword around only right before it. A keyword right after a
negation ("don't stop"), "cancel"/"end" about something else ("cancel my interview", "the end
of the week"), or a keyword inside a longer message ("I can't stop thinking about the Red Deer
job") is ambiguous: a person reads it, the code doesn't guess.

`do_opt_out` revokes consent for a channel (a `revoked` consent record with the evidence),
suppresses the address, cancels what is still waiting to go on that channel, stops the
candidate's sequences and notes it on the timeline. It is idempotent: a second STOP changes
nothing and sends no second confirmation. The caller owns the transaction.

Consent comes back only from the person: START or UNSTOP texted from their own number
(`do_opt_in_by_text`), or the one-time link emailed to their address on record
(`do_request_consent`, `do_confirm_consent`). The preference centre's link, which is in every
message and may be forwarded, only takes contact away."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from rounds.activities.choices import ActivityKind
from rounds.activities.models import Activity
from rounds.candidates.actions import current_consent, do_record_consent, mark_changed
from rounds.candidates.choices import Channel, ConsentBasis

from .choices import (
    Direction,
    MessageChannel,
    MessageKind,
    SuppressionReason,
)
from .models import Message, OutreachSettings, Suppression

# How a request to stop reached us. Also the audit trail's `via` (at most 10 characters).
# The purposes of the core's own messages (registered in apps.py).
OPTOUT_CONFIRMATION = "messaging.optout_confirmation"  # the one text allowed after STOP
OPTIN_CONFIRMATION = "messaging.optin_confirmation"  # after START: texts are back on
ASKED_CONSENT_LINK = "messaging.consent_link"  # the link confirming consent they asked for

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
# Words that turn a keyword around when they come right before it ("don't stop", "never
# quit", "not cancel"): a person decides. Further back they don't ("Not interested. STOP").
NEGATIONS = frozenset(
    {"not", "dont", "never", "cant", "cannot", "wont", "didnt", "doesnt", "shouldnt", "isnt",
     "havent", "ne", "pas", "jamais"}
)
# "cancel" and "end" also take an object ("cancel my interview", "the end of the week"): then
# they are about something else and a person reads them. These words after them are not an
# object: they say what to cancel is us ("cancel please", "end all texts").
OBJECT_KEYWORDS = frozenset({"cancel", "end"})
NOT_AN_OBJECT = frozenset(
    {"please", "pls", "plz", "now", "thanks", "thank", "thx", "ty", "you", "all", "everything",
     "it", "this", "that", "them", "these", "texts", "text", "texting", "messages", "message",
     "msgs", "sms", "emails", "email", "mail", "subscription", "svp", "merci", "asap",
     "immediately", "me", *KEYWORDS}
)
# Words before "end" that make it a noun ("at the end", "a dead end").
NOUN_MARKERS = frozenset({"the", "a", "an", "this", "that", "my", "your", "our", "its", "dead"})
# "stop by the clinic" is a visit, not a revocation.
STOP_VISIT = frozenset({"by", "in", "over"})
# Words that give consent back to texts when they are the whole reply (the carriers' keywords).
OPT_IN_KEYWORDS = frozenset({"start", "unstop"})
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
    """OPT_OUT for a reply with a revocation keyword that is short (a few words) or starts or
    ends with it; AMBIGUOUS for a keyword right after a negation ("don't stop"), for "cancel" or
    "end" about something else ("cancel my interview", "the end of the week"), or for a keyword
    inside a longer message; NONE otherwise."""
    tokens = words(text)
    hits = [i for i, t in enumerate(tokens) if t in KEYWORDS]
    if not hits:
        return Reading.NONE
    if any(i > 0 and tokens[i - 1] in NEGATIONS for i in hits):
        return Reading.AMBIGUOUS
    meant = [i for i in hits if not _about_something_else(tokens, i)]
    if not meant:
        return Reading.AMBIGUOUS
    if len(tokens) <= SHORT_REPLY_WORDS or meant[0] == 0 or meant[-1] == len(tokens) - 1:
        return Reading.OPT_OUT
    return Reading.AMBIGUOUS


def _about_something_else(tokens: list[str], i: int) -> bool:
    """Is the keyword at `i` used about something other than our messages?"""
    word = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    before = tokens[i - 1] if i > 0 else None
    if word == "end" and before in NOUN_MARKERS:
        return True
    if word in OBJECT_KEYWORDS and after is not None and after not in NOT_AN_OBJECT:
        return True
    return word == "stop" and after in STOP_VISIT


def is_opt_in(text: str) -> bool:
    """Is this reply START or UNSTOP, alone (any case, punctuation around it)?"""
    tokens = words(text)
    return len(tokens) == 1 and tokens[0] in OPT_IN_KEYWORDS


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
    from . import purposes

    stopped = purposes.opted_out(candidate, channels=[channel])

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
        purpose=OPTOUT_CONFIRMATION, ref_id=record.pk, thread=thread,
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


def do_opt_in(
    candidate, channel: str, *, via: str, evidence: str, actor=None,
    lift: tuple[str, ...] = (SuppressionReason.UNSUBSCRIBE, SuppressionReason.STOP),
) -> bool:
    """The candidate themselves said yes again to a channel, in a way that proves it is them (a
    START from their own number, the link we emailed to their address): express consent with
    the evidence, and the address is no longer suppressed for the reasons in `lift` (a past
    unsubscribe or STOP). Bounces and complaints stay suppressed: those are about the address,
    not the person's wish. Never call it on the strength of a forwardable link alone. Returns
    True when something changed (consent recorded or a suppression lifted)."""
    current = current_consent(candidate, channel)
    recorded = current is None or current.basis != ConsentBasis.EXPRESS
    if recorded:
        do_record_consent(candidate, channel=channel, basis=ConsentBasis.EXPRESS, actor=actor,
                          evidence=evidence, via=via)
    lifted = 0
    address = address_of(candidate, channel)
    if address and lift:
        lifted, _ = Suppression.objects.filter(
            organization_id=candidate.organization_id, channel=channel, address=address,
            reason__in=list(lift),
        ).delete()
    if not (recorded or lifted):
        return False
    Activity.objects.create(
        organization_id=candidate.organization_id, candidate=candidate, kind=ActivityKind.SYSTEM,
        subject=f"Agreed to {CHANNEL_WORDS.get(channel, channel)}", body=evidence,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    mark_changed(candidate.pk)
    return True


def do_opt_in_by_text(message, *, provider_confirms: bool = False) -> bool:
    """START or UNSTOP texted from the candidate's own number: express consent for texts
    ("Replied START on <date>"), the STOP (ours or the carrier's) lifted, and one confirmation
    text — none when the provider handled START and confirmed it itself. A second START
    changes nothing and confirms nothing. Returns True when something changed."""
    candidate = message.candidate
    if candidate is None or message.from_address != address_of(candidate, Channel.SMS):
        return False
    when = timezone.localtime(message.received_at or timezone.now())
    word = (message.body or "").strip().upper()[:20]
    changed = do_opt_in(
        candidate, Channel.SMS, via=VIA_SMS, evidence=f"Replied {word} on {when:%Y-%m-%d}",
        lift=(SuppressionReason.STOP, SuppressionReason.CARRIER_OPT_OUT,
              SuppressionReason.UNSUBSCRIBE),
    )
    if changed and not provider_confirms:
        from . import outbox

        record = current_consent(candidate, Channel.SMS)
        name = sender_name(candidate.organization)
        outbox.queue_message(
            candidate, channel=MessageChannel.SMS, purpose=OPTIN_CONFIRMATION, ref_id=record.pk,
            body=f"{name}: you will get texts from {name} again. Reply STOP to stop.",
            idempotency_key=f"optin-confirm:{MessageChannel.SMS}:{record.pk}",
            thread=message.thread,
        )
    return changed


# --- Confirming consent by email ---
#
# The preference centre's link is in every message and is easily forwarded, so it can't grant
# consent: ticking "yes, you may email me" sends a link to the address on record, and only
# that link (GET shows a button, POST confirms) records express consent. The link is signed
# over the candidate, the channel, the consent record in force when it was sent and the
# address: a later opt-out, a change of address or its own use makes it stale.

CONSENT_LINK = "outreach.consent"
CONSENT_LINK_DAYS = 7
CONSENT_LINK_EVERY = timedelta(minutes=10)  # at most one link per channel this often
EMAIL_CONFIRMED = (Channel.EMAIL, Channel.CALL)  # channels confirmed by a link in an email
LINK_SENT, LINK_RECENT, ALREADY, NO_EMAIL, EMAIL_BLOCKED = (
    "sent", "recent", "already", "no_email", "blocked")
VIA_CONFIRMED = "confirm"  # the consent link we emailed
VIA_WORDS[VIA_CONFIRMED] = "confirmed by the link we emailed"


def _consent_signer():
    from django.core import signing

    return signing.TimestampSigner(salt=CONSENT_LINK, algorithm="sha256")


def _address_tag(candidate) -> str:
    import hashlib

    address = address_of(candidate, Channel.EMAIL)
    return hashlib.sha256(address.encode()).hexdigest()[:16]


def consent_token(candidate, channel: str) -> str:
    record = current_consent(candidate, channel)
    value = f"{candidate.uuid.hex}.{channel}.{record.pk if record else 0}.{_address_tag(candidate)}"
    return _consent_signer().sign(value)


@dataclass(frozen=True)
class ConsentLink:
    candidate: object
    channel: str
    fresh: bool  # False: used, expired, or made stale by a later record or a new address


def read_consent_token(token: str) -> ConsentLink | None:
    """What a consent link is for; None for an altered one (or a merged-away record)."""
    import uuid

    from django.core import signing

    from rounds.candidates.models import Candidate

    signer = _consent_signer()
    try:
        value = signer.unsign(token, max_age=timedelta(days=CONSENT_LINK_DAYS))
        expired = False
    except signing.SignatureExpired:
        value, expired = signer.unsign(token), True
    except signing.BadSignature:
        return None
    try:
        uuid_hex, channel, record_id, tag = value.split(".")
        key = uuid.UUID(hex=uuid_hex)
    except ValueError:
        return None
    candidate = (Candidate.objects.select_related("organization")
                 .filter(uuid=key, merged_into__isnull=True).first())
    if candidate is None or channel not in EMAIL_CONFIRMED:
        return None
    record = current_consent(candidate, channel)
    fresh = (not expired and str(record.pk if record else 0) == record_id
             and tag == _address_tag(candidate))
    return ConsentLink(candidate, channel, fresh)


def consent_url(candidate, channel: str) -> str:
    from django.urls import reverse

    from . import links

    return links.absolute(reverse("messaging_public:consent",
                                  args=[consent_token(candidate, channel)]))


def do_request_consent(candidate, channel: str, *, now=None) -> str:
    """The preference centre's "yes, you may contact me by email/phone": email the link that
    confirms it to the address on record (a transactional message, sent by a task once the
    caller commits). Returns what happened: LINK_SENT, LINK_RECENT (one went minutes ago),
    ALREADY (consent is in force), NO_EMAIL or EMAIL_BLOCKED (the address bounced or
    complained: we don't write to it)."""
    from .threads import thread_for

    if channel not in EMAIL_CONFIRMED:
        raise ValueError(f"Consent for {channel} is not confirmed by email.")
    now = now or timezone.now()
    if has_consent(candidate, channel, now):
        return ALREADY
    record = current_consent(candidate, channel)
    address = address_of(candidate, Channel.EMAIL)
    if not address:
        return NO_EMAIL
    if Suppression.objects.filter(
        organization_id=candidate.organization_id, channel=Channel.EMAIL, address=address,
        reason__in=[SuppressionReason.HARD_BOUNCE, SuppressionReason.COMPLAINT,
                    SuppressionReason.MANUAL],
    ).exists():
        return EMAIL_BLOCKED
    key = f"consent-link:{channel}:{record.pk if record else 0}:"
    if Message.objects.filter(organization_id=candidate.organization_id, candidate=candidate,
                              purpose=ASKED_CONSENT_LINK, idempotency_key__startswith=key,
                              created_at__gt=now - CONSENT_LINK_EVERY).exists():
        return LINK_RECENT
    name = sender_name(candidate.organization)
    words_ = CHANNEL_WORDS[channel]
    subject = f"Confirm: may {name} contact you by {words_}?"
    body = (
        f"Hi {candidate.preferred_name or candidate.first_name},\n\n"
        f"Someone using your preferences page asked that {name} may contact you by {words_} "
        f"again. If that was you, confirm it here:\n\n{consent_url(candidate, channel)}\n\n"
        f"The link works for {CONSENT_LINK_DAYS} days. If it wasn't you, ignore this email: "
        "nothing changes."
    )
    from . import outbox

    # Through the outbox like every message: its purpose is one the person asked for, so the
    # policy lets it past the unsubscribe it exists to lift (never past a bounce or complaint).
    outbox.queue_message(
        candidate, channel=MessageChannel.EMAIL, subject=subject, body=body,
        idempotency_key=f"{key}{now:%Y%m%d%H%M%S%f}", purpose=ASKED_CONSENT_LINK, at=now,
        thread=thread_for(candidate, subject=subject),
    )
    return LINK_SENT


def do_confirm_consent(candidate, channel: str) -> bool:
    """The candidate pressed "confirm" on the page of the link we emailed to their address:
    express consent, and a past unsubscribe lifted (never a bounce or a complaint)."""
    when = timezone.localtime(timezone.now())
    address = address_of(candidate, Channel.EMAIL)
    return do_opt_in(
        candidate, channel, via=VIA_CONFIRMED,
        evidence=f"Confirmed by the link emailed to {address} on {when:%Y-%m-%d %H:%M %Z}",
    )


def has_consent(candidate, channel: str, at=None) -> bool:
    """Is there a current, unexpired, not revoked consent record for the channel?"""
    record = current_consent(candidate, channel)
    return record is not None and record.is_valid_at(at or timezone.now())


def do_save_preferences(
    candidate, *, channels: list[str], frequency: str, topics: set[str], quiet_start,
    quiet_end, via: str = VIA_PREFERENCES,
) -> None:
    """What the candidate chose in the preference centre.

    `channels` are the ticked channels, in their order. Unticking a channel that had consent
    revokes it (an opt-out: suppressed, pending messages cancelled). Ticking one never grants
    consent here: the page's link may have been forwarded, so consent is confirmed on the
    channel itself (`do_request_consent`, START by text). Frequency, topics (stored as the
    topics left unticked) and quiet hours go through the candidate's update action, audited; a
    ValidationError names the field."""
    from rounds.candidates.actions import do_update_candidate

    from .choices import Topic

    now = timezone.now()
    when = f"{now:%Y-%m-%d %H:%M} UTC"
    for channel in (Channel.EMAIL, Channel.SMS, Channel.CALL):
        current = current_consent(candidate, channel)
        if channel not in channels and current is not None and (
            current.basis != ConsentBasis.REVOKED
        ):
            do_opt_out(candidate, channel, via=via,
                       detail=f"unticked {CHANNEL_WORDS[channel]} on {when}")
    candidate.refresh_from_db()
    do_update_candidate(
        candidate, actor=None, via=via, preferred_channels=list(channels),
        contact_frequency=frequency,
        muted_topics=[t for t in Topic.values if t not in topics],
        quiet_hours_start=quiet_start, quiet_hours_end=quiet_end,
    )
