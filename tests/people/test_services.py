"""Services about people: rules, idempotency, audit rows."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import AuditEntry
from people import services
from people.models import FamilyMember, OrgUnit, RoleAssignment
from tests.conftest import run_at_once
from tests.factories import OfficerFactory, OrgUnitFactory, UserFactory
from welfare.domain import ConflictError, DomainError

pytestmark = pytest.mark.django_db


def _add(officer, **overrides):
    data = {
        "relation": "child",
        "name": "陈小雨",
        "sex": "female",
        "birth_date": dt.date(2015, 4, 12),
        "school": "实验小学",
        "grade": "五年级",
    }
    data.update(overrides)
    return services.family_member_add(officer=officer, actor=officer.user, **data)


def test_it_adds_a_family_member_and_audits_it(officer):
    member = _add(officer)
    assert member.officer == officer
    assert (member.school, member.grade) == ("实验小学", "五年级")
    entry = AuditEntry.objects.get(action="family_changed", object_id=str(member.pk))
    assert entry.actor == officer.user
    assert entry.detail["op"] == "add"


def test_it_records_a_double_submit_once(officer):
    first = _add(officer)
    second = _add(officer)
    assert first.pk == second.pk
    assert FamilyMember.objects.filter(officer=officer, name="陈小雨").count() == 1
    assert AuditEntry.objects.filter(action="family_changed", detail__op="add").count() == 1


def test_it_refuses_a_second_spouse(officer):
    with pytest.raises(ConflictError) as caught:
        _add(officer, relation="spouse", name="另一人", school="", grade="", birth_date=dt.date(1987, 1, 1))
    assert caught.value.field == "relation"
    assert officer.family_members.filter(relation="spouse").count() == 1


def test_it_refuses_school_for_anyone_but_a_child(officer):
    with pytest.raises(DomainError) as caught:
        _add(officer, relation="parent", name="陈德福", birth_date=dt.date(1958, 6, 30))
    assert caught.value.field == "school"
    assert not FamilyMember.objects.filter(name="陈德福").exists()


def test_it_refuses_a_birth_date_in_the_future(officer):
    with pytest.raises(DomainError) as caught:
        _add(officer, birth_date=dt.date.today() + dt.timedelta(days=2))
    assert caught.value.field == "birth_date"


def test_it_refuses_an_empty_name(officer):
    with pytest.raises(DomainError):
        _add(officer, name="   ")


def test_it_updates_only_what_changed_and_clears_school_when_no_longer_a_child(officer):
    member = _add(officer)
    services.family_member_update(member=member, actor=officer.user, grade="六年级")
    member.refresh_from_db()
    assert member.grade == "六年级"
    before = AuditEntry.objects.count()
    services.family_member_update(member=member, actor=officer.user, grade="六年级")
    assert AuditEntry.objects.count() == before  # nothing changed, nothing written


def test_it_removes_a_family_member_and_audits_it(officer):
    member = _add(officer)
    services.family_member_remove(member=member, actor=officer.user)
    assert not FamilyMember.objects.filter(pk=member.pk).exists()
    assert AuditEntry.objects.filter(action="family_changed", detail__op="remove").count() == 1
    services.family_member_remove(member=member, actor=officer.user)  # twice is harmless
    assert AuditEntry.objects.filter(action="family_changed", detail__op="remove").count() == 1


def test_it_moves_a_whole_subtree_in_one_update(city, county, station, other_county):
    post = OrgUnitFactory(code="X01-P01-W1", parent=station, kind="street_post")
    services.org_unit_update(unit=station, parent=other_county, actor=None)
    station.refresh_from_db()
    post.refresh_from_db()
    assert station.path == "/C/X02/X01-P01/"
    assert post.path == "/C/X02/X01-P01/X01-P01-W1/"
    assert (station.depth, post.depth) == (2, 3)
    assert AuditEntry.objects.filter(action="org_unit_changed", object_id=str(station.pk)).exists()


def test_it_refuses_to_move_a_unit_under_its_own_subtree(county, station):
    with pytest.raises(DomainError):
        services.org_unit_update(unit=county, parent=station, actor=None)
    county.refresh_from_db()
    assert county.path == "/C/X01/"


def test_it_creates_units_idempotently_and_refuses_a_clashing_code(city):
    first = services.org_unit_create(kind="county_bureau", code="X09", name="云岭县公安局", parent=city)
    again = services.org_unit_create(kind="county_bureau", code="X09", name="云岭县公安局", parent=city)
    assert first.pk == again.pk
    with pytest.raises(ConflictError):
        services.org_unit_create(kind="county_bureau", code="X09", name="别的局", parent=city)
    assert OrgUnit.objects.filter(code="X09").count() == 1


def test_it_grants_a_role_once_and_audits_it(county):
    user = UserFactory()
    granter = UserFactory()
    first = services.role_assign(user=user, role="unit_admin", org_unit=county, actor=granter)
    again = services.role_assign(user=user, role="unit_admin", org_unit=county, actor=granter)
    assert first.pk == again.pk
    assert RoleAssignment.objects.filter(user=user).count() == 1
    entry = AuditEntry.objects.get(action="role_granted")
    assert (entry.actor, entry.detail["role"], entry.detail["org_unit"]) == (granter, "unit_admin", "X01")


def test_it_opens_the_admin_to_sysadmins_and_closes_it_on_revoke(city):
    user = UserFactory()
    assignment = services.role_assign(user=user, role="sysadmin", org_unit=city, actor=None)
    user.refresh_from_db()
    assert user.is_staff
    assert user.has_perm("people.change_orgunit")
    assert not user.has_perm("audit.view_auditentry")  # separation of duties
    services.role_revoke(assignment=assignment, actor=None)
    user.refresh_from_db()
    assert not user.is_staff
    assert AuditEntry.objects.filter(action="role_revoked").count() == 1


def test_it_gives_the_auditor_the_audit_log_and_nothing_else(city):
    user = UserFactory()
    services.role_assign(user=user, role="auditor", org_unit=city, actor=None)
    user = type(user).objects.get(pk=user.pk)
    assert user.is_staff
    assert user.has_perm("audit.view_auditentry")
    assert not user.has_perm("people.change_officer")


def test_it_deactivates_an_officer_with_the_log_in(officer):
    services.officer_set_active(officer=officer, active=False, actor=None)
    officer.refresh_from_db()
    officer.user.refresh_from_db()
    assert (officer.active, officer.user.is_active) == (False, False)


def test_it_creates_an_officer_with_an_account_that_cannot_log_in_yet(station):
    officer = services.officer_create(
        username="newbie",
        police_number="123456",
        name="新民警",
        sex="male",
        birth_date=dt.date(2000, 1, 1),
        org_unit=station,
        joined_police_on=dt.date(2024, 8, 1),
    )
    assert not officer.user.has_usable_password()
    with pytest.raises(ConflictError):
        services.officer_create(
            username="someone-else",
            police_number="123456",
            name="冒名",
            sex="male",
            birth_date=dt.date(2000, 1, 1),
            org_unit=station,
            joined_police_on=dt.date(2024, 8, 1),
        )


def test_it_transfers_an_officer_and_audits_the_fields(officer, other_station):
    services.officer_update(officer=officer, org_unit=other_station, actor=None)
    officer.refresh_from_db()
    assert officer.org_unit == other_station
    assert AuditEntry.objects.get(action="officer_changed").detail["fields"] == ["org_unit"]


def test_it_refuses_to_edit_the_police_number_through_update(officer):
    with pytest.raises(DomainError):
        services.officer_update(officer=officer, police_number="999999", actor=None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_record_when_two_requests_add_the_same_child_at_once(station):
    """Two concurrent transactions (threads, real connections) add the same person: one row survives."""
    owner = OfficerFactory(org_unit=station)
    results = run_at_once(lambda: _add(owner).pk, lambda: _add(owner).pk)
    assert FamilyMember.objects.filter(officer=owner, name="陈小雨").count() == 1
    assert len(set(results)) == 1, results  # both callers got the same record, neither an error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_crossing_moves_at_once_cannot_build_a_cycle(city):
    """A under B and B under A, from two admins at the same moment: one wins, the other is refused."""
    a = services.org_unit_create(kind="county_bureau", code="A", name="A", parent=city)
    b = services.org_unit_create(kind="county_bureau", code="B", name="B", parent=city)
    outcomes = [
        "moved" if not isinstance(outcome, Exception) else outcome
        for outcome in run_at_once(
            lambda: services.org_unit_update(unit=a, parent=b, actor=None),
            lambda: services.org_unit_update(unit=b, parent=a, actor=None),
        )
    ]
    assert outcomes.count("moved") == 1, outcomes
    assert any(isinstance(outcome, DomainError) for outcome in outcomes), outcomes
    a.refresh_from_db()
    b.refresh_from_db()
    assert {a.path, b.path} in ({"/C/A/", "/C/A/B/"}, {"/C/B/", "/C/B/A/"})
