from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="inbox-badge"),
    path("<int:pk>/read/", views.mark_read, name="notification-read"),
    path("read-all/", views.mark_all_read, name="notifications-read-all"),
    path("settings/", views.notification_settings, name="notification-settings"),
    path("broadcasts/", views.broadcast_list, name="broadcast-list"),
    path("broadcasts/new/", views.broadcast_new, name="broadcast-new"),
    path("broadcasts/<int:pk>/", views.broadcast_detail, name="broadcast-detail"),
    path("broadcasts/<int:pk>/progress/", views.broadcast_progress, name="broadcast-progress"),
    path("broadcasts/<int:pk>/cancel/", views.broadcast_cancel, name="broadcast-cancel"),
]
