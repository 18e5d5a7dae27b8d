from django.conf import settings
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import OrgOwned, OrgQuerySet

from .choices import DispositionReason, StageKind

# The default pipeline every organization starts with: (name, kind).
DEFAULT_STAGES = [
    ("Sourced", StageKind.ACTIVE),
    ("Contacted", StageKind.ACTIVE),
    ("Engaged", StageKind.ACTIVE),
    ("Screened", StageKind.ACTIVE),
    ("Interview / site visit", StageKind.ACTIVE),
    ("Offer", StageKind.ACTIVE),
    ("Hired", StageKind.HIRED),
    ("Started", StageKind.HIRED),
    ("Rejected", StageKind.REJECTED),
    ("Withdrawn", StageKind.WITHDRAWN),
]


class Stage(OrgOwned):
    """A pipeline stage. Stages are data: an organization can rename, add or reorder them."""

    name = models.CharField(max_length=60)
    sequence = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=StageKind, default=StageKind.ACTIVE)

    class Meta:
        ordering = ["sequence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="stage_name_unique_in_org"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.ACTIVE

    @property
    def needs_reason(self) -> bool:
        return self.kind in (StageKind.REJECTED, StageKind.WITHDRAWN)


class ApplicationQuerySet(OrgQuerySet):
    # A hiring manager sees the applications to their jobs (read from `job` by tenancy).

    def open(self):
        return self.filter(stage__kind=StageKind.ACTIVE)


class Application(OrgOwned):
    """A candidate in one job's pipeline: stage, owner and the next action that is due."""

    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="applications"
    )
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="applications")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="applications")
    stage_entered_at = models.DateTimeField(default=timezone.now)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_applications",
    )
    next_action = models.CharField(max_length=200, blank=True)
    next_action_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    disposition_reason = models.CharField(max_length=30, choices=DispositionReason, blank=True)
    disposition_note = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "job"], name="application_unique_per_job")
        ]
        indexes = [
            models.Index(fields=["owner", "next_action_due_at"], name="app_owner_due"),
            models.Index(fields=["job", "stage"], name="app_job_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} → {self.job}"

    @property
    def is_overdue(self) -> bool:
        return bool(self.next_action_due_at and self.next_action_due_at < timezone.now())


class StageChange(OrgOwned):
    """One move of an application between stages: from, to, who, when, why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.CharField(max_length=30, choices=DispositionReason, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"
