"""Signed-in scheduling pages, under /scheduling/."""

from . import views

app_name = "scheduling"

urlpatterns = views.urlpatterns
