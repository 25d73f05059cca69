"""Role × org subtree: the scope rules every selector builds on."""

from __future__ import annotations

import pytest

from people import scope, selectors
from people.models import Officer
from tests.factories import OfficerFactory, OrgUnitFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_gives_a_unit_admin_their_subtree_only(unit_admin, officer, outsider, county):
    visible = set(
        selectors.officers_visible_to(viewer=unit_admin.user).values_list("police_number", flat=True)
    )
    assert visible == {unit_admin.police_number, officer.police_number}
    assert outsider.police_number not in visible


def test_it_gives_a_city_wide_role_everybody(city, officer, outsider, unit_admin):
    welfare = UserFactory(username="welfare")
    RoleAssignmentFactory(user=welfare, role="welfare_office", org_unit=city)
    assert selectors.officers_visible_to(viewer=welfare).count() == Officer.objects.count() == 3


def test_it_gives_a_leader_head_counts_but_no_list_of_people(city, officer, outsider, unit_admin):
    leader = UserFactory(username="leader")
    RoleAssignmentFactory(user=leader, role="leader", org_unit=city)
    assert selectors.officers_visible_to(viewer=leader).count() == 0
    summary = selectors.roster_summary(viewer=leader)
    assert (summary["total"], summary["police"]) == (3, 3)


def test_it_gives_a_plain_officer_no_roster(officer, outsider):
    assert selectors.officers_visible_to(viewer=officer.user).count() == 0
    assert scope.unit_paths(officer.user, scope.ROSTER_ROLES) == []


def test_it_folds_nested_assignments_into_their_root(city, county, station):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role="unit_admin", org_unit=station)
    RoleAssignmentFactory(user=user, role="unit_admin", org_unit=county)
    assert scope.unit_paths(user, {"unit_admin"}) == ["/C/X01/"]


def test_it_keeps_sibling_subtrees_apart(city):
    # "X1" must not cover "X10": paths end with the separator.
    x1 = OrgUnitFactory(code="X1", parent=city, kind="county_bureau")
    x10 = OrgUnitFactory(code="X10", parent=city, kind="county_bureau")
    near = OfficerFactory(org_unit=x1)
    far = OfficerFactory(org_unit=x10)
    user = UserFactory()
    RoleAssignmentFactory(user=user, role="unit_admin", org_unit=x1)
    assert list(selectors.officers_visible_to(viewer=user)) == [near]
    assert not scope.covers(user, {"unit_admin"}, x10)
    assert far.org_unit.is_within(city)


def test_it_ignores_assignments_on_inactive_units(county, officer):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role="unit_admin", org_unit=county)
    county.active = False
    county.save()
    assert selectors.officers_visible_to(viewer=user).count() == 0


def test_it_ignores_roles_of_an_inactive_account(unit_admin, officer):
    unit_admin.user.is_active = False
    assert scope.assignments_for(unit_admin.user) == []


def test_it_loads_assignments_once_per_user_object(unit_admin, django_assert_num_queries):
    with django_assert_num_queries(1):
        scope.roles_of(unit_admin.user)
        scope.unit_paths(unit_admin.user, scope.ROSTER_ROLES)
        scope.has_any_role(unit_admin.user, {"leader"})


def test_it_finds_the_active_users_whose_role_covers_a_unit(city, county, other_county, station, unit_admin):
    welfare = OfficerFactory(org_unit=city).user
    RoleAssignmentFactory(user=welfare, role="welfare_office", org_unit=city)
    elsewhere = OfficerFactory(org_unit=other_county).user
    RoleAssignmentFactory(user=elsewhere, role="unit_admin", org_unit=other_county)
    gone = OfficerFactory(org_unit=county, user__is_active=False).user
    RoleAssignmentFactory(user=gone, role="unit_admin", org_unit=county)
    roles = {"unit_admin", "welfare_office"}
    assert set(scope.users_covering(station, roles)) == {unit_admin.user, welfare}
    assert set(scope.users_covering(station, {"unit_admin"})) == {unit_admin.user}
    assert set(scope.users_covering(other_county, roles)) == {welfare, elsewhere}
