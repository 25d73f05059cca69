"""Action plans: unit admins record them for their subtree; officers see their reporting unit's and the city's
actions."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys import plans, services
from surveys.models import ActionPlan, ActionStatus, Campaign, CampaignStatus, Instrument
from tests.factories import OfficerFactory, RoleAssignmentFactory
from welfare.domain import DomainError

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def campaign(city):
    if not Instrument.objects.exists():  # a transactional test elsewhere flushed the shipped instrument
        importlib.import_module("surveys.migrations.0002_default_instrument").install(apps)
    now = timezone.now()
    return Campaign.objects.create(
        title="2025年度民警幸福指数调查",
        instrument=Instrument.objects.get(code="welfare-index", version=1),
        population_unit=city,
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=9),
        status=CampaignStatus.CLOSED,
    )


@pytest.fixture
def welfare_office(city):
    staff = OfficerFactory(org_unit=city, police_number="100003", user__username="welfare")
    RoleAssignmentFactory(user=staff.user, role="welfare_office", org_unit=city)
    return staff


@pytest.fixture
def actions(campaign, city, county, other_county, unit_admin, welfare_office):
    """One action each for the city, 东城分局 (the unit admin's) and 西城分局 (someone else's)."""
    other_admin = OfficerFactory(org_unit=other_county, user__username="otheradmin")
    RoleAssignmentFactory(user=other_admin.user, role="unit_admin", org_unit=other_county)
    made = {}
    for unit, actor, text in (
        (city, welfare_office.user, "全市统一补休台账"),
        (county, unit_admin.user, "东城弹性轮休"),
        (other_county, other_admin.user, "西城谈心谈话"),
    ):
        made[unit.code] = plans.action_plan_create(
            campaign=campaign, unit=unit, dimension="rest", action=text, actor=actor
        )
    return made


def test_it_lets_a_unit_admin_record_an_action_for_their_unit(campaign, county, unit_admin):
    response = _client(unit_admin.user).post(
        reverse("survey-plan-list", args=[campaign.pk]),
        {"unit": county.pk, "dimension": "rest", "action": " 推行弹性轮休 ", "status": "planned"},
    )
    assert response.status_code == 302
    plan = ActionPlan.objects.get()
    assert (plan.unit, plan.dimension, plan.action, plan.status) == (
        county,
        "rest",
        "推行弹性轮休",
        "planned",
    )
    # a double click adds nothing
    plans.action_plan_create(
        campaign=campaign, unit=county, dimension="rest", action="推行弹性轮休", actor=unit_admin.user
    )
    assert ActionPlan.objects.count() == 1


def test_it_refuses_units_outside_the_subtree_and_below_the_reporting_level(
    campaign, unit_admin, other_county, station
):
    for unit in (other_county, station):
        with pytest.raises(DomainError):
            plans.action_plan_create(
                campaign=campaign, unit=unit, dimension="rest", action="x", actor=unit_admin.user
            )
    response = _client(unit_admin.user).post(
        reverse("survey-plan-list", args=[campaign.pk]),
        {"unit": other_county.pk, "dimension": "rest", "action": "x", "status": "planned"},
    )
    assert response.status_code == 200  # the form, with the error
    assert not ActionPlan.objects.exists()


def test_it_refuses_actions_before_the_campaign_closes(campaign, county, unit_admin):
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.OPEN)
    campaign.refresh_from_db()
    with pytest.raises(DomainError):
        plans.action_plan_create(
            campaign=campaign, unit=county, dimension="rest", action="x", actor=unit_admin.user
        )
    assert not campaign.actions.exists()
    assert _client(unit_admin.user).get(reverse("survey-plan-list", args=[campaign.pk])).status_code == 404


def test_the_list_shows_only_the_unit_admins_subtree(
    campaign, actions, unit_admin, django_assert_num_queries
):
    client = _client(unit_admin.user)
    url = reverse("survey-plan-list", args=[campaign.pk])
    client.get(url)  # warm up the session
    # session, user, role assignments, campaign, units in scope (for the form), the viewer's officer
    # (the layout), the actions, the form's unit choices; the session's sliding expiry (savepoint,
    # update, release)
    with django_assert_num_queries(11):
        response = client.get(url)
    assert [plan.action for plan in response.context["actions"]] == ["东城弹性轮休"]
    assert "西城谈心谈话" not in response.content.decode()


def test_it_edits_an_action_in_scope_and_answers_404_outside(actions, unit_admin):
    client = _client(unit_admin.user)
    own, other = actions["X01"], actions["X02"]
    page = client.get(reverse("survey-plan-campaigns")).content.decode()
    assert reverse("survey-plan-list", args=[own.campaign_id]) in page
    assert "东城弹性轮休" in client.get(reverse("survey-plan-edit", args=[own.pk])).content.decode()
    response = client.post(
        reverse("survey-plan-edit", args=[own.pk]),
        {"action": "东城弹性轮休（已推开）", "due_date": "2026-03-01", "status": "done"},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.action, own.due_date, own.status) == (
        "东城弹性轮休（已推开）",
        dt.date(2026, 3, 1),
        ActionStatus.DONE,
    )
    assert client.get(reverse("survey-plan-edit", args=[other.pk])).status_code == 404
    assert (
        client.post(
            reverse("survey-plan-edit", args=[other.pk]), {"action": "x", "status": "done"}
        ).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.action == "西城谈心谈话"


def test_officers_cannot_reach_the_planning_pages(campaign, actions, officer):
    client = _client(officer.user)
    assert client.get(reverse("survey-plan-campaigns")).status_code == 403
    assert client.get(reverse("survey-plan-list", args=[campaign.pk])).status_code == 403
    assert client.get(reverse("survey-plan-edit", args=[actions["X01"].pk])).status_code == 403


def test_an_officer_sees_the_actions_of_their_reporting_unit_and_the_city(
    campaign, actions, officer, outsider
):
    response = _client(officer.user).get(reverse("survey-actions", args=[campaign.pk]))
    assert response.status_code == 200
    assert {plan.action for plan in response.context["actions"]} == {"全市统一补休台账", "东城弹性轮休"}
    response = _client(outsider.user).get(reverse("survey-actions", args=[campaign.pk]))
    assert {plan.action for plan in response.context["actions"]} == {"全市统一补休台账", "西城谈心谈话"}


def test_an_officer_outside_the_population_or_before_closing_gets_404(
    campaign, actions, officer, other_county
):
    Campaign.objects.filter(pk=campaign.pk).update(population_unit=other_county)
    assert _client(officer.user).get(reverse("survey-actions", args=[campaign.pk])).status_code == 404
    Campaign.objects.filter(pk=campaign.pk).update(population_unit=campaign.population_unit, status="open")
    assert _client(officer.user).get(reverse("survey-actions", args=[campaign.pk])).status_code == 404


def test_the_reporting_unit_of_a_station_officer_is_the_county(officer, campaign):
    assert services.reporting_unit_path(officer.org_unit.path) == "/C/X01/"
    assert list(plans.plans_for_officer(officer=officer, campaign=campaign)) == []
