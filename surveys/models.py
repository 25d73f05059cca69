"""The welfare index (幸福指数): instruments, campaigns, and anonymous responses.

**Anonymity by construction.** A ``Response`` has no link to a person: no user or officer key, no
timestamp, and a random UUID as its key, so neither its key, nor a time, nor an order of ids can be
lined up with ``Participation`` (who has answered, for reminders and response rates). A response
keeps only what reports need, coarsened: the unit at the reporting level (a county bureau or a
centre, never a station), the officer kind and a ten-year age band. The officer's draft (save and
continue) lives with their participation until they submit; submitting moves the answers into an
anonymous response and wipes the draft in the same transaction. ``Participation`` records only
*whether* the officer has submitted, never when.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from people.models import Officer, OfficerKind, OrgUnit, TimeStampedModel


class Dimension(models.TextChoices):
    """The six dimensions of the welfare indicator system (DESIGN.md)."""

    RECOGNITION = "recognition", _("recognition when one achieves")
    FAIRNESS = "fairness", _("fairness in competition")
    WARMTH = "warmth", _("warmth in difficulty")
    WARNING = "warning", _("a timely warning before falling behind")
    PASSION = "passion", _("passion for the task")
    REST = "rest", _("real rest in leisure")


class Instrument(TimeStampedModel):
    """A questionnaire in one version; a published version is never changed (a new version is made)."""

    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=100)
    title_en = models.CharField(_("title (English)"), max_length=100)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="instrument_code_version")]

    def __str__(self) -> str:
        return f"{self.title_zh} v{self.version}"


class Module(models.TextChoices):
    CORE = "core", _("welfare index")
    WHO5 = "who5", _("WHO-5 well-being")


class Item(models.Model):
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("code"), max_length=20)
    order = models.PositiveSmallIntegerField(_("order"))
    module = models.CharField(_("module"), max_length=10, choices=Module.choices, default=Module.CORE)
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices, blank=True)
    text_zh = models.CharField(_("text (Chinese)"), max_length=300)
    text_en = models.CharField(_("text (English)"), max_length=300)
    scale_min = models.PositiveSmallIntegerField(_("lowest answer"), default=1)
    scale_max = models.PositiveSmallIntegerField(_("highest answer"), default=5)
    reverse = models.BooleanField(_("reverse-scored"), default=False)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["instrument", "order"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="item_code_once"),
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")), name="item_scale_has_range"
            ),
            models.CheckConstraint(
                condition=~Q(module="core") | ~Q(dimension=""), name="item_core_has_dimension"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_zh}"


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    PUBLISHED = "published", _("published")


class Campaign(TimeStampedModel):
    title = models.CharField(_("title"), max_length=100)
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="campaigns"
    )
    population_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("population"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Officers of this unit and its subtree are asked."),
    )
    officer_kinds = models.JSONField(
        _("officer kinds"), default=list, blank=True, help_text=_("Empty: every kind.")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    weights = models.JSONField(
        _("weights per dimension"), default=dict, help_text=_("They sum to 1; empty: equal.")
    )
    min_group = models.PositiveSmallIntegerField(_("minimum group for figures"), default=5)
    min_comment_group = models.PositiveSmallIntegerField(_("minimum group for comments"), default=10)
    include_who5 = models.BooleanField(_("with the WHO-5 module"), default=False)
    reminder_days = models.JSONField(
        _("reminders (days after opening)"),
        default=list,
        blank=True,
        help_text=_("Up to three, e.g. [3, 7, 10]; only to those who have not answered."),
    )
    final_reminder = models.BooleanField(_("a final reminder the day before closing"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="campaign_closes_after_opening"
            ),
            models.CheckConstraint(condition=Q(min_group__gte=2), name="campaign_min_group_at_least_2"),
        ]

    def __str__(self) -> str:
        return self.title


class Participation(models.Model):
    """Who has been asked and whether they have answered — never what, never when."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="participations"
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="survey_participations"
    )
    submitted = models.BooleanField(_("answered"), default=False)
    draft = models.JSONField(
        _("draft answers"),
        default=dict,
        blank=True,
        help_text=_("Save and continue; wiped when the answers are submitted."),
    )

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "officer"], name="participation_once"),
            models.CheckConstraint(
                condition=Q(submitted=False) | Q(draft={}), name="participation_no_draft_once_submitted"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.officer}"


class Response(models.Model):
    """One officer's answers, with nothing that identifies them (see the module docstring)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="responses"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit (reporting level)"), on_delete=models.PROTECT, related_name="+"
    )
    officer_kind = models.CharField(_("officer kind"), max_length=20, choices=OfficerKind.choices)
    age_band = models.CharField(_("age band"), max_length=10, help_text=_('Ten years: "30-39".'))
    answers = models.JSONField(_("answers"), help_text=_("Item code → answer, core items only."))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["id"]  # random: the order says nothing about when

    def __str__(self) -> str:
        return f"{self.campaign} · {self.unit}"


class PublishedResult(TimeStampedModel):
    """A campaign's city result as published: with what it takes to recompute it and check it matches."""

    campaign = models.OneToOneField(
        Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="result"
    )
    instrument = models.CharField(_("instrument and version"), max_length=60)
    method = models.CharField(_("method"), max_length=60)
    weights = models.JSONField(_("weights per dimension"))
    respondents = models.PositiveIntegerField(_("respondents (n)"))
    index = models.DecimalField(_("index"), max_digits=5, decimal_places=1)
    dimensions = models.JSONField(_("dimension scores"))

    class Meta:
        verbose_name = _("published result")
        verbose_name_plural = _("published results")

    def __str__(self) -> str:
        return f"{self.campaign}: {self.index}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    UNDER_WAY = "under_way", _("under way")
    DONE = "done", _("done")


class ActionPlan(TimeStampedModel):
    """ "You said, we did": what a unit does about a weak dimension of a campaign's results."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="actions"
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    action = models.TextField(_("what we do"), max_length=2000)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["campaign", "unit", "dimension", "id"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_dimension_display()}"


class ExternalBenchmark(TimeStampedModel):
    """An index measured by somebody else (the third-party survey's 89.9), drawn on the trend chart."""

    title = models.CharField(_("title"), max_length=100)
    measured_on = models.DateField(_("measured on"))
    index = models.DecimalField(_("index"), max_digits=5, decimal_places=1)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("external benchmark")
        verbose_name_plural = _("external benchmarks")
        ordering = ["measured_on"]

    def __str__(self) -> str:
        return f"{self.title}: {self.index}"
