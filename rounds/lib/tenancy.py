"""Tenant scoping: one place that decides which rows a user may see.

Every tenant-owned model inherits `OrgOwned` and gets `objects = <QuerySet>.as_manager()` whose
queryset derives from `OrgQuerySet`. Views and the API never filter by organization or by role
by hand; they call `Model.objects.visible_to(user)` (or `access_object`) and get a 404 for
anything else.

Hiring managers see less, and this module is the only place that says how (`HiringScope`): the
jobs whose hiring team they are on, the applications to those jobs, the people in those
applications, and of the rows about those people only the ones not about another job. Each
model's scope is read from its fields (a `job` or `application`, else a `candidate` and a
nullable `application` or `job`), so a new model about a candidate is narrowed without anyone
remembering to; a queryset whose paths differ says so with `hiring_scope`.

`lib` imports no domain app: the models are reached through the relations they declare.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import Http404

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class HiringScope:
    """How a model's rows reach what a hiring manager may see (lookup paths from the model;
    `""` is the row itself, `None` none):

    - `job`: the Job; only the jobs they are on.
    - `person`: the Candidate; only the people in their jobs' pipelines (a row about no one,
      where the path may be null, is kept).
    - `about`: a nullable path ending at a Job (`"application__job"`); a row about a job is
      kept only if it is one of theirs.
    """

    job: str | None = None
    person: str | None = None
    about: str | None = None


EVERYTHING = HiringScope()  # rows of the organization not about a job or a person


def _field(model, path: str):
    field = None
    for name in path.split("__"):
        field = model._meta.get_field(name)
        model = field.related_model
    return field


def _nullable_fk(model, name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.many_to_one and field.null


@cache
def scope_of(model: type[models.Model]) -> HiringScope:
    """The model's scope: its queryset's `hiring_scope` if it names one, else read from its
    fields."""
    declared = getattr(model._default_manager._queryset_class, "hiring_scope", None)
    if declared is not None:
        return declared
    names = {f.name for f in model._meta.get_fields()}
    job = person = about = None
    if "job" in names and not _nullable_fk(model, "job"):
        job = "job"
    elif "application" in names and not _nullable_fk(model, "application"):
        job = "application__job"
    elif "candidate" in names:
        person = "candidate"
        if _nullable_fk(model, "application"):
            about = "application__job"
        elif _nullable_fk(model, "job"):
            about = "job"
    return HiringScope(job=job, person=person, about=about)


def _prefix(path: str) -> str:
    return f"{path}__" if path else ""


def _people_of_jobs(candidate_model, user) -> models.QuerySet:
    """Ids of the people in the pipelines of the user's jobs (through the relation the pipeline
    declares on the candidate)."""
    application = candidate_model._meta.get_field("applications").related_model
    return application._base_manager.filter(job__hiring_team=user).values("candidate_id")


def hiring_manager_q(model: type[models.Model], user) -> models.Q:
    """The condition a hiring manager's rows of this model meet."""
    scope = scope_of(model)
    q = models.Q()
    if scope.job is not None:
        q &= models.Q(**{f"{_prefix(scope.job)}hiring_team": user})
    if scope.person is not None:
        target = model if scope.person == "" else _field(model, scope.person).related_model
        people = models.Q(**{f"{scope.person}__in" if scope.person else "pk__in":
                             _people_of_jobs(target, user)})
        if scope.person and _field(model, scope.person).null:
            people |= models.Q(**{f"{scope.person}__isnull": True})
        q &= people
    if scope.about is not None:
        first = scope.about.split("__")[0]
        q &= models.Q(**{f"{first}__isnull": True}) | models.Q(
            **{f"{scope.about}__hiring_team": user})
    return q


def sees_everyone(user) -> bool:
    """Whether the user's view of the organization's people is the whole of it (everyone but
    hiring managers)."""
    return not (user.is_authenticated and user.is_hiring_manager)


class OrgQuerySet(models.QuerySet):
    """Queryset of a tenant-owned model. `visible_to` is the organization's rows, narrowed for
    hiring managers by the model's `HiringScope`; subclasses narrow it further for other roles
    (the audit log: admins only)."""

    hiring_scope: HiringScope | None = None  # None: read from the model's fields

    def for_org(self, organization_id: int) -> OrgQuerySet:
        return self.filter(organization_id=organization_id)

    def visible_to(self, user) -> OrgQuerySet:
        if not user.is_authenticated or not user.organization_id:
            return self.none()
        qs = self.for_org(user.organization_id)
        if not sees_everyone(user):
            qs = qs.filter(hiring_manager_q(self.model, user))
        return qs


class CandidateRowQuerySet(OrgQuerySet):
    """Rows about a candidate and, sometimes, one of their applications (timeline entries,
    messages, threads, respond-now items). A hiring manager sees those of the people in their
    jobs, and of those only what is not about other jobs."""

    hiring_scope = HiringScope(person="candidate", about="application__job")


class OrgOwned(models.Model):
    """Abstract base: a row that belongs to exactly one organization."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=True
    )

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True


def access_object(queryset: models.QuerySet[M] | type[M], user, **lookup) -> M:
    """Fetch one object the user may see, or raise Http404 (never 403: no existence leak)."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        # A malformed id or UUID in a URL or query string is simply not found.
        raise Http404("Not found") from None
