"""JSON API for writing to candidates: message templates, personal drafts, sending a message
and a candidate's messages. Mounted at /api/outreach.

Errors: 400 {"detail", "errors": {field: [..]}} when the input is refused — a template using an
unknown field (named, with the part: subject or body), a channel the candidate refused (with the
reason), a missing Idempotency-Key; 422 when the body doesn't match the schema; 403 when the
role doesn't allow it (read-only users never write; hiring managers write only to the people
of their jobs); 404 for anything outside your organization or, for hiring managers, outside the
jobs they are on."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from ninja import Field, Header, Router, Schema, Status

from rounds.candidates.models import Candidate
from rounds.jobs.models import Job
from rounds.lib.api import ERRORS, PAGING, limit_param, offset_param, page_of, paginate
from rounds.lib.permissions import can_edit
from rounds.lib.tenancy import access_object
from rounds.messaging import policy
from rounds.messaging.choices import Direction, MessageChannel, MessageStatus, Topic
from rounds.messaging.models import Message
from rounds.pipeline.models import Application

from . import actions, drafts
from .models import MessageTemplate

router = Router(tags=["Outreach"])


class TemplateOut(Schema):
    id: int
    name: str
    channel: str
    topic: Topic
    subject: str
    body: str
    version: int
    is_archived: bool
    updated_at: datetime


class TemplateIn(Schema):
    name: str
    body: str
    subject: str = ""
    channel: str = MessageChannel.EMAIL
    topic: Topic = Topic.JOBS


class ChannelOptionOut(Schema):
    channel: str
    action: str  # send, hold or drop
    reason: str
    send_at: datetime | None = None


class DraftOut(Schema):
    channel: str
    subject: str
    body: str
    facts: list[str]
    chosen_channel: str | None
    why: str
    options: list[ChannelOptionOut]


class MessageIn(Schema):
    channel: str
    body: str
    subject: str = ""
    nonce: str | None = None
    application_id: int | None = None
    template_id: int | None = None


class MessageOut(Schema):
    uuid: UUID
    channel: MessageChannel
    direction: Direction
    status: MessageStatus
    status_reason: str
    subject: str
    body: str
    to_address: str
    send_after: datetime
    sent_at: datetime | None
    created_at: datetime
    application_id: int | None
    purpose: str = Field(description="Why it was written (e.g. outreach.message, "
                         "outreach.campaign, locums.offer); empty for what came in.")
    ref_id: int | None = Field(None, description="The record the purpose is about: the "
                               "campaign, the enrolment, the shift offer, the meeting…")


def _require_editor(request) -> None:
    if not can_edit(request.user):
        raise PermissionDenied("Only recruiters and admins can change message templates.")


def _candidate(request, uuid: UUID) -> Candidate:
    return access_object(
        Candidate.objects.current().select_related("organization__employer_profile")
        .prefetch_related("specialties", "certifications", "experiences"),
        request.user, uuid=uuid)


@router.get("/templates", response={200: page_of(TemplateOut), **ERRORS},
            summary="Your organization's message templates", description=PAGING)
def list_templates(request, archived: bool = False, limit: int = limit_param(),
                   offset: int = offset_param()):
    return paginate(MessageTemplate.objects.visible_to(request.user).filter(is_archived=archived)
                    .order_by("name", "id"), limit, offset, request)


@router.post("/templates", response={201: TemplateOut, **ERRORS},
             summary="Create a template (recruiters and admins); 400 names an unknown field "
                     "and the part it is in, e.g. candidate.specialy in the body")
def create_template(request, payload: TemplateIn):
    _require_editor(request)
    with transaction.atomic():
        template = actions.do_save_template(
            request.user.organization_id, actor=request.user, name=payload.name,
            channel=payload.channel, topic=payload.topic, subject=payload.subject,
            body=payload.body,
        )
    return Status(201, template)


@router.get("/candidates/{uuid}/draft", response={200: DraftOut, **ERRORS},
            summary="A personal first message from the candidate's record, the channel their "
                    "preferences and consent choose, and why")
def draft(request, uuid: UUID, channel: str | None = None, job: UUID | None = None):
    candidate = _candidate(request, uuid)
    the_job = access_object(Job.objects.select_related("site"), request.user, uuid=job) \
        if job else None
    choice = policy.choose_channel(candidate, topic=Topic.JOBS)
    channel = channel or choice.channel or MessageChannel.EMAIL
    if channel not in policy.MESSAGE_CHANNELS:
        raise ValidationError({"channel": "Drafts are for email or sms."})
    written = drafts.first_message(candidate, sender=request.user, job=the_job, channel=channel)
    return {
        "channel": written.channel, "subject": written.subject, "body": written.body,
        "facts": written.facts, "chosen_channel": choice.channel, "why": choice.why,
        "options": [{"channel": ch, "action": v.action, "reason": v.reason, "send_at": v.send_at}
                    for ch, v in choice.options.items()],
    }


@router.post("/candidates/{uuid}/messages", response={200: MessageOut, 201: MessageOut,
                                                      **ERRORS},
             summary="Send a message you wrote; the Idempotency-Key header (or nonce) makes a "
                     "retry send once (200 with the first message). 400 when the channel is "
                     "refused for this candidate, with the reason")
def send_message(request, uuid: UUID, payload: MessageIn,
                 idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    candidate = _candidate(request, uuid)
    nonce = (idempotency_key or payload.nonce or "").strip()
    if not nonce:
        raise ValidationError({"Idempotency-Key": "Send an Idempotency-Key header (or a nonce) "
                                                  "so a retry can't send twice."})
    application = None
    if payload.application_id is not None:
        application = access_object(Application.objects.filter(candidate=candidate),
                                    request.user, pk=payload.application_id)
    template = None
    if payload.template_id is not None:
        template = access_object(MessageTemplate, request.user, pk=payload.template_id)
    replay = Message.objects.filter(organization_id=candidate.organization_id,
                                    idempotency_key=f"manual:{nonce}"[:200]).exists()
    with transaction.atomic():
        message = actions.do_send_message(
            candidate, actor=request.user, channel=payload.channel, subject=payload.subject,
            body=payload.body, application=application, template=template, nonce=nonce,
            via="api",
        )
    return Status(200 if replay else 201, message)


@router.get("/candidates/{uuid}/messages", response={200: page_of(MessageOut), **ERRORS},
            summary="A candidate's messages in and out, newest first, with status and why "
                    "(held until, not sent because)", description=PAGING)
def candidate_messages(request, uuid: UUID, limit: int = limit_param(),
                       offset: int = offset_param()):
    candidate = _candidate(request, uuid)
    return paginate(Message.objects.visible_to(request.user).filter(candidate=candidate)
                    .order_by("-created_at", "-id"), limit, offset, request)
