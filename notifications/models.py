"""Notifications: the inbox, per-user channel preferences, and reminders with their deliveries.

A reminder is the durable record of "tell this person this, at this time". It lives in the
database, not in the broker, so it is late (never lost) when the broker is down. Each reminder
has one delivery row per channel; a delivery is sent at most once (in-app exactly once: the
inbox row and the delivery's state change commit together).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("in-app")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class Notification(models.Model):
    """One message in a person's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    reminder = models.OneToOneField(
        "Reminder",
        verbose_name=_("reminder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notification",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def _default_quiet_start() -> dt.time:
    return dt.time(22, 0)


def _default_quiet_end() -> dt.time:
    return dt.time(7, 0)


class NotificationSettings(models.Model):
    """A person's quiet hours: SMS waits until they end. Equal start and end turn them off."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    quiet_start = models.TimeField(_("quiet hours start"), default=_default_quiet_start)
    quiet_end = models.TimeField(_("quiet hours end"), default=_default_quiet_end)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)


class ChannelPreference(models.Model):
    """Which extra channels one kind of reminder uses for one person (in-app is always on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="channel_preferences",
    )
    kind = models.CharField(_("kind"), max_length=40)
    email = models.BooleanField(_("e-mail"), default=False)
    sms = models.BooleanField(_("SMS"), default=False)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="channelpreference_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"


class ReminderState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")
    CANCELLED = "cancelled", _("cancelled")


class Reminder(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    kind = models.CharField(_("kind"), max_length=40)
    due_at = models.DateTimeField(_("due at"))
    # When the sweep should next look at it: the due time, a retry, the end of quiet hours.
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    subject = models.CharField(
        _("about"),
        max_length=100,
        blank=True,
        help_text=_("What the reminder is about, e.g. activities.signup:42."),
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=ReminderState.choices, default=ReminderState.SCHEDULED
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True)
    claims = models.PositiveSmallIntegerField(_("times claimed"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-due_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="reminder_due"),
            models.Index(fields=["subject"], condition=~Q(subject=""), name="reminder_subject"),
            models.Index(
                fields=["claim_token"], condition=Q(claim_token__isnull=False), name="reminder_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient} @ {self.due_at:%Y-%m-%d %H:%M}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    WAITING = "waiting", _("waiting")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("skipped")


class Delivery(models.Model):
    """The outcome of one reminder on one channel."""

    FINAL_STATES = frozenset({DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.SKIPPED})

    reminder = models.ForeignKey(
        Reminder, verbose_name=_("reminder"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["reminder", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["reminder", "channel"], name="delivery_once_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.reminder_id}/{self.channel}: {self.state}"


class BroadcastState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Broadcast(models.Model):
    """A message from the welfare office to everybody in a unit's subtree, sent in batches by a worker."""

    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="+"
    )
    org_unit = models.ForeignKey("people.OrgUnit", verbose_name=_("org unit"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    # The confirm form's one-time token: a second click on "send" finds the same broadcast.
    request_token = models.UUIDField(_("request token"), unique=True)
    state = models.CharField(
        _("state"), max_length=10, choices=BroadcastState.choices, default=BroadcastState.QUEUED
    )
    total = models.PositiveIntegerField(_("recipients"), default=0)
    scheduled = models.PositiveIntegerField(_("scheduled"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def dedupe_prefix(self) -> str:
        return f"broadcast:{self.pk}:"

    @property
    def subject(self) -> str:
        """What its reminders are about: cancelling the broadcast cancels them."""
        return f"notifications.broadcast:{self.pk}"
