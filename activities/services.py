"""Writes about family activities: creating them (alone or as a weekly series), sign-ups, the waiting list
and its offers, capacity, attendance and feedback.

**Never overbook.** Every change to who holds a place runs in a transaction that first locks the
activity's row (``SELECT … FOR UPDATE``), so concurrent sign-ups for one activity queue up and each
sees the places the previous one took; ``Activity.booked_persons`` (persons of confirmed, offered and
attended sign-ups) is updated in the same transaction, and a CHECK constraint
``booked_persons <= capacity`` refuses anything that would overbook, whatever the code above it.

**The waiting list** is in ``queued_at`` order. When places free up (a cancellation, an expired or
declined offer, more capacity), every waitlisted sign-up that fits, in order, is promoted: offered a
place for ``offer_hours`` (never beyond the start), or confirmed at once when the activity says so.
A sign-up that fits the free places is confirmed straight away even when others wait: after every
promotion the places left are fewer than any waiting party needs.

Reminders (notification engine, subject ``activities.signup:<id>``): the day before, for a confirmed
place; an offer, and again when it is about to expire; a feedback request after the activity.
Cancelling a sign-up cancels what is still to be sent about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import (
    BOOKED,
    Activity,
    ActivityPhoto,
    ActivitySeries,
    ActivityStatus,
    Audience,
    Feedback,
    SignUp,
    SignUpPerson,
    SignUpStatus,
)
from audit.models import AuditAction
from audit.services import audit_record
from notifications import services as reminders
from people.models import FamilyMember, FamilyRelation, Officer, User, age_on
from welfare.domain import ConflictError, DomainError

__all__ = [
    "ActivityError",
    "activity_cancel",
    "activity_create",
    "attendance_record",
    "capacity_set",
    "feedback_submit",
    "offer_accept",
    "offers_expire",
    "series_create",
    "series_update",
    "signup_cancel",
    "signup_create",
]

EXPIRY_WARNING = dt.timedelta(hours=6)  # "your offer expires soon", this long before it does
REMINDER_HOUR = 9
FEEDBACK_AFTER = dt.timedelta(hours=2)


class ActivityError(DomainError):
    """A sign-up or activity change that the rules do not allow; the message says why."""


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _subject(signup: SignUp) -> str:
    return f"activities.signup:{signup.pk}"


# --- Creating activities ---------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "title",
    "kind",
    "description",
    "organiser",
    "audience_unit",
    "venue",
    "capacity",
    "audience",
    "child_age_min",
    "child_age_max",
    "waitlist",
    "confirm_from_waitlist",
    "offer_hours",
)


@dataclass(frozen=True)
class Timing:
    """When an activity happens, relative to its start: sign-up opens/closes and cancellation ends."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    signup_opens_at: dt.datetime
    signup_closes_at: dt.datetime
    cancel_until: dt.datetime

    def shifted(self, delta: dt.timedelta) -> Timing:
        return Timing(*(moment + delta for moment in (
            self.starts_at, self.ends_at, self.signup_opens_at, self.signup_closes_at, self.cancel_until
        )))  # fmt: skip


def _check_activity(values: dict, timing: Timing) -> None:
    if timing.ends_at <= timing.starts_at:
        raise ActivityError(_("An activity must end after it starts."))
    if not timing.signup_opens_at < timing.signup_closes_at <= timing.starts_at:
        raise ActivityError(_("Sign-up must open before it closes, and close by the start."))
    if timing.cancel_until > timing.starts_at:
        raise ActivityError(_("Cancellation must end by the start."))
    if values.get("capacity", 1) < 1:
        raise ActivityError(_("An activity needs at least one place."))
    if values.get("offer_hours", 48) < 1:
        raise ActivityError(_("An offer must stay valid for at least one hour."))
    low, high = values.get("child_age_min"), values.get("child_age_max")
    if low is not None and high is not None and low > high:
        raise ActivityError(_("The youngest age cannot be above the oldest."))


def activity_create(*, actor: User | None, timing: Timing, allow_past: bool = False, **values) -> Activity:
    """A new activity. ``allow_past`` is for recording history (the demo, an import), never for the portal."""
    values = {key: values[key] for key in (*ACTIVITY_FIELDS, "series") if key in values}
    _check_activity(values, timing)
    if timing.starts_at <= timezone.now() and not allow_past:
        raise ActivityError(_("An activity cannot start in the past."))
    activity = Activity.objects.create(**values, **timing.__dict__)
    _audit(actor, activity, "created")
    return activity


