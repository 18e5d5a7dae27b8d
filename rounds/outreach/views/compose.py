"""Writing to candidates: message templates with a live preview, the compose page for one
candidate (the channel chosen and why, a personal draft, what will happen when it is sent), the
thread panel of the candidate's record with the one-click preferences learnt in conversation,
campaigns to a job's top matches or a search, and each message's status page.

Everything is fetched through `visible_to`/`access_object` (another organization's record is a
404); writes need an editor, or for messages a hiring manager on the candidate's jobs (403
otherwise)."""

from __future__ import annotations

import uuid as uuid_lib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rounds.candidates.models import Candidate
from rounds.jobs.models import Job
from rounds.lib.permissions import (
    can_edit,
    can_work_pipeline,
    editor_required,
    member_required,
    pipeline_required,
)
from rounds.lib.tenancy import access_object
from rounds.messaging import policy
from rounds.messaging.choices import Direction, MessageChannel, MessageStatus, Topic
from rounds.messaging.models import Message
from rounds.pipeline.models import Application

from .. import actions, campaigns, drafts, templating
from ..choices import ChannelPreference
from ..forms import CampaignForm, ComposeForm, PreferenceForm, TemplateForm, new_nonce
from ..models import Campaign, MessageTemplate

THREAD_MESSAGES = 30
CAMPAIGN_TOP_DEFAULT = 50
CAMPAIGN_TOP_MAX = 500
CAMPAIGN_PAGE = 100


def _candidate(request, uuid) -> Candidate:
    return access_object(Candidate.objects.current().select_related("organization"),
                         request.user, uuid=uuid)


def _candidate_url(candidate, anchor: str = "") -> str:
    url = reverse("candidates:detail", kwargs={"uuid": candidate.uuid})
    return f"{url}#{anchor}" if anchor else url


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, exc.messages)


# --- templates ----------------------------------------------------------------------------


@editor_required
def template_list(request):
    templates = MessageTemplate.objects.visible_to(request.user).select_related("created_by")
    show_archived = request.GET.get("archived") == "1"
    templates = templates.filter(is_archived=show_archived)
    return render(request, "outreach/template_list.html", {
        "nav": "outreach", "templates": templates, "show_archived": show_archived,
    })


def _preview_candidate(request):
    """The candidate a preview renders for: the one asked for, else none (the sample)."""
    uuid = request.POST.get("candidate") or request.GET.get("candidate")
    if not uuid:
        return None
    try:
        return Candidate.objects.visible_to(request.user).current().prefetch_related(
            "specialties", "certifications").select_related("organization").get(uuid=uuid)
    except (Candidate.DoesNotExist, ValidationError, ValueError):
        return None


def _preview(request, subject: str, body: str, channel: str) -> dict:
    """The template rendered for a real candidate (when chosen) or the sample one."""
    subject = subject if channel == MessageChannel.EMAIL else ""
    problems = {}
    for part, text in (("subject", subject), ("body", body)):
        problem = templating.check_text(text, part)
        if problem:
            problems[part] = problem
    candidate = _preview_candidate(request)
    org = request.user.organization
    if candidate is not None:
        ctx = templating.context_for(candidate, sender=request.user)
    else:
        ctx = templating.sample_context(org, sender=request.user)
    rendered = {"subject": "", "body": ""}
    for part, text in (("subject", subject), ("body", body)):
        if part not in problems:
            rendered[part], error = templating.render_or_error(text, ctx)
            if error:
                problems[part] = error
    return {
        "preview_subject": rendered["subject"],
        "preview_body": rendered["body"], "preview_length": len(rendered["body"]),
        "preview_problems": problems, "preview_candidate": candidate,
        "preview_channel": channel,
    }


def _template_page(request, template: MessageTemplate | None):
    form = TemplateForm.for_template(template, request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                saved = actions.do_save_template(
                    request.user.organization_id, actor=request.user, template=template,
                    name=data["name"], channel=data["channel"], topic=data["topic"],
                    subject=data["subject"], body=data["body"],
                )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"Template “{saved.name}” saved (version {saved.version}).")
            return redirect("outreach:templates")
    if request.method == "POST":
        status = 400
    source = form.data if form.is_bound else form.initial
    preview = _preview(request, source.get("subject", "") or "", source.get("body", "") or "",
                       source.get("channel", MessageChannel.EMAIL) or MessageChannel.EMAIL)
    return render(request, "outreach/template_form.html", {
        "nav": "outreach", "form": form, "template": template, "fields": templating.FIELDS,
        "allowed_tags": templating.ALLOWED_TAGS, "allowed_filters": templating.ALLOWED_FILTERS,
        "candidates": _preview_choices(request), **preview,
    }, status=status)


