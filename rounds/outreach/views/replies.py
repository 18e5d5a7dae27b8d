"""Answering a candidate's message: the conversation, what their message was read as (the
recruiter corrects it), an answer drafted from it and the record on the channel they used
(policy permitting, with the reason when not), the call it offers, and a colleague they named
turned into a referral in one click.

Fetched through `visible_to`/`access_object`: another organization's message is a 404; writing
needs a role that may message (hiring managers on their jobs' people) and adding a referral an
editor (403 otherwise)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from rounds.candidates.choices import Profession
from rounds.candidates.models import Candidate
from rounds.lib.forms import add_errors
from rounds.lib.permissions import can_edit, editor_required, pipeline_required
from rounds.lib.tenancy import access_object
from rounds.messaging import policy
from rounds.messaging.choices import Direction, MessageChannel, Topic
from rounds.messaging.inbound import current_record
from rounds.messaging.models import Message
from rounds.pipeline.models import Application
from rounds.scheduling import links, meetings
from rounds.scheduling.models import Meeting

from .. import actions, replies
from ..forms import ReferralForm, ReplyForm, new_nonce
from .compose import _candidate_url, _channel_options, _sent_message, what_happens

CONVERSATION = 12


def _inbound(request, uuid) -> Message:
    """A candidate's own message the user may see; else 404."""
    return access_object(
        Message.objects.filter(direction=Direction.INBOUND, candidate__isnull=False).select_related(
            "candidate__organization", "thread__application__job__site", "application__job__site"
        ),
        request.user,
        uuid=uuid,
    )


def _candidate(request, inbound: Message) -> Candidate:
    return access_object(
        Candidate.objects.select_related("organization__employer_profile"),
        request.user,
        pk=current_record(inbound.candidate).pk,
    )


def _applications(request, candidate) -> list[Application]:
    return list(
        Application.objects.visible_to(request.user)
        .filter(candidate=candidate)
        .select_related("job__site", "stage")
        .order_by("-updated_at", "-id")
    )


def _application(params, inbound: Message, choices: list[Application]) -> Application | None:
    """The application the answer is about: the one asked for, else the conversation's, else
    their most recently active open one."""
    wanted = params.get("application")
    if wanted:
        return next((a for a in choices if str(a.pk) == wanted), None)
    for pk in (
        inbound.application_id,
        inbound.thread.application_id if inbound.thread_id else None,
    ):
        found = next((a for a in choices if a.pk == pk), None)
        if found is not None:
            return found
    return next((a for a in choices if a.stage.is_open), None)


def _channel(params, inbound: Message, choice, name: str) -> tuple[str, str]:
    """The channel to answer on and why: theirs, unless the policy refuses it (then the next
    one allowed, with the reason) or the recruiter picked another allowed one."""
    theirs = inbound.channel if inbound.channel in policy.MESSAGE_CHANNELS else "email"
    label = MessageChannel(theirs).label.lower()
    asked = params.get("channel")
    if asked in policy.MESSAGE_CHANNELS and asked != theirs and not choice.refused(asked):
        return asked, (
            f"{name} wrote by {label}; you chose {MessageChannel(asked).label.lower()} instead."
        )
    refused = choice.refused(theirs)
    if refused is None:
        return theirs, f"{name} wrote by {label}: the answer goes the same way."
    other = next(
        (c for c in policy.MESSAGE_CHANNELS if c != theirs and not choice.refused(c)), None
    )
    why = f"{name} wrote by {label}, but {label} can't be used: {refused.reason}"
    if other is None:
        return theirs, f"{why} No other channel is allowed."
    return other, f"{why} Answering by {MessageChannel(other).label.lower()} instead."


