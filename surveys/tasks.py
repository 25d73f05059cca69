"""Celery tasks of surveys: thin wrappers, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from surveys import campaigns


@shared_task(name="surveys.remind_non_respondents", acks_late=True, time_limit=300, soft_time_limit=280)
def remind_non_respondents() -> int:
    """Beat, hourly: schedule the day's reminder round to officers who have not answered (deduplicated)."""
    return campaigns.remind_non_respondents()
