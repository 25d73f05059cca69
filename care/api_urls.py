"""The care API for the mobile app, under /api/v1/care/ (namespace "api")."""

from django.urls import path

from care import api

urlpatterns = [
    path("requests/", api.MyRequestListView.as_view(), name="care-requests"),
    path("requests/<int:pk>/", api.MyRequestDetailView.as_view(), name="care-request"),
    path("requests/<int:pk>/rate/", api.MyRequestRateView.as_view(), name="care-request-rate"),
    path("requests/<int:pk>/withdraw/", api.MyRequestWithdrawView.as_view(), name="care-request-withdraw"),
    path("requests/<int:pk>/resubmit/", api.MyRequestResubmitView.as_view(), name="care-request-resubmit"),
    path("attachments/<int:pk>/", api.MyAttachmentView.as_view(), name="care-attachment"),
]
