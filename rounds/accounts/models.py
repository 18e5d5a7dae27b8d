import uuid
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import OrgOwned, OrgQuerySet

from .choices import CompensationModel, DistanceUnit, OrganizationKind, PracticeModel, Role

# Bounds an organization may choose its session limits within (minutes idle, hours in all).
SESSION_IDLE_MINUTES = (5, 24 * 60)
SESSION_MAX_HOURS = (1, 7 * 24)


class Organization(models.Model):
    """A tenant: a clinic group, a health system, a staffing firm. Every record belongs to one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(
        max_length=30, choices=OrganizationKind, default=OrganizationKind.CLINIC_GROUP
    )
    country = models.CharField(max_length=2, default="CA", help_text="ISO 3166-1 alpha-2")
    time_zone = models.CharField(max_length=64, default="America/Edmonton")
    distance_unit = models.CharField(
        max_length=2, choices=DistanceUnit, blank=True, default="",
        help_text="How distances are shown and typed; empty: miles in the US, km elsewhere "
                  "(rounds.lib.units.distance_unit).",
    )
    postal_address = models.CharField(
        max_length=300, blank=True, help_text="Shown in every commercial message (CASL, CAN-SPAM)."
    )
    retention_days = models.PositiveIntegerField(
        default=730, help_text="Inactive candidate data is anonymised after this many days."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Sign-in policy (SignInPolicyMiddleware enforces the session limits on every request).
    require_two_factor = models.BooleanField(
        "Require two-factor sign-in", default=False,
        help_text="Everyone signs in with a code from an authenticator app as well as their "
                  "password; people without one set it up before anything else.",
    )
    session_idle_minutes = models.PositiveIntegerField(
        "Sign out after this many minutes without activity", default=60,
        validators=[MinValueValidator(SESSION_IDLE_MINUTES[0]),
                    MaxValueValidator(SESSION_IDLE_MINUTES[1])],
    )
    session_max_hours = models.PositiveIntegerField(
        "Sign out this many hours after signing in, even when active", default=12,
        validators=[MinValueValidator(SESSION_MAX_HOURS[0]),
                    MaxValueValidator(SESSION_MAX_HOURS[1])],
    )

    def __str__(self) -> str:
        return self.name


class UserQuerySet(models.QuerySet):
    def visible_to(self, user) -> "UserQuerySet":
        """The signed-in user's colleagues: everyone in the same organization."""
        if not user.is_authenticated or not user.organization_id:
            return self.none()
        return self.filter(organization_id=user.organization_id)

    def active_admins(self, organization_id: int) -> "UserQuerySet":
        return self.filter(organization_id=organization_id, role=Role.ADMIN, is_active=True)


class RoundsUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in. Belongs to exactly one organization, with one role in it."""

    email = models.EmailField(unique=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.RECRUITER)
    title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=32, blank=True)

    objects = RoundsUserManager()

    class Meta:
        ordering = ["first_name", "last_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_edit(self) -> bool:
        """Recruiters and admins change records; hiring managers change only their applications."""
        return self.role in (Role.ADMIN, Role.RECRUITER)

    @property
    def can_work_pipeline(self) -> bool:
        """Move applications, set next actions, add notes and calls: everyone but read-only
        (hiring managers on the jobs they are on)."""
        return self.role in (Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER)

    @property
    def is_read_only(self) -> bool:
        return self.role == Role.READ_ONLY

    @property
    def is_hiring_manager(self) -> bool:
        return self.role == Role.HIRING_MANAGER


class InvitationQuerySet(OrgQuerySet):
    def visible_to(self, user):
        qs = super().visible_to(user)
        return qs if user.is_authenticated and user.is_admin else qs.none()


def _invitation_expiry():
    return timezone.now() + timedelta(days=14)


class Invitation(OrgOwned):
    """An owner's invitation for someone to join the organization with a role."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role, default=Role.RECRUITER)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def status(self) -> str:
        """pending, accepted, revoked or expired — what the invitee and the admin are told."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiToken(OrgOwned):
    """A personal API token. Only its SHA-256 is stored; the key is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class EmployerProfile(models.Model):
    """What the organization offers a clinician: the "what's in it for them" every posting and
    message carries."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="employer_profile"
    )
    value_proposition = models.TextField(
        blank=True, help_text="What's in it for them, in two or three sentences."
    )
    practice_model = models.CharField(max_length=30, choices=PracticeModel, blank=True)
    compensation_model = models.CharField(max_length=30, choices=CompensationModel, blank=True)
    compensation_details = models.TextField(
        blank=True,
        help_text="E.g. 70/30 fee-for-service split, overhead 30% capped at $9,000/month.",
    )
    overhead_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    team_based_care = models.TextField(
        blank=True, help_text="Nurses, NPs, pharmacists, social workers on the team."
    )
    admin_support = models.TextField(blank=True, help_text="Front desk, billing, scribe support.")
    emr = models.CharField("EMR", max_length=120, blank=True)
    community_points = models.TextField(
        blank=True, help_text="Schools, outdoors, commute, spouse employment, housing."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Employer profile of {self.organization}"


class Site(OrgOwned):
    """A place where the organization practises: a clinic, hospital, research site."""

    name = models.CharField(max_length=200)
    address_line = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=80, blank=True, help_text="Province or state")
    postal_code = models.CharField(max_length=12, blank=True)
    country = models.CharField(max_length=2, default="CA")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="site_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def one_line_address(self) -> str:
        city = ", ".join(p for p in (self.city, self.region) if p)
        return " · ".join(p for p in (self.address_line, city, self.postal_code) if p)


class TwoFactorDevice(models.Model):
    """A user's authenticator app (TOTP, RFC 6238): the shared secret and the last time step a
    code was accepted for, so a code seen once can't be used again."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor")
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(default=timezone.now)
    last_used_step = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Authenticator of {self.user}"


class RecoveryCode(models.Model):
    """A one-time code that signs in instead of the authenticator's. Only a hash is kept; the
    codes are shown once, when made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"


class SignInCounter(models.Model):
    """One window of the sign-in throttle when there is no Redis (rounds/accounts/throttle.py):
    attempts counted under a key made of keyed hashes of the email and the client's address,
    never the address itself. `window_ends` is Unix time; a row past it counts as absent."""

    key = models.CharField(max_length=100, primary_key=True)
    count = models.IntegerField(default=0)
    window_ends = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
