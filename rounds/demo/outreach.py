"""Demo outreach: templates, a three-touch sequence, conversations with replies (one waiting
for an answer right now, so the Today clock runs), an unmatched text, a booked call, and
respond-now history for the analytics. Made through the real actions; sent messages are
recorded as sent (the demo doesn't mail real people)."""

from __future__ import annotations

from datetime import timedelta

from rounds.outreach import followups, sequences
from rounds.outreach.actions import do_save_template
from rounds.outreach.choices import (
    Direction,
    FollowUpStatus,
    MeetingKind,
    MessageChannel,
    MessageStatus,
    SequenceAction,
    Topic,
)
from rounds.outreach.models import FollowUp, Message, OutreachSettings
from rounds.outreach.outbox import queue_message
from rounds.outreach.policy import Context, decide, facts_for
from rounds.outreach.threads import log_activity
from rounds.pipeline.actions import do_mark_contacted

FIRST_TOUCH = (
    "Hi {{ candidate.first_name }},\n\n"
    "I'm {{ sender.first_name }}, and I look after recruitment at {{ organization.name }}.\n"
    "{% if candidate.specialty %}We're looking for someone in {{ candidate.specialty|lower }}"
    "{% if job.title %} for our {{ job.title }} role{% endif %}, and your background stood out."
    "{% endif %}\n"
) + """{% if employer.value_proposition %}
What people tell us they like here: {{ employer.value_proposition }}
{% endif %}
Is this something for you, or someone you know? Would you have 10 minutes for a call this week?

{{ sender.name }}{% if sender.title %}, {{ sender.title }}{% endif %}"""

TEXT_NUDGE = ("Hi {{ candidate.first_name }}, {{ sender.first_name }} from {{ organization.name }} "
              "here. I emailed about a role{% if job.title %} ({{ job.title }}){% endif %}: you, "
              "or someone you know? Happy to send details or set up a quick call.")

LOCUM_CHECK = ("Hi {{ candidate.first_name }}, we're lining up locum cover{% if job.site %} at "
               "{{ job.site }}{% endif %}. Any dates free in the next two months?")

REPLIES = [
    ("Thanks for reaching out. I might be interested: could you send the compensation details "
     "and the call schedule?", 12),
    ("Not for me right now, but my colleague Dr. Haddad is looking. Can I pass on your number?",
     41),
    ("Yes, happy to chat. Thursday after 5 works.", 60 * 26),
    ("Could you tell me more about the team and the EMR?", 60 * 50),
]


def load(loader) -> dict[str, int]:
    """Add outreach to one demo organization (`loader` is the demo's organization loader)."""
    org, now, rng = loader.org, loader.now, loader.rng
    counts: dict[str, int] = {}
    settings = OutreachSettings.for_org(org.pk)
    # Messages are from whoever sends them; one nobody sent speaks for the organization by
    # its own name (an empty sender name), never as one of its people.
    settings.sender_name = ""
    settings.contact_phone = "+1 587 555 0199" if org.country == "CA" else "+1 512 555 0199"
    settings.sms_from_number = "+15875550100" if org.country == "CA" else "+15125550100"
    settings.backup_responder = loader.owner
    settings.save()

    first = do_save_template(org.pk, actor=loader.owner, name="First touch: you, or someone "
                             "you know?", subject="A role at {{ organization.name }}: you, "
                             "or someone you know?", body=FIRST_TOUCH, channel=MessageChannel.EMAIL)
    nudge = do_save_template(org.pk, actor=loader.owner, name="Text nudge after the email",
                             body=TEXT_NUDGE, channel=MessageChannel.SMS)
    do_save_template(org.pk, actor=loader.owner, name="Locum availability check",
                     body=LOCUM_CHECK, channel=MessageChannel.SMS, topic=Topic.LOCUMS)
    counts["message templates"] = 3
    sequence = sequences.do_create_sequence(org, name="Passive physician: three touches",
                                            actor=loader.owner, steps=[
        {"action": SequenceAction.EMAIL, "delay_hours": 0, "template": first},
        {"action": SequenceAction.SMS, "delay_hours": 72, "template": nudge},
        {"action": SequenceAction.CALL_TASK, "delay_hours": 48,
         "note": "Call: ask about timing and who else they know."},
    ])

    _answer_application_items(org, now, rng)
    reachable = _reachable(loader, now)
    sent = 0
    for i, cand in enumerate(reachable[:10]):
        # A first touch some days ago, on their first allowed channel; those who reply were
        # written to about the job, in its pipeline, so the answer has its facts.
        when = now - timedelta(days=rng.randint(3, 20), minutes=rng.randint(0, 600))
        job = next((j for j in loader.jobs if j.profession == cand.profession), loader.jobs[0])
        application = _in_pipeline(loader, cand, job) if i < len(REPLIES) else None
        body = f"Hi {cand.first_name}, {loader.recruiter.first_name} from {org.name} here."
        message = queue_message(cand, channel=MessageChannel.EMAIL, body=body + "\n\nYou, or "
                                "someone you know? We're hiring for " + job.title + ".",
                                subject=f"{job.title}: you, or someone you know?",
                                actor=loader.recruiter, idempotency_key=f"demo:first:{cand.pk}",
                                at=when, application=application)
        _record_sent(message, when)
        if application is not None:
            do_mark_contacted(cand, actor=loader.recruiter, application=application,
                              how="email sent", via="cli")
        sent += 1
        if i < len(REPLIES):
            text, minutes_ago = REPLIES[i]
            reply = _record_reply(message, text, now - timedelta(minutes=minutes_ago))
            followups.advance_on_reply(reply)
            item = followups.open_for_reply(reply)
            if minutes_ago > 90 and item is not None:
                # Older replies were answered, in a realistic time.
                followups.mark_responded(cand, at=reply.received_at + timedelta(
                    minutes=rng.choice((8, 14, 22, 35, 70))), actor=loader.recruiter)
    counts["messages sent"] = sent
    for cand in reachable[10:13]:
        sequences.do_enroll(sequence, cand, actor=loader.recruiter, at=now)
    counts["sequence enrolments"] = 3

    Message.objects.create(
        organization=org, channel=MessageChannel.SMS, direction=Direction.INBOUND,
        status=MessageStatus.UNMATCHED, from_address="+14035550177" if org.country == "CA"
        else "+15125550177", to_address=settings.sms_from_number,
        body="Hi, a friend gave me this number. Are you still looking for a locum in March?",
        received_at=now - timedelta(hours=3), created_at=now - timedelta(hours=3),
        idempotency_key=f"demo:unmatched:{org.pk}",
    )
    counts["unmatched messages"] = 1
    if len(reachable) > 13:
        _book_call(loader, reachable[13], now)
        counts["meetings"] = 1
    return counts


