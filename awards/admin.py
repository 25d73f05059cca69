"""Universities are curated here (and imported from a CSV); programmes and applications live on the
welfare office's pages, where every step is a service with its audit row."""

from __future__ import annotations

from django.contrib import admin

from awards.models import University


@admin.register(University)
class UniversityAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "province",
        "is_985",
        "is_211",
        "is_double_first_class",
        "list_date",
        "active",
    )
    list_filter = ("is_985", "is_211", "is_double_first_class", "active", "province")
    search_fields = ("code", "name")
    ordering = ("code",)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Applications refer to universities; take one off the list by unticking "active".
        return False
