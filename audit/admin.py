"""The audit log in the admin: read-only, for the security auditor (no add, change or delete)."""

from __future__ import annotations

from django.contrib import admin

from audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_at",
        "actor_username",
        "action",
        "result",
        "object_type",
        "object_repr",
        "source_ip",
    ]
    list_filter = ["action", "result", "object_type"]
    search_fields = ["actor_username", "object_repr", "object_id", "source_ip"]
    date_hierarchy = "occurred_at"
    list_per_page = 100
    show_full_result_count = False  # counting millions of rows on every page view is slow

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def get_actions(self, request):
        return {}

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
