from zoneinfo import ZoneInfo

from django.utils import timezone


def organization_time_zone(user) -> ZoneInfo:
    """The zone of the user's organization, for showing and reading times; UTC when unknown."""
    try:
        return ZoneInfo(user.organization.time_zone or "UTC")
    except (ValueError, KeyError, AttributeError):
        return ZoneInfo("UTC")


class OrganizationTimeZoneMiddleware:
    """Every page shows times, and reads typed times, in the signed-in user's organization's
    time zone (stored times stay UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.organization_id:
            with timezone.override(organization_time_zone(user)):
                return self.get_response(request)
        return self.get_response(request)
