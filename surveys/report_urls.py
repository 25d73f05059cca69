"""The results pages under /surveys/ (included by welfare/urls.py)."""

from django.urls import path

from surveys import report_views

urlpatterns = [
    path("<int:pk>/results/", report_views.campaign_results, name="survey-results"),
    path("<int:pk>/results.xlsx", report_views.campaign_results_export, name="survey-results-export"),
    path("<int:pk>/publish/", report_views.campaign_publish, name="survey-publish"),
]
