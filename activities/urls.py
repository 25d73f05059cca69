"""The activity pages under /activities/: the officer's (list, calendar, activity, my sign-ups) and the
welfare office's under /activities/manage/. Check-in pages are in activities/checkin_urls.py."""

from django.urls import path

from activities import views

urlpatterns = [
    path("", views.activity_list, name="activity-list"),
    path("calendar/", views.activity_calendar, name="activity-calendar"),
    path("mine/", views.my_signups, name="activity-mine"),
    path("mine/calendar/", views.calendar_address, name="activity-calendar-address"),
    path("<int:pk>/", views.activity_detail, name="activity-detail"),
    path("<int:pk>/sign-up/", views.activity_signup, name="activity-signup"),
    path("<int:pk>/cancel/", views.signup_cancel, name="activity-signup-cancel"),
    path("<int:pk>/accept/", views.offer_accept, name="activity-offer-accept"),
    path("photos/<int:pk>/", views.photo, name="activity-photo"),
    path("manage/", views.manage_list, name="activity-manage-list"),
    path("manage/new/", views.manage_create, name="activity-manage-create"),
    path("manage/<int:pk>/", views.manage_detail, name="activity-manage"),
    path("manage/<int:pk>/edit/", views.manage_edit, name="activity-manage-edit"),
    path("manage/<int:pk>/capacity/", views.manage_capacity, name="activity-manage-capacity"),
    path("manage/<int:pk>/cancel/", views.manage_cancel, name="activity-manage-cancel"),
    path(
        "manage/<int:pk>/signups/<int:signup_pk>/cancel/",
        views.manage_signup_cancel,
        name="activity-manage-signup-cancel",
    ),
    path("manage/<int:pk>/photos/", views.manage_photo, name="activity-manage-photo"),
    path("manage/<int:pk>/signups.xlsx", views.manage_export, name="activity-manage-export"),
]
