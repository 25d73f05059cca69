"""On PostgreSQL, with real transactions: many families at once never overbook an activity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from activities import services
from activities.models import Activity, SignUp, SignUpStatus
from tests.activities.factories import make_activity
from tests.conftest import run_at_once
from tests.factories import OfficerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fifty_officers_at_once_for_ten_places_confirm_ten_and_queue_the_rest_in_arrival_order(station):
    activity = make_activity(unit=station, capacity=10)
    officers = [OfficerFactory(org_unit=station) for _ in range(50)]

    def sign(officer):
        return lambda: services.signup_create(activity=activity, officer=officer, family_member_ids=[])

    results = run_at_once(*(sign(officer) for officer in officers))
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [r.status for r in results]
    assert statuses.count(SignUpStatus.CONFIRMED) == 10
    assert statuses.count(SignUpStatus.WAITLISTED) == 40
    assert Activity.objects.get(pk=activity.pk).booked_persons == 10
    # The waiting list is in the order the sign-ups got the lock: every confirmed one queued before
    # every waitlisted one.
    confirmed = SignUp.objects.filter(activity=activity, status="confirmed").order_by("queued_at")
    waiting = SignUp.objects.filter(activity=activity, status="waitlisted").order_by("queued_at")
    assert confirmed.last().queued_at <= waiting.first().queued_at


def test_cancellations_and_new_sign_ups_racing_keep_the_count_exact(station):
    activity = make_activity(unit=station, capacity=5, confirm_from_waitlist=True)
    holders = [OfficerFactory(org_unit=station) for _ in range(5)]
    held = [services.signup_create(activity=activity, officer=o, family_member_ids=[]) for o in holders]
    newcomers = [OfficerFactory(org_unit=station) for _ in range(8)]
    calls = [
        lambda s=s, o=o: services.signup_cancel(signup=s, actor=o.user)
        for s, o in zip(held[:3], holders[:3], strict=True)
    ]
    calls += [
        lambda o=o: services.signup_create(activity=activity, officer=o, family_member_ids=[])
        for o in newcomers
    ]
    results = run_at_once(*calls)
    assert not [r for r in results if isinstance(r, Exception)], results
    booked = SignUp.objects.filter(activity=activity, status__in=["confirmed", "offered"]).count()
    assert booked == Activity.objects.get(pk=activity.pk).booked_persons == 5
    # Two holders stay; of the eight newcomers three take the freed places and five wait.
    assert SignUp.objects.filter(activity=activity, status="waitlisted").count() == 5


def test_the_same_officer_twice_at_once_gets_one_sign_up_and_one_conflict(officer, station):
    activity = make_activity(unit=station, capacity=5)
    results = run_at_once(
        *(
            lambda: services.signup_create(activity=activity, officer=officer, family_member_ids=[])
            for _ in range(2)
        )
    )
    kinds = sorted(type(r).__name__ for r in results)
    assert kinds == ["ConflictError", "SignUp"]
    assert SignUp.objects.filter(activity=activity).count() == 1
    assert Activity.objects.get(pk=activity.pk).booked_persons == 1


def test_an_offer_expiring_while_it_is_accepted_is_either_accepted_or_passed_on_never_both(station):
    activity = make_activity(unit=station, capacity=1)
    holder, waiting, next_one = (OfficerFactory(org_unit=station) for _ in range(3))
    held = services.signup_create(activity=activity, officer=holder, family_member_ids=[])
    offered = services.signup_create(activity=activity, officer=waiting, family_member_ids=[])
    services.signup_create(activity=activity, officer=next_one, family_member_ids=[])
    services.signup_cancel(signup=held, actor=holder.user)
    offered.refresh_from_db()
    at_expiry = offered.offer_expires_at - dt.timedelta(milliseconds=1)
    run_at_once(
        lambda: services.offer_accept(signup=offered, now=at_expiry),
        lambda: services.offers_expire(now=offered.offer_expires_at),
    )
    assert Activity.objects.get(pk=activity.pk).booked_persons == 1
    holding = SignUp.objects.filter(activity=activity, status__in=["confirmed", "offered"])
    assert holding.count() == 1
    assert timezone.now() < activity.starts_at
