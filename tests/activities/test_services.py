"""Sign-up rules, the waiting list and its offers, capacity, attendance and feedback (the services)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from activities import services
from activities.models import Activity, Feedback, SignUp, SignUpStatus
from notifications.models import Reminder, ReminderState
from tests.activities.factories import make_activity
from tests.factories import FamilyMemberFactory, OfficerFactory
from welfare.domain import ConflictError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are matched as written (the msgids), whatever the catalogue says."""
    with translation.override("en"):
        yield


def _family(officer, *relations):
    return [m.pk for m in officer.family_members.filter(relation__in=relations)]


def _officers(unit, n):
    return [OfficerFactory(org_unit=unit) for _ in range(n)]


def _sign(activity, officer, members=()):
    return services.signup_create(activity=activity, officer=officer, family_member_ids=members)


def _booked(activity) -> int:
    return Activity.objects.get(pk=activity.pk).booked_persons


# --- Rules ---


def test_every_person_counts_and_a_family_that_fits_is_confirmed(officer, station):
    activity = make_activity(unit=station, capacity=5)
    signup = _sign(activity, officer, _family(officer, "spouse", "child"))
    assert (signup.status, signup.persons) == (SignUpStatus.CONFIRMED, 3)
    assert [p.name for p in signup.people.order_by("id")] == [officer.name, "林婉清", "陈思源"]
    assert _booked(activity) == 3


def test_a_family_that_does_not_fit_waits_and_without_a_waiting_list_is_refused(station):
    activity = make_activity(unit=station, capacity=2)
    first, second, third = _officers(station, 3)
    _sign(activity, first)
    _sign(activity, second)
    assert _sign(activity, third).status == SignUpStatus.WAITLISTED
    closed = make_activity(unit=station, capacity=1, waitlist=False)
    _sign(closed, first)
    with pytest.raises(services.ActivityError, match="full"):
        _sign(closed, second)


def test_one_sign_up_per_officer_and_a_double_click_is_a_conflict_not_a_second_row(officer, station):
    activity = make_activity(unit=station)
    _sign(activity, officer)
    with pytest.raises(ConflictError):
        _sign(activity, officer)
    assert SignUp.objects.filter(activity=activity).count() == 1
    assert _booked(activity) == 1