def _audit(actor: User | None, target, op: str, **detail) -> None:
    audit_record(actor=actor, action=AuditAction.ACTIVITY_CHANGED, target=target, detail={"op": op, **detail})


def _refuse_cancelled(activity: Activity) -> None:
    if activity.status == ActivityStatus.CANCELLED:
        raise ActivityError(_("This activity has been cancelled."))


def series_create(*, actor: User | None, timing: Timing, weeks: int, **values) -> ActivitySeries:
    """A weekly series and its ``weeks`` occurrences, in one transaction."""
    if not 1 <= weeks <= 52:
        raise ActivityError(_("A series has 1 to 52 weeks."))
    with transaction.atomic():
        series = ActivitySeries.objects.create(
            title=values["title"], weekday=timezone.localtime(timing.starts_at).weekday()
        )
        for week in range(weeks):
            activity_create(
                actor=actor, timing=timing.shifted(dt.timedelta(weeks=week)), **values, series=series
            )
    return series


TIMING_FIELDS = ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at", "cancel_until")


def activity_update(
    *, activity: Activity, actor: User | None, timing: Timing | None = None, **values
) -> Activity:
    """Change what an activity is and, with ``timing``, when (not its capacity: see ``capacity_set``).

    A new time or venue is told to everybody signed up; the day-before reminders follow the new date,
    and an offer never outlives the new start.
    """
    changes = {key: values[key] for key in ACTIVITY_FIELDS if key in values and key != "capacity"}
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _refuse_cancelled(locked)
        before = (locked.starts_at, locked.ends_at, locked.venue)
        for key, value in changes.items():
            setattr(locked, key, value)
        if timing is not None:
            for key in TIMING_FIELDS:
                setattr(locked, key, getattr(timing, key))
        _check_activity(changes, _timing_of(locked))
        locked.save()
        _audit(actor, locked, "updated", fields=sorted(changes) + (["times"] if timing else []))
        if (locked.starts_at, locked.ends_at, locked.venue) != before:
            _tell_the_change(locked)
    return locked


def _tell_the_change(activity: Activity) -> None:
    signups = (
        SignUp.objects.select_for_update()
        .select_related("officer__user", "activity")
        .filter(activity=activity, status__in=(*BOOKED, SignUpStatus.WAITLISTED))
    )
    stamp = int(timezone.now().timestamp())
    for signup in signups:
        if signup.status == SignUpStatus.OFFERED and signup.offer_expires_at > activity.starts_at:
            signup.offer_expires_at = activity.starts_at
            signup.save(update_fields=["offer_expires_at", "updated_at"])
        if signup.status == SignUpStatus.CONFIRMED:
            reminders.reminders_cancel(subject=_subject(signup))
            _remind_confirmed(signup)
        reminders.reminder_schedule(
            recipient=signup.officer.user,
            kind="activity_changed",
            due_at=timezone.now(),
            dedupe_key=f"activities:changed:{signup.pk}:{stamp}",
            payload=_payload(signup),
        )


def series_update(
    *,
    series: ActivitySeries,
    actor: User | None,
    since: dt.datetime | None = None,
    shift: dict[str, dt.timedelta] | None = None,
    **values,
) -> int:
    """Apply an edit to every occurrence of the series that has not started yet; returns how many.

    ``shift`` moves each occurrence's times by the same amounts (``{"starts_at": +2h, ...}``), so
    "every Saturday at 9:00" becomes "every Saturday at 14:00" without touching the dates.
    """
    since = since or timezone.now()
    changed = 0
    with transaction.atomic():
        for activity in series.activities.filter(starts_at__gt=since).order_by("starts_at"):
            timing = None
            if shift:
                timing = Timing(
                    *(getattr(activity, key) + shift.get(key, dt.timedelta(0)) for key in TIMING_FIELDS)
                )
            activity_update(activity=activity, actor=actor, timing=timing, **values)
            changed += 1
        if "title" in values:
            series.title = values["title"]
            series.save(update_fields=["title", "updated_at"])
    return changed


def _timing_of(activity: Activity) -> Timing:
    return Timing(
        activity.starts_at,
        activity.ends_at,
        activity.signup_opens_at,
        activity.signup_closes_at,
        activity.cancel_until,
    )


