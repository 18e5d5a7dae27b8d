"""The audit log: who viewed or changed which candidate, when, and what. Owners/admins only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from rounds.lib.permissions import admin_required

from .actions import candidate_trail, filter_events, format_changes
from .forms import AuditFilterForm
from .models import AuditEvent

PAGE_SIZE = 50


def _events_page(request, queryset, form):
    org = request.user.organization
    if form.is_valid():
        data = form.cleaned_data
        queryset = filter_events(
            queryset,
            actor_id=data["actor"].pk if data.get("actor") else None,
            action=data.get("action") or "",
            candidate_name=data.get("candidate") or "",
            since=data.get("since"),
            until=data.get("until"),
            time_zone=org.time_zone,
        )
    queryset = queryset.select_related("actor", "candidate").order_by("-at", "-id")
    paginator = Paginator(queryset, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for event in page.object_list:
        event.change_lines = format_changes(event.changes)
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@admin_required
def audit_list(request):
    """Every audit event of the organization, newest first, with filters."""
    form = AuditFilterForm(request.GET or None, organization_id=request.user.organization_id)
    page, querystring = _events_page(request, AuditEvent.objects.visible_to(request.user), form)
    return render(request, "audit/list.html", {
        "nav": "audit",
        "form": form,
        "page_obj": page,
        "events": page.object_list,
        "querystring_without_page": querystring,
        "candidate": None,
    })


@admin_required
def audit_candidate(request, uuid):
    """The audit trail of one candidate, including the records merged into them."""
    candidate, ids = candidate_trail(request.user, uuid)
    form = AuditFilterForm(request.GET or None, organization_id=request.user.organization_id)
    form.fields.pop("candidate")
    events = AuditEvent.objects.visible_to(request.user).filter(candidate_id__in=ids)
    page, querystring = _events_page(request, events, form)
    return render(request, "audit/list.html", {
        "nav": "audit",
        "form": form,
        "page_obj": page,
        "events": page.object_list,
        "querystring_without_page": querystring,
        "candidate": candidate,
    })
