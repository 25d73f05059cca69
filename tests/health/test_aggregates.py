"""Health by unit for leaders and unit admins: counts and rates, small groups withheld, no person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from health import aggregates
from health.models import Checkup, CheckupResult, Indicator
from tests.factories import OfficerFactory, OrgUnitFactory, RoleAssignmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]
TODAY = dt.date(2026, 11, 28)


def _checked(officer, *, sbp_category="normal", when=dt.date(2026, 5, 1)):
    checkup = Checkup.objects.create(officer=officer, date=when)
    CheckupResult.objects.create(
        checkup=checkup,
        indicator=Indicator.objects.get(code="sbp"),
        value=Decimal("150" if sbp_category != "normal" else "118"),
        category=sbp_category,
        flag="high" if sbp_category != "normal" else "normal",
    )


@pytest.fixture
def leader(city):
    user = UserFactory(username="leader")
    RoleAssignmentFactory(user=user, role="leader", org_unit=city)
    return user


def test_it_counts_and_rates_a_big_enough_unit(leader, county, other_county):
    for n in range(10):
        _checked(OfficerFactory(org_unit=county), sbp_category="hypertension_1" if n < 6 else "normal")
    OfficerFactory(org_unit=county)  # never checked
    rows = {row.unit.code: row for row in aggregates.unit_health(viewer=leader, today=TODAY)}
    east = rows["X01"]
    assert (east.officers, east.checked, east.coverage) == (11, 10, 90.9)
    assert east.conditions["hypertension"] == aggregates.Cell(count=6, rate=60.0)
    assert east.conditions["glucose"] == aggregates.Cell(count=0, rate=0.0)


def test_it_withholds_small_counts_and_small_units(leader, county, other_county):
    for n in range(6):
        _checked(OfficerFactory(org_unit=county), sbp_category="hypertension_2" if n < 2 else "normal")
    for _ in range(3):
        _checked(OfficerFactory(org_unit=other_county), sbp_category="hypertension_1")
    rows = {row.unit.code: row for row in aggregates.unit_health(viewer=leader, today=TODAY)}
    assert rows["X01"].conditions["hypertension"] == aggregates.Cell(count=None, rate=None)  # 2 people
    assert rows["X02"].coverage is None  # a unit of 3
    assert all(cell.count is None for cell in rows["X02"].conditions.values())


def test_a_checkup_older_than_a_year_does_not_count(leader, county):
    for _ in range(5):
        _checked(OfficerFactory(org_unit=county), sbp_category="hypertension_1", when=dt.date(2025, 1, 1))
    rows = {row.unit.code: row for row in aggregates.unit_health(viewer=leader, today=TODAY)}
    assert rows["X01"].checked == 0


def test_a_unit_admin_sees_the_stations_of_their_county_only(county, other_county, station):
    other_station = OrgUnitFactory(code="X01-P02", name="新华派出所", kind="police_station", parent=county)
    admin = UserFactory()
    RoleAssignmentFactory(user=admin, role="unit_admin", org_unit=county)
    OfficerFactory(org_unit=other_county)
    assert [row.unit for row in aggregates.unit_health(viewer=admin, today=TODAY)] == [station, other_station]


def test_the_page_is_for_head_count_roles_only_and_costs_fixed_queries(
    leader, officer, county, django_assert_num_queries
):
    for _ in range(20):
        _checked(OfficerFactory(org_unit=county))
    assert _client(officer.user).get("/health/units/").status_code == 403
    client = _client(leader)
    client.get("/")
    # Session, user, role assignments + units, child units, officers, checkups, results, risk levels,
    # own officer (navigation), session save (savepoint, UPDATE, release).
    with django_assert_num_queries(12):
        response = client.get("/health/units/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "东城分局" in html and officer.name not in html


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_risk_levels_are_counted_and_a_lone_withheld_level_takes_the_smallest_other_with_it(leader, county):
    from health import followups

    people = []
    for category, count in (("hypertension_2", 2), ("hypertension_1", 6), ("normal", 7)):
        for _ in range(count):
            officer = OfficerFactory(org_unit=county)
            _checked(officer, sbp_category=category)
            people.append(officer.pk)
    followups.profiles_refresh(people)
    east = {row.unit.code: row for row in aggregates.unit_health(viewer=leader, today=TODAY)}["X01"]
    # red 2 is withheld; shown alone with orange 6, yellow 0 and green 7 it would be 15 - 13: so orange
    # (the smallest non-zero visible level) is withheld too.
    assert east.risks["red"] == aggregates.Cell(count=None, rate=None)
    assert east.risks["orange"] == aggregates.Cell(count=None, rate=None)
    assert east.risks["yellow"] == aggregates.Cell(count=0, rate=0.0)
    assert east.risks["green"] == aggregates.Cell(count=7, rate=46.7)


def test_partition_leaves_two_withheld_levels_as_they_are():
    cells = aggregates._partition({"red": 2, "orange": 3, "yellow": 0, "green": 10}, 15, 5)
    assert [cells[level].count for level in ("red", "orange", "yellow", "green")] == [None, None, 0, 10]
    cells = aggregates._partition({"red": 0, "orange": 5, "yellow": 5, "green": 10}, 20, 5)
    assert [cells[level].count for level in ("red", "orange", "yellow", "green")] == [0, 5, 5, 10]
