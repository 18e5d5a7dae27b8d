"""Pages candidates reach from a link in a message, without signing in: unsubscribe (RFC 8058
one-click, and a page with a button) and the preference centre. The signed token in the URL
is the only credential; an altered one is a 404. The pages show the person's first name and
the organization's name, nothing more."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rounds.candidates.choices import Channel, ContactFrequency
from rounds.candidates.models import Candidate

from .. import links, optout
from ..choices import Topic
from ..inbound import current_record

CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.CALL)
CHANNEL_LABELS = {Channel.EMAIL: "Email", Channel.SMS: "Text messages", Channel.CALL: "Phone calls"}
ONE_CLICK = ("List-Unsubscribe", "One-Click")


def _candidate(uuid_hex: str) -> Candidate | None:
    try:
        key = uuid.UUID(hex=uuid_hex)
    except ValueError:
        return None
    found = Candidate.objects.select_related("organization").filter(uuid=key).first()
    return current_record(found) if found is not None else None


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/public_invalid.html", status=404)


def _org_name(candidate: Candidate) -> str:
    return optout.sender_name(candidate.organization)


@csrf_exempt  # RFC 8058: mail clients POST without cookies or a CSRF token
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a page with a button and never unsubscribes (mail scanners prefetch links).
    POST with `List-Unsubscribe=One-Click` (the mail client's one-click, or the button)
    unsubscribes from that channel at once; repeating it is harmless."""
    value = links.read_token(links.UNSUBSCRIBE, token) or ""
    uuid_hex, _, channel = value.partition(".")
    candidate = _candidate(uuid_hex) if channel in Channel.values else None
    if candidate is None:
        return _invalid(request)
    context = {
        "first_name": candidate.preferred_name or candidate.first_name,
        "org_name": _org_name(candidate),
        "channel_words": optout.CHANNEL_WORDS[channel],
        "preferences_url": reverse(
            "outreach_public:preferences",
            args=[links.make_token(links.PREFERENCES, candidate.uuid.hex)],
        ),
    }
    if request.method != "POST":
        return render(request, "outreach/public_unsubscribe.html", context)
    if request.POST.get(ONE_CLICK[0]) != ONE_CLICK[1]:
        context["error"] = "Use the “Unsubscribe” button to confirm."
        return render(request, "outreach/public_unsubscribe.html", context, status=400)
    via = optout.VIA_LINK if request.POST.get("from_page") else optout.VIA_ONE_CLICK
    with transaction.atomic():
        optout.do_opt_out(candidate, channel, via=via, detail="unsubscribe link")
    return render(request, "outreach/public_unsubscribed.html", context)


