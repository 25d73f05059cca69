"""Who may do what with award programmes and applications: plain functions for views and the API alike.

- Officers apply for their own children and see their own applications.
- **Unit admins** review the first stage for officers of their subtree.
- **The welfare office** runs programmes, reviews the second stage, publishes the notice, decides
  objections, approves payments and nominates head teachers. Leaders see the statistics.
- **Conflict of interest**: nobody decides an application of their own, or of a family member. We
  know families from the officers' family lists: the reviewer is the applicant, one lists the other
  (same name and birth date), or both list the same child — then they are that child's parents.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from awards.models import Application
from people import scope
from people.models import FamilyMember, Officer, Role, User

OFFICE_ROLES = frozenset({Role.WELFARE_OFFICE, Role.WELFARE_HEAD})
STATS_ROLES = frozenset({Role.WELFARE_OFFICE, Role.WELFARE_HEAD, Role.LEADER})


def can_manage(user: User) -> bool:
    return bool(user.is_authenticated and scope.has_any_role(user, OFFICE_ROLES))


def can_pay(user: User) -> bool:
    return can_manage(user)


def can_see_stats(user: User) -> bool:
    return bool(user.is_authenticated and scope.has_any_role(user, STATS_ROLES))


def can_unit_review(user: User, application: Application) -> bool:
    return scope.covers(user, {Role.UNIT_ADMIN}, application.officer.org_unit)


def can_welfare_review(user: User, application: Application) -> bool:
    return scope.covers(user, OFFICE_ROLES, application.officer.org_unit)


def _identity(name: str, birth_date) -> tuple[str, object]:
    return ("".join(name.split()), birth_date)


def related(a: Officer, b: Officer, families: dict[int, list[FamilyMember]] | None = None) -> bool:
    """True when the two officers are the same person or family by their family lists."""
    if a.pk == b.pk:
        return True
    if families is None:
        families = _families([a.pk, b.pk])
    family = {
        officer_id: {(_identity(m.name, m.birth_date), m.relation) for m in families.get(officer_id, [])}
        for officer_id in (a.pk, b.pk)
    }
    a_family = {identity for identity, _relation in family.get(a.pk, set())}
    b_family = {identity for identity, _relation in family.get(b.pk, set())}
    if _identity(b.name, b.birth_date) in a_family or _identity(a.name, a.birth_date) in b_family:
        return True
    a_children = {identity for identity, relation in family.get(a.pk, set()) if relation == "child"}
    b_children = {identity for identity, relation in family.get(b.pk, set()) if relation == "child"}
    return bool(a_children & b_children)


def _families(officer_ids: list[int]) -> dict[int, list[FamilyMember]]:
    result: dict[int, list[FamilyMember]] = {pk: [] for pk in officer_ids}
    for member in FamilyMember.objects.filter(officer_id__in=officer_ids):
        result[member.officer_id].append(member)
    return result


def conflict_of_interest(user: User, application: Application) -> str:
    """Why ``user`` may not decide this application ("" when they may)."""
    if application.officer.user_id == user.pk:
        return _("You cannot decide your own application.")
    reviewer = Officer.objects.filter(user=user).first()
    if reviewer is not None and related(reviewer, application.officer):
        return _("You cannot decide the application of a family member: another reviewer must.")
    return ""


def conflicts_of_interest(user: User, applications: list[Application]) -> dict[int, str]:
    """``conflict_of_interest`` for many applications in two queries (pages that list them)."""
    reviewer = Officer.objects.filter(user=user).first()
    families = _families([reviewer.pk, *(a.officer_id for a in applications)]) if reviewer else {}
    result = {}
    for application in applications:
        if application.officer.user_id == user.pk:
            result[application.pk] = _("You cannot decide your own application.")
        elif reviewer is not None and related(reviewer, application.officer, families):
            result[application.pk] = _(
                "You cannot decide the application of a family member: another reviewer must."
            )
        else:
            result[application.pk] = ""
    return result


def reviewers_for(application: Application) -> list[User]:
    """Who should act on an application waiting for review (for the reminders), without conflicts."""
    roles = {Role.UNIT_ADMIN} if application.status == "submitted" else OFFICE_ROLES
    candidates = scope.users_covering(application.officer.org_unit, roles).order_by("pk")
    return [user for user in candidates if not conflict_of_interest(user, application)]


def office_users() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role_assignments__role__in=OFFICE_ROLES).distinct().order_by("pk")
    )
