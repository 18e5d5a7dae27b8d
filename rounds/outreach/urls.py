"""Signed-in outreach pages, under /outreach/. Each views module lists its own routes."""

from .views import compose, followups, inbox, meetings, replies, sequences

app_name = "outreach"

urlpatterns = [
    *compose.urlpatterns,
    *replies.urlpatterns,
    *inbox.urlpatterns,
    *sequences.urlpatterns,
    *followups.urlpatterns,
    *meetings.urlpatterns,
]
