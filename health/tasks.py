"""Celery tasks of the health app: thin wrappers taking ids, safe to run twice.

``health.import_batch`` matches the route ``*.import_*`` (CELERY_TASK_ROUTES), so it runs on the
``imports`` queue, away from reminders and reports.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

from health import followups, services

# A 20 MB file (IMPORT_MAX_BYTES) holds some 200,000 checkup rows; at several hundred rows a second that
# is minutes, not hours. The soft limit lets the import mark its batch failed (the committed chunks stay);
# the hard limit must stay below services.IMPORT_LEASE, after which the batch may be claimed again.
IMPORT_SOFT_TIME_LIMIT = 25 * 60
IMPORT_TIME_LIMIT = 30 * 60


@shared_task(
    name="health.import_batch",
    acks_late=True,  # a worker lost mid-import leaves the message to be delivered again
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),  # the database went away: the claim takes the failed batch again
    retry_backoff=True,
    max_retries=3,
    time_limit=IMPORT_TIME_LIMIT,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT,
)
def import_batch(batch_id: int) -> dict[str, Any] | None:
    """Import an uploaded batch; a batch already claimed by another worker, or done, is left alone."""
    summary = services.import_batch_run(batch_id=batch_id)
    return None if summary is None else summary.as_dict() | {"batch": batch_id, "errors": len(summary.errors)}


@shared_task(name="health.remind_overdue_checkups", acks_late=True, time_limit=600, soft_time_limit=540)
def remind_overdue_checkups() -> int:
    """Beat, daily: officers with no checkup in the last 12 months hear about it (once per lapse and year)."""
    return followups.checkup_overdue_remind()
