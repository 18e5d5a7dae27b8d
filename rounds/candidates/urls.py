from django.urls import path

from .views import duplicates, erasure, profile, search

app_name = "candidates"
urlpatterns = [
    # Search, filters, export (views/search.py)
    path("", search.candidate_list, name="list"),
    path("export.csv", search.candidate_export, name="export"),
    # Duplicates and merge (views/duplicates.py)
    path("duplicates/", duplicates.duplicate_list, name="duplicates"),
    path("duplicates/dismiss/", duplicates.duplicate_dismiss, name="duplicate_dismiss"),
    path("merge/<uuid:survivor>/<uuid:other>/", duplicates.merge, name="merge"),
    # Erasure and retention, for owners (views/erasure.py)
    path("erasures/", erasure.erasure_list, name="erasures"),
    path("retention/", erasure.retention_page, name="retention"),
    path("<uuid:uuid>/erase/", erasure.erase, name="erase"),
    # One candidate's record (views/profile.py)
    path("new/", profile.candidate_create, name="create"),
    path("<uuid:uuid>/", profile.candidate_detail, name="detail"),
    path("<uuid:uuid>/edit/", profile.candidate_edit, name="edit"),
    path("<uuid:uuid>/<str:section>/add/", profile.related_add, name="related_add"),
    path(
        "<uuid:uuid>/<str:section>/<int:pk>/delete/", profile.related_delete, name="related_delete"
    ),
    path("<uuid:uuid>/consent/", profile.consent_add, name="consent_add"),
    path("<uuid:uuid>/attachments/", profile.attachment_upload, name="attachment_upload"),
    path(
        "<uuid:uuid>/attachments/<int:pk>/", profile.attachment_download, name="attachment_download"
    ),
]
