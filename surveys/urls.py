"""The survey pages under /surveys/: answering (officers) and running campaigns (/surveys/manage/)."""

from django.urls import path

from surveys import views

urlpatterns = [
    path("", views.survey_list, name="survey-list"),
    path("<int:pk>/", views.survey_answer, name="survey-answer"),
    path("manage/", views.manage_list, name="survey-manage-list"),
    path("manage/new/", views.manage_create, name="survey-manage-create"),
    path("manage/<int:pk>/", views.manage_detail, name="survey-manage"),
    path("manage/<int:pk>/open/", views.manage_open, name="survey-manage-open"),
    path("manage/<int:pk>/close/", views.manage_close, name="survey-manage-close"),
]
