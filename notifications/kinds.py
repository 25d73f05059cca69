"""The kinds of reminder and how each is rendered. Apps register their own kinds here.

A kind names its label, the extra channels it uses when the person has not chosen
(in-app is always on), how long after its due time it is still worth sending, and how
its payload becomes a title, a body and a link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    link: str = ""


@dataclass(frozen=True)
class ReminderKind:
    code: str
    label: Promise | str
    render: Callable[[dict[str, Any]], Rendered]
    default_channels: frozenset[str] = field(default_factory=frozenset)
    expiry: dt.timedelta = dt.timedelta(hours=24)


KINDS: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> ReminderKind:
    KINDS[kind.code] = kind
    return kind


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.code, str(kind.label)) for kind in KINDS.values()]


def _birthday(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=_("Happy birthday, %(name)s!") % {"name": payload.get("name", "")},
        body=_("The welfare office wishes you a happy birthday, good health and a happy family."),
        link="/",
    )


def _anniversary(payload: dict[str, Any]) -> Rendered:
    years = int(payload.get("years", 0))
    return Rendered(
        title=_("%(years)d years in the police today") % {"years": years},
        body=_("%(name)s, thank you for %(years)d years of service. The welfare office salutes you.")
        % {"name": payload.get("name", ""), "years": years},
        link="/profile/",
    )


def _broadcast(payload: dict[str, Any]) -> Rendered:
    return Rendered(
        title=str(payload.get("title", "")), body=str(payload.get("body", "")), link="/notifications/"
    )


BIRTHDAY = register(
    ReminderKind(
        "birthday", gettext_lazy("Birthday greeting"), _birthday, frozenset(), dt.timedelta(hours=14)
    )
)
SERVICE_ANNIVERSARY = register(
    ReminderKind(
        "service_anniversary",
        gettext_lazy("Police-service anniversary"),
        _anniversary,
        frozenset(),
        dt.timedelta(hours=14),
    )
)
BROADCAST = register(
    ReminderKind(
        "broadcast",
        gettext_lazy("Message from the welfare office"),
        _broadcast,
        frozenset(),
        dt.timedelta(days=3),
    )
)
