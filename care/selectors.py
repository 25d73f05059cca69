"""Reads about care requests and the fund, shared by the portal and the API. Scope first, always.

A request outside the viewer's sight answers 404; a confidential one is in sight of the officer, its
handler and the heads of the welfare office only. Staff reads of a request's page are audited
(``request_read``), because what people ask help with (illness, mental health, family trouble) is
among the most sensitive things the bureau holds.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from care import permissions
from care.models import (
    OPEN_STATUSES,
    WAITING_ON_OFFICE,
    BudgetKind,
    CareEvent,
    CareGrant,
    CareRequest,
    Category,
    EntryKind,
    Fund,
    FundEntry,
    GrantStatus,
    Status,
    SubBudget,
)
from people import scope
from people.models import Officer, OrgUnit, User

# --- Requests ---------------------------------------------------------------------------------------------


def requests_visible_to(viewer: User) -> QuerySet[CareRequest]:
    """Every request the viewer may see: own, handled, or in a staff subtree (confidential: heads only)."""
    if not viewer.is_authenticated:
        return CareRequest.objects.none()
    condition = Q(officer__user=viewer) | Q(handler=viewer)
    condition |= scope.units_q(viewer, permissions.HEAD_ROLES, "officer__org_unit__path")
    condition |= Q(confidential=False) & scope.units_q(
        viewer, permissions.VIEWER_ROLES, "officer__org_unit__path"
    )
    return CareRequest.objects.filter(condition)


def requests_of(officer: Officer) -> QuerySet[CareRequest]:
    return CareRequest.objects.filter(officer=officer).order_by("-submitted_at", "-id")


def request_for(*, viewer: User, pk: int) -> CareRequest:
    """One request the viewer may see, or Http404."""
    found = (
        requests_visible_to(viewer)
        .select_related("officer__org_unit", "officer__user", "handler", "submitted_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("no such care request")
    return found


def record_staff_read(*, viewer: User, request: CareRequest, channel: str = "web") -> None:
    """An audit row when anyone but the officer opens a request."""
    if request.officer.user_id == viewer.pk:
        return
    audit_record(
        actor=viewer,
        action=AuditAction.SENSITIVE_READ,
        target=request,
        detail={"what": "care_request", "officer": request.officer.police_number, "channel": channel},
    )


def timeline(*, request: CareRequest, for_officer: bool) -> list[CareEvent]:
    """The request's history, oldest first; the officer sees only what is marked visible to them."""
    events = request.events.select_related("actor__officer", "grant")
    if for_officer:
        events = events.filter(visible_to_officer=True)
    return list(events)


def queue_for(viewer: User) -> QuerySet[CareRequest]:
    """What the viewer should act on: requests they handle, and unassigned ones they may accept."""
    mine = Q(handler=viewer, status__in=OPEN_STATUSES)
    # A welfare member's own request is never theirs to accept.
    intake = (
        Q(status=Status.SUBMITTED, handler__isnull=True)
        & ~Q(officer__user=viewer)
        & (
            scope.units_q(viewer, permissions.HEAD_ROLES, "officer__org_unit__path")
            | (
                Q(confidential=False)
                & scope.units_q(viewer, {permissions.Role.WELFARE_OFFICE}, "officer__org_unit__path")
            )
        )
    )
    return (
        CareRequest.objects.filter(mine | intake)
        .select_related("officer__org_unit", "handler")
        .order_by(*overdue_first())
    )


def overdue_first() -> tuple:
    from django.db.models import F

    return (F("due_at").asc(nulls_last=True), "submitted_at")


def is_overdue(request: CareRequest, now: dt.datetime | None = None) -> bool:
    return bool(
        request.status in WAITING_ON_OFFICE and request.due_at and request.due_at <= (now or timezone.now())
    )


def attachment_for(*, viewer: User, pk: int):
    from care.models import CareAttachment

    found = CareAttachment.objects.select_related("request__officer__org_unit").filter(pk=pk).first()
    if found is None or not permissions.can_see(viewer, found.request):
        raise Http404("no such attachment")
    return found


