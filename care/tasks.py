"""Celery tasks of the care app: thin wrappers, safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from care import services


@shared_task(
    name="care.escalate_overdue",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=300,
    soft_time_limit=240,
)
def escalate_overdue() -> dict[str, int]:
    """Beat, hourly: remind about requests past their service level, and close resolved ones left unrated."""
    return {"escalated": services.requests_escalate(), "closed": services.requests_auto_close()}
