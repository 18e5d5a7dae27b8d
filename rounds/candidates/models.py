import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from rounds.lib import jurisdictions
from rounds.lib.codes import CodeError, licence_key, normalize_npi
from rounds.lib.contact import (
    ContactError,
    email_key,
    format_phone,
    normalize_email,
    normalize_phone,
)
from rounds.lib.tenancy import HiringScope, OrgOwned, OrgQuerySet

from .choices import (
    AttachmentKind,
    CandidateStatus,
    CertificationKind,
    Channel,
    ConsentBasis,
    ContactFrequency,
    ContactKind,
    ErasureSource,
    ErasureStatus,
    LicenceStatus,
    Profession,
    Setting,
    Source,
)


class CandidateQuerySet(OrgQuerySet):
    # A hiring manager sees the people in the pipelines of the jobs they are on.
    hiring_scope = HiringScope(person="")

    def visible_to(self, user):
        # An erased record is a tombstone (candidates/erasure.py): nobody opens it again.
        return super().visible_to(user).filter(erased_at__isnull=True)

    def current(self):
        """Candidates that have not been merged into another record nor erased."""
        return self.filter(merged_into__isnull=True, erased_at__isnull=True)

    def with_email(self, key: str, *, organization_id: int | None = None):
        """Candidates with this email (the key: normalized, lower-cased), as their main
        address or a secondary one. The secondary ones are read first (one indexed query), so
        the main query stays an OR of two indexed lookups. Give `organization_id` when the
        caller looks in one organization: the secondary ones are then read from it alone."""
        return self._with_contact(ContactKind.EMAIL, "email_normalized", key, organization_id)

    def with_phone(self, key: str, *, organization_id: int | None = None):
        """Candidates with this phone number (E.164), main or secondary."""
        return self._with_contact(ContactKind.PHONE, "phone_normalized", key, organization_id)

    def _with_contact(self, kind: str, field: str, key: str, organization_id: int | None):
        if not key:
            return self.none()
        points = ContactPoint.objects.filter(kind=kind, value_normalized=key)
        if organization_id is not None:
            points = points.filter(organization_id=organization_id)
        ids = list(points.values_list("candidate_id", flat=True)[:500])
        condition = models.Q(**{field: key})
        if ids:
            condition |= models.Q(pk__in=ids)
        return self.filter(condition)


class Tag(OrgOwned):
    """A label recruiters put on candidates ("ER nocturnist", "francophone", "2025 fair")."""

    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="tag_name_unique_in_org")
        ]

    def __str__(self) -> str:
        return self.name


