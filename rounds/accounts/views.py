"""Sign-in, settings, users and invitations, the employer profile, sites and API tokens."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rounds.lib.permissions import admin_required, can_admin, can_edit, member_required
from rounds.lib.public import absolute
from rounds.lib.tenancy import access_object

from . import actions, hooks
from .choices import AccountEmail, Role
from .forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    EmployerProfileForm,
    InviteForm,
    OrganizationForm,
    RoleForm,
    SiteForm,
    add_action_errors,
)
from .middleware import start_session
from .models import ApiToken, Invitation, Site, TwoFactorDevice, User

log = logging.getLogger(__name__)

# --- sign in / out -----------------------------------------------------------------------------

class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link or an image tag can't sign someone out."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You're signed out.")
        return response


@member_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
        update_session_auth_hash(request, user)  # stay signed in on this device
        messages.success(request, "Your password is changed.")
        return redirect("accounts:password")
    return render(request, "accounts/password.html", {"form": form, "nav": "account"})


# --- settings home -----------------------------------------------------------------------------

@admin_required
def settings_home(request):
    org = request.user.organization
    users = User.objects.visible_to(request.user).aggregate(
        active=Count("pk", filter=Q(is_active=True)),
        inactive=Count("pk", filter=Q(is_active=False)),
    )
    context = {
        "nav": "settings",
        "org": org,
        "user_counts": users,
        "pending_count": actions.pending_invitations(org.pk).filter(
            expires_at__gt=timezone.now()).count(),
        "site_count": Site.objects.visible_to(request.user).filter(is_active=True).count(),
        "token_count": ApiToken.objects.visible_to(request.user).filter(
            user=request.user, revoked_at__isnull=True).count(),
        "profile": actions.employer_profile_for(org.pk),
        **hooks.settings_context(request),
    }
    return render(request, "accounts/settings.html", context)


# --- users and roles ---------------------------------------------------------------------------

@admin_required
def users(request):
    from . import mail

    people = list(User.objects.visible_to(request.user)
                  .annotate(has_two_factor=Exists(TwoFactorDevice.objects.filter(
                      user=OuterRef("pk"))))
                  .order_by("-is_active", "first_name", "last_name", "email"))
    resets = mail.latest(AccountEmail.PASSWORD_RESET, [p.pk for p in people])
    for person in people:  # a reset link the mail server refused is told here
        found = resets.get(person.pk)
        person.reset_problem = found[2] if found and found[0] in ("failed", "dropped") else ""
    return render(request, "accounts/users.html", {
        "nav": "settings",
        "people": people,
        "roles": Role.choices,
        "active_admins": User.objects.active_admins(request.user.organization_id).count(),
    })


@admin_required
@require_POST
def user_role(request, pk: int):
    person = access_object(User, request.user, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles in the list.")
        return redirect("accounts:users")
    try:
        with transaction.atomic():
            actions.do_change_role(person, form.cleaned_data["role"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{person} is now {person.get_role_display().lower()}.")
    return redirect("accounts:users")


@admin_required
@require_POST
def user_active(request, pk: int):
    person = access_object(User, request.user, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        with transaction.atomic():
            actions.do_set_user_active(person, active, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if active:
            messages.success(request, f"{person} can sign in again.")
        else:
            messages.success(request, f"{person} is deactivated and can no longer sign in.")
    return redirect("accounts:users")


# --- invitations -------------------------------------------------------------------------------

def _accept_url(request, invitation: Invitation) -> str:
    return absolute(reverse("accounts:accept", args=[invitation.token]))


def _send_invitation(request, invitation: Invitation) -> bool:
    """Queue the invitation's email through the outbox (the worker sends it and retries a mail
    server that is down); the pending list says how it went."""
    with transaction.atomic():
        actions.send_invitation_email(invitation, accept_url=_accept_url(request, invitation))
    return True


def _with_email_status(invitations) -> list[Invitation]:
    """Each invitation with how its latest email went. The link is shown only when the email
    could not carry it (failed or refused): a link the inviter can open would let them learn
    whether the address has an account elsewhere."""
    from . import mail

    invitations = list(invitations)
    emails = mail.latest(AccountEmail.INVITATION, [inv.pk for inv in invitations])
    out = []
    for inv in invitations:
        found = emails.get(inv.pk)
        inv.email_status = found[1] if found else ""
        inv.email_problem = found[2] if found and found[0] in ("failed", "dropped") else ""
        inv.share_link = _accept_url(None, inv) if inv.email_problem else ""
        out.append(inv)
    return out


@admin_required
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                invitation = actions.do_invite_user(
                    request.user.organization, email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"], actor=request.user,
                )
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            if _send_invitation(request, invitation):
                messages.success(
                    request, f"Invitation to {invitation.email} as "
                             f"{invitation.get_role_display().lower()} is on its way.")
            return redirect("accounts:invite")
    invitations = _with_email_status(
        Invitation.objects.visible_to(request.user)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related("invited_by"))
    return render(request, "accounts/invite.html", {
        "nav": "settings", "form": form, "invitations": invitations,
    })


@admin_required
@require_POST
def invite_revoke(request, pk: int):
    invitation = access_object(Invitation, request.user, pk=pk)
    try:
        with transaction.atomic():
            actions.do_revoke_invitation(invitation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The invitation for {invitation.email} is revoked; "
                                  "its link no longer works.")
    return redirect("accounts:invite")


@admin_required
@require_POST
def invite_resend(request, pk: int):
    invitation = access_object(Invitation, request.user, pk=pk)
    if not invitation.is_usable:
        messages.error(request, "That invitation can no longer be used; invite them again.")
    elif _send_invitation(request, invitation):
        messages.success(request, f"Invitation to {invitation.email} is on its way again.")
    return redirect("accounts:invite")


def accept(request, token):
    """The invitee's page: no sign-in needed; the token alone decides organization and role."""
    invitation = (Invitation.objects.select_related("organization", "invited_by")
                  .filter(token=token).first())
    if invitation is None:
        return render(request, "accounts/invitation_unusable.html",
                      {"reason": "unknown"}, status=404)
    if not invitation.is_usable:
        return render(request, "accounts/invitation_unusable.html",
                      {"reason": invitation.status, "invitation": invitation}, status=410)
    if request.user.is_authenticated:
        return render(request, "accounts/invitation_unusable.html",
                      {"reason": "signed_in", "invitation": invitation}, status=409)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                # Lock the row: two tabs accepting at once create one account.
                locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
                user = actions.do_accept_invitation(
                    locked, password=form.cleaned_data["password"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # used or expired meanwhile
                invitation.refresh_from_db()
                return render(request, "accounts/invitation_unusable.html",
                              {"reason": invitation.status, "invitation": invitation},
                              status=410)
            add_action_errors(form, exc)
        else:
            start_session(request, user)
            messages.success(request, f"Welcome to {invitation.organization.name}, "
                                      f"{user.first_name}.")
            return redirect("today")
    return render(request, "accounts/accept.html", {"invitation": invitation, "form": form})


# --- organization and employer profile ---------------------------------------------------------

@member_required
def employer(request):
    org = request.user.organization
    profile = actions.employer_profile_for(org.pk)
    editable = can_edit(request.user)
    if request.method == "POST" and not editable:
        raise PermissionDenied("Your role can read the employer profile but not change it.")
    form = EmployerProfileForm(request.POST or None, instance=profile) if editable else None
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                actions.do_update_employer_profile(profile, actor=request.user,
                                                   **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, "Employer profile saved.")
            return redirect("accounts:employer")
    return render(request, "accounts/employer.html", {
        "nav": "settings" if can_admin(request.user) else "",
        "org": org, "profile": profile, "form": form,
    })


@admin_required
def organization(request):
    org = request.user.organization
    form = OrganizationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                actions.do_update_organization(org, actor=request.user, **{
                    k: form.cleaned_data[k] for k in actions.ORGANIZATION_FIELDS})
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, "Organization details saved.")
            return redirect("accounts:organization")
    return render(request, "accounts/organization.html", {"nav": "settings", "form": form,
                                                          "org": org})


# --- sites -------------------------------------------------------------------------------------

def _placed_message(request, site: Site, place) -> None:
    if place:
        where = ", ".join(p for p in (place.city, place.region, place.country) if p)
        messages.success(request, f"{site.name} saved — placed at {where} "
                                  f"({place.time_zone or 'time zone unknown'}).")
    else:
        messages.warning(request, f"{site.name} saved, but we couldn't place it on the map from "
                                  "its postal code or city. Check them, or distances to this "
                                  "site won't be known.")


@member_required
def sites(request):
    rows = Site.objects.visible_to(request.user).order_by("-is_active", "name")
    return render(request, "accounts/sites.html", {
        "nav": "settings" if can_admin(request.user) else "", "sites": rows,
    })


@member_required
def site_create(request):
    if not can_edit(request.user):
        raise PermissionDenied("Only recruiters and admins can manage sites.")
    form = SiteForm(request.POST or None, initial={"country": request.user.organization.country})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                site, place = actions.do_create_site(
                    request.user.organization_id, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            _placed_message(request, site, place)
            return redirect("accounts:sites")
    return render(request, "accounts/site_form.html", {"nav": "settings", "form": form,
                                                       "site": None})


@member_required
def site_edit(request, pk: int):
    site = access_object(Site, request.user, pk=pk)
    if not can_edit(request.user):
        if request.method == "POST":
            raise PermissionDenied("Only recruiters and admins can manage sites.")
        return render(request, "accounts/site_detail.html", {"site": site, "nav": ""})
    form = SiteForm(request.POST or None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                site, place = actions.do_update_site(site, actor=request.user,
                                                     **form.cleaned_data)
        except ValidationError as exc:
            add_action_errors(form, exc)
        else:
            _placed_message(request, site, place)
            return redirect("accounts:sites")
    return render(request, "accounts/site_form.html", {"nav": "settings", "form": form,
                                                       "site": site})


# --- API tokens --------------------------------------------------------------------------------

@member_required
def tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            token, new_key = actions.do_create_api_token(request.user, form.cleaned_data["name"])
        form = ApiTokenForm()
    mine = ApiToken.objects.visible_to(request.user).filter(user=request.user).order_by(
        "revoked_at", "-created_at")
    response = render(request, "accounts/tokens.html", {
        "nav": "account", "form": form, "tokens": mine, "new_key": new_key,
        "api_docs": reverse("api-1:openapi-view"),
    })
    if new_key:
        response["Cache-Control"] = "no-store"  # the key is on this page only
    return response


@member_required
@require_POST
def token_revoke(request, pk: int):
    try:
        token = ApiToken.objects.visible_to(request.user).get(pk=pk, user=request.user)
    except ApiToken.DoesNotExist:
        raise Http404("Not found") from None
    with transaction.atomic():
        actions.do_revoke_api_token(token, actor=request.user)
    messages.success(request, f"Token “{token.name}” is revoked; requests with it now get 401.")
    return redirect("accounts:tokens")
