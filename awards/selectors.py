"""Reads about awards, shared by the portal and the API. Scope first; out of sight answers 404."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from awards import permissions
from awards.models import Application, Programme, ProgrammeKind, Status, TeacherAward, TeacherStatus, Tier
from people import scope
from people.models import Officer, OrgUnit, Role, User

NOTICE_STATUSES = (Status.IN_NOTICE, Status.ON_HOLD)


def _base() -> QuerySet[Application]:
    return Application.objects.select_related(
        "programme", "officer__org_unit", "child", "university", "payment"
    )


def applications_of(officer: Officer) -> QuerySet[Application]:
    return _base().filter(officer=officer).order_by("-created_at", "-id")


def applications_visible_to(viewer: User) -> QuerySet[Application]:
    """Own applications; unit admins their subtree's submitted ones on; the welfare office all in scope."""
    if not viewer.is_authenticated:
        return Application.objects.none()
    condition = Q(officer__user=viewer)
    condition |= scope.units_q(viewer, permissions.OFFICE_ROLES, "officer__org_unit__path") & ~Q(
        status=Status.DRAFT
    )
    condition |= scope.units_q(viewer, {Role.UNIT_ADMIN}, "officer__org_unit__path") & ~Q(status=Status.DRAFT)
    return _base().filter(condition)


def application_for(*, viewer: User, pk: int) -> Application:
    found = applications_visible_to(viewer).filter(pk=pk).first()
    if found is None:
        raise Http404("no such application")
    return found


def own_application(*, viewer: User, pk: int) -> Application:
    found = _base().filter(pk=pk, officer__user=viewer).first()
    if found is None:
        raise Http404("no such application")
    return found


def unit_review_queue(viewer: User) -> QuerySet[Application]:
    return (
        scope.filter_by_units(
            _base().filter(status=Status.SUBMITTED),
            user=viewer,
            roles={Role.UNIT_ADMIN},
            unit_path_field="officer__org_unit__path",
        )
        .exclude(officer__user=viewer)
        .order_by("waiting_since", "pk")
    )


def welfare_review_queue(viewer: User) -> QuerySet[Application]:
    return (
        scope.filter_by_units(
            _base().filter(status=Status.UNIT_APPROVED),
            user=viewer,
            roles=permissions.OFFICE_ROLES,
            unit_path_field="officer__org_unit__path",
        )
        .exclude(officer__user=viewer)
        .order_by("waiting_since", "pk")
    )


def open_programmes(today: dt.date | None = None) -> QuerySet[Programme]:
    today = today or timezone.localdate()
    return Programme.objects.filter(kind=ProgrammeKind.SCHOLARSHIP, opens_on__lte=today, closes_on__gte=today)


def public_notice(today: dt.date | None = None) -> QuerySet[Application]:
    """Awards in their notice period (and those held by an objection): what every officer may read."""
    today = today or timezone.localdate()
    return (
        _base()
        .filter(status__in=NOTICE_STATUSES, notice_starts_on__lte=today, notice_ends_on__gte=today)
        .order_by("programme", "officer__org_unit__path", "pk")
    )


def teacher_awards_notice(today: dt.date | None = None) -> QuerySet[TeacherAward]:
    return TeacherAward.objects.filter(
        status__in=[TeacherStatus.APPROVED, TeacherStatus.PAID]
    ).select_related("programme", "scholarship__university")


# --- Statistics -----------------------------------------------------------------------------------

AWARDED = (Status.APPROVED, Status.IN_NOTICE, Status.ON_HOLD, Status.PAID)


@dataclass(frozen=True)
class YearFigures:
    year: int
    by_tier: dict[str, int]
    awards: int
    paid_count: int
    paid_amount: Decimal
    teacher_awards: int
    teacher_paid: Decimal


@dataclass(frozen=True)
class Statistics:
    years: list[YearFigures]
    by_unit: list[tuple[OrgUnit, int, Decimal]]  # county-level unit, awards, paid amount (latest year)
    latest_year: int | None


def statistics() -> Statistics:
    """Awards by year and tier, paid totals, and awards per county-level unit for the latest year.

    Awarded scholarships are published in the notice anyway, so no group is withheld here.
    """
    rows = (
        Application.objects.filter(kind=ProgrammeKind.SCHOLARSHIP, status__in=AWARDED)
        .values("year", "tier")
        .annotate(n=Count("pk"))
    )
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(Tier.values, 0))
    for row in rows:
        by_year[row["year"]][row["tier"] or Tier.DOUBLE_FIRST_CLASS] += row["n"]
    paid = {
        row["year"]: (row["n"], row["s"])
        for row in Application.objects.filter(status=Status.PAID)
        .values("year")
        .annotate(n=Count("pk"), s=Sum("amount"))
    }
    teachers = {
        row["programme__year"]: (row["n"], row["s"] or Decimal("0.00"))
        for row in TeacherAward.objects.filter(status__in=[TeacherStatus.APPROVED, TeacherStatus.PAID])
        .values("programme__year")
        .annotate(n=Count("pk"), s=Sum("amount", filter=Q(status=TeacherStatus.PAID)))
    }
    years = sorted(set(by_year) | set(paid) | set(teachers), reverse=True)
    figures = [
        YearFigures(
            year=year,
            by_tier=dict(by_year[year]),
            awards=sum(by_year[year].values()),
            paid_count=paid.get(year, (0, Decimal("0.00")))[0],
            paid_amount=paid.get(year, (0, Decimal("0.00")))[1] or Decimal("0.00"),
            teacher_awards=teachers.get(year, (0, Decimal("0.00")))[0],
            teacher_paid=teachers.get(year, (0, Decimal("0.00")))[1],
        )
        for year in years
    ]
    latest = years[0] if years else None
    by_unit: list[tuple[OrgUnit, int, Decimal]] = []
    if latest is not None:
        counts: dict[str, list] = defaultdict(lambda: [0, Decimal("0.00")])
        for path, status, amount in Application.objects.filter(
            kind=ProgrammeKind.SCHOLARSHIP, year=latest, status__in=AWARDED
        ).values_list("officer__org_unit__path", "status", "amount"):
            parts = path.strip("/").split("/")
            key = "/" + "/".join(parts[:2]) + "/" if len(parts) > 1 else path
            counts[key][0] += 1
            if status == Status.PAID:
                counts[key][1] += amount or 0
        units = {u.path: u for u in OrgUnit.objects.filter(path__in=list(counts))}
        by_unit = sorted(
            ((units[p], n, s) for p, (n, s) in counts.items() if p in units), key=lambda item: item[0].path
        )
    return Statistics(years=figures, by_unit=by_unit, latest_year=latest)
