"""Signed-in respond-now pages, under /follow-ups/."""

from . import views

app_name = "followups"

urlpatterns = views.urlpatterns
