"""One candidate's record: create and edit the profile, the detail page with its sections
(specialties, licences, certifications, experience, education, availability, consent,
documents, jobs) and timeline, and document download.

Section forms post with htmx and get the section back; without JavaScript they post normally and
the page comes back (with the errors next to the fields, or redirected on success)."""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rounds.activities.actions import timeline_queryset
from rounds.activities.forms import CallForm, MeetingForm, NoteForm
from rounds.lib import units
from rounds.lib.contact import format_phone
from rounds.lib.forms import add_errors
from rounds.lib.http import client_ip
from rounds.lib.permissions import can_edit, editor_required, member_required
from rounds.lib.tenancy import access_object

from .. import actions, hooks
from ..choices import Channel, ConsentBasis
from ..duplicates import do_dismiss_duplicate, duplicates_of_new
from ..forms import (
    SECTIONS,
    AddToJobForm,
    AttachmentForm,
    CandidateForm,
    ConsentForm,
    referrer_label,
    row_fields,
)
from ..models import Attachment, Candidate, ConsentRecord
from ..search import suggest_candidates

TIMELINE_PAGE = 50
EXPIRING_SOON_DAYS = 90
SECTION_ORDER = ["specialty", "licence", "certification", "experience", "education",
                 "availability"]


# --- helpers --------------------------------------------------------------------------------

def _client_ip(request) -> str | None:
    return client_ip(request) or None


def get_candidate(request, uuid, queryset=None) -> Candidate:
    """The candidate this user may see, or 404 (another org, not in a hiring manager's jobs)."""
    return access_object(queryset if queryset is not None else Candidate.objects.all(),
                         request.user, uuid=uuid)


def _detail_queryset():
    return Candidate.objects.select_related("owner", "referred_by", "merged_into").prefetch_related(
        "tags", "specialties", "licences", "certifications", "experiences", "education",
        "availability", "contact_points",
        Prefetch("consents", queryset=ConsentRecord.objects.select_related("recorded_by")),
        Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
    )


def consent_summary(candidate: Candidate) -> list[dict]:
    """Per channel: the record in force (the latest), whether it allows contact now, and the
    history. Uses the prefetched consents."""
    now = timezone.now()
    by_channel: OrderedDict[str, list[ConsentRecord]] = OrderedDict(
        (value, []) for value in Channel.values
    )
    for record in candidate.consents.all():  # newest first (model ordering)
        by_channel.setdefault(record.channel, []).append(record)
    out = []
    for channel, records in by_channel.items():
        current = records[0] if records else None
        out.append({
            "channel": channel,
            "label": Channel(channel).label,
            "current": current,
            "valid": bool(current and current.is_valid_at(now)),
            "expired": bool(current and current.expires_at and current.expires_at <= now
                            and current.basis != ConsentBasis.REVOKED),
            "history": records[1:],
        })
    return out


def _labels(choices, values) -> list[str]:
    names = dict(choices)
    return [str(names.get(v, v)) for v in values or []]


def preference_labels(candidate: Candidate) -> dict:
    from rounds.accounts.choices import CompensationModel

    from ..choices import EmploymentType, Setting

    return {
        "employment": _labels(EmploymentType.choices, candidate.preferred_employment_types),
        "compensation": _labels(CompensationModel.choices,
                                candidate.preferred_compensation_models),
        "settings": _labels(Setting.choices, candidate.preferred_settings),
        "channels": _labels(Channel.choices, candidate.preferred_channels),
    }


def _expiry_state(expires_on, today) -> str:
    if not expires_on:
        return ""
    if expires_on < today:
        return "expired"
    if expires_on <= today + timedelta(days=EXPIRING_SOON_DAYS):
        return "soon"
    return ""


def _open_jobs(request, candidate):
    return (hooks.open_jobs(request.user)
            .exclude(applications__candidate=candidate).order_by("title"))


def _applications(request, candidate):
    return (candidate.applications.visible_to(request.user)
            .select_related("job", "stage", "owner").order_by("-updated_at"))


def _job_url(job) -> str:
    try:
        return reverse("jobs:detail", kwargs={"uuid": job.uuid})
    except Exception:  # the job board is not routed yet
        return f"/jobs/{job.uuid}/"


def _form_kwargs(request, key: str) -> dict:
    """The licence form lists the organization's own country's jurisdictions first."""
    if key == "licence":
        return {"country": request.user.organization.country}
    return {}