def activity_cancel(*, activity: Activity, actor: User | None, reason: str) -> int:
    """Call an activity off: every sign-up is cancelled and told so, with the reason."""
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        if locked.status == ActivityStatus.CANCELLED:
            return 0
        signups = list(locked.signups.exclude(status=SignUpStatus.CANCELLED).select_related("officer__user"))
        now = timezone.now()
        for signup in signups:
            signup.status, signup.cancelled_at, signup.cancel_reason = (
                SignUpStatus.CANCELLED,
                now,
                reason[:200],
            )
            signup.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
            reminders.reminders_cancel(subject=_subject(signup))
            reminders.reminder_schedule(
                recipient=signup.officer.user,
                kind="activity_cancelled",
                due_at=now,
                dedupe_key=f"activities:cancelled:{signup.pk}",
                payload={**_payload(signup), "reason": reason[:200]},
            )
        locked.status, locked.booked_persons = ActivityStatus.CANCELLED, 0
        locked.save(update_fields=["status", "booked_persons", "updated_at"])
        _audit(actor, locked, "cancelled", reason=reason[:200], signups=len(signups))
    return len(signups)


# --- Signing up -----------------------------------------------------------------------------------------


def can_join(officer: Officer, activity: Activity) -> bool:
    """The officer belongs to the unit (subtree) the activity is open to."""
    return officer.active and officer.org_unit.path.startswith(activity.audience_unit.path)


def _members(officer: Officer, ids: Iterable[int]) -> list[FamilyMember]:
    wanted = set(ids)
    members = list(FamilyMember.objects.filter(officer=officer, pk__in=wanted))
    if len(members) != len(wanted):
        raise ActivityError(_("Choose family members from your own family list."))
    order = {FamilyRelation.SPOUSE: 0, FamilyRelation.CHILD: 1, FamilyRelation.PARENT: 2}
    return sorted(members, key=lambda member: (order.get(member.relation, 3), member.birth_date, member.pk))


def _check_audience(activity: Activity, members: list[FamilyMember]) -> None:
    day = _local_day(activity.starts_at)
    relations = [member.relation for member in members]
    if activity.audience == Audience.OFFICERS and members:
        raise ActivityError(_("This activity is for officers only: sign up without family members."))
    if activity.audience == Audience.COUPLES and relations != [FamilyRelation.SPOUSE]:
        raise ActivityError(_("This activity is for couples: choose your spouse, and only your spouse."))
    if activity.audience == Audience.CHILDREN:
        children = [member for member in members if member.relation == FamilyRelation.CHILD]
        if not children:
            raise ActivityError(_("This activity is for children with a parent: choose at least one child."))
        if any(member.relation == FamilyRelation.PARENT for member in members):
            raise ActivityError(_("This activity is for parents and their children."))
        low, high = activity.child_age_min, activity.child_age_max
        for child in children:
            age = age_on(child.birth_date, day)
            if (low is not None and age < low) or (high is not None and age > high):
                raise ActivityError(
                    _("%(name)s will be %(age)d on the day; this activity is for ages %(low)s to %(high)s.")
                    % {
                        "name": child.name,
                        "age": age,
                        "low": low if low is not None else 0,
                        "high": high or "—",
                    }
                )


def signup_create(
    *, activity: Activity, officer: Officer, family_member_ids: Iterable[int], now: dt.datetime | None = None
) -> SignUp:
    """Sign the officer and the chosen family members up: confirmed when their places are free,
    waitlisted otherwise (or refused when the activity has no waiting list). Raises ActivityError,
    or ConflictError when the officer already holds a sign-up for it."""
    given_now, now = now, now or timezone.now()
    members = _members(officer, family_member_ids)
    persons = 1 + len(members)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().select_related("audience_unit").get(pk=activity.pk)
        if not can_join(officer, locked):
            raise ActivityError(_("This activity is not open to your unit."))
        if locked.status != ActivityStatus.PUBLISHED:
            raise ActivityError(_("This activity has been cancelled."))
        if now < locked.signup_opens_at:
            raise ActivityError(
                _("Sign-up opens on %(when)s.")
                % {"when": f"{timezone.localtime(locked.signup_opens_at):%Y-%m-%d %H:%M}"}
            )
        if now >= locked.signup_closes_at:
            raise ActivityError(_("Sign-up for this activity has closed."))
        _check_audience(locked, members)
        if persons > locked.capacity:
            raise ActivityError(
                _("You are %(persons)d persons; this activity has %(capacity)d places in all.")
                % {"persons": persons, "capacity": locked.capacity}
            )
        existing = SignUp.objects.select_for_update().filter(activity=locked, officer=officer).first()
        if existing is not None and existing.status != SignUpStatus.CANCELLED:
            raise ConflictError(_("You have already signed up for this activity."))
        fits = locked.capacity - locked.booked_persons >= persons
        if not fits and not locked.waitlist:
            raise ActivityError(_("This activity is full."))
        signup = existing or SignUp(activity=locked, officer=officer)
        signup.status = SignUpStatus.CONFIRMED if fits else SignUpStatus.WAITLISTED
        # The queue's order is the order in which sign-ups got the activity's lock.
        signup.persons, signup.queued_at = persons, given_now or timezone.now()
        signup.offer_expires_at = signup.cancelled_at = None
        signup.cancel_reason = ""
        try:
            with transaction.atomic():
                signup.save()
        except IntegrityError:  # another request of the same officer got there first
            raise ConflictError(_("You have already signed up for this activity.")) from None
        signup.people.all().delete()
        SignUpPerson.objects.bulk_create(
            [SignUpPerson(signup=signup, is_officer=True, name=officer.name)]
            + [SignUpPerson(signup=signup, family_member=member, name=member.name) for member in members]
        )
        if fits:
            _book(locked, persons)
            _remind_confirmed(signup)
    return signup


