"""Headers every page Rounds writes carries (static files are served before this, by WhiteNoise).

- `Content-Security-Policy` (settings.CONTENT_SECURITY_POLICY): scripts only from Rounds' own
  static files, no inline script, no eval (so htmx's inline-script features are off), no
  plugins, no framing, forms posted only to Rounds. Inline styles stay allowed: a few pages
  size bars with `style="width: …%"`, and a style can't run code.
- `Cache-Control: no-store` on every page that sets no caching of its own: the pages show
  personal data (signed-in pages, and the candidate's own pages reached from a link), which
  a shared computer's browser or a proxy must not keep.

Django 5.2 has no Content-Security-Policy of its own (it arrives in 6.0)."""

from django.conf import settings
from django.utils.cache import patch_cache_control


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
