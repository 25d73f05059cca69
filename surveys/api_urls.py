"""REST API of surveys under /api/v1/surveys/: answering here, results in surveys/report_api_urls.py."""

from django.urls import include, path

from surveys import api

urlpatterns = [
    path("campaigns/", api.CampaignListView.as_view(), name="survey-campaigns"),
    path("campaigns/<int:pk>/", api.CampaignDetailView.as_view(), name="survey-campaign"),
    path("campaigns/<int:pk>/responses/", api.ResponseCreateView.as_view(), name="survey-responses"),
    path("campaigns/<int:pk>/draft/", api.DraftSaveView.as_view(), name="survey-draft"),
    path("", include("surveys.report_api_urls")),
]
