"""Health: the indicator catalogue with its grading rules, checkups with results, import batches.

The catalogue is data (shipped by a data migration, editable in the admin): each indicator has a
plausible range (a value outside it is impossible and refused) and grading rules that turn a
value into a category and a flag. ``health/grading.py`` applies the rules; it is pure.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from people.models import Officer, Sex, TimeStampedModel


class Flag(models.TextChoices):
    """Which side of the normal range a value lies on: normal exactly when the category is normal."""

    LOW = "low", _("low")
    NORMAL = "normal", _("normal")
    HIGH = "high", _("high")


class Category(models.TextChoices):
    """Every category a grading rule can give. The risk rules (health/risk.py) refer to these codes."""

    NORMAL = "normal", _("normal")
    LOW = "low", _("low")
    HIGH = "high", _("high")
    UNDERWEIGHT = "underweight", _("underweight")
    OVERWEIGHT = "overweight", _("overweight")
    OBESE = "obese", _("obese")
    HIGH_NORMAL = "high_normal", pgettext_lazy("blood pressure", "high-normal")
    HYPERTENSION_1 = "hypertension_1", _("grade 1 hypertension")
    HYPERTENSION_2 = "hypertension_2", _("grade 2 hypertension")
    HYPERTENSION_3 = "hypertension_3", _("grade 3 hypertension")
    IFG = "ifg", _("impaired fasting glucose")
    DIABETES = "diabetes", _("diabetes range")
    BORDERLINE = "borderline", _("borderline high")
    HYPERURICEMIA = "hyperuricemia", _("hyperuricaemia")


class RiskLevel(models.TextChoices):
    """An officer's health risk, from the latest checkup (rules in health/risk.py)."""

    RED = "red", _("red")
    ORANGE = "orange", _("orange")
    YELLOW = "yellow", _("yellow")
    GREEN = "green", _("green")


