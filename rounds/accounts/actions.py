"""Organizations, users, invitations, API tokens."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import slugify

from rounds.audit.actions import diff, record
from rounds.audit.choices import AuditAction
from rounds.lib.contact import ContactError, normalize_phone
from rounds.lib.geo import Place, locate

from . import hooks
from .choices import AccountEmail, CompensationModel, PracticeModel, Role
from .mail import send_account_email, send_to_user
from .models import ApiToken, EmployerProfile, Invitation, Organization, Site, User


def do_create_organization(*, name: str, owner_email: str, owner_password: str,
                           owner_first_name: str = "", owner_last_name: str = "",
                           slug: str = "", **fields) -> tuple[Organization, User]:
    """A new tenant with its employer profile, default pipeline and first owner."""
    org = Organization.objects.create(name=name, slug=slug or slugify(name)[:60], **fields)
    EmployerProfile.objects.create(organization=org)
    hooks.organization_created(org)
    owner = User.objects.create_user(
        username=owner_email.lower(), email=owner_email.lower(), password=owner_password,
        first_name=owner_first_name, last_name=owner_last_name, organization=org, role=Role.ADMIN,
    )
    return org, owner


def do_invite_user(organization: Organization, *, email: str, role: str, actor: User,
                   via: str = "web") -> Invitation:
    """A pending invitation (replacing any earlier pending one for the same email)."""
    if actor.organization_id != organization.pk or actor.role != Role.ADMIN:
        raise PermissionDenied("Only an owner or admin can invite people.")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    # Only a member of this organization is an error: an account elsewhere is none of the
    # inviter's business, so that invitation is made like any other (its email explains).
    if User.objects.filter(email__iexact=email, organization=organization).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    if role not in Role.values:
        raise ValidationError({"role": "Unknown role."})
    # A new invitation replaces an earlier pending one: the old link stops working.
    Invitation.objects.filter(
        organization=organization, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, invited_by=actor
    )
    record(actor=actor, action=AuditAction.CREATE, obj=invitation, via=via,
           changes={"email": [None, email], "role": [None, role]})
    return invitation


def do_accept_invitation(invitation: Invitation, *, password: str, first_name: str,
                         last_name: str) -> User:
    if not invitation.is_usable:
        raise ValidationError("This invitation has expired or was already used.")
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError({"email": "Someone with this email already has an account."})
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not first_name:
        errors["first_name"] = ["Enter your first name."]
    if not last_name:
        errors["last_name"] = ["Enter your last name."]
    try:
        validate_password(password, User(email=invitation.email, first_name=first_name,
                                          last_name=last_name))
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        username=invitation.email, email=invitation.email, password=password,
        first_name=first_name, last_name=last_name, organization_id=invitation.organization_id,
        role=invitation.role,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    record(actor=user, action=AuditAction.CREATE, obj=user,
           changes={"role": [None, user.role], "invitation": [None, str(invitation.pk)]})
    return user


def do_create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the key, which is shown once and never stored."""
    key = "rnd_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization_id=user.organization_id, user=user, name=name[:100],
        key_hash=hashlib.sha256(key.encode()).hexdigest(), prefix=key[4:12],
    )
    return token, key


