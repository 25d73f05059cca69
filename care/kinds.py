"""The care reminders the notification engine sends (registered when the app is ready).

Payloads carry the reference and category only: a reminder may go out by SMS, and what the request
says stays on the request's page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.kinds import ReminderKind, Rendered, register


def _category(payload: dict[str, Any]) -> str:
    from care.models import Category

    try:
        return str(Category(payload["category"]).label)
    except ValueError:
        return str(payload["category"])


def _message(payload: dict[str, Any], default: str) -> str:
    """The message in the language of the moment it is sent (a code of care/texts.py; older: a sentence)."""
    from care.texts import render

    code = payload.get("message_code")
    return (render(code, payload.get("params")) if code else str(payload.get("message") or "")) or default


def _update(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Your request %(reference)s") % {"reference": payload["reference"]},
        body=_message(payload, _("There is news on your request.")),
        link=f"/care/requests/{int(payload['request'])}/",
    )


def _assigned(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Care request %(reference)s (%(category)s)")
        % {"reference": payload["reference"], "category": _category(payload)},
        body=_message(payload, _("You have been assigned this request.")),
        link=f"/care/handle/{int(payload['request'])}/",
    )


def _overdue(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Overdue: care request %(reference)s") % {"reference": payload["reference"]},
        body=_("The %(category)s request %(reference)s is past its service level. Please take the next step.")
        % {"reference": payload["reference"], "category": _category(payload)},
        link=f"/care/handle/{int(payload['request'])}/",
    )


def _escalated(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Escalated: care request %(reference)s") % {"reference": payload["reference"]},
        body=_(
            "The %(category)s request %(reference)s is still waiting after a reminder to its handler. "
            "It is escalated to you as a head of the welfare office."
        )
        % {"reference": payload["reference"], "category": _category(payload)},
        link=f"/care/handle/{int(payload['request'])}/",
    )


def _grant_approval(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("A grant awaits approval: %(reference)s") % {"reference": payload["reference"]},
        body=_message(payload, ""),
        link="/fund/grants/",
    )


CARE_REQUEST_UPDATE = register(
    ReminderKind(
        "care_request_update",
        gettext_lazy("News on my care request"),
        _update,
        frozenset(),
        dt.timedelta(days=7),
    )
)
CARE_REQUEST_ASSIGNED = register(
    ReminderKind(
        "care_request_assigned",
        gettext_lazy("A care request for me to handle"),
        _assigned,
        frozenset(),
        dt.timedelta(days=7),
    )
)
CARE_REQUEST_OVERDUE = register(
    ReminderKind(
        "care_request_overdue",
        gettext_lazy("A care request past its service level"),
        _overdue,
        frozenset({"email"}),
        dt.timedelta(days=3),
    )
)
CARE_REQUEST_ESCALATED = register(
    ReminderKind(
        "care_request_escalated",
        gettext_lazy("A care request escalated to the heads"),
        _escalated,
        frozenset({"email"}),
        dt.timedelta(days=3),
    )
)
CARE_GRANT_APPROVAL = register(
    ReminderKind(
        "care_grant_approval",
        gettext_lazy("A care grant awaiting approval"),
        _grant_approval,
        frozenset(),
        dt.timedelta(days=7),
    )
)
