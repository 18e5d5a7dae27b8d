"""Outreach: what recruiters write and send to many — message templates, campaigns and
sequences. Messages themselves live in the messaging core (`rounds.messaging`)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import OrgOwned
from rounds.messaging.choices import MessageChannel, Topic

from .choices import EnrollmentStatus, SequenceAction, StopReason


class MessageTemplate(OrgOwned):
    """A reusable message in Django template syntax. Every variable is checked against the
    documented context when the template is saved, so a missing field fails there, not at send.
    Editing the text bumps `version`, which is part of each message's idempotency key."""

    name = models.CharField(max_length=120)
    channel = models.CharField(
        max_length=10, choices=[(MessageChannel.EMAIL, "Email"), (MessageChannel.SMS, "Text")],
        default=MessageChannel.EMAIL,
    )
    topic = models.CharField(max_length=20, choices=Topic, default=Topic.JOBS)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    version = models.PositiveIntegerField(default=1)
    is_archived = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="template_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(OrgOwned):
    """One send of a template to many candidates (a segment, a search, a job's matches)."""

    name = models.CharField(max_length=200)
    key = models.CharField(
        max_length=64, blank=True, help_text="The form's nonce: a double submit makes one campaign."
    )
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+")
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipients = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    dropped = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], condition=~models.Q(key=""),
                name="campaign_key_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Sequence(OrgOwned):
    """Multi-step outreach: steps with delays, stopping for a candidate who replies or opts out."""

    name = models.CharField(max_length=120)
    topic = models.CharField(max_length=20, choices=Topic, default=Topic.JOBS)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SequenceStep(models.Model):
    """One step: after `delay_hours` from the previous step (or enrolment), send a template on a
    channel, or open a call task for the owner."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=12, choices=SequenceAction)
    delay_hours = models.PositiveIntegerField(default=0)
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True, help_text="For call tasks: what to say.")

    class Meta:
        ordering = ["sequence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "position"], name="sequence_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.sequence} #{self.position}: {self.get_action_display()}"

    def clean(self) -> None:
        if self.action in (SequenceAction.EMAIL, SequenceAction.SMS):
            if self.template is None:
                raise ValidationError({"template": "A message step needs a template."})
            if self.template.channel != self.action:
                raise ValidationError(
                    {"template": f"“{self.template}” is a {self.template.get_channel_display()} "
                     f"template; this step sends a {self.get_action_display().lower()}."}
                )


class Enrollment(OrgOwned):
    """A candidate going through a sequence. `next_position` and `next_step_at` say what runs
    next; a worker advances it by a conditional update, so a step runs once."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="enrollments")
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="enrollments"
    )
    application = models.ForeignKey(
        "pipeline.Application", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=EnrollmentStatus, default=EnrollmentStatus.ACTIVE
    )
    stop_reason = models.CharField(max_length=20, choices=StopReason, blank=True)
    next_position = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sequence", "candidate"],
                condition=models.Q(status="active"),
                name="enrollment_one_active",
            )
        ]
        indexes = [models.Index(fields=["status", "next_step_at"], name="enrollment_due")]

    def __str__(self) -> str:
        return f"{self.candidate} in {self.sequence}"