def _book(activity: Activity, persons: int) -> None:
    """Take (or, negative, give back) places; the CHECK constraint refuses an overbooking."""
    Activity.objects.filter(pk=activity.pk).update(booked_persons=F("booked_persons") + persons)
    activity.booked_persons += persons


def waitlist_position(signup: SignUp) -> int | None:
    """1 for the first in the queue; None when the sign-up is not waiting."""
    if signup.status != SignUpStatus.WAITLISTED:
        return None
    ahead = SignUp.objects.filter(
        activity_id=signup.activity_id, status=SignUpStatus.WAITLISTED, queued_at__lt=signup.queued_at
    ).count()
    same_time = SignUp.objects.filter(
        activity_id=signup.activity_id,
        status=SignUpStatus.WAITLISTED,
        queued_at=signup.queued_at,
        pk__lt=signup.pk,
    ).count()
    return ahead + same_time + 1


def _promote(activity: Activity, now: dt.datetime) -> list[SignUp]:
    """Give freed places to the waiting list in order (the activity's row is locked by the caller)."""
    if activity.status != ActivityStatus.PUBLISHED or now >= activity.starts_at:
        return []
    free = activity.capacity - activity.booked_persons
    promoted: list[SignUp] = []
    if free <= 0:
        return promoted
    waiting = (
        SignUp.objects.select_for_update()
        .select_related("officer__user", "activity")
        .filter(activity=activity, status=SignUpStatus.WAITLISTED)
        .order_by("queued_at", "id")
    )
    for signup in waiting:
        if signup.persons > free:
            continue
        if activity.confirm_from_waitlist:
            signup.status, signup.offer_expires_at = SignUpStatus.CONFIRMED, None
        else:
            signup.status = SignUpStatus.OFFERED
            signup.offer_expires_at = min(now + dt.timedelta(hours=activity.offer_hours), activity.starts_at)
        signup.save(update_fields=["status", "offer_expires_at", "updated_at"])
        _book(activity, signup.persons)
        free -= signup.persons
        promoted.append(signup)
        if signup.status == SignUpStatus.CONFIRMED:
            _remind_confirmed(signup)
        else:
            _remind_offer(signup)
        if free == 0:
            break
    return promoted


