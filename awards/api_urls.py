"""The awards API for the mobile app, under /api/v1/awards/ (namespace "api")."""

from django.urls import path

from awards import api

urlpatterns = [
    path("programmes/", api.ProgrammeListView.as_view(), name="award-programmes"),
    path("applications/", api.ApplicationListView.as_view(), name="award-applications"),
    path("applications/<int:pk>/", api.ApplicationDetailView.as_view(), name="award-application"),
    path(
        "applications/<int:pk>/submit/", api.ApplicationSubmitView.as_view(), name="award-application-submit"
    ),
]
