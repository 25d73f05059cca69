"""The care demo: a funded ledger that adds up, requests in every state with believable histories, the demo
officer's two requests, 王静 as head, and a second seed_demo run that changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone

from audit.models import AuditEntry
from care import demo, permissions, selectors
from care.models import (
    ActionKind,
    CareEvent,
    CareGrant,
    CareRequest,
    Category,
    EntryKind,
    Fund,
    FundEntry,
    GrantStatus,
    Status,
    SubBudget,
)
from notifications.models import Reminder, ReminderState
from people.demo import seed_demo
from people.models import Role, RoleAssignment, User
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One small demo for the module (seeding takes seconds); rolled back at the end."""
    with django_db_blocker.unblock():
        from django.db import transaction

        atomic = transaction.atomic()
        atomic.__enter__()
        # Run what seeding leaves for after commit (reminders), as a real commit would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            seed_demo(scale="small")
        yield
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _state():
    return (
        CareRequest.objects.count(),
        CareEvent.objects.count(),
        CareGrant.objects.count(),
        FundEntry.objects.count(),
        AuditEntry.objects.count(),
        list(Fund.objects.values_list("balance", "unallocated")),
        list(SubBudget.objects.order_by("kind").values_list("kind", "available", "committed", "spent")),
        list(CareRequest.objects.order_by("pk").values_list("pk", "status", "updated_at", "due_at")),
    )


def _total(**filters) -> Decimal:
    return FundEntry.objects.filter(**filters).aggregate(s=Sum("amount"))["s"] or Decimal("0")


def test_a_second_run_changes_nothing(seeded):
    first = _state()
    seed_demo(scale="small")
    assert _state() == first
    assert first[0] == len(demo.PLAN) + demo.LAST_YEAR_MAJOR_ILLNESS + 2


def test_the_fund_adds_up_and_no_bucket_is_negative(seeded):
    fund = Fund.objects.get()
    launch = FundEntry.objects.get(idempotency_key=demo.LAUNCH_KEY)
    assert (launch.kind, launch.amount, launch.counterparty) == (
        EntryKind.DONATION,
        Decimal("30000000.00"),
        demo.LAUNCH_DONOR,
    )
    extra = _total(kind=EntryKind.DONATION) - launch.amount
    today = timezone.localdate()
    expected_extra = sum(
        (Decimal(amount) for _d, amount, _k, m, d in demo.DONATIONS if dt.date(today.year, m, d) <= today),
        Decimal("0"),
    )
    assert extra == expected_extra
    assert not FundEntry.objects.filter(kind=EntryKind.REVERSAL).exists()
    paid = _total(kind=EntryKind.PAYMENT)
    assert paid > 0
    assert fund.balance == Decimal("30000000.00") + extra - paid
    assert fund.unallocated == Decimal("1000000.00")
    budgets = {b.kind: b for b in SubBudget.objects.all()}
    for budget in budgets.values():
        assert min(budget.available, budget.committed, budget.spent) >= 0, budget.kind
    assert sum(b.available + b.committed for b in budgets.values()) + fund.unallocated == fund.balance
    # Care grants paid out through the services equal the care sub-budget's payments.
    grants_paid = CareGrant.objects.filter(status=GrantStatus.PAID).aggregate(s=Sum("amount"))["s"]
    assert budgets["care_grants"].spent == grants_paid > 0
    assert (
        budgets["care_grants"].committed
        == CareGrant.objects.filter(status=GrantStatus.APPROVED).aggregate(s=Sum("amount"))["s"]
    )


def test_spending_shows_in_the_months_it_was_paid(seeded):
    today = timezone.localdate()
    months = {
        dt.date(today.year, m, 1)
        for _k, _p, _w, _a, m, d in demo.PAYMENTS
        if dt.date(today.year, m, d) <= today
    }
    months.add(today.replace(day=1))  # grants paid through the services are booked today
    shown = {row["month"] for row in selectors.monthly_spending() if row["total"] > 0}
    assert shown == months


