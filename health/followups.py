"""Follow-ups of abnormal checkups, the adviser of each officer, and the health reminders.

- **Health profiles.** After every checkup import, ``checkups_imported`` brings the ``HealthProfile``
  of each officer in the file up to date: their latest checkup and the risk level it gives
  (health/risk.py). Cohort pages and aggregates filter and count on the profile, in SQL.
- **Follow-ups.** A latest checkup whose risk level is above green opens one follow-up (one per
  checkup: importing the file again opens nothing new), due within ``DUE_DAYS`` of its level and
  assigned to the officer's adviser when there is one. Health staff assign it to themselves, to
  another health staff member covering the officer, or to the officer's adviser, and close it with an
  outcome. An older checkup superseded by a newer one opens nothing, and its follow-up, if nobody has
  started it, is closed as superseded (the newer checkup opens its own when it still needs one).
- **Advisers.** Health staff assign an adviser doctor (an account holding the health-adviser role) to
  officers in their scope. The adviser then reads those officers' archives (audited, like every read
  of somebody else's archive) and takes their follow-ups. Assigning or removing an adviser is
  audited: it grants or withdraws access to health data.
- **Reminders** (notification engine): "follow-up due" to the assignee on the due date, replaced
  when the assignee or the date changes and cancelled when the follow-up is done; "no checkup in the
  last 12 months" to the officer, once per lapse and year (``checkup_overdue_remind``, daily).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from health.models import (
    Checkup,
    CheckupResult,
    FollowUp,
    FollowUpOutcome,
    FollowUpStatus,
    HealthProfile,
    RiskLevel,
)
from health.risk import assess
from notifications import services as reminders
from people import scope
from people.models import Officer, Role, RoleAssignment, User
from welfare.domain import DomainError

__all__ = [
    "DUE_DAYS",
    "FollowUpError",
    "adviser_assign",
    "advisers",
    "checkup_overdue_remind",
    "checkups_imported",
    "follow_up_update",
    "profiles_refresh",
]

DUE_DAYS = {RiskLevel.RED: 7, RiskLevel.ORANGE: 14, RiskLevel.YELLOW: 30}
HEALTH_ROLES = frozenset({Role.HEALTH_STAFF})
OPEN_STATES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)
REMINDER_TIME = dt.time(9)  # reminders due on a day go out in the morning
_CHUNK = 500


class FollowUpError(DomainError):
    """A follow-up or an adviser assignment that cannot be made as asked."""


def _chunked(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


# --- After an import -------------------------------------------------------------------------------------


def checkups_imported(*, officer_ids: Iterable[int], today: dt.date | None = None) -> None:
    """Profiles, then follow-ups, for the officers of an import (a fixed number of queries per 500)."""
    for chunk in _chunked(officer_ids):
        with transaction.atomic():
            profiles = profiles_refresh(chunk)
            _follow_ups_open(profiles, today=today or timezone.localdate())


def profiles_refresh(officer_ids: list[int]) -> list[tuple[HealthProfile, Checkup, Any]]:
    """Write each officer's latest checkup and risk level; returns (profile, checkup, risk) per officer."""
    latest_dates = dict(
        Checkup.objects.filter(officer_id__in=officer_ids)
        .order_by()
        .values("officer_id")
        .annotate(latest=Max("date"))
        .values_list("officer_id", "latest")
    )
    checkups = {
        checkup.officer_id: checkup
        for checkup in Checkup.objects.filter(
            officer_id__in=latest_dates, date__in=set(latest_dates.values())
        )
        if latest_dates.get(checkup.officer_id) == checkup.date
    }
    results: dict[int, list[CheckupResult]] = {}
    for result in CheckupResult.objects.filter(checkup__in=checkups.values()).select_related("indicator"):
        results.setdefault(result.checkup_id, []).append(result)
    assessed = {
        officer_id: assess(results.get(checkup.pk, []), checkup=checkup)
        for officer_id, checkup in checkups.items()
    }
    now = timezone.now()
    rows = [
        HealthProfile(
            officer_id=officer_id,
            checkup=checkups.get(officer_id),
            checkup_date=latest_dates.get(officer_id),
            risk_level=assessed[officer_id].level if officer_id in assessed else "",
            updated_at=now,
        )
        for officer_id in officer_ids
    ]
    HealthProfile.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["officer"],
        update_fields=["checkup", "checkup_date", "risk_level", "updated_at"],
    )
    advisers_of = dict(
        HealthProfile.objects.filter(officer_id__in=officer_ids).values_list("officer_id", "adviser_id")
    )
    for row in rows:
        row.adviser_id = advisers_of.get(row.officer_id)
    return [
        (row, checkups[row.officer_id], assessed[row.officer_id])
        for row in rows
        if row.officer_id in checkups
    ]


