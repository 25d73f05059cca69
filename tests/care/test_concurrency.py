"""On PostgreSQL, with real concurrent transactions: the fund never goes below zero and nothing pays twice."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from care import fund as ledger
from care import services
from care.models import BudgetKind, CareGrant, CareRequest, EntryKind, Fund, FundEntry, SubBudget
from tests.care.conftest import fill, submit
from tests.conftest import run_at_once
from tests.factories import OfficerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _care_budget() -> SubBudget:
    return ledger.budget_of(BudgetKind.CARE_GRANTS)


def test_a_hundred_payments_against_a_balance_that_covers_sixty_pay_exactly_sixty(fund):
    fill(fund, care_grants="60000.00")
    budget = _care_budget()

    def pay_two(thread: int):
        def run():
            outcomes = []
            for n in range(2):
                try:
                    outcomes.append(
                        ledger.payment_record(
                            budget=budget, amount="1000.00", idempotency_key=f"pay-{thread}-{n}", actor=None
                        )
                    )
                except ledger.FundError as exc:
                    outcomes.append(exc)
            return outcomes

        return run

    # 50 connections, each paying twice: 100 payments racing for the same sub-budget.
    results = [outcome for batch in run_at_once(*(pay_two(t) for t in range(50))) for outcome in batch]
    assert not [r for r in results if not isinstance(r, FundEntry | ledger.FundError)], results
    assert sum(isinstance(r, FundEntry) for r in results) == 60
    assert sum(isinstance(r, ledger.FundError) for r in results) == 40
    budget.refresh_from_db()
    fund.refresh_from_db()
    assert (budget.available, budget.spent, fund.balance) == (0, Decimal("60000.00"), 0)
    assert FundEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 60
    # The statement never shows a negative balance: every entry's balance after is >= 0 and they
    # fall by exactly 1,000 each, in the order the lock was taken.
    afters = list(
        FundEntry.objects.filter(kind=EntryKind.PAYMENT)
        .order_by("id")
        .values_list("fund_balance_after", flat=True)
    )
    assert afters == [Decimal("60000.00") - 1000 * (i + 1) for i in range(60)]


def test_ten_retries_of_one_payment_at_once_pay_once(fund):
    fill(fund, care_grants="5000.00")
    budget = _care_budget()
    results = run_at_once(
        *(
            lambda: ledger.payment_record(budget=budget, amount="800", idempotency_key="retry-me", actor=None)
            for _ in range(10)
        )
    )
    assert {r.pk for r in results} == {FundEntry.objects.get(idempotency_key="retry-me").pk}
    budget.refresh_from_db()
    assert budget.spent == Decimal("800")


def test_the_annual_cap_holds_under_concurrent_grants_for_one_officer(fund, station):
    fill(fund, care_grants="1000000.00")
    budget, officer = _care_budget(), OfficerFactory(org_unit=station)
    results = run_at_once(
        *(
            lambda n=n: ledger.commitment_record(
                budget=budget,
                amount="20000",
                idempotency_key=f"c-{n}",
                actor=None,
                beneficiary=officer,
                annual_cap=Decimal("50000"),
            )
            for n in range(8)
        )
    )
    assert sum(isinstance(r, FundEntry) for r in results) == 2
    assert all(isinstance(r, FundEntry | ledger.FundError) for r in results), results


def test_a_double_click_on_pay_writes_one_payment(fund, officer, city):
    fill(fund, care_grants="100000.00")
    from tests.factories import RoleAssignmentFactory

    handler = OfficerFactory(org_unit=city).user
    RoleAssignmentFactory(user=handler, role="welfare_office", org_unit=city)
    request = services.request_accept(request=submit(officer), handler=handler, actor=handler)
    grant = services.grant_propose(request=request, actor=handler, amount="3000", purpose="慰问金")
    results = run_at_once(*(lambda: services.grant_pay(grant=grant, actor=handler) for _ in range(4)))
    assert all(isinstance(r, CareGrant) for r in results), results
    assert FundEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1
    assert CareGrant.objects.get(pk=grant.pk).status == "paid"
    assert Fund.objects.get().balance == Decimal("97000.00")


def test_requests_submitted_at_once_get_consecutive_references(station):
    officers = [OfficerFactory(org_unit=station) for _ in range(20)]
    results = run_at_once(*(lambda o=o: submit(o) for o in officers))
    assert all(isinstance(r, CareRequest) for r in results), results
    numbers = sorted(int(r.reference.rsplit("-", 1)[1]) for r in results)
    assert numbers == list(range(1, 21))


def test_one_form_submitted_twice_at_once_is_one_request(officer):
    token = uuid.uuid4()
    results = run_at_once(*(lambda: submit(officer, submit_token=token) for _ in range(3)))
    assert all(isinstance(r, CareRequest) for r in results), results
    assert CareRequest.objects.count() == 1
