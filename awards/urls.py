"""The officer's award pages under /awards/: programmes and my applications, applying, an application's
page and its actions, the admission letter, and the public notice. Reviewers' pages: awards/staff_urls.py."""

from django.urls import path

from awards import views

urlpatterns = [
    path("", views.home, name="award-home"),
    path("programmes/<int:pk>/apply/", views.apply, name="award-apply"),
    path("applications/", views.mine, name="award-mine"),
    path("applications/<int:pk>/", views.detail, name="award-application"),
    path("applications/<int:pk>/edit/", views.edit, name="award-edit"),
    path("applications/<int:pk>/submit/", views.submit, name="award-submit"),
    path("applications/<int:pk>/withdraw/", views.withdraw, name="award-withdraw"),
    path("applications/<int:pk>/letter/", views.letter, name="award-letter"),
    path("notice/", views.notice, name="award-notice"),
    path("notice/<int:pk>/object/", views.object_to, name="award-object"),
    path("notice.xlsx", views.notice_export, name="award-notice-export"),
]
