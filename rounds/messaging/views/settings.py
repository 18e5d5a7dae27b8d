"""Settings → Outreach: the organization's sending window, sender, rate limits, respond-now
target and meeting hours."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from rounds.accounts.models import User
from rounds.lib.forms import add_errors
from rounds.lib.permissions import admin_required

from .. import actions
from ..models import OutreachSettings

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class OutreachSettingsForm(forms.ModelForm):
    """Every field the model's clean() checks is on this form, so its refusals (a widened
    window) land next to the field they name."""

    meeting_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        label="Meeting days", help_text="None ticked means Monday to Friday.")

    class Meta:
        model = OutreachSettings
        fields = list(actions.SETTINGS_FIELDS)
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
                    actions.do_update_settings(fresh, actor=request.user, **{
                        k: form.cleaned_data[k] for k in actions.SETTINGS_FIELDS})
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Outreach settings saved.")
                return redirect("messaging:settings")
        return render(request, "messaging/settings.html", {"nav": "settings", "form": form},
                      status=400)
    return render(request, "messaging/settings.html", {"nav": "settings", "form": form})


urlpatterns = [path("settings/", outreach_settings, name="settings")]
