"""Django admin for activities: a read-mostly view for the system administrator.

Activities are run on the portal by the welfare office (capacity changes promote the waiting list
there, through the services); the admin shows them and lets the organiser, venue and texts be
corrected. Sign-ups are not here: they name officers' children (PIPL Art. 28).
"""

from __future__ import annotations

from django.contrib import admin

from activities.models import Activity, ActivitySeries
from people.admin import AuditedAdmin


@admin.register(Activity)
class ActivityAdmin(AuditedAdmin):
    list_display = ["title", "kind", "starts_at", "venue", "capacity", "booked_persons", "status"]
    list_filter = ["kind", "status", "audience"]
    search_fields = ["title", "venue"]
    date_hierarchy = "starts_at"
    list_select_related = ["organiser"]
    # A venue or audience changed here would not reach the families signed up: that is the portal's job.
    readonly_fields = [
        "venue",
        "audience_unit",
        "capacity",
        "booked_persons",
        "starts_at",
        "ends_at",
        "signup_opens_at",
        "signup_closes_at",
        "cancel_until",
        "status",
        "series",
    ]
    fields = ["title", "kind", "description", "organiser", *readonly_fields]

    def has_add_permission(self, request) -> bool:
        return False  # created on the portal (services.activity_create / series_create)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancelled on the portal, which tells everybody signed up


@admin.register(ActivitySeries)
class ActivitySeriesAdmin(AuditedAdmin):
    list_display = ["title", "weekday", "created_at"]
    readonly_fields = ["weekday"]

    def has_add_permission(self, request) -> bool:
        return False
