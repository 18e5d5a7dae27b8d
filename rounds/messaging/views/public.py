"""Pages candidates reach from a link in a message, without signing in: unsubscribe (RFC 8058
one-click, and a page with a button), the preference centre, and the page of the link that
confirms consent by email. The signed token in the URL is the only credential; an altered one
is a 404. The pages show the person's first name and who is writing to them (the organization's
name, postal address and a contact: texts carry only a link to these pages, so they identify
the sender for CASL), nothing more.

The preference centre's link is in every message and may be forwarded, so it can only take
contact away (untick a channel, stop everything) and set how often and about what. Giving
consent back is confirmed on the channel itself: a link emailed to the address on record for
email and calls, a START texted from the candidate's own number for texts."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from rounds.candidates.choices import Channel, ContactFrequency
from rounds.candidates.models import Candidate
from rounds.lib.public import public_page

from .. import erasure as erasing
from .. import links, optout, sender
from ..choices import Topic
from ..inbound import current_record
from ..models import Message, OutreachSettings

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


def _preferences_path(candidate: Candidate, message_id: int | None) -> str:
    """The preference centre, from a page reached by a link: it names the same message."""
    token = links.make_token(links.PREFERENCES, candidate.uuid.hex + (
        f".{message_id}" if message_id is not None else ""))
    return reverse("messaging_public:preferences", args=[token])


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "messaging/public_invalid.html", status=404)


def _sender(candidate: Candidate, message_id: int | None):
    """The person who sent the message the link came in (None: it spoke for the
    organization). A link that doesn't name its message (older links, the consent link) is
    taken to come from the person who last wrote to them."""
    if message_id is None:
        return sender.last_sender(candidate)
    message = (Message.objects.filter(pk=message_id, organization_id=candidate.organization_id,
                                      candidate=candidate)
               .select_related("created_by").first())
    return message.created_by if message is not None else sender.last_sender(candidate)


def _identity(candidate: Candidate, message_id: int | None = None) -> dict:
    """Who is writing (CASL, CAN-SPAM): the person who sent the message, the organization,
    its postal address and a contact that stays valid, as the email footer gives them."""
    from email.utils import parseaddr

    org = candidate.organization
    s = OutreachSettings.for_org(org.pk)
    contact = s.contact_phone.strip() or s.sender_email.strip() or parseaddr(
        settings.DEFAULT_FROM_EMAIL)[1]
    person = _sender(candidate, message_id)
    return {
        "org_name": org.name if sender.person_name(person) else sender.organization_voice(org, s),
        "org_legal_name": org.name,
        "sender_person": sender.person_name(person),
        "postal_address": (org.postal_address or "").strip(),
        "contact": contact,
        "sms_number": s.sms_from_number.strip() or settings.SMS_FROM_NUMBER or "",
    }


@public_page  # RFC 8058: mail clients POST without cookies or a CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a page with a button and never unsubscribes (mail scanners prefetch links).
    POST with `List-Unsubscribe=One-Click` (the mail client's one-click, or the button)
    unsubscribes from that channel at once; repeating it is harmless."""
    uuid_hex, channel, message_id = links.read_unsubscribe(token) or ("", "", None)
    candidate = _candidate(uuid_hex) if channel in Channel.values else None
    if candidate is None:
        return _invalid(request)
    context = {
        "first_name": candidate.preferred_name or candidate.first_name,
        **_identity(candidate, message_id),
        "channel_words": optout.CHANNEL_WORDS[channel],
        "preferences_url": _preferences_path(candidate, message_id),
    }
    if request.method != "POST":
        return render(request, "messaging/public_unsubscribe.html", context)
    if request.POST.get(ONE_CLICK[0]) != ONE_CLICK[1]:
        context["error"] = "Use the “Unsubscribe” button to confirm."
        return render(request, "messaging/public_unsubscribe.html", context, status=400)
    via = optout.VIA_LINK if request.POST.get("from_page") else optout.VIA_ONE_CLICK
    with transaction.atomic():
        optout.do_opt_out(candidate, channel, via=via, detail="unsubscribe link")
    return render(request, "messaging/public_unsubscribed.html", context)


class PreferencesForm(forms.Form):
    """Channels in order (each ticked one with a rank), the "yes, you may …" boxes for email and
    calls they haven't agreed to (each asks for a confirmation link by email), frequency,
    topics and quiet hours. Texts are agreed to by texting START, so they have no box."""

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
            if not consented[channel] and channel in optout.EMAIL_CONFIRMED:
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
             "text_start": c == Channel.SMS and not self.consented[c],
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


# What the page says after "yes, you may contact me by …" was ticked; fixed texts, chosen by
# the outcome named in the query string.
ASKED = {
    optout.LINK_SENT: "We've emailed you a link to confirm {words}. Nothing changes until you "
                      "press the button on its page.",
    optout.LINK_RECENT: "We emailed you a link to confirm {words} a few minutes ago: look for "
                        "it in your inbox.",
    optout.ALREADY: "You've already agreed to {words}.",
    optout.NO_EMAIL: "We have no email address to send you the link that confirms {words}: "
                     "contact us ({contact}).",
    optout.EMAIL_BLOCKED: "We can't write to the email address we have for you, so we can't "
                          "confirm {words} that way: contact us ({contact}).",
}


