"""Signed-in pages of the messaging core, under /messages/: the unmatched inbox and the
organization's sending settings."""

from .views import inbox, settings

app_name = "messaging"

urlpatterns = [*inbox.urlpatterns, *settings.urlpatterns]