def signup_cancel(
    *,
    signup: SignUp,
    actor: User | None,
    reason: str = "",
    by_office: bool = False,
    now: dt.datetime | None = None,
) -> SignUp:
    """Withdraw a sign-up (or decline an offer); freed places go to the waiting list.

    The officer may cancel until the activity's cancellation cut-off; the office at any time before the
    end. Cancelling a cancelled sign-up changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
        locked = (
            SignUp.objects.select_for_update().select_related("officer__user", "activity").get(pk=signup.pk)
        )
        if locked.status == SignUpStatus.CANCELLED:
            return locked
        if locked.status in (SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW):
            raise ActivityError(_("This activity has taken place; its sign-ups can no longer be cancelled."))
        # After the cut-off an officer may still leave the waiting list or decline an offer: no place is held.
        waiting = locked.status in (SignUpStatus.OFFERED, SignUpStatus.WAITLISTED)
        if not by_office and now > activity.cancel_until and not waiting:
            raise ActivityError(
                _("Cancellation closed on %(when)s; please call the welfare office.")
                % {"when": f"{timezone.localtime(activity.cancel_until):%Y-%m-%d %H:%M}"}
            )
        held = locked.status in BOOKED
        locked.status, locked.cancelled_at, locked.cancel_reason = SignUpStatus.CANCELLED, now, reason[:200]
        locked.offer_expires_at = None
        locked.save(
            update_fields=["status", "cancelled_at", "cancel_reason", "offer_expires_at", "updated_at"]
        )
        reminders.reminders_cancel(subject=_subject(locked))
        if by_office:
            _audit(actor, locked, "signup_cancelled", reason=reason[:200], signup=locked.pk)
            reminders.reminder_schedule(
                recipient=locked.officer.user,
                kind="activity_signup_cancelled",
                due_at=now,
                dedupe_key=f"activities:office_cancelled:{locked.pk}:{int(now.timestamp())}",
                payload={**_payload(locked), "reason": reason[:200]},
            )
        if held:
            _book(activity, -locked.persons)
            _promote(activity, now)
    return locked


def offer_accept(*, signup: SignUp, now: dt.datetime | None = None) -> SignUp:
    now = now or timezone.now()
    with transaction.atomic():
        Activity.objects.select_for_update().get(pk=signup.activity_id)
        locked = (
            SignUp.objects.select_for_update().select_related("activity", "officer__user").get(pk=signup.pk)
        )
        if locked.status == SignUpStatus.CONFIRMED:
            return locked  # accepted already (a double click)
        if locked.status != SignUpStatus.OFFERED:
            raise ActivityError(_("There is no offer to accept for this sign-up."))
        if locked.offer_expires_at <= now:
            raise ActivityError(_("This offer has expired."))
        locked.status, locked.offer_expires_at = SignUpStatus.CONFIRMED, None
        locked.save(update_fields=["status", "offer_expires_at", "updated_at"])
        reminders.reminders_cancel(subject=_subject(locked))
        _remind_confirmed(locked)
    return locked


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """Offers not accepted in time lapse and pass to the next in the queue (a beat job; safe to run twice)."""
    now = now or timezone.now()
    activity_ids = set(
        SignUp.objects.filter(status=SignUpStatus.OFFERED, offer_expires_at__lte=now).values_list(
            "activity_id", flat=True
        )
    )
    lapsed = 0
    for activity_id in sorted(activity_ids):
        with transaction.atomic():
            activity = Activity.objects.select_for_update().get(pk=activity_id)
            expired = list(
                SignUp.objects.select_for_update().filter(
                    activity=activity, status=SignUpStatus.OFFERED, offer_expires_at__lte=now
                )
            )
            for signup in expired:
                signup.status, signup.cancelled_at = SignUpStatus.CANCELLED, now
                signup.cancel_reason = _("The offer was not accepted in time.")
                signup.offer_expires_at = None
                signup.save(
                    update_fields=[
                        "status",
                        "cancelled_at",
                        "cancel_reason",
                        "offer_expires_at",
                        "updated_at",
                    ]
                )
                reminders.reminders_cancel(subject=_subject(signup))
                _book(activity, -signup.persons)
            lapsed += len(expired)
            _promote(activity, now)
    return lapsed


def capacity_set(
    *, activity: Activity, capacity: int, actor: User | None, now: dt.datetime | None = None
) -> Activity:
    """Change the number of places; more places promote the waiting list, fewer than booked are refused."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _refuse_cancelled(locked)
        if capacity < max(locked.booked_persons, 1):
            raise ActivityError(
                _("%(booked)d persons already hold places; the capacity cannot go below that.")
                % {"booked": locked.booked_persons}
            )
        _audit(actor, locked, "capacity", before=locked.capacity, after=capacity)
        locked.capacity = capacity
        locked.save(update_fields=["capacity", "updated_at"])
        _promote(locked, now)
    return locked


# --- On the day and after ---------------------------------------------------------------------------------


def attendance_record(*, signup: SignUp, attended_person_ids: Iterable[int], actor: User | None) -> SignUp:
    """Mark who of a sign-up came (the others did not); the sign-up becomes attended or a no-show."""
    attended = set(attended_person_ids)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
        locked = SignUp.objects.select_for_update().get(pk=signup.pk)
        if locked.status not in (SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW):
            raise ActivityError(_("Only a confirmed sign-up can be checked in."))
        if timezone.now() < activity.starts_at - dt.timedelta(hours=12):
            raise ActivityError(_("Check-in opens on the day of the activity."))
        people = list(locked.people.all())
        if not attended <= {person.pk for person in people}:
            raise ActivityError(_("These persons are not on this sign-up."))
        for person in people:
            person.attended = person.pk in attended
        SignUpPerson.objects.bulk_update(people, ["attended"])
        before = locked.status
        locked.status = SignUpStatus.ATTENDED if attended else SignUpStatus.NO_SHOW
        locked.save(update_fields=["status", "updated_at"])
        if before in BOOKED and locked.status not in BOOKED:
            _book(activity, -locked.persons)
        elif before not in BOOKED and locked.status in BOOKED:
            _book(activity, locked.persons)
        _audit(actor, locked, "attendance", attended=len(attended), persons=len(people))
        if locked.status == SignUpStatus.ATTENDED:
            _remind_feedback(locked, activity)
    return locked


