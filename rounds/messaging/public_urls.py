"""What candidates and providers reach without signing in: unsubscribe and preference pages,
the consent link, and the provider webhooks. Each views module lists its own routes."""

from .views import hooks_inbound, hooks_status, public

app_name = "messaging_public"

urlpatterns = [
    *public.public_urlpatterns,
    *hooks_inbound.public_urlpatterns,
    *hooks_status.public_urlpatterns,
]