# --- The welfare office's overview ------------------------------------------------------------------------

AGE_BUCKETS = ((0, 3), (3, 7), (7, 15), (15, 30), (30, None))  # calendar days since submitted


@dataclass(frozen=True)
class Overview:
    by_category: list[tuple[str, int]]
    by_unit: list[tuple[OrgUnit, int]]
    by_age: list[tuple[str, int]]
    overdue: list[CareRequest]
    open_total: int
    confidential_hidden: int
    helped_major_illness: list[tuple[int, int]]


def _age_label(low: int, high: int | None) -> str:
    from django.utils.translation import gettext as _

    if high is None:
        return _("%(low)d days or more") % {"low": low}
    return _("%(low)d–%(high)d days") % {"low": low, "high": high - 1}


def overview_for(*, viewer: User, now: dt.datetime | None = None) -> Overview:
    """Open requests by category, by county-level unit and by age; the overdue ones; the headline.

    A welfare-office member who is not a head sees confidential requests only as one total: broken
    down by unit and category, one request would be close to naming its officer.
    """
    now = now or timezone.now()
    roots = scope.unit_paths(viewer, permissions.OFFICE_ROLES)
    in_scope = scope.filter_by_units(
        CareRequest.objects.all(),
        user=viewer,
        roles=permissions.OFFICE_ROLES,
        unit_path_field="officer__org_unit__path",
    )
    open_requests = in_scope.filter(status__in=OPEN_STATUSES)
    visible = (
        Q(confidential=False)
        | Q(handler=viewer)
        | scope.units_q(viewer, permissions.HEAD_ROLES, "officer__org_unit__path")
    )
    hidden = open_requests.exclude(visible).count()
    open_requests = open_requests.filter(visible)
    rows = list(open_requests.values("category", "submitted_at", "officer__org_unit__path"))
    categories = Counter(row["category"] for row in rows)
    by_category = [(label, categories[value]) for value, label in Category.choices if categories[value]]
    # Units at the level below the viewer's root (the county bureaus for the city's welfare office).
    depth = min((root.count("/") for root in roots), default=1)
    unit_counts: Counter[str] = Counter()
    for row in rows:
        parts = row["officer__org_unit__path"].strip("/").split("/")
        unit_counts["/" + "/".join(parts[: max(depth, 1)]) + "/"] += 1
    units = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=list(unit_counts))}
    by_unit = sorted(
        ((units[p], n) for p, n in unit_counts.items() if p in units), key=lambda item: item[0].path
    )
    ages: Counter[int] = Counter()
    for row in rows:
        days = (now - row["submitted_at"]).days
        for index, (low, high) in enumerate(AGE_BUCKETS):
            if days >= low and (high is None or days < high):
                ages[index] += 1
    by_age = [(_age_label(low, high), ages[index]) for index, (low, high) in enumerate(AGE_BUCKETS)]
    overdue = list(
        open_requests.filter(status__in=WAITING_ON_OFFICE, due_at__lte=now)
        .select_related("officer__org_unit", "handler__officer")
        .order_by("due_at")[:100]
    )
    return Overview(
        by_category=by_category,
        by_unit=by_unit,
        by_age=by_age,
        overdue=overdue,
        open_total=len(rows) + hidden,
        confidential_hidden=hidden,
        helped_major_illness=officers_helped_by_year(),
    )


