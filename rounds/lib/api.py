"""Schemas every API router shares: the error body rounds/api.py's handlers answer with, and the
one way a list is paged.

Paging, the same on every list operation: query parameters `limit` (how many, 1–200, default 50)
and `offset` (how many to skip, 0 or more); the answer is
    {"count": <how many in all>, "next": "<URL of the next page, same filters>" | null,
     "items": [...]}
Follow `next` until it is null to read everything. `page`/`per_page` are refused with a 422
(rounds/lib/api_guard.py) so an old client learns to use `limit` and `offset`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ninja import Schema
from pydantic import Field, create_model


class ErrorOut(Schema):
    """{"detail": "email: Enter a valid address", "errors": {"email": ["…"]}}"""

    detail: str
    errors: dict[str, list[str]] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

INT_MAX = 2**63 - 1
LIMIT_DEFAULT = 50
LIMIT_MAX = 200
PAGING = (f"Paged: `limit` (1–{LIMIT_MAX}, default {LIMIT_DEFAULT}) and `offset`; the answer is "
          "`{count, next, items}` — follow `next` until it is null.")
_PAGES: dict[type, type] = {}


def offset_param():
    """The `offset` query parameter: rows to skip, 0 or more."""
    from ninja import Query

    return Query(0, ge=0, le=INT_MAX, description="How many to skip (0 or more)")


def limit_param():
    """The `limit` query parameter: how many to answer, 1–200 (default 50)."""
    from ninja import Query

    return Query(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX,
                 description=f"How many to answer (1–{LIMIT_MAX}, default {LIMIT_DEFAULT})")


def page_of(item: type, name: str | None = None, **extra: Any) -> type:
    """The response schema of a paged list of `item`: {count, next, items} (plus `extra` fields,
    given as pydantic field definitions `name=(type, default)`)."""
    key = (item, name, tuple(sorted(extra)))
    if key not in _PAGES:
        _PAGES[key] = create_model(
            name or f"{item.__name__}Page", __base__=Schema,
            count=(int, Field(description="How many there are in all")),
            next=(str | None, Field(description="URL of the next page with the same filters; "
                                                "null on the last page")),
            items=(list[item], ...),
            **extra,
        )
    return _PAGES[key]


def next_url(request, offset: int) -> str:
    """This request's path and query with `offset` set to `offset`."""
    query = request.GET.copy()
    query["offset"] = str(offset)
    return f"{request.path}?{query.urlencode()}"


def paginate(rows, limit: int, offset: int, request, out: Callable | None = None,
             count: int | None = None) -> dict:
    """{count, next, items} for one page of `rows` (a queryset or a list), each mapped by `out`.

    `count` may be given when the caller already knows it."""
    if count is None:
        count = rows.count() if hasattr(rows, "query") else len(rows)
    page: Iterable = list(rows[offset:offset + limit]) if offset < count else []
    items = [out(r) for r in page] if out else list(page)
    end = offset + len(items)
    return {"count": count, "next": next_url(request, end) if items and end < count else None,
            "items": items}