def _preview_choices(request):
    return (Candidate.objects.visible_to(request.user).current()
            .order_by("-last_activity_at", "-id")[:25])


@editor_required
def template_create(request):
    return _template_page(request, None)


@editor_required
def template_edit(request, pk: int):
    template = access_object(MessageTemplate, request.user, pk=pk)
    return _template_page(request, template)


@editor_required
def template_preview(request):
    """The live preview (htmx): the text as typed, rendered, or what is wrong with it."""
    data = request.POST if request.method == "POST" else request.GET
    context = _preview(request, data.get("subject", ""), data.get("body", ""),
                       data.get("channel", MessageChannel.EMAIL))
    return render(request, "outreach/template_preview.html", context)


@editor_required
@require_POST
def template_archive(request, pk: int):
    template = access_object(MessageTemplate, request.user, pk=pk)
    archived = request.POST.get("archived", "1") == "1"
    with transaction.atomic():
        actions.do_archive_template(template, actor=request.user, archived=archived)
    messages.success(request, f"“{template.name}” {'archived' if archived else 'restored'}.")
    return redirect("outreach:templates")


# --- compose ------------------------------------------------------------------------------


def _job_and_application(request, candidate):
    """The job the message is about: ?application=<id> (of this candidate) or ?job=<uuid>."""
    params = request.POST if request.method == "POST" else request.GET
    application = None
    job = None
    if params.get("application"):
        application = access_object(
            Application.objects.select_related("job__site", "stage").filter(candidate=candidate),
            request.user, pk=params["application"])
        job = application.job
    elif params.get("job"):
        job = access_object(Job.objects.select_related("site"), request.user,
                            uuid=params["job"])
    return job, application


def what_happens(verdict: policy.Verdict) -> str:
    """What sending now does, in words: goes now, held until when, or not sent and why."""
    if verdict.action == policy.SEND:
        return "Goes now."
    if verdict.action == policy.HOLD:
        return f"Held: {verdict.reason}"
    return f"Not sent: {verdict.reason}"


def _channel_options(choice: policy.ChannelChoice) -> list[dict]:
    return [{
        "channel": ch, "label": MessageChannel(ch).label, "verdict": verdict,
        "refused": verdict.dropped, "happens": what_happens(verdict),
    } for ch, verdict in choice.options.items()]


def _draft_for(request, candidate, *, channel, job, template, application=None,
               kind: str = "") -> tuple[drafts.Draft, str]:
    """The text to start from: the chosen template rendered for this candidate, else the kind
    note offered after a rejection (?draft=rejection on a rejected application), else a
    personal first message from their record; and why the template can't be used, if so."""
    if template is not None:
        ctx = templating.context_for(candidate, job=job, sender=request.user)
        subject, error = templating.render_or_error(template.subject, ctx) if (
            channel == MessageChannel.EMAIL) else ("", "")
        body, body_error = templating.render_or_error(template.body, ctx)
        error = error or body_error
        if error:
            return drafts.Draft(subject="", body="", facts=[], channel=channel), (
                f"“{template.name}” can't be used for {candidate.full_name}. {error} Fix the "
                "template, or write the message yourself.")
        return drafts.Draft(subject=subject.strip(), body=body.strip(),
                            facts=[f"Template: {template.name} (version {template.version})"],
                            channel=channel), ""
    if kind == REJECTION and _rejected(application):
        return drafts.rejection_message(candidate, sender=request.user, application=application,
                                        channel=channel), ""
    return drafts.first_message(candidate, sender=request.user, job=job, channel=channel), ""


REJECTION = "rejection"


def _rejected(application) -> bool:
    from rounds.pipeline.choices import StageKind

    return application is not None and application.stage.kind == StageKind.REJECTED


def _compose_candidate(request, uuid):
    candidate = access_object(
        Candidate.objects.current().select_related("organization__employer_profile")
        .prefetch_related("specialties", "certifications", "experiences"),
        request.user, uuid=uuid)
    return candidate


