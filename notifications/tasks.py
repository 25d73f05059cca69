"""Celery tasks of the reminder engine: thin wrappers taking ids, safe to run twice.

All of them route to the ``reminders`` queue (CELERY_TASK_ROUTES: ``notifications.*``).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from notifications import services
from welfare.queue import enqueue_on_commit

logger = logging.getLogger(__name__)


@shared_task(name="notifications.sweep_due_reminders", time_limit=120, soft_time_limit=100)
def sweep_due_reminders() -> int:
    """Beat, every few seconds: take back dead claims, claim due reminders in batches, hand them out."""
    services.reminders_reclaim_stale()
    for broadcast_id in services.broadcasts_stalled(mark=True):
        run_broadcast.apply_async(args=[broadcast_id])  # its fast-path task was lost (broker down)
    claimed = 0
    for _batch in range(settings.REMINDER_SWEEP_MAX_BATCHES):
        token, ids = services.reminders_claim_due()
        if not ids:
            break
        claimed += len(ids)
        chunk = settings.REMINDER_DELIVERY_CHUNK
        for start in range(0, len(ids), chunk):
            # A failure to enqueue leaves the claim to expire; the next sweep after the lease retries it.
            deliver_reminders.apply_async(args=[ids[start : start + chunk], token])
    return claimed


@shared_task(
    name="notifications.deliver_reminders",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=300,
    soft_time_limit=240,
)
def deliver_reminders(reminder_ids: list[int], claim_token: str) -> dict[str, int]:
    """Deliver claimed reminders; run again after a crash, it sends nothing twice."""
    outcome: dict[str, int] = {}
    for state in services.reminders_deliver(reminder_ids=reminder_ids, claim_token=claim_token).values():
        outcome[state] = outcome.get(state, 0) + 1
    return outcome


@shared_task(name="notifications.schedule_daily_greetings", acks_late=True, time_limit=300)
def schedule_daily_greetings() -> int:
    """Beat, daily: birthday and police-service anniversary greetings for today."""
    return services.greetings_schedule_for_day(day=timezone.localdate())


@shared_task(name="notifications.run_broadcast", acks_late=True, time_limit=600, soft_time_limit=540)
def run_broadcast(broadcast_id: int) -> int:
    """Schedule a broadcast's reminders batch by batch; progress is visible on its page."""
    batches = 0
    while not services.broadcast_schedule_batch(broadcast_id=broadcast_id):
        batches += 1
    return batches + 1


def enqueue_broadcast(broadcast_id: int) -> None:
    """Start a broadcast after commit; if the broker is down, the sweep starts it later."""
    enqueue_on_commit(run_broadcast, broadcast_id)
