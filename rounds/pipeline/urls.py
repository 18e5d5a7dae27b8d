from django.urls import path

from . import views

app_name = "pipeline"
urlpatterns = [
    path("jobs/<uuid:job_uuid>/board/", views.board, name="board"),
    path("jobs/<uuid:job_uuid>/candidates/", views.candidate_search, name="candidate_search"),
    path("jobs/<uuid:job_uuid>/add/", views.add_candidate, name="add"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/move/", views.move, name="move"),
    path("applications/<int:pk>/next-action/", views.next_action, name="next_action"),
    path("applications/<int:pk>/done/", views.complete_next_action, name="complete"),
]
