"""Activities for tests: times relative to now, so sign-up is open unless a test says otherwise."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from activities import services
from activities.models import Activity


def make_activity(
    *,
    unit,
    capacity: int = 10,
    starts_in: dt.timedelta = dt.timedelta(days=7),
    title: str = "亲子绘画",
    **values,
) -> Activity:
    now = timezone.now()
    start = now + starts_in
    timing = services.Timing(
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        signup_opens_at=values.pop("opens_at", now - dt.timedelta(days=1)),
        signup_closes_at=values.pop("closes_at", start - dt.timedelta(hours=1)),
        cancel_until=values.pop("cancel_until", start - dt.timedelta(days=1)),
    )
    defaults = {
        "title": title,
        "kind": "parent_child",
        "organiser": unit,
        "audience_unit": unit,
        "venue": "市局文体中心",
        "capacity": capacity,
        "audience": "families",
    }
    return services.activity_create(actor=None, timing=timing, allow_past=True, **{**defaults, **values})
