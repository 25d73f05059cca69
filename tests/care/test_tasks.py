"""The hourly care task, on a real worker over the real broker, and its beat entry."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from care.models import CareRequest, Status
from notifications.models import Reminder
from tests.care.conftest import submit
from welfare.celery import app


def test_the_task_is_on_the_beat_schedule_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["care-escalate-overdue"]
    assert entry["task"] == "care.escalate_overdue"
    assert (entry["schedule"].minute, entry["schedule"].hour) == ({20}, set(range(24)))
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


@pytest.mark.broker
def test_a_real_worker_escalates_an_overdue_request_and_closes_an_unrated_one(
    celery_worker_process, officer, welfare, resolved
):
    overdue = submit(officer, title="孩子入学")
    past = timezone.now() - dt.timedelta(hours=1)
    CareRequest.objects.filter(pk=overdue.pk).update(due_at=past)
    CareRequest.objects.filter(pk=resolved.pk).update(resolved_at=timezone.now() - dt.timedelta(days=30))
    worker = celery_worker_process(["default"])
    app.send_task("care.escalate_overdue", queue="default")
    app.send_task("care.escalate_overdue", queue="default")  # beat may send twice: the second does nothing
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        CareRequest.objects.get(pk=resolved.pk).status != Status.CLOSED
        or not Reminder.objects.filter(kind="care_request_overdue").exists()
    ):
        time.sleep(0.3)
    time.sleep(1)  # let the second delivery run too
    assert CareRequest.objects.get(pk=resolved.pk).status == Status.CLOSED, "".join(worker.log[-40:])
    assert CareRequest.objects.get(pk=overdue.pk).escalation == 1
    assert list(Reminder.objects.filter(kind="care_request_overdue").values_list("recipient", flat=True)) == [
        welfare.pk
    ]
