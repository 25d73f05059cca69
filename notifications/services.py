"""The reminder engine and the inbox.

Scheduling writes a row and nothing else, inside the caller's transaction: a rollback
leaves nothing behind, and a broker that is down only makes the reminder late. A beat job
sweeps due reminders in batches and claims each batch with a conditional UPDATE (one
claimer wins); workers deliver each claimed reminder on every channel the person has, one
``Delivery`` row per channel. A delivery is locked while it is sent and is final once sent,
so sweeping twice, two workers, or a task run again after a crash never send twice. (In-app
is exactly once; e-mail and SMS leave this system, so a worker dying between the gateway's
"accepted" and our commit can repeat one message: at least once there.) A claim that is
never finished — the worker died — is taken back after ``REMINDER_CLAIM_LEASE_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import BadHeaderError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from notifications import channels
from notifications.kinds import BROADCAST, KINDS, ReminderKind, Rendered
from notifications.models import (
    Broadcast,
    BroadcastState,
    Channel,
    ChannelPreference,
    Delivery,
    DeliveryState,
    Notification,
    NotificationSettings,
    Reminder,
    ReminderState,
)
from people.models import Officer, OrgUnit, User
from welfare.domain import DomainError

logger = logging.getLogger(__name__)


class NotificationError(DomainError):
    pass


# --- Scheduling ------------------------------------------------------------------------------------


def _kind(code: str) -> ReminderKind:
    try:
        return KINDS[code]
    except KeyError:
        raise NotificationError(_("Unknown kind of reminder: %(kind)s") % {"kind": code}) from None


def _render(kind: ReminderKind, payload: Any) -> Rendered:
    """Render, or raise NotificationError: a payload the kind cannot render is refused when scheduled."""
    try:
        if not isinstance(payload, dict):
            raise TypeError("the payload must be an object")
        rendered = kind.render(payload)
    except Exception as exc:
        raise NotificationError(
            _("This reminder cannot be rendered: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
        ) from None
    if rendered.link and (not rendered.link.startswith("/") or rendered.link.startswith("//")):
        raise NotificationError(_("A reminder's link must be a path on this site."))
    return rendered


def reminder_schedule(
    *,
    recipient: User,
    kind: str,
    due_at: dt.datetime,
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
    subject: str = "",
) -> Reminder:
    """Schedule a reminder; the same ``dedupe_key`` again returns the first one and changes nothing.

    One exception: a reminder that was cancelled before anything was sent comes back to life with
    the new time and payload (a sign-up withdrawn and made again).
    """
    payload = payload or {}
    _render(_kind(kind), payload)
    existing = Reminder.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        if existing.state == ReminderState.CANCELLED:
            return _revive(existing, due_at=due_at, payload=payload, subject=subject)
        return existing
    try:
        with transaction.atomic():
            return Reminder.objects.create(
                recipient=recipient,
                kind=kind,
                due_at=due_at,
                next_attempt_at=due_at,
                dedupe_key=dedupe_key,
                payload=payload,
                subject=subject,
            )
    except IntegrityError:
        # Scheduled at the same moment by someone else: theirs stands.
        return Reminder.objects.get(dedupe_key=dedupe_key)


@transaction.atomic
def _revive(reminder: Reminder, *, due_at: dt.datetime, payload: dict[str, Any], subject: str) -> Reminder:
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if (
        reminder.state != ReminderState.CANCELLED
        or reminder.deliveries.filter(state=DeliveryState.SENT).exists()
    ):
        return reminder  # something already went out: a new key is needed for a new message
    reminder.deliveries.all().delete()
    reminder.state, reminder.due_at, reminder.next_attempt_at = ReminderState.SCHEDULED, due_at, due_at
    reminder.payload, reminder.subject = payload, subject or reminder.subject
    reminder.finished_at, reminder.last_error, reminder.claims = None, "", 0
    reminder.save()
    return reminder


@dataclass(frozen=True)
class ReminderSpec:
    recipient_id: int
    kind: str
    due_at: dt.datetime
    dedupe_key: str
    payload: dict[str, Any]
    subject: str = ""


def reminders_schedule_many(*, specs: Iterable[ReminderSpec], batch_size: int = 1000) -> int:
    """Bulk version for rules and broadcasts: keys already scheduled are skipped; returns how many are new."""
    specs = list(specs)
    for spec in specs:
        _render(_kind(spec.kind), spec.payload)
    keys = [spec.dedupe_key for spec in specs]
    before = Reminder.objects.filter(dedupe_key__in=keys).count()
    Reminder.objects.bulk_create(
        [
            Reminder(
                recipient_id=spec.recipient_id,
                kind=spec.kind,
                due_at=spec.due_at,
                next_attempt_at=spec.due_at,
                dedupe_key=spec.dedupe_key,
                payload=spec.payload,
                subject=spec.subject,
            )
            for spec in specs
        ],
        batch_size=batch_size,
        ignore_conflicts=True,
    )
    return Reminder.objects.filter(dedupe_key__in=keys).count() - before


def reminders_cancel(*, subject: str) -> int:
    """Cancel what is still to be sent about ``subject`` (a sign-up that was withdrawn, say)."""
    if not subject:
        return 0
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update()
            .filter(subject=subject, state__in=[ReminderState.SCHEDULED, ReminderState.SENDING])
            .order_by("id")
            .values_list("id", flat=True)
        )
        # What has not gone out yet never will; a delivery being sent right now holds its row lock.
        Delivery.objects.filter(reminder_id__in=ids).exclude(state__in=Delivery.FINAL_STATES).update(
            state=DeliveryState.SKIPPED, last_error="cancelled"
        )
        return Reminder.objects.filter(pk__in=ids).update(
            state=ReminderState.CANCELLED, finished_at=timezone.now(), claim_token=None
        )


# --- Claiming --------------------------------------------------------------------------------------


def reminders_reclaim_stale(*, now: dt.datetime | None = None) -> int:
    """Take back claims that were never finished (the worker died) so the next sweep retries them."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    return Reminder.objects.filter(state=ReminderState.SENDING, claimed_at__lt=now - lease).update(
        state=ReminderState.SCHEDULED, claim_token=None, claimed_at=None, next_attempt_at=now
    )


