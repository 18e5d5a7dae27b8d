"""Sequences: the list, a new sequence, editing one (steps as a small formset), enrolling a
candidate from their page and stopping an enrolment. Editors only; everything tenant-scoped."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from rounds.candidates.models import Candidate
from rounds.lib.forms import add_errors
from rounds.lib.permissions import editor_required
from rounds.lib.tenancy import access_object
from rounds.messaging.choices import Topic
from rounds.pipeline.models import Application

from .. import sequences as actions
from ..choices import EnrollmentStatus, SequenceAction
from ..models import Enrollment, MessageTemplate, Sequence

ENROLLMENTS_SHOWN = 100


class SequenceForm(forms.Form):
    name = forms.CharField(max_length=120)
    topic = forms.ChoiceField(choices=Topic.choices, initial=Topic.JOBS,
                              help_text="Candidates who muted this topic are skipped.")
    is_active = forms.BooleanField(required=False, initial=True, label="Active",
                                   help_text="A paused sequence runs no steps until resumed.")


class StepForm(forms.Form):
    # A blank first choice, so the untouched extra rows a browser submits stay unchanged.
    action = forms.ChoiceField(choices=[("", "—"), *SequenceAction.choices])
    delay_hours = forms.IntegerField(min_value=0, max_value=24 * 365, initial=0,
                                     label="Hours after the previous step")
    template = forms.ModelChoiceField(queryset=MessageTemplate.objects.none(), required=False,
                                      help_text="For emails and texts.")
    note = forms.CharField(max_length=200, required=False, help_text="For call tasks.")

    def __init__(self, *args, organization_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = MessageTemplate.objects.filter(
            organization_id=organization_id, is_archived=False).order_by("name")


StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True, max_num=actions.MAX_STEPS,
                                    validate_max=True)


def _formset(request, organization_id: int, initial=None):
    return StepFormSet(request.POST if request.method == "POST" else None, initial=initial,
                       prefix="steps", form_kwargs={"organization_id": organization_id})


def _steps_from(formset) -> list[dict]:
    """The filled-in, not deleted rows, in order; blank extra rows are ignored."""
    steps = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        steps.append({"action": data["action"], "delay_hours": data["delay_hours"],
                      "template": data.get("template"), "note": data.get("note", "")})
    return steps


def _apply_errors(form, formset, exc: ValidationError) -> None:
    """The sequence's own fields on its form; the steps' messages above the steps."""
    def on_steps(_field, messages):
        formset.step_errors = [*getattr(formset, "step_errors", []), *messages]

    add_errors(form, exc, elsewhere=on_steps)


@require_http_methods(["GET"])
@editor_required
def sequence_list(request):
    sequences = (Sequence.objects.visible_to(request.user)
                 .annotate(step_count=Count("steps", distinct=True),
                           active_count=Count("enrollments", distinct=True,
                                              filter=Q(enrollments__status=EnrollmentStatus.ACTIVE)))
                 .order_by("name", "id"))
    return render(request, "outreach/sequence_list.html", {
        "nav": "outreach", "sequences": sequences,
    })


@require_http_methods(["GET", "POST"])
@editor_required
def sequence_new(request):
    org_id = request.user.organization_id
    form = SequenceForm(request.POST or None)
    formset = _formset(request, org_id)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                sequence = actions.do_create_sequence(
                    request.user.organization, name=form.cleaned_data["name"],
                    topic=form.cleaned_data["topic"], is_active=form.cleaned_data["is_active"],
                    steps=_steps_from(formset), actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, formset, exc)
        else:
            messages.success(request, f"Sequence “{sequence}” created.")
            return redirect("outreach:sequence_edit", pk=sequence.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outreach/sequence_form.html", {
        "nav": "outreach", "form": form, "formset": formset, "sequence": None,
    }, status=status)


@require_http_methods(["GET", "POST"])
@editor_required
def sequence_edit(request, pk):
    sequence = access_object(Sequence, request.user, pk=pk)
    initial = [{"action": s.action, "delay_hours": s.delay_hours, "template": s.template_id,
                "note": s.note} for s in sequence.steps.order_by("position")]
    form = SequenceForm(request.POST or None, initial={
        "name": sequence.name, "topic": sequence.topic, "is_active": sequence.is_active})
    formset = _formset(request, sequence.organization_id, initial=initial)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                actions.do_update_sequence(
                    sequence, name=form.cleaned_data["name"], topic=form.cleaned_data["topic"],
                    is_active=form.cleaned_data["is_active"], steps=_steps_from(formset),
                    actor=request.user)
        except ValidationError as exc:
            _apply_errors(form, formset, exc)
        else:
            messages.success(request, f"Sequence “{sequence}” saved.")
            return redirect("outreach:sequence_edit", pk=sequence.pk)
    enrollments = list(Enrollment.objects.visible_to(request.user).filter(sequence=sequence)
                       .select_related("candidate", "started_by")
                       .order_by("-started_at", "-id")[:ENROLLMENTS_SHOWN])
    status = 400 if request.method == "POST" else 200
    return render(request, "outreach/sequence_form.html", {
        "nav": "outreach", "form": form, "formset": formset, "sequence": sequence,
        "enrollments": enrollments,
    }, status=status)


def _candidate_panel(request, candidate, *, error: str = "", status: int = 200):
    enrollments = list(Enrollment.objects.visible_to(request.user).filter(candidate=candidate)
                       .select_related("sequence").order_by("-started_at", "-id")[:20])
    in_progress = {e.sequence_id for e in enrollments if e.status == EnrollmentStatus.ACTIVE}
    available = [s for s in Sequence.objects.visible_to(request.user).filter(is_active=True)
                 .order_by("name", "id") if s.pk not in in_progress]
    template = ("outreach/sequence_candidate_panel.html" if request.htmx
                else "outreach/sequence_candidate.html")
    return render(request, template, {
        "nav": "candidates", "candidate": candidate, "enrollments": enrollments,
        "available": available, "error": error,
    }, status=status)


@require_http_methods(["GET"])
@editor_required
def candidate_sequences(request, candidate_uuid):
    """The candidate's sequences and buttons to enrol them: a panel the candidate page loads."""
    candidate = access_object(Candidate.objects.current(), request.user, uuid=candidate_uuid)
    return _candidate_panel(request, candidate)


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value or ""))
    except ValueError:
        raise Http404("Unknown candidate") from None


