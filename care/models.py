"""Care: requests for help (有困难找组织) tracked to resolution, and the love-police fund (爱警基金) ledger.

**Requests** move submitted → accepted (a handler is assigned) → in progress → resolved → closed (the
officer's rating), with returned-for-information and withdrawn on the side. Every change is a
``CareEvent`` row (the timeline) and an audit row. A confidential request is seen only by the officer,
its handler and the welfare-office heads.

**The fund** is an append-only ledger (``FundEntry``: PostgreSQL refuses UPDATE and DELETE, a correction
is a reversal entry) over running balances kept on two kinds of row: the fund (its balance and the
part not yet allocated) and each sub-budget (available, committed, paid out). Every bucket has a CHECK
``>= 0``, and every change happens in a transaction holding the fund's row lock, then the sub-budget's
(care/fund.py), so no interleaving of payments can take a balance below zero, whatever the code
above it does.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from people.models import Officer, TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


# --- The fund ---------------------------------------------------------------------------------------------


class Fund(TimeStampedModel):
    """The love-police fund and its policy figures (set by the fund's committee, edited in the admin)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    balance = models.DecimalField(_("balance"), default=ZERO, editable=False, **MONEY)
    unallocated = models.DecimalField(_("unallocated balance"), default=ZERO, editable=False, **MONEY)
    care_grant_annual_cap = models.DecimalField(
        _("care grants per person per year, at most"),
        default=Decimal("50000.00"),
        help_text=_("The total of care grants one officer can receive in a calendar year."),
        **MONEY,
    )
    second_approval_above = models.DecimalField(
        _("second approval above"),
        default=Decimal("5000.00"),
        help_text=_("A grant above this amount needs a second approver who is not its handler."),
        **MONEY,
    )

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="fund_balance_not_negative"),
            models.CheckConstraint(condition=Q(unallocated__gte=0), name="fund_unallocated_not_negative"),
            models.CheckConstraint(
                condition=Q(unallocated__lte=F("balance")), name="fund_unallocated_within_balance"
            ),
            models.CheckConstraint(condition=Q(care_grant_annual_cap__gte=0), name="fund_cap_not_negative"),
            models.CheckConstraint(
                condition=Q(second_approval_above__gte=0), name="fund_second_approval_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BudgetKind(models.TextChoices):
    AWARDS = "awards", _("education awards")
    CARE_GRANTS = "care_grants", _("care grants")
    ACTIVITIES = "activities", _("family activities")
    HEALTH = "health", _("health")
    OTHER = "other", _("other")


class SubBudget(TimeStampedModel):
    """Money allocated to one purpose: ``available`` to commit or pay, ``committed`` promised but unpaid."""

    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="budgets")
    kind = models.CharField(_("purpose"), max_length=20, choices=BudgetKind.choices)
    available = models.DecimalField(_("available"), default=ZERO, editable=False, **MONEY)
    committed = models.DecimalField(_("committed"), default=ZERO, editable=False, **MONEY)
    spent = models.DecimalField(_("paid out"), default=ZERO, editable=False, **MONEY)

    class Meta:
        verbose_name = _("sub-budget")
        verbose_name_plural = _("sub-budgets")
        ordering = ["fund", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "kind"], name="subbudget_one_per_kind"),
            models.CheckConstraint(condition=Q(available__gte=0), name="subbudget_available_not_negative"),
            models.CheckConstraint(condition=Q(committed__gte=0), name="subbudget_committed_not_negative"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="subbudget_spent_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.fund} · {self.get_kind_display()}"

    @property
    def balance(self) -> Decimal:
        return self.available + self.committed


class EntryKind(models.TextChoices):
    DONATION = "donation", _("donation")
    ALLOCATION = "allocation", _("allocation")
    COMMITMENT = "commitment", _("commitment")
    PAYMENT = "payment", _("payment")
    RELEASE = "release", _("release of a commitment")
    REVERSAL = "reversal", _("reversal")


class FundEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Fund entries cannot be changed; record a reversal.")

    def delete(self):
        raise PermissionError("Fund entries cannot be deleted; record a reversal.")


class FundEntry(models.Model):
    """One movement of money. Only ever inserted; a mistake is put right by a reversal entry.

    ``amount`` is always positive; the kind says which way it moves:

    - donation: into the fund (unallocated, or straight into ``budget`` when one is named);
    - allocation: from unallocated into ``budget``;
    - commitment: within ``budget``, from available to committed (a grant approved, not yet paid);
    - payment: out of ``budget`` (from committed when it settles ``settles``, else from available);
    - release: within ``budget``, the unneeded rest of the commitment ``settles`` back to available;
    - reversal: undoes ``reverses`` exactly, once.
    """

    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="entries")
    budget = models.ForeignKey(
        SubBudget,
        verbose_name=_("sub-budget"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    booked_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=120, unique=True)
    beneficiary = models.ForeignKey(
        Officer,
        verbose_name=_("beneficiary"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_entries",
    )
    counterparty = models.CharField(
        _("counterparty"), max_length=200, blank=True, help_text=_("Donor or payee outside the bureau.")
    )
    reference = models.CharField(
        _("reference"), max_length=60, blank=True, help_text=_("What the money is for: AJ-2026-000123, …")
    )
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    settles = models.ForeignKey(
        "self",
        verbose_name=_("settles commitment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second approver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The fund's balance right after this entry, for the statement.
    fund_balance_after = models.DecimalField(_("fund balance after"), editable=False, **MONEY)

    objects = FundEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fundentry_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="fundentry_reversal_names_its_entry",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["donation", "reversal"]) | Q(budget__isnull=False),
                name="fundentry_budget_required",
            ),
            models.CheckConstraint(
                condition=Q(settles__isnull=True) | Q(kind__in=["payment", "release"]),
                name="fundentry_only_payments_settle",
            ),
        ]
        indexes = [
            models.Index(fields=["fund", "booked_on"], name="fundentry_fund_day"),
            models.Index(fields=["budget", "kind", "booked_on"], name="fundentry_budget_kind_day"),
            models.Index(fields=["beneficiary", "booked_on"], name="fundentry_beneficiary_day"),
            models.Index(fields=["reference"], name="fundentry_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount} ({self.booked_on:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        # An integrity guard, not business logic: an entry is never rewritten.
        if not self._state.adding:
            raise PermissionError("Fund entries cannot be changed; record a reversal.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Fund entries cannot be deleted; record a reversal.")


# --- Working days -----------------------------------------------------------------------------------------


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a public holiday, or a weekend day worked in its place (调休)."""

    day = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}"


# --- Care requests ----------------------------------------------------------------------------------------


class Category(models.TextChoices):
    MAJOR_ILLNESS = "major_illness", _("major illness treatment")
    SCHOOLING = "schooling", _("children's schooling")
    HARDSHIP = "hardship", _("family hardship")
    RIGHTS = "rights", _("rights protection")
    HOUSING = "housing", _("housing and daily life")
    MENTAL_HEALTH = "mental_health", _("mental health")
    OTHER = "other", _("other")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    RETURNED = "returned", _("returned for more information")
    ACCEPTED = "accepted", _("accepted")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")
    WITHDRAWN = "withdrawn", _("withdrawn")


OPEN_STATUSES = (Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED, Status.IN_PROGRESS)
# The office owes the next step in these; a returned request waits on the officer.
WAITING_ON_OFFICE = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS)


class ReferenceCounter(models.Model):
    """The last reference number given out in a year: AJ-2026-000123 counts per year without gaps."""

    year = models.PositiveIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CareRequest(TimeStampedModel):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="care_requests"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("subject"), max_length=100)
    description = models.TextField(_("what has happened and what help is needed"))
    amount_requested = models.DecimalField(
        _("amount requested"), null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Only the handler and the heads of the welfare office will see it."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_requests_handled",
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The service level of the current step: the office must act by ``due_at``; ``escalation`` counts
    # the reminders already sent about it (1: to the handler, 2: to the heads). Reset at every step.
    due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    outcome = models.TextField(_("outcome"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("satisfaction"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.CharField(_("comment on the rating"), max_length=500, blank=True)
    # The form's one-time token: a double submit of the same form is one request.
    submit_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("care request")
        verbose_name_plural = _("care requests")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="carerequest_rating_1_5",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["resolved", "closed"]) | ~Q(outcome=""),
                name="carerequest_resolved_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "returned", "withdrawn"]) | Q(handler__isnull=False),
                name="carerequest_handler_once_accepted",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="carerequest_status_due"),
            models.Index(fields=["handler", "status"], name="carerequest_handler_status"),
            models.Index(fields=["officer", "-submitted_at"], name="carerequest_officer_time"),
            models.Index(fields=["category", "status"], name="carerequest_category_status"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CareAttachment(models.Model):
    request = models.ForeignKey(
        CareRequest, verbose_name=_("care request"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="care/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class ActionKind(models.TextChoices):
    NOTE = "note", _("note")
    CALL = "call", _("phone call")
    VISIT = "visit", _("visit")
    REFERRAL = "referral", _("hospital referral")
    APPOINTMENT = "appointment", _("expert appointment")
    FOLLOW_UP = "follow_up", _("follow-up")
    LEGAL = "legal", _("legal support")
    OTHER = "other", _("other")


class CareEvent(models.Model):
    """One line of a request's timeline: a change of status, an action or note, a grant."""

    request = models.ForeignKey(
        CareRequest, verbose_name=_("care request"), on_delete=models.CASCADE, related_name="events"
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
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=ActionKind.choices, blank=True)
    text = models.TextField(_("note"), blank=True)
    # Hospital referrals and expert appointments happen on a date of their own.
    scheduled_for = models.DateField(_("on"), null=True, blank=True)
    visible_to_officer = models.BooleanField(_("visible to the officer"), default=True)
    # What the system wrote, as a code and its parameters (care/texts.py), shown in the reader's language.
    code = models.CharField(_("system text"), max_length=40, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    grant = models.ForeignKey(
        "CareGrant",
        verbose_name=_("grant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["request", "occurred_at"], name="careevent_request_time")]

    def __str__(self) -> str:
        return f"{self.request} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def display_text(self) -> str:
        """The system's sentence in the reader's language, then what a person wrote."""
        from care.texts import render

        system = render(self.code, self.params) if self.code else ""
        return "\n".join(part for part in (system, self.text) if part)


class GrantStatus(models.TextChoices):
    PROPOSED = "proposed", _("awaiting approval")
    APPROVED = "approved", _("approved, not yet paid")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("not approved")
    CANCELLED = "cancelled", _("cancelled")


class CareGrant(TimeStampedModel):
    """Money from the care-grants sub-budget for one request: proposed, approved (committed), paid."""

    request = models.ForeignKey(
        CareRequest, verbose_name=_("care request"), on_delete=models.PROTECT, related_name="grants"
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    purpose = models.CharField(_("purpose"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=GrantStatus.choices, default=GrantStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    needs_second_approval = models.BooleanField(_("needs a second approver"), default=False, editable=False)
    # The proposing form's one-time token: a double submit is one grant.
    propose_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    commitment = models.OneToOneField(
        FundEntry,
        verbose_name=_("commitment entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payment = models.OneToOneField(
        FundEntry,
        verbose_name=_("payment entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("care grant")
        verbose_name_plural = _("care grants")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="caregrant_amount_positive"),
            # Segregation of duties, whatever the code above does: the handler never approves a large grant.
            models.CheckConstraint(
                condition=Q(needs_second_approval=False)
                | Q(approved_by__isnull=True)
                | ~Q(approved_by=F("proposed_by")),
                name="caregrant_second_approver_differs",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(payment__isnull=False), name="caregrant_paid_has_entry"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | Q(commitment__isnull=False),
                name="caregrant_approved_has_commitment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} ¥{self.amount}"
