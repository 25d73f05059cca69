"""The reminder engine with real workers on a real broker (PostgreSQL and Redis in CI)."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import threading
import time

import pytest
from celery import Celery
from django.utils import timezone

from notifications import services
from notifications.models import ChannelPreference, Delivery, Notification, NotificationSettings, Reminder
from tests.factories import OfficerFactory
from welfare.queue import BrokerUnavailable, enqueue


def _wait_for(predicate, timeout: float = 180.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def _recipients(station, count: int):
    users = []
    for n in range(count):
        officer = OfficerFactory(org_unit=station, mobile=f"139{n:08d}", user__email=f"p{n}@gaj.local")
        NotificationSettings.objects.create(user=officer.user, quiet_start=dt.time(0), quiet_end=dt.time(0))
        ChannelPreference.objects.create(user=officer.user, kind="broadcast", email=True, sms=True)
        users.append(officer.user)
    return users


@pytest.mark.postgres
@pytest.mark.broker
def test_1000_reminders_swept_twice_by_two_workers_arrive_once_per_channel(
    celery_worker_process, station, tmp_path
):
    from notifications.tasks import sweep_due_reminders

    users = _recipients(station, 100)
    due = timezone.now() - dt.timedelta(minutes=1)
    services.reminders_schedule_many(
        specs=[
            services.ReminderSpec(
                user.pk, "broadcast", due, f"load:{user.pk}:{n}", {"title": f"第{n}条", "body": "b"}
            )
            for user in users
            for n in range(10)
        ]
    )
    sms_log = tmp_path / "sms.log"
    env = {
        "SMS_FILE_PATH": str(sms_log),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "REMINDER_SWEEP_BATCH": "100",
        "REMINDER_DELIVERY_CHUNK": "25",
    }
    workers = [celery_worker_process(["reminders"], env=env) for _ in range(2)]
    # The sweep, triggered twice at once: two workers claim in parallel.
    sweep_due_reminders.apply_async()
    sweep_due_reminders.apply_async()
    logs = "".join(line for worker in workers for line in worker.log[-30:])
    assert _wait_for(lambda: Reminder.objects.filter(state="sent").count() == 1000), logs
    assert Notification.objects.count() == 1000
    assert Notification.objects.values("reminder").distinct().count() == 1000
    sent = Delivery.objects.filter(state="sent")
    assert {channel: sent.filter(channel=channel).count() for channel in ("in_app", "email", "sms")} == {
        "in_app": 1000,
        "email": 1000,
        "sms": 1000,
    }
    lines = sms_log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1000
    # Sweeping again finds nothing left to do.
    assert services.reminders_claim_due()[1] == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A Redis of the test's own, on its own port, so the test can stop and start the broker."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert _wait_for(self._answers, timeout=20), "redis-server did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis():
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server to run a broker of the test's own")
    redis = OwnRedis()
    yield redis
    redis.stop()


def _sweep_via(url: str):
    """The sweep task as published through another broker (same name and routing as the real one)."""
    app = Celery("welfare-outage-test", set_as_current=False)  # shared tasks keep using the real app
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}

    @app.task(name="notifications.sweep_due_reminders")
    def sweep():  # pragma: no cover - runs in the worker, as the real task
        raise AssertionError("only published from here")

    return sweep


@pytest.mark.broker
def test_with_the_broker_down_scheduling_commits_and_delivery_follows_when_it_is_back(
    celery_worker_process, station, own_redis, monkeypatch
):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery prefers it to the app's own setting
    sweep = _sweep_via(own_redis.url)
    person = _recipients(station, 1)[0]

    # The broker is down: the reminder is still recorded, and sending the sweep fails fast and clearly.
    reminder = services.reminder_schedule(
        recipient=person, kind="broadcast", due_at=timezone.now(), dedupe_key="outage", payload={"title": "t"}
    )
    outcome: list[BaseException | None] = []
    attempt = threading.Thread(target=lambda: _try(outcome, lambda: enqueue(sweep)), daemon=True)
    attempt.start()
    attempt.join(timeout=60)
    assert not attempt.is_alive(), "enqueueing hung with the broker down"
    assert isinstance(outcome[0], BrokerUnavailable)
    assert "not reachable" in str(outcome[0])
    assert Reminder.objects.filter(pk=reminder.pk, state="scheduled").exists()

    # The broker comes back, a worker starts, the next sweep delivers.
    own_redis.start()
    celery_worker_process(["reminders"], env={"CELERY_BROKER_URL": own_redis.url})
    enqueue(sweep)
    assert _wait_for(lambda: Reminder.objects.filter(pk=reminder.pk, state="sent").exists(), timeout=60)
    assert Notification.objects.filter(reminder=reminder).count() == 1


def _try(outcome: list, call) -> None:
    try:
        call()
        outcome.append(None)
    except BaseException as exc:
        outcome.append(exc)
