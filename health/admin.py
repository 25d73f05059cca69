"""Django admin for the indicator catalogue: names, units, possible ranges and grading rules.

Only the catalogue is here. Checkups, results and import batches are people's health data:
they are not in the admin (the system administrator does not read health records); health
staff see them on the portal, where every read of another person's record is audited.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from health.models import GradingRule, Indicator
from people.admin import AuditedAdmin


class GradingRuleInline(admin.TabularInline):
    model = GradingRule
    extra = 0
    fields = ["sex", "age_min", "age_max", "lower", "upper", "category", "flag", "priority"]
    ordering = ["sex", "age_min", "-priority", "lower"]


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "unit",
        "plausible_range",
        "decimals",
        "rule_count",
        "sort_order",
        "active",
    ]
    list_editable = ["sort_order", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["sort_order", "code"]
    fields = [
        "code",
        ("name_zh", "name_en"),
        "unit",
        ("plausible_min", "plausible_max"),
        "decimals",
        "sort_order",
        "active",
    ]
    inlines = [GradingRuleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("rules")

    def get_readonly_fields(self, request, obj=None):
        # Imports, grading and the risk rules refer to indicators by code.
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an indicator with results cannot go; one without can be made inactive

    @admin.display(description=_("possible values"))
    def plausible_range(self, obj: Indicator) -> str:
        return f"{obj.plausible_min.normalize():f}–{obj.plausible_max.normalize():f}"

    @admin.display(description=_("grading rules"))
    def rule_count(self, obj: Indicator) -> int:
        return len(obj.rules.all())
