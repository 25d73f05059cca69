"""Action plans ("you said, we did"): what a unit does about a campaign's results, and who sees it.

Unit admins record actions for the units of their subtree; the welfare office, which runs campaigns
city-wide, may record the city's own. Only the city and the reporting level (county bureaux and
centres) carry actions: that is where results are reported, and what an officer is shown — the actions
of their own reporting unit and of the city. Actions exist only for campaigns that have closed.

Nothing here touches responses: an action names a unit and a dimension, never a person.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from people import scope
from people.models import Officer, OrgUnit, Role, User
from surveys.models import ActionPlan, ActionStatus, Campaign, CampaignStatus, Dimension
from surveys.services import SurveyError, in_population, reporting_unit_path

PLAN_ROLES = frozenset({Role.UNIT_ADMIN, Role.WELFARE_OFFICE})
RESULT_STATUSES = (CampaignStatus.CLOSED, CampaignStatus.PUBLISHED)


def _depth(path: str) -> int:
    return len([part for part in path.strip("/").split("/") if part])


def can_plan(user: User) -> bool:
    return scope.has_any_role(user, PLAN_ROLES)


def plan_units(user: User) -> list[OrgUnit]:
    """The units the user may record actions for: the city and reporting-level units in their subtree."""
    return [
        unit
        for unit in scope.units_in_scope(user, PLAN_ROLES).filter(active=True).order_by("path")
        if _depth(unit.path) <= 2
    ]


def campaigns_with_results() -> QuerySet[Campaign]:
    return Campaign.objects.filter(status__in=RESULT_STATUSES).order_by("-opens_at")


def campaign_for_plans_or_404(pk: int) -> Campaign:
    campaign = campaigns_with_results().filter(pk=pk).first()
    if campaign is None:
        raise Http404("no such campaign")
    return campaign


def plans_managed_by(*, viewer: User, campaign: Campaign) -> QuerySet[ActionPlan]:
    """The actions of this campaign for units in the viewer's subtree (scope first)."""
    return scope.filter_by_units(
        ActionPlan.objects.filter(campaign=campaign),
        user=viewer,
        roles=PLAN_ROLES,
        unit_path_field="unit__path",
    ).select_related("unit")


def plan_or_404(*, viewer: User, pk: int) -> ActionPlan:
    plan = (
        scope.filter_by_units(
            ActionPlan.objects.all(), user=viewer, roles=PLAN_ROLES, unit_path_field="unit__path"
        )
        .select_related("unit", "campaign")
        .filter(pk=pk)
        .first()
    )
    if plan is None:
        raise Http404("no such action")
    return plan


def plans_for_officer(*, officer: Officer, campaign: Campaign) -> QuerySet[ActionPlan]:
    """What the officer is shown: the actions of their reporting unit and of the city."""
    own = reporting_unit_path(officer.org_unit.path)
    city = "/" + own.strip("/").split("/")[0] + "/"
    return (
        ActionPlan.objects.filter(campaign=campaign, unit__path__in={own, city})
        .select_related("unit")
        .order_by("unit__path", "dimension", "id")
    )


def officer_campaign_or_404(*, officer: Officer, pk: int) -> Campaign:
    """A campaign with results that asked this officer; any other is 404."""
    campaign = campaigns_with_results().select_related("population_unit").filter(pk=pk).first()
    if campaign is None or not in_population(officer, campaign):
        raise Http404("no such campaign")
    return campaign


def _check(*, campaign: Campaign, unit: OrgUnit, dimension: str, action: str, actor: User) -> str:
    if campaign.status not in RESULT_STATUSES:
        raise SurveyError(_("Actions are recorded once the campaign has closed."))
    if unit.pk not in {u.pk for u in plan_units(actor)}:
        raise SurveyError(_("You cannot record actions for this unit."), field="unit")
    if dimension not in Dimension.values:
        raise SurveyError(_("Choose a dimension."), field="dimension")
    action = action.strip()
    if not action:
        raise SurveyError(_("Say what is done."), field="action")
    return action


@transaction.atomic
def action_plan_create(
    *,
    campaign: Campaign,
    unit: OrgUnit,
    dimension: str,
    action: str,
    due_date: dt.date | None = None,
    status: str = ActionStatus.PLANNED,
    actor: User,
) -> ActionPlan:
    action = _check(campaign=campaign, unit=unit, dimension=dimension, action=action, actor=actor)
    existing = ActionPlan.objects.filter(
        campaign=campaign, unit=unit, dimension=dimension, action=action
    ).first()
    if existing is not None:
        return existing  # a double click
    return ActionPlan.objects.create(
        campaign=campaign, unit=unit, dimension=dimension, action=action, due_date=due_date, status=status
    )


@transaction.atomic
def action_plan_update(
    *, plan: ActionPlan, action: str, due_date: dt.date | None, status: str, actor: User
) -> ActionPlan:
    locked = ActionPlan.objects.select_for_update().select_related("campaign", "unit").get(pk=plan.pk)
    action = _check(
        campaign=locked.campaign, unit=locked.unit, dimension=locked.dimension, action=action, actor=actor
    )
    if status not in ActionStatus.values:
        raise SurveyError(_("Choose a status."), field="status")
    if (locked.action, locked.due_date, locked.status) == (action, due_date, status):
        return locked
    locked.action, locked.due_date, locked.status = action, due_date, status
    locked.save(update_fields=["action", "due_date", "status", "updated_at"])
    return locked
