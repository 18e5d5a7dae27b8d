"""Writes of the compose side of outreach: message templates, a recruiter's message to one
candidate, and what a candidate said in conversation about how to reach them. The caller (a
view, the API) owns the transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from rounds.candidates.choices import Channel, ConsentBasis
from rounds.lib.permissions import can_edit, can_work_pipeline

from . import policy, templating
from .choices import (
    ChannelPreference,
    Direction,
    MessageChannel,
    MessageKind,
    MessageStatus,
    Topic,
)
from .models import Message, MessageTemplate

PREFERENCE_CHANNEL = {
    ChannelPreference.PREFERS_SMS: Channel.SMS,
    ChannelPreference.PREFERS_EMAIL: Channel.EMAIL,
    ChannelPreference.PREFERS_CALL: Channel.CALL,
    ChannelPreference.NO_CALL: Channel.CALL,
    ChannelPreference.NO_SMS: Channel.SMS,
    ChannelPreference.NO_EMAIL: Channel.EMAIL,
}
PREFERS = {ChannelPreference.PREFERS_SMS, ChannelPreference.PREFERS_EMAIL,
           ChannelPreference.PREFERS_CALL}
CHANNEL_WORDS = {Channel.EMAIL: "email", Channel.SMS: "text", Channel.CALL: "call"}


# --- templates ----------------------------------------------------------------------------


def do_save_template(
    organization_id: int, *, actor, name: str, body: str, subject: str = "",
    channel: str = MessageChannel.EMAIL, topic: str = Topic.JOBS,
    template: MessageTemplate | None = None,
) -> MessageTemplate:
    """Create a template, or change `template`. Every field the text uses is checked against
    the documented context here, so a misspelt one fails at save, named, never at send. A
    change of the text bumps `version`: it is part of each message's idempotency key."""
    name = " ".join((name or "").split())
    subject = (subject or "").strip() if channel == MessageChannel.EMAIL else ""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the template a name."
    elif MessageTemplate.objects.filter(organization_id=organization_id, name__iexact=name
                                        ).exclude(pk=getattr(template, "pk", None)).exists():
        errors["name"] = f"A template named “{name}” already exists."
    if channel not in (MessageChannel.EMAIL, MessageChannel.SMS):
        errors["channel"] = "Templates are for email or text messages."
    if channel == MessageChannel.EMAIL and not subject:
        errors["subject"] = "An email template needs a subject."
    if not (body or "").strip():
        errors["body"] = "Write the message."
    try:
        templating.validate(subject, body or "")
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages[0])
    if errors:
        raise ValidationError(errors)
    if template is None:
        template = MessageTemplate(organization_id=organization_id,
                                   created_by=actor if _is_user(actor) else None)
    elif (template.subject, template.body, template.channel) != (subject, body, channel):
        template.version += 1
    template.name, template.channel, template.topic = name, channel, topic
    template.subject, template.body = subject, body
    template.full_clean(exclude=["organization", "created_by"])
    template.save()
    return template


def do_archive_template(template: MessageTemplate, *, actor, archived: bool = True
                        ) -> MessageTemplate:
    """Archive (or bring back) a template. Messages that used it keep it: it is never deleted."""
    template.is_archived = archived
    template.save(update_fields=["is_archived", "updated_at"])
    return template


# --- a recruiter's message ----------------------------------------------------------------


def check_may_write(candidate, actor, application=None) -> None:
    """Raise PermissionDenied unless `actor` may message `candidate` (and `application`):
    a recruiter or admin of the organization, or a hiring manager for the people of their jobs.
    """
    from rounds.candidates.models import Candidate
    from rounds.pipeline.models import Application

    if not can_work_pipeline(actor):
        raise PermissionDenied("Your role does not allow sending messages.")
    if not Candidate.objects.visible_to(actor).filter(pk=candidate.pk).exists():
        raise PermissionDenied("You can't write to this candidate.")
    if application is not None and (
        application.candidate_id != candidate.pk
        or not Application.objects.visible_to(actor).filter(pk=application.pk).exists()
    ):
        raise PermissionDenied("You can't write about this application.")


def channel_refusal(candidate, channel: str, *, topic: str = Topic.JOBS, choice=None) -> str:
    """Why the policy refuses `channel` for this candidate, or "" when it doesn't."""
    choice = choice or policy.choose_channel(candidate, topic=topic)
    verdict = choice.refused(channel)
    if verdict is None:
        return ""
    label = MessageChannel(channel).label.lower()
    return (f"Can't send by {label}: {verdict.reason} You can't pick a channel the candidate "
            "refused.")