def _call(request, candidate, reading, channel, params, posted=None) -> replies.CallStep:
    """The call step: as posted (the one whose link is in the text), else as chosen on the
    page, else the one that fits what they wrote."""
    mode, why = replies.default_mode(reading, channel)
    if posted is not None:
        key = posted.get("call_key")
        step = replies.CallStep(mode=posted.get("call_mode") or replies.NO_CALL, why=why)
        if key:
            step.key = key
            step.url = links.meeting_url(Meeting(uuid=key))
            step.times = posted.get("call_times") or []
            zone = meetings.candidate_zone(candidate)
            step.zone_name = zone.key
            step.labels = [meetings.when_label(t, zone) for t in step.times]
        return step
    chosen = params.get("call")
    if chosen in replies.CALL_MODES and chosen != mode:
        mode = chosen
        why = {
            replies.TIMES: "You chose to offer a few of your free times.",
            replies.LINK: "You chose to send a link to pick a time.",
            replies.THEIRS: "You chose to accept the time they suggested.",
            replies.NO_CALL: "You chose not to propose a call.",
        }[mode]
        if mode == replies.THEIRS and not reading.suggested_time:
            mode, why = replies.NO_CALL, "They suggested no time: no call is proposed."
    return replies.plan_call(candidate, sender=request.user, mode=mode, why=why)


def _query(params, **drop) -> str:
    """The page's query string without the keys given (for links that change one thing)."""
    kept = params.copy()
    for key in drop:
        kept.pop(key, None)
    return kept.urlencode()


def _render(request, inbound: Message, *, form=None, referral_form=None, status=200):
    candidate = _candidate(request, inbound)
    params = request.GET
    choices = _applications(request, candidate)
    application = _application(
        request.POST if request.method == "POST" else params, inbound, choices
    )
    job = application.job if application is not None else None
    name = candidate.preferred_name or candidate.first_name
    choice = policy.choose_channel(candidate, topic=Topic.JOBS)
    # A refused form keeps the channel it was written for.
    source = {"channel": form.data.get("channel")} if form is not None and form.is_bound else params
    channel, channel_why = _channel(source, inbound, choice, name)
    reading = replies.read(inbound.body or inbound.subject).corrected_by(params)
    posted = form.cleaned_data if form is not None and hasattr(form, "cleaned_data") else None
    if form is not None and posted is None:
        posted = {}
    call = _call(request, candidate, reading, channel, params, posted)
    draft = None
    if form is None:
        draft = replies.reply_draft(
            candidate,
            sender=request.user,
            reading=reading,
            channel=channel,
            job=job,
            call=call,
            subject=replies.reply_subject(inbound),
        )
        form = ReplyForm(
            initial={
                "channel": channel,
                "subject": draft.subject,
                "body": draft.body,
                "nonce": new_nonce(),
                "call_mode": call.mode if call.makes_meeting else "",
                "call_key": call.key if call.makes_meeting else None,
                "call_times": ",".join(t.isoformat() for t in call.times)
                if call.makes_meeting
                else "",
            }
        )
    verdict = choice.options.get(channel)
    conversation = list(
        Message.objects.visible_to(request.user)
        .filter(candidate=candidate)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:CONVERSATION]
    )
    conversation.reverse()
    colleague = reading.colleague
    return render(
        request,
        "outreach/reply.html",
        {
            "nav": "candidates",
            "inbound": inbound,
            "candidate": candidate,
            "name": name,
            "application": application,
            "applications": choices,
            "job": job,
            "conversation": conversation,
            "reading": reading,
            "topics": replies.TOPICS,
            "call": call,
            "call_modes": _call_modes(reading),
            "draft": draft,
            "form": form,
            "channel": channel,
            "channel_label": MessageChannel(channel).label,
            "channel_why": channel_why,
            "choice": choice,
            "options": _channel_options(choice),
            "verdict": verdict,
            "happens": what_happens(verdict) if verdict else "",
            "colleague": colleague,
            "sms_limit": replies.SMS_REPLY_LIMIT,
            **(
                _referral_context(request, inbound, candidate, colleague, referral_form)
                if colleague is not None
                else {}
            ),
            "query_no_channel": _query(params, channel=1),
        },
        status=status,
    )


