"""Every admin page the sysadmin uses opens; search and filters work."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from audit.models import AuditEntry
from people.models import Officer, OrgUnit, RoleAssignment, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin_client():
    call_command("seed_demo", "--scale", "small", verbosity=0)
    client = Client()
    client.force_login(User.objects.get(username="demo_admin"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/people/user/",
        "/admin/people/user/?q=demo",
        "/admin/people/orgunit/?kind__exact=police_station",
        "/admin/people/officer/?q=100001",
        "/admin/people/officer/?kind__exact=auxiliary&active__exact=1",
        "/admin/people/roleassignment/",
        "/admin/people/workerheartbeat/",
        "/admin/django_celery_beat/periodictask/",
    ],
)
def test_the_sysadmin_admin_pages_open(sysadmin_client, url):
    assert sysadmin_client.get(url).status_code == 200


def test_the_change_pages_open(sysadmin_client):
    for model in (OrgUnit, Officer, RoleAssignment):
        obj = model.objects.first()
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/change/"
        assert sysadmin_client.get(url).status_code == 200, url


def test_a_unit_code_cannot_be_changed_and_a_move_goes_through_the_service(sysadmin_client):
    station = OrgUnit.objects.get(code="X01-P01")
    other = OrgUnit.objects.get(code="X02")
    response = sysadmin_client.post(
        f"/admin/people/orgunit/{station.pk}/change/",
        {
            "kind": "police_station",
            "parent": other.pk,
            "code": "HACKED",
            "name": "城关派出所",
            "sort_order": 1,
            "active": "on",
        },
    )
    assert response.status_code == 302
    station.refresh_from_db()
    assert (station.code, station.path) == ("X01-P01", "/C/X02/X01-P01/")
    assert OrgUnit.objects.get(code="X01-P01-W1").path == "/C/X02/X01-P01/X01-P01-W1/"


def test_families_are_not_in_the_admin(sysadmin_client):
    """Children's data is the officer's own (PIPL Art. 28): not even the sysadmin browses it."""
    assert sysadmin_client.get("/admin/people/familymember/").status_code == 404
    officer = Officer.objects.get(police_number="100001")
    page = sysadmin_client.get(f"/admin/people/officer/{officer.pk}/change/").content.decode()
    assert "陈思源" not in page


def test_a_sysadmin_cannot_make_themselves_superuser_or_edit_their_own_account(sysadmin_client):
    admin = User.objects.get(username="demo_admin")
    response = sysadmin_client.post(
        f"/admin/people/user/{admin.pk}/change/",
        {"username": "demo_admin", "is_superuser": "on", "is_active": "on"},
    )
    assert response.status_code == 403
    other = User.objects.get(username="demo_officer")
    response = sysadmin_client.post(
        f"/admin/people/user/{other.pk}/change/",
        {
            "username": "demo_officer",
            "email": "chen@gaj.local",
            "is_superuser": "on",
            "is_active": "on",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    other.refresh_from_db()
    assert not admin.is_superuser and not other.is_superuser  # the field is read-only
    assert other.email == "chen@gaj.local"
    assert AuditEntry.objects.filter(action="admin_change", object_id=str(other.pk)).exists()


def test_a_sysadmin_cannot_grant_the_auditor_role_or_a_role_to_themselves(sysadmin_client):
    admin = User.objects.get(username="demo_admin")
    city = OrgUnit.objects.get(code="C")
    officer = User.objects.get(username="demo_officer")
    for user, role in ((officer, "auditor"), (admin, "welfare_office"), (officer, "sysadmin")):
        response = sysadmin_client.post(
            "/admin/people/roleassignment/add/", {"user": user.pk, "role": role, "org_unit": city.pk}
        )
        assert response.status_code == 200, role  # the form shows the refusal
        assert response.context["adminform"].form.errors
    assert not RoleAssignment.objects.filter(user=officer).exists()
    assert not RoleAssignment.objects.filter(user=admin, role="welfare_office").exists()


def test_the_sysadmin_unlocks_an_account_with_an_audited_action(sysadmin_client):
    from django.test import Client

    for _ in range(5):
        Client().post("/login/", {"username": "demo_officer", "password": "wrong-password"})
    officer = User.objects.get(username="demo_officer")
    from people.backends import account_is_locked

    assert account_is_locked(officer)
    sysadmin_client.post("/admin/people/user/", {"action": "unlock", "_selected_action": [officer.pk]})
    assert not account_is_locked(officer)
    assert AuditEntry.objects.filter(action="account_unlocked", object_id=str(officer.pk)).count() == 1


def test_a_unit_move_into_its_own_subtree_is_refused_on_the_form(sysadmin_client):
    county = OrgUnit.objects.get(code="X01")
    station = OrgUnit.objects.get(code="X01-P01")
    response = sysadmin_client.post(
        f"/admin/people/orgunit/{county.pk}/change/",
        {"kind": "county_bureau", "parent": station.pk, "name": county.name, "sort_order": 1, "active": "on"},
    )
    assert response.status_code == 200
    assert "parent" in response.context["adminform"].form.errors
    county.refresh_from_db()
    assert county.path == "/C/X01/"