@pipeline_required
def compose(request, uuid):
    candidate = _compose_candidate(request, uuid)
    job, application = _job_and_application(request, candidate)
    params = request.POST if request.method == "POST" else request.GET
    templates = MessageTemplate.objects.visible_to(request.user).filter(is_archived=False)
    template = None
    if params.get("template"):
        template = access_object(templates, request.user, pk=params["template"])
    # A message from a template is about the template's topic: a candidate who muted it is not
    # written to on it.
    topic = template.topic if template is not None else Topic.JOBS
    choice = policy.choose_channel(candidate, topic=topic)
    channel = params.get("channel") or choice.channel or MessageChannel.EMAIL
    if channel not in policy.MESSAGE_CHANNELS:
        channel = choice.channel or MessageChannel.EMAIL
    if template is not None:
        channel = template.channel
    status = 200
    if request.method == "POST":
        form = ComposeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    message = actions.do_send_message(
                        candidate, actor=request.user, channel=data["channel"],
                        subject=data["subject"], body=data["body"], application=application,
                        template=template, nonce=data["nonce"], topic=topic,
                        purpose=actions.REJECTION if template is None and params.get(
                            "draft") == REJECTION else actions.MESSAGE,
                    )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                _sent_message(request, candidate, message)
                return redirect(_candidate_url(candidate, "outreach-thread"))
        status = 400
        draft = None
    else:
        draft, template_error = _draft_for(request, candidate, channel=channel, job=job,
                                           template=template, application=application,
                                           kind=params.get("draft", ""))
        form = ComposeForm(initial={
            "channel": channel, "subject": draft.subject, "body": draft.body,
            "nonce": new_nonce(), "template": template.pk if template else None,
        })
        if template_error:
            # Shown next to the message, on the page as it is (nothing was submitted yet).
            form.full_clean()
            form.cleaned_data = {}
            form.add_error("body", template_error)
            draft = None
    verdict = choice.options.get(channel)
    return render(request, "outreach/compose.html", {
        "nav": "candidates", "candidate": candidate, "job": job, "application": application,
        "choice": choice, "options": _channel_options(choice), "channel": channel,
        "channel_label": MessageChannel(channel).label, "verdict": verdict,
        "happens": what_happens(verdict) if verdict else "", "draft": draft, "form": form,
        "templates": templates.filter(channel=channel), "template": template,
        "sms_limit": drafts.SMS_LIMIT,
        "rejection_note": template is None and params.get("draft") == REJECTION
        and _rejected(application),
        "query": _query(job=job, application=application, draft=params.get("draft", "")),
    }, status=status)


def _query(**params) -> str:
    """The job or application of the compose page (and the kind of draft), for links that
    keep them."""
    parts = []
    if params.get("application") is not None:
        parts.append(f"application={params['application'].pk}")
    elif params.get("job") is not None:
        parts.append(f"job={params['job'].uuid}")
    if params.get("draft") == REJECTION:
        parts.append(f"draft={REJECTION}")
    return "&".join(parts)


def _sent_message(request, candidate, message: Message) -> None:
    name = candidate.full_name
    label = message.get_channel_display().lower()
    if message.status == MessageStatus.HELD:
        messages.info(request, f"Your {label} to {name} is held: {message.status_reason}")
    elif message.status == MessageStatus.DROPPED:
        messages.warning(request, f"Your {label} to {name} was not sent: "
                                  f"{message.status_reason}")
    else:
        messages.success(request, f"Your {label} to {name} is on its way.")


# --- the thread panel and preferences -----------------------------------------------------


def thread_context(request, candidate, notice: str = "") -> dict:
    rows = list(Message.objects.visible_to(request.user).filter(candidate=candidate)
                .select_related("created_by")
                .order_by("-created_at", "-id")[:THREAD_MESSAGES + 1])
    names = dict(Campaign.objects.filter(
        pk__in={m.ref_id for m in rows if m.purpose == campaigns.CAMPAIGN}
    ).values_list("pk", "name")) if any(m.purpose == campaigns.CAMPAIGN for m in rows) else {}
    for m in rows:
        m.campaign_name = names.get(m.ref_id, "") if m.purpose == campaigns.CAMPAIGN else ""
    return {
        "candidate": candidate, "thread_messages": rows[:THREAD_MESSAGES],
        "thread_more": len(rows) > THREAD_MESSAGES, "thread_loaded": True,
        "preferences": ChannelPreference.choices, "thread_notice": notice,
        "can_message": can_work_pipeline(request.user), "can_edit": can_edit(request.user),
    }


