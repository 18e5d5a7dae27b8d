"""(being written)"""

urlpatterns = []  # signed-in pages, under /locums/
public_urlpatterns = []  # what members reach without signing in, at the site root