def test_there_are_requests_in_every_state_with_overdue_and_confidential_ones(seeded):
    assert set(CareRequest.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(CareRequest.objects.values_list("category", flat=True)) == set(Category.values)
    now = timezone.now()
    overdue = [r for r in CareRequest.objects.all() if selectors.is_overdue(r, now)]
    assert 2 <= len(overdue) <= 3
    confidential = CareRequest.objects.filter(confidential=True)
    assert confidential.count() == 4
    assert set(confidential.values_list("category", flat=True)) == {Category.MENTAL_HEALTH, Category.RIGHTS}
    assert set(confidential.exclude(handler=None).values_list("handler__username", flat=True)) == {
        "demo_welfare"
    }
    closed = CareRequest.objects.filter(status=Status.CLOSED)
    ratings = list(closed.values_list("rating", flat=True))
    assert None not in ratings and sum(r >= 4 for r in ratings) >= 0.8 * len(ratings)
    # Resolved ones are recent, so the auto-close does not close them at once.
    for request in CareRequest.objects.filter(status=Status.RESOLVED):
        assert now - request.resolved_at < dt.timedelta(days=14)


def test_histories_are_believable(seeded):
    now = timezone.now()
    for request in CareRequest.objects.prefetch_related("events"):
        times = [event.occurred_at for event in request.events.all()]
        assert times == sorted(times), request.reference
        assert times[0] == request.submitted_at == request.created_at, request.reference
        assert times[-1] <= now
        for stamp in (request.accepted_at, request.resolved_at, request.closed_at):
            assert stamp is None or request.submitted_at <= stamp <= now
        assert request.reference.startswith(f"AJ-{timezone.localtime(request.submitted_at).year}-")
    for year in {r.submitted_at.year for r in CareRequest.objects.all()}:
        by_time = list(
            CareRequest.objects.filter(reference__startswith=f"AJ-{year}-")
            .order_by("submitted_at")
            .values_list("reference", flat=True)
        )
        assert by_time == sorted(by_time)  # numbered in the order they came in
    scheduled = CareEvent.objects.filter(
        request__category=Category.MAJOR_ILLNESS,
        action__in=[ActionKind.REFERRAL, ActionKind.APPOINTMENT, ActionKind.FOLLOW_UP],
        scheduled_for__isnull=False,
    )
    assert {event.action for event in scheduled} == {"referral", "appointment", "follow_up"}


def test_small_grants_are_approved_by_the_handler_and_large_ones_by_the_head(seeded):
    head = User.objects.get(username="demo_welfare")
    office = User.objects.get(username="demo_care")
    decided = CareGrant.objects.filter(status__in=[GrantStatus.APPROVED, GrantStatus.PAID])
    large = decided.filter(needs_second_approval=True)
    assert large.exists()
    assert set(large.values_list("approved_by", flat=True)) == {head.pk}
    assert head.pk not in set(large.values_list("proposed_by", flat=True))
    small = decided.filter(needs_second_approval=False, proposed_by=office)
    assert small.exists() and set(small.values_list("approved_by", flat=True)) == {office.pk}
    waiting = CareGrant.objects.filter(status=GrantStatus.PROPOSED)
    assert [grant.needs_second_approval for grant in waiting] == [True]  # 王静 has one to decide
    for grant in CareGrant.objects.filter(status=GrantStatus.PAID).select_related("payment"):
        assert grant.payment.amount == grant.amount


def test_wang_jing_is_head_and_the_headline_has_two_years(seeded):
    head = User.objects.get(username="demo_welfare")
    assert RoleAssignment.objects.filter(user=head, role=Role.WELFARE_HEAD, org_unit__parent=None).exists()
    request = CareRequest.objects.filter(confidential=True).select_related("officer__org_unit").first()
    assert permissions.can_see(head, request)
    assert not permissions.can_see(
        User.objects.get(username="demo_care"), request
    ) or request.handler.username == ("demo_care")
    helped = dict(selectors.officers_helped_by_year())
    assert len(helped) >= 2
    assert helped[demo.earlier_year(timezone.localdate())] == demo.LAST_YEAR_MAJOR_ILLNESS
    assert sum(helped.values()) >= demo.LAST_YEAR_MAJOR_ILLNESS + 5


def test_the_demo_officer_has_a_closed_and_an_open_request(seeded, settings):
    settings.LANGUAGE_CODE = "en"
    user = User.objects.get(username="demo_officer")
    mine = {r.category: r for r in CareRequest.objects.filter(officer__user=user)}
    assert set(mine) == {Category.SCHOOLING, Category.HARDSHIP}
    closed, open_ = mine[Category.SCHOOLING], mine[Category.HARDSHIP]
    assert (closed.status, closed.rating) == (Status.CLOSED, 5)
    assert timezone.localtime(closed.submitted_at).month == 4  # last spring
    assert open_.status == Status.IN_PROGRESS
    assert open_.events.filter(visible_to_officer=False, action=ActionKind.NOTE).count() == 1
    # The app shows his timeline without the internal note, with the approved grant.
    body = api_client_for(user).get(f"/api/v1/care/requests/{open_.pk}/").json()
    assert len(body["timeline"]) == open_.events.filter(visible_to_officer=True).count() >= 5
    assert "经与城关派出所核实" not in str(body["timeline"])
    assert [(g["amount"], g["status"]) for g in body["grants"]] == [("3000.00", "approved")]
    assert body["handler_name"] == "赵敏"


def test_only_open_and_resolved_requests_have_news_waiting(seeded):
    scheduled = Reminder.objects.filter(subject__startswith="care.request:", state=ReminderState.SCHEDULED)
    about = {int(subject.rsplit(":", 1)[1]) for subject in scheduled.values_list("subject", flat=True)}
    statuses = set(CareRequest.objects.filter(pk__in=about).values_list("status", flat=True))
    assert statuses and statuses <= {Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED, Status.RESOLVED}
    demo_open = CareRequest.objects.get(officer__user__username="demo_officer", status=Status.IN_PROGRESS)
    assert demo_open.pk in about
    settled = CareRequest.objects.filter(status__in=[Status.CLOSED, Status.WITHDRAWN])
    cancelled = Reminder.objects.filter(
        subject__in=[f"care.request:{pk}" for pk in settled.values_list("pk", flat=True)]
    )
    assert cancelled.exists()
    assert set(cancelled.values_list("state", flat=True)) == {ReminderState.CANCELLED}
