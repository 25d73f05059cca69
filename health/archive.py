"""The health archive as people read it: who may open whose, what it shows, and the audit of every read.

Person-level health data is seen by the officer, by health staff whose role covers the officer's
unit, and by the adviser doctor assigned to the officer (``HealthProfile.adviser``). Everybody
else — unit admins, leaders, the welfare office, other officers — gets 404, so a police number
cannot be probed. Every read of somebody else's archive (page, API, export) writes an
audit row naming who read whose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from health.models import Checkup, CheckupResult, Flag, FollowUp, HealthProfile, RiskLevel
from health.risk import NO_CHECKUP, Risk, assess
from health.selectors import DietWeek, ExerciseWeek, diet_week, exercise_week, latest_checkup_of
from people import scope
from people.models import Officer, Role, User

ARCHIVE_ROLES = frozenset({Role.HEALTH_STAFF})  # by org subtree
ADVISER_ROLES = frozenset({Role.HEALTH_ADVISER})  # only the officers assigned to them


def can_read_archive(viewer: User, officer: Officer) -> bool:
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if officer.user_id == viewer.pk:
        return True
    if scope.covers(viewer, ARCHIVE_ROLES, officer.org_unit):
        return True
    return is_adviser_of(viewer, officer)


def is_adviser_of(viewer: User, officer: Officer) -> bool:
    """The viewer is the officer's assigned adviser and still holds the adviser role."""
    return scope.has_any_role(viewer, ADVISER_ROLES) and (
        HealthProfile.objects.filter(officer=officer, adviser=viewer).exists()
    )


def may_use_archives(viewer: User) -> bool:
    """Health staff and advisers: the roles that open other people's archives at all."""
    return scope.has_any_role(viewer, ARCHIVE_ROLES | ADVISER_ROLES)


def archive_officer_or_404(*, viewer: User, police_number: str) -> Officer:
    """The officer whose archive ``viewer`` asks for; 404 when there is none or it is not theirs to read."""
    officer = Officer.objects.select_related("org_unit", "user").filter(police_number=police_number).first()
    if officer is None or not can_read_archive(viewer, officer):
        raise Http404("no such archive")
    return officer


def officers_with_archives_for(*, viewer: User) -> QuerySet[Officer]:
    """Officers whose archives the viewer may open: health staff their subtrees, an adviser their officers."""
    visible = scope.units_q(viewer, ARCHIVE_ROLES, "org_unit__path")
    if scope.has_any_role(viewer, ADVISER_ROLES):
        visible |= Q(health_profile__adviser=viewer)
    return Officer.objects.select_related("org_unit").filter(visible, active=True).order_by("police_number")


def record_archive_read(*, viewer: User, officer: Officer, channel: str) -> None:
    """Audit a read of somebody else's archive; reading one's own is not audited."""
    if officer.user_id != viewer.pk:
        audit_record(
            actor=viewer,
            action=AuditAction.SENSITIVE_READ,
            target=officer,
            detail={"what": "health_archive", "channel": channel, "police_number": officer.police_number},
        )


@dataclass
class TrendPoint:
    date: str
    value: Decimal
    flag: str


@dataclass
class Trend:
    code: str
    name: str
    unit: str
    points: list[TrendPoint] = field(default_factory=list)


@dataclass
class Archive:
    officer: Officer
    latest: Checkup | None
    risk: Risk
    trends: list[Trend]
    checkup_count: int
    diet_weeks: list[DietWeek] = field(default_factory=list)  # the last complete weeks, newest first
    exercise_weeks: list[ExerciseWeek] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)  # newest checkup first
    adviser: User | None = None

    @property
    def risk_label(self) -> str:
        return str(RiskLevel(self.risk.level).label) if self.risk.level else ""

    @property
    def abnormal(self) -> list[CheckupResult]:
        if self.latest is None:
            return []
        return [result for result in self.latest.results.all() if result.flag not in ("", Flag.NORMAL)]


def trends_of(officer: Officer) -> list[Trend]:
    """Every measured indicator's values across the officer's checkups, oldest first (one query)."""
    trends: dict[str, Trend] = {}
    results = (
        CheckupResult.objects.filter(checkup__officer=officer)
        .select_related("indicator")
        .order_by("indicator__sort_order", "checkup__date")
        .values_list(
            "indicator__code", "indicator__name_zh", "indicator__unit", "checkup__date", "value", "flag"
        )
    )
    for code, name, unit, date, value, flag in results:
        trend = trends.setdefault(code, Trend(code=code, name=name, unit=unit))
        trend.points.append(TrendPoint(date=date.isoformat(), value=value, flag=flag))
    return list(trends.values())


SUMMARY_WEEKS = 4


def last_weeks(today: dt.date, count: int = SUMMARY_WEEKS) -> list[dt.date]:
    """The Mondays of the last ``count`` complete weeks before ``today``, newest first."""
    this_monday = today - dt.timedelta(days=today.weekday())
    return [this_monday - dt.timedelta(weeks=n) for n in range(1, count + 1)]


def archive_of(officer: Officer, *, today: dt.date | None = None) -> Archive:
    """Everything the archive page and API show (a fixed number of queries, whatever the years of data)."""
    latest = latest_checkup_of(officer)
    weeks = last_weeks(today or timezone.localdate())
    profile = HealthProfile.objects.filter(officer=officer).select_related("adviser__officer").first()
    return Archive(
        officer=officer,
        latest=latest,
        risk=assess(latest.results.all(), checkup=latest) if latest is not None else NO_CHECKUP,
        trends=trends_of(officer),
        checkup_count=Checkup.objects.filter(officer=officer).count(),
        diet_weeks=[diet_week(officer, monday) for monday in weeks],
        exercise_weeks=[exercise_week(officer, monday) for monday in weeks],
        follow_ups=list(
            FollowUp.objects.filter(officer=officer)
            .select_related("checkup", "assignee__officer")
            .order_by("-checkup__date")[:10]
        ),
        adviser=profile.adviser if profile is not None else None,
    )
