from django.urls import path

from . import views

app_name = "matching"
urlpatterns = [
    path("jobs/<uuid:uuid>/", views.job_matches, name="job"),
    path("jobs/<uuid:uuid>/candidates/<uuid:candidate>/add/", views.add_to_pipeline,
         name="add"),
    path("jobs/<uuid:uuid>/candidates/<uuid:candidate>/feedback/", views.feedback,
         name="feedback"),
    path("candidates/<uuid:uuid>/jobs/", views.candidate_jobs, name="candidate_jobs"),
    path("candidates/<uuid:uuid>/jobs/<uuid:job>/add/", views.candidate_add,
         name="candidate_add"),
    path("settings/", views.weights, name="weights"),
    path("settings/reset/", views.weights_reset, name="weights_reset"),
]