class PreferencesForm(forms.Form):
    """Channels in order (each ticked one with a rank), the explicit consent boxes for the
    channels they haven't agreed to, frequency, topics and quiet hours."""

    frequency = forms.ChoiceField(
        label="How often may we write?", choices=ContactFrequency.choices,
        error_messages={"invalid_choice": "Choose how often we may write.",
                        "required": "Choose how often we may write."},
    )
    topics = forms.MultipleChoiceField(
        label="What would you like to hear about?", choices=Topic.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quiet_start = forms.TimeField(
        label="Quiet from", required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": "Give a time such as 21:30."},
    )
    quiet_end = forms.TimeField(
        label="until", required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        error_messages={"invalid": "Give a time such as 07:00."},
    )

    def __init__(self, *args, consented: dict[str, bool], **kwargs):
        super().__init__(*args, **kwargs)
        self.consented = consented
        for channel in CHANNELS:
            self.fields[f"use_{channel}"] = forms.BooleanField(
                label=CHANNEL_LABELS[channel], required=False
            )
            self.fields[f"rank_{channel}"] = forms.TypedChoiceField(
                label=f"Order for {CHANNEL_LABELS[channel].lower()}", coerce=int,
                choices=[(i, f"{i}") for i in range(1, len(CHANNELS) + 1)], required=False,
                empty_value=len(CHANNELS),
            )
            if not consented[channel]:
                self.fields[f"consent_{channel}"] = forms.BooleanField(
                    label=f"Yes, you may contact me by {optout.CHANNEL_WORDS[channel]}.",
                    required=False,
                )

    def clean(self):
        data = super().clean()
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None) and not (
            self.has_error("quiet_start") or self.has_error("quiet_end")
        ):
            self.add_error("quiet_end", "Give both the start and the end of quiet hours, "
                                        "or neither.")
        return data

    def rows(self) -> list[dict]:
        """One row per channel for the template: its tick box, rank and consent box."""
        return [
            {"use": self[f"use_{c}"], "rank": self[f"rank_{c}"],
             "consent": self[f"consent_{c}"] if f"consent_{c}" in self.fields else None,
             "words": optout.CHANNEL_WORDS[c]}
            for c in CHANNELS
        ]

    def chosen_channels(self) -> list[str]:
        data = self.cleaned_data
        ticked = [c for c in CHANNELS if data.get(f"use_{c}") or data.get(f"consent_{c}")]
        return sorted(ticked, key=lambda c: (data.get(f"rank_{c}") or len(CHANNELS),
                                             CHANNELS.index(c)))

    def consent_to(self) -> set[str]:
        return {c for c in CHANNELS if self.cleaned_data.get(f"consent_{c}")}


def _initial(candidate: Candidate, consented: dict[str, bool]) -> dict:
    stated = [c for c in candidate.preferred_channels or [] if c in CHANNELS]
    order = stated + [c for c in CHANNELS if c not in stated]
    initial = {
        "frequency": candidate.contact_frequency,
        "topics": [t for t in Topic.values if t not in (candidate.muted_topics or [])],
        "quiet_start": candidate.quiet_hours_start,
        "quiet_end": candidate.quiet_hours_end,
    }
    for channel in CHANNELS:
        initial[f"use_{channel}"] = channel in stated or consented[channel]
        initial[f"rank_{channel}"] = order.index(channel) + 1
    return initial


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The candidate's preference centre: channels in order, how often, which topics, quiet
    hours, or stop everything. No login: the signed link is the key."""
    candidate = _candidate(links.read_token(links.PREFERENCES, token) or "")
    if candidate is None:
        return _invalid(request)
    consented = {c: optout.has_consent(candidate, c) for c in CHANNELS}
    context = {
        "first_name": candidate.preferred_name or candidate.first_name,
        "org_name": _org_name(candidate),
        "saved": request.GET.get("saved") == "1",
        "stopped": request.GET.get("stopped") == "1",
    }
    if request.method == "POST" and "stop_everything" in request.POST:
        with transaction.atomic():
            optout.do_opt_out_everything(
                candidate, optout.VIA_PREFERENCES, detail="“Stop everything” in the preference "
                "centre",
            )
        return redirect(f"{request.path}?stopped=1")
    if request.method == "POST":
        form = PreferencesForm(request.POST, consented=consented)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    optout.do_save_preferences(
                        candidate, channels=form.chosen_channels(),
                        consent_to=form.consent_to(), frequency=data["frequency"],
                        topics=set(data["topics"]), quiet_start=data["quiet_start"],
                        quiet_end=data["quiet_end"],
                    )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    target = {"quiet_hours_start": "quiet_start",
                              "quiet_hours_end": "quiet_end",
                              "contact_frequency": "frequency"}.get(field)
                    form.add_error(target if target in form.fields else None, errors)
            else:
                return redirect(f"{request.path}?saved=1")
    else:
        form = PreferencesForm(initial=_initial(candidate, consented), consented=consented)
    context["form"] = form
    return render(request, "outreach/public_preferences.html", context)


urlpatterns = []  # signed-in pages, under /outreach/
public_urlpatterns = [
    path("o/unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("o/preferences/<str:token>/", preferences, name="preferences"),
]
