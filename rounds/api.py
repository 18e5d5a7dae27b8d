"""The JSON API: one NinjaAPI, a router per app, OpenAPI at /api/docs and /api/openapi.json.

Auth: the browser session (with CSRF) or `Authorization: Bearer <key>` from an API token.
Errors are JSON naming the field: {"detail": "...", "errors": {"field": ["message"]}}."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from rounds.accounts.actions import user_for_api_key
from rounds.matching.index import IndexWarming


class ApiKeyAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_api_key(token)
        if user is None or not user.organization_id:
            return None
        request.user = user
        return user


# Every operation may answer these, whatever it documents itself: the body of each is ErrorOut.
COMMON_ERRORS = {
    "400": "Bad request: a body or value that can't be read",
    "401": "Sign in or send an API token",
    "403": "Your role does not allow this",
    "404": "Not found (or another organization's)",
    "413": "The request body is too large",
    "422": "A value is not valid: `errors` names each field",
}
ERROR_BODY = {"type": "object", "required": ["detail"], "properties": {
    "detail": {"type": "string"},
    "errors": {"anyOf": [{"type": "object", "additionalProperties": {
        "type": "array", "items": {"type": "string"}}}, {"type": "null"}]},
}}


class RoundsAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, description in COMMON_ERRORS.items():
                    responses.setdefault(code, {"description": description, "content": {
                        "application/json": {"schema": ERROR_BODY}}})
        return schema


api = RoundsAPI(
    title="Rounds API",
    version="1",
    description="Talent pool, jobs and pipelines. Every object is scoped to your organization.",
    auth=[ApiKeyAuth(), django_auth],
)


@api.exception_handler(ValidationError)
def django_validation_error(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        errors = {
            field: [m for e in errs for m in e.messages] for field, errs in exc.error_dict.items()
        }
    else:
        errors = {"__all__": exc.messages}
    first = next(iter(errors.items()))
    return api.create_response(
        request, {"detail": f"{first[0]}: {first[1][0]}", "errors": errors}, status=400
    )


@api.exception_handler(NinjaValidationError)
def schema_validation_error(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        errors.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", "Invalid value"))
    first = next(iter(errors.items()), ("__all__", ["Invalid request"]))
    return api.create_response(
        request, {"detail": f"{first[0]}: {first[1][0]}", "errors": errors}, status=422
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return api.create_response(request, {"detail": "The request body is too large."}, status=413)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(
        request, {"detail": str(exc) or "Your role does not allow this."}, status=403
    )


@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    return api.create_response(request, {"detail": "Sign in or send an API token."}, status=401)


@api.exception_handler(IndexWarming)
def warming_up(request, exc):
    """A large pool's match index is being built by the worker: ask again shortly."""
    response = api.create_response(
        request, {"detail": "Matching is warming up for this organization; try again in a "
                            "minute."}, status=503)
    response["Retry-After"] = "30"
    return response


def _mount():
    from rounds.accounts.api import router as accounts
    from rounds.activities.api import router as activities
    from rounds.activities.api_timeline import router as timeline
    from rounds.audit.api import router as audit
    from rounds.candidates.api import router as candidates
    from rounds.candidates.api_duplicates import router as duplicates
    from rounds.imports.api import router as imports
    from rounds.jobs.api import router as jobs
    from rounds.locums.api import router as locums
    from rounds.matching.api import router as matching
    from rounds.outreach.api import router as outreach
    from rounds.pipeline.api import router as pipeline

    api.add_router("/accounts", accounts)
    api.add_router("/candidates", candidates)
    api.add_router("/candidates", timeline)  # the candidate's timeline, owned by activities
    api.add_router("/duplicates", duplicates)
    api.add_router("/jobs", jobs)
    api.add_router("/pipeline", pipeline)
    api.add_router("/activities", activities)
    api.add_router("/imports", imports)
    api.add_router("/audit", audit)
    api.add_router("/matching", matching)
    api.add_router("/outreach", outreach)
    api.add_router("/locums", locums)


_mount()
