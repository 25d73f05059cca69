"""A task goes through the real broker to a real worker process and changes the database."""

from __future__ import annotations

import time
import uuid

import pytest

from people.models import WorkerHeartbeat
from people.tasks import record_worker_heartbeat


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    return None


@pytest.mark.broker
def test_a_real_worker_runs_a_task_sent_through_the_broker(celery_worker_process):
    # A queue of its own, so no other worker on this broker (a developer's `make run`) takes the task.
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = celery_worker_process([queue])
    record_worker_heartbeat.apply_async(args=[queue], queue=queue)
    heartbeat = _wait_for(lambda: WorkerHeartbeat.objects.filter(queue=queue).first())
    assert heartbeat is not None, "".join(worker.log[-40:])
    assert heartbeat.hostname == worker.name
    # Sent twice, it stays one row per queue (the task is safe to run again).
    record_worker_heartbeat.apply_async(args=[queue], queue=queue)
    later = _wait_for(
        lambda: WorkerHeartbeat.objects.filter(queue=queue, seen_at__gt=heartbeat.seen_at).first()
    )
    assert later is not None
    assert WorkerHeartbeat.objects.filter(queue=queue).count() == 1


def test_beat_sends_a_heartbeat_to_every_queue(settings):
    scheduled = {
        entry["args"][0]: entry["options"]["queue"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "people.record_worker_heartbeat"
    }
    assert scheduled == {queue: queue for queue in settings.WORKER_QUEUES}


def test_beat_sweeps_reminders_and_schedules_greetings(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"notifications.sweep_due_reminders", "notifications.schedule_daily_greetings"} <= tasks
    assert settings.CELERY_TASK_ROUTES["notifications.*"] == {"queue": "reminders"}


def test_every_task_beat_sends_is_registered(settings):
    from welfare.celery import app

    app.loader.import_default_modules()
    missing = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} - set(app.tasks)
    assert not missing, f"beat would send tasks no worker knows: {sorted(missing)}"
