"""Schemas every API router shares: the error body rounds/api.py's handlers answer with."""

from ninja import Schema


class ErrorOut(Schema):
    """{"detail": "email: Enter a valid address", "errors": {"email": ["…"]}}"""

    detail: str
    errors: dict[str, list[str]] | None = None


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
