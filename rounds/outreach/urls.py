"""Signed-in outreach pages, under /outreach/. Each views module lists its own routes."""

from .views import compose, replies, sequences

app_name = "outreach"

urlpatterns = [
    *compose.urlpatterns,
    *replies.urlpatterns,
    *sequences.urlpatterns,
]