def _follow_ups_open(profiles: list[tuple[HealthProfile, Checkup, Any]], *, today: dt.date) -> None:
    _follow_ups_supersede(profiles)
    wanted = [
        FollowUp(
            officer_id=profile.officer_id,
            checkup=checkup,
            risk_level=risk.level,
            indicators=sorted({code for reason in risk.reasons for code in reason.indicators}),
            assignee_id=profile.adviser_id,
            due_date=max(today, checkup.date) + dt.timedelta(days=DUE_DAYS[risk.level]),
        )
        for profile, checkup, risk in profiles
        if risk.level in DUE_DAYS
    ]
    if not wanted:
        return
    existing = set(
        FollowUp.objects.filter(checkup__in=[f.checkup for f in wanted]).values_list("checkup_id", flat=True)
    )
    new = [follow_up for follow_up in wanted if follow_up.checkup.pk not in existing]
    FollowUp.objects.bulk_create(new, ignore_conflicts=True)
    assigned = FollowUp.objects.filter(
        checkup__in=[f.checkup for f in new], assignee__isnull=False
    ).select_related("officer", "assignee")
    for follow_up in assigned:
        _remind_due(follow_up)


def _follow_ups_supersede(profiles: list[tuple[HealthProfile, Checkup, Any]]) -> None:
    """Follow-ups nobody has started, of a checkup older than the latest, are closed: the newer checkup
    speaks now (and opens its own follow-up if it still needs one). One already in progress stays."""
    if not profiles:
        return
    stale = list(
        FollowUp.objects.filter(officer_id__in=[profile.officer_id for profile, _c, _r in profiles])
        .filter(status=FollowUpStatus.OPEN)
        .exclude(checkup__in=[checkup for _p, checkup, _r in profiles])
        .values_list("pk", flat=True)
    )
    if not stale:
        return
    now = timezone.now()
    FollowUp.objects.filter(pk__in=stale).update(
        status=FollowUpStatus.DONE, outcome=FollowUpOutcome.SUPERSEDED, done_at=now, updated_at=now
    )
    for pk in stale:
        reminders.reminders_cancel(subject=f"health.follow_up:{pk}")


# --- Reminders -------------------------------------------------------------------------------------------


def _subject(follow_up: FollowUp) -> str:
    return f"health.follow_up:{follow_up.pk}"


def _remind_due(follow_up: FollowUp) -> None:
    """The assignee hears about the follow-up on its due date (in the morning)."""
    if follow_up.assignee_id is None or follow_up.status == FollowUpStatus.DONE:
        return
    due_at = timezone.make_aware(
        dt.datetime.combine(follow_up.due_date, REMINDER_TIME),
        timezone.get_default_timezone(),
    )
    reminders.reminder_schedule(
        recipient=follow_up.assignee,
        kind="health_follow_up_due",
        due_at=max(due_at, timezone.now()),
        dedupe_key=f"health:follow_up:{follow_up.pk}:{follow_up.assignee_id}:{follow_up.due_date:%Y%m%d}",
        subject=_subject(follow_up),
        payload={
            "follow_up": follow_up.pk,
            "name": follow_up.officer.name,
            "due": follow_up.due_date.isoformat(),
        },
    )


def checkup_overdue_remind(*, today: dt.date | None = None) -> int:
    """Officers with no checkup in the last 12 months hear about it (once per lapse and year)."""
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=365)
    officers = (
        Officer.objects.filter(active=True, user__is_active=True)
        .exclude(health_profile__checkup_date__gt=cutoff)
        .values_list("pk", "user_id", "health_profile__checkup_date")
        .order_by("pk")
    )
    due_at = timezone.make_aware(dt.datetime.combine(today, REMINDER_TIME), timezone.get_default_timezone())
    due_at = max(due_at, timezone.now())
    specs = [
        reminders.ReminderSpec(
            recipient_id=user_id,
            kind="health_checkup_overdue",
            due_at=due_at,
            dedupe_key=f"health:checkup_overdue:{officer_id}:{last or 'none'}:{today.year}",
            payload={"last": last.isoformat() if last else ""},
        )
        for officer_id, user_id, last in officers.iterator(chunk_size=2000)
    ]
    return reminders.reminders_schedule_many(specs=specs)


# --- Staff actions ---------------------------------------------------------------------------------------


