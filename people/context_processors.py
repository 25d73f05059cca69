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


def _item(label, url: str, icon: str, section: str) -> dict:
    return {"label": label, "url": url, "icon": icon, "section": section}


def navigation(request) -> dict:
    """The navigation by role: the officer's own pages in the bar, the staff's work in one menu.

    ``nav_items`` lists both (``section`` "mine" or "work"); the layout shows the work pages under a
    "Workbench" dropdown, so a welfare-office member's twenty pages do not wrap the bar three times.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_mine": [], "nav_work": []}
    mine = [_item(_("Home"), reverse("home"), "house", "mine")]
    if selectors.officer_of(user) is not None:
        mine += [
            _item(_("My family"), reverse("family"), "people", "mine"),
            _item(_("My health"), reverse("health-my-archive"), "heart-pulse", "mine"),
            _item(_("Family activities"), reverse("activity-list"), "balloon-heart", "mine"),
            _item(_("Surveys"), reverse("survey-list"), "ui-checks", "mine"),
            _item(_("Ask for help"), reverse("care-mine"), "life-preserver", "mine"),
            _item(_("Education awards"), reverse("award-home"), "mortarboard", "mine"),
        ]
    work = []
    roles = scope.roles_of(user)

    def add(label, url_name: str, icon: str) -> None:
        work.append(_item(label, reverse(url_name), icon, "work"))

    if permissions.can_see_roster(user):
        add(_("Roster"), "officer-list", "person-vcard")
    if permissions.can_see_head_counts(user):
        add(_("Health by unit"), "health-units", "bar-chart")
    if roles & {Role.HEALTH_STAFF, Role.HEALTH_ADVISER}:
        add(_("Health archives"), "health-officers", "clipboard2-pulse")
        add(_("Follow-ups"), "health-follow-ups", "list-check")
    if Role.HEALTH_STAFF in roles:
        add(_("Imports"), "health-imports", "upload")
    if Role.WELFARE_OFFICE in roles:
        add(_("Manage activities"), "activity-manage-list", "calendar-event")
        add(_("Messages to units"), "broadcast-list", "megaphone")
        add(_("Manage surveys"), "survey-manage-list", "clipboard-data")
    if roles & {Role.WELFARE_OFFICE, Role.LEADER}:  # activities.checkin.STATS_ROLES
        add(_("Activity statistics"), "activities-stats", "graph-up")
    if roles & {Role.WELFARE_OFFICE, Role.WELFARE_HEAD, Role.UNIT_ADMIN}:  # care.permissions.HANDLER_ROLES
        add(_("Care requests"), "care-queue", "inbox")
    if roles & {Role.UNIT_ADMIN, Role.WELFARE_OFFICE, Role.WELFARE_HEAD}:
        add(_("Award reviews"), "award-review", "clipboard-check")
    if roles & {Role.WELFARE_OFFICE, Role.WELFARE_HEAD}:
        add(_("Award programmes"), "award-programmes", "award")
    if roles & {Role.WELFARE_OFFICE, Role.WELFARE_HEAD, Role.LEADER}:  # awards.permissions.STATS_ROLES
        add(_("Award statistics"), "award-stats", "bar-chart-line")
    if roles & {Role.WELFARE_OFFICE, Role.WELFARE_HEAD, Role.LEADER}:  # care.permissions.FUND_READER_ROLES
        add(_("Love-police fund"), "fund-home", "piggy-bank")
    if Role.SYSADMIN in roles:
        add(_("System status"), "system-status", "activity")
    if user.is_staff:
        add(_("Administration"), "admin:index", "gear")
    return {"nav_items": mine + work, "nav_mine": mine, "nav_work": work}