def _back(request, default: str):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


@require_POST
@editor_required
def sequence_enroll(request, pk):
    sequence = access_object(Sequence, request.user, pk=pk)
    candidate = access_object(Candidate.objects.current(), request.user,
                              uuid=_uuid_or_404(request.POST.get("candidate")))
    application = None
    if request.POST.get("application"):
        application = access_object(Application, request.user, pk=request.POST["application"],
                                    candidate=candidate)
    error = ""
    try:
        with transaction.atomic():
            actions.do_enroll(sequence, candidate, actor=request.user, application=application)
    except ValidationError as exc:
        error = " ".join(m for errs in exc.message_dict.values() for m in errs)
    if request.htmx:
        # htmx swaps only 2xx answers: the refusal comes back in the panel itself.
        return _candidate_panel(request, candidate, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{candidate} enrolled in “{sequence}”.")
    return _back(request, reverse("outreach:candidate_sequences", args=[candidate.uuid]))


@require_POST
@editor_required
def enrollment_stop(request, pk):
    enrollment = access_object(Enrollment.objects.select_related("candidate", "sequence"),
                               request.user, pk=pk)
    with transaction.atomic():
        stopped = actions.do_stop_enrollment(enrollment, actor=request.user)
    if request.htmx:
        return _candidate_panel(request, enrollment.candidate)
    if stopped:
        messages.success(request, f"Stopped “{enrollment.sequence}” for {enrollment.candidate}.")
    else:
        messages.info(request, "That enrolment had already ended.")
    return _back(request, reverse("outreach:sequence_edit", args=[enrollment.sequence_id]))


urlpatterns = [  # signed-in pages, under /outreach/
    path("sequences/", sequence_list, name="sequences"),
    path("sequences/new/", sequence_new, name="sequence_new"),
    path("sequences/<int:pk>/", sequence_edit, name="sequence_edit"),
    path("sequences/<int:pk>/enroll/", sequence_enroll, name="sequence_enroll"),
    path("enrollments/<int:pk>/stop/", enrollment_stop, name="enrollment_stop"),
    path("candidates/<uuid:candidate_uuid>/sequences/", candidate_sequences,
         name="candidate_sequences"),
]
public_urlpatterns = []  # candidate-facing pages and provider webhooks, at the site root
