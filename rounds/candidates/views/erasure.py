"""Erasure and retention, for owners: erase one candidate (a page naming what will be removed,
then done), the log of erasures (asked for by candidates, ordered by owners, by the retention
period), and the retention page (who the next run will anonymise, run it now, and every run)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from rounds.lib.permissions import admin_required

from .. import erasure, retention
from ..choices import ErasureSource
from ..models import Erasure, RetentionRun
from .profile import get_candidate

PREVIEW_ROWS = 50


@admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def erase(request, uuid):
    """GET: what an erasure of this person removes and keeps. POST (with the box ticked):
    erase them, and go to the log."""
    candidate = get_candidate(request, uuid)
    candidate = erasure.root_of(candidate)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            with transaction.atomic():
                erasure.do_erase_candidate(candidate, actor=request.user,
                                           source=ErasureSource.OWNER)
            messages.success(request, "Erased. Their personal data is gone from Rounds; the "
                             "audit log and the erasure log say that it happened.")
            return redirect("candidates:erasures")
        error = "Tick the box to confirm that this can't be undone."
    return render(request, "candidates/erase.html", {
        "nav": "candidates", "candidate": candidate, "removed": erasure.describe(candidate),
        "error": error,
    }, status=400 if error else 200)


@admin_required
def erasure_list(request):
    erasures = Erasure.objects.visible_to(request.user).select_related("actor")
    page = Paginator(erasures, 50).get_page(request.GET.get("page"))
    return render(request, "candidates/erasures.html", {
        "nav": "candidates", "page_obj": page, "erasures": page.object_list,
    })


@admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def retention_page(request):
    """Who the next run will anonymise (the first rows and the count), the button to run it
    now, and the log of runs."""
    org = request.user.organization
    if request.method == "POST":
        run = retention.do_run_retention(org, actor=request.user)
        messages.success(request, f"Retention run done: {run.erased} anonymised.")
        return redirect("candidates:retention")
    from ..tasks import ensure_retention_scheduled, next_run

    ensure_retention_scheduled()
    due = retention.due(org)
    return render(request, "candidates/retention.html", {
        "nav": "candidates", "org": org, "cutoff": retention.cutoff_for(org),
        "due_count": due.count(),
        "due": due.order_by("last_activity_at", "created_at", "pk")[:PREVIEW_ROWS],
        "preview_rows": PREVIEW_ROWS, "next_run": next_run(),
        "runs": RetentionRun.objects.visible_to(request.user).select_related("actor")[:30],
    })
