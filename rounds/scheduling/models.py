"""Scheduling: calls, interviews and site visits with a candidate, offered as a few times or a
self-scheduling link and then booked, each with an iCalendar invite that stays the same event
through reschedules. The table keeps the name it had in the outreach app."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import OrgOwned

from .choices import MeetingKind, MeetingStatus


class Meeting(OrgOwned):
    """A call or interview with a candidate: offered as proposed times or as a self-scheduling
    link over the organizer's free slots, then booked. The iCalendar UID is stable; every
    reschedule bumps `ical_sequence`; a cancel sends METHOD:CANCEL."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.CASCADE, related_name="meetings"
    )
    application = models.ForeignKey(
        "pipeline.Application", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=MeetingKind, default=MeetingKind.CALL)
    title = models.CharField(max_length=200)
    location = models.CharField(max_length=300, blank=True, help_text="Address, phone or link.")
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    status = models.CharField(
        max_length=12, choices=MeetingStatus, default=MeetingStatus.PROPOSED
    )
    proposed_times = models.JSONField(
        default=list, blank=True, help_text="ISO datetimes offered; empty offers free slots."
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ical_uid = models.CharField(max_length=120, unique=True)
    ical_sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    booked_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "outreach_meeting"
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["organizer", "starts_at"], name="meeting_organizer")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.ical_uid:
            self.ical_uid = f"{self.uuid}@rounds"
        super().save(*args, **kwargs)
