"""Respond-now: a reply or an application waiting for its owner, with the organization's
target (30 minutes by default) and a clock. The table keeps the name it had in the outreach
app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import CandidateRowQuerySet, OrgOwned

from .choices import FollowUpKind, FollowUpStatus


class FollowUpQuerySet(CandidateRowQuerySet):
    def open(self):
        return self.filter(status=FollowUpStatus.OPEN)


class FollowUp(OrgOwned):
    """A respond-now item: a reply or an application waiting for its owner, with a target
    (the organization's, 30 minutes by default). Answered by the owner's next message or call;
    the time it took is kept for analytics."""

    kind = models.CharField(max_length=16, choices=FollowUpKind)
    status = models.CharField(max_length=12, choices=FollowUpStatus, default=FollowUpStatus.OPEN)
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="follow_ups"
    )
    application = models.ForeignKey(
        "pipeline.Application", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="follow_ups",
        help_text="The inbound message that opened it.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    response_seconds = models.PositiveIntegerField(null=True, blank=True)
    alerted_soon_at = models.DateTimeField(null=True, blank=True)
    alerted_late_at = models.DateTimeField(null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        db_table = "outreach_followup"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"], name="followup_open"),
            models.Index(fields=["candidate", "status"], name="followup_candidate"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.candidate}"

    @property
    def is_late(self) -> bool:
        end = self.responded_at or timezone.now()
        return end > self.due_at
