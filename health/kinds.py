"""The health reminders the notification engine sends (registered when the app is ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.kinds import ReminderKind, Rendered, register


def _follow_up_due(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Health follow-up due: %(name)s") % {"name": payload.get("name", "")},
        body=_("The follow-up of %(name)s's checkup is due on %(due)s. Record what was done and its outcome.")
        % {"name": payload.get("name", ""), "due": payload.get("due", "")},
        link=reverse("health-follow-up", args=[int(payload["follow_up"])]),
    )


def _checkup_overdue(payload: dict[str, Any]) -> Rendered:
    last = payload.get("last") or ""
    body = (
        _("Your last checkup on record was on %(date)s, more than 12 months ago.") % {"date": last}
        if last
        else _("There is no checkup of yours on record.")
    )
    return Rendered(
        title=_("Time for your yearly checkup"),
        body=body
        + " "
        + _("Please book this year's checkup with your unit; early checks catch problems early."),
        link=reverse("health-my-archive"),
    )


FOLLOW_UP_DUE = register(
    ReminderKind(
        "health_follow_up_due",
        gettext_lazy("Health follow-up due"),
        _follow_up_due,
        frozenset(),
        dt.timedelta(days=3),
    )
)
CHECKUP_OVERDUE = register(
    ReminderKind(
        "health_checkup_overdue",
        gettext_lazy("No checkup in the last 12 months"),
        _checkup_overdue,
        frozenset(),
        dt.timedelta(days=7),
    )
)
