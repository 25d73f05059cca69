"""The survey reminder the notification engine sends (registered when the app is ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.kinds import ReminderKind, Rendered, register


def _reminder(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Your voice counts: %(title)s") % {"title": payload["title"]},
        body=_(
            "You have not answered %(title)s yet. It takes about ten minutes and is anonymous; "
            "it closes on %(closes)s."
        )
        % payload,
        link=f"/surveys/{int(payload['campaign'])}/",
    )


SURVEY_REMINDER = register(
    ReminderKind(
        "survey_reminder",
        gettext_lazy("A welfare survey not yet answered"),
        _reminder,
        frozenset(),
        dt.timedelta(hours=12),
    )
)
