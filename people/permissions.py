"""Who may do what with people's data: plain functions, used by portal views and the API alike."""

from __future__ import annotations

from people import scope
from people.models import User


def can_see_roster(user: User) -> bool:
    """Unit admins, the welfare office, health staff and the system administrator (in their subtrees)."""
    return bool(user.is_authenticated and scope.has_any_role(user, scope.ROSTER_ROLES))


def can_see_head_counts(user: User) -> bool:
    """Everybody with a roster, plus leaders, who get aggregates only."""
    return bool(user.is_authenticated and scope.has_any_role(user, scope.SUMMARY_ROLES))