@member_required
def thread_panel(request, uuid):
    candidate = _candidate(request, uuid)
    return render(request, "outreach/_thread.html", thread_context(request, candidate))


@editor_required
@require_POST
def record_preference(request, uuid):
    candidate = _candidate(request, uuid)
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        notice = "Choose what the candidate said."
        if request.htmx:
            return render(request, "outreach/_thread.html",
                          thread_context(request, candidate, notice), status=400)
        messages.error(request, notice)
        return redirect(_candidate_url(candidate, "outreach-thread"))
    with transaction.atomic():
        done = actions.do_record_channel_preference(
            candidate, actor=request.user, preference=form.cleaned_data["preference"])
    if request.htmx:
        response = render(request, "outreach/_thread.html",
                          thread_context(request, candidate, done))
        response["HX-Trigger"] = "candidate-changed"
        return response
    messages.success(request, done)
    return redirect(_candidate_url(candidate, "outreach-thread"))


# --- campaigns ----------------------------------------------------------------------------


def _recipients(request):
    """Who a campaign goes to, from the query string: a job's top matches (?job=&top=), the
    candidates picked in a search (?ids=<uuid>…), or everyone a search finds (its filters).
    Returns (queryset or ids, description, job)."""
    from rounds.candidates.search import CandidateQuery, search_queryset

    params = request.GET
    if params.get("job"):
        from rounds.matching.engine import spec_for_job
        from rounds.matching.views import job_queryset, rank_for

        job = access_object(job_queryset(), request.user, uuid=params["job"])
        try:
            top = int(params.get("top") or CAMPAIGN_TOP_DEFAULT)
        except ValueError:
            top = CAMPAIGN_TOP_DEFAULT
        top = max(1, min(top, CAMPAIGN_TOP_MAX))
        ranking = rank_for(request.user, spec_for_job(job), limit=top)
        ids = [m.candidate_id for m in ranking.results]
        return ids, f"the top {len(ids)} matches for {job.title}", job
    if params.getlist("ids"):
        wanted = params.getlist("ids")
        qs = Candidate.objects.visible_to(request.user).current()
        valid = []
        for value in wanted:
            try:
                valid.append(str(uuid_lib.UUID(value)))
            except ValueError:
                continue
        ids = list(qs.filter(uuid__in=valid).values_list("pk", flat=True))
        return ids, f"{len(ids)} selected candidate{'s' if len(ids) != 1 else ''}", None
    filters = {k: v for k, v in params.items() if k in CandidateQuery.FIELDS}
    if not filters:
        return [], "", None
    try:
        query = CandidateQuery.from_params(filters)
    except ValidationError as exc:
        raise Http404(" ".join(m for ms in exc.message_dict.values() for m in ms)) from None
    described = ", ".join(f"{k}: {v}" for k, v in query.filters.items() if k != "sort")
    return search_queryset(request.user, query), f"everyone matching {described}", None


def _any(recipients) -> bool:
    return recipients.exists() if hasattr(recipients, "exists") else bool(recipients)


@editor_required
def campaign_new(request):
    recipients, described, job = _recipients(request)
    templates = MessageTemplate.objects.visible_to(request.user).filter(is_archived=False)
    org = request.user.organization
    status = 200
    if request.method == "POST":
        form = CampaignForm(request.POST, templates=templates)
        if described and not _any(recipients):
            form.add_error(None, f"Nobody to write to: {described} finds no one you can see.")
        if form.is_valid() and described:
            data = form.cleaned_data
            with transaction.atomic():
                # The form's one-time key: the same form sent twice is one campaign.
                campaign = campaigns.queue_campaign(
                    org, template=data["template"], candidates=recipients, actor=request.user,
                    job=job, name=data["name"], key=data["nonce"],
                )
            messages.success(request, f"Campaign “{campaign.name}”: {campaign.queued} going "
                                      f"now, {campaign.held} held, {campaign.dropped} not sent.")
            return redirect("outreach:campaign", pk=campaign.pk)
        if not described:
            form.add_error(None, "Choose who to write to: a job's matches or a search.")
        status = 400
    else:
        initial_template = None
        if request.GET.get("template"):
            initial_template = access_object(templates, request.user,
                                             pk=request.GET["template"])
        form = CampaignForm(templates=templates, initial={
            "nonce": new_nonce(), "template": initial_template,
            "name": f"{job.title} — top matches" if job else "",
        })
    chosen = form.cleaned_data.get("template") if form.is_bound and hasattr(
        form, "cleaned_data") else form.initial.get("template")
    forecast = None
    if chosen is not None and described:
        forecast = campaigns.forecast(org, template=chosen, candidates=recipients,
                                      actor=request.user)
    return render(request, "outreach/campaign_new.html", {
        "nav": "candidates", "form": form, "described": described, "job": job,
        "forecast": forecast, "chosen": chosen, "query": request.GET.urlencode(),
        "templates": templates,
    }, status=status)


