"""Operations view of the reminder engine: reminders by state with counts, errors, retry."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications import selectors, services
from notifications.kinds import KINDS
from notifications.models import Broadcast, Delivery, Reminder, ReminderState


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    change_list_template = "admin/notifications/reminder/change_list.html"
    list_display = [
        "id",
        "kind_label",
        "recipient",
        "state",
        "due_at",
        "next_attempt_at",
        "finished_at",
        "short_error",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["recipient__username", "recipient__officer__name", "subject"]
    list_select_related = ["recipient"]
    date_hierarchy = "due_at"
    inlines = [DeliveryInline]
    actions = ["retry"]
    show_full_result_count = False

    # The payload is the message's content (later: health follow-ups, children's awards): operations see
    # kinds, people, states, times and errors, never what was said.
    exclude = ["payload"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "payload"]

    def save_model(self, request, obj, form, change):
        pass  # read-only: the change permission exists for the retry action, not for editing

    def has_add_permission(self, request) -> bool:
        return False  # features schedule reminders through the service

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj: Reminder) -> str:
        kind = KINDS.get(obj.kind)
        return str(kind.label) if kind else obj.kind

    @admin.display(description=_("last error"))
    def short_error(self, obj: Reminder) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def changelist_view(self, request, extra_context=None):
        counts = selectors.reminder_counts()
        extra_context = {
            **(extra_context or {}),
            "state_counts": [(state, label, counts[state]) for state, label in ReminderState.choices],
        }
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description=_("Retry the selected failed reminders"), permissions=["change"])
    def retry(self, request, queryset):
        count = 0
        for reminder in queryset.filter(state=ReminderState.FAILED):
            services.reminder_retry(reminder=reminder, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(n)d reminder will be sent again.", "%(n)d reminders will be sent again.", count)
            % {"n": count},
        )


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ["title", "org_unit", "sender", "state", "total", "scheduled", "created_at", "finished_at"]
    list_filter = ["state"]
    search_fields = ["title", "org_unit__name", "sender__username"]
    list_select_related = ["org_unit", "sender"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
