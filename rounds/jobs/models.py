import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from rounds.candidates.choices import Profession, Setting
from rounds.lib.tenancy import HiringScope, OrgOwned, OrgQuerySet

from .choices import EmploymentType, JobStatus, PayPeriod, RequirementKind


class JobQuerySet(OrgQuerySet):
    hiring_scope = HiringScope(job="")  # a hiring manager sees the jobs they are on

    def open(self):
        return self.filter(status=JobStatus.OPEN)


class Job(OrgOwned):
    """A requisition: a role the organization is hiring for at a site."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    site = models.ForeignKey(
        "accounts.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="jobs"
    )
    profession = models.CharField(max_length=40, choices=Profession)
    specialty = models.CharField(max_length=120, blank=True)
    specialty_code = models.CharField(max_length=10, blank=True, help_text="NUCC taxonomy code")
    employment_type = models.CharField(
        max_length=20, choices=EmploymentType, default=EmploymentType.PERMANENT
    )
    setting = models.CharField(max_length=30, choices=Setting, blank=True)
    licence_jurisdiction = models.CharField(max_length=8, blank=True)
    description = models.TextField(blank=True)
    value_proposition = models.TextField(
        blank=True, help_text="What's in it for them; defaults to the employer profile's."
    )
    pay_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    pay_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    pay_currency = models.CharField(max_length=3, default="CAD")
    pay_period = models.CharField(max_length=10, choices=PayPeriod, default=PayPeriod.YEAR)
    # What pay-transparency laws ask a posting to say (rounds.jobs.audit checks them).
    benefits = models.TextField(
        blank=True, help_text="A general description of the benefits: health, retirement, "
                              "paid time off, CME allowance…"
    )
    apply_by = models.DateField(
        "Applications close on", null=True, blank=True,
        help_text="When the application window is expected to close (Colorado requires it).",
    )
    vacancy_exists = models.BooleanField(
        "Is this an existing vacancy?", null=True, blank=True,
        help_text="No if you are building a pool for openings to come (Ontario asks).",
    )
    ai_screening = models.BooleanField(
        "Is AI used to screen, assess or select applicants?", null=True, blank=True,
        help_text="Ontario requires postings to say so.",
    )
    openings = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=JobStatus, default=JobStatus.OPEN, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_jobs",
    )
    hiring_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="hiring_team_jobs"
    )
    published_on = models.JSONField(
        default=list, blank=True, help_text="Where it is published: career site, boards."
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(
        null=True, blank=True, help_text="Last day, for locum and contract work"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pay_min__isnull=True)
                | models.Q(pay_max__isnull=True)
                | models.Q(pay_max__gte=models.F("pay_min")),
                name="job_pay_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def pay_display(self) -> str:
        """"$280,000–$420,000 CAD per year" (rounds.lib.money), or "" without pay."""
        from rounds.lib.money import money_range

        return money_range(self.pay_min, self.pay_max, self.pay_currency,
                           self.get_pay_period_display())


class Requirement(OrgOwned):
    """One requirement of a job; must-haves (`required`) are kept apart from nice-to-haves."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(max_length=20, choices=RequirementKind, default=RequirementKind.OTHER)
    text = models.CharField(max_length=200)
    required = models.BooleanField(default=True, help_text="Must-have; otherwise nice-to-have")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-required", "position", "id"]

    def __str__(self) -> str:
        return self.text