def advisers() -> QuerySet[User]:
    """Accounts that may be assigned as an adviser doctor."""
    return (
        User.objects.filter(
            is_active=True,
            pk__in=RoleAssignment.objects.filter(role=Role.HEALTH_ADVISER).values("user_id"),
        )
        .select_related("officer")
        .order_by("username")
    )


def _display(user: User | None) -> str:
    return "" if user is None else user.display_name


def assignees_for(follow_up: FollowUp) -> list[User]:
    """Who may take this follow-up: health staff covering the officer, and the officer's adviser."""
    path = follow_up.officer.org_unit.path
    staff: list[User] = []
    for assignment in (
        RoleAssignment.objects.filter(role__in=HEALTH_ROLES, user__is_active=True)
        .select_related("org_unit", "user__officer")
        .order_by("user__username")
    ):
        if path.startswith(assignment.org_unit.path) and assignment.user not in staff:
            staff.append(assignment.user)
    profile = HealthProfile.objects.filter(officer_id=follow_up.officer_id).select_related("adviser").first()
    adviser = profile.adviser if profile is not None else None
    if adviser is not None and adviser.is_active and adviser not in staff:
        staff.append(adviser)
    return staff


def follow_up_update(
    follow_up: FollowUp,
    *,
    actor: User,
    assignee: User | None,
    due_date: dt.date,
    status: str,
    notes: str,
    outcome: str,
) -> FollowUp:
    """Change a follow-up; the due reminder follows the assignee and the date. Raises FollowUpError."""
    if assignee is not None and assignee not in assignees_for(follow_up):
        raise FollowUpError(
            _("%(name)s cannot take this follow-up: pick health staff of the unit or the adviser.")
            % {"name": _display(assignee)}
        )
    if status == FollowUpStatus.DONE and not outcome:
        raise FollowUpError(_("A follow-up that is done needs an outcome."))
    with transaction.atomic():
        locked = FollowUp.objects.select_for_update().select_related("officer").get(pk=follow_up.pk)
        reminded_before = (locked.assignee_id, locked.due_date, locked.status)
        locked.assignee = assignee
        locked.due_date = due_date
        locked.status = status
        locked.notes = notes
        locked.outcome = outcome
        locked.done_at = (locked.done_at or timezone.now()) if status == FollowUpStatus.DONE else None
        locked.save()
        if reminded_before != (locked.assignee_id, locked.due_date, locked.status):
            reminders.reminders_cancel(subject=_subject(locked))
            _remind_due(locked)
    return locked


def adviser_assign(*, actor: User, officers: Iterable[Officer], adviser: User | None) -> int:
    """Make ``adviser`` (None: nobody) the adviser of ``officers``, all in the actor's health scope.

    Open follow-ups that nobody holds, or that the previous adviser held, go to the new adviser (or
    back to nobody). Audited per officer.
    """
    officers = list(officers)
    if adviser is not None and not advisers().filter(pk=adviser.pk).exists():
        raise FollowUpError(
            _("%(name)s does not hold the health adviser role.") % {"name": _display(adviser)}
        )
    outside = [o for o in officers if not scope.covers(actor, HEALTH_ROLES, o.org_unit)]
    if outside:
        raise FollowUpError(_("Some of these officers are not in your scope."))
    changed = 0
    with transaction.atomic():
        existing = {
            profile.officer_id: profile
            for profile in HealthProfile.objects.select_for_update().filter(officer__in=officers)
        }
        for officer in officers:
            profile = existing.get(officer.pk) or HealthProfile(officer=officer)
            if profile.adviser_id == (adviser.pk if adviser else None):
                continue
            previous = profile.adviser_id
            profile.adviser = adviser
            profile.save()
            changed += 1
            audit_record(
                actor=actor,
                action=AuditAction.HEALTH_ADVISER_CHANGED,
                target=officer,
                detail={
                    "police_number": officer.police_number,
                    "adviser": adviser.get_username() if adviser else None,
                    "previous_adviser_id": previous,
                },
            )
            # Open follow-ups nobody holds, or that the previous adviser held, pass to the new one.
            held = (
                Q(assignee__isnull=True) | Q(assignee_id=previous) if previous else Q(assignee__isnull=True)
            )
            for follow_up in FollowUp.objects.filter(
                held, officer=officer, status__in=OPEN_STATES
            ).select_related("officer", "assignee"):
                follow_up.assignee = adviser
                follow_up.save(update_fields=["assignee", "updated_at"])
                reminders.reminders_cancel(subject=_subject(follow_up))
                _remind_due(follow_up)
    return changed
