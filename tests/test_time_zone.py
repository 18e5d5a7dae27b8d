from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from rounds.lib.middleware import OrganizationTimeZoneMiddleware


def _zone_seen_by_view(user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    middleware = OrganizationTimeZoneMiddleware(
        lambda _r: HttpResponse(timezone.get_current_timezone_name())
    )
    return middleware(request).content.decode()


def test_pages_use_the_organizations_time_zone(recruiter, outsider):
    assert _zone_seen_by_view(recruiter) == "America/Edmonton"
    assert _zone_seen_by_view(outsider) == "America/Chicago"


def test_anonymous_requests_stay_in_utc(db):
    from django.contrib.auth.models import AnonymousUser

    assert _zone_seen_by_view(AnonymousUser()) == "UTC"