class Candidate(OrgOwned):
    """A person in the talent pool: one record per person, however many jobs they are in."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    credentials = models.CharField(max_length=60, blank=True, help_text="MD, CCFP, RN, NP…")
    pronouns = models.CharField(max_length=30, blank=True)

    email = models.EmailField(blank=True)
    email_normalized = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    phone = models.CharField(max_length=40, blank=True, help_text="E.164 once saved")
    phone_normalized = models.CharField(max_length=20, blank=True, db_index=True, editable=False)

    profession = models.CharField(max_length=40, choices=Profession, db_index=True)
    headline = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    years_experience = models.PositiveSmallIntegerField(null=True, blank=True)

    city = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=80, blank=True, help_text="Province or state code")
    postal_code = models.CharField(max_length=12, blank=True)
    country = models.CharField(max_length=2, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    willing_to_relocate = models.BooleanField(default=False)
    relocation_radius_km = models.PositiveIntegerField(null=True, blank=True)

    status = models.CharField(
        max_length=20, choices=CandidateStatus, default=CandidateStatus.PASSIVE, db_index=True
    )
    source = models.CharField(max_length=20, choices=Source, default=Source.SOURCED, db_index=True)
    source_detail = models.CharField(
        max_length=200, blank=True, help_text="Which board, event, group or program."
    )
    referred_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    referrer_name = models.CharField(
        max_length=200, blank=True, help_text="Who referred them, when not in the pool."
    )

    # Preferences (what they want).
    preferred_employment_types = models.JSONField(default=list, blank=True)
    preferred_compensation_models = models.JSONField(default=list, blank=True)
    preferred_settings = models.JSONField(default=list, blank=True)
    preferred_schedule = models.CharField(max_length=200, blank=True)
    desired_start = models.DateField(null=True, blank=True)
    minimum_pay = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    # How they want to be reached.
    preferred_channels = models.JSONField(
        default=list,
        blank=True,
        help_text='Channels in order of preference, e.g. ["sms", "email"].',
    )
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    contact_frequency = models.CharField(
        max_length=20, choices=ContactFrequency, default=ContactFrequency.ANY
    )
    muted_topics = models.JSONField(
        default=list, blank=True,
        help_text='Topics they asked not to hear about (outreach Topic values, e.g. ["news"]).',
    )
    languages = models.JSONField(default=list, blank=True)

    tags = models.ManyToManyField(Tag, blank=True, related_name="candidates")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    external_id = models.CharField(max_length=100, blank=True, help_text="ID in another system")
    npi = models.CharField(
        "NPI", max_length=10, blank=True,
        help_text="US National Provider Identifier: 10 digits, checked when saved.",
    )
    import_fingerprint = models.CharField(max_length=40, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged_from"
    )
    # Lower-cased name, specialties, headline, experience and notes: what free-text search reads.
    search_text = models.TextField(blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_activity_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set when the person's data was erased: the row stays as an anonymous tombstone (profession,
    # source, dates) so applications and figures still add up; see candidates/erasure.py.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["organization", "last_name", "first_name"], name="cand_org_name"),
            models.Index(fields=["organization", "latitude", "longitude"], name="cand_org_geo"),
            models.Index(fields=["organization", "external_id"], name="cand_org_external"),
            models.Index(fields=["organization", "npi"], name="cand_org_npi"),
            # Duplicate checks of one organization (the import's, per chunk): the organization
            # in the index, so its rows are found without reading another tenant's. The
            # single-column indexes stay for inbound mail and texts, matched across tenants.
            models.Index(fields=["organization", "email_normalized"], name="cand_org_email"),
            models.Index(fields=["organization", "phone_normalized"], name="cand_org_phone"),
            models.Index(fields=["organization", "import_fingerprint"], name="cand_org_fp"),
            # Every change to a candidate or its rows moves updated_at; matching's index catches
            # up by reading this range (rounds/matching/index.py).
            models.Index(fields=["organization", "updated_at"], name="cand_org_updated"),
            # Search: the list's sort orders over current (not merged) records, id-only, so
            # counts and deep pages read the index alone. See candidates/search.py.
            models.Index(
                fields=["organization", "last_name", "first_name", "id"],
                condition=models.Q(merged_into__isnull=True),
                name="cand_current_name",
            ),
            models.Index(
                fields=["organization", "created_at", "id"],
                condition=models.Q(merged_into__isnull=True),
                name="cand_current_recent",
            ),
            models.Index(
                fields=["organization", "last_activity_at", "id"],
                condition=models.Q(merged_into__isnull=True),
                name="cand_current_activity",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}".strip()

    @property
    def location_display(self) -> str:
        return ", ".join(p for p in (self.city, self.region, self.country) if p)

    def clean_fields(self, exclude=None) -> None:
        """The NPI is normalized first ("1679 576 722" → 1679576722), so its length is
        checked on the ten digits."""
        errors: dict = {}
        try:
            self.npi = normalize_npi(self.npi)
        except CodeError as exc:
            errors["npi"] = [str(exc)]
            exclude = {*(exclude or ()), "npi"}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        """Validate and normalize contact details; raises ValidationError naming the field."""
        errors = {}
        try:
            self.email = normalize_email(self.email)
            self.email_normalized = email_key(self.email)
        except ContactError as exc:
            errors["email"] = str(exc)
        try:
            self.phone = normalize_phone(self.phone, self.country or "CA")
            self.phone_normalized = self.phone
        except ContactError as exc:
            errors["phone"] = str(exc)
        if self.relocation_radius_km and not self.willing_to_relocate:
            self.willing_to_relocate = True
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            errors["quiet_hours_end"] = (
                "Give both the start and the end of quiet hours, or neither."
            )
        bad = [c for c in self.preferred_channels or [] if c not in Channel.values]
        if bad:
            errors["preferred_channels"] = f"Unknown channel: {', '.join(map(str, bad))}."
        if errors:
            raise ValidationError(errors)


class CandidateChild(OrgOwned):
    """Abstract base of the rows that hang off a candidate (licences, experience...)."""

    class Meta:
        abstract = True

    @classmethod
    def visible_queryset(cls, user):
        return cls.objects.filter(candidate__in=Candidate.objects.visible_to(user))


class ContactPoint(CandidateChild):
    """An email address or phone number of a candidate besides the main ones on the record:
    the other record's after a merge, a second number from an import. Nothing is sent to it
    (messages go to the main address); inbound mail and texts from it find the candidate, and
    duplicate checks compare it."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="contact_points"
    )
    kind = models.CharField(max_length=10, choices=ContactKind)
    value = models.CharField(max_length=254, help_text="As stored: the address, or E.164")
    # What lookups compare: the address lower-cased, the number in E.164.
    value_normalized = models.CharField(max_length=254, editable=False)
    note = models.CharField(max_length=200, blank=True, help_text="Where it came from")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "id"]
        indexes = [
            models.Index(fields=["kind", "value_normalized"], name="contact_point_lookup"),
            models.Index(fields=["organization", "kind", "value_normalized"],
                         name="contact_point_org_lookup"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "kind", "value_normalized"], name="contact_point_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """The value as people read it: (403) 555-0142 for a phone."""
        return format_phone(self.value) if self.kind == ContactKind.PHONE else self.value

    def clean(self) -> None:
        """Normalize the value as the candidate's own email or phone would be."""
        try:
            if self.kind == ContactKind.EMAIL:
                self.value = normalize_email(self.value)
                self.value_normalized = email_key(self.value)
            else:
                country = self.candidate.country if self.candidate_id else ""
                self.value = normalize_phone(self.value, country or "CA")
                self.value_normalized = self.value
        except ContactError as exc:
            raise ValidationError({"value": str(exc)}) from None
        if not self.value:
            raise ValidationError({"value": "Give an email address or a phone number."})


class Specialty(CandidateChild):
    """A specialty a candidate practises, as written and, where known, as a NUCC taxonomy code."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="specialties")
    name = models.CharField(max_length=120)
    code = models.CharField(
        max_length=10, blank=True, help_text="NUCC taxonomy code", db_index=True
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class Licence(CandidateChild):
    """A licence to practise in one jurisdiction."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="licences")
    jurisdiction = models.CharField(max_length=8, choices=jurisdictions.CHOICES, db_index=True)
    licence_type = models.CharField(
        max_length=80, blank=True, help_text="E.g. Independent practice"
    )
    number = models.CharField(max_length=60, blank=True)
    # What duplicate checks compare (`lib.codes.licence_key`: letters and digits, upper-cased),
    # kept by save(); writers that bypass it (bulk inserts) set it with the same function.
    number_key = models.CharField(max_length=60, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=LicenceStatus, default=LicenceStatus.ACTIVE)
    issuer = models.CharField(
        max_length=150, blank=True, help_text="E.g. CPSA, Texas Medical Board"
    )
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["jurisdiction"]
        indexes = [
            models.Index(fields=["organization", "number_key"], name="licence_org_number_key"),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.number}".strip()

    def save(self, *args, **kwargs):
        self.number_key = licence_key(self.number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "number_key"}
        super().save(*args, **kwargs)

    @property
    def is_current(self) -> bool:
        if self.status not in (LicenceStatus.ACTIVE, LicenceStatus.PROVISIONAL):
            return False
        return self.expires_on is None or self.expires_on >= timezone.localdate()


class Certification(CandidateChild):
    """A board or college certification (CCFP, FRCPC, ABIM) or a course (ACLS, GCP)."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="certifications"
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(
        max_length=20, choices=CertificationKind, default=CertificationKind.OTHER
    )
    issuer = models.CharField(max_length=150, blank=True)
    obtained_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Experience(CandidateChild):
    """A position held: where, what, when, in which setting; research roles add areas/phases."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="experiences")
    employer = models.CharField(max_length=200)
    role = models.CharField(max_length=200)
    setting = models.CharField(max_length=30, choices=Setting, blank=True)
    location = models.CharField(max_length=150, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Empty while current")
    description = models.TextField(blank=True)
    therapeutic_areas = models.JSONField(default=list, blank=True)
    trial_phases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return f"{self.role}, {self.employer}"


class Education(CandidateChild):
    """A degree, residency or fellowship."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="education")
    institution = models.CharField(max_length=200)
    credential = models.CharField(max_length=120, help_text="MD, BScN, residency, fellowship…")
    field = models.CharField(max_length=120, blank=True)
    graduation_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-graduation_year"]

    def __str__(self) -> str:
        return f"{self.credential}, {self.institution}"


class Availability(CandidateChild):
    """A window when the candidate can work (locum blocks, start dates)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="availability")
    start_date = models.DateField()
    end_date = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_date"]
        verbose_name_plural = "availability"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="availability_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.start_date} – {self.end_date}"


# CASL: how long implied consent lasts.
IMPLIED_CONSENT_DAYS = {
    ConsentBasis.IMPLIED_TRANSACTION: 730,
    ConsentBasis.IMPLIED_INQUIRY: 183,
}


class ConsentRecord(CandidateChild):
    """Consent to contact on one channel: the basis, when and how it was obtained, the evidence.

    Records are never edited: a new record supersedes the old one, so the history stays."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel)
    basis = models.CharField(max_length=30, choices=ConsentBasis)
    obtained_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    evidence = models.TextField(
        blank=True, help_text="Where and how: form, conversation, published page URL."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-obtained_at", "-id"]
        indexes = [
            models.Index(fields=["candidate", "channel", "-obtained_at"], name="consent_lookup")
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.get_basis_display()}"

    def compute_expiry(self):
        days = IMPLIED_CONSENT_DAYS.get(self.basis)
        return self.obtained_at + timedelta(days=days) if days else None

    def is_valid_at(self, when) -> bool:
        if self.basis == ConsentBasis.REVOKED:
            return False
        return self.expires_at is None or self.expires_at > when


def attachment_path(instance, filename):
    folder = f"org_{instance.organization_id}/candidates/{instance.candidate.uuid}"
    return f"{folder}/{uuid.uuid4().hex}/{filename}"


class Attachment(CandidateChild):
    """A document on a candidate's record: CV, licence scan, reference."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=20, choices=AttachmentKind, default=AttachmentKind.CV)
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class DuplicateDismissal(OrgOwned):
    """A recruiter's word that two records that look alike are different people."""

    first = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_dismissal_unique")
        ]