def test_the_database_refuses_a_second_sign_up_and_an_overbooking(officer, station):
    activity = make_activity(unit=station, capacity=2)
    _sign(activity, officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUp.objects.create(
            activity=activity, officer=officer, status="confirmed", persons=1, queued_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(booked_persons=3)


def test_only_ones_own_family_members_come_along(officer, outsider, station):
    activity = make_activity(unit=station)
    foreign = outsider.family_members.first()
    with pytest.raises(services.ActivityError, match="own family"):
        _sign(activity, officer, [foreign.pk])
    assert not SignUp.objects.exists()


def test_an_activity_of_another_unit_is_not_open(outsider, station):
    with pytest.raises(services.ActivityError, match="not open to your unit"):
        _sign(make_activity(unit=station), outsider)


def test_the_sign_up_window(officer, station):
    later = make_activity(unit=station, opens_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(services.ActivityError, match="opens on"):
        _sign(later, officer)
    closed = make_activity(unit=station, closes_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(services.ActivityError, match="closed"):
        _sign(closed, officer)


def test_children_activities_check_each_childs_age_on_the_day(officer, station):
    # The fixture's child was born 2009-03-09.
    start = dt.datetime(2026, 12, 12, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 12, 1, tzinfo=dt.UTC), tick=False):
        painting = make_activity(
            unit=station,
            audience="children",
            child_age_min=4,
            child_age_max=12,
            starts_in=start - timezone.now(),
        )
        with pytest.raises(services.ActivityError, match="will be 17 on the day"):
            _sign(painting, officer, _family(officer, "child"))
        with pytest.raises(services.ActivityError, match="at least one child"):
            _sign(painting, officer, _family(officer, "spouse"))
        young = FamilyMemberFactory(
            officer=officer, relation="child", birth_date=dt.date(2016, 12, 13), name="小十"
        )
        with pytest.raises(services.ActivityError, match="will be 9"):  # 10 only the day after
            services.signup_create(
                activity=make_activity(
                    unit=station, audience="children", child_age_min=10, starts_in=start - timezone.now()
                ),
                officer=officer,
                family_member_ids=[young.pk],
            )
        assert _sign(painting, officer, [young.pk, *_family(officer, "spouse")]).persons == 3


def test_couples_activities_take_the_spouse_and_only_the_spouse(officer, station):
    flowers = make_activity(unit=station, audience="couples", kind="couples")
    with pytest.raises(services.ActivityError, match="couples"):
        _sign(flowers, officer, _family(officer, "spouse", "child"))
    with pytest.raises(services.ActivityError, match="couples"):
        _sign(flowers, officer)
    assert _sign(flowers, officer, _family(officer, "spouse")).persons == 2


# --- Cancelling and the waiting list ---


def test_a_cancellation_offers_the_place_to_the_first_waiting_family_that_fits(station):
    activity = make_activity(unit=station, capacity=3)
    holder, big, small = _officers(station, 3)
    FamilyMemberFactory.create_batch(2, officer=big)
    held = _sign(activity, holder, [])
    _sign(activity, OfficerFactory(org_unit=station))
    _sign(activity, OfficerFactory(org_unit=station))
    big_signup = _sign(activity, big, [m.pk for m in big.family_members.all()])  # 3 persons: waits
    small_signup = _sign(activity, small)  # 1 person: waits behind
    assert (big_signup.status, small_signup.status) == ("waitlisted", "waitlisted")
    assert services.waitlist_position(small_signup) == 2
    services.signup_cancel(signup=held, actor=holder.user)
    big_signup.refresh_from_db()
    small_signup.refresh_from_db()
    # One place free: the big family does not fit, the small one does and gets the offer.
    assert big_signup.status == "waitlisted"
    assert small_signup.status == "offered"
    assert small_signup.offer_expires_at == pytest.approx(
        timezone.now() + dt.timedelta(hours=48), abs=dt.timedelta(minutes=1)
    )
    assert _booked(activity) == 3
    kinds = set(Reminder.objects.filter(recipient=small.user).values_list("kind", flat=True))
    assert {"activity_offer", "activity_offer_expiring"} <= kinds


def test_an_accepted_offer_is_confirmed_and_an_expired_one_passes_on(station):
    activity = make_activity(unit=station, capacity=1)
    holder, first, second = _officers(station, 3)
    held = _sign(activity, holder)
    waiting_first = _sign(activity, first)
    waiting_second = _sign(activity, second)
    services.signup_cancel(signup=held, actor=holder.user)
    waiting_first.refresh_from_db()
    assert waiting_first.status == "offered"
    # Not accepted in time: it lapses and the next one is offered the place.
    later = timezone.now() + dt.timedelta(hours=49)
    assert services.offers_expire(now=later) == 1
    assert services.offers_expire(now=later) == 0  # a second run finds nothing
    waiting_first.refresh_from_db()
    waiting_second.refresh_from_db()
    assert (waiting_first.status, waiting_second.status) == ("cancelled", "offered")
    with pytest.raises(services.ActivityError, match="no offer"):
        services.offer_accept(signup=waiting_first)
    accepted = services.offer_accept(signup=waiting_second)
    assert accepted.status == "confirmed"
    assert services.offer_accept(signup=waiting_second).status == "confirmed"  # a double click
    assert _booked(activity) == 1


def test_confirm_from_the_waiting_list_directly_when_the_activity_says_so(station):
    activity = make_activity(unit=station, capacity=1, confirm_from_waitlist=True)
    holder, waiting = _officers(station, 2)
    held = _sign(activity, holder)
    queued = _sign(activity, waiting)
    services.signup_cancel(signup=held, actor=holder.user)
    queued.refresh_from_db()
    assert queued.status == "confirmed"
    assert Reminder.objects.filter(recipient=waiting.user, kind="activity_tomorrow").exists()


def test_raising_capacity_promotes_the_waiting_list_and_lowering_below_booked_is_refused(station):
    activity = make_activity(unit=station, capacity=1, confirm_from_waitlist=True)
    people = _officers(station, 4)
    signups = [_sign(activity, person) for person in people]
    services.capacity_set(activity=activity, capacity=3, actor=None)
    assert [SignUp.objects.get(pk=s.pk).status for s in signups] == [
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    with pytest.raises(services.ActivityError, match="cannot go below"):
        services.capacity_set(activity=activity, capacity=2, actor=None)
    assert _booked(activity) == 3


def test_cancelling_after_the_cut_off_is_for_the_office_and_cancels_the_reminders(officer, station):
    activity = make_activity(unit=station, cancel_until=timezone.now() - dt.timedelta(minutes=1))
    signup = _sign(activity, officer)
    assert Reminder.objects.filter(
        recipient=officer.user, kind="activity_tomorrow", state="scheduled"
    ).exists()
    with pytest.raises(services.ActivityError, match="Cancellation closed"):
        services.signup_cancel(signup=signup, actor=officer.user)
    services.signup_cancel(signup=signup, actor=None, by_office=True, reason="家中有事")
    # What was to come is off; the family is told why.
    pending = Reminder.objects.filter(recipient=officer.user, state=ReminderState.SCHEDULED)
    assert [(r.kind, r.payload["reason"]) for r in pending] == [("activity_signup_cancelled", "家中有事")]
    assert _booked(activity) == 0
    # Signing up again puts the family at the end of the queue, as a new sign-up.
    again = _sign(activity, officer)
    assert (again.pk, again.status) == (signup.pk, "confirmed")


def test_calling_an_activity_off_cancels_every_sign_up(station):
    activity = make_activity(unit=station, capacity=1)
    first, second = _officers(station, 2)
    _sign(activity, first)
    _sign(activity, second)
    assert services.activity_cancel(activity=activity, actor=None, reason="天气原因") == 2
    assert set(SignUp.objects.values_list("status", flat=True)) == {"cancelled"}
    with pytest.raises(services.ActivityError, match="cancelled"):
        _sign(activity, OfficerFactory(org_unit=station))


# --- Series ---


def test_a_weekly_series_is_created_in_one_step_and_edited_ahead_only(station):
    now = timezone.now()
    start = now + dt.timedelta(days=3)
    timing = services.Timing(
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        signup_opens_at=now - dt.timedelta(days=1),
        signup_closes_at=start - dt.timedelta(hours=1),
        cancel_until=start - dt.timedelta(hours=12),
    )
    series = services.series_create(
        actor=None,
        timing=timing,
        weeks=6,
        title="亲子绘画",
        kind="parent_child",
        organiser=station,
        audience_unit=station,
        venue="少年宫",
        capacity=20,
    )
    starts = list(series.activities.order_by("starts_at").values_list("starts_at", flat=True))
    assert len(starts) == 6 and all(b - a == dt.timedelta(weeks=1) for a, b in itertools.pairwise(starts))
    assert services.series_update(series=series, actor=None, since=starts[2], venue="市局文体中心") == 3
    assert (
        list(series.activities.order_by("starts_at").values_list("venue", flat=True))
        == ["少年宫"] * 3 + ["市局文体中心"] * 3
    )


# --- The day and after ---


def test_attendance_per_person_then_feedback_from_those_who_came(officer, station):
    activity = make_activity(unit=station, starts_in=dt.timedelta(hours=2))
    signup = _sign(activity, officer, _family(officer, "spouse", "child"))
    people = list(signup.people.order_by("id"))
    with pytest.raises(services.ActivityError, match="Only those who came"):
        services.feedback_submit(signup=signup, officer=officer, rating=5)
    recorded = services.attendance_record(
        signup=signup, attended_person_ids=[people[0].pk, people[2].pk], actor=None
    )
    assert recorded.status == "attended"
    assert [p.attended for p in signup.people.order_by("id")] == [True, False, True]
    with time_machine.travel(activity.ends_at + dt.timedelta(hours=1)):
        with pytest.raises(services.ActivityError, match="1 to 5"):
            services.feedback_submit(signup=recorded, officer=officer, rating=6)
        services.feedback_submit(signup=recorded, officer=officer, rating=4, comment=" 很好 ")
        feedback = services.feedback_submit(signup=recorded, officer=officer, rating=5)
    assert (feedback.rating, Feedback.objects.get(signup=recorded).rating) == (5, 5)
    # Asked once they came, and no longer once they answered.
    request = Reminder.objects.get(recipient=officer.user, kind="activity_feedback")
    assert request.state == ReminderState.CANCELLED


def test_nobody_ticked_is_a_no_show_and_a_correction_finds_the_places_still_there(officer, station):
    activity = make_activity(unit=station, capacity=2, waitlist=False, starts_in=dt.timedelta(hours=2))
    signup = _sign(activity, officer, _family(officer, "spouse"))
    assert services.attendance_record(signup=signup, attended_person_ids=[], actor=None).status == "no_show"
    # The places stay taken (sign-up may still be open): nobody takes them before a correction.
    assert _booked(activity) == 2
    with pytest.raises(services.ActivityError, match="full"):
        _sign(activity, OfficerFactory(org_unit=station))
    person = signup.people.get(is_officer=True)
    corrected = services.attendance_record(signup=signup, attended_person_ids=[person.pk], actor=None)
    assert corrected.status == "attended" and _booked(activity) == 2


def test_beat_passes_expired_offers_on_every_minute_through_a_registered_task(station, settings):
    from welfare.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["activities-expire-offers"]
    assert (entry["task"], entry["schedule"]) == ("activities.expire_offers", 60.0)
    app.loader.import_default_modules()
    activity = make_activity(unit=station, capacity=1)
    holder, waiting = _officers(station, 2)
    held = _sign(activity, holder)
    queued = _sign(activity, waiting)
    services.signup_cancel(signup=held, actor=holder.user)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=49)):
        assert app.tasks["activities.expire_offers"]() == 1
    queued.refresh_from_db()
    assert queued.status == "cancelled"
