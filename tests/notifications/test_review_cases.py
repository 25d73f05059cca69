"""Cases found in review: poison payloads, cancels mid-batch, silent brokers, late SMS, redirects."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from notifications import services, sms
from notifications.models import Broadcast, Delivery, Notification, Reminder
from tests.conftest import run_at_once
from tests.factories import OfficerFactory, RoleAssignmentFactory, UserFactory
from tests.notifications.test_engine import at, schedule, sms_sent, sweep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channels(settings, tmp_path):
    settings.SMS_BACKEND = "notifications.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def person(station):
    return OfficerFactory(org_unit=station, mobile="13800001111", user__email="chen@gaj.local").user


def test_a_payload_the_kind_cannot_render_is_refused_when_scheduled(person):
    with pytest.raises(services.NotificationError):
        services.reminder_schedule(
            recipient=person,
            kind="service_anniversary",
            due_at=at(9),
            dedupe_key="bad",
            payload={"years": "ten"},
        )
    assert Reminder.objects.count() == 0


def test_one_unrenderable_reminder_fails_alone_and_its_batch_goes_out(person, station):
    good = schedule(person, key="good")
    bad = schedule(OfficerFactory(org_unit=station).user, key="bad", kind="service_anniversary")
    Reminder.objects.filter(pk=bad.pk).update(payload={"years": "ten"})  # corrupted after scheduling
    assert sorted(sweep(at(9))) == ["failed", "sent"]
    bad.refresh_from_db()
    assert bad.state == "failed" and "ValueError" in bad.last_error
    assert Notification.objects.filter(reminder=good).count() == 1


def test_a_reminder_whose_worker_keeps_dying_fails_visibly(person, settings):
    reminder = schedule(person)
    moment = at(9)
    for _ in range(settings.REMINDER_MAX_CLAIMS):
        services.reminders_claim_due(now=moment)  # claimed, then the worker dies
        moment += dt.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
        services.reminders_reclaim_stale(now=moment)
    assert sweep(moment) == ["failed"]
    reminder.refresh_from_db()
    assert "not finished after" in reminder.last_error


def test_a_cancel_while_a_batch_is_running_stops_email_and_sms(person, settings, monkeypatch):
    services.preference_set(user=person, kind="birthday", email=True, sms=True)
    schedule(person, subject="activities.signup:7")
    original = services._send_one

    def cancel_first(**kwargs):
        services.reminders_cancel(subject="activities.signup:7")  # the officer withdraws right now
        return original(**kwargs)

    monkeypatch.setattr(services, "_send_one", cancel_first)
    sweep(at(9))
    from django.core import mail

    assert mail.outbox == []
    assert sms_sent(settings) == []
    assert Reminder.objects.get().state == "cancelled"
    assert set(Delivery.objects.exclude(channel="in_app").values_list("state", flat=True)) == {"skipped"}


def test_an_sms_held_past_the_kinds_expiry_is_not_sent_late(person, settings):
    services.preference_set(user=person, kind="birthday", email=False, sms=True)
    reminder = schedule(person, due=at(21, 30))  # birthday greetings keep 14 hours
    services.quiet_hours_set(user=person, start=dt.time(21), end=dt.time(12))  # quiet until noon
    assert sweep(at(21, 31)) == ["scheduled"]  # in-app now, SMS at noon: too late by then
    assert sweep(at(12, 0, day=3)) == ["sent"]
    assert sms_sent(settings) == []
    assert Delivery.objects.get(channel="sms").last_error == "expired"
    reminder.refresh_from_db()
    assert reminder.state == "sent"  # the in-app greeting did arrive


def test_scheduling_again_after_a_cancel_revives_the_reminder(person):
    schedule(person, key="signup:7", subject="activities.signup:7")
    services.reminders_cancel(subject="activities.signup:7")
    revived = schedule(person, key="signup:7", due=at(10), subject="activities.signup:7")
    assert (revived.state, revived.due_at) == ("scheduled", at(10))
    assert sweep(at(10)) == ["sent"]


def test_quiet_hours_ending_on_seconds_end_that_same_morning(person):
    services.quiet_hours_set(user=person, start=dt.time(22), end=dt.time(7, 0, 30))
    assert services.quiet_until(user=person, now=at(7, 0)) == at(7, 0).replace(second=30)
    assert services.quiet_until(user=person, now=at(23, 59)) == at(7, 0, day=3).replace(second=30)
    assert services.quiet_until(user=person, now=at(12, 0)) is None


def test_a_broker_that_accepts_but_never_answers_fails_fast(settings, monkeypatch):
    from celery import Celery

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery prefers it to the app's own setting
    from welfare.queue import BrokerUnavailable, enqueue

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts connections, never says a word
    port = listener.getsockname()[1]
    app = Celery("silent-broker-test", set_as_current=False)
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    app.conf.broker_transport_options = settings.REDIS_TRANSPORT_OPTIONS  # what a Redis deployment uses
    app.conf.broker_connection_timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    app.conf.task_publish_retry_policy = settings.CELERY_TASK_PUBLISH_RETRY_POLICY

    @app.task(name="notifications.sweep_due_reminders")
    def sweep_task():  # pragma: no cover - never runs
        pass

    outcome: list[BaseException | None] = []

    def attempt():
        try:
            enqueue(sweep_task)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout=60)
    listener.close()
    assert not thread.is_alive(), "enqueueing hung on a silent broker"
    assert isinstance(outcome[0], BrokerUnavailable)


def test_the_http_gateway_refuses_redirects(settings):
    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.end_headers()

        def do_GET(self):
            received.append(self.headers.get("Authorization", ""))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_KEY = "secret-key"
    try:
        with pytest.raises(sms.SmsError, match="302"):
            sms.HttpGatewayBackend().send(mobile="13800001111", text="x")
    finally:
        server.shutdown()
    assert received == []  # the key never went anywhere else


def test_the_admin_never_shows_what_a_reminder_says(city, person):
    from people import services as people_services

    admin = UserFactory(username="sys")
    people_services.role_assign(user=admin, role="sysadmin", org_unit=city, actor=None)
    reminder = services.reminder_schedule(
        recipient=person,
        kind="broadcast",
        due_at=at(9),
        dedupe_key="secret",
        payload={"title": "t", "body": "体检异常随访"},
    )
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/notifications/reminder/{reminder.pk}/change/")
    assert page.status_code == 200
    assert "体检异常随访" not in page.content.decode()


def test_the_badge_is_never_cached_and_varies_by_session(officer):
    client = Client()
    client.force_login(officer.user)
    response = client.get("/notifications/badge/")
    assert "Cookie" in response["Vary"]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_settled_broadcast_stops_polling(city, county, officer):
    welfare = UserFactory()
    RoleAssignmentFactory(user=welfare, role="welfare_office", org_unit=city)
    broadcast = services.broadcast_create(
        sender=welfare, org_unit=county, title="t", body="b", request_token=uuid.uuid4()
    )
    while not services.broadcast_schedule_batch(broadcast_id=broadcast.pk):
        pass
    sweep(timezone.now() + dt.timedelta(days=4))  # too late for all of them: every reminder expires
    client = Client()
    client.force_login(welfare)
    fragment = client.get(f"/notifications/broadcasts/{broadcast.pk}/progress/")
    progress = fragment.context["progress"]
    assert progress["finished"] is True
    assert "hx-trigger" not in fragment.content.decode()


def test_the_sender_cancels_the_rest_of_a_broadcast(city, county, officer, unit_admin):
    welfare = UserFactory()
    RoleAssignmentFactory(user=welfare, role="welfare_office", org_unit=city)
    broadcast = services.broadcast_create(
        sender=welfare, org_unit=county, title="t", body="b", request_token=uuid.uuid4()
    )
    services.broadcast_schedule_batch(broadcast_id=broadcast.pk)
    client = Client()
    client.force_login(welfare)
    assert client.post(f"/notifications/broadcasts/{broadcast.pk}/cancel/").status_code == 302
    assert set(Reminder.objects.filter(subject=broadcast.subject).values_list("state", flat=True)) == {
        "cancelled"
    }
    broadcast.refresh_from_db()
    assert broadcast.state == "cancelled"
    outsider = UserFactory()
    assert Client().post(f"/notifications/broadcasts/{broadcast.pk}/cancel/").status_code == 302  # to log-in
    other = Client()
    other.force_login(outsider)
    assert other.post(f"/notifications/broadcasts/{broadcast.pk}/cancel/").status_code == 404


def test_the_broadcast_list_and_inbox_pages_have_query_budgets(
    city, county, officer, django_assert_num_queries
):
    welfare = OfficerFactory(org_unit=county).user
    RoleAssignmentFactory(user=welfare, role="welfare_office", org_unit=city)
    for _ in range(5):
        services.broadcast_create(
            sender=welfare, org_unit=county, title="t", body="b", request_token=uuid.uuid4()
        )
        Notification.objects.create(recipient=welfare, kind="broadcast", title="t")
    client = Client()
    client.force_login(welfare)
    client.get("/")
    # Session, user, role assignments, own officer (navigation), broadcasts with units and senders'
    # officers, session save (savepoint, UPDATE, release).
    with django_assert_num_queries(8):
        client.get("/notifications/broadcasts/")
    # Session, user, role assignments, own officer (navigation), COUNT, the page, session save (3).
    with django_assert_num_queries(9):
        client.get("/notifications/")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_send_now_makes_one_broadcast(city, county):
    welfare = UserFactory()
    token = uuid.uuid4()

    def send():
        return services.broadcast_create(
            sender=welfare, org_unit=county, title="t", body="b", request_token=token
        ).pk

    results = run_at_once(send, send)
    assert Broadcast.objects.count() == 1
    assert len(set(results)) == 1, results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_share_a_reminder(station):
    """Four sweeps claim at the same moment on PostgreSQL: every due reminder is claimed exactly once."""
    users = [OfficerFactory(org_unit=station).user for _ in range(10)]
    for n in range(200):
        schedule(users[n % 10], key=f"race{n}")

    def claim() -> list[int]:
        mine: list[int] = []
        while True:
            _token, ids = services.reminders_claim_due(now=at(9), batch_size=25)
            if not ids:
                return mine
            mine += ids

    claimed = run_at_once(claim, claim, claim, claim)
    everything = [pk for batch in claimed for pk in batch]
    assert len(everything) == len(set(everything)) == 200