class Erasure(OrgOwned):
    """One erasure of a candidate's personal data: asked for (by the candidate from the
    preference centre, confirmed by the link emailed to them), or ordered by an owner, or by the
    organization's retention period; then carried out. What stays is the tombstone (the
    Candidate row with `erased_at` and every personal field blank) and this row, which says
    who, when and how much was removed, never what."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="erasures"
    )
    source = models.CharField(max_length=20, choices=ErasureSource)
    status = models.CharField(
        max_length=20, choices=ErasureStatus, default=ErasureStatus.REQUESTED
    )
    requested_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text="The owner who erased it; empty when the candidate or the "
        "retention period did.",
    )
    removed = models.JSONField(
        default=dict, blank=True, help_text="How many rows of each kind were removed or blanked."
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"], name="erasure_status")]

    def __str__(self) -> str:
        return f"Erasure {self.pk} ({self.get_status_display()})"


class RetentionRun(OrgOwned):
    """One run of the organization's retention period: candidates with no activity for
    `days` days (before `cutoff`) were anonymised; `erased` says how many."""

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    days = models.PositiveIntegerField()
    cutoff = models.DateTimeField()
    erased = models.PositiveIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text="The owner who ran it; empty for the scheduled run.",
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Retention run of {self.started_at:%Y-%m-%d}: {self.erased} anonymised"
