"""The officer's care pages under /care/: my requests, asking for help (also on an officer's behalf), a
request's page and its actions, attachment downloads. The welfare office's pages are in care/staff_urls.py."""

from django.urls import path

from care import views

urlpatterns = [
    path("requests/", views.my_requests, name="care-mine"),
    path("requests/new/", views.request_new, name="care-new"),
    path("requests/new-for/", views.request_new_for, name="care-new-for"),
    path("requests/<int:pk>/", views.request_detail, name="care-detail"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="care-withdraw"),
    path("requests/<int:pk>/resubmit/", views.request_resubmit, name="care-resubmit"),
    path("requests/<int:pk>/documents/", views.request_attach, name="care-attach"),
    path("requests/<int:pk>/rate/", views.request_rate, name="care-rate"),
    path("attachments/<int:pk>/", views.attachment_download, name="care-attachment"),
]