def section_context(request, candidate: Candidate, key: str, form=None) -> dict:
    model, form_class, title = SECTIONS[key]
    today = timezone.localdate()
    rows = {
        "specialty": candidate.specialties.all(),
        "licence": candidate.licences.all(),
        "certification": candidate.certifications.all(),
        "experience": candidate.experiences.all(),
        "education": candidate.education.all(),
        "availability": candidate.availability.all(),
    }[key]
    rows = list(rows)
    for row in rows:
        row.expiry_state = _expiry_state(getattr(row, "expires_on", None), today)
        if key == "availability":
            row.expiry_state = "expired" if row.end_date < today else ""
    return {"key": key, "title": title, "rows": rows,
            "form": form or form_class(prefix=key, **_form_kwargs(request, key)),
            "row_template": f"candidates/_rows_{key}.html", "candidate": candidate}


def _activity_forms(request, candidate, applications, **bound):
    apps = [a for a in applications if a.stage.is_open] if applications is not None else []
    return {
        "note_form": bound.get("note_form") or NoteForm(prefix="note", applications=apps),
        "call_form": bound.get("call_form") or CallForm(prefix="call", applications=apps),
        "meeting_form": bound.get("meeting_form") or MeetingForm(prefix="meeting",
                                                                  applications=apps),
    }


def detail_context(request, candidate: Candidate, **bound) -> dict:
    """Everything the detail page shows; `bound` carries forms that came back with errors."""
    applications = list(_applications(request, candidate))
    for application in applications:
        application.job_url = _job_url(application.job)
    timeline = list(timeline_queryset(candidate, request.user)[: TIMELINE_PAGE + 1])
    editor = can_edit(request.user)
    located = candidate.latitude is not None
    has_address = bool(candidate.postal_code or candidate.city)
    ctx = {
        "nav": "candidates",
        "candidate": candidate,
        "phone_display": format_phone(candidate.phone),
        "prefs": preference_labels(candidate),
        "location_unresolved": has_address and not located,
        "relocation_radius": units.organization_distance(
            candidate.relocation_radius_km, request.user.organization)
        if candidate.relocation_radius_km else "",
        "sections": [section_context(request, candidate, key, bound.get(f"{key}_form"))
                     for key in SECTION_ORDER],
        "consents": consent_summary(candidate),
        "consent_form": bound.get("consent_form") or ConsentForm(prefix="consent"),
        "attachments": list(candidate.attachments.all()),
        "attachment_form": bound.get("attachment_form") or AttachmentForm(prefix="attachment"),
        "applications": applications,
        "timeline": timeline[:TIMELINE_PAGE],
        "timeline_more": len(timeline) > TIMELINE_PAGE,
        "timeline_page": 1,
        **_activity_forms(request, candidate, applications, **bound),
    }
    if editor:
        ctx["add_to_job_form"] = bound.get("application_form") or AddToJobForm(
            prefix="application", jobs=_open_jobs(request, candidate)
        )
    return ctx


def _redirect_to(candidate, anchor="") -> HttpResponseRedirect:
    url = reverse("candidates:detail", kwargs={"uuid": candidate.uuid})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _reload(candidate: Candidate) -> Candidate:
    return _detail_queryset().get(pk=candidate.pk)


# --- create, edit ---------------------------------------------------------------------------

def _referrer_options(request):
    """Datalist options for the referrer box: candidates in the pool matching what was typed."""
    text = (request.GET.get("referrer") or "").strip()
    found = suggest_candidates(request.user, text)
    return render(request, "candidates/_referrer_options.html",
                  {"options": [referrer_label(c) for c in found]})


def _location_message(request, candidate):
    if (candidate.postal_code or candidate.city) and candidate.latitude is None:
        messages.warning(
            request,
            "We could not place “%s” on the map: distance search and quiet hours will not know "
            "where they are. Check the postal code, or the city and province/state."
            % (candidate.postal_code or candidate.location_display),
        )


