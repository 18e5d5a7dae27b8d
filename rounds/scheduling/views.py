"""Scheduling pages. Signed in: offer a meeting to a candidate (a few of the organizer's free
times, or a self-scheduling link) and a meeting's page (reschedule, cancel). Public (the signed
link in the offer, no login): choose a time, see the confirmation, download the invite."""

from __future__ import annotations

import uuid as uuid_lib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from rounds.candidates.models import Candidate
from rounds.lib.permissions import can_edit, editor_required, member_required
from rounds.lib.public import public_page
from rounds.lib.tenancy import access_object
from rounds.messaging.choices import MessageChannel, MessageStatus
from rounds.pipeline.models import Application

from . import ical, links, meetings
from .choices import MeetingKind, MeetingStatus
from .models import Meeting

DURATIONS = [(15, "15 minutes"), (20, "20 minutes"), (30, "30 minutes"), (45, "45 minutes"),
             (60, "1 hour"), (90, "1 hour 30"), (120, "2 hours")]
LET_THEM_CHOOSE, PICK_TIMES = "link", "times"
DONT_SEND = ""
FIELD_FOR = {"proposed_times": "times", "send_by": "send_by", "duration": "duration",
             "kind": "kind", "title": "title", "location": "location",
             "application": "application"}


# --- Forms -------------------------------------------------------------------------------------


class OfferForm(forms.Form):
    """Offer a meeting: what, how long, which times (or a link to choose), sent how."""

    kind = forms.ChoiceField(choices=MeetingKind.choices, initial=MeetingKind.CALL)
    title = forms.CharField(max_length=200, error_messages={
        "required": "Give the meeting a title (e.g. “Introductory call”)."})
    duration = forms.TypedChoiceField(choices=DURATIONS, coerce=int, initial=30,
                                      label="Length")
    location = forms.CharField(
        max_length=300, required=False, help_text="An address, a phone number or a video link.")
    application = forms.ModelChoiceField(
        queryset=Application.objects.none(), required=False, label="About",
        empty_label="— No particular job —")
    mode = forms.ChoiceField(
        label="Times", widget=forms.RadioSelect, initial=PICK_TIMES,
        choices=[(PICK_TIMES, "Offer a few of my free times"),
                 (LET_THEM_CHOOSE, "Let them choose from my free times (a link)")])
    times = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Times to offer")
    send_by = forms.ChoiceField(
        label="Send by", required=False,
        choices=[(MessageChannel.EMAIL, "Email"), (MessageChannel.SMS, "Text message"),
                 (DONT_SEND, "Don't send — I'll share the link myself")])

    def __init__(self, *args, candidate, user, slots, channel_choice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        self.channel_choice = channel_choice
        self.fields["application"].queryset = (
            Application.objects.visible_to(user).filter(candidate=candidate)
            .select_related("job"))
        self.fields["application"].label_from_instance = lambda a: a.job.title
        zone = meetings.org_zone(candidate.organization)
        self.fields["times"].choices = meetings.time_choices(slots, zone)

    def clean_send_by(self):
        channel = self.cleaned_data.get("send_by") or DONT_SEND
        refused = self.channel_choice.refused(channel) if (
            channel and self.channel_choice) else None
        if refused is not None:
            raise ValidationError(
                f"{MessageChannel(channel).label} can't be used: {refused.reason}")
        return channel

    def clean(self):
        data = super().clean()
        if data.get("mode") == PICK_TIMES:
            times = data.get("times") or []
            if not times:
                self.add_error("times", "Tick the times to offer, or let them choose.")
            elif len(times) > meetings.MAX_PROPOSED:
                self.add_error("times", f"Offer at most {meetings.MAX_PROPOSED} times "
                                        "(three is usually right).")
        return data


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="New time",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={"required": "Give the new date and time.",
                        "invalid": "Give a date and time, e.g. 2026-11-19 10:30."},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=300, required=False, label="Note to the candidate",
        widget=forms.TextInput(attrs={"placeholder": "Optional, e.g. “The clinic is closed that "
                                                     "day; I'll call you to find another time.”"}))


def _apply_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        name = FIELD_FOR.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


# --- Signed-in pages ---------------------------------------------------------------------------


def _slot_days(slots, org_zone, cand_zone) -> list[dict]:
    """Free times grouped by day in the organizer's zone, each with the candidate's clock."""
    days = meetings.group_by_day(slots, org_zone)
    for day in days:
        for t in day["times"]:
            if cand_zone.key != org_zone.key:
                when = meetings.parse_time(t["value"]).astimezone(cand_zone)
                t["theirs"] = f"{when:%a %H:%M} {when.tzname()}"
    return days


