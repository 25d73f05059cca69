"""The results endpoint under /api/v1/surveys/ (included by surveys/api_urls.py)."""

from django.urls import path

from surveys import report_api

urlpatterns = [
    path("campaigns/<int:pk>/results/", report_api.CampaignResultsView.as_view(), name="api-survey-results"),
]
