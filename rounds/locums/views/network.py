"""The locum network pages: the members (lists, favourite star, joined, vouched by, fatigue
settings), the one-click add of former staff and locums, the lists, one member's settings,
and adding a candidate from their record.

Rows are fetched through `visible_to`/`access_object` (another organization's → 404); writes
need an editor (read-only and hiring managers → 403). A hiring manager sees only the members
who are in the pipelines of their jobs, as with candidates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from rounds.candidates.models import Candidate
from rounds.lib.permissions import can_edit, editor_required, member_required
from rounds.lib.tenancy import access_object

from .. import network
from ..forms import MemberForm, NetworkListForm, form_errors
from ..models import NetworkList, NetworkMember

PAGE_SIZE = 100


def members_visible_to(user):
    return NetworkMember.objects.visible_to(user)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(m for errs in exc.error_dict.values() for e in errs for m in e.messages)
    return " ".join(exc.messages)


@member_required
def member_list(request):
    lists = list(NetworkList.objects.visible_to(request.user).annotate(
        n=Count("members", filter=Q(members__left_on__isnull=True))))
    members = (members_visible_to(request.user)
               .select_related("candidate", "vouched_by")
               .prefetch_related("lists", "muted_lists"))
    show_left = request.GET.get("left") == "1"
    members = members.filter(left_on__isnull=not show_left)
    chosen = None
    if list_id := request.GET.get("list", ""):
        chosen = next((lst for lst in lists if str(lst.pk) == list_id), None)
        members = members.filter(lists=chosen) if chosen else members.none()
    favourites = request.GET.get("favourites") == "1"
    if favourites:
        members = members.filter(is_favourite=True)
    page = Paginator(
        members.order_by("-is_favourite", "candidate__last_name", "candidate__first_name", "id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    former_waiting = 0
    if can_edit(request.user):
        former_waiting = (Candidate.objects.visible_to(request.user).current()
                          .filter(source__in=list(network.FORMER_SOURCES))
                          .exclude(status="do_not_contact")
                          .filter(network_memberships__isnull=True).count())
    return render(request, "locums/network.html", {
        "nav": "locums", "tab": "network", "page_obj": page, "members": page.object_list,
        "lists": lists, "chosen": chosen, "show_left": show_left, "favourites": favourites,
        "querystring_without_page": query.urlencode(), "former_waiting": former_waiting,
        "total": page.paginator.count,
    })


@require_POST
@editor_required
def add_former(request):
    with transaction.atomic():
        added = network.do_add_former(request.user.organization, actor=request.user)
    if added:
        messages.success(request, f"{added} former staff and locum{'s' if added != 1 else ''} "
                                  "joined your network.")
    else:
        messages.info(request, "Every former staff member and locum is already in your network "
                               "(or left it, or asked not to be contacted).")
    return redirect("locums:network")


@member_required
def list_index(request):
    lists = NetworkList.objects.visible_to(request.user).annotate(
        n=Count("members", filter=Q(members__left_on__isnull=True), distinct=True),
        muted=Count("muted_by", distinct=True),
    )
    form = NetworkListForm()
    if request.method == "POST":
        if not can_edit(request.user):
            raise PermissionDenied("Only recruiters and admins can change lists.")
        form = NetworkListForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    created = network.do_create_list(
                        request.user.organization, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, f"List “{created.name}” created.")
                return redirect("locums:lists")
    return render(request, "locums/lists.html", {
        "nav": "locums", "tab": "lists", "lists": lists, "form": form,
    }, status=400 if form.errors else 200)


@require_POST
@editor_required
def list_rename(request, pk: int):
    network_list = access_object(NetworkList, request.user, pk=pk)
    form = NetworkListForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                network.do_rename_list(network_list, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"List renamed to “{network_list.name}”.")
    else:
        messages.error(request, "Give the list a name (at most 120 characters).")
    return redirect("locums:lists")


@require_POST
@editor_required
def list_delete(request, pk: int):
    network_list = access_object(NetworkList, request.user, pk=pk)
    name = network_list.name
    try:
        with transaction.atomic():
            network.do_delete_list(network_list, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"List “{name}” deleted; its members stay in the network.")
    return redirect("locums:lists")


@member_required
def member_detail(request, pk: int):
    if request.method == "POST" and not can_edit(request.user):
        raise PermissionDenied("Only recruiters and admins can change members.")
    member = access_object(
        members_visible_to(request.user).select_related("candidate", "vouched_by"),
        request.user, pk=pk)
    form = MemberForm(member=member)
    if request.method == "POST":
        form = MemberForm(request.POST, member=member)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    network.do_update_member(
                        member, actor=request.user, lists=data["lists"],
                        favourite=data["is_favourite"], vouch_note=data["vouch_note"],
                        weekly_offer_cap=data["weekly_offer_cap"],
                        muted_lists=data["muted_lists"])
            except ValidationError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, f"{member.candidate} saved.")
                return redirect("locums:member", pk=member.pk)
    offers = (member.offers.select_related("shift__site").order_by("-created_at")[:20])
    return render(request, "locums/member.html", {
        "nav": "locums", "tab": "network", "member": member, "form": form, "offers": offers,
        "lists": list(member.lists.all()), "muted": list(member.muted_lists.all()),
    }, status=400 if form.errors else 200)


@require_POST
@editor_required
def member_remove(request, pk: int):
    member = access_object(NetworkMember.objects.select_related("candidate"), request.user, pk=pk)
    with transaction.atomic():
        network.do_remove_member(member, actor=request.user)
    messages.success(request, f"{member.candidate} left the network; their history stays.")
    return redirect("locums:network")


@require_POST
@editor_required
def member_rejoin(request, pk: int):
    member = access_object(NetworkMember.objects.select_related("candidate"), request.user, pk=pk)
    try:
        with transaction.atomic():
            network.do_add_member(member.candidate, actor=request.user)
    except ValidationError as exc:  # e.g. the record was merged into another one
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"{member.candidate} is back in the network.")
    return redirect("locums:member", pk=member.pk)


@require_POST
@editor_required
def add_candidate(request, uuid):
    """Add to network from the candidate's record (a button there posts here)."""
    candidate = access_object(Candidate.objects.current(), request.user, uuid=uuid)
    lists = request.POST.getlist("lists")
    try:
        with transaction.atomic():
            member = network.do_add_member(
                candidate, actor=request.user, lists=lists,
                vouch_note=request.POST.get("vouch_note", ""),
                favourite=request.POST.get("favourite") == "1")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        member = None
    else:
        messages.success(request, f"{candidate} is in your locum network "
                                  f"(since {member.joined_on:%b %-d, %Y}).")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("locums:member", args=[member.pk]) if member else \
            reverse("candidates:detail", kwargs={"uuid": candidate.uuid})
    return redirect(target)


urlpatterns = [
    path("network/", member_list, name="network"),
    path("network/add-former/", add_former, name="add_former"),
    path("network/lists/", list_index, name="lists"),
    path("network/lists/<int:pk>/", list_rename, name="list_rename"),
    path("network/lists/<int:pk>/delete/", list_delete, name="list_delete"),
    path("network/members/<int:pk>/", member_detail, name="member"),
    path("network/members/<int:pk>/remove/", member_remove, name="member_remove"),
    path("network/members/<int:pk>/rejoin/", member_rejoin, name="member_rejoin"),
    path("network/add/<uuid:uuid>/", add_candidate, name="add_candidate"),
]
