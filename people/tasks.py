"""Celery tasks of the people app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from people import services


@shared_task(
    name="people.record_worker_heartbeat", bind=True, acks_late=True, time_limit=30, soft_time_limit=20
)
def record_worker_heartbeat(self, queue: str) -> str:
    """Note that a worker consuming ``queue`` is alive; the status page shows stale queues."""
    heartbeat = services.heartbeat_record(queue=queue, hostname=self.request.hostname or "unknown")
    return heartbeat.seen_at.isoformat()


@shared_task(name="people.housekeeping", acks_late=True, time_limit=600, soft_time_limit=540)
def housekeeping() -> dict[str, int]:
    """Beat, daily: expired sessions, tokens and old log-in attempts go; audit rows stay."""
    return services.housekeeping_run()
