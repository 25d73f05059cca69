"""People: the org tree, accounts, officers, their families and role assignments."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def age_on(born: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day`` (the one rule every app uses: a birthday counts from its day)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """An account. Officers have an ``officer`` profile; a few technical accounts do not."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    @property
    def display_name(self) -> str:
        officer = getattr(self, "officer", None)
        return officer.name if officer else (self.get_full_name() or self.username)


class OrgUnitKind(models.TextChoices):
    CITY_BUREAU = "city_bureau", _("city bureau")
    CENTRE = "centre", _("centre")
    COUNTY_BUREAU = "county_bureau", _("county bureau")
    POLICE_STATION = "police_station", _("police station")
    STREET_POST = "street_post", _("street post")


class OrgUnit(TimeStampedModel):
    """A unit of the bureau. ``path`` is a materialised path of codes: a subtree is one prefix query."""

    PATH_SEPARATOR = "/"

    kind = models.CharField(_("kind"), max_length=20, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("The bureau's unit code; it cannot change once created."),
    )
    name = models.CharField(pgettext_lazy("org unit", "name"), max_length=100)
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(code__contains="/"),
                name="orgunit_code_has_no_slash",
                violation_error_message=_("A unit code cannot contain '/'."),
            ),
            models.CheckConstraint(condition=~Q(code=""), name="orgunit_code_not_empty"),
            # Upper case only: SQLite's LIKE ignores case, so "ab" would fall inside the subtree of "AB".
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z0-9][A-Z0-9-]*$"),
                name="orgunit_code_upper_case",
                violation_error_message=_(
                    "A unit code is upper-case letters, digits and '-' only (X01-P03)."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "path"], name="orgunit_kind_path"),
            # LIKE 'prefix%' on PostgreSQL uses an index only with the pattern operator class.
            models.Index(fields=["path"], name="orgunit_path_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def path_for(*, parent: OrgUnit | None, code: str) -> str:
        prefix = parent.path if parent else OrgUnit.PATH_SEPARATOR
        return f"{prefix}{code}{OrgUnit.PATH_SEPARATOR}"

    def is_within(self, other: OrgUnit) -> bool:
        """True when this unit is ``other`` or lies in its subtree."""
        return self.path.startswith(other.path)


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class OfficerKind(models.TextChoices):
    POLICE = "police", _("police officer")
    AUXILIARY = "auxiliary", _("auxiliary officer")


class Officer(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT, related_name="officer"
    )
    police_number = models.CharField(_("police number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    kind = models.CharField(_("kind"), max_length=20, choices=OfficerKind.choices, default=OfficerKind.POLICE)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="officers"
    )
    position = models.CharField(_("position"), max_length=50, blank=True)
    joined_police_on = models.DateField(_("joined the police on"))
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        ordering = ["police_number"]
        constraints = [
            models.CheckConstraint(condition=~Q(police_number=""), name="officer_police_number_not_empty"),
            models.CheckConstraint(
                condition=Q(joined_police_on__gt=models.F("birth_date")),
                name="officer_joined_after_birth",
                violation_error_message=_("The date of joining the police must come after the birth date."),
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "kind", "active"], name="officer_unit_kind_active")]

    def __str__(self) -> str:
        return f"{self.name}（{self.police_number}）"

    @property
    def service_years(self) -> int:
        today = timezone.localdate()
        joined = self.joined_police_on
        return today.year - joined.year - ((today.month, today.day) < (joined.month, joined.day))


class FamilyRelation(models.TextChoices):
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    PARENT = "parent", _("parent")


class FamilyMember(TimeStampedModel):
    """A member of an officer's family. Children's data is sensitive (PIPL Art. 28): officer-only."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="family_members"
    )
    relation = models.CharField(_("relation"), max_length=10, choices=FamilyRelation.choices)
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    school = models.CharField(_("school"), max_length=100, blank=True)
    grade = models.CharField(_("grade"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        ordering = ["officer", "relation", "birth_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(relation="child") | (Q(school="") & Q(grade="")),
                name="family_school_only_for_children",
                violation_error_message=_("School and grade are recorded for children only."),
            ),
            # A double submit of the same person is one record.
            models.UniqueConstraint(
                fields=["officer", "relation", "name", "birth_date"],
                name="family_member_unique_person",
                violation_error_message=_("This family member is already on record."),
            ),
            # One spouse on record per officer.
            models.UniqueConstraint(
                fields=["officer"],
                condition=Q(relation="spouse"),
                name="family_one_spouse_per_officer",
                violation_error_message=_("A spouse is already on record."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"

    @property
    def age(self) -> int:
        return age_on(self.birth_date, timezone.localdate())


class Role(models.TextChoices):
    UNIT_ADMIN = "unit_admin", _("unit admin")
    WELFARE_OFFICE = "welfare_office", _("welfare office")
    WELFARE_HEAD = "welfare_head", _("welfare office head")
    HEALTH_STAFF = "health_staff", _("health staff")
    HEALTH_ADVISER = "health_adviser", _("health adviser")
    LEADER = "leader", _("leader")
    SYSADMIN = "sysadmin", _("system administrator")
    AUDITOR = "auditor", _("security auditor")


class RoleAssignment(TimeStampedModel):
    """A user holds a role over an org unit and its whole subtree.

    Being an officer is not an assignment: every account with an officer profile acts as
    an officer for its own records.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="role_assignments"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "org_unit"],
                name="roleassignment_unique",
                violation_error_message=_("This account already holds this role in this unit."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org_unit}"


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker answered on a queue; the status page shows stale ones."""

    queue = models.CharField(_("queue"), max_length=30, unique=True)
    hostname = models.CharField(_("worker"), max_length=200)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["queue"]

    def __str__(self) -> str:
        return f"{self.queue}@{self.hostname}"
