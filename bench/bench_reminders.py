"""Delivering 10,000 due reminders (in-app) through a real Celery worker, against a bulk insert floor.

Subject: 10,000 reminders are scheduled (not timed), a worker (prefork, one process per core)
is started on the ``reminders`` queue, one sweep is sent through the broker, and the clock runs
until every reminder is ``sent``: claims, per-channel delivery rows, inbox rows, state changes.

Floor: the same 10,000 inbox rows written by one ``Notification.objects.bulk_create`` in this
process — what the database costs for the rows alone, with none of the engine's guarantees.

Broker: BENCH_BROKER_URL, default Redis at redis://127.0.0.1:6379/15; when that is not reachable,
kombu's filesystem transport in a temporary folder (the embedded default).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import tempfile
import time
from urllib.parse import urlparse

from bench import harness

COUNT = 10_000
FLOOR_REPEATS = 3
TIMEOUT_SECONDS = 600
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"


def _broker_url() -> tuple[str, dict[str, str]]:
    url = os.environ.get("BENCH_BROKER_URL") or DEFAULT_BROKER
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2):
            return url, {}
    except OSError:
        folder = tempfile.mkdtemp(prefix="bench-celery-")
        print(f"  {url} is not reachable: using the filesystem transport in {folder}", flush=True)
        return "filesystem://", {"CELERY_FILESYSTEM_ROOT": folder}


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def _clear(prefix: str) -> None:
    from notifications.models import Notification, Reminder

    Notification.objects.filter(kind="bench").delete()
    Reminder.objects.filter(dedupe_key__startswith=prefix).delete()


def _floor(users: list[int]) -> list[float]:
    """Rows per second of one bulk_create of COUNT inbox rows, a few times."""
    from notifications.models import Notification

    rates = []
    for _ in range(FLOOR_REPEATS):
        rows = [
            Notification(recipient_id=users[n % len(users)], kind="bench", title=f"第{n}条", body="b")
            for n in range(COUNT)
        ]
        started = time.perf_counter()
        Notification.objects.bulk_create(rows)
        rates.append(COUNT / (time.perf_counter() - started))
        Notification.objects.filter(kind="bench").delete()
    return rates


def _schedule(users: list[int], prefix: str) -> None:
    from django.utils import timezone

    from notifications import services

    due = timezone.now()
    services.reminders_schedule_many(
        specs=[
            services.ReminderSpec(
                users[n % len(users)], "broadcast", due, f"{prefix}{n}", {"title": f"第{n}条", "body": "b"}
            )
            for n in range(COUNT)
        ]
    )


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    worker = subprocess.Popen(
        [
            harness.PYTHON,
            "-m",
            "celery",
            "-A",
            "welfare",
            "worker",
            "--queues",
            "reminders",
            "--concurrency",
            str(os.cpu_count() or 2),
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
            "--hostname",
            "bench@%h",
        ],
        cwd=harness.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(0.5)
    if worker.poll() is not None:
        raise harness.BenchError(
            "the Celery worker did not start:\n" + (worker.stdout.read() if worker.stdout else "")
        )
    return worker


def main() -> None:
    print(
        f"== Delivering {COUNT:,} reminders (in-app) through a worker vs one bulk_create of the rows ==",
        flush=True,
    )
    harness.prepare_database()
    broker, extra = _broker_url()
    env = {
        **harness.server_env(),
        "DJANGO_SETTINGS_MODULE": "welfare.settings",
        "CELERY_BROKER_URL": broker,
        **extra,
    }
    _setup_django(env)

    from notifications.models import Notification, Reminder
    from notifications.tasks import sweep_due_reminders
    from people.models import User

    prefix = "bench:reminders:"
    users = list(User.objects.filter(is_active=True).values_list("id", flat=True))
    _clear(prefix)
    busy_before = harness.cpu_busy()
    floor_rates = _floor(users)

    _schedule(users, prefix)
    reminders = Reminder.objects.filter(dedupe_key__startswith=prefix)
    worker = _start_worker(env)
    try:
        started = time.perf_counter()
        sweep_due_reminders.apply_async()
        while True:
            done = reminders.filter(state="sent").count()
            if done == COUNT:
                break
            if time.perf_counter() - started > TIMEOUT_SECONDS:
                raise harness.BenchError(
                    f"only {done:,} of {COUNT:,} reminders were sent in {TIMEOUT_SECONDS} s"
                )
            if worker.poll() is not None:
                raise harness.BenchError(
                    "the worker stopped:\n" + (worker.stdout.read() if worker.stdout else "")
                )
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    delivered = Notification.objects.filter(reminder__dedupe_key__startswith=prefix).count()
    print(f"  machine: {harness.machine_note(busy_before, harness.cpu_busy())}")
    print(f"  broker: {broker.split('@')[-1]}; worker: prefork × {os.cpu_count() or 2}")
    rate = COUNT / elapsed
    floor = statistics.median(floor_rates)
    print(
        f"  delivered {COUNT:,} reminders in {elapsed:.1f} s = {rate:,.0f} reminders/s "
        f"({delivered:,} inbox rows)"
    )
    print(
        f"  floor: one bulk_create of {COUNT:,} inbox rows = {floor:,.0f} rows/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in floor_rates)})"
    )
    print(
        f"  delivery through the engine = {rate / floor:.3f}× the bulk-insert floor "
        f"({floor / rate:.0f}× slower)"
    )
    _clear(prefix)
