"""The health archive as people read it: who may open whose, what it shows, and the audit of every read.

Person-level health data is seen by the officer, and by health staff whose role covers the officer's
unit. Everybody else — unit admins, leaders, the welfare office, other officers — gets 404, so a
police number cannot be probed. Every read of somebody else's archive (page, API, export) writes an
audit row naming who read whose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404

from audit.models import AuditAction
from audit.services import audit_record
from health.models import Checkup, CheckupResult, Flag, RiskLevel
from health.risk import NO_CHECKUP, Risk, assess
from health.selectors import latest_checkup_of
from people import scope
from people.models import Officer, Role, User

ARCHIVE_ROLES = frozenset({Role.HEALTH_STAFF})


def can_read_archive(viewer: User, officer: Officer) -> bool:
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    if officer.user_id == viewer.pk:
        return True
    return scope.covers(viewer, ARCHIVE_ROLES, officer.org_unit)


def archive_officer_or_404(*, viewer: User, police_number: str) -> Officer:
    """The officer whose archive ``viewer`` asks for; 404 when there is none or it is not theirs to read."""
    officer = Officer.objects.select_related("org_unit", "user").filter(police_number=police_number).first()
    if officer is None or not can_read_archive(viewer, officer):
        raise Http404("no such archive")
    return officer


def officers_with_archives_for(*, viewer: User) -> QuerySet[Officer]:
    """Officers whose archives a health staff member may open (their subtrees)."""
    return scope.filter_by_units(
        Officer.objects.select_related("org_unit").filter(active=True),
        user=viewer,
        roles=ARCHIVE_ROLES,
        unit_path_field="org_unit__path",
    ).order_by("police_number")


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


def archive_of(officer: Officer) -> Archive:
    """Everything the archive page and API show (a fixed number of queries, whatever the years of data)."""
    latest = latest_checkup_of(officer)
    return Archive(
        officer=officer,
        latest=latest,
        risk=assess(latest.results.all(), checkup=latest) if latest is not None else NO_CHECKUP,
        trends=trends_of(officer),
        checkup_count=Checkup.objects.filter(officer=officer).count(),
    )
