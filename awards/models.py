"""Education awards: 金盾优学奖 for officers' children admitted to key universities, 金盾园丁奖 for their
head teachers.

A **programme** is one year's award of one kind: dates, the university tiers that qualify and the
amount for each, a budget set aside from the fund's awards sub-budget (a ledger commitment, so the
fund's guarantees hold: no award is paid beyond the programme's budget or the fund's balance), and a
public-notice period.

An **application** moves draft → submitted → unit approved → approved → in notice (公示) → paid, with
returned, rejected, on hold (an objection during the notice) and withdrawn on the side. The database
allows one live application per child, kind and year: the child is identified by name and birth date
(``child_identity``), so two parents who are both officers cannot each claim the same child.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from care.models import MONEY, FundEntry
from people.models import FamilyMember, Officer, TimeStampedModel


class Tier(models.TextChoices):
    """The best list a university is on; a programme pays by tier."""

    T985 = "985", _("985 Project")
    T211 = "211", _("211 Project")
    DOUBLE_FIRST_CLASS = "dfc", _("Double First-Class")


class University(TimeStampedModel):
    code = models.CharField(
        _("school code"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^\d{10}$", _("The Ministry of Education school code has 10 digits."))],
        help_text=_("学校标识码, from the Ministry of Education's list of higher-education institutions."),
    )
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=20, blank=True)
    is_985 = models.BooleanField(_("985 Project"), default=False)
    is_211 = models.BooleanField(_("211 Project"), default=False)
    is_double_first_class = models.BooleanField(_("Double First-Class"), default=False)
    list_date = models.DateField(
        _("date of the list"), help_text=_("The date of the list the flags come from.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("university")
        verbose_name_plural = _("universities")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{10}$"), name="university_code_10_digits"),
            # Every 985 university is a 211 university.
            models.CheckConstraint(condition=Q(is_985=False) | Q(is_211=True), name="university_985_is_211"),
        ]
        indexes = [models.Index(fields=["name"], name="university_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def tiers(self) -> list[str]:
        found = []
        if self.is_985:
            found.append(Tier.T985)
        if self.is_211:
            found.append(Tier.T211)
        if self.is_double_first_class:
            found.append(Tier.DOUBLE_FIRST_CLASS)
        return found

    @property
    def tier(self) -> str | None:
        """The best tier (985, then 211, then Double First-Class), or None."""
        tiers = self.tiers
        return tiers[0] if tiers else None


class ProgrammeKind(models.TextChoices):
    SCHOLARSHIP = "scholarship", _("金盾优学奖 (scholarship)")
    TEACHER = "teacher", _("金盾园丁奖 (head teacher)")


class Programme(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=ProgrammeKind.choices)
    year = models.PositiveIntegerField(_("admission year"))
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    opens_on = models.DateField(_("applications open"))
    closes_on = models.DateField(_("applications close"))
    amount_985 = models.DecimalField(
        _("amount for 985 universities"), null=True, blank=True, help_text=_("Empty: not eligible."), **MONEY
    )
    amount_211 = models.DecimalField(
        _("amount for 211 universities"), null=True, blank=True, help_text=_("Empty: not eligible."), **MONEY
    )
    amount_dfc = models.DecimalField(
        _("amount for Double First-Class universities"),
        null=True,
        blank=True,
        help_text=_("Empty: not eligible."),
        **MONEY,
    )
    budget = models.DecimalField(_("budget"), **MONEY)
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), default=5)
    # The budget set aside in the fund's awards sub-budget when the programme is created.
    commitment = models.OneToOneField(
        FundEntry,
        verbose_name=_("budget entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("award programme")
        verbose_name_plural = _("award programmes")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="programme_one_per_kind_and_year"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="programme_closes_after_opening"
            ),
            models.CheckConstraint(condition=Q(budget__gt=0), name="programme_budget_positive"),
            models.CheckConstraint(
                condition=Q(amount_985__isnull=False)
                | Q(amount_211__isnull=False)
                | Q(amount_dfc__isnull=False),
                name="programme_some_tier_eligible",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def amount_for(self, tier: str | None):
        """The award for a university of this tier, or None when the tier does not qualify."""
        return {
            Tier.T985: self.amount_985,
            Tier.T211: self.amount_211,
            Tier.DOUBLE_FIRST_CLASS: self.amount_dfc,
        }.get(tier)

    def best_amount(self, university: University):
        """The highest amount any of the university's tiers earns (a 985 university is also 211)."""
        amounts = [a for a in (self.amount_for(t) for t in university.tiers) if a is not None]
        return max(amounts) if amounts else None

    def is_open_on(self, day) -> bool:
        return self.opens_on <= day <= self.closes_on


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("awaiting unit review")
    RETURNED = "returned", _("returned for more information")
    UNIT_APPROVED = "unit_approved", _("awaiting welfare-office review")
    APPROVED = "approved", _("approved")
    IN_NOTICE = "in_notice", _("in public notice")
    ON_HOLD = "on_hold", _("on hold: objection")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


