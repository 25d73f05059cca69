"""Security rules from review: app sessions, address throttles, long names, leaders, seeding, housekeeping."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from people import services
from people.backends import account_is_locked
from tests.conftest import api_client_for
from tests.factories import PASSWORD, OfficerFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/token/logout/"


def _tokens(api_client, login="owner", password=PASSWORD) -> dict:
    response = api_client.post(TOKEN, {"username": login, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


# --- The app's session ----------------------------------------------------------------------------------


def test_a_lock_out_stops_refreshing(officer, api_client):
    tokens = _tokens(api_client)
    for _ in range(5):
        api_client.post(TOKEN, {"username": "owner", "password": "wrong"}, format="json")
    response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_locked"


def test_a_password_change_ends_every_app_session(officer, api_client):
    tokens = _tokens(api_client)
    services.account_set_password(user=officer.user, password="Night-Patrol-2026", actor=officer.user)
    me = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 401
    refresh = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert refresh.status_code == 401


def test_a_deactivated_account_cannot_refresh(officer, api_client):
    tokens = _tokens(api_client)
    services.officer_set_active(officer=officer, active=False, actor=None)
    assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_refreshing_cannot_stretch_a_session_past_its_maximum(officer, api_client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        tokens = _tokens(api_client)
        for _ in range(settings.JWT_SESSION_MAX_HOURS * 3):  # an app refreshing every 20 minutes all day
            traveller.shift(dt.timedelta(minutes=20))
            response = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
            if response.status_code != 200:
                break
            tokens = response.json()
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "session_expired"


def test_an_idle_app_must_log_in_again_after_thirty_minutes(officer, api_client):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        tokens = _tokens(api_client)
        traveller.shift(dt.timedelta(minutes=31))
        assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_logging_out_revokes_the_refresh_token_and_is_audited(officer, api_client):
    tokens = _tokens(api_client)
    assert api_client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 200
    assert api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert AuditEntry.objects.filter(action="logout", actor=officer.user, detail__channel="api").count() == 1


# --- Password spraying from one address ---------------------------------------------------------------


def test_many_failures_from_one_address_hold_it_back_whatever_the_accounts(station, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 10
    victims = [OfficerFactory(org_unit=station) for _ in range(12)]
    for victim in victims[:10]:  # two guesses each: far below any account's lock-out
        for _ in range(1):
            Client().post(
                "/login/",
                {"username": victim.police_number, "password": "Summer2026!!"},
                REMOTE_ADDR="10.6.6.6",
            )
    response = Client().post(
        "/login/", {"username": victims[11].police_number, "password": PASSWORD}, REMOTE_ADDR="10.6.6.6"
    )
    assert response.status_code == 200  # refused even with the right password
    assert "_auth_user_id" not in response.wsgi_request.session
    assert response.context["form"].errors["__all__"][0] == str(
        response.context["form"].error_messages["throttled"]
    )
    # Another address is not held back.
    other = Client().post(
        "/login/", {"username": victims[11].police_number, "password": PASSWORD}, REMOTE_ADDR="10.7.7.7"
    )
    assert other.status_code == 302


def test_the_api_throttle_ignores_a_forged_forwarded_for(officer, api_client, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr("rest_framework.throttling.SimpleRateThrottle.THROTTLE_RATES", {"token": "3/minute"})
    cache.clear()
    statuses = [
        api_client.post(
            TOKEN,
            {"username": "owner", "password": PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}",
        ).status_code
        for n in range(5)
    ]
    assert statuses.count(429) == 2
    cache.clear()


def test_the_api_says_when_the_address_is_held_back(officer, api_client, settings, station):
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_HOUR = 5
    for n in range(5):
        api_client.post(TOKEN, {"username": f"nobody{n}", "password": "x"}, format="json")
    response = api_client.post(TOKEN, {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "login_throttled"


# --- Odd input ---------------------------------------------------------------------------------------------


def test_an_overlong_log_in_name_is_a_plain_failure(officer, api_client):
    name = "x" * 300
    assert Client().post("/login/", {"username": name, "password": "whatever"}).status_code == 200
    response = api_client.post(TOKEN, {"username": name, "password": "whatever"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()["error"]["fields"]


def test_a_unit_code_is_upper_case_so_subtrees_never_mix_on_sqlite(city):
    unit = services.org_unit_create(kind="county_bureau", code=" x03 ", name="新区分局", parent=city)
    assert unit.code == "X03"
    with pytest.raises(services.PeopleError):
        services.org_unit_create(kind="county_bureau", code="X/04", name="坏代码", parent=city)


# --- Password change ------------------------------------------------------------------------------------


def test_guessing_the_current_password_on_the_change_page_locks_the_account(officer):
    client = Client()
    client.force_login(officer.user)
    for _ in range(4):
        response = client.post(
            "/password/",
            {
                "old_password": "guess",
                "new_password1": "Night-Patrol-2026",
                "new_password2": "Night-Patrol-2026",
            },
        )
        assert response.status_code == 200
    response = client.post(
        "/password/",
        {"old_password": "guess", "new_password1": "Night-Patrol-2026", "new_password2": "Night-Patrol-2026"},
    )
    assert response.status_code == 429
    assert account_is_locked(officer.user)
    assert client.get("/family/").status_code == 302  # logged out


def test_a_weak_password_is_refused_by_the_service_too(officer):
    with pytest.raises(services.PeopleError):
        services.account_set_password(user=officer.user, password="password", actor=None)


# --- Roles ---------------------------------------------------------------------------------------------


def test_a_leader_gets_no_roster_but_sees_head_counts(city, officer, outsider):
    leader = UserFactory()
    RoleAssignmentFactory(user=leader, role="leader", org_unit=city)
    assert api_client_for(leader).get("/api/v1/people/officers/").status_code == 403
    client = Client()
    client.force_login(leader)
    home = client.get("/")
    assert home.context["roster"]["total"] == 2
    assert client.get("/people/officers/").status_code == 403


def test_the_auditor_home_page_leads_to_the_audit_log(city):
    auditor = UserFactory()
    services.role_assign(user=auditor, role="auditor", org_unit=city, actor=None)
    client = Client()
    client.force_login(auditor)
    html = client.get("/").content.decode()
    assert "/admin/audit/auditentry/" in html


def test_one_account_cannot_hold_both_duties(city):
    user = UserFactory()
    services.role_assign(user=user, role="sysadmin", org_unit=city, actor=None)
    with pytest.raises(services.PeopleError):
        services.role_assign(user=user, role="auditor", org_unit=city, actor=None)


# --- Seeding and housekeeping ------------------------------------------------------------------------------


def test_seed_demo_refuses_production_with_the_published_password():
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "welfare.gaj.local",
        "DATABASE_URL": "sqlite:////tmp/never-created.sqlite3",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
        "SMS_BACKEND": "notifications.sms.ConsoleBackend",
    }
    env.pop("DEMO_PASSWORD", None)
    for extra in ([], ["--allow-production"]):
        result = subprocess.run(
            [sys.executable, "manage.py", "seed_demo", *extra],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0
        assert "production" in result.stderr or "DEMO_PASSWORD" in result.stderr


def test_housekeeping_drops_expired_sessions_and_old_attempts_but_keeps_the_audit_log(officer):
    client = Client()
    client.post("/login/", {"username": "owner", "password": "wrong"})
    client.post("/login/", {"username": "owner", "password": PASSWORD})
    audit_rows = AuditEntry.objects.count()
    later = timezone.now() + dt.timedelta(days=settings.LOGIN_ATTEMPT_RETENTION_DAYS + 1)
    removed = services.housekeeping_run(now=later)
    assert removed["sessions"] == 1
    assert removed["failures"] == 1
    assert AuditEntry.objects.count() == audit_rows
