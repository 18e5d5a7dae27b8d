"""What the job pages show from the apps built on jobs, without importing them (they register
in their AppConfig.ready()):

- `set_pipeline(stages=, counts=, board=)`: the pipeline says what a job's stages are
  (`stages(organization_id)`), how many applications each of many jobs has per stage
  (`counts(job_ids) -> {job_id: {stage_id: n}}`) and what the job page's board shows
  (`board(job, user) -> dict` of template context).
- `set_posting_reader(fn)`: matching reads a schema.org JobPosting into the new-job form's
  starting values (`fn(source) -> (posting, initial)`, raising ValueError with what is wrong).
"""

from __future__ import annotations

from collections.abc import Callable

_pipeline: dict[str, Callable] = {}
_posting: list[Callable] = []


def set_pipeline(*, stages: Callable, counts: Callable, board: Callable) -> None:
    _pipeline.update(stages=stages, counts=counts, board=board)


def set_posting_reader(fn: Callable) -> None:
    _posting[:] = [fn]


def stages(organization_id: int) -> list:
    return _pipeline["stages"](organization_id)


def counts(job_ids) -> dict[int, dict[int, int]]:
    return _pipeline["counts"](job_ids)


def board(job, user) -> dict:
    return _pipeline["board"](job, user)


def read_posting(source):
    """(posting, initial form values) of a pasted or uploaded JobPosting."""
    return _posting[0](source)