def do_send_message(
    candidate, *, actor, channel: str, subject: str, body: str, application=None,
    template: MessageTemplate | None = None, nonce: str, topic: str | None = None,
    thread=None, via: str = "web",
) -> Message:
    """Queue a message the recruiter wrote (and read) to one candidate.

    Refused when the actor may not write to this candidate, or when the policy drops the
    channel for them (no consent, opted out, suppressed, a muted topic…: ValidationError naming
    the channel and why). The topic is the template's when written from one (a "news" template
    is news, whoever calls), else `topic`, else jobs. The nonce from the compose form makes the
    idempotency key, so a double submit queues one message. `thread` keeps an answer in the
    conversation it answers. Writing to the candidate answers their respond-now items, and
    moves their applications still before "Contacted" there (recorded with the sender as the
    actor, the "reach out" next action done)."""
    check_may_write(candidate, actor, application)
    if thread is not None and thread.candidate_id != candidate.pk:
        raise PermissionDenied("That conversation is not this candidate's.")
    if template is not None:
        topic = template.topic
    topic = topic or Topic.JOBS
    body = (body or "").strip()
    subject = " ".join((subject or "").split())
    errors = {}
    if channel not in (MessageChannel.EMAIL, MessageChannel.SMS):
        errors["channel"] = "Choose email or text; log a call from the timeline."
    if not body:
        errors["body"] = "Write the message before sending."
    if channel == MessageChannel.EMAIL and not subject:
        errors["subject"] = "An email needs a subject."
    nonce = (nonce or "").strip()
    if not nonce:
        errors["nonce"] = "The form is missing its one-time key; reload the page and try again."
    if errors:
        raise ValidationError(errors)
    key = f"manual:{nonce}"[:200]
    earlier = Message.objects.filter(organization_id=candidate.organization_id,
                                     idempotency_key=key).first()
    if earlier is not None:
        if earlier.candidate_id != candidate.pk:
            raise ValidationError({"nonce": "This one-time key was already used for another "
                                            "message."})
        return earlier  # the same submission again: it was sent once
    refused = channel_refusal(candidate, channel, topic=topic)
    if refused:
        raise ValidationError({"channel": refused})
    from .outbox import queue_message

    message = queue_message(
        candidate, channel=channel, subject=subject if channel == MessageChannel.EMAIL else "",
        body=body, idempotency_key=key, actor=actor,
        application=application, template=template, kind=MessageKind.COMMERCIAL, topic=topic,
        thread=thread,
    )
    if message.status != MessageStatus.DROPPED:
        from rounds.pipeline.actions import do_mark_contacted

        from . import followups

        followups.mark_responded(candidate, actor=actor)
        do_mark_contacted(candidate, actor=actor, application=application,
                          how=f"{MessageChannel(channel).label.lower()} sent", via=via)
    return message


# --- what the candidate said about being reached ------------------------------------------


def do_record_channel_preference(candidate, *, actor, preference: str) -> str:
    """Record what the candidate said in conversation, in one click, and say what changed.

    "Prefers text/email/a call": that channel moves to the front of their order, and saying
    "text me" (or "email me", "call me") is express consent for it, recorded with the
    conversation as evidence. "Don't call/text/email": consent for that channel is revoked,
    it leaves their order, and anything still waiting to go on it is cancelled."""
    from rounds.candidates.actions import current_consent, do_record_consent, do_update_candidate

    if not can_edit(actor):
        raise PermissionDenied("Your role does not allow changing a candidate's preferences.")
    try:
        preference = ChannelPreference(preference)
    except ValueError:
        raise ValidationError({"preference": f"“{preference}” is not a preference."}) from None
    channel = PREFERENCE_CHANNEL[preference]
    who = (actor.get_full_name() or actor.email) if _is_user(actor) else "a recruiter"
    evidence = f"Said in conversation with {who}"
    order = [c for c in (candidate.preferred_channels or []) if c != channel]
    if preference in PREFERS:
        order.insert(0, channel)
        record = current_consent(candidate, channel)
        if record is None or record.basis != ConsentBasis.EXPRESS:
            do_record_consent(candidate, channel=channel, basis=ConsentBasis.EXPRESS,
                              actor=actor, evidence=evidence)
        done = f"{preference.label}: {CHANNEL_WORDS[channel]} comes first, with express consent."
    else:
        record = current_consent(candidate, channel)
        if record is None or record.basis != ConsentBasis.REVOKED:
            do_record_consent(candidate, channel=channel, basis=ConsentBasis.REVOKED,
                              actor=actor, evidence=evidence)
        cancelled = 0
        if channel in (Channel.EMAIL, Channel.SMS):
            from .outbox import cancel_pending

            cancelled = cancel_pending(
                Message.objects.filter(candidate=candidate, channel=channel).outbound(),
                f"{candidate.preferred_name or candidate.first_name} said "
                f"“{preference.label.lower()}” ({evidence.lower()}).",
            )
        done = f"{preference.label}: consent for {CHANNEL_WORDS[channel]} withdrawn"
        done += f", {cancelled} waiting message{'s' if cancelled != 1 else ''} cancelled." \
            if cancelled else "."
    if order != list(candidate.preferred_channels or []):
        do_update_candidate(candidate, actor=actor, preferred_channels=order)
    return done


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# --- answering a reply ----------------------------------------------------------------------


