"""What the candidate's page shows of the apps built on candidates, without importing them (they
register in their AppConfig.ready()):

- `set_jobs(open_jobs=, add=)`: the pipeline says which open jobs a user may add a candidate
  to (`open_jobs(user) -> queryset` of jobs) and adds them to one (`add(candidate, job,
  actor=)`, raising ValidationError).

The candidate's applications are read through the relation the pipeline declares on the
candidate (`candidate.applications.visible_to(user)`).
"""

from __future__ import annotations

from collections.abc import Callable

_jobs: dict[str, Callable] = {}


def set_jobs(*, open_jobs: Callable, add: Callable) -> None:
    _jobs.update(open_jobs=open_jobs, add=add)


def open_jobs(user):
    return _jobs["open_jobs"](user)


def add_to_job(candidate, job, *, actor):
    return _jobs["add"](candidate, job, actor=actor)
