"""Every admin page the sysadmin uses opens; search and filters work."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from people.models import FamilyMember, Officer, OrgUnit, RoleAssignment, User

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
        "/admin/people/familymember/?relation__exact=child",
        "/admin/people/roleassignment/",
        "/admin/people/workerheartbeat/",
        "/admin/django_celery_beat/periodictask/",
    ],
)
def test_the_sysadmin_admin_pages_open(sysadmin_client, url):
    assert sysadmin_client.get(url).status_code == 200


def test_the_change_pages_open(sysadmin_client):
    for model in (OrgUnit, Officer, FamilyMember, RoleAssignment):
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
