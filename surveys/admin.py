"""Django admin for surveys: instruments and their items, campaigns, external benchmarks.

Responses and participations are not here: nobody browses answers one by one, and who has answered
is for reminders and response rates only.
"""

from __future__ import annotations

from django.contrib import admin

from people.admin import AuditedAdmin
from surveys.models import Campaign, ExternalBenchmark, Instrument, Item


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0
    fields = [
        "order",
        "code",
        "module",
        "dimension",
        "text_zh",
        "text_en",
        "scale_min",
        "scale_max",
        "reverse",
    ]

    def has_change_permission(self, request, obj=None) -> bool:
        # A version that a campaign has used is never changed: results must stay recomputable.
        return obj is None or not obj.campaigns.exists()

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


@admin.register(Instrument)
class InstrumentAdmin(AuditedAdmin):
    list_display = ["title_zh", "code", "version"]
    inlines = [ItemInline]


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = ["title", "instrument", "population_unit", "opens_at", "closes_at", "status"]
    list_filter = ["status"]
    readonly_fields = ["status"]


@admin.register(ExternalBenchmark)
class ExternalBenchmarkAdmin(AuditedAdmin):
    list_display = ["title", "measured_on", "index", "source"]
