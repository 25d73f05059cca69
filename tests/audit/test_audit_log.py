"""The audit log is append-only: the model, the queryset, the admin and (on PostgreSQL) the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from audit.models import AuditAction, AuditEntry
from audit.services import audit_record
from people import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_records_time_actor_action_object_result_and_address(officer, rf):
    from audit.context import AuditContextMiddleware

    def view(request):
        audit_record(
            actor=officer.user, action=AuditAction.SENSITIVE_READ, target=officer, detail={"why": "test"}
        )
        return None

    AuditContextMiddleware(view)(rf.get("/", REMOTE_ADDR="192.0.2.7"))
    entry = AuditEntry.objects.get()
    assert entry.occurred_at is not None
    assert (entry.actor, entry.actor_username, entry.action, entry.result) == (
        officer.user,
        "owner",
        "sensitive_read",
        "success",
    )
    assert (entry.object_type, entry.object_id, entry.source_ip) == (
        "people.officer",
        str(officer.pk),
        "192.0.2.7",
    )


def test_it_trusts_forwarded_for_only_behind_configured_proxies(settings, rf):
    from audit.ip import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 172.16.0.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "172.16.0.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    request.META["HTTP_X_FORWARDED_FOR"] = "not-an-ip, 172.16.0.9"
    assert client_ip(request) == "10.0.0.1"


def test_it_refuses_to_change_or_delete_an_entry_through_the_orm(officer):
    entry = audit_record(actor=officer.user, action=AuditAction.LOGIN)
    entry.action = AuditAction.LOGOUT
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="logout")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "login"


@pytest.mark.postgres
def test_the_database_refuses_update_and_delete(officer):
    entry = audit_record(actor=officer.user, action=AuditAction.LOGIN)
    for sql in (
        "UPDATE audit_auditentry SET action = 'logout' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "login"


def test_the_admin_offers_no_add_change_or_delete_even_to_a_superuser(officer):
    entry = audit_record(actor=officer.user, action=AuditAction.LOGIN)
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "logout"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, action="login").exists()


def test_it_audits_role_changes_made_in_the_admin(city, officer):
    admin = UserFactory(username="sys")
    services.role_assign(user=admin, role="sysadmin", org_unit=city, actor=None)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/people/roleassignment/add/",
        {"user": officer.user.pk, "role": "health_staff", "org_unit": city.pk},
    )
    assert response.status_code == 302
    granted = AuditEntry.objects.get(action="role_granted", detail__role="health_staff")
    assert granted.actor == admin
    assignment = officer.user.role_assignments.get()
    response = client.post(
        "/admin/people/roleassignment/",
        {"action": "revoke", "_selected_action": [assignment.pk]},
    )
    assert response.status_code == 302
    assert not officer.user.role_assignments.exists()
    assert AuditEntry.objects.get(action="role_revoked").actor == admin