@editor_required
def candidate_create(request):
    org_id = request.user.organization_id
    if request.htmx and "referrer" in request.GET:
        return _referrer_options(request)
    form = CandidateForm(request.POST or None, organization_id=org_id,
                         instance=Candidate(organization_id=org_id))
    status = 200
    duplicates = []
    if request.method == "POST":
        if form.is_valid():
            fields = form.candidate_fields()
            duplicates = duplicates_of_new(org_id, fields)
            if duplicates and not request.POST.get("confirm_new_person"):
                # Likely someone already in the pool: say who, and let the user decide.
                return render(request, "candidates/form.html",
                              {"form": form, "nav": "candidates", "creating": True,
                               "duplicates": duplicates}, status=409)
            try:
                with transaction.atomic():
                    candidate = actions.do_create_candidate(
                        org_id, actor=request.user, specialties=form.specialties,
                        tags=form.tags, **fields,
                    )
                    for match in duplicates:  # the user said: a different person
                        do_dismiss_duplicate(candidate, match.candidate, actor=request.user)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"{candidate.full_name} is in your talent pool.")
                _location_message(request, candidate)
                return _redirect_to(candidate)
        status = 400
    return render(request, "candidates/form.html",
                  {"form": form, "nav": "candidates", "creating": True}, status=status)


@editor_required
def candidate_edit(request, uuid):
    candidate = get_candidate(request, uuid, Candidate.objects.current())
    if request.htmx and "referrer" in request.GET:
        return _referrer_options(request)
    # The form validates a copy: the action compares the record before and after for the log.
    scratch = Candidate.objects.select_related("referred_by").get(pk=candidate.pk)
    form = CandidateForm(request.POST or None, organization_id=candidate.organization_id,
                         instance=scratch)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            fields = form.candidate_fields()
            if fields["time_zone"] == candidate.time_zone:
                # Untouched: let a new address bring its own time zone.
                fields.pop("time_zone")
            try:
                with transaction.atomic():
                    actions.do_update_profile(
                        candidate, actor=request.user, specialties=form.specialties,
                        tags=form.tags, **fields,
                    )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Saved.")
                _location_message(request, candidate)
                return _redirect_to(candidate)
        status = 400
    return render(request, "candidates/form.html",
                  {"form": form, "nav": "candidates", "candidate": candidate}, status=status)


# --- detail ---------------------------------------------------------------------------------

@member_required
def candidate_detail(request, uuid):
    candidate = get_candidate(request, uuid, _detail_queryset())
    if candidate.merged_into_id and Candidate.objects.visible_to(request.user).filter(
        pk=candidate.merged_into_id
    ).exists():
        messages.info(request, f"This record was merged into {candidate.merged_into}.")
        return _redirect_to(candidate.merged_into)
    actions.record_candidate_view(candidate, request.user, ip_address=_client_ip(request))
    return render(request, "candidates/detail.html", detail_context(request, candidate))


def _respond(request, candidate, *, partial: str, partial_ctx, ok: bool, anchor: str,
             bound: dict | None = None, message: str = ""):
    """htmx gets the section back; a plain form post gets a redirect, or the page with errors."""
    if request.htmx:
        response = render(request, partial, partial_ctx())
        if ok:
            response["HX-Trigger"] = "candidate-changed"
        return response
    if ok:
        if message:
            messages.success(request, message)
        return _redirect_to(candidate, anchor)
    ctx = detail_context(request, _reload(candidate), **(bound or {}))
    return render(request, "candidates/detail.html", ctx, status=400)


@editor_required
@require_POST
def related_add(request, uuid, section):
    if section == "application":
        return _add_to_job(request, uuid)
    if section not in SECTIONS:
        raise Http404("Unknown section")
    candidate = get_candidate(request, uuid, Candidate.objects.current())
    model, form_class, title = SECTIONS[section]
    form = form_class(request.POST, prefix=section, **_form_kwargs(request, section))
    ok = False
    if form.is_valid():
        fields = row_fields(form)
        try:
            with transaction.atomic():
                if section == "specialty" and fields.get("is_primary"):
                    candidate.specialties.update(is_primary=False)
                actions.do_add_related(candidate, model, actor=request.user, **fields)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            ok = True
    return _respond(
        request, candidate, ok=ok, anchor=f"section-{section}",
        partial="candidates/_section.html",
        partial_ctx=lambda: section_context(request, _reload(candidate), section,
                                            None if ok else form),
        bound={f"{section}_form": form}, message=f"{title}: added.",
    )


