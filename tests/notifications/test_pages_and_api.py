"""The inbox on the portal and the API, the badge, settings, broadcasts, the admin's operations view."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from notifications import services
from notifications.models import Broadcast, ChannelPreference, Notification, NotificationSettings, Reminder
from tests.conftest import api_client_for
from tests.factories import OfficerFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _note(user, title="通知", read=False) -> Notification:
    return Notification.objects.create(
        recipient=user,
        kind="broadcast",
        title=title,
        body="正文",
        link="/family/",
        read_at=timezone.now() if read else None,
    )


@pytest.fixture
def inboxes(officer, outsider):
    mine = [_note(officer.user, "第一条"), _note(officer.user, "第二条", read=True)]
    theirs = _note(outsider.user, "别人的")
    return mine, theirs


# --- API ----------------------------------------------------------------------------------------------


def test_the_api_lists_only_my_notifications_and_filters_unread(officer, inboxes, django_assert_num_queries):
    client = api_client_for(officer.user)
    # Queries: COUNT, the page of notifications.
    with django_assert_num_queries(2):
        body = client.get("/api/v1/notifications/").json()
    assert [row["title"] for row in body["results"]] == ["第二条", "第一条"]
    unread = client.get("/api/v1/notifications/", {"unread": "true"}).json()
    assert [row["title"] for row in unread["results"]] == ["第一条"]
    assert unread["results"][0]["is_read"] is False


def test_the_api_marks_one_and_all_read(officer, inboxes):
    (first, _second), theirs = inboxes
    client = api_client_for(officer.user)
    response = client.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    _note(officer.user, "第三条")
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None  # another person's inbox is untouched


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_api_answers_404_for_another_persons_notification(officer, inboxes, method):
    _mine, theirs = inboxes
    client = api_client_for(officer.user)
    url = f"/api/v1/notifications/{theirs.pk}/" + ("read/" if method == "post" else "")
    response = getattr(client, method)(url)
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- Portal -----------------------------------------------------------------------------------------


def test_the_inbox_page_shows_mine_only(officer, inboxes):
    response = _client(officer.user).get("/notifications/")
    assert [n.title for n in response.context["page"]] == ["第二条", "第一条"]
    assert "别人的" not in response.content.decode()


def test_the_inbox_marks_read_and_opens_the_link(officer, inboxes):
    (first, _second), theirs = inboxes
    client = _client(officer.user)
    response = client.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert response["Location"] == "/family/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404


def test_the_inbox_does_not_redirect_to_another_site(officer, inboxes):
    (first, _second), _theirs = inboxes
    response = _client(officer.user).post(
        f"/notifications/{first.pk}/read/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/notifications/"


def test_the_badge_counts_unread_and_does_not_keep_the_session_alive(officer, inboxes):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(officer.user)
        assert client.get("/").status_code == 200
        badge = client.get("/notifications/badge/", HTTP_HX_REQUEST="true")
        assert ">1<" in badge.content.decode()
        for _minute in range(31):  # the page polls every minute while the officer is away
            traveller.shift(dt.timedelta(minutes=1))
            client.get("/notifications/badge/", HTTP_HX_REQUEST="true")
        response = client.get("/notifications/badge/", HTTP_HX_REQUEST="true")
        assert response.status_code == 204
        assert response["HX-Redirect"] == "/login/"
        assert client.get("/family/").status_code == 302


def test_the_settings_page_saves_channels_and_quiet_hours(officer):
    client = _client(officer.user)
    page = client.get("/notifications/settings/")
    assert {row["kind"].code for row in page.context["rows"]} >= {
        "birthday",
        "service_anniversary",
        "broadcast",
    }
    client.post(
        "/notifications/settings/",
        {"quiet_start": "23:00", "quiet_end": "06:30", "sms_birthday": "on", "email_broadcast": "on"},
    )
    prefs = {p.kind: (p.email, p.sms) for p in ChannelPreference.objects.filter(user=officer.user)}
    assert prefs["birthday"] == (False, True)
    assert prefs["broadcast"] == (True, False)
    quiet = NotificationSettings.objects.get(user=officer.user)
    assert (quiet.quiet_start, quiet.quiet_end) == (dt.time(23), dt.time(6, 30))


# --- Broadcasts ------------------------------------------------------------------------------------


@pytest.fixture
def welfare(city):
    user = UserFactory(username="welfare")
    RoleAssignmentFactory(user=user, role="welfare_office", org_unit=city)
    return user


def test_a_broadcast_is_confirmed_then_sent_in_batches_once(
    welfare, county, station, officer, unit_admin, settings
):
    settings.BROADCAST_BATCH = 2
    OfficerFactory.create_batch(3, org_unit=station)
    OfficerFactory(org_unit=station, inactive=True)
    client = _client(welfare)
    data = {"org_unit": county.pk, "title": "周末亲子活动", "body": "本周六上午九点，欢迎带孩子参加。"}
    confirm = client.post("/notifications/broadcasts/new/", data)
    assert (
        confirm.context["recipients"] == 5
    )  # the unit admin, the owner and three more; not the inactive one
    token = str(confirm.context["request_token"])
    with pytest.MonkeyPatch.context() as patch:
        started: list[int] = []
        patch.setattr("notifications.tasks.run_broadcast.apply_async", lambda args: started.append(args[0]))
        with django_capture_on_commit() as callbacks:
            first = client.post(
                "/notifications/broadcasts/new/", {**data, "confirm": "yes", "request_token": token}
            )
            again = client.post(
                "/notifications/broadcasts/new/", {**data, "confirm": "yes", "request_token": token}
            )
        for callback in callbacks:
            callback()
    broadcast = Broadcast.objects.get()
    assert first["Location"] == again["Location"] == f"/notifications/broadcasts/{broadcast.pk}/"
    assert started == [broadcast.pk, broadcast.pk]  # enqueued twice is harmless: scheduling is idempotent
    from notifications.tasks import run_broadcast

    assert run_broadcast(broadcast.pk) == 3  # batches of 2, 2, 1
    assert run_broadcast(broadcast.pk) == 1
    broadcast.refresh_from_db()
    assert (broadcast.state, broadcast.total, broadcast.scheduled) == ("done", 5, 5)
    assert Reminder.objects.filter(subject=broadcast.subject).count() == 5
    progress = client.get(f"/notifications/broadcasts/{broadcast.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress.context["progress"] == {
        "total": 5,
        "scheduled": 5,
        "delivered": 0,
        "failed": 0,
        "cancelled": 0,
        "waiting": 5,
        "finished": False,
        "percent": 0,
    }
    assert 'hx-trigger="every 2s"' in progress.content.decode()  # still polling


def django_capture_on_commit():
    """Collect on_commit callbacks inside the test transaction (pytest-django's fixture, as a context)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks()


def test_only_the_welfare_office_sends_broadcasts(officer, unit_admin, county):
    for user in (officer.user, unit_admin.user):
        assert _client(user).get("/notifications/broadcasts/new/").status_code == 403


def test_a_broadcast_outside_the_scope_answers_404(welfare, county, other_county):
    other = UserFactory()
    RoleAssignmentFactory(user=other, role="welfare_office", org_unit=other_county)
    broadcast = services.broadcast_create(
        sender=welfare, org_unit=county, title="t", body="b", request_token=uuid.uuid4()
    )
    assert _client(welfare).get(f"/notifications/broadcasts/{broadcast.pk}/").status_code == 200
    assert _client(other).get(f"/notifications/broadcasts/{broadcast.pk}/").status_code == 404


def test_a_broadcast_needs_a_title_and_text(welfare, county):
    with pytest.raises(services.NotificationError):
        services.broadcast_create(
            sender=welfare, org_unit=county, title=" ", body="b", request_token=uuid.uuid4()
        )
    assert Broadcast.objects.count() == 0


# --- Operations --------------------------------------------------------------------------------------


def test_the_admin_lists_reminders_by_state_with_counts_and_retries_failed_ones(city, officer):
    admin = UserFactory(username="sys")
    from people import services as people_services

    people_services.role_assign(user=admin, role="sysadmin", org_unit=city, actor=None)
    now = timezone.now()
    failed = services.reminder_schedule(recipient=officer.user, kind="birthday", due_at=now, dedupe_key="f")
    Reminder.objects.filter(pk=failed.pk).update(state="failed", last_error="sms: gateway answered 503")
    services.reminder_schedule(recipient=officer.user, kind="birthday", due_at=now, dedupe_key="s")
    client = _client(admin)
    page = client.get("/admin/notifications/reminder/")
    counts = {state: n for state, _label, n in page.context["state_counts"]}
    assert (counts["failed"], counts["scheduled"], counts["sent"]) == (1, 1, 0)
    assert "gateway answered 503" in page.content.decode()
    client.post("/admin/notifications/reminder/", {"action": "retry", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.state == "scheduled"
