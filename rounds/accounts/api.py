"""JSON API for the signed-in user, the employer profile, sites, users and invitations.

Mounted at /api/accounts. Errors: 400 {"detail", "errors": {field: [..]}} when an action refuses
the input, 422 when the body doesn't match the schema, 403 when the role doesn't allow it, 404
for anything outside your organization."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from rounds.lib.api import ERRORS, PAGING, ErrorOut, limit_param, offset_param, page_of, paginate
from rounds.lib.permissions import can_admin, can_edit
from rounds.lib.public import absolute
from rounds.lib.tenancy import access_object

from . import actions
from .choices import CompensationModel, PracticeModel, Role
from .models import EmployerProfile, Invitation, Site, User

router = Router(tags=["Accounts"])




def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- me ----------------------------------------------------------------------------------------

class OrganizationOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    country: str
    time_zone: str
    postal_address: str
    retention_days: int


class MeOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    role_label: str
    can_edit: bool
    can_admin: bool
    organization: OrganizationOut


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="The signed-in user")
def me(request):
    user = request.user
    return {
        "id": user.pk, "email": user.email, "first_name": user.first_name,
        "last_name": user.last_name, "role": user.role, "role_label": user.get_role_display(),
        "can_edit": can_edit(user), "can_admin": can_admin(user),
        "organization": user.organization,
    }


# --- employer profile --------------------------------------------------------------------------

class EmployerProfileOut(Schema):
    value_proposition: str
    practice_model: str
    compensation_model: str
    compensation_details: str
    overhead_percent: Decimal | None
    team_based_care: str
    admin_support: str
    emr: str
    community_points: str
    updated_at: datetime


class EmployerProfilePatch(Schema):
    value_proposition: str | None = None
    practice_model: PracticeModel | None = None
    compensation_model: CompensationModel | None = None
    compensation_details: str | None = None
    overhead_percent: Decimal | None = None
    team_based_care: str | None = None
    admin_support: str | None = None
    emr: str | None = None
    community_points: str | None = None


@router.get("/employer-profile", response={200: EmployerProfileOut, **ERRORS},
            summary="The organization's employer profile")
def get_employer_profile(request) -> EmployerProfile:
    return actions.employer_profile_for(request.user.organization_id)


@router.patch("/employer-profile", response={200: EmployerProfileOut, **ERRORS},
              summary="Change the employer profile (recruiters and admins)")
def patch_employer_profile(request, payload: EmployerProfilePatch) -> EmployerProfile:
    _require(can_edit(request.user), "Only recruiters and admins can change the employer profile.")
    fields = payload.model_dump(exclude_unset=True)
    for key in ("practice_model", "compensation_model"):
        if key in fields and fields[key] is None:
            fields[key] = ""
    with transaction.atomic():
        profile = EmployerProfile.objects.select_for_update().get(
            organization_id=request.user.organization_id)
        return actions.do_update_employer_profile(profile, actor=request.user, via="api",
                                                  **fields)


# --- sites -------------------------------------------------------------------------------------

class SiteOut(Schema):
    id: int
    name: str
    address_line: str
    city: str
    region: str
    postal_code: str
    country: str
    phone: str
    is_active: bool
    latitude: float | None
    longitude: float | None
    time_zone: str
    located: bool


class SiteIn(Schema):
    name: str
    address_line: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = "CA"
    phone: str = ""
    is_active: bool = True


class SitePatch(Schema):
    name: str | None = None
    address_line: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    is_active: bool | None = None


def _site_out(site: Site) -> dict:
    return {**{f: getattr(site, f) for f in SiteOut.model_fields if f != "located"},
            "located": site.is_located}


@router.get("/sites", response={200: page_of(SiteOut), **ERRORS},
            summary="The organization's sites", description=PAGING)
def list_sites(request, active: bool | None = None, limit: int = limit_param(),
               offset: int = offset_param()):
    qs = Site.objects.visible_to(request.user).order_by("name", "id")
    if active is not None:
        qs = qs.filter(is_active=active)
    return paginate(qs, limit, offset, request, _site_out)


@router.post("/sites", response={201: SiteOut, **ERRORS},
             summary="Add a site (recruiters and admins); placed offline from its postal code")
def create_site(request, payload: SiteIn):
    _require(can_edit(request.user), "Only recruiters and admins can manage sites.")
    with transaction.atomic():
        site, _place = actions.do_create_site(request.user.organization_id, actor=request.user,
                                              via="api", **payload.model_dump())
    return Status(201, _site_out(site))


@router.get("/sites/{site_id}", response={200: SiteOut, **ERRORS}, summary="One site")
def get_site(request, site_id: int):
    return _site_out(access_object(Site, request.user, pk=site_id))


@router.patch("/sites/{site_id}", response={200: SiteOut, **ERRORS},
              summary="Change a site (recruiters and admins)")
def patch_site(request, site_id: int, payload: SitePatch):
    with transaction.atomic():
        site = access_object(Site.objects.select_for_update(), request.user, pk=site_id)
        _require(can_edit(request.user), "Only recruiters and admins can manage sites.")
        fields = {k: v for k, v in payload.model_dump(exclude_unset=True).items()
                  if not (k == "is_active" and v is None)}
        site, _place = actions.do_update_site(site, actor=request.user, via="api", **fields)
    return _site_out(site)


# --- users -------------------------------------------------------------------------------------

class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    last_login: datetime | None


@router.get("/users", response={200: page_of(UserOut), **ERRORS},
            summary="The organization's users (admins)", description=PAGING)
def list_users(request, limit: int = limit_param(), offset: int = offset_param()):
    _require(can_admin(request.user), "Only owners and admins can list users.")
    return paginate(User.objects.visible_to(request.user)
                    .order_by("first_name", "last_name", "email", "id"), limit, offset, request)


# --- invitations -------------------------------------------------------------------------------

class InvitationOut(Schema):
    id: int
    email: str
    role: Role
    status: str
    created_at: datetime
    expires_at: datetime
    invited_by: str | None
    accept_url: str | None = Field(
        None, description="Only when the invitation email couldn't be sent (failed or refused),"
        " for you to pass on. Otherwise only the invitee gets the link, so that an invitation"
        " can't be used to learn whether an address has an account with another organization.")
    email_status: str | None = Field(
        None, description="How its latest email went: queued, sent, failed, dropped… (the "
        "email goes through the outbox, sent by the worker).")


class InvitationIn(Schema):
    email: str
    role: Role = Role.RECRUITER


def _invitation_out(request, inv: Invitation) -> dict:
    from .choices import AccountEmail
    from .mail import latest

    found = latest(AccountEmail.INVITATION, [inv.pk]).get(inv.pk)
    failed = found is not None and found[0] in ("failed", "dropped")
    return {
        "id": inv.pk, "email": inv.email, "role": inv.role, "status": inv.status,
        "created_at": inv.created_at, "expires_at": inv.expires_at,
        "invited_by": inv.invited_by.email if inv.invited_by else None,
        "accept_url": absolute(reverse("accounts:accept", args=[inv.token])) if failed else None,
        "email_status": found[0] if found else None,
    }


@router.get("/invitations", response={200: page_of(InvitationOut), **ERRORS},
            summary="Invitations not yet accepted or revoked (admins)", description=PAGING)
def list_invitations(request, limit: int = limit_param(), offset: int = offset_param()):
    _require(can_admin(request.user), "Only owners and admins can see invitations.")
    qs = (Invitation.objects.visible_to(request.user)
          .filter(accepted_at__isnull=True, revoked_at__isnull=True).select_related("invited_by")
          .order_by("-created_at", "-id"))
    return paginate(qs, limit, offset, request, lambda inv: _invitation_out(request, inv))


@router.post("/invitations", response={201: InvitationOut, **ERRORS},
             summary="Invite someone with a role and email them the link (admins)")
def create_invitation(request, payload: InvitationIn):
    _require(can_admin(request.user), "Only owners and admins can invite people.")
    with transaction.atomic():
        inv = actions.do_invite_user(request.user.organization, email=payload.email,
                                     role=payload.role, actor=request.user, via="api")
        accept_url = absolute(reverse("accounts:accept", args=[inv.token]))
        actions.send_invitation_email(inv, accept_url=accept_url)  # through the outbox
    return Status(201, _invitation_out(request, inv))


@router.delete("/invitations/{invitation_id}", response={204: None, **ERRORS},
               summary="Revoke an invitation (admins)")
def delete_invitation(request, invitation_id: int):
    _require(can_admin(request.user), "Only owners and admins can revoke invitations.")
    with transaction.atomic():
        inv = access_object(Invitation, request.user, pk=invitation_id)
        actions.do_revoke_invitation(inv, actor=request.user, via="api")
    return Status(204, None)