# Applications that hold the child's one place for the kind and year.
LIVE_STATUSES = [s for s in Status.values if s not in (Status.REJECTED, Status.WITHDRAWN)]


class Application(TimeStampedModel):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="applications"
    )
    # Copied from the programme, so the database can keep one live application per child, kind and year.
    kind = models.CharField(_("kind"), max_length=20, choices=ProgrammeKind.choices, editable=False)
    year = models.PositiveIntegerField(_("admission year"), editable=False)
    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="award_applications"
    )
    child = models.ForeignKey(
        FamilyMember, verbose_name=_("child"), on_delete=models.PROTECT, related_name="award_applications"
    )
    child_identity = models.CharField(_("child identity"), max_length=80, editable=False)
    university = models.ForeignKey(
        University, verbose_name=_("university"), on_delete=models.PROTECT, related_name="applications"
    )
    admission_year = models.PositiveIntegerField(_("admission year"))
    major = models.CharField(_("major"), max_length=100, blank=True)
    letter = models.FileField(_("admission letter"), upload_to="awards/letters/%Y/", blank=True)
    letter_type = models.CharField(_("letter type"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, blank=True)
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    notice_starts_on = models.DateField(_("notice from"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice until"), null=True, blank=True)
    payment = models.OneToOneField(
        FundEntry,
        verbose_name=_("payment entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # When the application last entered a state that waits for a reviewer (for the reminders).
    waiting_since = models.DateTimeField(_("waiting since"), null=True, blank=True)

    class Meta:
        verbose_name = _("award application")
        verbose_name_plural = _("award applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child_identity", "kind", "year"],
                condition=Q(status__in=LIVE_STATUSES),
                name="application_one_per_child_kind_year",
                violation_error_message=_("This child already has an application for this award this year."),
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(payment__isnull=False), name="application_paid_has_entry"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "in_notice", "on_hold", "paid"])
                | Q(amount__isnull=False),
                name="application_approved_has_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["programme", "status"], name="application_programme_status"),
            models.Index(fields=["status", "waiting_since"], name="application_status_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.child.name}"


class Decision(models.TextChoices):
    SUBMIT = "submit", _("submitted")
    APPROVE = "approve", _("approved")
    RETURN = "return", _("returned")
    REJECT = "reject", _("rejected")
    NOTICE = "notice", _("public notice started")
    HOLD = "hold", _("put on hold")
    RELEASE = "release", _("objection dismissed")
    PAY = "pay", _("paid")
    WITHDRAW = "withdraw", _("withdrawn")


class ApplicationEvent(models.Model):
    """One step of an application's history: who decided what, when and why."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="events"
    )
    occurred_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_decision_display()}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("open")
    UPHELD = "upheld", _("upheld: award rejected")
    DISMISSED = "dismissed", _("dismissed")


class Objection(models.Model):
    """An objection lodged during the public notice; while one is open, the award is on hold."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="objections"
    )
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lodged by"), on_delete=models.PROTECT, related_name="+"
    )
    lodged_at = models.DateTimeField(_("lodged at"))
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision"), blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["lodged_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_status_display()}"


class TeacherStatus(models.TextChoices):
    NOMINATED = "nominated", _("nominated")
    APPROVED = "approved", _("approved")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("rejected")


class TeacherAward(TimeStampedModel):
    """金盾园丁奖: the head teacher (班主任) of a child whose scholarship was approved."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="teacher_awards"
    )
    scholarship = models.ForeignKey(
        Application, verbose_name=_("scholarship"), on_delete=models.PROTECT, related_name="teacher_awards"
    )
    teacher_name = models.CharField(_("head teacher"), max_length=50)
    school = models.CharField(_("school"), max_length=100)
    class_name = models.CharField(_("class"), max_length=50)
    contact = models.CharField(_("contact"), max_length=50, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    status = models.CharField(
        _("status"), max_length=20, choices=TeacherStatus.choices, default=TeacherStatus.NOMINATED
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("nominated by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=30, blank=True)
    payment = models.OneToOneField(
        FundEntry,
        verbose_name=_("payment entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("head-teacher award")
        verbose_name_plural = _("head-teacher awards")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="teacheraward_amount_positive"),
            # One head teacher per scholarship; a rejected nomination leaves room for another.
            models.UniqueConstraint(
                fields=["scholarship"],
                condition=~Q(status="rejected"),
                name="teacheraward_one_per_scholarship",
                violation_error_message=_("This scholarship's head teacher has already been nominated."),
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(payment__isnull=False), name="teacheraward_paid_has_entry"
            ),
            models.UniqueConstraint(
                fields=["programme", "certificate_number"],
                condition=~Q(certificate_number=""),
                name="teacheraward_certificate_number_unique",
            ),
            # Its own approval: never by the person who nominated.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("nominated_by")),
                name="teacheraward_approver_differs",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher_name}（{self.school}）"
