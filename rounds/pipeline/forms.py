from django import forms

from rounds.accounts.models import User

from .choices import DispositionReason
from .models import Stage


class MoveForm(forms.Form):
    """Move an application to another stage. Rejected and withdrawn need a reason."""

    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), empty_label=None)
    reason = forms.ChoiceField(
        required=False, choices=[("", "— Choose a reason —"), *DispositionReason.choices],
        help_text="Needed when the candidate is rejected or withdraws.",
    )
    note = forms.CharField(required=False, max_length=300,
                           widget=forms.TextInput(attrs={"placeholder": "Optional note"}))

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(organization_id=organization_id)

    def clean(self):
        data = super().clean()
        stage = data.get("stage")
        if stage is not None and stage.needs_reason and not data.get("reason"):
            self.add_error("reason", f"Say why the candidate is {stage.name.lower()}: "
                                     "choose a reason.")
        return data


class NextActionForm(forms.Form):
    """What happens next on an open application, when, and who does it. Can't be left empty."""

    next_action = forms.CharField(
        label="Next action", max_length=200,
        error_messages={"required": "Say what happens next."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. Call about the site visit"}),
    )
    next_action_due_at = forms.DateTimeField(
        label="Due", input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        error_messages={"required": "Say when it is due.",
                        "invalid": "Give a date and time, e.g. 2026-03-14 09:30."},
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=True,
                                   error_messages={"required": "Say who owns it."})

    def __init__(self, *args, organization_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            organization_id=organization_id, is_active=True)


class AddCandidateForm(forms.Form):
    candidate = forms.UUIDField(error_messages={"required": "Choose a candidate.",
                                                "invalid": "Choose a candidate."})
