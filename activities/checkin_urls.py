"""The day of an activity and after it: QR codes, check-in, the paper list, feedback, statistics."""

from django.urls import path

from activities import checkin_views as views

urlpatterns = [
    path("signups/<int:pk>/qr.svg", views.signup_qr, name="activities-signup-qr"),
    path("stats/", views.stats, name="activities-stats"),
    path("<int:pk>/check-in/", views.check_in, name="activities-check-in"),
    path("<int:pk>/check-in/<int:signup_pk>/", views.check_in_record, name="activities-check-in-record"),
    path("<int:pk>/check-in/list.xlsx", views.check_in_xlsx, name="activities-check-in-xlsx"),
    path("<int:pk>/check-in/list.pdf", views.check_in_pdf, name="activities-check-in-pdf"),
    path("<int:pk>/check-in/bulk/", views.check_in_bulk, name="activities-check-in-bulk"),
    path("<int:pk>/feedback/", views.feedback, name="activities-feedback"),
    path("<int:pk>/feedback/results/", views.feedback_results, name="activities-feedback-results"),
]