@editor_required
def campaign_detail(request, pk: int):
    campaign = access_object(Campaign.objects.select_related("template", "job", "created_by"),
                             request.user, pk=pk)
    rows = (Message.objects.visible_to(request.user)
            .filter(purpose=campaigns.CAMPAIGN, ref_id=campaign.pk)
            .select_related("candidate").order_by("status", "candidate__last_name", "id"))
    status = request.GET.get("status")
    if status in MessageStatus.values:
        rows = rows.filter(status=status)
    return render(request, "outreach/campaign_detail.html", {
        "nav": "candidates", "campaign": campaign, "rows": rows[:CAMPAIGN_PAGE],
        "shown_status": status, "statuses": MessageStatus.choices,
    })


# --- one message --------------------------------------------------------------------------


@member_required
def message_detail(request, uuid):
    from rounds.messaging import purposes

    message = access_object(
        Message.objects.select_related("candidate", "thread", "created_by", "application__job"),
        request.user, uuid=uuid)
    purpose = purposes.find(message.purpose)
    campaign = (Campaign.objects.visible_to(request.user).filter(pk=message.ref_id).first()
                if message.purpose == campaigns.CAMPAIGN else None)
    return render(request, "outreach/message_detail.html", {
        "nav": "candidates", "message": message, "campaign": campaign,
        "purpose_label": purpose.label if purpose else "",
        "can_resend": message.status == MessageStatus.UNKNOWN and can_work_pipeline(
            request.user),
        "can_answer": message.direction == Direction.INBOUND and message.candidate_id
        and can_work_pipeline(request.user),
        "now": timezone.now(),
    })


@pipeline_required
@require_POST
def message_resend(request, uuid):
    """Send again a message the provider may or may not have sent (UNKNOWN), once the
    recruiter has checked that it did not arrive."""
    from rounds.messaging.actions import do_resend_unknown

    message = access_object(Message.objects.select_related("candidate"), request.user,
                            uuid=uuid)
    if message.status != MessageStatus.UNKNOWN:
        messages.error(request, "Only a message that may or may not have been sent can be "
                                "sent again.")
        return redirect("outreach:message", uuid=message.uuid)
    if message.candidate_id and not Candidate.objects.visible_to(request.user).filter(
            pk=message.candidate_id).exists():
        raise PermissionDenied("You can't write to this candidate.")
    try:
        with transaction.atomic():
            again = do_resend_unknown(message, request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("outreach:message", uuid=message.uuid)
    what = {MessageStatus.QUEUED: "on its way", MessageStatus.HELD: "held",
            MessageStatus.DROPPED: "not sent"}.get(again.status, again.get_status_display())
    reason = f": {again.status_reason}" if again.status_reason else "."
    messages.success(request, f"Sent again as a new message, {what}{reason}")
    return redirect("outreach:message", uuid=again.uuid)


urlpatterns = [
    path("templates/", template_list, name="templates"),
    path("templates/new/", template_create, name="template_new"),
    path("templates/preview/", template_preview, name="template_preview"),
    path("templates/<int:pk>/", template_edit, name="template_edit"),
    path("templates/<int:pk>/archive/", template_archive, name="template_archive"),
    path("candidates/<uuid:uuid>/compose/", compose, name="compose"),
    path("candidates/<uuid:uuid>/thread/", thread_panel, name="thread"),
    path("candidates/<uuid:uuid>/preference/", record_preference, name="preference"),
    path("campaigns/new/", campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign"),
    path("messages/<uuid:uuid>/", message_detail, name="message"),
    path("messages/<uuid:uuid>/resend/", message_resend, name="message_resend"),
]
public_urlpatterns = []  # nothing candidate-facing here
