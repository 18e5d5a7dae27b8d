"""Respond-now items ("Done" from the Today page) and the organization's outreach settings
(admins only): sending window, respond-now target and alerts, sender identity, rate limits and
meeting hours."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from rounds.lib.permissions import pipeline_required
from rounds.lib.tenancy import access_object

from . import actions as followups
from .models import FollowUp


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


urlpatterns = [  # signed-in pages, under /follow-ups/
    path("<int:pk>/done/", follow_up_done, name="done"),
]
