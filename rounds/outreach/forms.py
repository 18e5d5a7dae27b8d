"""Forms of the compose side: message templates, a message to one candidate, a campaign, and
the one-click preferences learnt in conversation."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError

from rounds.candidates.choices import Profession
from rounds.lib.forms import add_errors
from rounds.messaging.choices import MessageChannel, Topic

from . import templating
from .choices import ChannelPreference
from .models import MessageTemplate

TEMPLATE_CHANNELS = [(MessageChannel.EMAIL, "Email"), (MessageChannel.SMS, "Text message")]


def new_nonce() -> str:
    """A one-time key carried by a form, so the same submission twice does the work once."""
    return uuid.uuid4().hex


class TemplateForm(forms.Form):
    """A message template. `clean()` checks every field the text uses against the documented
    context, so a misspelt field is named here, at save, never at send."""

    name = forms.CharField(max_length=120)
    channel = forms.ChoiceField(choices=TEMPLATE_CHANNELS, initial=MessageChannel.EMAIL)
    topic = forms.ChoiceField(choices=Topic.choices, initial=Topic.JOBS,
                              help_text="Candidates can mute a topic in their preferences.")
    subject = forms.CharField(max_length=200, required=False,
                              help_text="Email only. Fields work here too.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}),
                           help_text="Django template syntax: {{ candidate.name }}, "
                                     "{% if candidate.specialty %}…{% endif %}.")

    @classmethod
    def for_template(cls, template: MessageTemplate | None, data=None) -> TemplateForm:
        initial = None
        if template is not None:
            initial = {f: getattr(template, f) for f in ("name", "channel", "topic", "subject",
                                                         "body")}
        return cls(data, initial=initial)

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        subject = (data.get("subject") or "") if channel == MessageChannel.EMAIL else ""
        if channel == MessageChannel.EMAIL and not subject.strip() and "subject" not in (
            self.errors
        ):
            self.add_error("subject", "An email template needs a subject.")
        if "body" in data:
            try:
                templating.validate(subject, data["body"])
            except ValidationError as exc:
                add_errors(self, exc)
        return data


class ComposeForm(forms.Form):
    """A message to one candidate, prefilled with a draft the recruiter reads and edits."""

    channel = forms.ChoiceField(choices=TEMPLATE_CHANNELS, widget=forms.HiddenInput)
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}))
    nonce = forms.CharField(max_length=64, widget=forms.HiddenInput)
    template = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("channel") == MessageChannel.EMAIL and not (data.get("subject") or "").strip():
            self.add_error("subject", "An email needs a subject.")
        return data


class CampaignForm(forms.Form):
    """One template to many candidates, confirmed after seeing what will happen."""

    template = forms.ModelChoiceField(queryset=MessageTemplate.objects.none(),
                                      empty_label="Choose a template")
    name = forms.CharField(max_length=200, required=False,
                           help_text="For your records; the template's name and the date when "
                                     "empty.")
    nonce = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        if templates is not None:
            self.fields["template"].queryset = templates


class PreferenceForm(forms.Form):
    preference = forms.ChoiceField(choices=ChannelPreference.choices)


class ReplyForm(ComposeForm):
    """An answer to a candidate's message. The call it offers travels with it: the meeting's
    key (its link is in the text) and the times offered, created only if the text, as sent,
    still carries the link."""

    call_mode = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)
    call_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    call_times = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)

    def clean_call_times(self):
        from rounds.scheduling.meetings import parse_time

        values = [v for v in (self.cleaned_data.get("call_times") or "").split(",") if v.strip()]
        try:
            return [parse_time(v.strip()) for v in values]
        except ValueError:
            raise ValidationError("The times offered can't be read; reload the page.") from None


class ReferralForm(forms.Form):
    """A colleague the candidate named, as the recruiter confirms them."""

    first_name = forms.CharField(max_length=100, required=False, label="First name")
    last_name = forms.CharField(max_length=100, required=False, label="Last name")
    profession = forms.ChoiceField(choices=Profession.choices)
