from django.urls import include, path
from rest_framework.routers import SimpleRouter

from people import api

router = SimpleRouter()
router.register("me/family", api.MyFamilyViewSet, basename="my-family")
router.register("people/officers", api.OfficerViewSet, basename="officer")

urlpatterns = [
    path("auth/token/", api.LoginTokenView.as_view(), name="token-obtain"),
    path("auth/token/refresh/", api.RefreshTokenView.as_view(), name="token-refresh"),
    path("auth/token/logout/", api.LogoutView.as_view(), name="token-logout"),
    path("me/", api.MeView.as_view(), name="me"),
    path("", include(router.urls)),
]
