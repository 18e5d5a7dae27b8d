"""Filters of the audit log."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from .choices import AuditAction


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), required=False, empty_label="Anyone", label="Who"
    )
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditAction.choices], required=False, label="Action"
    )
    candidate = forms.CharField(
        required=False, max_length=100, label="Candidate",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name"}),
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, organization_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = get_user_model().objects.filter(
            organization_id=organization_id)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data
