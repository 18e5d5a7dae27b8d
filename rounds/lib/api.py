"""Schemas every API router shares: the error body rounds/api.py's handlers answer with."""

from ninja import Schema


class ErrorOut(Schema):
    """{"detail": "email: Enter a valid address", "errors": {"email": ["…"]}}"""

    detail: str
    errors: dict[str, list[str]] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


# Paging, the same everywhere a list is paged: `limit` (how many) and `offset` (how many to
# skip, 0 or more); a paged answer says how many there are in all where it can (`count`).
INT_MAX = 2**63 - 1


def offset_param():
    """The `offset` query parameter: rows to skip, 0 or more."""
    from ninja import Query

    return Query(0, ge=0, le=INT_MAX, description="How many to skip (0 or more)")