class Indicator(models.Model):
    """One measured (or computed) quantity of a checkup, e.g. fasting plasma glucose in mmol/L."""

    code = models.CharField(
        pgettext_lazy("indicator", "code"),
        max_length=20,
        unique=True,
        help_text=_("Lower-case letters, digits and '_'; imports and the risk rules refer to it."),
    )
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    plausible_min = models.DecimalField(
        _("lowest possible value"),
        max_digits=10,
        decimal_places=3,
        help_text=_("A value below this is impossible and is refused on import."),
    )
    plausible_max = models.DecimalField(
        _("highest possible value"),
        max_digits=10,
        decimal_places=3,
        help_text=_("A value above this is impossible and is refused on import."),
    )
    decimals = models.PositiveSmallIntegerField(
        _("decimals"),
        default=1,
        help_text=_("Values are rounded to this many decimals (half up) before they are stored and graded."),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive indicators are not imported.")
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z][a-z0-9_]*$"), name="indicator_code_format"
            ),
            models.CheckConstraint(
                condition=Q(plausible_min__lt=F("plausible_max")),
                name="indicator_plausible_range",
                violation_error_message=_("The lowest possible value must be below the highest."),
            ),
            models.CheckConstraint(condition=Q(decimals__lte=3), name="indicator_decimals_at_most_3"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def name(self) -> str:
        """The name in the active language (Chinese unless the page is in English)."""
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class GradingRule(models.Model):
    """A band of values ``lower <= value < upper`` that gives a category and a flag.

    A blank sex means either sex; empty age bounds mean any age (both bounds are inclusive,
    in whole years at the checkup date); an empty value bound is an open end. When several
    rules match, the highest priority wins, then a rule for the officer's sex, then one with
    an age range.
    """

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="rules"
    )
    sex = models.CharField(
        _("sex"), max_length=10, choices=Sex.choices, blank=True, help_text=_("Blank: either sex.")
    )
    age_min = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("to age"), null=True, blank=True)
    lower = models.DecimalField(
        _("from (inclusive)"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Values at or above this; blank: no lower bound."),
    )
    upper = models.DecimalField(
        _("below (exclusive)"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Values below this; blank: no upper bound."),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    flag = models.CharField(_("flag"), max_length=10, choices=Flag.choices)
    priority = models.SmallIntegerField(
        _("priority"), default=0, help_text=_("When several rules match a value, the highest priority wins.")
    )

    class Meta:
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading rules")
        ordering = ["indicator", "sex", "age_min", "lower"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(upper__isnull=True) | Q(lower__lt=F("upper")),
                name="gradingrule_lower_below_upper",
                violation_error_message=_("The lower bound must be below the upper bound."),
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True) | Q(age_max__isnull=True) | Q(age_min__lte=F("age_max")),
                name="gradingrule_age_range",
                violation_error_message=_("The age range is empty."),
            ),
            models.CheckConstraint(
                condition=(Q(category="normal") & Q(flag="normal"))
                | (~Q(category="normal") & ~Q(flag="normal")),
                name="gradingrule_flag_normal_iff_category_normal",
                violation_error_message=_("The flag is normal exactly when the category is normal."),
            ),
        ]

    def __str__(self) -> str:
        low = "" if self.lower is None else f"{self.lower.normalize():f} ≤ "
        high = "" if self.upper is None else f" < {self.upper.normalize():f}"
        return f"{self.indicator.code}: {low}x{high} → {self.category}"


def _import_upload_to(batch: ImportBatch, filename: str) -> str:
    # The stored name is ours: the centre's file name is kept in the row, never used as a path.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"imports/{batch.kind}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportKind(models.TextChoices):
    CHECKUPS = "checkups", _("checkups")
    MEALS = "meals", _("meals")
    EXERCISE = "exercise", _("exercise")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("waiting for a worker")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ImportBatch(models.Model):
    """One imported file: the file itself (under MEDIA_ROOT) and what became of its rows."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    original_filename = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=_import_upload_to, max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    institution = models.CharField(
        _("institution"), max_length=100, blank=True, help_text=_("For rows that do not name one.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    lease_until = models.DateTimeField(
        _("held by a worker until"),
        null=True,
        blank=True,
        help_text=_("A running batch still running after this has lost its worker and may be claimed again."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    total_rows = models.PositiveIntegerField(
        _("rows in the file"), null=True, blank=True, help_text=_("Counted on upload, for the progress bar.")
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    changes = models.JSONField(
        _("replaced values"),
        default=list,
        blank=True,
        help_text=_("Results this file changed that an earlier import had recorded differently."),
    )

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows=F("imported") + F("unchanged") + F("rejected")),
                name="importbatch_rows_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_filename} · {self.created_at:%Y-%m-%d %H:%M}"


class Checkup(TimeStampedModel):
    """One physical examination of one officer on one day."""

    # Deleting an officer (erasure of personal data) takes their health record with it.
    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="checkups"
    )
    date = models.DateField(_("checkup date"))
    institution = models.CharField(_("institution"), max_length=100, blank=True)
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkups",
        help_text=_("The import that created this checkup."),
    )

    class Meta:
        verbose_name = _("checkup")
        verbose_name_plural = _("checkups")
        ordering = ["officer", "-date"]
        constraints = [
            # Also the index behind "the latest checkup of an officer".
            models.UniqueConstraint(
                fields=["officer", "date"],
                name="checkup_one_per_officer_per_day",
                violation_error_message=_("This officer already has a checkup on this date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} · {self.date:%Y-%m-%d}"


class CheckupResult(TimeStampedModel):
    """The value of one indicator at one checkup, graded when it was recorded."""

    # No index of its own: the unique (checkup, indicator) constraint's index starts with it.
    checkup = models.ForeignKey(
        Checkup, verbose_name=_("checkup"), on_delete=models.CASCADE, related_name="results", db_index=False
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="results"
    )
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    flag = models.CharField(_("flag"), max_length=10, choices=Flag.choices, blank=True)

    class Meta:
        verbose_name = _("checkup result")
        verbose_name_plural = _("checkup results")
        ordering = ["checkup", "indicator__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["checkup", "indicator"], name="checkupresult_one_per_indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} = {self.value.normalize():f} {self.unit}".rstrip()


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("breakfast")
    LUNCH = "lunch", _("lunch")
    DINNER = "dinner", _("dinner")
    SNACK = "snack", _("snack")


def _amount(verbose_name: str | Any) -> models.DecimalField:
    # Empty (null) means the canteen system did not record it, which is not the same as none eaten.
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=1, null=True, blank=True)


class MealRecord(TimeStampedModel):
    """One meal of one officer at a canteen, as the canteen system exports it."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="meal_records"
    )
    date = models.DateField(_("date"))
    meal = models.CharField(_("meal"), max_length=10, choices=Meal.choices)
    canteen = models.CharField(_("canteen"), max_length=100, blank=True)
    energy_kcal = _amount(_("energy (kcal)"))
    salt_g = _amount(_("salt (g)"))
    oil_g = _amount(_("oil (g)"))
    sugar_g = _amount(_("added sugar (g)"))
    vegetables_g = _amount(_("vegetables (g)"))
    fruit_g = _amount(_("fruit (g)"))
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meal_records",
        help_text=_("The import that created this record."),
    )

    class Meta:
        verbose_name = _("meal record")
        verbose_name_plural = _("meal records")
        ordering = ["officer", "-date", "meal"]
        constraints = [
            # Also the index behind an officer's weekly diet summary (officer, date range).
            models.UniqueConstraint(
                fields=["officer", "date", "meal", "canteen"], name="mealrecord_one_per_meal_and_canteen"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} · {self.date:%Y-%m-%d} · {self.get_meal_display()}"


class ExerciseSource(models.TextChoices):
    DEVICE = "device", _("device")
    APP = "app", _("mobile app")
    MANUAL = "manual", _("entered by hand")


# Beyond these a day's record is impossible (a marathon is about 55,000 steps; a day has 1,440 minutes).
MAX_STEPS_PER_DAY = 100_000
MINUTES_PER_DAY = 1440
MAX_DISTANCE_KM_PER_DAY = 300


class ExerciseRecord(TimeStampedModel):
    """One officer's activity on one day from one source (a wristband export, the phone, by hand)."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="exercise_records"
    )
    date = models.DateField(_("date"))
    steps = models.PositiveIntegerField(_("steps"), null=True, blank=True)
    active_minutes = models.PositiveSmallIntegerField(_("active minutes"), null=True, blank=True)
    distance_km = models.DecimalField(
        _("distance (km)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(_("source"), max_length=10, choices=ExerciseSource.choices)
    import_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("import batch"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exercise_records",
        help_text=_("The import that created this record."),
    )

    class Meta:
        verbose_name = _("exercise record")
        verbose_name_plural = _("exercise records")
        ordering = ["officer", "-date", "source"]
        constraints = [
            # Also the index behind an officer's weekly exercise summary (officer, date range).
            models.UniqueConstraint(
                fields=["officer", "date", "source"], name="exerciserecord_one_per_day_and_source"
            ),
            models.CheckConstraint(
                condition=Q(steps__lte=MAX_STEPS_PER_DAY) | Q(steps__isnull=True),
                name="exerciserecord_steps_possible",
            ),
            models.CheckConstraint(
                condition=Q(active_minutes__lte=MINUTES_PER_DAY) | Q(active_minutes__isnull=True),
                name="exerciserecord_minutes_within_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} · {self.date:%Y-%m-%d} · {self.get_source_display()}"


class HealthProfile(models.Model):
    """One officer's health record header: the assigned adviser, and the latest checkup's risk.

    ``checkup`` and ``risk_level`` are derived (kept by ``health.followups.profiles_refresh`` after
    every checkup import) so that cohorts can be filtered and counted in SQL; the archive page
    recomputes the risk with its reasons from the results themselves.
    """

    officer = models.OneToOneField(
        Officer,
        verbose_name=_("officer"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="health_profile",
    )
    checkup = models.ForeignKey(
        Checkup,
        verbose_name=_("latest checkup"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checkup_date = models.DateField(_("latest checkup date"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, blank=True)
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("health adviser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="advised_profiles",
        help_text=_("The adviser doctor who may read this archive and take its follow-ups."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("health profile")
        verbose_name_plural = _("health profiles")
        indexes = [
            models.Index(fields=["risk_level"], name="healthprofile_risk_idx"),
            models.Index(fields=["checkup_date"], name="healthprofile_checkup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.officer} · {self.risk_level or '-'}"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("to do")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")


class FollowUpOutcome(models.TextChoices):
    ADVICE = "advice", _("lifestyle advice given")
    RECHECK_NORMAL = "recheck_normal", _("re-checked, now normal")
    REFERRED = "referred", _("referred to a hospital")
    UNDER_TREATMENT = "under_treatment", _("already under treatment")
    DECLINED = "declined", _("officer declined")
    UNREACHABLE = "unreachable", _("could not be reached")
    SUPERSEDED = "superseded", _("replaced by a newer checkup")


class FollowUp(TimeStampedModel):
    """Health staff following up one checkup's abnormal results, until an outcome is recorded.

    Opened by the checkup import for every checkup whose risk level is above green (one per checkup,
    so importing the file again opens nothing new).
    """

    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    checkup = models.OneToOneField(
        Checkup, verbose_name=_("checkup"), on_delete=models.CASCADE, related_name="follow_up"
    )
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    indicators = models.JSONField(_("abnormal indicators"), default=list, help_text=_("Indicator codes."))
    status = models.CharField(
        _("status"), max_length=20, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="health_follow_ups",
    )
    due_date = models.DateField(_("due date"))
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=FollowUpOutcome.choices, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="followup_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=FollowUpStatus.DONE) | ~Q(outcome=""),
                name="followup_done_has_outcome",
                violation_error_message=_("A follow-up that is done needs an outcome."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} · {self.checkup.date:%Y-%m-%d} · {self.get_status_display()}"
