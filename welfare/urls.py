"""Root URLs: the portal, the Django admin, and the REST API under /api/v1/."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

admin.site.site_header = _("幸福警营 administration")
admin.site.site_title = _("幸福警营 administration")
admin.site.index_title = _("System administration")

api_v1 = [
    path("", include("people.api_urls")),
    path("", include("notifications.api_urls")),
    path("health/", include("health.api_urls")),
    path("health/", include("health.archive_api_urls")),
    path("activities/", include("activities.api_urls")),
    path("surveys/", include("surveys.api_urls")),
    path("care/", include("care.api_urls")),
    path("awards/", include("awards.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("notifications/", include("notifications.urls")),
    path("health/", include("health.urls")),
    path("activities/", include("activities.urls")),
    path("activities/", include("activities.checkin_urls")),
    path("calendar/", include("activities.ical_urls")),
    path("surveys/", include("surveys.urls")),
    path("surveys/", include("surveys.report_urls")),
    path("surveys/", include("surveys.plan_urls")),
    path("care/", include("care.urls")),
    path("care/", include("care.staff_urls")),
    path("fund/", include("care.fund_urls")),
    path("awards/", include("awards.urls")),
    path("awards/", include("awards.staff_urls")),
    path("", include("people.urls")),
]

handler400 = "welfare.errors.bad_request"
handler403 = "welfare.errors.permission_denied"
handler404 = "welfare.errors.page_not_found"
handler500 = "welfare.errors.server_error"

if settings.DEBUG:
    # Lets a developer look at the error pages at /__errors__/404/ etc.
    from welfare import errors

    urlpatterns += [
        path("__errors__/403/", errors.permission_denied),
        path("__errors__/404/", errors.page_not_found),
        path("__errors__/500/", errors.server_error),
    ]