def do_send_reply(inbound: Message, *, actor, channel: str, subject: str, body: str, nonce: str,
                  application=None, call=None) -> Message:
    """Answer what a candidate wrote: in the same conversation, through the outbox and the
    policy like any message (`do_send_message`). When the answer still carries the link of the
    call it offers (`call`, a `replies.CallStep`), that meeting is created now, with the key its
    link was written with, the sender as organizer; it isn't sent separately (the answer is the
    offer), and it is withdrawn if the answer can't go."""
    from . import meetings
    from .choices import MeetingKind, MeetingStatus
    from .models import Meeting
    from .replies import CALL_MINUTES, TIMES

    candidate = inbound.candidate
    if candidate is None or inbound.direction != Direction.INBOUND:
        raise ValidationError("Only a candidate's own message can be answered here.")
    check_may_write(candidate, actor, application)
    meeting = None
    if call is not None and call.makes_meeting and call.url in (body or ""):
        meeting = Meeting.objects.filter(uuid=call.key).first()
        if meeting is not None and meeting.candidate_id != candidate.pk:
            raise ValidationError({"body": "This call offer belongs to someone else; reload the "
                                           "page for a new one."})
        if meeting is None:
            title = (f"Call about {application.job.title}" if application is not None
                     else "Introductory call")
            meeting = meetings.do_offer_meeting(
                candidate, organizer=actor, kind=MeetingKind.CALL, title=title[:200],
                location=getattr(actor, "phone", "") or "", duration=CALL_MINUTES,
                proposed_times=call.times if call.mode == TIMES else [],
                application=application, send_by=None, actor=actor, key=call.key,
            )
    message = do_send_message(
        candidate, actor=actor, channel=channel, subject=subject, body=body,
        application=application, nonce=nonce, topic=Topic.JOBS, thread=inbound.thread,
    )
    if (meeting is not None and message.status == MessageStatus.DROPPED
            and meeting.status == MeetingStatus.PROPOSED):
        meetings.do_cancel(meeting, actor=actor, reason="The answer offering it was not sent.")
    return message


def do_add_referral(referrer, *, actor, first_name: str, last_name: str, profession: str,
                    message: Message | None = None):
    """A colleague the candidate named becomes a candidate: source "referral", referred by
    them, with where the name came from. Nobody writes to them: they have no consent on record
    (and no address) until they get in touch or agree to hear from us. The same person named
    twice is added once. Returns (candidate, created)."""
    from django.utils import timezone

    from rounds.activities.actions import do_add_note
    from rounds.candidates.actions import do_create_candidate
    from rounds.candidates.choices import Source
    from rounds.candidates.models import Candidate

    if not can_edit(actor):
        raise PermissionDenied("Your role does not allow adding candidates.")
    first, last = " ".join((first_name or "").split()), " ".join((last_name or "").split())
    who = referrer.preferred_name or referrer.first_name
    errors = {}
    if not first:
        errors["first_name"] = f"Their first name isn't in the reply: ask {who}, or write what " \
                               "you know."
    if not last:
        errors["last_name"] = "Write their last name."
    if errors:
        raise ValidationError(errors)
    existing = (Candidate.objects.filter(organization_id=referrer.organization_id,
                                         referred_by=referrer, first_name__iexact=first,
                                         last_name__iexact=last).current().first())
    if existing is not None:
        return existing, False
    when = timezone.localtime(message.received_at or message.created_at) if message else (
        timezone.localtime())
    day = f"{when:%B} {when.day}, {when.year}"
    candidate = do_create_candidate(
        referrer.organization_id, actor=actor, first_name=first, last_name=last,
        profession=profession, source=Source.REFERRAL, referred_by=referrer,
        source_detail=f"Named by {referrer.full_name} in a reply on {day}"[:200],
    )
    said = ""
    if message is not None:
        from .replies import SENTENCE_END

        for sentence in SENTENCE_END.split(message.body or ""):
            if last.lower() in sentence.lower():
                said = f": “{' '.join(sentence.split())[:240]}”"
                break
    do_add_note(candidate, actor=actor, body=(
        f"Referred by {referrer.full_name}, who wrote on {day}{said}\n"
        f"Not contacted: there is no consent basis until {first} gets in touch or agrees to "
        "hear from us."))
    do_add_note(referrer, actor=actor, body=f"Referred {first} {last}: added to the pool as "
                                              f"{who}'s referral.")
    return candidate, True
