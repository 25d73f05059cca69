from django.urls import path

from activities import api

urlpatterns = [
    path("", api.ActivityListView.as_view(), name="activities"),
    path("signups/", api.MySignUpListView.as_view(), name="activities-my-signups"),
    path("signups/<int:pk>/cancel/", api.SignUpCancelView.as_view(), name="activities-signup-cancel"),
    path(
        "signups/<int:pk>/accept-offer/",
        api.SignUpAcceptOfferView.as_view(),
        name="activities-signup-accept-offer",
    ),
    path("signups/<int:pk>/qr/", api.SignUpCheckInCodeView.as_view(), name="activities-signup-qr"),
    path("calendar-feed/", api.CalendarFeedView.as_view(), name="activities-calendar-feed-address"),
    path("calendar-feed/reset/", api.CalendarFeedResetView.as_view(), name="activities-calendar-feed-reset"),
    path("<int:pk>/", api.ActivityDetailView.as_view(), name="activity"),
    path("<int:pk>/signups/", api.ActivitySignUpView.as_view(), name="activity-signup"),
    path("<int:pk>/feedback/", api.ActivityFeedbackView.as_view(), name="activity-feedback"),
]
