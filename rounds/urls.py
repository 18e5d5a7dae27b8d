from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache

from rounds.api import api
from rounds.pipeline.views import today


@never_cache
def healthz(request):
    """For the load balancer: the process answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("", today, name="today"),
    path("accounts/", include("rounds.accounts.urls")),
    path("candidates/", include("rounds.candidates.urls")),
    path("jobs/", include("rounds.jobs.urls")),
    path("pipeline/", include("rounds.pipeline.urls")),
    path("activities/", include("rounds.activities.urls")),
    path("imports/", include("rounds.imports.urls")),
    path("audit/", include("rounds.audit.urls")),
    path("matching/", include("rounds.matching.urls")),
    path("messages/", include("rounds.messaging.urls")),
    path("", include("rounds.messaging.public_urls")),
    path("hooks/esp/", include("rounds.messaging.views.hooks_esp")),
    path("outreach/", include("rounds.outreach.urls")),
    path("scheduling/", include("rounds.scheduling.urls")),
    path("", include("rounds.scheduling.public_urls")),
    path("follow-ups/", include("rounds.followups.urls")),
    path("locums/", include("rounds.locums.urls")),
    path("", include("rounds.locums.public_urls")),
    path("api/", api.urls),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
