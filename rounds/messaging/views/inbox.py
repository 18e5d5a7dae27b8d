"""The unmatched inbox: inbound texts and emails from senders no candidate record knows.
Nothing inbound is dropped; a person finds the candidate and attaches the message, which then
counts as their reply (timeline, respond-now item; a STOP still opts out)."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from rounds.candidates.models import Candidate
from rounds.candidates.search import search_terms, text_filter
from rounds.lib.contact import ContactError, email_key, normalize_email, normalize_phone
from rounds.lib.permissions import editor_required, member_required
from rounds.lib.tenancy import access_object

from ..choices import MessageChannel, MessageStatus
from ..inbound import do_assign_inbound
from ..models import Message

PER_PAGE = 50
SEARCH_LIMIT = 20
LIST_FIELDS = ("uuid", "channel", "from_address", "to_address", "subject", "body",
               "received_at", "created_at", "organization_id", "status")


def _unmatched(user):
    return Message.objects.visible_to(user).unmatched()


@member_required
def inbox(request):
    """Unmatched inbound messages, newest first: two queries (count and page) whatever the
    number of messages."""
    rows = _unmatched(request.user).only(*LIST_FIELDS).order_by("-created_at", "-id")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"nav": "outreach", "page_obj": page})


def find_candidates(user, q: str, message: Message | None = None) -> list[Candidate]:
    """Candidates the user may see, by name, email or phone; with no query, those whose
    address looks like the sender's."""
    visible = Candidate.objects.visible_to(user).filter(merged_into__isnull=True)
    q = (q or "").strip()
    if not q and message is not None:
        q = message.from_address
    if not q:
        return []
    condition = Q()
    if "@" in q:
        try:
            condition = Q(email_normalized=email_key(normalize_email(q)))
        except ContactError:
            condition = Q(email_normalized__icontains=q.lower())
        return list(visible.filter(condition).order_by("last_name", "first_name", "id")
                    [:SEARCH_LIMIT])
    digits = re.sub(r"\D", "", q)
    if len(digits) >= 7 and len(digits) >= len(re.sub(r"\s", "", q)) - 3:
        try:
            condition = Q(phone_normalized=normalize_phone(q))
        except ContactError:
            condition = Q(phone_normalized__contains=digits[-10:])
        return list(visible.filter(condition).order_by("last_name", "first_name", "id")
                    [:SEARCH_LIMIT])
    terms = search_terms(q)
    if not terms:
        return []
    name = Q()
    for term in terms:
        name &= (Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
                 | Q(preferred_name__istartswith=term))
    by_name = list(visible.filter(name).order_by("last_name", "first_name", "id")[:SEARCH_LIMIT])
    if by_name:
        return by_name
    return list(text_filter(visible, terms).order_by("last_name", "first_name", "id")
                [:SEARCH_LIMIT])


@member_required
def inbox_message(request, uuid):
    """One unmatched message and a search for its candidate."""
    message = access_object(Message.objects.all(), request.user, uuid=uuid)
    q = request.GET.get("q", "")
    results = find_candidates(request.user, q, message) if (
        message.status == MessageStatus.UNMATCHED
    ) else []
    return render(request, "messaging/inbox_message.html", {
        "nav": "outreach", "message": message, "q": q, "results": results,
        "address_kind": "phone number" if message.channel == MessageChannel.SMS else "email",
    })


class AssignForm(forms.Form):
    candidate = forms.UUIDField(error_messages={"required": "Choose the candidate.",
                                                "invalid": "Choose the candidate."})
    record_address = forms.BooleanField(required=False)


@editor_required
@require_POST
def assign(request, uuid):
    """Attach an unmatched message to the candidate chosen (editors only)."""
    message = access_object(_unmatched(request.user), request.user, uuid=uuid)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("messaging:inbox_message", uuid=message.uuid)
    candidate = access_object(
        Candidate.objects.filter(merged_into__isnull=True), request.user,
        uuid=form.cleaned_data["candidate"],
    )
    try:
        with transaction.atomic():
            do_assign_inbound(message, candidate, actor=request.user,
                              record_address=form.cleaned_data["record_address"])
    except ValidationError as exc:  # the sender's address, recorded on the candidate
        messages.error(request, "; ".join(exc.messages))
        return redirect("messaging:inbox_message", uuid=message.uuid)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("messaging:inbox_message", uuid=message.uuid)
    messages.success(request, f"Attached to {candidate}: it is on their timeline and waits "
                              "for an answer.")
    return redirect("messaging:inbox")


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/<uuid:uuid>/", inbox_message, name="inbox_message"),
    path("inbox/<uuid:uuid>/assign/", assign, name="inbox_assign"),
]
public_urlpatterns = []  # candidate-facing pages and provider webhooks, at the site root
