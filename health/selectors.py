"""Reads about health that pages, the API and reports share.

These take an officer the caller may already see: the archive's scoped selector (officer for
self, health staff in scope, the assigned adviser; audited) is the caller's job and comes with
the archive page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from health.models import Checkup, CheckupResult, ExerciseRecord, Indicator, MealRecord
from health.risk import NO_CHECKUP, Risk, assess
from people.models import Officer


def active_indicators() -> QuerySet[Indicator]:
    """The catalogue as imports use it: active indicators with their rules (two queries)."""
    return Indicator.objects.filter(active=True).prefetch_related("rules").order_by("sort_order", "code")


def latest_checkup_of(officer: Officer) -> Checkup | None:
    """The officer's most recent checkup with its results and their indicators (two queries)."""
    results = CheckupResult.objects.select_related("indicator").order_by("indicator__sort_order")
    return (
        Checkup.objects.filter(officer=officer)
        .order_by("-date")
        .prefetch_related(Prefetch("results", queryset=results))
        .first()
    )


def risk_of(officer: Officer) -> Risk:
    """Risk level (red/orange/yellow/green) with reasons from the latest checkup; level None without one."""
    checkup = latest_checkup_of(officer)
    if checkup is None:
        return NO_CHECKUP
    return assess(checkup.results.all(), checkup=checkup)


# --- Weekly diet and exercise against the guidelines --------------------------------------------------------
#
# Sources: 中国居民膳食指南（2022）, the eight 准则 for adults, and 中国人群身体活动指南（2021）; see
# sections 2 and 3 of ../shared/reference/health-and-survey-standards.md. Amounts are per day unless
# the name says week. A device's "active minutes" are taken as moderate activity.

SALT_BELOW_G = Decimal(5)  # 准则五: 食盐 < 5 g/d
OIL_RANGE_G = (Decimal(25), Decimal(30))  # 准则五: 烹调油 25–30 g/d
SUGAR_AT_MOST_G = Decimal(50)  # 准则五: 添加糖 ≤ 50 g/d …
SUGAR_IDEAL_BELOW_G = Decimal(25)  # … 最好 < 25 g/d
VEGETABLES_AT_LEAST_G = Decimal(300)  # 准则三: 蔬菜 ≥ 300 g/d
FRUIT_RANGE_G = (Decimal(200), Decimal(350))  # 准则三: 水果 200–350 g/d
STEPS_PER_DAY = 6000  # 准则二: 主动身体活动最好每天 6000 步
ACTIVE_MINUTES_PER_WEEK = 150  # 准则二 and 活动指南 2021: ≥ 150 min moderate activity a week

DAYS_IN_WEEK = 7
_ONE_DECIMAL = Decimal("0.1")


class Verdict(models.TextChoices):
    """How a weekly average compares with its guideline."""

    MEETS = "meets", _("meets the guideline")
    IDEAL = "ideal", _("ideal")  # added sugar under the ideal 25 g as well as under the 50 g limit
    BELOW = "below", _("below the guideline")
    ABOVE = "above", _("above the guideline")
    NO_DATA = "no_data", _("no data")


@dataclass(frozen=True)
class Amount:
    """A per-day average over the days with a record (None without any), and its verdict."""

    per_day: Decimal | None
    verdict: str


@dataclass(frozen=True)
class DietWeek:
    week_start: dt.date
    days_recorded: int  # days with at least one canteen meal
    energy_kcal: Decimal | None  # no verdict: canteen meals are not all a day's food
    salt_g: Amount
    oil_g: Amount
    sugar_g: Amount
    vegetables_g: Amount
    fruit_g: Amount


@dataclass(frozen=True)
class ExerciseWeek:
    week_start: dt.date
    days_recorded: int  # days with a step count
    steps_per_day: int | None
    steps_verdict: str
    days_meeting_steps: int
    active_minutes: int  # the week's total
    active_minutes_verdict: str


def _within(value: Decimal | None, *, low: Decimal | None = None, high: Decimal | None = None) -> str:
    """MEETS when ``low <= value <= high`` (either bound may be open)."""
    if value is None:
        return Verdict.NO_DATA
    if low is not None and value < low:
        return Verdict.BELOW
    if high is not None and value > high:
        return Verdict.ABOVE
    return Verdict.MEETS


