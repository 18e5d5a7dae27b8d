"""Role limits. Tenant scoping (what exists for you) lives in rounds/lib/tenancy.py; this module
says what your role may do with what you can see. A refusal is a 403; an object outside your
organization or your jobs never gets this far — it is a 404.

Which role may do what is said once, by the user model's properties (`rounds.accounts.models.User`:
`is_admin`, `can_edit`, `can_work_pipeline`); `lib` imports no domain app, so it asks the user."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def can_edit(user) -> bool:
    """Create and change candidates, jobs, imports; export."""
    return user.is_authenticated and user.can_edit


def can_work_pipeline(user) -> bool:
    """Move applications, set next actions, add notes and call logs (hiring managers too, on
    the jobs they are on)."""
    return user.is_authenticated and user.can_work_pipeline


def can_admin(user) -> bool:
    return user.is_authenticated and user.is_admin


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
