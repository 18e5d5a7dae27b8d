"""Forms to add to a candidate's timeline: a note, a call log, a meeting."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from .choices import CallOutcome, Direction

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class _TimelineForm(forms.Form):
    application = forms.ChoiceField(label="About the job", required=False)
    occurred_at = forms.DateTimeField(
        label="When", required=False, widget=WHEN, help_text="Leave empty for now."
    )

    def __init__(self, *args, applications=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = {str(a.pk): a for a in applications}
        choices = [("", "— not about one job —")]
        choices += [(str(a.pk), a.job.title) for a in applications]
        self.fields["application"].choices = choices
        if not self.applications:
            self.fields["application"].widget = forms.HiddenInput()

    def clean_occurred_at(self):
        when = self.cleaned_data.get("occurred_at")
        if when and when > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError("That is in the future; log what already happened.")
        return when

    def clean_application(self):
        value = self.cleaned_data.get("application")
        return self.applications.get(value) if value else None


class NoteForm(_TimelineForm):
    body = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What happened?"}),
        error_messages={"required": "Write the note."},
    )
    field_order = ["body", "application", "occurred_at"]


class CallForm(_TimelineForm):
    outcome = forms.ChoiceField(
        choices=[("", "— how did it go? —"), *CallOutcome.choices],
        error_messages={"required": "Choose how the call went."},
    )
    direction = forms.ChoiceField(
        choices=[(Direction.OUTBOUND, "Outbound"), (Direction.INBOUND, "Inbound")],
        initial=Direction.OUTBOUND,
    )
    duration_minutes = forms.IntegerField(
        label="Minutes", required=False, min_value=0, max_value=24 * 60
    )
    body = forms.CharField(label="Notes", required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["outcome", "direction", "duration_minutes", "body", "application",
                   "occurred_at"]


class MeetingForm(_TimelineForm):
    subject = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"placeholder": "Site visit, video call…"}),
        error_messages={"required": "Say what the meeting was."},
    )
    duration_minutes = forms.IntegerField(
        label="Minutes", required=False, min_value=0, max_value=24 * 60
    )
    body = forms.CharField(label="Notes", required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["subject", "duration_minutes", "body", "application", "occurred_at"]
