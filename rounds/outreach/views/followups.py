"""Respond-now items ("Done" from the Today page) and the organization's outreach settings
(admins only): sending window, respond-now target and alerts, sender identity, rate limits and
meeting hours."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from rounds.accounts.models import User
from rounds.lib.permissions import admin_required, pipeline_required
from rounds.lib.tenancy import access_object

from .. import followups
from ..models import FollowUp, OutreachSettings

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


@require_POST
@pipeline_required
def follow_up_done(request, pk):
    """Mark a respond-now item answered. From htmx the item's row is replaced by nothing."""
    item = access_object(FollowUp, request.user, pk=pk)
    with transaction.atomic():
        closed = followups.do_mark_done(item, actor=request.user)
    if request.htmx:
        return HttpResponse("")
    if closed:
        messages.success(request, f"Answered: {item.candidate}.")
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("today")


class OutreachSettingsForm(forms.ModelForm):
    """Every field the model's clean() checks is on this form, so its refusals (a widened
    window) land next to the field they name."""

    meeting_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Meeting days", help_text="None ticked means Monday to Friday.")

    class Meta:
        model = OutreachSettings
        fields = list(followups.SETTINGS_FIELDS)
        labels = {
            "window_start": "Sending window starts", "window_end": "Sending window ends",
            "respond_target_minutes": "Respond-now target (minutes)",
            "alert_before_minutes": "Alert this many minutes before the target",
            "sms_from_number": "Texting number", "email_per_minute": "Emails per minute",
            "sms_per_second": "Texts per second", "meeting_day_start": "Meetings from",
            "meeting_day_end": "Meetings until",
        }
        widgets = {
            "window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "meeting_day_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "meeting_day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, organization_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["backup_responder"].queryset = User.objects.filter(
            organization_id=organization_id, is_active=True).order_by("first_name", "last_name")
        self.fields["backup_responder"].label_from_instance = (
            lambda u: f"{u.get_full_name() or u.email} ({u.get_role_display()})")
        self.fields["window_start"].help_text = (
            "08:00 at the earliest, in each candidate's time zone: narrow it, never widen it.")
        self.fields["window_end"].help_text = "21:00 at the latest."

    def labelled_errors(self) -> list[str]:
        """Every error with the name of its field in front, for the summary at the top."""
        out = []
        for name, errs in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            out.extend(f"{label}: {e}" if label else str(e) for e in errs)
        return out


@require_http_methods(["GET", "POST"])
@admin_required
def outreach_settings(request):
    org_id = request.user.organization_id
    current = OutreachSettings.for_org(org_id)
    form = OutreachSettingsForm(request.POST or None, instance=current, organization_id=org_id)
    if request.method == "POST":
        if form.is_valid():
            # The form checked a copy; the action changes the row and records who did.
            fresh = OutreachSettings.objects.get(pk=current.pk)
            try:
                with transaction.atomic():
                    followups.do_update_settings(fresh, actor=request.user, **{
                        k: form.cleaned_data[k] for k in followups.SETTINGS_FIELDS})
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, "Outreach settings saved.")
                return redirect("outreach:settings")
        return render(request, "outreach/settings.html", {"nav": "settings", "form": form},
                      status=400)
    return render(request, "outreach/settings.html", {"nav": "settings", "form": form})


urlpatterns = [  # signed-in pages, under /outreach/
    path("follow-ups/<int:pk>/done/", follow_up_done, name="follow_up_done"),
    path("settings/", outreach_settings, name="settings"),
]
public_urlpatterns = []  # candidate-facing pages and provider webhooks, at the site root
