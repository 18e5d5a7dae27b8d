"""Organizations, users, invitations, API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import slugify

from rounds.pipeline.actions import ensure_default_stages

from .choices import Role
from .models import ApiToken, EmployerProfile, Invitation, Organization, User


def do_create_organization(*, name: str, owner_email: str, owner_password: str,
                           owner_first_name: str = "", owner_last_name: str = "",
                           slug: str = "", **fields) -> tuple[Organization, User]:
    """A new tenant with its employer profile, default pipeline and first owner."""
    org = Organization.objects.create(name=name, slug=slug or slugify(name)[:60], **fields)
    EmployerProfile.objects.create(organization=org)
    ensure_default_stages(org.pk)
    owner = User.objects.create_user(
        username=owner_email.lower(), email=owner_email.lower(), password=owner_password,
        first_name=owner_first_name, last_name=owner_last_name, organization=org, role=Role.ADMIN,
    )
    return org, owner


def do_invite_user(organization: Organization, *, email: str, role: str, actor: User) -> Invitation:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Someone with this email already has an account."})
    if role not in Role.values:
        raise ValidationError({"role": "Unknown role."})
    Invitation.objects.filter(organization=organization, email=email, accepted_at__isnull=True).delete()
    return Invitation.objects.create(organization=organization, email=email, role=role, invited_by=actor)


def do_accept_invitation(invitation: Invitation, *, password: str, first_name: str,
                         last_name: str) -> User:
    if not invitation.is_usable:
        raise ValidationError("This invitation has expired or was already used.")
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError({"email": "Someone with this email already has an account."})
    user = User.objects.create_user(
        username=invitation.email, email=invitation.email, password=password,
        first_name=first_name, last_name=last_name, organization_id=invitation.organization_id,
        role=invitation.role,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
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
