"""The archive page: who may open whose (404 otherwise), what it shows, the audit of staff reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from audit.models import AuditEntry
from health.models import Checkup, CheckupResult, Indicator
from tests.factories import OfficerFactory, RoleAssignmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _checkup(officer, year: int, **values) -> Checkup:
    checkup = Checkup.objects.create(officer=officer, date=dt.date(year, 4, 1), institution="市中医院")
    for code, (value, category, flag) in values.items():
        indicator = Indicator.objects.get(code=code)
        CheckupResult.objects.create(
            checkup=checkup,
            indicator=indicator,
            value=Decimal(value),
            unit=indicator.unit,
            category=category,
            flag=flag,
        )
    return checkup


@pytest.fixture
def patient(officer):
    _checkup(officer, 2024, sbp=("128", "high_normal", "high"), dbp=("82", "high_normal", "high"))
    _checkup(
        officer,
        2025,
        sbp=("162", "hypertension_2", "high"),
        dbp=("96", "hypertension_2", "high"),
        fpg=("5.2", "normal", "normal"),
    )
    return officer


@pytest.fixture
def health_staff(county):
    staff = OfficerFactory(org_unit=county, police_number="100088", user__username="doctor")
    RoleAssignmentFactory(user=staff.user, role="health_staff", org_unit=county)
    return staff


def test_an_officer_sees_their_own_archive_without_an_audit_row(patient):
    response = _client(patient.user).get("/health/")
    archive = response.context["archive"]
    assert archive.risk.level == "red"
    assert archive.latest.date == dt.date(2025, 4, 1)
    assert [trend.code for trend in archive.trends] == ["sbp", "dbp", "fpg"]
    assert [str(point.value) for point in archive.trends[0].points] == ["128.000", "162.000"]
    html = response.content.decode()
    assert "↑" in html and "trend-data" in html
    assert not AuditEntry.objects.filter(action="sensitive_read").exists()


def test_health_staff_in_scope_read_it_and_the_read_is_audited(patient, health_staff):
    response = _client(health_staff.user).get(f"/health/officers/{patient.police_number}/")
    assert response.status_code == 200
    assert response.context["archive"].risk.level == "red"
    entry = AuditEntry.objects.get(action="sensitive_read")
    assert (entry.actor, entry.object_id) == (health_staff.user, str(patient.pk))
    assert entry.detail["what"] == "health_archive"


@pytest.mark.parametrize("role", [None, "unit_admin", "leader", "welfare_office"])
def test_everybody_else_gets_404_and_nothing_is_recorded(patient, county, role):
    user = UserFactory()
    if role:
        RoleAssignmentFactory(user=user, role=role, org_unit=county)
    assert _client(user).get(f"/health/officers/{patient.police_number}/").status_code == 404
    assert not AuditEntry.objects.filter(action="sensitive_read").exists()


def test_health_staff_of_another_county_get_404(patient, other_county):
    staff = UserFactory()
    RoleAssignmentFactory(user=staff, role="health_staff", org_unit=other_county)
    assert _client(staff).get(f"/health/officers/{patient.police_number}/").status_code == 404
    assert _client(staff).get("/health/officers/999999/").status_code == 404


def test_health_staff_find_officers_of_their_scope_only(patient, outsider, health_staff):
    page = _client(health_staff.user).get("/health/officers/", {"q": "100"}).context["page"]
    assert [o.police_number for o in page] == ["100001", "100088"]
    assert _client(patient.user).get("/health/officers/").status_code == 403


def test_an_archive_without_checkups_says_so(officer):
    response = _client(officer.user).get("/health/")
    assert response.context["archive"].risk.level is None
    assert response.context["archive"].latest is None


def test_the_archive_costs_the_same_queries_for_one_year_or_ten(officer, django_assert_num_queries):
    for year in range(2016, 2026):
        _checkup(officer, year, sbp=("118", "normal", "normal"), dbp=("76", "normal", "normal"))
    client = _client(officer.user)
    client.get("/health/")
    # Session, user, own officer with unit, latest checkup, its results with indicators, trends, count,
    # the profile (adviser), 4 weeks of diet and 4 of exercise (one query each), follow-ups,
    # own officer and role assignments (navigation), session save (savepoint, UPDATE, release).
    with django_assert_num_queries(22):
        response = client.get("/health/")
    assert len(response.context["archive"].trends[0].points) == 10


def test_the_api_gives_my_archive(patient):
    from tests.conftest import api_client_for

    body = api_client_for(patient.user).get("/api/v1/health/archive/").json()
    assert body["risk"]["level"] == "red"
    assert body["risk"]["reasons"][0]["indicators"] == ["sbp", "dbp"]
    assert body["latest"]["date"] == "2025-04-01"
    assert {r["code"]: (r["value"], r["flag"]) for r in body["latest"]["results"]}["sbp"] == (
        "162.000",
        "high",
    )
    assert [p["value"] for p in body["trends"][0]["points"]] == ["128.000", "162.000"]
    assert body["checkup_count"] == 2


def test_the_api_gives_staff_an_officer_in_scope_audited_and_others_404(patient, health_staff, other_county):
    from tests.conftest import api_client_for

    url = f"/api/v1/health/archives/{patient.police_number}/"
    assert api_client_for(health_staff.user).get(url).json()["officer"]["police_number"] == "100001"
    assert AuditEntry.objects.get(action="sensitive_read").detail["channel"] == "api"
    stranger = UserFactory()
    RoleAssignmentFactory(user=stranger, role="health_staff", org_unit=other_county)
    response = api_client_for(stranger).get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert api_client_for(patient.user).get("/api/v1/health/archives/200002/").status_code == 404
