"""Celery tasks of family activities: thin wrappers, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from activities import services


@shared_task(name="activities.expire_offers", acks_late=True, time_limit=120, soft_time_limit=100)
def expire_offers() -> int:
    """Beat, every minute: offers not accepted in time pass to the next on the waiting list."""
    return services.offers_expire()
