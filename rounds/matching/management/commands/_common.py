"""What the batch commands (`rounds import-candidates`, `rounds match`) share: how bad input is
reported and how the organization is chosen. A module whose name starts with "_" is not a
command (Django skips it when listing commands)."""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_slug
from django.db import transaction

from rounds.accounts.models import EmployerProfile, Organization
from rounds.pipeline.actions import ensure_default_stages

BAD_INPUT = 2


class BatchError(CommandError):
    """A failure the batch commands explain in one line. From a shell: `error: <message>` on
    stderr and the exit status; through call_command the exception itself."""


class InputError(BatchError):
    """Input the command cannot use (a missing file, an unknown organization, a posting or a
    spreadsheet that cannot be read): exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=BAD_INPUT)


class BatchCommand(BaseCommand):
    """A command whose errors read `error: FILE: what failed`, not an exception's class name."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except BatchError as exc:
            if not getattr(self, "_called_from_command_line", False) or options.get("traceback"):
                raise
            self.stderr.write(f"error: {exc}", style_func=lambda text: text)
            sys.exit(exc.returncode)

    def warn(self, message: str) -> None:
        self.stderr.write(f"warning: {message}", style_func=lambda text: text)


def organization_slugs() -> list[str]:
    return list(Organization.objects.order_by("slug").values_list("slug", flat=True))


def _slug_list() -> str:
    slugs = organization_slugs()
    return ", ".join(slugs) if slugs else "none yet"


def resolve_organization(slug: str | None, *, create: bool = False) -> Organization:
    """The organization named by `--org SLUG`; without one, the only organization there is.
    With `create`, an organization with that slug is created when there is none."""
    if slug:
        org = Organization.objects.filter(slug=slug).first()
        if org is not None:
            return org
        if create:
            return create_organization(slug)
        raise InputError(f"no organization with the slug “{slug}” (organizations: "
                         f"{_slug_list()}; --create-org creates it).")
    if create:
        raise InputError("--create-org needs --org SLUG: the slug of the organization to create.")
    orgs = list(Organization.objects.order_by("slug")[:2])
    if len(orgs) == 1:
        return orgs[0]
    if not orgs:
        raise InputError("there is no organization yet: pass --org SLUG --create-org to create "
                         "one.")
    raise InputError(f"there are several organizations: choose one with --org SLUG "
                     f"(organizations: {_slug_list()}).")


def create_organization(slug: str) -> Organization:
    """A new organization named after its slug ("red-deer-clinic" → "Red Deer Clinic"), with
    its employer profile and default pipeline, and no users: for first runs and benchmarks.
    (rounds.accounts.actions.do_create_organization needs an owner; a batch run has none.)"""
    try:
        validate_slug(slug)
    except ValidationError:
        raise InputError(f"“{slug}” is not a usable slug: use letters, digits, “-” and “_”."
                         ) from None
    if len(slug) > 60:
        raise InputError(f"“{slug[:20]}…” is {len(slug)} characters long; a slug has at most 60.")
    name = " ".join(part.capitalize() for part in slug.replace("_", "-").split("-") if part)
    with transaction.atomic():
        org = Organization.objects.create(name=name or slug, slug=slug)
        EmployerProfile.objects.create(organization=org)
        ensure_default_stages(org.pk)
    return org
