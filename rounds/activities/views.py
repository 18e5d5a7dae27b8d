"""The candidate timeline: add a note, log a call or a meeting, page through older entries.

Recruiters and admins work on every candidate they see; hiring managers on the candidates in
their jobs (the querysets already narrow what they see); read-only users only read."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.views.decorators.http import require_POST

from rounds.candidates.models import Candidate
from rounds.candidates.views.profile import (
    TIMELINE_PAGE,
    _applications,
    _redirect_to,
    _reload,
    detail_context,
    get_candidate,
)
from rounds.lib.forms import add_errors
from rounds.lib.permissions import member_required, pipeline_required

from . import actions
from .forms import CallForm, MeetingForm, NoteForm


def _open_applications(request, candidate):
    return [a for a in _applications(request, candidate) if a.stage.is_open]


def timeline_context(request, candidate, page: int = 1, **bound) -> dict:
    start = (page - 1) * TIMELINE_PAGE
    rows = list(actions.timeline_queryset(candidate, request.user)[start:start + TIMELINE_PAGE + 1])
    apps = _open_applications(request, candidate)
    return {
        "candidate": candidate,
        "timeline": rows[:TIMELINE_PAGE],
        "timeline_more": len(rows) > TIMELINE_PAGE,
        "timeline_page": page,
        "note_form": bound.get("note_form") or NoteForm(prefix="note", applications=apps),
        "call_form": bound.get("call_form") or CallForm(prefix="call", applications=apps),
        "meeting_form": bound.get("meeting_form") or MeetingForm(prefix="meeting",
                                                                  applications=apps),
        "open_tab": bound.get("open_tab", ""),
    }


def _add(request, uuid, form_class, prefix, write):
    candidate = get_candidate(request, uuid, Candidate.objects.current())
    form = form_class(request.POST, prefix=prefix,
                      applications=_open_applications(request, candidate))
    ok = False
    if form.is_valid():
        try:
            with transaction.atomic():
                write(candidate, form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            ok = True
    bound = {} if ok else {f"{prefix}_form": form, "open_tab": prefix}
    if request.htmx:
        response = render(request, "activities/_timeline.html",
                          timeline_context(request, candidate, **bound))
        if ok:
            response["HX-Trigger"] = "candidate-changed"
        return response
    if ok:
        return _redirect_to(candidate, "timeline")
    ctx = detail_context(request, _reload(candidate), **bound)
    ctx["open_tab"] = prefix
    return render(request, "candidates/detail.html", ctx, status=400)


@pipeline_required
@require_POST
def note_add(request, uuid):
    return _add(request, uuid, NoteForm, "note", lambda c, d: actions.do_add_note(
        c, actor=request.user, body=d["body"], application=d.get("application"),
        occurred_at=d.get("occurred_at"),
    ))


@pipeline_required
@require_POST
def call_add(request, uuid):
    return _add(request, uuid, CallForm, "call", lambda c, d: actions.do_log_call(
        c, actor=request.user, outcome=d["outcome"], direction=d["direction"],
        duration_minutes=d.get("duration_minutes"), body=d.get("body") or "",
        application=d.get("application"), occurred_at=d.get("occurred_at"),
    ))


@pipeline_required
@require_POST
def meeting_add(request, uuid):
    return _add(request, uuid, MeetingForm, "meeting", lambda c, d: actions.do_log_meeting(
        c, actor=request.user, subject=d["subject"], body=d.get("body") or "",
        duration_minutes=d.get("duration_minutes"), application=d.get("application"),
        occurred_at=d.get("occurred_at"),
    ))


@member_required
def timeline(request, uuid):
    """Older timeline entries: a fragment for htmx "Show older", a page without JavaScript."""
    candidate = get_candidate(request, uuid)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    ctx = timeline_context(request, candidate, page)
    if request.htmx:
        return render(request, "activities/_timeline_entries.html", ctx)
    ctx["nav"] = "candidates"
    return render(request, "activities/timeline.html", ctx)
