from django.urls import path

from health import archive_api

urlpatterns = [
    path("archive/", archive_api.MyArchiveView.as_view(), name="health-archive"),
    path(
        "archives/<str:police_number>/",
        archive_api.OfficerArchiveView.as_view(),
        name="health-officer-archive-api",
    ),
]
