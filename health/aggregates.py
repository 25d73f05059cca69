"""Health aggregates for leaders and unit admins: never a person, never a small group.

Per unit (the children of the viewer's subtree root, or each root when there are several): active
officers, how many had a checkup in the last 12 months, and among those, how many have high blood
pressure (grade 1 or worse), a glucose result in the IFG or diabetes range, a high lipid (TC, TG or
LDL-C) or obesity (BMI ≥ 28) at their latest checkup; and how many are at each risk level (red, orange,
yellow, green: health/risk.py). A count under MIN_GROUP_SIZE (5) is shown as
"fewer than 5", and no rate is computed over fewer than MIN_GROUP_SIZE officers: a small station
must not reveal whose blood pressure is high. The risk levels add up to the officers checked, so
when only one of them is withheld the smallest visible one is withheld too: the total minus the
others must not give it away.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from health.models import Category, Checkup, CheckupResult, HealthProfile, RiskLevel
from people import scope
from people.models import Officer, OrgUnit, User

CONDITIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # condition: (indicator codes, categories that count)
    "hypertension": (
        frozenset({"sbp", "dbp"}),
        frozenset({Category.HYPERTENSION_1, Category.HYPERTENSION_2, Category.HYPERTENSION_3}),
    ),
    "glucose": (frozenset({"fpg"}), frozenset({Category.IFG, Category.DIABETES})),
    "lipids": (frozenset({"tc", "tg", "ldl_c"}), frozenset({Category.HIGH})),
    "obesity": (frozenset({"bmi"}), frozenset({Category.OBESE})),
}


RISK_LEVELS = (RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW, RiskLevel.GREEN)


@dataclass(frozen=True)
class Cell:
    """A count that may be withheld; ``rate`` is a percentage of the unit's checked officers."""

    count: int | None  # None: withheld (fewer than the minimum group)
    rate: float | None


@dataclass(frozen=True)
class UnitHealth:
    unit: OrgUnit
    officers: int
    checked: int
    coverage: float | None
    conditions: dict[str, Cell]
    risks: dict[str, Cell]  # red, orange, yellow, green among the checked officers


def _partition(counts: dict[str, int], denominator: int, minimum: int) -> dict[str, Cell]:
    """Cells of counts that add up to ``denominator``: withheld as ``_cell`` does, and when a single
    cell is withheld, the smallest visible one too, or the total minus the others would give it away."""
    cells = {name: _cell(count, denominator, minimum) for name, count in counts.items()}
    withheld = [name for name, cell in cells.items() if cell.count is None]
    if len(withheld) == 1 and denominator >= minimum:
        # A visible zero hides nothing when withheld beside it: take the smallest non-zero one.
        visible = [name for name in cells if name not in withheld and counts[name]] or [
            name for name in cells if name not in withheld
        ]
        if visible:
            smallest = min(visible, key=lambda name: counts[name])
            cells[smallest] = Cell(count=None, rate=None)
    return cells


def _cell(count: int, denominator: int, minimum: int) -> Cell:
    if denominator < minimum:
        return Cell(count=None, rate=None)
    if 0 < count < minimum:
        return Cell(count=None, rate=None)
    return Cell(count=count, rate=round(100 * count / denominator, 1))


def unit_health(*, viewer: User, today: dt.date | None = None) -> list[UnitHealth]:
    """One row per unit in the viewer's head-count scope (five queries, whatever the number of officers)."""
    today = today or timezone.localdate()
    minimum = settings.MIN_GROUP_SIZE
    roots = scope.unit_paths(viewer, scope.SUMMARY_ROLES)
    if not roots:
        return []
    if len(roots) == 1:
        units = list(
            OrgUnit.objects.filter(parent__path=roots[0], active=True).order_by("sort_order", "path")
        )
        units = units or list(OrgUnit.objects.filter(path=roots[0]))
    else:
        units = list(OrgUnit.objects.filter(path__in=roots).order_by("path"))
    officers = dict(
        scope.filter_by_units(
            Officer.objects.filter(active=True),
            user=viewer,
            roles=scope.SUMMARY_ROLES,
            unit_path_field="org_unit__path",
        ).values_list("id", "org_unit__path")
    )
    since = today - dt.timedelta(days=365)
    latest: dict[int, tuple[dt.date, int]] = {}
    for officer_id, checkup_id, date in Checkup.objects.filter(
        officer_id__in=officers, date__gte=since
    ).values_list("officer_id", "id", "date"):
        if officer_id not in latest or date > latest[officer_id][0]:
            latest[officer_id] = (date, checkup_id)
    flagged: dict[str, set[int]] = {name: set() for name in CONDITIONS}
    checkup_owner = {checkup_id: officer_id for officer_id, (_date, checkup_id) in latest.items()}
    for checkup_id, code, category in CheckupResult.objects.filter(checkup_id__in=checkup_owner).values_list(
        "checkup_id", "indicator__code", "category"
    ):
        for name, (codes, categories) in CONDITIONS.items():
            if code in codes and category in categories:
                flagged[name].add(checkup_owner[checkup_id])
    risk_of = dict(
        HealthProfile.objects.filter(officer_id__in=latest).values_list("officer_id", "risk_level")
    )
    rows = []
    for unit in units:
        members = {officer_id for officer_id, path in officers.items() if path.startswith(unit.path)}
        checked = members & set(latest)
        rows.append(
            UnitHealth(
                unit=unit,
                officers=len(members),
                checked=len(checked),
                coverage=round(100 * len(checked) / len(members), 1) if len(members) >= minimum else None,
                conditions={
                    name: _cell(len(ids & checked), len(checked), minimum) for name, ids in flagged.items()
                },
                risks=_partition(
                    {
                        level: sum(1 for officer_id in checked if risk_of.get(officer_id) == level)
                        for level in RISK_LEVELS
                    },
                    len(checked),
                    minimum,
                ),
            )
        )
    return rows
