"""Reads about health that pages, the API and reports share.

These take an officer the caller may already see: the archive's scoped selector (officer for
self, health staff in scope, the assigned adviser; audited) is the caller's job and comes with
the archive page.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from health.models import Checkup, CheckupResult, Indicator
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
