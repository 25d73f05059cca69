"""Reads about people that the portal and the API share. Scope comes first, always."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Case, Count, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from people import scope
from people.models import FamilyMember, FamilyRelation, Officer, OrgUnit, OrgUnitKind, User, WorkerHeartbeat


def officer_of(user: User) -> Officer | None:
    """The officer profile of an account, or None for technical accounts."""
    if not user.is_authenticated:
        return None
    try:
        return user.officer
    except Officer.DoesNotExist:
        return None


def own_officer_or_404(user: User) -> Officer:
    officer = officer_of(user)
    if officer is None:
        raise Http404("no officer profile")
    return officer


_RELATION_ORDER = Case(
    When(relation=FamilyRelation.SPOUSE, then=Value(0)),
    When(relation=FamilyRelation.CHILD, then=Value(1)),
    default=Value(2),
)


def family_of(*, officer: Officer) -> QuerySet[FamilyMember]:
    """Spouse first, then children from the eldest, then parents."""
    return FamilyMember.objects.filter(officer=officer).order_by(_RELATION_ORDER, "birth_date", "id")


def own_family_member_or_404(*, viewer: User, pk: int | str) -> FamilyMember:
    """A member of the viewer's own family; anybody else's answers 404."""
    officer = own_officer_or_404(viewer)
    try:
        return FamilyMember.objects.get(officer=officer, pk=int(pk))
    except (FamilyMember.DoesNotExist, ValueError, TypeError):
        raise Http404("no such family member") from None


def officers_visible_to(*, viewer: User) -> QuerySet[Officer]:
    """The roster a staff member may see: officers in the subtrees of their role assignments.

    Filtering by unit, kind and name is the FilterSet's job (people/filters.py), shared by page and API.
    """
    return scope.filter_by_units(
        Officer.objects.select_related("org_unit"),
        user=viewer,
        roles=scope.ROSTER_ROLES,
        unit_path_field="org_unit__path",
    ).order_by("police_number")


def officer_profile_of(user: User) -> Officer | None:
    """The account's officer profile with its unit, in one query."""
    return (
        Officer.objects.select_related("org_unit").filter(user=user).first()
        if user.is_authenticated
        else None
    )


def org_units_visible_to(*, viewer: User) -> QuerySet[OrgUnit]:
    return scope.units_in_scope(viewer, scope.ROSTER_ROLES).order_by("path")


def org_unit_in_scope_or_404(*, viewer: User, pk: int | str) -> OrgUnit:
    try:
        return org_units_visible_to(viewer=viewer).get(pk=int(pk))
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise Http404("no such unit") from None


def roster_summary(*, viewer: User) -> dict:
    """Head counts in the viewer's scope (leaders included): totals by kind and per unit one level down."""
    officers = scope.filter_by_units(
        Officer.objects.filter(active=True),
        user=viewer,
        roles=scope.SUMMARY_ROLES,
        unit_path_field="org_unit__path",
    )
    by_kind = {row["kind"]: row["n"] for row in officers.values("kind").annotate(n=Count("id"))}
    roots = scope.unit_paths(viewer, scope.SUMMARY_ROLES)
    children: list[dict] = []
    if len(roots) == 1:
        # One grouped query per unit, folded into the root's children in Python (~200 rows city-wide).
        per_unit = officers.values_list("org_unit__path").annotate(n=Count("id"))
        child_units = list(
            OrgUnit.objects.filter(parent__path=roots[0], active=True).order_by("sort_order", "path")
        )
        counts = dict.fromkeys((unit.path for unit in child_units), 0)
        for path, n in per_unit:
            for child_path in counts:
                if path.startswith(child_path):
                    counts[child_path] += n
                    break
        children = [{"unit": unit, "officers": counts[unit.path]} for unit in child_units]
    return {
        "total": sum(by_kind.values()),
        "police": by_kind.get("police", 0),
        "auxiliary": by_kind.get("auxiliary", 0),
        "stations": scope.units_in_scope(viewer, scope.SUMMARY_ROLES)
        .filter(kind=OrgUnitKind.POLICE_STATION)
        .count(),
        "children": children,
    }


def worker_status() -> list[dict]:
    """Each queue's last worker heartbeat, marked stale when older than the setting."""
    stale_after = dt.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    now = timezone.now()
    seen = {beat.queue: beat for beat in WorkerHeartbeat.objects.all()}
    return [
        {
            "queue": queue,
            "heartbeat": seen.get(queue),
            "alive": queue in seen and now - seen[queue].seen_at <= stale_after,
        }
        for queue in settings.WORKER_QUEUES
    ]
