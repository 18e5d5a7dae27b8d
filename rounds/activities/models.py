from django.conf import settings
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import CandidateRowQuerySet, OrgOwned

from .choices import ActivityKind, CallOutcome, Direction


class ActivityQuerySet(CandidateRowQuerySet):
    pass


class Activity(OrgOwned):
    """Something that happened with a candidate: a note, call, meeting, message or stage move.
    The candidate timeline is these rows, newest first."""

    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="activities"
    )
    application = models.ForeignKey(
        "pipeline.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    kind = models.CharField(max_length=20, choices=ActivityKind)
    direction = models.CharField(max_length=3, choices=Direction, blank=True, default="")
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    outcome = models.CharField(max_length=20, choices=CallOutcome, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["candidate", "-occurred_at"], name="activity_timeline"),
            models.Index(fields=["organization", "-occurred_at"], name="activity_org_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject or self.body[:40]}"