def reminders_claim_due(
    *, now: dt.datetime | None = None, batch_size: int | None = None
) -> tuple[str, list[int]]:
    """Claim up to ``batch_size`` due reminders for one worker; returns the claim token and the ids."""
    now = now or timezone.now()
    batch_size = batch_size or settings.REMINDER_SWEEP_BATCH
    token = uuid.uuid4()
    with transaction.atomic():
        # SKIP LOCKED lets concurrent sweeps take different rows on PostgreSQL; the state condition in
        # the UPDATE is what makes a claim exclusive on every database.
        due = (
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(state=ReminderState.SCHEDULED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        ids = list(due)
        if not ids:
            return str(token), []
        Reminder.objects.filter(pk__in=ids, state=ReminderState.SCHEDULED).update(
            state=ReminderState.SENDING, claimed_at=now, claim_token=token, claims=F("claims") + 1
        )
    return str(token), list(
        Reminder.objects.filter(claim_token=token).order_by("id").values_list("id", flat=True)
    )


# --- Delivering ------------------------------------------------------------------------------------


def _channels(preference: ChannelPreference | None, kind: ReminderKind) -> list[str]:
    """In-app always; e-mail and SMS as the person chose for this kind, else the kind's default."""
    result = [Channel.IN_APP.value]
    for channel in (Channel.EMAIL, Channel.SMS):
        if preference is not None:
            wanted = preference.email if channel == Channel.EMAIL else preference.sms
        else:
            wanted = channel.value in kind.default_channels
        if wanted:
            result.append(channel.value)
    return result


def quiet_hours_of(user: User) -> tuple[dt.time, dt.time]:
    found = NotificationSettings.objects.filter(user=user).values_list("quiet_start", "quiet_end").first()
    return found or (dt.time(22, 0), dt.time(7, 0))


def quiet_until(*, user: User, now: dt.datetime) -> dt.datetime | None:
    """The end of the person's quiet hours if ``now`` falls inside them, else None."""
    start, end = quiet_hours_of(user)
    if start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_today = local.replace(hour=end.hour, minute=end.minute, second=end.second, microsecond=0)
    return end_today if end_today > local else end_today + dt.timedelta(days=1)


def _backoff(attempts: int) -> dt.timedelta:
    seconds = settings.REMINDER_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=min(seconds, settings.REMINDER_RETRY_MAX_SECONDS))


# Errors that will not go away by trying again: the channel fails at once.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (BadHeaderError, ValueError, TypeError)


def _send_one(
    *, delivery_id: int, reminder: Reminder, rendered: Rendered, claim_token: str, now: dt.datetime
) -> None:
    """Send one e-mail or SMS delivery under its row lock, if the reminder is still ours."""
    with transaction.atomic():
        # Reminder before delivery, like every other path: a cancel in between wins, nothing goes out.
        still_mine = Reminder.objects.select_for_update().filter(
            pk=reminder.pk, state=ReminderState.SENDING, claim_token=claim_token
        )
        if not still_mine.exists():
            return
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state in Delivery.FINAL_STATES:
            return
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return
        if delivery.channel == Channel.SMS:
            wait_until = quiet_until(user=reminder.recipient, now=now)
            if wait_until is not None:
                delivery.state, delivery.next_attempt_at = DeliveryState.WAITING, wait_until
                delivery.save(update_fields=["state", "next_attempt_at"])
                return
        delivery.attempts += 1
        try:
            if delivery.channel == Channel.EMAIL:
                channels.send_email(user=reminder.recipient, rendered=rendered)
            else:
                channels.send_sms(user=reminder.recipient, rendered=rendered)
        except SoftTimeLimitExceeded:
            raise  # the task is out of time: stop here, the lease brings the rest back
        except channels.SkipChannel as exc:
            delivery.state, delivery.last_error = DeliveryState.SKIPPED, str(exc)
        except Exception as exc:
            logger.warning("reminder %s: %s delivery failed: %s", reminder.pk, delivery.channel, exc)
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if isinstance(exc, PERMANENT_ERRORS) or delivery.attempts >= settings.REMINDER_MAX_ATTEMPTS:
                delivery.state = DeliveryState.FAILED
            else:
                delivery.state = DeliveryState.WAITING
                delivery.next_attempt_at = now + _backoff(delivery.attempts)
        else:
            delivery.state, delivery.sent_at, delivery.last_error = DeliveryState.SENT, now, ""
        delivery.save()


def reminders_deliver(
    *, reminder_ids: list[int], claim_token: str, now: dt.datetime | None = None
) -> dict[int, str]:
    """Deliver a batch of claimed reminders on each of their channels; returns each one's new state.

    A batch costs a handful of transactions, not a few per reminder: take the batch, send every
    in-app message at once, send e-mail and SMS one by one, settle the states. Safe to run twice:
    what is no longer claimed with ``claim_token`` answers "not-mine" and is left alone. One bad
    reminder fails alone; the others in its batch go out.
    """
    now = now or timezone.now()
    outcome: dict[int, str] = dict.fromkeys(reminder_ids, "not-mine")
    mine = Q(state=ReminderState.SENDING, claim_token=claim_token)

    # 1. Take the batch: what is still ours, what has expired, which channels each one uses.
    with transaction.atomic():
        reminders = list(
            Reminder.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(mine, pk__in=reminder_ids)
            .order_by("id")
        )
        started = set(
            Delivery.objects.filter(reminder__in=reminders).values_list("reminder_id", flat=True).distinct()
        )
        chosen = {
            (pref.user_id, pref.kind): pref
            for pref in ChannelPreference.objects.filter(user_id__in={r.recipient_id for r in reminders})
        }
        live: dict[int, Reminder] = {}
        rendered: dict[int, Rendered] = {}
        new_deliveries: list[Delivery] = []
        expired_started: list[int] = []
        for reminder in reminders:
            kind = KINDS.get(reminder.kind)
            if kind is None:
                _finish(reminder, ReminderState.FAILED, now, "unknown kind")
            elif reminder.claims > settings.REMINDER_MAX_CLAIMS:
                # Claimed again and again, never finished: something about it kills its worker.
                _finish(
                    reminder, ReminderState.FAILED, now, f"not finished after {reminder.claims - 1} claims"
                )
            elif not reminder.recipient.is_active:
                _finish(reminder, ReminderState.CANCELLED, now, "recipient account is inactive")
            elif now > reminder.due_at + kind.expiry:
                if reminder.pk in started:
                    expired_started.append(reminder.pk)  # what went out stays; the rest is too late
                else:
                    _finish(reminder, ReminderState.EXPIRED, now, "")
            else:
                try:
                    rendered[reminder.pk] = _render(kind, reminder.payload)
                except NotificationError as exc:
                    _finish(reminder, ReminderState.FAILED, now, exc.message)
                else:
                    live[reminder.pk] = reminder
                    if reminder.pk not in started:
                        preference = chosen.get((reminder.recipient_id, kind.code))
                        new_deliveries += [
                            Delivery(reminder=reminder, channel=channel)
                            for channel in _channels(preference, kind)
                        ]
            outcome[reminder.pk] = reminder.state
        Delivery.objects.bulk_create(new_deliveries, ignore_conflicts=True)
        if expired_started:
            Delivery.objects.filter(reminder_id__in=expired_started).exclude(
                state__in=Delivery.FINAL_STATES
            ).update(state=DeliveryState.SKIPPED, last_error="expired")
            live.update({reminder.pk: reminder for reminder in reminders if reminder.pk in expired_started})

    # 2. In-app, all at once: the inbox rows and the deliveries' "sent" commit together (exactly once).
    if rendered:
        with transaction.atomic():
            ours = list(
                Reminder.objects.select_for_update()
                .filter(mine, pk__in=rendered)
                .order_by("id")
                .values_list("id", flat=True)
            )
            in_app = list(
                Delivery.objects.select_for_update()
                .filter(reminder_id__in=ours, channel=Channel.IN_APP)
                .exclude(state__in=Delivery.FINAL_STATES)
                .order_by("id")
            )
            if in_app:
                Notification.objects.bulk_create(
                    [
                        Notification(
                            recipient_id=live[delivery.reminder_id].recipient_id,
                            kind=live[delivery.reminder_id].kind,
                            title=rendered[delivery.reminder_id].title[:200],
                            body=rendered[delivery.reminder_id].body,
                            link=rendered[delivery.reminder_id].link[:300],
                            reminder_id=delivery.reminder_id,
                        )
                        for delivery in in_app
                    ]
                )
                Delivery.objects.filter(pk__in=[delivery.pk for delivery in in_app]).update(
                    state=DeliveryState.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
                )

        # 3. E-mail and SMS leave this system: one at a time, each under its row locks.
        outside = (
            Delivery.objects.filter(reminder_id__in=rendered)
            .exclude(channel=Channel.IN_APP)
            .exclude(state__in=Delivery.FINAL_STATES)
            .order_by("id")
            .values_list("id", "reminder_id")
        )
        for delivery_id, reminder_id in outside:
            _send_one(
                delivery_id=delivery_id,
                reminder=live[reminder_id],
                rendered=rendered[reminder_id],
                claim_token=claim_token,
                now=now,
            )

    # 4. Settle each reminder: sent, failed, expired, or back on the schedule for a retry or the morning.
    if not live:
        return outcome
    with transaction.atomic():
        settling = list(Reminder.objects.select_for_update().filter(mine, pk__in=live).order_by("id"))
        by_reminder: dict[int, list[Delivery]] = {reminder.pk: [] for reminder in settling}
        for delivery in Delivery.objects.filter(reminder_id__in=by_reminder).only(
            "reminder_id", "channel", "state", "next_attempt_at", "last_error"
        ):
            by_reminder[delivery.reminder_id].append(delivery)
        sent: list[int] = []
        for reminder in settling:
            deliveries = by_reminder[reminder.pk]
            pending = [d for d in deliveries if d.state not in Delivery.FINAL_STATES]
            failed = [d for d in deliveries if d.state == DeliveryState.FAILED]
            if pending:
                reminder.state = ReminderState.SCHEDULED
                reminder.next_attempt_at = min(d.next_attempt_at or now for d in pending)
                reminder.claim_token = reminder.claimed_at = None
                reminder.last_error = "; ".join(d.last_error for d in pending if d.last_error)[:2000]
                reminder.save(
                    update_fields=["state", "next_attempt_at", "claim_token", "claimed_at", "last_error"]
                )
            elif failed:
                _finish(
                    reminder,
                    ReminderState.FAILED,
                    now,
                    "; ".join(f"{d.channel}: {d.last_error}" for d in failed),
                )
            elif (
                not any(d.state == DeliveryState.SENT for d in deliveries) and reminder.pk in expired_started
            ):
                _finish(reminder, ReminderState.EXPIRED, now, "")
            else:
                sent.append(reminder.pk)
                reminder.state = ReminderState.SENT
            outcome[reminder.pk] = reminder.state
        Reminder.objects.filter(pk__in=sent).update(
            state=ReminderState.SENT, finished_at=now, last_error="", claim_token=None
        )
        for pk in set(live) - set(by_reminder):
            outcome[pk] = "not-mine"  # cancelled or taken back while this batch was running
    return outcome


def reminder_deliver(*, reminder_id: int, claim_token: str, now: dt.datetime | None = None) -> str:
    """Deliver one claimed reminder (a batch of one); returns its new state or "not-mine"."""
    return reminders_deliver(reminder_ids=[reminder_id], claim_token=claim_token, now=now)[reminder_id]


def _finish(reminder: Reminder, state: str, now: dt.datetime, error: str) -> None:
    reminder.state, reminder.finished_at, reminder.last_error = state, now, error[:2000]
    reminder.claim_token = None
    reminder.save(update_fields=["state", "finished_at", "last_error", "claim_token"])


@transaction.atomic
def reminder_retry(*, reminder: Reminder, actor: User | None) -> Reminder:
    """Send a failed reminder again (the admin's "retry"): its failed channels start over."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.state != ReminderState.FAILED:
        return reminder
    reminder.deliveries.filter(state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=None, last_error=""
    )
    # "Send it now": a fresh due time, so the kind's expiry counts from the retry.
    now = timezone.now()
    reminder.state, reminder.due_at, reminder.next_attempt_at = ReminderState.SCHEDULED, now, now
    reminder.finished_at, reminder.last_error, reminder.claims = None, "", 0
    reminder.save()
    audit_record(actor=actor, action=AuditAction.REMINDER_RETRIED, target=reminder)
    return reminder


# --- The inbox --------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


# --- Preferences ----------------------------------------------------------------------------------


def preference_set(*, user: User, kind: str, email: bool, sms: bool) -> ChannelPreference:
    _kind(kind)
    preference, _created = ChannelPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"email": email, "sms": sms}
    )
    return preference


def quiet_hours_set(*, user: User, start: dt.time, end: dt.time) -> NotificationSettings:
    found, _created = NotificationSettings.objects.update_or_create(
        user=user, defaults={"quiet_start": start, "quiet_end": end}
    )
    return found


# --- Rules ----------------------------------------------------------------------------------------


def _on(day: dt.date, month: int, dom: int) -> bool:
    """Whether an anniversary on month/day falls on ``day``; 29 February is kept on 28 February."""
    if (month, dom) == (day.month, day.day):
        return True
    leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
    return (month, dom) == (2, 29) and not leap and (day.month, day.day) == (2, 28)


def greetings_schedule_for_day(*, day: dt.date) -> int:
    """Birthday and police-service anniversary greetings for ``day``, due at GREETING_HOUR. Safe to rerun."""
    due_at = timezone.make_aware(dt.datetime.combine(day, dt.time(settings.GREETING_HOUR)))
    months, days = {day.month}, {day.day}
    if (day.month, day.day) == (2, 28):
        months, days = {2}, {28, 29}
    active = Officer.objects.filter(active=True, user__is_active=True).order_by("id")
    specs: list[ReminderSpec] = []
    for officer in active.filter(birth_date__month__in=months, birth_date__day__in=days).only(
        "id", "user_id", "name", "birth_date"
    ):
        if _on(day, officer.birth_date.month, officer.birth_date.day):
            specs.append(
                ReminderSpec(
                    recipient_id=officer.user_id,
                    kind="birthday",
                    due_at=due_at,
                    dedupe_key=f"birthday:{officer.pk}:{day.isoformat()}",
                    payload={"name": officer.name},
                )
            )
    for officer in active.filter(
        joined_police_on__month__in=months, joined_police_on__day__in=days, joined_police_on__lt=day
    ).only("id", "user_id", "name", "joined_police_on"):
        joined = officer.joined_police_on
        years = day.year - joined.year
        if years >= 1 and _on(day, joined.month, joined.day):
            specs.append(
                ReminderSpec(
                    recipient_id=officer.user_id,
                    kind="service_anniversary",
                    due_at=due_at,
                    dedupe_key=f"anniversary:{officer.pk}:{day.isoformat()}",
                    payload={"name": officer.name, "years": years},
                )
            )
    return reminders_schedule_many(specs=specs)


# --- Broadcasts -----------------------------------------------------------------------------------


@transaction.atomic
def broadcast_create(
    *, sender: User, org_unit: OrgUnit, title: str, body: str, request_token: uuid.UUID
) -> Broadcast:
    """Record a confirmed broadcast; the same confirm form sent twice returns the first one."""
    title, body = " ".join(title.split()), body.strip()  # one line: it becomes an e-mail subject
    if not title or not body:
        raise NotificationError(_("A message needs a title and a text."))
    existing = Broadcast.objects.filter(request_token=request_token).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            broadcast = Broadcast.objects.create(
                sender=sender,
                org_unit=org_unit,
                title=title[:200],
                body=body,
                request_token=request_token,
                total=broadcast_recipients(org_unit=org_unit).count(),
            )
    except IntegrityError:
        # The same confirmation sent twice at the same moment (a double click): the first one stands.
        return Broadcast.objects.get(request_token=request_token)
    audit_record(
        actor=sender,
        action=AuditAction.BROADCAST_SENT,
        target=broadcast,
        detail={"org_unit": org_unit.code, "recipients": broadcast.total},
    )
    return broadcast


def broadcasts_stalled(*, now: dt.datetime | None = None, mark: bool = False) -> list[int]:
    """Broadcasts not finished and not touched for a while: their task was lost, start it again.

    With ``mark`` they are touched, so a restart waiting in a busy queue is not sent again each sweep.
    """
    now = now or timezone.now()
    quiet_for = dt.timedelta(seconds=settings.BROADCAST_STALL_SECONDS)
    with transaction.atomic():
        stalled = list(
            Broadcast.objects.select_for_update(skip_locked=True)
            .exclude(state__in=[BroadcastState.DONE, BroadcastState.CANCELLED])
            .filter(updated_at__lt=now - quiet_for)
            .values_list("id", flat=True)
        )
        if mark and stalled:
            Broadcast.objects.filter(pk__in=stalled).update(updated_at=now)
    return stalled


@transaction.atomic
def broadcast_cancel(*, broadcast: Broadcast, actor: User) -> int:
    """Stop a broadcast: nobody who has not got it yet will. Returns how many reminders were cancelled."""
    broadcast = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if broadcast.state == BroadcastState.CANCELLED:
        return 0
    broadcast.state, broadcast.finished_at = BroadcastState.CANCELLED, timezone.now()
    broadcast.save(update_fields=["state", "finished_at", "updated_at"])
    cancelled = reminders_cancel(subject=broadcast.subject)
    audit_record(
        actor=actor, action=AuditAction.BROADCAST_CANCELLED, target=broadcast, detail={"cancelled": cancelled}
    )
    return cancelled


def broadcast_recipients(*, org_unit: OrgUnit):
    return User.objects.filter(
        is_active=True, officer__active=True, officer__org_unit__path__startswith=org_unit.path
    ).order_by("id")


def broadcast_schedule_batch(*, broadcast_id: int, batch_size: int | None = None) -> bool:
    """Schedule the next batch of a broadcast's reminders; True when every recipient has one."""
    batch_size = batch_size or settings.BROADCAST_BATCH
    with transaction.atomic():
        broadcast = Broadcast.objects.select_for_update().select_related("org_unit").get(pk=broadcast_id)
        if broadcast.state in (BroadcastState.DONE, BroadcastState.CANCELLED):
            return True
        last_id = (
            Reminder.objects.filter(subject=broadcast.subject)
            .order_by("-recipient_id")
            .values_list("recipient_id", flat=True)
            .first()
        ) or 0
        batch = list(
            broadcast_recipients(org_unit=broadcast.org_unit)
            .filter(id__gt=last_id)
            .values_list("id", flat=True)[:batch_size]
        )
        now = timezone.now()
        reminders_schedule_many(
            specs=[
                ReminderSpec(
                    recipient_id=user_id,
                    kind=BROADCAST.code,
                    due_at=now,
                    dedupe_key=f"{broadcast.dedupe_prefix}{user_id}",
                    payload={"title": broadcast.title, "body": broadcast.body},
                    subject=broadcast.subject,
                )
                for user_id in batch
            ]
        )
        broadcast.scheduled = Reminder.objects.filter(subject=broadcast.subject).count()
        done = len(batch) < batch_size
        broadcast.state = BroadcastState.DONE if done else BroadcastState.RUNNING
        if done:
            broadcast.total = broadcast.scheduled
            broadcast.finished_at = now
        broadcast.save()
        return done