def _in_pipeline(loader, cand, job):
    """The candidate's open application for `job`, made if they have none; None when it is
    closed (nobody writes a first touch about a job they were turned down for)."""
    from rounds.pipeline.actions import do_add_to_pipeline
    from rounds.pipeline.models import Application

    found = Application.objects.filter(candidate=cand, job=job).select_related("stage").first()
    if found is None:
        return do_add_to_pipeline(cand, job, actor=loader.recruiter, via="cli")
    return found if found.stage.is_open else None


def _reachable(loader, now) -> list:
    """Candidates the policy lets us email now (consent on record, an address)."""
    people = [c for c in loader.candidates if c.email and c.status != "do_not_contact"]
    facts = facts_for(people, MessageChannel.EMAIL, Context.for_org(loader.org), at=now)
    return [c for c in people if not decide(facts[c.pk], now).dropped]


def _record_sent(message: Message, when) -> None:
    if message.status not in (MessageStatus.QUEUED, MessageStatus.HELD):
        return
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENT, sent_at=when,
                                                 status_reason="", sent_body=message.body)
    message.status, message.sent_at, message.sent_body = MessageStatus.SENT, when, message.body
    log_activity(message, when)


def _record_reply(message: Message, text: str, when) -> Message:
    reply = Message.objects.create(
        organization_id=message.organization_id, thread=message.thread,
        candidate=message.candidate, application=message.application,
        channel=MessageChannel.EMAIL, direction=Direction.INBOUND,
        status=MessageStatus.RECEIVED, from_address=message.to_address,
        subject=f"Re: {message.subject}", body=text, received_at=when, created_at=when,
        idempotency_key=f"demo:reply:{message.pk}",
    )
    log_activity(reply, when)
    return reply


def _answer_application_items(org, now, rng) -> None:
    """Applications from the career site and job boards opened respond-now items as the demo
    loaded them; give them their real times and answer them, as a working team would have."""
    for item in FollowUp.objects.filter(organization=org, status=FollowUpStatus.OPEN
                                        ).select_related("application"):
        opened = item.application.created_at if item.application else item.opened_at
        answered = opened + timedelta(minutes=rng.choice((6, 11, 18, 25, 29, 44, 95, 240)))
        FollowUp.objects.filter(pk=item.pk).update(
            opened_at=opened, due_at=opened + timedelta(minutes=30),
            status=FollowUpStatus.DONE if answered < now else FollowUpStatus.OPEN,
            responded_at=answered if answered < now else None,
            response_seconds=int((answered - opened).total_seconds()) if answered < now else None,
        )


def _book_call(loader, cand, now) -> None:
    from rounds.outreach.meetings import do_book, do_offer_meeting, free_slots

    slots = free_slots(loader.recruiter, now=now)
    if not slots:
        return
    meeting = do_offer_meeting(cand, organizer=loader.recruiter, kind=MeetingKind.CALL,
                               title="Introductory call",
                               location=loader.recruiter.phone or "Phone", duration=30,
                               proposed_times=slots[:3], send_by=None, actor=loader.recruiter,
                               now=now)
    do_book(meeting, slots[1] if len(slots) > 1 else slots[0], via="demo", now=now)