def _referral_context(request, inbound, candidate, colleague, form=None, notice="") -> dict:
    """The referral card: the colleague named, whether they are in the pool already as this
    candidate's referral, and the form that adds them."""
    referred = list(
        Candidate.objects.visible_to(request.user)
        .current()
        .filter(
            referred_by=candidate, last_name__iexact=colleague.last_name or colleague.first_name
        )
    )
    if form is None:
        # "Dr." in healthcare is most often a physician; otherwise a colleague shares the
        # candidate's profession. Either way the recruiter sees it and may change it.
        form = ReferralForm(
            initial={
                "first_name": colleague.first_name,
                "last_name": colleague.last_name,
                "profession": Profession.PHYSICIAN if colleague.title else candidate.profession,
            }
        )
    return {
        "inbound": inbound,
        "name": candidate.preferred_name or candidate.first_name,
        "colleague_label": colleague.label,
        "referred": referred,
        "referral_form": form,
        "can_refer": can_edit(request.user),
        "referral_notice": notice,
    }


def _call_modes(reading) -> list[tuple[str, str]]:
    modes = [
        (replies.TIMES, "Offer three of my free times"),
        (replies.LINK, "Send a link to pick a time"),
    ]
    if reading.suggested_time:
        modes.insert(0, (replies.THEIRS, f"Accept their time (“{reading.suggested_time}”)"))
    modes.append((replies.NO_CALL, "No call"))
    return modes


@require_http_methods(["GET", "POST"])
@pipeline_required
def reply(request, uuid):
    inbound = _inbound(request, uuid)
    if request.method == "GET":
        return _render(request, inbound)
    form = ReplyForm(request.POST)
    candidate = _candidate(request, inbound)
    if form.is_valid():
        data = form.cleaned_data
        application = None
        if request.POST.get("application"):
            application = access_object(
                Application.objects.select_related("job").filter(candidate=candidate),
                request.user,
                pk=request.POST["application"],
            )
        call = None
        if data.get("call_key"):
            call = replies.CallStep(
                mode=data.get("call_mode") or replies.LINK,
                why="",
                times=data["call_times"],
                key=data["call_key"],
                url=links.meeting_url(Meeting(uuid=data["call_key"])),
            )
        try:
            with transaction.atomic():
                message = actions.do_send_reply(
                    inbound,
                    actor=request.user,
                    channel=data["channel"],
                    subject=data["subject"],
                    body=data["body"],
                    nonce=data["nonce"],
                    application=application,
                    call=call,
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "proposed_times" in exc.error_dict:
                form.add_error(
                    "body",
                    "The call times in the answer are no longer free: "
                    + " ".join(exc.message_dict["proposed_times"])
                    + " Reload the page for new ones.",
                )
            else:
                add_errors(form, exc)
        else:
            _sent_message(request, candidate, message)
            return redirect(_candidate_url(candidate, "outreach-thread"))
    return _render(request, inbound, form=form, status=400)


@require_POST
@editor_required
def referral(request, uuid):
    """The colleague a candidate named becomes a candidate (source referral, referred by
    them), nobody contacted."""
    inbound = _inbound(request, uuid)
    referrer = _candidate(request, inbound)
    form = ReferralForm(request.POST)
    named = replies.Colleague.parse(request.POST.get("named", "")[:120]) or replies.Colleague(
        first_name=request.POST.get("first_name", "")[:100],
        last_name=request.POST.get("last_name", "")[:100],
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                person, created = actions.do_add_referral(
                    referrer,
                    actor=request.user,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    profession=data["profession"],
                    message=inbound,
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            name = referrer.preferred_name or referrer.first_name
            notice = (
                f"{person.full_name} is in your pool as {name}'s referral. Nobody has "
                "written to them: they have no consent on record."
                if created
                else f"{person.full_name} was already in your pool as {name}'s referral."
            )
            if request.htmx:
                # Only the card changes: the answer being written stays as it is.
                named = replies.Colleague(first_name=person.first_name, last_name=person.last_name)
                return render(
                    request,
                    "outreach/_referral.html",
                    _referral_context(request, inbound, referrer, named, notice=notice),
                )
            messages.success(request, notice)
            return redirect(reverse("outreach:reply", args=[inbound.uuid]) + "#referral")
    if request.htmx:  # shown in place (htmx swaps only 2xx answers)
        return render(
            request,
            "outreach/_referral.html",
            _referral_context(request, inbound, referrer, named, form),
        )
    return _render(request, inbound, referral_form=form, status=400)


urlpatterns = [
    path("messages/<uuid:uuid>/reply/", reply, name="reply"),
    path("messages/<uuid:uuid>/referral/", referral, name="referral"),
]
