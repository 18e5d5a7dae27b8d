"""What a request says about who sent it, read the way the deployment says to trust it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the person's machine. Behind TRUSTED_PROXIES proxies (settings), each
    appends the address it received the request from to X-Forwarded-For, so the client is the
    entry that many places from the right; anything further left was written by the client and
    can't be trusted. Without trusted proxies it is REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if not proxies:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if h.strip()]
    if len(hops) < proxies:
        return hops[0] if hops else remote
    return hops[-proxies]
