"""Signed-in outreach pages, under /outreach/. Each views module lists its own routes."""

from .views import compose, followups, inbox, meetings, sequences

app_name = "outreach"

urlpatterns = [
    *compose.urlpatterns,
    *inbox.urlpatterns,
    *sequences.urlpatterns,
    *followups.urlpatterns,
    *meetings.urlpatterns,
]
