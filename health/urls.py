from django.urls import path

from health import import_views, report, views

urlpatterns = [
    path("", views.my_archive, name="health-my-archive"),
    path("officers/", views.archive_officers, name="health-officers"),
    path("units/", views.unit_overview, name="health-units"),
    path("imports/", import_views.import_list, name="health-imports"),
    path("imports/<int:pk>/", import_views.import_detail, name="health-import"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="health-import-progress"),
    path("imports/<int:pk>/file/", import_views.import_file, name="health-import-file"),
    path("imports/<int:pk>/retry/", import_views.import_retry, name="health-import-retry"),
    path("advisers/", views.assign_adviser, name="health-assign-adviser"),
    path("follow-ups/", views.follow_up_list, name="health-follow-ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="health-follow-up"),
    path("report.pdf", report.my_report, name="health-my-report"),
    path("officers/<str:police_number>/report.pdf", report.officer_report, name="health-officer-report"),
    path("officers/<str:police_number>/", views.officer_archive, name="health-officer-archive"),
]
