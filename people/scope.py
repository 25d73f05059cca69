"""Scope rules: role × org subtree, written once and used by every app.

A role assignment covers its org unit and everything below it. Selectors filter by
these rules before anything else; whatever falls outside answers 404, never 403,
so ids cannot be probed.

Typical use in another app's selector::

    visible = scope.filter_by_units(
        Checkup.objects.all(), user=viewer, roles=HEALTH_ROLES, unit_path_field="officer__org_unit__path"
    )
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from people.models import OrgUnit, Role, RoleAssignment, User

STAFF_ROLES = frozenset({Role.UNIT_ADMIN, Role.WELFARE_OFFICE, Role.HEALTH_STAFF, Role.LEADER, Role.SYSADMIN})
# Roles that may see the roster of officers (names, units, positions, phones) in their subtree.
# Leaders see aggregates only (head counts), never a list of people.
ROSTER_ROLES = frozenset({Role.UNIT_ADMIN, Role.WELFARE_OFFICE, Role.HEALTH_STAFF, Role.SYSADMIN})
SUMMARY_ROLES = ROSTER_ROLES | {Role.LEADER}

_CACHE_ATTR = "_scope_assignments"


def assignments_for(user: User) -> list[RoleAssignment]:
    """The user's role assignments with their units, loaded once per user object (one query)."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user=user)
            .select_related("org_unit")
            .order_by("role", "org_unit__path")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: User) -> None:
    """Drop the cached assignments after they change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles_of(user: User) -> set[str]:
    return {assignment.role for assignment in assignments_for(user)}


def has_any_role(user: User, roles: Iterable[str]) -> bool:
    wanted = set(roles)
    return any(assignment.role in wanted for assignment in assignments_for(user))


def unit_paths(user: User, roles: Iterable[str]) -> list[str]:
    """The subtree roots the user covers in these roles, with nested ones folded away."""
    wanted = set(roles)
    paths = sorted({a.org_unit.path for a in assignments_for(user) if a.role in wanted and a.org_unit.active})
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    return roots


def covers(user: User, roles: Iterable[str], unit: OrgUnit) -> bool:
    """True when one of the user's assignments in these roles covers ``unit``."""
    return any(unit.path.startswith(root) for root in unit_paths(user, roles))


def units_q(user: User, roles: Iterable[str], unit_path_field: str) -> Q:
    """A filter matching rows whose org unit path lies in the user's subtrees; matches nothing without one."""
    roots = unit_paths(user, roles)
    if not roots:
        return Q(pk__in=[])
    condition = Q()
    for root in roots:
        condition |= Q(**{f"{unit_path_field}__startswith": root})
    return condition


def filter_by_units(
    queryset: QuerySet, *, user: User, roles: Iterable[str], unit_path_field: str
) -> QuerySet:
    return queryset.filter(units_q(user, roles, unit_path_field))


def units_in_scope(user: User, roles: Iterable[str]) -> QuerySet[OrgUnit]:
    return filter_by_units(OrgUnit.objects.all(), user=user, roles=roles, unit_path_field="path")


def users_covering(unit: OrgUnit, roles: Iterable[str]) -> QuerySet[User]:
    """Active users holding one of ``roles`` on ``unit`` or an ancestor (so covering it): one query.

    A role covers its unit's subtree, so the assignments that cover a unit are those on the unit itself
    or on one of its ancestors, whose paths are the prefixes of the unit's path.
    """
    parts = unit.path.strip(OrgUnit.PATH_SEPARATOR).split(OrgUnit.PATH_SEPARATOR)
    ancestors = [
        OrgUnit.PATH_SEPARATOR + OrgUnit.PATH_SEPARATOR.join(parts[:depth]) + OrgUnit.PATH_SEPARATOR
        for depth in range(1, len(parts) + 1)
    ]
    covering = RoleAssignment.objects.filter(
        role__in=list(roles), org_unit__path__in=ancestors, org_unit__active=True
    )
    return User.objects.filter(is_active=True, pk__in=covering.values("user_id"))