@require_http_methods(["GET", "POST"])
@editor_required
def meeting_new(request, uuid):
    candidate = access_object(Candidate.objects.current().select_related("organization"),
                              request.user, uuid=uuid)
    from rounds.messaging.policy import choose_channel

    source = request.POST if request.method == "POST" else request.GET
    try:
        duration = int(source.get("duration") or 30)
    except ValueError:
        duration = 30
    if duration not in dict(DURATIONS):
        duration = 30
    slots = meetings.free_slots(request.user, duration=duration)
    channel_choice = choose_channel(candidate)
    initial = {"title": _default_title(candidate), "duration": duration,
               "send_by": channel_choice.channel or DONT_SEND}
    application_id = request.GET.get("application")
    if application_id and application_id.isdigit():
        initial["application"] = int(application_id)
    form = OfferForm(request.POST or None, candidate=candidate, user=request.user, slots=slots,
                     channel_choice=channel_choice, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        times = data["times"] if data["mode"] == PICK_TIMES else []
        try:
            with transaction.atomic():
                meeting = meetings.do_offer_meeting(
                    candidate, organizer=request.user, kind=data["kind"], title=data["title"],
                    location=data["location"], duration=data["duration"], proposed_times=times,
                    application=data["application"], send_by=data["send_by"] or None,
                    actor=request.user,
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            _say_what_happened(request, meeting)
            return redirect("scheduling:meeting", uuid=meeting.uuid)
    org_zone = meetings.org_zone(candidate.organization)
    cand_zone = meetings.candidate_zone(candidate)
    chosen = set(form["times"].value() or [])
    return render(request, "scheduling/meeting_new.html", {
        "candidate": candidate, "form": form, "nav": "candidates",
        "slot_days": _slot_days(slots, org_zone, cand_zone), "chosen": chosen,
        "org_zone": org_zone.key, "cand_zone": cand_zone.key,
        "channel_choice": channel_choice,
    }, status=400 if request.method == "POST" else 200)


def _default_title(candidate) -> str:
    return f"Introductory call with {candidate.full_name}"[:200]


def _say_what_happened(request, meeting: Meeting) -> None:
    offer = meetings.messages_for(meeting).filter(
        idempotency_key=meetings.offer_key(meeting)).first()
    url = links.meeting_url(meeting)
    if offer is None:
        messages.success(request, f"Meeting offered. Share this link with the candidate: {url}")
    elif offer.status == MessageStatus.DROPPED:
        messages.error(request, f"The offer could not be sent: {offer.status_reason} "
                                f"Share this link with the candidate yourself: {url}")
    elif offer.status == MessageStatus.HELD:
        messages.warning(request, f"Offer held: {offer.status_reason}")
    else:
        messages.success(request, f"Offer queued by {offer.get_channel_display().lower()}.")


def _meeting_for(request, uuid) -> Meeting:
    """A meeting of the user's organization about a candidate they may see; else 404."""
    qs = Meeting.objects.select_related("candidate__organization", "organizer", "organization",
                                        "application__job")
    return access_object(qs, request.user, uuid=uuid)


@require_http_methods(["GET", "POST"])
@member_required
def meeting_detail(request, uuid):
    meeting = _meeting_for(request, uuid)
    org_zone = meetings.org_zone(meeting.organization)
    reschedule_form, cancel_form = RescheduleForm(), CancelForm()
    status = 200
    if request.method == "POST":
        if not can_edit(request.user):
            raise PermissionDenied("Your role does not allow this.")
        action = request.POST.get("action")
        if action == "reschedule":
            reschedule_form = RescheduleForm(request.POST)
            with timezone.override(org_zone):  # the form's time is the organization's clock
                valid = reschedule_form.is_valid()
            if valid:
                try:
                    with transaction.atomic():
                        meetings.do_reschedule(meeting, reschedule_form.cleaned_data["starts_at"],
                                               actor=request.user)
                except ValidationError as exc:
                    _apply_errors(reschedule_form, exc)
                else:
                    messages.success(request, "Meeting moved; the new invite is on its way to "
                                              "the candidate and to you.")
                    return redirect("scheduling:meeting", uuid=meeting.uuid)
        elif action == "cancel":
            cancel_form = CancelForm(request.POST)
            if cancel_form.is_valid():
                try:
                    with transaction.atomic():
                        was_booked = meeting.status == MeetingStatus.BOOKED
                        meetings.do_cancel(meeting, actor=request.user,
                                           reason=cancel_form.cleaned_data["reason"])
                except ValidationError as exc:
                    _apply_errors(cancel_form, exc)
                else:
                    messages.success(request, "Meeting cancelled; the cancellation is on its way "
                                              "to the candidate and to you." if was_booked else
                                              "Offer withdrawn.")
                    return redirect("scheduling:meeting", uuid=meeting.uuid)
        else:
            messages.error(request, "Choose to reschedule or to cancel.")
        status = 400
    cand_zone = meetings.candidate_zone(meeting.candidate)
    offered = [{"org": meetings.when_label(t, org_zone),
                "theirs": meetings.when_label(t, cand_zone)} for t in meetings.proposed(meeting)]
    when = theirs = ""
    if meeting.starts_at:
        when = meetings.span_label(meeting, org_zone)
        theirs = meetings.span_label(meeting, cand_zone)
        if meeting.status == MeetingStatus.BOOKED and not reschedule_form.is_bound:
            reschedule_form = RescheduleForm(initial={
                "starts_at": meeting.starts_at.astimezone(org_zone).replace(tzinfo=None)})
    return render(request, "scheduling/meeting_detail.html", {
        "meeting": meeting, "candidate": meeting.candidate, "nav": "candidates",
        "when": when, "theirs": theirs, "offered": offered,
        "org_zone": org_zone.key, "cand_zone": cand_zone.key,
        "link": links.meeting_url(meeting),
        "sent": list(meetings.messages_for(meeting)),
        "reschedule_form": reschedule_form, "cancel_form": cancel_form,
    }, status=status)


# --- Public pages (the signed link) ------------------------------------------------------------


def _public_meeting(token: str) -> Meeting | None:
    """The meeting a signed link names. The signature is the authority here (no login), so
    this is the one lookup not scoped by a user."""
    value = links.read_meeting_token(token)
    if not value:
        return None
    try:
        key = uuid_lib.UUID(hex=value)
    except ValueError:
        return None
    return (Meeting.objects.select_related("candidate__organization", "organizer",
                                           "organization", "application__job")
            .filter(uuid=key).first())


def _not_found(request):
    return render(request, "scheduling/meeting_public_missing.html", status=404)


def _public_context(meeting: Meeting, token: str) -> dict:
    zone = meetings.candidate_zone(meeting.candidate)
    organizer = meeting.organizer
    return {
        "meeting": meeting, "token": token, "zone": zone.key,
        "organizer_name": organizer.get_full_name() or organizer.email,
        "organization": meeting.organization, "org_name": meeting.organization.name,
        "when": meetings.span_label(meeting, zone) if meeting.starts_at else "",
        "first_name": meeting.candidate.preferred_name or meeting.candidate.first_name,
    }


def _render_public(request, meeting: Meeting, token: str, *, error: str = "",
                   status: int = 200):
    ctx = _public_context(meeting, token)
    ctx["error"] = error
    if meeting.status == MeetingStatus.CANCELLED:
        return render(request, "scheduling/meeting_public_cancelled.html", ctx, status=status)
    if meeting.status == MeetingStatus.BOOKED:
        return render(request, "scheduling/meeting_public_booked.html", ctx, status=status)
    zone = meetings.candidate_zone(meeting.candidate)
    ctx["days"] = meetings.group_by_day(meetings.offered_times(meeting), zone)
    ctx["proposal"] = bool(meeting.proposed_times)
    return render(request, "scheduling/meeting_public.html", ctx, status=status)


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def public_meeting(request, token):
    meeting = _public_meeting(token)
    if meeting is None:
        return _not_found(request)
    if request.method == "GET":
        return _render_public(request, meeting, token)
    chosen = request.POST.get("starts_at", "")
    try:
        with transaction.atomic():
            meetings.do_book(meeting, chosen, via="link")
    except meetings.SlotTaken as exc:
        meeting.refresh_from_db()
        return _render_public(request, meeting, token, status=409,
                              error=" ".join(exc.message_dict["starts_at"]))
    except ValidationError as exc:
        meeting.refresh_from_db()
        if meeting.status == MeetingStatus.BOOKED and _same_time(meeting.starts_at, chosen):
            # A second tap on the same button: it is booked, show the confirmation.
            return redirect("scheduling_public:meeting", token=token)
        error = " ".join(m for errs in exc.message_dict.values() for m in errs)
        return _render_public(request, meeting, token, status=400, error=error)
    return redirect("scheduling_public:meeting", token=token)


def _same_time(booked, chosen: str) -> bool:
    try:
        return meetings.parse_time(chosen) == booked
    except (TypeError, ValueError):
        return False


@public_page
@require_http_methods(["GET", "HEAD"])
def public_invite(request, token):
    meeting = _public_meeting(token)
    if meeting is None or meeting.starts_at is None:
        return _not_found(request)
    method = ical.current_method(meeting)
    response = HttpResponse(ical.invite(meeting, method=method),
                            content_type=f"text/calendar; charset=utf-8; method={method}")
    response["Content-Disposition"] = f'attachment; filename="{ical.FILENAME}"'
    return response


urlpatterns = [  # signed-in pages, under /outreach/
    path("candidates/<uuid:uuid>/meetings/new/", meeting_new, name="meeting_new"),
    path("meetings/<uuid:uuid>/", meeting_detail, name="meeting"),
]
public_urlpatterns = [  # the signed link in the offer, no login
    path("o/meet/<str:token>/", public_meeting, name="meeting"),
    path("o/meet/<str:token>/invite.ics", public_invite, name="meeting_invite"),
]
