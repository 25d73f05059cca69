"""The welfare office's care pages under /care/: the queue and its export, one request as its handler works
it (with the forms that post to the workflow), and the overview. The officer's pages are in care/urls.py."""

from django.urls import path

from care import staff_views

urlpatterns = [
    path("queue/", staff_views.queue, name="care-queue"),
    path("queue/export.xlsx", staff_views.queue_export, name="care-queue-export"),
    path("overview/", staff_views.overview, name="care-overview"),
    path("handle/<int:pk>/", staff_views.handle, name="care-handle"),
    path("handle/<int:pk>/accept/", staff_views.accept, name="care-accept"),
    path("handle/<int:pk>/return/", staff_views.return_for_information, name="care-return"),
    path("handle/<int:pk>/action/", staff_views.action, name="care-action"),
    path("handle/<int:pk>/resolve/", staff_views.resolve, name="care-resolve"),
    path("handle/<int:pk>/grants/", staff_views.grant_propose, name="care-grant-propose"),
    path("grants/<int:grant_pk>/cancel/", staff_views.grant_cancel, name="care-grant-cancel"),
]
