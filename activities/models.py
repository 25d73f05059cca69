"""Family activities of the love-police office: activities (alone or in a weekly series), sign-ups of an
officer with family members, attendance per person, and feedback.

Capacity is in persons. ``Activity.booked_persons`` counts the persons of confirmed, offered and
attended sign-ups; it only changes inside a transaction holding the activity's row lock
(activities/services.py), and a CHECK constraint makes ``booked_persons <= capacity`` a database
guarantee: even a bug in the services cannot overbook.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from people.models import FamilyMember, Officer, OrgUnit, TimeStampedModel


class ActivityKind(models.TextChoices):
    PARENT_CHILD = "parent_child", _("parent and child")
    COUPLES = "couples", _("couples")
    SPORTS = "sports", _("sports day")
    OPEN_DAY = "open_day", _("open day")
    OTHER = "other", _("other")


class Audience(models.TextChoices):
    """Who comes along: checked against the family members chosen at sign-up."""

    FAMILIES = "families", _("officers with any family members")
    CHILDREN = "children", _("children with a parent (the officer)")
    COUPLES = "couples", _("the officer with their spouse")
    OFFICERS = "officers", _("officers only")


class ActivitySeries(TimeStampedModel):
    """A weekly activity: created with its occurrences in one step; an edit can change all those ahead."""

    title = models.CharField(_("title"), max_length=100)
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday … 6 = Sunday."))

    class Meta:
        verbose_name = _("weekly series")
        verbose_name_plural = _("weekly series")

    def __str__(self) -> str:
        return self.title


class ActivityStatus(models.TextChoices):
    PUBLISHED = "published", _("published")
    CANCELLED = "cancelled", _("cancelled")


class Activity(TimeStampedModel):
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    description = models.TextField(_("description"), blank=True)
    organiser = models.ForeignKey(
        OrgUnit, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="organised_activities"
    )
    audience_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("open to"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Officers of this unit and its subtree may sign up (the city bureau: everybody)."),
    )
    venue = models.CharField(_("venue"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity (persons)"))
    booked_persons = models.PositiveIntegerField(_("persons booked"), default=0, editable=False)
    audience = models.CharField(
        _("who comes"), max_length=20, choices=Audience.choices, default=Audience.FAMILIES
    )
    child_age_min = models.PositiveSmallIntegerField(_("children from age"), null=True, blank=True)
    child_age_max = models.PositiveSmallIntegerField(_("children up to age"), null=True, blank=True)
    signup_opens_at = models.DateTimeField(_("sign-up opens"))
    signup_closes_at = models.DateTimeField(_("sign-up closes"))
    cancel_until = models.DateTimeField(
        _("cancellation possible until"), help_text=_("After this, only the office can cancel a sign-up.")
    )
    waitlist = models.BooleanField(_("waiting list"), default=True)
    confirm_from_waitlist = models.BooleanField(
        _("confirm from the waiting list directly"),
        default=False,
        help_text=_("Otherwise a freed place is offered and must be accepted within the offer period."),
    )
    offer_hours = models.PositiveSmallIntegerField(_("offer valid for (hours)"), default=48)
    series = models.ForeignKey(
        ActivitySeries,
        verbose_name=_("weekly series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ActivityStatus.choices, default=ActivityStatus.PUBLISHED
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at"], name="activity_starts_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked_persons__lte=F("capacity")),
                name="activity_never_overbooked",
                violation_error_message=_("More persons booked than places."),
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"),
            models.CheckConstraint(
                condition=Q(signup_closes_at__gt=F("signup_opens_at"))
                & Q(signup_closes_at__lte=F("starts_at")),
                name="activity_signup_window",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.starts_at:%Y-%m-%d}"

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.booked_persons, 0)


class SignUpStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    WAITLISTED = "waitlisted", _("on the waiting list")
    OFFERED = "offered", _("place offered")
    CANCELLED = "cancelled", _("cancelled")
    ATTENDED = "attended", _("attended")
    NO_SHOW = "no_show", _("did not come")


# The statuses whose persons hold places (Activity.booked_persons). A no-show keeps its places: it is
# recorded from the day of the activity on, and a correction to "attended" must find them still there.
BOOKED = (SignUpStatus.CONFIRMED, SignUpStatus.OFFERED, SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW)


class SignUp(TimeStampedModel):
    """One officer's sign-up for one activity, with the family members who come."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="signups"
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(_("status"), max_length=20, choices=SignUpStatus.choices)
    persons = models.PositiveSmallIntegerField(_("persons"))
    queued_at = models.DateTimeField(
        _("in the queue since"), help_text=_("The order of the waiting list: when this sign-up was (re)made.")
    )
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    token = models.UUIDField(_("check-in code"), default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["activity", "queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "officer"], name="signup_one_per_officer"),
            models.CheckConstraint(
                condition=~Q(status=SignUpStatus.OFFERED) | Q(offer_expires_at__isnull=False),
                name="signup_offer_has_expiry",
            ),
        ]
        indexes = [models.Index(fields=["activity", "status", "queued_at"], name="signup_queue_idx")]

    def __str__(self) -> str:
        return f"{self.officer} · {self.activity} · {self.get_status_display()}"


class SignUpPerson(models.Model):
    """A person coming with a sign-up: the officer, or one of their family.

    The name is kept as it was at sign-up: a family member removed from the list later leaves the person
    (and their attendance) on the sign-up, for the check-in list and the statistics.
    """

    signup = models.ForeignKey(
        SignUp, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="people"
    )
    is_officer = models.BooleanField(_("the officer"), default=False)
    family_member = models.ForeignKey(
        FamilyMember,
        verbose_name=_("family member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(
        _("name"), max_length=50, help_text=_("As it was at sign-up, for the check-in list.")
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("person signed up")
        verbose_name_plural = _("persons signed up")
        constraints = [
            models.UniqueConstraint(fields=["signup", "family_member"], name="signupperson_once"),
            models.UniqueConstraint(
                fields=["signup"], condition=Q(is_officer=True), name="signupperson_officer_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Feedback(TimeStampedModel):
    """An attendee's rating of an activity, 1–5, with an optional comment."""

    signup = models.OneToOneField(
        SignUp, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="feedback_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signup} · {self.rating}"


def _photo_upload_to(photo: ActivityPhoto, filename: str) -> str:
    from pathlib import PurePath

    return f"activities/{photo.activity_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


class ActivityPhoto(TimeStampedModel):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("photo"), upload_to=_photo_upload_to, max_length=255)
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["activity", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class CalendarFeed(models.Model):
    """An officer's private iCalendar address: whoever has the token reads that officer's sign-ups."""

    officer = models.OneToOneField(
        Officer, verbose_name=_("officer"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.officer)
