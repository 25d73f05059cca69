"""Django admin for the sysadmin: accounts, the org tree, officers, families and roles.

Writes go through the services, so the admin is audited like every other path.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from people import services
from people.models import FamilyMember, Officer, OrgUnit, RoleAssignment, User, WorkerHeartbeat
from welfare.domain import DomainError


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ["role", "org_unit", "granted_by", "created_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # roles are granted on the role assignment page, through the audited service


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "officer_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "is_superuser", "role_assignments__role"]
    search_fields = ["username", "officer__name", "officer__police_number"]
    list_select_related = ["officer"]
    inlines = [RoleAssignmentInline]

    @admin.display(description=_("name"), ordering="officer__name")
    def officer_name(self, obj: User) -> str:
        officer = getattr(obj, "officer", None)
        return officer.name if officer else "—"


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "code", "kind", "active", "officer_count"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    fields = ["kind", "parent", "code", "name", "sort_order", "active", "path", "depth"]
    readonly_fields = ["path", "depth"]
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_officers=Count("officers"))

    @admin.display(description=pgettext_lazy("org unit", "name"), ordering="path")
    def indented_name(self, obj: OrgUnit) -> str:
        return "　" * obj.depth + obj.name

    @admin.display(description=_("officers (direct)"), ordering="n_officers")
    def officer_count(self, obj: OrgUnit) -> int:
        return obj.n_officers

    def save_model(self, request, obj, form, change):
        try:
            if change:
                data = form.cleaned_data
                saved = services.org_unit_update(
                    unit=obj,
                    actor=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    parent=data["parent"],
                    sort_order=data["sort_order"],
                    active=data["active"],
                )
            else:
                saved = services.org_unit_create(
                    kind=obj.kind,
                    code=obj.code,
                    name=obj.name,
                    parent=obj.parent,
                    sort_order=obj.sort_order,
                    actor=request.user,
                )
        except DomainError as exc:
            messages.error(request, exc.message)
            return
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth


class FamilyMemberInline(admin.TabularInline):
    model = FamilyMember
    extra = 0
    fields = ["relation", "name", "sex", "birth_date", "school", "grade"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # officers keep their own family list on the portal and the app


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ["police_number", "name", "kind", "sex", "org_unit", "position", "active"]
    list_filter = ["kind", "active", "sex", "org_unit__kind"]
    search_fields = ["police_number", "name", "user__username", "mobile"]
    autocomplete_fields = ["org_unit", "user"]
    list_select_related = ["org_unit"]
    date_hierarchy = "joined_police_on"
    inlines = [FamilyMemberInline]
    actions = ["deactivate"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "police_number", "active"] if obj else []

    def has_add_permission(self, request) -> bool:
        return False  # officers come from the HR roster (services.officer_create), not typed in here

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in form.changed_data}
        try:
            services.officer_update(officer=obj, actor=request.user, **data)
        except DomainError as exc:
            messages.error(request, exc.message)

    @admin.action(description=_("Deactivate the selected officers and their log-ins"))
    def deactivate(self, request, queryset):
        for officer in queryset:
            services.officer_set_active(officer=officer, active=False, actor=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Deactivated %(n)d officer.", "Deactivated %(n)d officers.", count) % {"n": count},
        )


@admin.register(FamilyMember)
class FamilyMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "relation", "officer", "sex", "birth_date", "school", "grade"]
    list_filter = ["relation", "sex"]
    search_fields = ["name", "officer__name", "officer__police_number", "school"]
    list_select_related = ["officer"]
    autocomplete_fields = ["officer"]

    def has_add_permission(self, request) -> bool:
        return False  # officers keep their own family list; the admin only looks and corrects

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in form.changed_data if field != "officer"}
        try:
            services.family_member_update(member=obj, actor=request.user, **data)
        except DomainError as exc:
            messages.error(request, exc.message)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "org_unit", "granted_by", "created_at"]
    list_filter = ["role", "org_unit__kind"]
    search_fields = ["user__username", "user__officer__name", "org_unit__name", "org_unit__code"]
    autocomplete_fields = ["user", "org_unit"]
    list_select_related = ["user", "org_unit", "granted_by"]
    fields = ["user", "role", "org_unit"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj else []

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # revoking goes through the audited service
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = services.role_assign(user=obj.user, role=obj.role, org_unit=obj.org_unit, actor=request.user)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.role_revoke(assignment=obj, actor=request.user)

    @admin.action(description=_("Revoke the selected role assignments"), permissions=["delete"])
    def revoke(self, request, queryset):
        count = 0
        for assignment in queryset:
            services.role_revoke(assignment=assignment, actor=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("Revoked %(n)d role assignment.", "Revoked %(n)d role assignments.", count)
            % {"n": count},
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["queue", "hostname", "seen_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
