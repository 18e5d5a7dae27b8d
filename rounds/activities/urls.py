from django.urls import path

from . import views

app_name = "activities"
urlpatterns = [
    path("candidates/<uuid:uuid>/note/", views.note_add, name="note_add"),
    path("candidates/<uuid:uuid>/call/", views.call_add, name="call_add"),
    path("candidates/<uuid:uuid>/meeting/", views.meeting_add, name="meeting_add"),
    path("candidates/<uuid:uuid>/timeline/", views.timeline, name="timeline"),
]
