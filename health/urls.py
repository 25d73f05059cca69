from django.urls import path

from health import views

urlpatterns = [
    path("", views.my_archive, name="health-my-archive"),
    path("officers/", views.archive_officers, name="health-officers"),
    path("units/", views.unit_overview, name="health-units"),
    path("officers/<str:police_number>/", views.officer_archive, name="health-officer-archive"),
]
