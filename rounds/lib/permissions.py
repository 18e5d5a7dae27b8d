"""Role limits. Tenant scoping (what exists for you) lives in rounds/lib/tenancy.py; this module
says what your role may do with what you can see. A refusal is a 403; an object outside your
organization or your jobs never gets this far — it is a 404."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from rounds.accounts.choices import Role

EDITORS = {Role.ADMIN, Role.RECRUITER}
PIPELINE_WORKERS = {Role.ADMIN, Role.RECRUITER, Role.HIRING_MANAGER}


def can_edit(user) -> bool:
    """Create and change candidates, jobs, imports; export."""
    return user.is_authenticated and user.role in EDITORS


def can_work_pipeline(user) -> bool:
    """Move applications, set next actions, add notes and call logs (hiring managers too, on
    the jobs they are on)."""
    return user.is_authenticated and user.role in PIPELINE_WORKERS


def can_admin(user) -> bool:
    return user.is_authenticated and user.role == Role.ADMIN


def _require(check):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.organization_id or not check(request.user):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def member_required(view):
    return _require(lambda u: True)(view)


editor_required = _require(can_edit)
pipeline_required = _require(can_work_pipeline)
admin_required = _require(can_admin)
