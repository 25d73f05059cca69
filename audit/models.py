"""The append-only audit log (MLPS level 3: who did what, when, from where, with what result)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("logged in")
    LOGOUT = "logout", _("logged out")
    LOGIN_FAILED = "login_failed", _("failed log-in")
    LOCKED_OUT = "locked_out", _("account locked")
    PASSWORD_CHANGED = "password_changed", _("password changed")
    ACCOUNT_UNLOCKED = "account_unlocked", _("account unlocked")
    ADMIN_CHANGE = "admin_change", _("changed in the admin")
    ROLE_GRANTED = "role_granted", _("role granted")
    ROLE_REVOKED = "role_revoked", _("role revoked")
    ORG_UNIT_CHANGED = "org_unit_changed", _("org unit changed")
    OFFICER_CHANGED = "officer_changed", _("officer changed")
    FAMILY_CHANGED = "family_changed", _("family member changed")
    SENSITIVE_READ = "sensitive_read", _("sensitive record read")
    BROADCAST_SENT = "broadcast_sent", _("message sent to a unit")
    BROADCAST_CANCELLED = "broadcast_cancelled", _("message to a unit cancelled")
    HEALTH_IMPORTED = "health_imported", _("health data imported")
    REMINDER_RETRIED = "reminder_retried", _("failed reminder retried")
    HEALTH_ADVISER_CHANGED = "health_adviser_changed", _("health adviser assigned")
    ACTIVITY_CHANGED = "activity_changed", _("family activity changed")
    CARE_REQUEST_CHANGED = "care_request_changed", _("care request changed")
    CARE_GRANT_CHANGED = "care_grant_changed", _("care grant changed")
    FUND_ENTRY = "fund_entry", _("fund entry recorded")
    AWARD_CHANGED = "award_changed", _("education award changed")


class AuditResult(models.TextChoices):
    SUCCESS = "success", _("success")
    FAILURE = "failure", _("failure")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit entries cannot be changed.")

    def delete(self):
        raise PermissionError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One audited event. Rows are only ever inserted; PostgreSQL also refuses UPDATE and DELETE."""

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # accounts with an audit trail are deactivated, never deleted
        related_name="+",
    )
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    result = models.CharField(
        _("result"), max_length=10, choices=AuditResult.choices, default=AuditResult.SUCCESS
    )
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        # An integrity guard, not business logic: an existing row is never rewritten.
        if not self._state.adding:
            raise PermissionError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries cannot be deleted.")
