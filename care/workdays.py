"""Working days: Monday to Friday, except the public holidays and make-up working days in ``CalendarDay``.

Service levels are counted in working days: a request submitted on Friday afternoon with two working
days to answer is due on Tuesday afternoon, and the National Day week does not count.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from care.models import CalendarDay

# Enough days ahead to cover any holiday run (Spring Festival is at most 9 days in a row).
_LOOKAHEAD_FACTOR = 3


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(day__range=(start, end)).values_list("day", "is_working_day"))


def is_working_day(day: dt.date, exceptions: dict[dt.date, bool] | None = None) -> bool:
    if exceptions is None:
        exceptions = _exceptions(day, day)
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_working_days(moment: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day on the ``days``-th working day after ``moment``'s day (one query)."""
    local = timezone.localtime(moment)
    start = local.date()
    exceptions = _exceptions(start, start + dt.timedelta(days=days * _LOOKAHEAD_FACTOR + 21))
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole working days after ``start``'s day up to and including ``end``'s day (0 when the same day)."""
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    if last <= first:
        return 0
    exceptions = _exceptions(first, last)
    return sum(
        1
        for offset in range(1, (last - first).days + 1)
        if is_working_day(first + dt.timedelta(days=offset), exceptions)
    )