def officers_helped_by_year(*, category: str = Category.MAJOR_ILLNESS) -> list[tuple[int, int]]:
    """(year, officers): distinct officers whose request of this category was accepted in the year.

    The headline figure ("217 officers helped with major-illness treatment"); a count of people, not
    of requests, and never a name.
    """
    rows = (
        CareRequest.objects.filter(category=category, accepted_at__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .values_list("accepted_at__year")
        .annotate(officers=Count("officer", distinct=True))
        .order_by("-accepted_at__year")
    )
    return [(year, count) for year, count in rows]


# --- Grants -----------------------------------------------------------------------------------------------


def grants_of(request: CareRequest) -> list[CareGrant]:
    return list(request.grants.select_related("proposed_by", "approved_by", "payment", "commitment"))


# --- The fund ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Balances:
    fund: Fund
    budgets: list[SubBudget]

    @property
    def allocated(self) -> Decimal:
        return sum((b.available + b.committed for b in self.budgets), Decimal("0.00"))


def balances(fund: Fund | None = None) -> Balances:
    from care.fund import default_fund

    fund = fund or default_fund()
    return Balances(fund=fund, budgets=list(fund.budgets.order_by("kind")))


def entries(*, fund: Fund | None = None) -> QuerySet[FundEntry]:
    """The statement, newest first; ``confidential`` marks the money of a confidential care request."""
    from care.fund import default_fund

    return (
        FundEntry.objects.filter(fund=fund or default_fund())
        .annotate(
            confidential=Exists(
                CareRequest.objects.filter(reference=OuterRef("reference"), confidential=True)
            )
        )
        .select_related("budget", "beneficiary", "recorded_by", "approved_by", "reverses")
        .prefetch_related(Prefetch("reversed_by"))
        .order_by("-booked_on", "-id")
    )


def sees_confidential_money(viewer: User) -> bool:
    """Heads see who a confidential grant went to; other members see the amount and the budget only."""
    return scope.has_any_role(viewer, permissions.HEAD_ROLES)


def mask_confidential_entries(found: list[FundEntry], *, viewer: User) -> list[FundEntry]:
    """Blank the beneficiary, reference and memo of confidential entries for viewers who are not heads.

    The grant's money stays on the statement (the balances must add up) but not who it was for or why.
    Entries are append-only: this changes the loaded objects only, never a row.
    """
    if sees_confidential_money(viewer):
        return found
    from django.utils.translation import gettext as _

    for entry in found:
        if getattr(entry, "confidential", False):
            entry.beneficiary = None
            entry.reference = ""
            entry.memo = _("A grant on a confidential care request")
    return found


def monthly_spending(
    *, fund: Fund | None = None, months: int = 12, today: dt.date | None = None
) -> list[dict]:
    """Payments less their reversals per month and sub-budget, the last ``months`` months (one query each)."""
    from care.fund import default_fund

    fund = fund or default_fund()
    today = today or timezone.localdate()
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    first = dt.date(year, month, 1)
    paid = (
        FundEntry.objects.filter(fund=fund, kind=EntryKind.PAYMENT, booked_on__gte=first)
        .annotate(month=TruncMonth("booked_on"))
        .values("month", "budget__kind")
        .annotate(total=Sum("amount"))
    )
    undone = (
        FundEntry.objects.filter(
            fund=fund, kind=EntryKind.REVERSAL, reverses__kind=EntryKind.PAYMENT, booked_on__gte=first
        )
        .annotate(month=TruncMonth("booked_on"))
        .values("month", "budget__kind")
        .annotate(total=Sum("amount"))
    )
    table: dict[dt.date, dict[str, Decimal]] = {}
    month = first
    while month <= today:
        table[month] = {kind: Decimal("0.00") for kind in BudgetKind.values}
        month = (month + dt.timedelta(days=32)).replace(day=1)
    for rows, sign in ((paid, 1), (undone, -1)):
        for row in rows:
            key = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
            if key in table and row["budget__kind"]:
                table[key][row["budget__kind"]] += sign * row["total"]
    return [
        {"month": month, "by_budget": values, "total": sum(values.values(), Decimal("0.00"))}
        for month, values in table.items()
    ]


def grants_awaiting(viewer: User) -> QuerySet[CareGrant]:
    """Grants the viewer's office could decide or pay, in scope (confidential requests: heads and handler)."""
    visible = requests_visible_to(viewer)
    return (
        CareGrant.objects.filter(request__in=visible, status__in=[GrantStatus.PROPOSED, GrantStatus.APPROVED])
        .select_related("request__officer__org_unit", "proposed_by", "approved_by")
        .order_by("created_at")
    )