def user_for_api_key(key: str) -> User | None:
    digest = hashlib.sha256(key.encode()).hexdigest()
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=digest, revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or (timezone.now() - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


# --- invitations -------------------------------------------------------------------------------

def send_invitation_email(invitation: Invitation, *, accept_url: str) -> None:
    """Queue the invitation's email through the outbox, in the caller's transaction (the
    worker sends it; a mail server that is down is retried).

    An address that already has an account (in another organization: members of this one can't
    be invited) gets no link, since one address belongs to one organization; the email tells
    its owner so, and the inviter sees the same pending invitation as for anyone else."""
    inviter = invitation.invited_by
    who = f"{inviter} ({inviter.email})" if inviter else "An administrator"
    org = invitation.organization
    role = invitation.get_role_display().lower()
    if User.objects.filter(email__iexact=invitation.email).exists():
        body = (
            f"Hello,\n\n{who} invited you to join {org.name} on Rounds as {role}.\n\n"
            "This address already has a Rounds account with another organization, and an "
            "address can belong to one organization only, so this invitation can't be accepted "
            f"with it. If you'd like to join {org.name}, ask "
            f"{inviter.email if inviter else 'them'} to invite another address of yours.\n\n"
            "If you weren't expecting this, you can ignore this email: nothing has changed.\n"
        )
    else:
        expires = timezone.localtime(invitation.expires_at, zoneinfo.ZoneInfo(org.time_zone))
        body = (
            f"Hello,\n\n{who} invited you to join {org.name} on Rounds as {role}.\n\n"
            f"Accept the invitation and choose your password here:\n{accept_url}\n\n"
            f"The link works once and expires on {expires:%B} {expires.day}, {expires.year}.\n"
            "If you weren't expecting this, you can ignore this email.\n"
        )
    send_account_email(invitation.email, organization_id=invitation.organization_id,
                       subject=f"You're invited to {org.name} on Rounds", body=body,
                       purpose=AccountEmail.INVITATION, ref_id=invitation.pk)


def do_revoke_invitation(invitation: Invitation, *, actor: User, via: str = "web") -> Invitation:
    if actor.organization_id != invitation.organization_id or actor.role != Role.ADMIN:
        raise PermissionDenied("Only an owner or admin can revoke invitations.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation was already accepted; deactivate the user instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record(actor=actor, action=AuditAction.DELETE, obj=invitation, via=via)
    return invitation


def pending_invitations(organization_id: int):
    return (Invitation.objects.for_org(organization_id)
            .filter(accepted_at__isnull=True, revoked_at__isnull=True)
            .select_related("invited_by").order_by("-created_at"))


# --- users and roles ---------------------------------------------------------------------------

def _check_keeps_an_admin(user: User, *, new_role: str, new_active: bool) -> None:
    """An organization must always keep at least one active owner/admin."""
    loses_admin = user.role == Role.ADMIN and user.is_active and (
        new_role != Role.ADMIN or not new_active)
    if not loses_admin:
        return
    others = User.objects.active_admins(user.organization_id).exclude(pk=user.pk)
    if not others.exists():
        raise ValidationError(
            f"{user} is the last active owner/admin of the organization. "
            "Make someone else an owner/admin first."
        )


def do_change_role(user: User, role: str, *, actor: User, via: str = "web") -> User:
    if actor.organization_id != user.organization_id or actor.role != Role.ADMIN:
        raise PermissionDenied("Only an owner or admin can change roles.")
    if role not in Role.values:
        raise ValidationError({"role": "Unknown role."})
    if role == user.role:
        return user
    # Lock the organization's admins so two admins demoting each other can't both succeed.
    list(User.objects.active_admins(user.organization_id).select_for_update())
    _check_keeps_an_admin(user, new_role=role, new_active=user.is_active)
    old = user.role
    user.role = role
    user.save(update_fields=["role"])
    record(actor=actor, action=AuditAction.UPDATE, obj=user, via=via, changes={"role": [old, role]})
    return user


def do_set_user_active(user: User, active: bool, *, actor: User, via: str = "web") -> User:
    if actor.organization_id != user.organization_id or actor.role != Role.ADMIN:
        raise PermissionDenied("Only an owner or admin can deactivate users.")
    if active == user.is_active:
        return user
    list(User.objects.active_admins(user.organization_id).select_for_update())
    _check_keeps_an_admin(user, new_role=user.role, new_active=active)
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(actor=actor, action=AuditAction.UPDATE, obj=user, via=via,
           changes={"is_active": [str(not active), str(active)]})
    if not active:
        # Revoke their API tokens so a later reactivation doesn't silently revive old keys.
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
    return user


# --- organization and employer profile ---------------------------------------------------------

ORGANIZATION_FIELDS = ("name", "country", "time_zone", "distance_unit", "postal_address",
                       "retention_days")
EMPLOYER_PROFILE_FIELDS = (
    "value_proposition", "practice_model", "compensation_model", "compensation_details",
    "overhead_percent", "team_based_care", "admin_support", "emr", "community_points",
)


def do_update_organization(org: Organization, *, actor: User, via: str = "web",
                           **fields) -> Organization:
    if actor.organization_id != org.pk or actor.role != Role.ADMIN:
        raise PermissionDenied("Only an owner or admin can change the organization.")
    unknown = set(fields) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValidationError({k: "This field can't be changed." for k in unknown})
    before = {k: getattr(org, k) for k in ORGANIZATION_FIELDS}
    for key, value in fields.items():
        setattr(org, key, value.strip() if isinstance(value, str) else value)
    org.country = (org.country or "").upper()
    errors = {}
    if not org.name:
        errors["name"] = "Enter the organization's name."
    if org.time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = "Choose a time zone such as America/Edmonton."
    if org.retention_days is None or not (30 <= int(org.retention_days) <= 3650):
        errors["retention_days"] = "Keep data between 30 and 3650 days."
    if errors:
        raise ValidationError(errors)
    org.full_clean(exclude=["slug"])
    org.save(update_fields=[*fields.keys()] if fields else None)
    changes = diff(before, {k: getattr(org, k) for k in ORGANIZATION_FIELDS})
    if changes:
        record(actor=actor, action=AuditAction.UPDATE, obj=org, organization_id=org.pk, via=via,
               changes=changes)
    return org


def employer_profile_for(organization_id: int) -> EmployerProfile:
    profile, _ = EmployerProfile.objects.get_or_create(organization_id=organization_id)
    return profile


def do_update_employer_profile(profile: EmployerProfile, *, actor: User, via: str = "web",
                               **fields) -> EmployerProfile:
    if actor.organization_id != profile.organization_id or actor.role not in (
            Role.ADMIN, Role.RECRUITER):
        raise PermissionDenied("Only recruiters and admins can change the employer profile.")
    unknown = set(fields) - set(EMPLOYER_PROFILE_FIELDS)
    if unknown:
        raise ValidationError({k: "Unknown field." for k in unknown})
    before = {k: getattr(profile, k) for k in EMPLOYER_PROFILE_FIELDS}
    errors = {}
    for key, value in fields.items():
        if value is None and key != "overhead_percent":
            value = ""
        if isinstance(value, str):
            value = value.strip()
        setattr(profile, key, value)
    if profile.practice_model and profile.practice_model not in PracticeModel.values:
        errors["practice_model"] = f"Choose one of: {', '.join(PracticeModel.values)}."
    if profile.compensation_model and profile.compensation_model not in CompensationModel.values:
        errors["compensation_model"] = f"Choose one of: {', '.join(CompensationModel.values)}."
    if profile.overhead_percent not in (None, ""):
        try:
            pct = Decimal(str(profile.overhead_percent))
        except (InvalidOperation, ValueError):
            errors["overhead_percent"] = "Enter a percentage such as 30 or 27.5."
        else:
            if not pct.is_finite() or not (0 <= pct <= 100):
                errors["overhead_percent"] = "Overhead is a percentage between 0 and 100."
            else:
                profile.overhead_percent = pct.quantize(Decimal("0.01"))
    else:
        profile.overhead_percent = None
    if errors:
        raise ValidationError(errors)
    profile.full_clean(exclude=["organization"])
    profile.save()
    changes = diff(before, {k: getattr(profile, k) for k in EMPLOYER_PROFILE_FIELDS})
    if changes:
        record(actor=actor, action=AuditAction.UPDATE, obj=profile, via=via, changes=changes)
    return profile


# --- sites -------------------------------------------------------------------------------------

SITE_FIELDS = ("name", "address_line", "city", "region", "postal_code", "country", "phone",
               "is_active")


def _apply_site_fields(site: Site, fields: dict) -> Place | None:
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise ValidationError({k: "Unknown field." for k in unknown})
    for key, value in fields.items():
        if value is None and key != "is_active":
            value = ""
        setattr(site, key, value.strip() if isinstance(value, str) else value)
    site.country = (site.country or "").upper()
    site.region = (site.region or "").upper() if len(site.region or "") <= 3 else site.region
    site.postal_code = (site.postal_code or "").upper()
    errors = {}
    if not site.name:
        errors["name"] = "Give the site a name."
    elif (Site.objects.for_org(site.organization_id).filter(name__iexact=site.name)
          .exclude(pk=site.pk).exists()):
        errors["name"] = f"There is already a site named \u201c{site.name}\u201d."
    if len(site.country) != 2 or not site.country.isalpha():
        errors["country"] = "Use a two-letter country code such as CA or US."
    elif site.phone:
        try:
            site.phone = normalize_phone(site.phone, site.country)
        except ContactError as exc:
            errors["phone"] = str(exc)
    if errors:
        raise ValidationError(errors)
    site.full_clean(exclude=["organization", "latitude", "longitude", "time_zone"],
                    validate_constraints=False)
    place = locate(postal_code=site.postal_code, city=site.city, region=site.region,
                   country=site.country)
    if place:
        site.latitude, site.longitude, site.time_zone = place.latitude, place.longitude, \
            place.time_zone
    else:
        site.latitude = site.longitude = None
        site.time_zone = ""
    return place


def do_create_site(organization_id: int, *, actor: User, via: str = "web",
                   **fields) -> tuple[Site, Place | None]:
    """A new site, placed offline from its postal code or city (None when it can't be placed)."""
    if actor.organization_id != organization_id or actor.role not in (Role.ADMIN, Role.RECRUITER):
        raise PermissionDenied("Only recruiters and admins can manage sites.")
    site = Site(organization_id=organization_id)
    place = _apply_site_fields(site, fields)
    site.save()
    record(actor=actor, action=AuditAction.CREATE, obj=site, via=via,
           changes={k: [None, str(getattr(site, k))] for k in SITE_FIELDS})
    return site, place


def do_update_site(site: Site, *, actor: User, via: str = "web",
                   **fields) -> tuple[Site, Place | None]:
    if actor.organization_id != site.organization_id or actor.role not in (
            Role.ADMIN, Role.RECRUITER):
        raise PermissionDenied("Only recruiters and admins can manage sites.")
    before = dict(Site.objects.filter(pk=site.pk).values(*SITE_FIELDS).first() or {})
    place = _apply_site_fields(site, fields)
    site.save()
    changes = diff(before, {k: getattr(site, k) for k in SITE_FIELDS})
    if changes:
        record(actor=actor, action=AuditAction.UPDATE, obj=site, via=via, changes=changes)
    return site, place


# --- API tokens --------------------------------------------------------------------------------

def do_revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    if token.user_id != actor.pk:
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# --- sign-in security: password resets, two-factor sign-in, the sign-in policy -------------------

def _valid_ip(ip: str | None) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address((ip or "").strip()))
    except ValueError:
        return None


def record_sign_in_refused(email: str, reason: str, *, ip: str | None = None) -> None:
    """Put a refused sign-in in the audit log of the account's organization. An email with no
    account (or no organization) has no log to go in and is only counted by the throttle."""
    user = (User.objects.filter(email__iexact=(email or "").strip(),
                                organization__isnull=False).first())
    if user is None:
        return
    if not user.is_active and reason == "wrong password":
        reason = "the account is deactivated"
    record(actor=None, action=AuditAction.UPDATE, obj=user, organization_id=user.organization_id,
           changes={"sign_in": f"refused: {reason}"}, ip_address=_valid_ip(ip))


def record_sign_in_used_recovery_code(user: User, *, left: int, ip: str | None = None) -> None:
    if user.organization_id:
        record(actor=user, action=AuditAction.UPDATE, obj=user, ip_address=_valid_ip(ip),
               changes={"sign_in": f"with a recovery code ({left} left)"})


def password_reset_link(user: User) -> str:
    """A link that lets `user` choose a new password: Django's token, which stops working once
    the password changes or the user signs in, and after PASSWORD_RESET_TIMEOUT seconds. Built
    on PUBLIC_URL, never on the request's Host header (which a sender can forge)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("accounts:password_reset_confirm",
                   args=[uid, default_token_generator.make_token(user)])
    return settings.PUBLIC_URL + path


def reset_link_minutes() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


def do_send_password_reset(user: User, *, actor: User | None = None, ip: str | None = None,
                           via: str = "web") -> None:
    """Email `user` a link to choose a new password, asked for by themselves (actor None) or by
    an owner/admin of their organization. Raises when the mail server refuses."""
    if actor is not None and (actor.organization_id != user.organization_id
                              or actor.role != Role.ADMIN):
        raise PermissionDenied("Only an owner or admin can send someone a password reset link.")
    if not user.is_active:
        raise ValidationError(f"{user} is deactivated; reactivate them first.")
    org = user.organization
    where = f" at {org.name}" if org else ""
    if actor is None:
        why = (f"Someone (we hope you) asked to reset the password of your Rounds account "
               f"{user.email}{where}.")
        tail = "If it wasn't you, ignore this email: your password stays as it is."
    else:
        why = (f"{actor} ({actor.email}), an administrator{where}, sent you this link to choose "
               f"a new password for your Rounds account {user.email}.")
        tail = (f"Your current password works until you choose a new one. Questions? Ask "
                f"{actor.email}.")
    body = (
        f"Hello {user.first_name or user.email},\n\n{why}\n\n"
        f"Choose a new password here:\n{password_reset_link(user)}\n\n"
        f"The link works once and expires in {reset_link_minutes()} minutes. {tail}\n"
    )
    record(actor=actor, action=AuditAction.UPDATE, obj=user,
           organization_id=user.organization_id, via=via, ip_address=_valid_ip(ip),
           changes={"password_reset": "link sent by email"
                    + (" by an administrator" if actor else ", asked for on the sign-in page")})
    send_to_user(user, subject="Choose a new password for Rounds", body=body,
                 purpose=AccountEmail.PASSWORD_RESET)


def do_complete_password_reset(user: User, *, ip: str | None = None) -> None:
    """After a reset link set a new password: forget the account's failed sign-ins (this is
    the way back for someone locked out) and log it."""
    from . import throttle

    throttle.clear_account(user.email, user.pk)
    if user.organization_id:
        record(actor=user, action=AuditAction.UPDATE, obj=user, ip_address=_valid_ip(ip),
               changes={"password": "changed with an emailed reset link"})


def _make_recovery_codes(user: User) -> list[str]:
    from . import twofactor
    from .models import RecoveryCode

    codes = twofactor.new_recovery_codes()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=twofactor.recovery_hash(user.pk, c)) for c in codes)
    return codes


def do_enable_two_factor(user: User, *, secret: str, step: int) -> list[str]:
    """Turn on two-factor sign-in with an authenticator the user has just proved with a code
    of time step `step` (or replace their authenticator). Returns ten new recovery codes, to
    show once."""
    from .models import TwoFactorDevice

    replaced = TwoFactorDevice.objects.filter(user=user).exists()
    TwoFactorDevice.objects.update_or_create(user=user, defaults={
        "secret": secret, "confirmed_at": timezone.now(), "last_used_step": step})
    codes = _make_recovery_codes(user)
    if user.organization_id:
        record(actor=user, action=AuditAction.UPDATE, obj=user,
               changes={"two_factor": "new authenticator app" if replaced else ["off", "on"]})
    return codes


def do_new_recovery_codes(user: User) -> list[str]:
    """Ten new recovery codes in place of the old ones (which stop working)."""
    from . import twofactor

    if not twofactor.has_two_factor(user):
        raise ValidationError("Two-factor sign-in is off; there are no recovery codes to renew.")
    codes = _make_recovery_codes(user)
    if user.organization_id:
        record(actor=user, action=AuditAction.UPDATE, obj=user,
               changes={"recovery_codes": "10 new codes; the old ones no longer work"})
    return codes


def _remove_two_factor(user: User) -> bool:
    from .models import RecoveryCode, TwoFactorDevice

    removed, _ = TwoFactorDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    return bool(removed)


def do_disable_two_factor(user: User) -> None:
    """The user turns two-factor sign-in off (the view has checked their password)."""
    if user.organization and user.organization.require_two_factor:
        raise ValidationError(
            f"{user.organization.name} requires two-factor sign-in, so it can't be turned off. "
            "To move to a new phone, set up the new authenticator app: it replaces the old one.")
    if _remove_two_factor(user) and user.organization_id:
        record(actor=user, action=AuditAction.UPDATE, obj=user,
               changes={"two_factor": ["on", "off"]})


def do_reset_two_factor(user: User, *, actor: User, via: str = "web") -> None:
    """An owner/admin removes someone's authenticator (a lost phone): they sign in with their
    password alone, or set up a new one first if the organization requires it."""
    if actor.organization_id != user.organization_id or actor.role != Role.ADMIN:
        raise PermissionDenied("Only an owner or admin can reset someone's two-factor sign-in.")
    if actor.pk == user.pk:
        raise ValidationError("Turn your own two-factor sign-in off from your account page; "
                              "it asks for your password.")
    if not _remove_two_factor(user):
        raise ValidationError(f"{user} doesn't use two-factor sign-in.")
    record(actor=actor, action=AuditAction.UPDATE, obj=user, via=via,
           changes={"two_factor": ["on", "off (reset by an administrator)"]})


SIGN_IN_POLICY_FIELDS = ("require_two_factor", "session_idle_minutes", "session_max_hours")


def do_update_sign_in_policy(org: Organization, *, actor: User, via: str = "web",
                             **fields) -> Organization:
    """Two-factor requirement and session limits of the organization (owners/admins)."""
    from .models import SESSION_IDLE_MINUTES, SESSION_MAX_HOURS

    if actor.organization_id != org.pk or actor.role != Role.ADMIN:
        raise PermissionDenied("Only an owner or admin can change how people sign in.")
    unknown = set(fields) - set(SIGN_IN_POLICY_FIELDS)
    if unknown:
        raise ValidationError({k: "This field can't be changed." for k in unknown})
    before = {k: getattr(org, k) for k in SIGN_IN_POLICY_FIELDS}
    for key, value in fields.items():
        setattr(org, key, value)
    errors = {}
    low, high = SESSION_IDLE_MINUTES
    if org.session_idle_minutes is None or not low <= int(org.session_idle_minutes) <= high:
        errors["session_idle_minutes"] = f"Choose between {low} and {high} minutes."
    low, high = SESSION_MAX_HOURS
    if org.session_max_hours is None or not low <= int(org.session_max_hours) <= high:
        errors["session_max_hours"] = f"Choose between {low} and {high} hours."
    if errors:
        raise ValidationError(errors)
    org.save(update_fields=list(fields))
    changes = diff(before, {k: getattr(org, k) for k in SIGN_IN_POLICY_FIELDS})
    if changes:
        record(actor=actor, action=AuditAction.UPDATE, obj=org, organization_id=org.pk, via=via,
               changes=changes)
    return org
