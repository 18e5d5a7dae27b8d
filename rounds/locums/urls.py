"""Signed-in locum network pages, under /locums/. Each views module lists its own routes."""

from .views import network, shifts

app_name = "locums"

urlpatterns = [*network.urlpatterns, *shifts.urlpatterns]
