"""Celery tasks of the awards app: thin wrappers, safe to run twice (reminders are deduplicated)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from awards import services


@shared_task(
    name="awards.schedule_reminders",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=300,
    soft_time_limit=240,
)
def schedule_reminders() -> dict[str, int]:
    """Beat, daily: programmes opening or closing soon, and applications waiting for a reviewer."""
    return {
        "programmes": services.programme_reminders_schedule(),
        "reviews": services.review_reminders_schedule(),
    }
