"""The self-scheduling link in an offer, reached without signing in."""

from . import views

app_name = "scheduling_public"

urlpatterns = views.public_urlpatterns
