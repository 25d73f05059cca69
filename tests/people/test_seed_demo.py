"""seed_demo builds a believable bureau, one account per role, and a second run changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count

from audit.models import AuditEntry
from people import scope
from people.models import FamilyMember, Officer, OrgUnit, User

pytestmark = pytest.mark.django_db


def _counts():
    return (
        OrgUnit.objects.count(),
        Officer.objects.count(),
        FamilyMember.objects.count(),
        User.objects.count(),
        AuditEntry.objects.count(),
    )


def test_it_seeds_once_and_a_second_run_changes_nothing(settings, rf):
    call_command("seed_demo", "--scale", "small", verbosity=0)
    first = _counts()
    call_command("seed_demo", "--scale", "small", verbosity=0)
    assert _counts() == first
    units, officers, family, _users, _audit = first
    assert units == 1 + 1 + 2 + 2 + 2 * 3 + 2
    assert officers > 80
    assert family > officers  # spouses, children of all ages, parents
    assert set(FamilyMember.objects.values_list("relation", flat=True)) == {"spouse", "child", "parent"}


def test_it_gives_every_role_a_demo_account_that_can_log_in(settings, rf):
    call_command("seed_demo", "--scale", "small", verbosity=0)
    expected = {
        "demo_officer": set(),
        "demo_unit_admin": {"unit_admin"},
        "demo_welfare": {"welfare_office", "welfare_head"},  # 爱警办主任: the head (care/demo.py)
        "demo_care": {"welfare_office"},
        "demo_health": {"health_staff"},
        "demo_leader": {"leader"},
        "demo_admin": {"sysadmin"},
        "demo_auditor": {"auditor"},
    }
    for username, roles in expected.items():
        user = authenticate(rf.post("/login/"), username=username, password=settings.DEMO_PASSWORD)
        assert user is not None, username
        assert scope.roles_of(user) == roles
    officer = Officer.objects.get(user__username="demo_officer")
    assert officer.police_number == "100001"
    grades = set(officer.family_members.values_list("grade", flat=True))
    assert "高三" in grades  # a child about to sit the gaokao, for the education awards
    unit_admin = User.objects.get(username="demo_unit_admin")
    assert scope.unit_paths(unit_admin, scope.ROSTER_ROLES) == ["/C/X01/"]


def test_it_skips_seeding_a_database_that_has_data(city):
    call_command("seed_demo", "--if-empty", verbosity=0)
    assert OrgUnit.objects.count() == 1


def test_the_city_scale_matches_the_bureau(db):
    call_command("seed_demo", "--scale", "city", verbosity=0)
    kinds = dict(OrgUnit.objects.order_by().values_list("kind").annotate(n=Count("id")))
    assert kinds == {
        "city_bureau": 1,
        "centre": 9,
        "county_bureau": 9,
        "police_station": 126,
        "street_post": 58,
    }
    assert 5500 <= Officer.objects.count() <= 6500
