from django.conf import settings
from django.db import models
from django.utils import timezone

from rounds.lib.tenancy import OrgOwned, OrgQuerySet

from .choices import AuditAction


class AuditQuerySet(OrgQuerySet):
    def visible_to(self, user):
        qs = super().visible_to(user)
        return qs if user.is_authenticated and user.is_admin else qs.none()


class AuditEvent(OrgOwned):
    """Who viewed or changed which record, when, and what changed. Append-only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=AuditAction)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    candidate = models.ForeignKey(
        "candidates.Candidate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    changes = models.JSONField(default=dict, blank=True)
    via = models.CharField(max_length=10, default="web")  # web | api | task | cli
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["organization", "candidate", "-at"], name="audit_candidate")
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_action_display()} {self.object_type} {self.object_repr}"
