"""The REST API for the mobile app: /me/, the own family, the staff roster."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.models import FamilyMember
from tests.conftest import api_client_for
from tests.factories import OfficerFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
FAMILY = "/api/v1/me/family/"
OFFICERS = "/api/v1/people/officers/"


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"status", "code", "message", "fields"}
    assert body["error"]["status"] == response.status_code
    assert body["error"]["message"]
    return body["error"]


# --- /me/ ---------------------------------------------------------------------------------------


def test_it_returns_my_profile_roles_and_family(officer, county, django_assert_num_queries):
    RoleAssignmentFactory(user=officer.user, role="unit_admin", org_unit=county)
    client = api_client_for(officer.user)
    # Queries: officer + unit, role assignments + units, family.
    with django_assert_num_queries(3):
        response = client.get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "owner"
    assert body["officer"]["police_number"] == "100001"
    assert body["officer"]["org_unit"] == {
        "id": officer.org_unit_id,
        "code": "X01-P01",
        "name": "城关派出所",
        "kind": "police_station",
    }
    assert body["roles"] == [
        {
            "role": "unit_admin",
            "role_display": body["roles"][0]["role_display"],
            "org_unit": {"id": county.pk, "code": "X01", "name": "东城分局", "kind": "county_bureau"},
        }
    ]
    assert sorted(member["name"] for member in body["family"]) == ["林婉清", "陈思源"]


def test_it_answers_me_for_an_account_without_an_officer_profile(city):
    admin = UserFactory(username="sys")
    RoleAssignmentFactory(user=admin, role="sysadmin", org_unit=city)
    body = api_client_for(admin).get(ME).json()
    assert body["officer"] is None
    assert body["family"] == []
    assert [role["role"] for role in body["roles"]] == ["sysadmin"]


def test_it_refuses_me_without_a_token(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"


# --- /me/family/ -------------------------------------------------------------------------------


def test_it_lists_only_my_family(officer, outsider):
    body = api_client_for(officer.user).get(FAMILY).json()
    assert sorted(member["name"] for member in body) == ["林婉清", "陈思源"]


def test_it_adds_a_child_and_a_double_submit_returns_the_same_record(officer):
    client = api_client_for(officer.user)
    payload = {
        "relation": "child",
        "name": "陈小雨",
        "sex": "female",
        "birth_date": "2015-04-12",
        "school": "实验小学",
        "grade": "五年级",
    }
    first = client.post(FAMILY, payload, format="json")
    second = client.post(FAMILY, payload, format="json")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["school"] == "实验小学"
    assert FamilyMember.objects.filter(officer=officer, name="陈小雨").count() == 1


def test_it_explains_a_rule_violation_on_the_field(officer):
    response = api_client_for(officer.user).post(
        FAMILY,
        {
            "relation": "parent",
            "name": "陈德福",
            "sex": "male",
            "birth_date": "1958-06-30",
            "school": "某小学",
        },
        format="json",
    )
    assert response.status_code == 400
    error = _error(response)
    assert error["fields"] == {"school": [error["message"]]}
    assert not FamilyMember.objects.filter(name="陈德福").exists()


def test_it_answers_a_malformed_body_with_field_errors(officer):
    response = api_client_for(officer.user).post(
        FAMILY, {"relation": "cousin", "birth_date": "yesterday"}, format="json"
    )
    assert response.status_code == 400
    error = _error(response)
    assert {"relation", "birth_date", "name", "sex"} <= set(error["fields"])


def test_it_refuses_a_second_spouse_with_409(officer):
    response = api_client_for(officer.user).post(
        FAMILY,
        {"relation": "spouse", "name": "另一人", "sex": "female", "birth_date": "1990-01-01"},
        format="json",
    )
    assert response.status_code == 409
    assert _error(response)["fields"] == {"relation": [response.json()["error"]["message"]]}


def test_it_updates_and_deletes_my_family_member(officer):
    client = api_client_for(officer.user)
    child = officer.family_members.get(relation="child")
    response = client.patch(f"{FAMILY}{child.pk}/", {"grade": "大一", "school": "浙江大学"}, format="json")
    assert response.status_code == 200
    child.refresh_from_db()
    assert (child.school, child.grade) == ("浙江大学", "大一")
    assert client.delete(f"{FAMILY}{child.pk}/").status_code == 204
    assert not FamilyMember.objects.filter(pk=child.pk).exists()


@pytest.mark.parametrize("method", ["get", "patch", "put", "delete"])
def test_it_answers_404_for_another_officers_family_member(officer, outsider, method):
    theirs = outsider.family_members.get()
    client = api_client_for(officer.user)
    response = getattr(client, method)(f"{FAMILY}{theirs.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.name == "王小明"


def test_it_answers_404_for_a_nonsense_id(officer):
    response = api_client_for(officer.user).get(f"{FAMILY}abc/")
    assert response.status_code == 404


def test_it_refuses_family_writes_for_an_account_without_officer_profile(city):
    admin = UserFactory()
    response = api_client_for(admin).post(
        FAMILY, {"relation": "child", "name": "某", "sex": "male", "birth_date": "2015-01-01"}, format="json"
    )
    assert response.status_code == 403
    assert api_client_for(admin).get(FAMILY).json() == []


# --- /people/officers/ -------------------------------------------------------------------------


def test_it_refuses_the_roster_to_a_plain_officer(officer):
    response = api_client_for(officer.user).get(OFFICERS)
    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"


def test_it_shows_a_unit_admin_their_subtree(unit_admin, officer, outsider):
    body = api_client_for(unit_admin.user).get(OFFICERS).json()
    assert body["count"] == 2
    assert {row["police_number"] for row in body["results"]} == {"100001", "100009"}
    row = next(row for row in body["results"] if row["police_number"] == "100001")
    assert set(row) == {
        "id",
        "police_number",
        "name",
        "sex",
        "kind",
        "org_unit",
        "position",
        "mobile",
        "active",
    }


def test_it_filters_the_roster_by_kind_and_unit(unit_admin, station, county):
    OfficerFactory(org_unit=station, auxiliary=True)
    OfficerFactory(org_unit=station)
    client = api_client_for(unit_admin.user)
    assert client.get(OFFICERS, {"kind": "auxiliary"}).json()["count"] == 1
    assert client.get(OFFICERS, {"unit": station.pk}).json()["count"] == 2
    assert client.get(OFFICERS, {"unit": county.pk}).json()["count"] == 3


def test_it_refuses_a_unit_filter_outside_the_scope(unit_admin, other_station):
    response = api_client_for(unit_admin.user).get(OFFICERS, {"unit": other_station.pk})
    assert response.status_code == 400
    assert "unit" in _error(response)["fields"]


def test_it_answers_404_for_an_officer_outside_the_scope(unit_admin, officer, outsider):
    client = api_client_for(unit_admin.user)
    assert client.get(f"{OFFICERS}{officer.pk}/").json()["police_number"] == "100001"
    response = client.get(f"{OFFICERS}{outsider.pk}/")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


@pytest.mark.parametrize("page_size", [5, 50])
def test_it_lists_the_roster_in_constant_queries(unit_admin, station, page_size, django_assert_num_queries):
    OfficerFactory.create_batch(60, org_unit=station)
    client = api_client_for(unit_admin.user)
    # Queries: role assignments + units, COUNT(*), the page of officers joined to their units.
    with django_assert_num_queries(3):
        response = client.get(OFFICERS, {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


# --- Errors and schema ---------------------------------------------------------------------------


def test_it_answers_unknown_api_urls_in_the_json_error_shape(api_client):
    response = api_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert _error(response)["code"] == "not_found"


def test_it_serves_the_schema_and_the_local_docs(api_client):
    schema = api_client.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/me/", "/api/v1/me/family/", "/api/v1/people/officers/", "/api/v1/auth/token/"} <= set(
        paths
    )
    docs = api_client.get(reverse("api-docs"))
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()  # served from drf-spectacular-sidecar, not the internet


def test_the_schema_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_my_family_list_costs_two_queries_whatever_its_size(officer, django_assert_num_queries):
    from tests.factories import FamilyMemberFactory

    FamilyMemberFactory.create_batch(6, officer=officer)
    client = api_client_for(type(officer.user).objects.get(pk=officer.user_id))  # nothing cached on it
    # Queries: own officer profile, family members.
    with django_assert_num_queries(2):
        body = client.get(FAMILY).json()
    assert len(body) == 8
