from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("<uuid:uuid>/", views.import_detail, name="detail"),
    path("<uuid:uuid>/map/", views.import_map, name="map"),
    path("<uuid:uuid>/progress/", views.import_progress, name="progress"),
    path("<uuid:uuid>/resume/", views.import_resume, name="resume"),
    path("<uuid:uuid>/report.csv", views.import_issues_csv, name="issues_csv"),
]
