"""The organization's sign-in policy, applied on every request of a signed-in person:

- **Idle timeout and session age.** A session ends after the organization's minutes without a
  request (`session_idle_minutes`) and, active or not, its hours after signing in
  (`session_max_hours`). The person is signed out and the request goes on as anonymous, so a
  page sends them to sign in and an API call gets its 401; the sign-in page then says why.
  "Last seen" is written at most once a minute (a session save per request would be a write
  per request), so an idle timeout may come up to a minute early.
- **Required two-factor sign-in.** In an organization that requires it, someone signed in
  without an authenticator is sent to set one up before anything else.

Sessions are started through `start_session`, which stamps when they began; a session begun
otherwise (before this policy existed) counts from the user's last sign-in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, login, logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

SIGNED_IN_AT = "accounts.signed_in_at"
LAST_SEEN = "accounts.last_seen"
SIGNED_OUT = "accounts.signed_out"  # why the last session ended, for the sign-in page
SEEN_EVERY = 60  # seconds between writes of LAST_SEEN

DEFAULT_IDLE_MINUTES = 60
DEFAULT_MAX_HOURS = 12

# What someone who must set up two-factor sign-in may still reach.
SETUP_ALLOWED = {"accounts:two_factor_setup", "accounts:logout"}


def start_session(request, user, backend: str = "rounds.accounts.backends.EmailBackend") -> None:
    """Sign `user` in on this request (a new session key) and start the session's clocks."""
    login(request, user, backend=backend)
    now = timezone.now().timestamp()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


def signed_out_notice(request) -> str:
    """Why the last session ended, once (the sign-in page shows it)."""
    if not hasattr(request, "session"):
        return ""
    why = request.session.pop(SIGNED_OUT, None)
    if not why:
        return ""
    if why.get("reason") == "idle":
        n = why.get("minutes")
        return f"You were signed out after {n} minute{'s' if n != 1 else ''} without activity."
    n = why.get("hours")
    return (
        f"You were signed out because your session reached {n} hour{'s' if n != 1 else ''}"
        ", the longest your organization allows. Sign in again to go on."
    )


class SignInPolicyMiddleware:
    """See the module docstring. Runs after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or BACKEND_SESSION_KEY not in request.session:
            return self.get_response(request)
        org = user.organization
        idle = org.session_idle_minutes if org else DEFAULT_IDLE_MINUTES
        longest = org.session_max_hours if org else DEFAULT_MAX_HOURS
        session = request.session
        now = timezone.now().timestamp()
        started = session.get(SIGNED_IN_AT)
        if started is None:  # a session begun without start_session: since the last sign-in
            started = user.last_login.timestamp() if user.last_login else now
        seen = session.get(LAST_SEEN, started)
        ended = None
        if now - seen > idle * 60:
            ended = {"reason": "idle", "minutes": idle}
        elif started is not None and now - started > longest * 3600:
            ended = {"reason": "age", "hours": longest}
        if ended:
            logout(request)  # a new, empty session; request.user is anonymous from here
            request.session[SIGNED_OUT] = ended
            return self.get_response(request)
        if now - seen >= SEEN_EVERY:
            session[SIGNED_IN_AT] = started
            session[LAST_SEEN] = now
        if org and org.require_two_factor and not self._allowed_without_two_factor(request):
            from .twofactor import has_two_factor

            if not has_two_factor(user):
                return self._to_setup(request)
        return self.get_response(request)

    @staticmethod
    def _allowed_without_two_factor(request) -> bool:
        if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
            return True
        try:
            return resolve(request.path_info).view_name in SETUP_ALLOWED
        except Resolver404:
            return False

    @staticmethod
    def _to_setup(request) -> HttpResponse:
        url = reverse("accounts:two_factor_setup")
        if request.headers.get("HX-Request") == "true":
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        if request.path_info.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"detail": "Set up two-factor sign-in first: " + url}, status=403)
        return redirect(url)
