"""Action plans and third-party pages under /surveys/ (surveys/plan_views.py)."""

from django.urls import path

from surveys import plan_views

urlpatterns = [
    path("<int:pk>/actions/", plan_views.officer_actions, name="survey-actions"),
    path("manage/actions/", plan_views.plan_campaigns, name="survey-plan-campaigns"),
    path("manage/<int:pk>/actions/", plan_views.plan_list, name="survey-plan-list"),
    path("manage/actions/<int:pk>/edit/", plan_views.plan_edit, name="survey-plan-edit"),
    path("manage/third-party/", plan_views.third_party, name="survey-third-party"),
    path(
        "manage/third-party/<int:pk>/responses.<str:fmt>",
        plan_views.third_party_export,
        name="survey-third-party-export",
    ),
]
