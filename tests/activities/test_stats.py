"""Activity statistics for the welfare office and leaders: participation by unit and month, average rating
by kind, small groups withheld."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from activities import checkin, services
from tests.activities.factories import make_activity
from tests.factories import FamilyMemberFactory, OfficerFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db
ZONE = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def _minimum(settings):
    settings.MIN_GROUP_SIZE = 5


@pytest.fixture
def leader(city):
    user = UserFactory(username="leader")
    RoleAssignmentFactory(user=user, role="leader", org_unit=city)
    return user


def _held(*, unit, kind, start, came=(), no_show=(), unrecorded=(), ratings=()):
    """An activity at ``start``: ``came`` are (officer, family members) who all came, ``ratings`` are
    given in the order of ``came``."""
    with time_machine.travel(start - dt.timedelta(hours=2), tick=False):
        activity = make_activity(unit=unit, kind=kind, starts_in=dt.timedelta(hours=2), capacity=50)
        attended = []
        for officer, members in came:
            signup = services.signup_create(
                activity=activity, officer=officer, family_member_ids=[member.pk for member in members]
            )
            attended.append(
                services.attendance_record(
                    signup=signup,
                    attended_person_ids=[person.pk for person in signup.people.all()],
                    actor=None,
                )
            )
        for officer in no_show:
            signup = services.signup_create(activity=activity, officer=officer, family_member_ids=[])
            services.attendance_record(signup=signup, attended_person_ids=[], actor=None)
        for officer in unrecorded:
            services.signup_create(activity=activity, officer=officer, family_member_ids=[])
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        for signup, rating in zip(attended, ratings, strict=False):
            services.feedback_submit(signup=signup, officer=signup.officer, rating=rating)
    return activity


@pytest.fixture
def season(city, county, station, other_county):
    """January: parent-child day, 7 of the east county (5 came, one with his spouse; 1 no-show; 1 never
    recorded), rated 5, 4, 4, 3, 5. February: sports day, 3 of the west county (2 came, rating 4 and 2;
    1 no-show) and one January family again. March 20 (after NOW): 5 confirmed, not counted."""
    east = [OfficerFactory(org_unit=station if n % 2 else county) for n in range(7)]
    spouse = FamilyMemberFactory(officer=east[0], relation="spouse")
    west = [OfficerFactory(org_unit=other_county) for _ in range(3)]
    _held(
        unit=city,
        kind="parent_child",
        start=dt.datetime(2026, 1, 10, 10, 0, tzinfo=ZONE),
        came=[(east[0], [spouse]), *[(officer, []) for officer in east[1:5]]],
        no_show=[east[5]],
        unrecorded=[east[6]],
        ratings=[5, 4, 4, 3, 5],
    )
    _held(
        unit=city,
        kind="sports",
        start=dt.datetime(2026, 2, 7, 9, 0, tzinfo=ZONE),
        came=[(west[0], []), (west[1], []), (east[1], [])],
        no_show=[west[2]],
        ratings=[4, 2],
    )
    _held(
        unit=city,
        kind="open_day",
        start=dt.datetime(2026, 3, 20, 9, 0, tzinfo=ZONE),
        unrecorded=[OfficerFactory(org_unit=county) for _ in range(5)],
    )
    return {"east": east, "west": west}


def _by_unit(rows):
    return {row.unit.code: row for row in rows}


def test_it_counts_families_persons_and_rates_by_unit_and_month(season, leader):
    rows, _kinds = checkin.participation(viewer=leader, year=2026, now=NOW)
    east = _by_unit(rows)["X01"]
    january, february = east.months
    assert january == checkin.Participation(
        month=1, signups=7, families=5, persons=6, attendance_rate=71.4, no_show_rate=14.3
    )
    # One sign-up in February: too few for a rate.
    assert february == checkin.Participation(
        month=2, signups=1, families=1, persons=1, attendance_rate=None, no_show_rate=None
    )
    # The family that came twice is reached once in the year.
    assert east.year == checkin.Participation(
        month=None, signups=8, families=5, persons=7, attendance_rate=75.0, no_show_rate=12.5
    )


def test_it_withholds_rates_over_fewer_sign_ups_than_the_minimum(season, leader, settings):
    rows, _kinds = checkin.participation(viewer=leader, year=2026, now=NOW)
    west = _by_unit(rows)["X02"]
    assert [(cell.month, cell.signups, cell.families) for cell in west.months] == [(2, 3, 2)]
    assert (west.year.attendance_rate, west.year.no_show_rate) == (None, None)
    settings.MIN_GROUP_SIZE = 3
    west = _by_unit(checkin.participation(viewer=leader, year=2026, now=NOW)[0])["X02"]
    assert (west.year.attendance_rate, west.year.no_show_rate) == (66.7, 33.3)


def test_the_average_rating_by_kind_is_withheld_under_the_minimum(season, leader):
    _rows, kinds = checkin.participation(viewer=leader, year=2026, now=NOW)
    by_kind = {kind.kind: kind for kind in kinds}
    assert (by_kind["parent_child"].count, by_kind["parent_child"].average) == (5, 4.2)
    assert (by_kind["sports"].count, by_kind["sports"].average) == (2, None)
    assert (by_kind["couples"].count, by_kind["couples"].average) == (0, None)


def test_activities_yet_to_come_and_other_years_do_not_count(season, leader):
    rows, kinds = checkin.participation(viewer=leader, year=2026, now=dt.datetime(2026, 12, 31, tzinfo=ZONE))
    assert _by_unit(rows)["X01"].year.signups == 8 + 5  # the March 20 sign-ups, once it has passed
    rows, kinds = checkin.participation(viewer=leader, year=2025, now=NOW)
    assert all(row.year.signups == 0 and not row.months for row in rows)
    assert all(kind.count == 0 for kind in kinds)


def test_a_county_leader_sees_the_stations_of_the_county_only(season, county, station):
    leader = UserFactory(username="county-leader")
    RoleAssignmentFactory(user=leader, role="leader", org_unit=county)
    rows, _kinds = checkin.participation(viewer=leader, year=2026, now=NOW)
    assert [row.unit for row in rows] == [station]
    # The station's officers are the odd ones of the east county: 1, 3, 5 (1 twice).
    assert (rows[0].year.signups, rows[0].year.families) == (4, 2)


def test_the_page_is_for_the_welfare_office_and_leaders_at_a_fixed_query_count(
    season, leader, officer, unit_admin, city, django_assert_num_queries
):
    office = UserFactory(username="office")
    RoleAssignmentFactory(user=office, role="welfare_office", org_unit=city)
    with time_machine.travel(NOW, tick=False):
        assert _client(officer.user).get("/activities/stats/").status_code == 403
        assert _client(unit_admin.user).get("/activities/stats/").status_code == 403
        assert _client(office).get("/activities/stats/?year=2026").status_code == 200
        client = _client(leader)
        client.get("/")
        # Session, user, role assignments + units, child units, sign-ups, ratings, own officer
        # (navigation), session save (savepoint, UPDATE, release).
        with django_assert_num_queries(10):
            response = client.get("/activities/stats/", {"year": "2026"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "东城分局" in html and "西城分局" in html
    assert "71.4%" in html and "75.0%" in html and "4.2" in html
    assert season["east"][0].name not in html


def test_the_page_falls_back_to_this_year_on_a_bad_year(leader):
    with time_machine.travel(NOW, tick=False):
        response = _client(leader).get("/activities/stats/", {"year": "1066"})
    assert response.context["year"] == 2026


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client