def photo_add(*, activity: Activity, upload, suffix: str, caption: str, actor: User | None) -> ActivityPhoto:
    """Keep a photo of an activity; ``suffix`` is what the file's bytes are (the caller sniffed them)."""
    upload.seek(0)
    upload.name = f"photo{suffix}"  # the stored name says what the bytes are, never what the sender said
    photo = ActivityPhoto.objects.create(activity=activity, image=upload, caption=caption.strip()[:200])
    _audit(actor, activity, "photo_added", photo=photo.pk)
    return photo


def feedback_submit(*, signup: SignUp, officer: Officer, rating: int, comment: str = "") -> Feedback:
    """An attendee rates the activity once it has ended; a second rating replaces the first."""
    if signup.officer_id != officer.pk:
        raise ActivityError(_("This is not your sign-up."))
    if signup.status != SignUpStatus.ATTENDED:
        raise ActivityError(_("Only those who came can rate an activity."))
    if timezone.now() < signup.activity.ends_at:
        raise ActivityError(_("The activity has not ended yet: rate it afterwards."))
    if not 1 <= int(rating) <= 5:
        raise ActivityError(_("Rate from 1 to 5."))
    feedback, _created = Feedback.objects.update_or_create(
        signup=signup, defaults={"rating": int(rating), "comment": comment.strip()[:1000]}
    )
    reminders.reminders_cancel(subject=f"activities.feedback:{signup.pk}")  # asked and answered
    return feedback


# --- Reminders ----------------------------------------------------------------------------------------------


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)), timezone.get_default_timezone())


def _payload(signup: SignUp) -> dict:
    activity = signup.activity
    return {
        "signup": signup.pk,
        "activity": activity.pk,
        "title": activity.title,
        "starts": f"{timezone.localtime(activity.starts_at):%Y-%m-%d %H:%M}",
        "venue": activity.venue,
        "persons": signup.persons,
    }


def _remind_confirmed(signup: SignUp) -> None:
    activity = signup.activity
    due = _at(_local_day(activity.starts_at) - dt.timedelta(days=1), REMINDER_HOUR)
    now = timezone.now()
    if due < now:
        due = now if activity.starts_at > now else None
    if due is None:
        return
    reminders.reminder_schedule(
        recipient=signup.officer.user,
        kind="activity_tomorrow",
        due_at=due,
        dedupe_key=f"activities:tomorrow:{signup.pk}:{activity.starts_at:%Y%m%d%H%M}:{int(signup.queued_at.timestamp())}",
        subject=_subject(signup),
        payload=_payload(signup),
    )


def _remind_offer(signup: SignUp) -> None:
    now = timezone.now()
    payload = {**_payload(signup), "expires": f"{timezone.localtime(signup.offer_expires_at):%Y-%m-%d %H:%M}"}
    key = f"activities:offer:{signup.pk}:{int(signup.offer_expires_at.timestamp())}"
    reminders.reminder_schedule(
        recipient=signup.officer.user,
        kind="activity_offer",
        due_at=now,
        dedupe_key=key,
        subject=_subject(signup),
        payload=payload,
    )
    warn_at = signup.offer_expires_at - EXPIRY_WARNING
    if warn_at > now:
        reminders.reminder_schedule(
            recipient=signup.officer.user,
            kind="activity_offer_expiring",
            due_at=warn_at,
            dedupe_key=f"{key}:expiring",
            subject=_subject(signup),
            payload=payload,
        )


def _remind_feedback(signup: SignUp, activity: Activity) -> None:
    reminders.reminder_schedule(
        recipient=signup.officer.user,
        kind="activity_feedback",
        due_at=max(activity.ends_at + FEEDBACK_AFTER, timezone.now()),
        dedupe_key=f"activities:feedback:{signup.pk}",
        subject=f"activities.feedback:{signup.pk}",
        payload={**_payload(signup), "activity": activity.pk},
    )
