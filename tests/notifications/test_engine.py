"""The reminder engine in-process: dedupe, rollback, claims, channels, quiet hours, retries, expiry."""

from __future__ import annotations

import datetime as dt
import http.server
import threading

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from notifications import services, sms
from notifications.models import Delivery, Notification, NotificationSettings, Reminder
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(hour: int, minute: int = 0, day: int = 2) -> dt.datetime:
    """A moment on 2026-12-<day> in Beijing time."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def person(station):
    officer = OfficerFactory(
        org_unit=station, name="陈志远", mobile="13800001111", user__email="chen@gaj.local"
    )
    return officer.user


@pytest.fixture(autouse=True)
def _sms_to_a_file(settings, tmp_path):
    settings.SMS_BACKEND = "notifications.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def sms_sent(settings) -> list[str]:
    path = settings.SMS_FILE_PATH
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def schedule(user, key="k1", due=None, kind="birthday", **extra):
    return services.reminder_schedule(
        recipient=user, kind=kind, due_at=due or at(9), dedupe_key=key, payload={"name": "陈志远"}, **extra
    )


def sweep(now):
    """What the beat job and a worker do, in-process: reclaim, claim, deliver."""
    services.reminders_reclaim_stale(now=now)
    states = []
    while True:
        token, ids = services.reminders_claim_due(now=now)
        if not ids:
            return states
        states += [services.reminder_deliver(reminder_id=i, claim_token=token, now=now) for i in ids]


# --- Scheduling -------------------------------------------------------------------------------------


def test_it_schedules_the_same_dedupe_key_once(person):
    first = schedule(person)
    second = schedule(person, due=at(10))
    assert first.pk == second.pk
    assert Reminder.objects.count() == 1
    assert second.due_at == at(9)


def test_a_rolled_back_transaction_schedules_and_sends_nothing(person):
    with pytest.raises(RuntimeError), transaction.atomic():
        schedule(person)
        raise RuntimeError("the sign-up failed")
    assert Reminder.objects.count() == 0
    assert sweep(at(9, 5)) == []
    assert Notification.objects.count() == 0


def test_it_refuses_an_unknown_kind(person):
    with pytest.raises(services.NotificationError):
        schedule(person, kind="no-such-kind")


def test_it_schedules_many_and_counts_only_the_new_ones(person):
    spec = services.ReminderSpec(person.pk, "birthday", at(9), "bulk:1", {"name": "x"})
    assert services.reminders_schedule_many(specs=[spec]) == 1
    assert services.reminders_schedule_many(specs=[spec]) == 0


# --- Claiming and delivering ------------------------------------------------------------------------


def test_it_delivers_in_app_once_and_a_second_run_sends_nothing(person, settings):
    reminder = schedule(person)
    token, ids = services.reminders_claim_due(now=at(9, 1))
    assert ids == [reminder.pk]
    assert services.reminder_deliver(reminder_id=reminder.pk, claim_token=token, now=at(9, 1)) == "sent"
    assert services.reminder_deliver(reminder_id=reminder.pk, claim_token=token, now=at(9, 1)) == "not-mine"
    notification = Notification.objects.get()
    assert (notification.recipient, notification.kind, notification.reminder) == (
        person,
        "birthday",
        reminder,
    )
    assert "陈志远" in notification.title
    assert list(Delivery.objects.values_list("channel", "state")) == [("in_app", "sent")]
    assert mail.outbox == [] and sms_sent(settings) == []  # e-mail and SMS are off by default for greetings


def test_it_does_not_claim_what_is_not_due_yet(person):
    schedule(person, due=at(9))
    assert services.reminders_claim_due(now=at(8, 59))[1] == []


def test_two_claims_never_share_a_reminder(person):
    for n in range(7):
        schedule(person, key=f"k{n}")
    _t1, first = services.reminders_claim_due(now=at(10), batch_size=4)
    _t2, second = services.reminders_claim_due(now=at(10), batch_size=4)
    assert len(first) == 4 and len(second) == 3
    assert not set(first) & set(second)


def test_a_claim_abandoned_by_a_dead_worker_is_delivered_once_after_the_lease(person, settings):
    reminder = schedule(person)
    dead_token, _ids = services.reminders_claim_due(now=at(9, 1))  # the worker dies here
    assert sweep(at(9, 2)) == []  # still leased to the dead worker
    later = at(9, 1) + dt.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS + 1)
    assert sweep(later) == ["sent"]
    # The dead worker's task, redelivered by the broker, finds the claim gone.
    assert services.reminder_deliver(reminder_id=reminder.pk, claim_token=dead_token, now=later) == "not-mine"
    assert Notification.objects.filter(reminder=reminder).count() == 1


def test_it_uses_the_channels_the_person_chose(person, settings):
    services.preference_set(user=person, kind="birthday", email=True, sms=True)
    services.quiet_hours_set(user=person, start=dt.time(22), end=dt.time(7))
    schedule(person)
    assert sweep(at(9)) == ["sent"]
    assert [m.to for m in mail.outbox] == [["chen@gaj.local"]]
    assert len(sms_sent(settings)) == 1
    assert "13800001111" in sms_sent(settings)[0]
    assert set(Delivery.objects.values_list("channel", "state")) == {
        ("in_app", "sent"),
        ("email", "sent"),
        ("sms", "sent"),
    }


def test_it_skips_a_channel_without_an_address(person, settings):
    person.email = ""
    person.save()
    services.preference_set(user=person, kind="birthday", email=True, sms=False)
    schedule(person)
    assert sweep(at(9)) == ["sent"]
    assert Delivery.objects.get(channel="email").state == "skipped"


def test_sms_waits_for_the_end_of_quiet_hours(person, settings):
    services.preference_set(user=person, kind="birthday", email=False, sms=True)
    reminder = schedule(person, due=at(23, 30))
    assert sweep(at(23, 31)) == ["scheduled"]  # in-app now, SMS in the morning
    assert Notification.objects.count() == 1
    assert sms_sent(settings) == []
    reminder.refresh_from_db()
    assert reminder.next_attempt_at == at(7, 0, day=3)
    assert sweep(at(6, 59, day=3)) == []
    assert sweep(at(7, 0, day=3)) == ["sent"]
    assert len(sms_sent(settings)) == 1
    assert Notification.objects.count() == 1  # in-app was not sent again


def test_equal_quiet_hours_mean_none(person, settings):
    NotificationSettings.objects.create(user=person, quiet_start=dt.time(0), quiet_end=dt.time(0))
    services.preference_set(user=person, kind="birthday", email=False, sms=True)
    schedule(person, due=at(3))
    assert sweep(at(3)) == ["sent"]
    assert len(sms_sent(settings)) == 1


class FlakyGateway(sms.BaseBackend):
    failures_left = 0

    def send(self, *, mobile, text):
        if FlakyGateway.failures_left > 0:
            FlakyGateway.failures_left -= 1
            raise sms.SmsError("gateway answered 503")


def test_a_failing_channel_retries_with_back_off_then_gives_up_visibly_and_can_be_retried(person, settings):
    settings.SMS_BACKEND = "tests.notifications.test_engine.FlakyGateway"
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    FlakyGateway.failures_left = 10
    services.preference_set(user=person, kind="birthday", email=False, sms=True)
    reminder = schedule(person)
    assert sweep(at(9)) == ["scheduled"]
    delivery = Delivery.objects.get(channel="sms")
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("waiting", 1, at(9, 1))
    assert sweep(at(9, 1)) == ["scheduled"]
    assert Delivery.objects.get(channel="sms").next_attempt_at == at(9, 3)  # 60 s, then 120 s
    assert sweep(at(9, 3)) == ["failed"]
    reminder.refresh_from_db()
    assert reminder.state == "failed"
    assert "503" in reminder.last_error
    assert Notification.objects.count() == 1  # in-app went through the first time

    FlakyGateway.failures_left = 0
    with time_machine.travel(at(9, 10), tick=False):
        services.reminder_retry(reminder=reminder, actor=None)
        assert AuditEntry.objects.filter(action="reminder_retried").count() == 1
        assert sweep(timezone.now()) == ["sent"]
    assert Delivery.objects.get(channel="sms").state == "sent"
    assert Notification.objects.count() == 1


def test_a_reminder_past_its_kinds_expiry_is_expired_not_sent(person):
    reminder = schedule(person, due=at(9, day=1))
    assert sweep(at(9, day=2)) == ["expired"]  # birthday greetings keep 14 hours
    reminder.refresh_from_db()
    assert reminder.state == "expired"
    assert Notification.objects.count() == 0


def test_cancelling_the_subject_cancels_its_reminders(person):
    schedule(person, key="a", subject="activities.signup:42")
    schedule(person, key="b", subject="activities.signup:43")
    assert services.reminders_cancel(subject="activities.signup:42") == 1
    assert sweep(at(9)) == ["sent"]
    assert Reminder.objects.get(dedupe_key="a").state == "cancelled"


def test_a_reminder_cancelled_after_its_claim_is_not_sent(person):
    reminder = schedule(person, subject="activities.signup:42")
    token, _ids = services.reminders_claim_due(now=at(9))
    services.reminders_cancel(subject="activities.signup:42")
    assert services.reminder_deliver(reminder_id=reminder.pk, claim_token=token, now=at(9)) == "not-mine"
    assert Notification.objects.count() == 0


def test_a_reminder_for_a_deactivated_account_is_cancelled(person):
    schedule(person)
    person.is_active = False
    person.save()
    assert sweep(at(9)) == ["cancelled"]
    assert Notification.objects.count() == 0


# --- Rules ---------------------------------------------------------------------------------------------


def test_it_greets_birthdays_and_service_anniversaries_once_a_day(station, settings):
    settings.GREETING_HOUR = 9
    born_today = OfficerFactory(
        org_unit=station, birth_date=dt.date(1990, 12, 2), joined_police_on=dt.date(2012, 3, 1)
    )
    joined_today = OfficerFactory(
        org_unit=station, birth_date=dt.date(1980, 1, 5), joined_police_on=dt.date(2006, 12, 2)
    )
    OfficerFactory(org_unit=station, birth_date=dt.date(1990, 12, 3), joined_police_on=dt.date(2012, 12, 3))
    OfficerFactory(org_unit=station, birth_date=dt.date(1991, 12, 2), inactive=True)
    day = dt.date(2026, 12, 2)
    assert services.greetings_schedule_for_day(day=day) == 2
    assert services.greetings_schedule_for_day(day=day) == 0  # beat may run twice
    birthday = Reminder.objects.get(kind="birthday")
    assert (birthday.recipient, birthday.due_at) == (born_today.user, at(9))
    anniversary = Reminder.objects.get(kind="service_anniversary")
    assert (anniversary.recipient, anniversary.payload["years"]) == (joined_today.user, 20)


def test_a_29_february_birthday_is_greeted_on_28_february_in_other_years(station):
    leapling = OfficerFactory(org_unit=station, birth_date=dt.date(1988, 2, 29))
    assert services.greetings_schedule_for_day(day=dt.date(2027, 2, 28)) == 1
    assert Reminder.objects.get().recipient == leapling.user
    assert services.greetings_schedule_for_day(day=dt.date(2028, 2, 28)) == 0  # 2028 has its own 29th


# --- The HTTP gateway, against a real local server ------------------------------------------------------


@pytest.fixture
def gateway():
    received: list[dict] = []
    status = {"code": 200}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            import json

            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"auth": self.headers["Authorization"], **json.loads(body)})
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received, status
    server.shutdown()


def test_the_http_gateway_posts_json_with_the_key_and_reports_failures(settings, gateway):
    url, received, status = gateway
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY = url, "secret-key"
    backend = sms.HttpGatewayBackend()
    backend.send(mobile="13800001111", text="【幸福警营】测试")
    assert received == [{"auth": "Bearer secret-key", "mobile": "13800001111", "text": "【幸福警营】测试"}]
    status["code"] = 500
    with pytest.raises(sms.SmsError, match="500"):
        backend.send(mobile="13800001111", text="x")
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/nothing-listens-here"
    with pytest.raises(sms.SmsError, match="unreachable"):
        backend.send(mobile="13800001111", text="x")


def test_a_batch_settles_each_reminder_on_its_own(person, station, settings):
    other = OfficerFactory(org_unit=station).user
    services.preference_set(user=person, kind="birthday", email=False, sms=True)
    waiting = schedule(person, key="sms-at-night", due=at(23, 30))
    expired = schedule(other, key="old", due=at(9, day=1))
    plain = schedule(other, key="plain", due=at(23, 0))
    gone = schedule(
        OfficerFactory(org_unit=station, inactive=True, user__is_active=False).user, key="gone", due=at(23)
    )
    token, ids = services.reminders_claim_due(now=at(23, 31))
    outcome = services.reminders_deliver(reminder_ids=[*ids, 999_999], claim_token=token, now=at(23, 31))
    assert outcome == {
        waiting.pk: "scheduled",
        expired.pk: "expired",
        plain.pk: "sent",
        gone.pk: "cancelled",
        999_999: "not-mine",
    }
    assert Notification.objects.filter(reminder__in=[waiting, plain]).count() == 2


@pytest.mark.parametrize("size", [5, 40])
def test_a_batch_costs_the_same_queries_whatever_its_size(station, size, django_assert_num_queries):
    users = [OfficerFactory(org_unit=station).user for _ in range(size)]
    for n, user in enumerate(users):
        schedule(user, key=f"b{n}", kind="broadcast")
    token, ids = services.reminders_claim_due(now=at(9))
    # Take: lock the batch, started deliveries, preferences, insert deliveries.
    # In-app: lock the batch again, lock deliveries, insert inbox rows, mark sent. Outside channels: one
    # query finds none. Settle: lock, deliveries, mark sent. A savepoint and release around each of three.
    with django_assert_num_queries(18):
        services.reminders_deliver(reminder_ids=ids, claim_token=token, now=at(9))
    assert Notification.objects.count() == size
