"""What candidates and providers reach without signing in: unsubscribe and preference pages,
self-scheduling, and the provider webhooks. Each views module lists its own routes."""

from .views import hooks_inbound, hooks_status, meetings, public

app_name = "outreach_public"

urlpatterns = [
    *public.public_urlpatterns,
    *meetings.public_urlpatterns,
    *hooks_inbound.public_urlpatterns,
    *hooks_status.public_urlpatterns,
]
