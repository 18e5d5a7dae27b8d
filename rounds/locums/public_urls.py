"""What network members reach without signing in: the one-tap accept link."""

from .views import public

app_name = "locums_public"

urlpatterns = [*public.public_urlpatterns]
