"""Portal pages: home per role, family, roster, status, errors, language."""

from __future__ import annotations

import pytest
from django.test import Client

from people.models import FamilyMember
from tests.factories import PASSWORD, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_sends_anonymous_visitors_to_the_login_page(db):
    response = Client().get("/family/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/family/"


def test_it_serves_the_login_page_in_chinese_by_default(db):
    html = Client().get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "警号" in html


def test_it_switches_the_language_to_english(officer):
    client = _client(officer.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "My family" in html


def test_it_shows_an_officer_their_own_home_and_family(officer, outsider):
    client = _client(officer.user)
    home = client.get("/")
    assert home.context["officer"] == officer
    assert home.context["family_count"] == 2
    assert home.context["roster"] is None
    family = client.get("/family/")
    names = [member.name for member in family.context["members"]]
    assert sorted(names) == ["林婉清", "陈思源"]
    assert "王小明" not in family.content.decode()


def test_it_shows_a_unit_admin_the_head_counts_of_their_subtree(unit_admin, officer, outsider, station):
    home = _client(unit_admin.user).get("/")
    roster = home.context["roster"]
    assert (roster["total"], roster["police"], roster["stations"]) == (2, 2, 1)
    assert [(row["unit"], row["officers"]) for row in roster["children"]] == [(station, 1)]


def test_it_adds_a_family_member_through_the_form_once_on_a_double_submit(officer):
    client = _client(officer.user)
    data = {
        "relation": "child",
        "name": "陈小雨",
        "sex": "female",
        "birth_date": "2015-04-12",
        "school": "实验小学",
        "grade": "五年级",
    }
    assert client.post("/family/add/", data).status_code == 302
    assert client.post("/family/add/", data).status_code == 302
    member = FamilyMember.objects.get(officer=officer, name="陈小雨")
    assert (member.school, member.grade, str(member.birth_date)) == ("实验小学", "五年级", "2015-04-12")


def test_it_shows_a_rule_violation_on_the_form_and_saves_nothing(officer):
    response = _client(officer.user).post(
        "/family/add/",
        {"relation": "spouse", "name": "另一人", "sex": "female", "birth_date": "1990-01-01"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["relation"]
    assert not FamilyMember.objects.filter(name="另一人").exists()


def test_it_edits_my_family_member(officer):
    child = officer.family_members.get(relation="child")
    client = _client(officer.user)
    form = client.get(f"/family/{child.pk}/edit/").context["form"]
    assert form.initial["name"] == "陈思源"
    data = {**form.initial, "grade": "大一", "school": "浙江大学", "birth_date": "2009-03-09"}
    assert client.post(f"/family/{child.pk}/edit/", data).status_code == 302
    child.refresh_from_db()
    assert (child.school, child.grade) == ("浙江大学", "大一")


def test_it_answers_404_for_another_officers_family_member(officer, outsider):
    theirs = outsider.family_members.get()
    client = _client(officer.user)
    assert client.get(f"/family/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/family/{theirs.pk}/edit/", {"name": "改名"}).status_code == 404
    assert client.post(f"/family/{theirs.pk}/delete/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "王小明"


def test_it_deletes_my_family_member_only_by_post(officer):
    child = officer.family_members.get(relation="child")
    client = _client(officer.user)
    assert client.get(f"/family/{child.pk}/delete/").status_code == 405
    assert client.post(f"/family/{child.pk}/delete/").status_code == 302
    assert not FamilyMember.objects.filter(pk=child.pk).exists()


def test_it_answers_404_on_the_family_page_for_an_account_without_officer_profile(db):
    assert _client(UserFactory()).get("/family/").status_code == 404


def test_it_refuses_the_roster_page_to_a_plain_officer(officer):
    response = _client(officer.user).get("/people/officers/")
    assert response.status_code == 403
    assert "403" in response.content.decode()


def test_it_shows_a_unit_admin_their_subtree_on_the_roster_page(unit_admin, officer, outsider):
    response = _client(unit_admin.user).get("/people/officers/")
    numbers = [o.police_number for o in response.context["page"]]
    assert numbers == ["100001", "100009"]
    assert outsider.name not in response.content.decode()


def test_it_filters_the_roster_page(unit_admin, officer, station):
    client = _client(unit_admin.user)
    assert [o.police_number for o in client.get("/people/officers/", {"q": "1000"}).context["page"]] == [
        "100001",
        "100009",
    ]
    assert [
        o.police_number for o in client.get("/people/officers/", {"unit": station.pk}).context["page"]
    ] == ["100001"]


def test_it_lists_the_roster_page_in_constant_queries(unit_admin, station, django_assert_max_num_queries):
    from tests.factories import OfficerFactory

    OfficerFactory.create_batch(80, org_unit=station)
    client = _client(unit_admin.user)
    client.get("/people/officers/")  # warm the session
    # Session, user, role assignments, own officer profile (navigation), unit choices for the filter,
    # COUNT, the page of officers joined to units, session save (UPDATE inside a savepoint + release).
    with django_assert_max_num_queries(10):
        response = client.get("/people/officers/")
    assert len(response.context["page"]) == 50


def test_it_shows_the_worker_status_to_sysadmins_only(city, officer):
    from people import services

    admin = UserFactory(username="sys")
    RoleAssignmentFactory(user=admin, role="sysadmin", org_unit=city)
    services.heartbeat_record(queue="default", hostname="celery@web1")
    response = _client(admin).get("/system/status/")
    rows = {row["queue"]: row["alive"] for row in response.context["workers"]}
    assert rows == {"default": True, "reminders": False, "imports": False, "reports": False}
    assert _client(officer.user).get("/system/status/").status_code == 403


def test_it_answers_unknown_pages_with_the_chinese_404_page(officer):
    response = _client(officer.user).get("/no-such-page/")
    assert response.status_code == 404
    assert "404" in response.content.decode()
    assert '<html lang="zh-hans">' in response.content.decode()


def test_it_offers_the_admin_to_the_sysadmin_in_the_navigation(city):
    admin = UserFactory(username="sys2", password=PASSWORD)
    from people import services

    services.role_assign(user=admin, role="sysadmin", org_unit=city, actor=None)
    client = _client(admin)
    labels = [str(item["label"]) for item in client.get("/").context["nav_items"]]
    assert len(labels) == 5  # home, roster, health by unit, status, administration (no officer profile)
    assert client.get("/admin/people/orgunit/").status_code == 200
    assert client.get("/admin/audit/auditentry/").status_code == 403


def test_the_profile_page_shows_my_record_and_roles(unit_admin, county):
    response = _client(unit_admin.user).get("/profile/")
    assert response.context["officer"] == unit_admin
    assert [a.org_unit for a in response.context["assignments"]] == [county]
    html = response.content.decode()
    assert "100009" in html and "东城分局" in html


def test_the_profile_page_of_an_account_without_officer_profile(db):
    response = _client(UserFactory(username="tech")).get("/profile/")
    assert response.context["officer"] is None
    assert "tech" in response.content.decode()


def test_the_family_page_costs_the_same_queries_for_a_big_family(officer, django_assert_num_queries):
    from tests.factories import FamilyMemberFactory

    FamilyMemberFactory.create_batch(6, officer=officer, child=False)
    client = _client(officer.user)
    client.get("/")
    # Session, user, role assignments, own officer (once: the navigation reuses it), family members,
    # session save (savepoint, UPDATE, release).
    with django_assert_num_queries(8):
        response = client.get("/family/")
    assert len(response.context["members"]) == 8