def _salt(value: Decimal | None) -> str:
    if value is None:
        return Verdict.NO_DATA
    return Verdict.MEETS if value < SALT_BELOW_G else Verdict.ABOVE


def _sugar(value: Decimal | None) -> str:
    verdict = _within(value, high=SUGAR_AT_MOST_G)
    if verdict == Verdict.MEETS and value < SUGAR_IDEAL_BELOW_G:
        return Verdict.IDEAL
    return verdict


_DIET_VERDICTS = {
    "salt_g": _salt,
    "oil_g": lambda value: _within(value, low=OIL_RANGE_G[0], high=OIL_RANGE_G[1]),
    "sugar_g": _sugar,
    "vegetables_g": lambda value: _within(value, low=VEGETABLES_AT_LEAST_G),
    "fruit_g": lambda value: _within(value, low=FRUIT_RANGE_G[0], high=FRUIT_RANGE_G[1]),
}


def diet_week(officer: Officer, week_start: dt.date) -> DietWeek:
    """The officer's canteen meals in the 7 days from ``week_start`` against the guidelines (one query).

    Each amount is the week's total divided by the days on which it was recorded: a day without
    canteen meals (leave, eating at home) says nothing about the diet and does not count as zero.
    Averages are rounded to one decimal before they are judged, so the figure shown and its verdict
    agree (4.96 g of salt shows as 5.0 and is above the limit).
    """
    fields = ["energy_kcal", *_DIET_VERDICTS]
    aggregates = {"days": Count("date", distinct=True)}
    for name in fields:
        aggregates[f"{name}_total"] = Sum(name)
        aggregates[f"{name}_days"] = Count("date", distinct=True, filter=Q(**{f"{name}__isnull": False}))
    totals = MealRecord.objects.filter(
        officer=officer, date__range=(week_start, week_start + dt.timedelta(days=DAYS_IN_WEEK - 1))
    ).aggregate(**aggregates)

    def per_day(name: str) -> Decimal | None:
        days = totals[f"{name}_days"]
        if not days:
            return None
        return (Decimal(totals[f"{name}_total"]) / days).quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)

    amounts = {}
    for name, judge in _DIET_VERDICTS.items():
        value = per_day(name)
        amounts[name] = Amount(per_day=value, verdict=judge(value))
    return DietWeek(
        week_start=week_start, days_recorded=totals["days"], energy_kcal=per_day("energy_kcal"), **amounts
    )


def exercise_week(officer: Officer, week_start: dt.date) -> ExerciseWeek:
    """The officer's activity over the 7 days from ``week_start`` against the guidelines (one query).

    A day recorded by several sources (the wristband and the phone count the same walk) counts
    once, with the largest figure of each. The average steps are over the days with a step count
    (a day without the device is unknown, not idle); active minutes are the week's total.
    """
    days = list(
        ExerciseRecord.objects.filter(
            officer=officer, date__range=(week_start, week_start + dt.timedelta(days=DAYS_IN_WEEK - 1))
        )
        .values("date")
        .annotate(steps=Max("steps"), minutes=Max("active_minutes"))
        .order_by()
    )
    steps = [day["steps"] for day in days if day["steps"] is not None]
    steps_per_day = (
        int((Decimal(sum(steps)) / len(steps)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if steps
        else None
    )
    minutes = sum(day["minutes"] or 0 for day in days)
    return ExerciseWeek(
        week_start=week_start,
        days_recorded=len(steps),
        steps_per_day=steps_per_day,
        steps_verdict=_within(
            None if steps_per_day is None else Decimal(steps_per_day), low=Decimal(STEPS_PER_DAY)
        ),
        days_meeting_steps=sum(1 for count in steps if count >= STEPS_PER_DAY),
        active_minutes=minutes,
        active_minutes_verdict=(
            Verdict.NO_DATA
            if not any(day["minutes"] is not None for day in days)
            else _within(Decimal(minutes), low=Decimal(ACTIVE_MINUTES_PER_WEEK))
        ),
    )
