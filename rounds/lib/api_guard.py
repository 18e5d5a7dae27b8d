"""Input the JSON API refuses before any view reads it, with a JSON error instead of a server
error: a body larger than allowed (413), a multipart body without a boundary, JSON nested deeper
than any request needs or that is not JSON at all, and whole numbers no database column holds
(above 2^63 - 1 or below -2^63, in the path, the query or a JSON body) — 422 naming the value;
and the old `page`/`per_page` paging parameters (422: "use limit and offset").

Everything else (types, ranges of each field) is the schema's and the views' to check."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.http import JsonResponse

API_PREFIX = "/api/"
INT_MAX = 2**63 - 1
INT_MIN = -(2**63)
MAX_JSON_DEPTH = 32
_INTEGER = re.compile(r"^[+-]?\d+$")


def _out_of_range(text: str) -> bool:
    if not _INTEGER.match(text) or len(text.lstrip("+-")) < 19:
        return False
    return not INT_MIN <= int(text) <= INT_MAX


def _depth_and_ints(value, depth: int = 0) -> str:
    """Why this JSON value can't be taken ("" when it can)."""
    if depth > MAX_JSON_DEPTH:
        return f"JSON nested deeper than {MAX_JSON_DEPTH} levels."
    if isinstance(value, bool):
        return ""
    if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
        return f"{value} is out of range (at most {INT_MAX})."
    children = value.values() if isinstance(value, dict) else (
        value if isinstance(value, list) else ())
    for child in children:
        problem = _depth_and_ints(child, depth + 1)
        if problem:
            return problem
    return ""


def _error(detail: str, status: int, field: str = "__all__") -> JsonResponse:
    return JsonResponse({"detail": f"{field}: {detail}", "errors": {field: [detail]}},
                        status=status)


class ApiInputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            problem = self.check(request)
            if problem is not None:
                return problem
        return self.get_response(request)

    def check(self, request) -> JsonResponse | None:
        for old in ("page", "per_page"):
            if old in request.GET:
                return _error("Lists are paged with `limit` and `offset`; use limit and offset.",
                              422, old)
        for segment in request.path.split("/"):
            if _out_of_range(segment):
                return _error(f"{segment} is out of range (at most {INT_MAX}).", 422, "path")
        for name, values in request.GET.lists():
            for value in values:
                if _out_of_range(value.strip()):
                    return _error(f"{value} is out of range (at most {INT_MAX}).", 422, name)
        if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _error("Content-Length is not a number.", 400)
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            if length > settings.MAX_IMPORT_BYTES:
                return _error(f"The request is larger than {settings.MAX_IMPORT_BYTES} bytes.",
                              413)
            if not request.content_params.get("boundary"):
                return _error("A multipart body needs a boundary in its Content-Type.", 400)
            return None
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return _error(f"The request body is larger than "
                          f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.", 413)
        if content_type == "application/json" and length:
            try:
                data = json.loads(request.body)
            except RecursionError:
                return _error(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.", 422, "body")
            except ValueError:
                return _error("The body is not valid JSON.", 400, "body")
            problem = _depth_and_ints(data)
            if problem:
                return _error(problem, 422, "body")
        return None
