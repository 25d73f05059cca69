"""The admin shows the fund's policy figures and the working-day calendar.

Care requests and ledger entries are not here: what people ask help with is for the welfare office's
pages (scoped and audited), and the ledger is written only by its services.
"""

from __future__ import annotations

from django.contrib import admin

from care.models import CalendarDay, Fund, SubBudget


class SubBudgetInline(admin.TabularInline):
    model = SubBudget
    fields = ("kind", "available", "committed", "spent")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Fund)
class FundAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "balance",
        "unallocated",
        "care_grant_annual_cap",
        "second_approval_above",
    )
    fields = ("name", "code", "balance", "unallocated", "care_grant_annual_cap", "second_approval_above")
    readonly_fields = ("code", "balance", "unallocated")
    inlines = [SubBudgetInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "is_working_day", "name")
    list_filter = ("is_working_day",)
    date_hierarchy = "day"
    search_fields = ("name",)
