"""(being written)"""

urlpatterns = []  # signed-in pages, under /outreach/
public_urlpatterns = []  # candidate-facing pages and provider webhooks, at the site root
