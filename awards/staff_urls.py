"""The reviewers' and the welfare office's award pages under /awards/: review/ (the queues and one
application), manage/ (programmes, head-teacher awards, the university list) and stats/. The officer's
pages are in awards/urls.py."""

from django.urls import path

from awards import staff_views

urlpatterns = [
    path("review/", staff_views.review_queue, name="award-review"),
    path("review/batch/", staff_views.review_batch, name="award-review-batch"),
    path("review/<int:pk>/", staff_views.review_detail, name="award-review-detail"),
    path("review/<int:pk>/decide/", staff_views.review_decide, name="award-review-decide"),
    path("manage/", staff_views.programmes, name="award-programmes"),
    path("manage/new/", staff_views.programme_new, name="award-programme-new"),
    path("manage/<int:pk>/", staff_views.programme_detail, name="award-programme"),
    path("manage/<int:pk>/edit/", staff_views.programme_edit, name="award-programme-edit"),
    path("manage/<int:pk>/notice/", staff_views.notice_start, name="award-notice-start"),
    path("manage/<int:pk>/pay/", staff_views.pay_all, name="award-pay-all"),
    path("manage/<int:pk>/release/", staff_views.release_unspent, name="award-programme-release"),
    path("manage/<int:pk>/export.xlsx", staff_views.programme_export, name="award-programme-export"),
    path("manage/teachers/", staff_views.teachers, name="award-teachers"),
    path("manage/teachers/nominate/<int:pk>/", staff_views.teacher_nominate, name="award-teacher-nominate"),
    path("manage/teachers/<int:pk>/decide/", staff_views.teacher_decide, name="award-teacher-decide"),
    path("manage/teachers/<int:pk>/pay/", staff_views.teacher_pay, name="award-teacher-pay"),
    path("manage/teachers/<int:pk>/certificate.pdf", staff_views.certificate, name="award-certificate"),
    path("manage/universities/import/", staff_views.universities_import, name="award-universities-import"),
    path("objections/<int:pk>/decide/", staff_views.objection_decide, name="award-objection-decide"),
    path("applications/<int:pk>/pay/", staff_views.application_pay, name="award-pay"),
    path("stats/", staff_views.stats, name="award-stats"),
    path("stats/export.xlsx", staff_views.stats_export, name="award-stats-export"),
]
