"""The award reminders the notification engine sends (registered when the app is ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.kinds import ReminderKind, Rendered, register


def _open(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Applications open: %(title)s") % payload,
        body=_(
            "Has your child been admitted to a key university this year? Apply for %(title)s "
            "from %(opens)s to %(closes)s."
        )
        % payload,
        link="/awards/",
    )


def _closing(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Closing soon: %(title)s") % payload,
        body=_("Applications for %(title)s close on %(closes)s.") % payload,
        link="/awards/",
    )


def _waiting(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("An application is waiting for your review: %(title)s") % payload,
        body=_("An application for %(title)s has waited %(days)s days for a review.") % payload,
        link="/awards/review/",
    )


def _decision(payload: dict[str, Any]) -> Rendered:
    from awards.models import Decision

    try:
        label = str(Decision(payload["decision"]).label)
    except ValueError:
        label = str(payload["decision"])
    return Rendered(
        title=_("Your application for %(title)s: %(decision)s")
        % {"title": payload["title"], "decision": label},
        body=_("Open the application to see the details."),
        link=f"/awards/applications/{int(payload['application'])}/",
    )


def _objection(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("An objection during the public notice: %(title)s") % payload,
        body=_("An award has been put on hold by an objection. Please decide it."),
        link="/awards/manage/",
    )


for kind in (
    ReminderKind(
        "award_programme_open",
        gettext_lazy("An award programme opens"),
        _open,
        frozenset(),
        dt.timedelta(days=7),
    ),
    ReminderKind(
        "award_programme_closing",
        gettext_lazy("An award programme closes soon"),
        _closing,
        frozenset(),
        dt.timedelta(days=3),
    ),
    ReminderKind(
        "award_review_waiting",
        gettext_lazy("An award application waiting for review"),
        _waiting,
        frozenset({"email"}),
        dt.timedelta(days=3),
    ),
    ReminderKind(
        "award_decision",
        gettext_lazy("A decision on my award application"),
        _decision,
        frozenset(),
        dt.timedelta(days=7),
    ),
    ReminderKind(
        "award_objection",
        gettext_lazy("An objection to an award"),
        _objection,
        frozenset({"email"}),
        dt.timedelta(days=3),
    ),
):
    register(kind)
