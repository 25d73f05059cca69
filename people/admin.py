"""Django admin for the system administrator: accounts, the org tree, officers and roles.

Writes go through the services, and every write made here is also written to the audit log.
Families are not in the admin: they are the officer's own (children's data is sensitive, PIPL
Art. 28), kept on the portal and the app.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from audit.models import AuditAction
from audit.services import audit_record
from people import services
from people.models import Officer, OrgUnit, RoleAssignment, User, WorkerHeartbeat
from welfare.domain import DomainError


class AuditedAdmin(admin.ModelAdmin):
    """Writes the audit log for every change made in the admin, besides Django's own LogEntry."""

    def _audit(self, request, obj, op: str, message: object = "") -> None:
        audit_record(
            actor=request.user,
            action=AuditAction.ADMIN_CHANGE,
            target=obj,
            detail={"op": op, "message": str(message)[:500]},
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete")
        return super().log_deletions(request, queryset)


def _as_form_error(exc: DomainError) -> forms.ValidationError:
    return forms.ValidationError({exc.field: exc.message} if exc.field else exc.message)


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
class UserAdmin(DjangoUserAdmin, AuditedAdmin):
    """Accounts. Staff status and groups follow the roles; superuser status is not granted here."""

    list_display = ["username", "officer_name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "role_assignments__role"]
    search_fields = ["username", "officer__name", "officer__police_number"]
    list_select_related = ["officer"]
    inlines = [RoleAssignmentInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "is_superuser", "last_login", "date_joined")}),
    )
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
    actions = ["unlock"]

    @admin.display(description=_("name"), ordering="officer__name")
    def officer_name(self, obj: User) -> str:
        officer = getattr(obj, "officer", None)
        return officer.name if officer else "—"

    def has_change_permission(self, request, obj=None) -> bool:
        # Nobody edits their own account here (status, password): the portal's password page is for that.
        if obj is not None and obj.pk == request.user.pk and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # accounts with a history are deactivated, never deleted

    @admin.action(
        description=_("Unlock the selected accounts (after too many failed log-ins)"), permissions=["change"]
    )
    def unlock(self, request, queryset):
        for user in queryset:
            services.account_unlock(user=user, actor=request.user)
        count = queryset.count()
        self.message_user(
            request, ngettext("Unlocked %(n)d account.", "Unlocked %(n)d accounts.", count) % {"n": count}
        )


class OrgUnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["kind", "parent", "code", "name", "sort_order", "active"]

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        if not services.ORG_UNIT_CODE.fullmatch(code):
            raise forms.ValidationError(
                _("A unit code is upper-case letters, digits and '-' only, e.g. X01-P03.")
            )
        return code

    def clean(self):
        data = super().clean()
        parent = data.get("parent")
        if self.instance.pk and parent is not None and parent.path.startswith(self.instance.path):
            raise forms.ValidationError(
                {"parent": _("A unit cannot be moved under itself or its own subtree.")}
            )
        return data


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    form = OrgUnitForm
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
        return super().get_queryset(request).annotate(n_officers=Count("officers"))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # units are deactivated; officers, roles and history point at them

    @admin.display(description=pgettext_lazy("org unit", "name"), ordering="path")
    def indented_name(self, obj: OrgUnit) -> str:
        return "　" * obj.depth + obj.name

    @admin.display(description=_("officers (direct)"), ordering="n_officers")
    def officer_count(self, obj: OrgUnit) -> int:
        return obj.n_officers

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if change:
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
                    kind=data["kind"],
                    code=data["code"],
                    name=data["name"],
                    parent=data["parent"],
                    sort_order=data["sort_order"],
                    actor=request.user,
                )
        except DomainError as exc:  # a race the form could not see (another admin moved a unit meanwhile)
            messages.error(request, exc.message)
            return
        obj.pk, obj.path, obj.depth = saved.pk, saved.path, saved.depth


@admin.register(Officer)
class OfficerAdmin(AuditedAdmin):
    list_display = ["police_number", "name", "kind", "sex", "org_unit", "position", "active"]
    list_filter = ["kind", "active", "sex", "org_unit__kind"]
    search_fields = ["police_number", "name", "user__username", "mobile"]
    autocomplete_fields = ["org_unit", "user"]
    list_select_related = ["org_unit"]
    date_hierarchy = "joined_police_on"
    actions = ["deactivate"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "police_number", "active"] if obj else []

    def has_add_permission(self, request) -> bool:
        return False  # officers come from the HR roster (services.officer_create), not typed in here

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in form.changed_data}
        services.officer_update(officer=obj, actor=request.user, **data)

    @admin.action(description=_("Deactivate the selected officers and their log-ins"))
    def deactivate(self, request, queryset):
        for officer in queryset:
            services.officer_set_active(officer=officer, active=False, actor=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Deactivated %(n)d officer.", "Deactivated %(n)d officers.", count) % {"n": count},
        )


class RoleAssignmentForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "org_unit"]

    def clean(self):
        data = super().clean()
        if data.get("user") and data.get("role"):
            try:
                services.role_check_grant(user=data["user"], role=data["role"], actor=self.actor)
            except DomainError as exc:
                raise _as_form_error(exc) from None
        return data


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedAdmin):
    form = RoleAssignmentForm
    list_display = ["user", "role", "org_unit", "granted_by", "created_at"]
    list_filter = ["role", "org_unit__kind"]
    search_fields = ["user__username", "user__officer__name", "org_unit__name", "org_unit__code"]
    autocomplete_fields = ["user", "org_unit"]
    list_select_related = ["user", "org_unit", "granted_by"]
    fields = ["user", "role", "org_unit"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

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