# What the page says after "Erase my data" was pressed; fixed texts chosen by the outcome.
ERASE_ASKED = {
    optout.LINK_SENT: "We've emailed you a link to confirm that you want your data erased. "
                      "Nothing is erased until you press the button on its page.",
    optout.LINK_RECENT: "We emailed you a link to confirm the erasure a few minutes ago: look "
                        "for it in your inbox.",
    optout.NO_EMAIL: "We have no email address to send you the link that confirms an erasure: "
                     "contact us ({contact}).",
    optout.EMAIL_BLOCKED: "We can't write to the email address we have for you, so we can't "
                          "confirm an erasure that way: contact us ({contact}).",
}


def _asked(request: HttpRequest, contact: str) -> list[str]:
    notes = []
    for item in request.GET.getlist("asked"):
        channel, _, outcome = item.partition(".")
        if channel in optout.EMAIL_CONFIRMED and outcome in ASKED:
            notes.append(ASKED[outcome].format(words=optout.CHANNEL_WORDS[channel],
                                               contact=contact))
    return notes


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The candidate's preference centre: channels in order, how often, which topics, quiet
    hours, or stop everything. No login: the signed link is the key, and since it may have
    been forwarded it never grants consent by itself (see the module's docstring)."""
    uuid_hex, message_id = links.read_preferences(token) or ("", None)
    candidate = _candidate(uuid_hex)
    if candidate is None:
        return _invalid(request)
    consented = {c: optout.has_consent(candidate, c) for c in CHANNELS}
    identity = _identity(candidate, message_id)
    context = {
        "first_name": candidate.preferred_name or candidate.first_name,
        **identity,
        "saved": request.GET.get("saved") == "1",
        "stopped": request.GET.get("stopped") == "1",
        "asked": _asked(request, identity["contact"]),
        "erase_note": ERASE_ASKED.get(request.GET.get("erase", ""), "").format(
            contact=identity["contact"]),
    }
    if request.method == "POST" and "erase_request" in request.POST:
        with transaction.atomic():
            outcome = erasing.do_request_erasure(candidate)
        return redirect(f"{request.path}?{urlencode({'erase': outcome})}")
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
                        frequency=data["frequency"], topics=set(data["topics"]),
                        quiet_start=data["quiet_start"], quiet_end=data["quiet_end"],
                    )
                    asked = [f"{c}.{optout.do_request_consent(candidate, c)}"
                             for c in CHANNELS if c in form.consent_to()]
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    target = {"quiet_hours_start": "quiet_start",
                              "quiet_hours_end": "quiet_end",
                              "contact_frequency": "frequency"}.get(field)
                    form.add_error(target if target in form.fields else None, errors)
            else:
                query = urlencode([("saved", "1"), *(("asked", a) for a in asked)])
                return redirect(f"{request.path}?{query}")
    else:
        form = PreferencesForm(initial=_initial(candidate, consented), consented=consented)
    context["form"] = form
    return render(request, "messaging/public_preferences.html", context)


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def consent(request: HttpRequest, token: str) -> HttpResponse:
    """The page of the link we emailed to confirm consent: GET shows a button and changes
    nothing (mail scanners prefetch links); POST records express consent and lifts a past
    unsubscribe. A used, expired or outdated link (a later opt-out, a new address) says so and
    changes nothing."""
    link = optout.read_consent_token(token)
    if link is None:
        return _invalid(request)
    candidate = link.candidate
    context = {
        "first_name": candidate.preferred_name or candidate.first_name,
        **_identity(candidate),
        "channel_words": optout.CHANNEL_WORDS[link.channel],
        "fresh": link.fresh,
        "preferences_url": _preferences_path(candidate, None),
    }
    if not link.fresh:
        return render(request, "messaging/public_consent.html", context, status=410)
    if request.method == "POST":
        with transaction.atomic():
            optout.do_confirm_consent(candidate, link.channel)
        context["done"] = True
    return render(request, "messaging/public_consent.html", context)


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def erase(request: HttpRequest, token: str) -> HttpResponse:
    """The page of the link we emailed to confirm an erasure: GET shows a button and changes
    nothing (mail scanners prefetch links); POST erases everything about them at once. A used
    link says it is done; an expired one says so and changes nothing."""
    found = erasing.read_erasure_token(token)
    if found is None:
        return _invalid(request)
    erasure, candidate, fresh = found
    if candidate is None:
        if erasure.done_at is None:
            return _invalid(request)
        return render(request, "messaging/public_erase.html", {"done": True})
    context = {
        "first_name": candidate.preferred_name or candidate.first_name,
        **_identity(candidate), "fresh": fresh,
        "preferences_url": _preferences_path(candidate, None),
    }
    if not fresh:
        return render(request, "messaging/public_erase.html", context, status=410)
    if request.method == "POST":
        with transaction.atomic():
            erasing.do_confirm_erasure(erasure, candidate)
        # Only the organization's name stays on the page: the person is gone.
        return render(request, "messaging/public_erase.html",
                      {"done": True, "org_name": context["org_name"]})
    return render(request, "messaging/public_erase.html", context)


urlpatterns = []  # signed-in pages, under /outreach/
public_urlpatterns = [
    path("o/unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
    path("o/preferences/<str:token>/", preferences, name="preferences"),
    path("o/confirm/<str:token>/", consent, name="consent"),
    path("o/erase/<str:token>/", erase, name="erase"),
]
