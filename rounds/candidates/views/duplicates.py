"""Likely duplicates, "not a duplicate", and merging two records of one person."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from rounds.lib.forms import add_errors
from rounds.lib.permissions import editor_required
from rounds.lib.tenancy import access_object

from ..duplicates import annotate_for_comparison, do_dismiss_duplicate, find_duplicate_groups
from ..merge import (
    OTHER,
    SURVIVOR,
    default_choice,
    differing_fields,
    display_value,
    do_merge_candidates,
    preview_moves,
)
from ..models import Candidate

PAGE_SIZES = (50, 100, 200)


@editor_required
def duplicate_list(request):
    """Pairs of current records that look like one person, side by side."""
    try:
        limit = int(request.GET.get("limit", PAGE_SIZES[0]))
    except ValueError:
        limit = PAGE_SIZES[0]
    limit = max(1, min(limit, PAGE_SIZES[-1]))
    pairs = find_duplicate_groups(request.user.organization_id, limit=limit + 1)
    more = len(pairs) > limit
    pairs = pairs[:limit]
    return render(request, "candidates/duplicates.html", {
        "nav": "candidates",
        "pairs": pairs,
        "more": more,
        "next_limit": min(limit * 2, PAGE_SIZES[-1]) if limit < PAGE_SIZES[-1] else None,
    })


class DismissForm(forms.Form):
    first = forms.UUIDField()
    second = forms.UUIDField()


@editor_required
def duplicate_dismiss(request):
    """POST first, second (UUIDs): the two records are different people."""
    if request.method != "POST":
        return redirect("candidates:duplicates")
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the two records that are not duplicates.")
        return redirect("candidates:duplicates")
    visible = Candidate.objects.visible_to(request.user)
    first = access_object(visible, request.user, uuid=form.cleaned_data["first"])
    second = access_object(visible, request.user, uuid=form.cleaned_data["second"])
    try:
        with transaction.atomic():
            do_dismiss_duplicate(first, second, actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("candidates:duplicates")
    if request.htmx:
        # The pair's card is swapped for this: nothing left to show.
        return HttpResponse("")
    messages.success(request, f"{first} and {second} are marked as different people.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("candidates:duplicates")
    return redirect(target)


def _merge_form_class(survivor: Candidate, other: Candidate, groups):
    fields = {}
    for group in groups:
        fields[group.name] = forms.ChoiceField(
            label=group.label,
            choices=[
                (SURVIVOR, display_value(survivor, group) or "—"),
                (OTHER, display_value(other, group) or "—"),
            ],
            initial=default_choice(survivor, other, group),
            widget=forms.RadioSelect,
            error_messages={"required": "Choose which value the merged record keeps.",
                            "invalid_choice": "Choose one of the two values."},
        )
    return type("MergeForm", (forms.Form,), fields)


@editor_required
def merge(request, survivor, other):
    """Compare two records field by field, choose what the survivor keeps, merge (POST)."""
    visible = Candidate.objects.visible_to(request.user)
    keep = access_object(
        annotate_for_comparison(visible), request.user, uuid=survivor
    )
    gone = access_object(annotate_for_comparison(visible), request.user, uuid=other)

    refusal = None
    if keep.pk == gone.pk:
        refusal = "A record cannot be merged with itself."
    elif keep.merged_into_id:
        refusal = f"{keep} was already merged into another record."
    elif gone.merged_into_id:
        refusal = f"{gone} was already merged into another record."

    groups = differing_fields(keep, gone)
    form_class = _merge_form_class(keep, gone, groups)
    form = form_class(request.POST if request.method == "POST" else None)

    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            with transaction.atomic():
                result = do_merge_candidates(
                    keep, gone, actor=request.user, field_choices=form.cleaned_data
                )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, f"Merged {gone} into {keep}. Moved: {result.summary()}."
            )
            return redirect("candidates:detail", uuid=keep.uuid)

    rows = [
        {
            "field": form[g.name],
            "label": g.label,
            "survivor": display_value(keep, g),
            "other": display_value(gone, g),
            "default": default_choice(keep, gone, g),
        }
        for g in groups
    ]
    return render(request, "candidates/merge.html", {
        "nav": "candidates",
        "survivor": keep,
        "other": gone,
        "rows": rows,
        "form": form,
        "moves": preview_moves(gone, keep) if refusal is None else [],
        "refusal": refusal,
    }, status=409 if refusal and request.method == "POST" else 200)
