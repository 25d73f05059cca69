"""The activity reminders the notification engine sends (registered when the app is ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.kinds import ReminderKind, Rendered, register


def _link(payload: dict[str, Any]) -> str:
    return f"/activities/{int(payload['activity'])}/"


def _tomorrow(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Tomorrow: %(title)s") % {"title": payload["title"]},
        body=_(
            "%(title)s starts at %(starts)s, %(venue)s. %(persons)s persons are expected from your family."
        )
        % payload,
        link=_link(payload),
    )


def _offer(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("A place for you: %(title)s") % {"title": payload["title"]},
        body=_("A place has come free for %(title)s (%(starts)s). Accept it by %(expires)s, or it passes on.")
        % payload,
        link=_link(payload),
    )


def _offer_expiring(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Your offer expires soon: %(title)s") % {"title": payload["title"]},
        body=_("The place offered to you for %(title)s is held until %(expires)s.") % payload,
        link=_link(payload),
    )


def _changed(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Changed: %(title)s") % {"title": payload["title"]},
        body=_("%(title)s now starts at %(starts)s, %(venue)s. Your sign-up stands.") % payload,
        link=_link(payload),
    )


def _cancelled(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Called off: %(title)s") % {"title": payload["title"]},
        body=_("%(title)s (%(starts)s) will not take place: %(reason)s. We are sorry.") % payload,
        link=_link(payload),
    )


def _signup_cancelled(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Sign-up cancelled: %(title)s") % {"title": payload["title"]},
        body=_("The welfare office cancelled your sign-up for %(title)s (%(starts)s): %(reason)s.") % payload,
        link=_link(payload),
    )


def _feedback(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("How was %(title)s?") % {"title": payload["title"]},
        body=_(
            "Thank you for coming. Rate the activity from 1 to 5 and tell the welfare office what to keep."
        ),
        link=_link(payload),
    )


ACTIVITY_TOMORROW = register(
    ReminderKind(
        "activity_tomorrow",
        gettext_lazy("Family activity tomorrow"),
        _tomorrow,
        frozenset(),
        dt.timedelta(hours=20),
    )
)
ACTIVITY_OFFER = register(
    ReminderKind(
        "activity_offer",
        gettext_lazy("A place offered from the waiting list"),
        _offer,
        frozenset(),
        dt.timedelta(hours=48),
    )
)
ACTIVITY_OFFER_EXPIRING = register(
    ReminderKind(
        "activity_offer_expiring",
        gettext_lazy("An offered place about to expire"),
        _offer_expiring,
        frozenset(),
        dt.timedelta(hours=6),
    )
)
ACTIVITY_CHANGED = register(
    ReminderKind(
        "activity_changed",
        gettext_lazy("A family activity moved"),
        _changed,
        frozenset(),
        dt.timedelta(days=2),
    )
)
ACTIVITY_CANCELLED = register(
    ReminderKind(
        "activity_cancelled",
        gettext_lazy("A family activity called off"),
        _cancelled,
        frozenset(),
        dt.timedelta(days=2),
    )
)
ACTIVITY_SIGNUP_CANCELLED = register(
    ReminderKind(
        "activity_signup_cancelled",
        gettext_lazy("A sign-up cancelled by the welfare office"),
        _signup_cancelled,
        frozenset(),
        dt.timedelta(days=2),
    )
)
ACTIVITY_FEEDBACK = register(
    ReminderKind(
        "activity_feedback",
        gettext_lazy("Feedback on a family activity"),
        _feedback,
        frozenset(),
        dt.timedelta(days=7),
    )
)
