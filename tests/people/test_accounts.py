"""The security baseline: log-in names, lock-out, idle timeout, password rules, JWT, audit rows."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from audit.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"


def _portal_login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


# --- Log-in names ----------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["owner", "100001"])
def test_it_logs_in_on_the_portal_with_username_or_police_number(officer, login):
    client = Client()
    response = _portal_login(client, login, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["officer"] == officer
    entry = AuditEntry.objects.get(action="login")
    assert (entry.actor, entry.source_ip, entry.result) == (officer.user, "10.1.2.3", "success")


@pytest.mark.parametrize("login", ["owner", "100001"])
def test_it_issues_tokens_for_username_or_police_number(officer, api_client, login):
    response = api_client.post(TOKEN, {"username": login, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    access = response.json()["access"]
    me = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.json()["officer"]["police_number"] == "100001"
    assert AuditEntry.objects.get(action="login").detail == {"channel": "api"}


def test_it_rotates_refresh_tokens_and_refuses_a_used_one(officer, api_client):
    tokens = api_client.post(TOKEN, {"username": "owner", "password": PASSWORD}, format="json").json()
    first = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    reused = api_client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_not_valid"


def test_it_answers_a_wrong_password_with_a_readable_error_and_an_audit_row(officer, api_client):
    response = api_client.post(TOKEN, {"username": "100001", "password": "wrong"}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["message"]
    entry = AuditEntry.objects.get(action="login_failed")
    assert (entry.actor, entry.actor_username, entry.result) == (officer.user, "owner", "failure")
    assert entry.detail == {"reason": "bad_credentials", "login": "100001"}


def test_it_audits_a_failed_log_in_for_an_unknown_name(db):
    _portal_login(Client(), "nobody", "whatever-password")
    entry = AuditEntry.objects.get(action="login_failed")
    assert (entry.actor, entry.actor_username, entry.source_ip) == (None, "nobody", "10.1.2.3")


# --- Lock-out --------------------------------------------------------------------------------------


def test_it_locks_the_portal_account_after_five_failures_even_with_the_right_password(officer):
    client = Client()
    for _ in range(4):
        assert _portal_login(client, "owner", "wrong-password").status_code == 200
    assert _portal_login(client, "owner", "wrong-password").status_code == 429  # the 5th failure locks
    response = _portal_login(client, "owner", PASSWORD)
    assert response.status_code == 429
    assert "locked" in response.content.decode().lower() or "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="locked_out", actor=officer.user).exists()


def test_it_counts_failures_per_account_across_both_log_in_names_and_addresses(officer):
    for attempt in range(5):
        login = "owner" if attempt % 2 else "100001"
        Client().post("/login/", {"username": login, "password": "bad"}, REMOTE_ADDR=f"10.0.0.{attempt}")
    response = Client().post("/login/", {"username": "owner", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429


def test_it_locks_the_api_too_and_says_so(officer, api_client):
    for _ in range(5):
        api_client.post(TOKEN, {"username": "100001", "password": "bad"}, format="json")
    response = api_client.post(TOKEN, {"username": "100001", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_locked"
    assert "access" not in response.json()


def test_it_unlocks_after_thirty_minutes(officer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            _portal_login(Client(), "owner", "wrong-password")
        assert _portal_login(Client(), "owner", PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=31))
        assert _portal_login(Client(), "owner", PASSWORD).status_code == 302


def test_it_does_not_lock_another_account(officer, outsider):
    for _ in range(6):
        _portal_login(Client(), "owner", "wrong-password")
    assert _portal_login(Client(), "outsider", PASSWORD).status_code == 302


# --- Sessions ----------------------------------------------------------------------------------------


def test_it_ends_the_session_after_thirty_idle_minutes(officer):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _portal_login(client, "owner", PASSWORD)
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/family/").status_code == 200  # activity pushes the expiry forward
        traveller.shift(dt.timedelta(minutes=29))
        assert client.get("/family/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        response = client.get("/family/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_it_audits_log_out(officer):
    client = Client()
    _portal_login(client, "owner", PASSWORD)
    assert client.post("/logout/").status_code == 302
    assert AuditEntry.objects.filter(action="logout", actor=officer.user).count() == 1


# --- Password rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "Short1!",  # under 12 characters
        "alllowercaseletters",  # one class
        "lowercase12345678",  # two classes
        "Password1234",  # three classes and 12 long, but on the common-password list
        "123456789012345",  # numeric
    ],
)
def test_it_rejects_weak_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize("password", ["Jingying@2026!", "blue-Harbor-7-lantern", "DUTY duty 4 night"])
def test_it_accepts_strong_passwords(password):
    validate_password(password)


def test_it_changes_the_password_on_the_portal_and_audits_it(officer):
    client = Client()
    _portal_login(client, "owner", PASSWORD)
    weak = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": "weakweak", "new_password2": "weakweak"}
    )
    assert weak.status_code == 200
    assert weak.context["form"].errors["new_password2"]
    new = "Night-Patrol-2026"
    response = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    officer.user.refresh_from_db()
    assert officer.user.check_password(new)
    assert AuditEntry.objects.filter(action="password_changed", actor=officer.user).count() == 1
    assert client.get("/family/").status_code == 200  # still logged in after the change
