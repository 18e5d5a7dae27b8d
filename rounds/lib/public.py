"""Pages people reach from a link in a message, without an account: unsubscribe, the
preference centre, confirming consent, self-scheduling, a shift offer and its settings.

Every such view is wrapped in `public_page`, one policy for all of them:

- **The signed token in the URL is the credential**, not a session. Django's CSRF check guards a
  session cookie, and there is none here: whoever holds the link can already submit its forms,
  and a forged cross-site submission would need the secret token itself. Requiring a CSRF cookie
  would only break the buttons in browsers that block cookies (many in-app mail browsers do) or
  send `Origin: null` (privacy settings). So the page sets no cookie and checks no CSRF token;
  instead a POST that the browser itself marks as coming from another site
  (`Sec-Fetch-Site: cross-site`, or an `Origin` naming another site) is refused. A POST with no
  such headers — a mail provider's RFC 8058 one-click unsubscribe, an older browser — is served.
- **The link never leaks through the Referer header**: `Referrer-Policy: same-origin` sends the
  address only back to this site (which also lets the browser send a real `Origin` with the
  page's own forms; `no-referrer` made Chromium send `Origin: null`).
- **Never cached or indexed**: `Cache-Control: no-store` and `X-Robots-Tag: noindex`.

`tests/test_public_pages.py` walks the URLconf and fails for a view reached without signing in
that isn't wrapped here (or listed as a webhook, which authenticates by signature)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED = (
    "This form was sent from another website, so it was not accepted. Open the link in your "
    "message again and use the button on that page."
)


def absolute(path: str) -> str:
    """A link for a message: every link a person gets by email or text starts with
    settings.PUBLIC_URL (never the address of whatever request made the message)."""
    return f"{settings.PUBLIC_URL.rstrip('/')}{path}"


def cross_site(request: HttpRequest) -> bool:
    """True when the browser says this request was started by another site's page."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    parts = urlsplit(origin)
    return parts.netloc.lower() != request.get_host().lower()


def public_page(view):
    """Wrap a view reached by a signed link (see the module docstring)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method in UNSAFE and cross_site(request):
            response = HttpResponseForbidden(REFUSED, content_type="text/plain; charset=utf-8")
        else:
            response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    wrapped.public_page = True
    return csrf_exempt(wrapped)
