"""Reads of the inbox and the reminder engine, shared by the portal, the API and the admin."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404

from notifications.models import Broadcast, Notification, Reminder, ReminderState
from people.models import User


def inbox_of(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def own_notification_or_404(*, user: User, pk: int | str) -> Notification:
    try:
        return Notification.objects.get(recipient=user, pk=int(pk))
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("no such notification") from None


def reminder_counts() -> dict[str, int]:
    """How many reminders are in each state (the operations view)."""
    counts = dict.fromkeys(ReminderState.values, 0)
    counts.update(dict(Reminder.objects.order_by().values_list("state").annotate(n=Count("id"))))
    return counts


FINAL_REMINDER_STATES = frozenset(
    {ReminderState.SENT, ReminderState.FAILED, ReminderState.EXPIRED, ReminderState.CANCELLED}
)


def broadcast_progress(*, broadcast: Broadcast) -> dict:
    """How far a broadcast has got: one grouped query over its reminders."""
    states = dict(
        Reminder.objects.filter(subject=broadcast.subject)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    delivered = states.get(ReminderState.SENT, 0)
    settled = sum(n for state, n in states.items() if state in FINAL_REMINDER_STATES)
    finished = broadcast.state in ("done", "cancelled") and settled >= broadcast.scheduled
    return {
        "total": broadcast.total,
        "scheduled": broadcast.scheduled,
        "delivered": delivered,
        "failed": states.get(ReminderState.FAILED, 0) + states.get(ReminderState.EXPIRED, 0),
        "cancelled": states.get(ReminderState.CANCELLED, 0),
        "waiting": broadcast.scheduled - settled,
        "finished": finished,
        "percent": round(100 * settled / broadcast.total) if broadcast.total else 100,
    }
