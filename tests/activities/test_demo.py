"""The activities' demo data: something to see on every page, and a second seed_demo run changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from activities.models import Activity, ActivitySeries, Feedback, SignUp, SignUpPerson, SignUpStatus
from notifications.models import Reminder

pytestmark = pytest.mark.django_db


def _state():
    return (
        list(
            Activity.objects.order_by("pk").values_list(
                "pk", "title", "starts_at", "booked_persons", "status"
            )
        ),
        list(SignUp.objects.order_by("pk").values_list("pk", "status", "persons", "updated_at")),
        SignUpPerson.objects.count(),
        list(Feedback.objects.order_by("pk").values_list("pk", "rating", "updated_at")),
        list(
            Reminder.objects.filter(subject__startswith="activities.")
            .order_by("pk")
            .values_list("pk", "state", "due_at")
        ),
    )


def test_the_demo_has_activities_for_every_page_and_a_second_run_changes_nothing():
    call_command("seed_demo", "--scale", "small", verbosity=0)
    first = _state()
    call_command("seed_demo", "--scale", "small", verbosity=0)
    assert _state() == first

    painting = ActivitySeries.objects.get(title="亲子绘画")
    assert painting.activities.count() == 6
    assert {timezone.localtime(a.starts_at).weekday() for a in painting.activities.all()} == {5}  # Saturdays
    upcoming = SignUp.objects.filter(
        officer__user__username="demo_officer", activity__starts_at__gt=timezone.now()
    ).select_related("activity")
    demo = {signup.activity.title: signup.status for signup in upcoming}
    assert demo == {
        "亲子绘画": SignUpStatus.CONFIRMED,
        "夫妻花艺": SignUpStatus.WAITLISTED,
        "东城分局家庭趣味运动会": SignUpStatus.OFFERED,
    }
    statuses = set(SignUp.objects.values_list("status", flat=True))
    assert {SignUpStatus.ATTENDED, SignUpStatus.NO_SHOW, SignUpStatus.CANCELLED} <= statuses
    assert Feedback.objects.count() >= 10
    for activity in Activity.objects.all():
        assert activity.booked_persons <= activity.capacity
