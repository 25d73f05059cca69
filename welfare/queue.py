"""Enqueueing Celery tasks: after commit, failing fast and clearly when the broker is down.

Work that must not be lost is recorded in the database first; the task only makes it
happen sooner. So a broker that is down makes things late, not lost: the beat sweeps
pick the work up from the database once the broker is back.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


class BrokerUnavailable(RuntimeError):
    """The task queue could not be reached within the configured timeout."""


def enqueue(task: Task, *args: Any, **options: Any) -> None:
    """Send ``task`` now; raise BrokerUnavailable (within seconds, never hanging) if the broker is down."""
    try:
        task.apply_async(args=args, **options)
    except OperationalError as exc:
        raise BrokerUnavailable(
            f"The task queue is not reachable ({exc}); {task.name} will run when the broker is back."
        ) from exc


def enqueue_on_commit(task: Task, *args: Any, **options: Any) -> None:
    """Send ``task`` once the current transaction commits; a broker outage is logged, not raised.

    The caller's data is already committed by then, and a recovery sweep finds it later.
    """

    def send() -> None:
        try:
            enqueue(task, *args, **options)
        except BrokerUnavailable as exc:
            logger.warning("%s", exc)

    transaction.on_commit(send)
