from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.job_create, name="create"),
    path("new/from-posting/", views.job_from_posting, name="from_posting"),
    path("new/audit/", views.job_audit, name="audit_new"),
    path("<uuid:uuid>/", views.job_detail, name="detail"),
    path("<uuid:uuid>/edit/", views.job_edit, name="edit"),
    path("<uuid:uuid>/audit/", views.job_audit, name="audit_edit"),
    path("<uuid:uuid>/status/", views.job_status, name="status"),
]
