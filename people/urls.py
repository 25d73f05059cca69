from django.contrib.auth import views as auth_views
from django.urls import path

from people import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("family/", views.family, name="family"),
    path("family/add/", views.family_add, name="family-add"),
    path("family/<int:pk>/edit/", views.family_edit, name="family-edit"),
    path("family/<int:pk>/delete/", views.family_delete, name="family-delete"),
    path("people/officers/", views.officer_list, name="officer-list"),
    path("system/status/", views.system_status, name="system-status"),
]