@editor_required
@require_POST
def related_delete(request, uuid, section, pk):
    candidate = get_candidate(request, uuid, Candidate.objects.current())
    if section == "attachment":
        attachment = access_object(Attachment.visible_queryset(request.user)
                                   .filter(candidate=candidate), request.user, pk=pk)
        with transaction.atomic():
            actions.do_remove_attachment(attachment, actor=request.user)
        return _respond(
            request, candidate, ok=True, anchor="section-attachments",
            partial="candidates/_attachments.html",
            partial_ctx=lambda: _attachments_context(_reload(candidate)),
            message="Document deleted.",
        )
    if section not in SECTIONS:
        raise Http404("Unknown section")
    model, _form, title = SECTIONS[section]
    obj = access_object(model.visible_queryset(request.user).filter(candidate=candidate),
                        request.user, pk=pk)
    with transaction.atomic():
        actions.do_remove_related(obj, actor=request.user)
    return _respond(
        request, candidate, ok=True, anchor=f"section-{section}",
        partial="candidates/_section.html",
        partial_ctx=lambda: section_context(request, _reload(candidate), section),
        message=f"{title}: removed.",
    )


def _add_to_job(request, uuid):
    candidate = get_candidate(request, uuid, Candidate.objects.current())
    form = AddToJobForm(request.POST, prefix="application", jobs=_open_jobs(request, candidate))
    ok = False
    job = None
    if form.is_valid():
        job = form.cleaned_data["job"]
        try:
            with transaction.atomic():
                hooks.add_to_job(candidate, job, actor=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            ok = True

    def partial_ctx():
        fresh = _reload(candidate)
        applications = list(_applications(request, fresh))
        for application in applications:
            application.job_url = _job_url(application.job)
        return {"candidate": fresh, "applications": applications,
                "add_to_job_form": form if not ok else AddToJobForm(
                    prefix="application", jobs=_open_jobs(request, fresh))}

    return _respond(request, candidate, ok=ok, anchor="section-jobs",
                    partial="candidates/_applications.html", partial_ctx=partial_ctx,
                    bound={"application_form": form},
                    message=f"Added to {job}." if ok else "")


@editor_required
@require_POST
def consent_add(request, uuid):
    candidate = get_candidate(request, uuid, Candidate.objects.current())
    form = ConsentForm(request.POST, prefix="consent")
    ok = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                actions.do_record_consent(
                    candidate, channel=data["channel"], basis=data["basis"], actor=request.user,
                    evidence=data.get("evidence") or "", obtained_at=data.get("obtained_at"),
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            ok = True
    return _respond(
        request, candidate, ok=ok, anchor="section-consent", partial="candidates/_consent.html",
        partial_ctx=lambda: {"candidate": candidate,
                             "consents": consent_summary(_reload(candidate)),
                             "consent_form": ConsentForm(prefix="consent") if ok else form},
        bound={"consent_form": form}, message="Consent recorded.",
    )


def _attachments_context(candidate, form=None):
    return {"candidate": candidate, "attachments": list(candidate.attachments.all()),
            "attachment_form": form or AttachmentForm(prefix="attachment")}


@editor_required
@require_POST
def attachment_upload(request, uuid):
    candidate = get_candidate(request, uuid, Candidate.objects.current())
    form = AttachmentForm(request.POST, request.FILES, prefix="attachment")
    ok = False
    if form.is_valid():
        try:
            with transaction.atomic():
                actions.do_add_attachment(candidate, form.cleaned_data["file"],
                                          kind=form.cleaned_data["kind"], actor=request.user)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            ok = True
    return _respond(
        request, candidate, ok=ok, anchor="section-attachments",
        partial="candidates/_attachments.html",
        partial_ctx=lambda: _attachments_context(_reload(candidate), None if ok else form),
        bound={"attachment_form": form}, message="Document uploaded.",
    )


@member_required
def attachment_download(request, uuid, pk):
    """Documents are only ever served here: access-checked, audited, as a download."""
    from rounds.audit import actions as audit
    from rounds.audit.choices import AuditAction

    candidate = get_candidate(request, uuid)
    attachment = access_object(
        Attachment.visible_queryset(request.user).filter(candidate=candidate), request.user, pk=pk
    )
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("The stored file is missing.") from None
    audit.record(actor=request.user, action=AuditAction.DOWNLOAD, obj=attachment,
                 ip_address=_client_ip(request), changes={"file": attachment.original_name})
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
