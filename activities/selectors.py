"""Reads about family activities that the portal pages (and the API) share. Scope comes first.

Who sees what:

* **An officer** sees the activities open to their unit: those whose ``audience_unit`` is their own
  unit or one of its ancestors (``services.can_join``). Anything else answers 404.
* **The welfare office** (``Role.WELFARE_OFFICE``) manages the activities *organised* by a unit in the
  subtrees of its assignments: the city office manages every activity, a county's office those its
  county organises. Unit admins do not manage activities: the love-police office runs them city-wide
  (DESIGN.md), and one managing role keeps the rule simple. A user without the role gets 403 on the
  staff pages; an activity outside their subtrees answers 404.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from activities.models import Activity, ActivityStatus, SignUp, SignUpStatus
from people import scope
from people.models import Officer, OrgUnit, Role, User

MANAGER_ROLES = frozenset({Role.WELFARE_OFFICE})


# --- Officers --------------------------------------------------------------------------------------------


def audience_paths(officer: Officer) -> list[str]:
    """The paths of the officer's unit and of every unit above it: an activity open to any of them is
    open to the officer (``/C/X01/X01-P01/`` → ``/C/``, ``/C/X01/``, ``/C/X01/X01-P01/``)."""
    parts = [part for part in officer.org_unit.path.split(OrgUnit.PATH_SEPARATOR) if part]
    return [
        OrgUnit.PATH_SEPARATOR + OrgUnit.PATH_SEPARATOR.join(parts[: n + 1]) + "/" for n in range(len(parts))
    ]


def activities_open_to(*, officer: Officer) -> QuerySet[Activity]:
    """Every activity (any status, any date) the officer may see, with the officer's own sign-up status
    as ``my_status`` (None without one): one query however many activities there are."""
    if not officer.active:
        return Activity.objects.none()
    mine = SignUp.objects.filter(activity=OuterRef("pk"), officer=officer).values("status")[:1]
    return (
        Activity.objects.filter(audience_unit__path__in=audience_paths(officer))
        .select_related("organiser", "audience_unit")
        .annotate(my_status=Subquery(mine))
        .order_by("starts_at", "id")
    )


def upcoming_open_to(*, officer: Officer, now: dt.datetime | None = None) -> QuerySet[Activity]:
    """The published activities still to come that the officer may join: the list page."""
    now = now or timezone.now()
    return activities_open_to(officer=officer).filter(status=ActivityStatus.PUBLISHED, starts_at__gte=now)


def activity_for_officer_or_404(*, officer: Officer, pk: int | str) -> Activity:
    try:
        return activities_open_to(officer=officer).get(pk=int(pk))
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise Http404("no such activity") from None


def signup_of(*, officer: Officer, activity: Activity) -> SignUp | None:
    """The officer's sign-up for the activity (any status), with the persons on it."""
    return (
        SignUp.objects.filter(officer=officer, activity=activity)
        .prefetch_related("people")
        .select_related("activity")
        .first()
    )


def signups_of(*, officer: Officer) -> QuerySet[SignUp]:
    """All the officer's sign-ups with their activities and persons, the soonest first."""
    return (
        SignUp.objects.filter(officer=officer)
        .select_related("activity__organiser")
        .prefetch_related("people")
        .order_by("activity__starts_at", "id")
    )


# --- The month calendar -------------------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: dt.date
    in_month: bool
    is_today: bool
    activities: list[Activity] = field(default_factory=list)


@dataclass
class CalendarMonth:
    first: dt.date
    weeks: list[list[CalendarDay]]

    @property
    def previous(self) -> dt.date:
        return (self.first - dt.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> dt.date:
        return (self.first + dt.timedelta(days=32)).replace(day=1)


def parse_month(value: str | None, *, today: dt.date | None = None) -> dt.date:
    """``2026-12`` → 2026-12-01; anything else is the current month."""
    today = today or timezone.localdate()
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 1900 <= year <= 2999:
            return dt.date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def calendar_month(*, officer: Officer, first: dt.date) -> CalendarMonth:
    """The weeks (Monday first) showing the month, each day with the published activities open to the
    officer that start on it (local time). One query for the activities."""
    weeks_of_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(weeks_of_dates[0][0], dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(weeks_of_dates[-1][-1] + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    by_day: dict[dt.date, list[Activity]] = {}
    for activity in activities_open_to(officer=officer).filter(
        status=ActivityStatus.PUBLISHED, starts_at__gte=start, starts_at__lt=end
    ):
        by_day.setdefault(timezone.localtime(activity.starts_at).date(), []).append(activity)
    today = timezone.localdate()
    weeks = [
        [
            CalendarDay(
                day=day,
                in_month=day.month == first.month,
                is_today=day == today,
                activities=by_day.get(day, []),
            )
            for day in week
        ]
        for week in weeks_of_dates
    ]
    return CalendarMonth(first=first, weeks=weeks)


# --- The welfare office ------------------------------------------------------------------------------------


def can_manage_activities(user: User) -> bool:
    return bool(user.is_authenticated and scope.has_any_role(user, MANAGER_ROLES))


def activities_managed_by(*, viewer: User) -> QuerySet[Activity]:
    """The activities organised in the viewer's subtrees as welfare office (none without the role)."""
    return scope.filter_by_units(
        Activity.objects.select_related("organiser", "audience_unit", "series"),
        user=viewer,
        roles=MANAGER_ROLES,
        unit_path_field="organiser__path",
    ).order_by("starts_at", "id")


def managed_activity_or_404(*, viewer: User, pk: int | str) -> Activity:
    try:
        return activities_managed_by(viewer=viewer).get(pk=int(pk))
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise Http404("no such activity") from None


def units_managed_by(*, viewer: User) -> QuerySet[OrgUnit]:
    """The units the viewer may name as organiser or audience of an activity."""
    return scope.units_in_scope(viewer, MANAGER_ROLES).filter(active=True).order_by("path")


def signup_list(*, activity: Activity) -> list[SignUp]:
    """Every sign-up of the activity with officer, unit and persons, holders first, then the waiting list
    in its order (each waitlisted one with ``position``, as ``services.waitlist_position`` counts it),
    then the cancelled. Three queries, whatever the number of sign-ups."""
    order = {
        SignUpStatus.ATTENDED: 0,
        SignUpStatus.CONFIRMED: 0,
        SignUpStatus.OFFERED: 1,
        SignUpStatus.WAITLISTED: 2,
        SignUpStatus.NO_SHOW: 3,
        SignUpStatus.CANCELLED: 4,
    }
    signups = list(
        SignUp.objects.filter(activity=activity)
        .select_related("officer__org_unit")
        .prefetch_related("people")
        .order_by("queued_at", "id")
    )
    position = 0
    for signup in signups:
        signup.position = None
        if signup.status == SignUpStatus.WAITLISTED:
            position += 1
            signup.position = position
    signups.sort(key=lambda signup: order.get(signup.status, 5))  # stable: queue order within a status
    return signups
