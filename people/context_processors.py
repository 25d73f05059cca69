"""Navigation by role for the base layout."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from people import permissions, scope, selectors
from people.models import Role


def security_policy(request) -> dict:
    """The log-in rules in force, so the pages state the configured numbers."""
    return {
        "security_policy": {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        }
    }


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [{"label": _("Home"), "url": reverse("home"), "icon": "house"}]
    if selectors.officer_of(user) is not None:
        items.append({"label": _("My family"), "url": reverse("family"), "icon": "people"})
        items.append({"label": _("My health"), "url": reverse("health-my-archive"), "icon": "heart-pulse"})
        items.append(
            {"label": _("Family activities"), "url": reverse("activity-list"), "icon": "balloon-heart"}
        )
        items.append({"label": _("Surveys"), "url": reverse("survey-list"), "icon": "ui-checks"})
        items.append({"label": _("Ask for help"), "url": reverse("care-mine"), "icon": "life-preserver"})
    if permissions.can_see_roster(user):
        items.append({"label": _("Roster"), "url": reverse("officer-list"), "icon": "person-vcard"})
    roles = scope.roles_of(user)
    if permissions.can_see_head_counts(user):
        items.append({"label": _("Health by unit"), "url": reverse("health-units"), "icon": "bar-chart"})
    if roles & {Role.HEALTH_STAFF, Role.HEALTH_ADVISER}:
        items.append(
            {"label": _("Health archives"), "url": reverse("health-officers"), "icon": "clipboard2-pulse"}
        )
        items.append({"label": _("Follow-ups"), "url": reverse("health-follow-ups"), "icon": "list-check"})
    if Role.HEALTH_STAFF in roles:
        items.append({"label": _("Imports"), "url": reverse("health-imports"), "icon": "upload"})
    if Role.WELFARE_OFFICE in roles:
        manage = reverse("activity-manage-list")
        items.append({"label": _("Manage activities"), "url": manage, "icon": "calendar-event"})
        items.append({"label": _("Messages to units"), "url": reverse("broadcast-list"), "icon": "megaphone"})
        items.append(
            {"label": _("Manage surveys"), "url": reverse("survey-manage-list"), "icon": "clipboard-data"}
        )
    if roles & {Role.WELFARE_OFFICE, Role.LEADER}:  # activities.checkin.STATS_ROLES
        stats = reverse("activities-stats")
        items.append({"label": _("Activity statistics"), "url": stats, "icon": "graph-up"})
    if roles & {Role.WELFARE_OFFICE, Role.WELFARE_HEAD, Role.UNIT_ADMIN}:  # care.permissions.HANDLER_ROLES
        items.append({"label": _("Care requests"), "url": reverse("care-queue"), "icon": "inbox"})
    if roles & {Role.WELFARE_OFFICE, Role.WELFARE_HEAD, Role.LEADER}:  # care.permissions.FUND_READER_ROLES
        items.append({"label": _("Love-police fund"), "url": reverse("fund-home"), "icon": "piggy-bank"})
    if Role.SYSADMIN in roles:
        items.append({"label": _("System status"), "url": reverse("system-status"), "icon": "activity"})
    if user.is_staff:
        items.append({"label": _("Administration"), "url": reverse("admin:index"), "icon": "gear"})
    return {"nav_items": items}
