"""Tenant scoping: one place that decides which rows a user may see.

Every tenant-owned model inherits `OrgOwned` and gets `objects = <QuerySet>.as_manager()` whose
queryset derives from `OrgQuerySet`. Views and the API never filter by organization by hand;
they call `Model.objects.visible_to(user)` (or `access_object`) and get a 404 for anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from rounds.accounts.models import User

M = TypeVar("M", bound=models.Model)


class OrgQuerySet(models.QuerySet):
    """Queryset of a tenant-owned model. Subclasses narrow `visible_to` for restricted roles."""

    def for_org(self, organization_id: int) -> OrgQuerySet:
        return self.filter(organization_id=organization_id)

    def visible_to(self, user: User) -> OrgQuerySet:
        if not user.is_authenticated or not user.organization_id:
            return self.none()
        return self.for_org(user.organization_id)


class CandidateRowQuerySet(OrgQuerySet):
    """Rows about a candidate and, sometimes, one of their applications (timeline entries,
    messages, threads). A hiring manager sees those of the people in their jobs, and of those
    only what is not about other jobs."""

    def visible_to(self, user: User) -> OrgQuerySet:
        qs = super().visible_to(user)
        if user.is_authenticated and user.is_hiring_manager:
            from rounds.candidates.models import Candidate

            qs = qs.filter(candidate__in=Candidate.objects.visible_to(user)).filter(
                models.Q(application__isnull=True) | models.Q(application__job__hiring_team=user)
            )
        return qs


class OrgOwned(models.Model):
    """Abstract base: a row that belongs to exactly one organization."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=True
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True


def access_object(queryset: models.QuerySet[M] | type[M], user: User, **lookup) -> M:
    """Fetch one object the user may see, or raise Http404 (never 403: no existence leak)."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        # A malformed id or UUID in a URL or query string is simply not found.
        raise Http404("Not found") from None
