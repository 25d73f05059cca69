"""The fund's ledger: balances, idempotency keys, caps, reversals, append-only entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from audit.models import AuditAction, AuditEntry
from care import fund as ledger
from care.models import BudgetKind, EntryKind, Fund, FundEntry, SubBudget
from tests.care.conftest import fill
from welfare.domain import ConflictError

D = Decimal


def _budget(kind: str = BudgetKind.CARE_GRANTS) -> SubBudget:
    return ledger.budget_of(kind)


def _pay(amount, key, *, budget=None, **values) -> FundEntry:
    return ledger.payment_record(
        budget=budget or _budget(), amount=amount, idempotency_key=key, actor=None, **values
    )


def _figures() -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    fund, budget = Fund.objects.get(code="aijing"), _budget()
    return fund.balance, fund.unallocated, budget.available, budget.committed, budget.spent


def test_it_is_created_with_five_empty_sub_budgets(fund):
    assert fund.name == "爱警基金"
    assert sorted(fund.budgets.values_list("kind", flat=True)) == sorted(BudgetKind.values)
    assert fund.balance == fund.unallocated == 0


def test_a_donation_and_allocations_move_money_into_sub_budgets(fund, welfare):
    ledger.donation_record(fund=fund, amount="1000.00", donor="某企业", idempotency_key="d1", actor=welfare)
    ledger.allocation_record(budget=_budget(), amount="600", idempotency_key="a1", actor=welfare)
    assert _figures() == (D("1000.00"), D("400.00"), D("600.00"), 0, 0)
    entry = FundEntry.objects.get(idempotency_key="a1")
    assert (entry.kind, entry.fund_balance_after, entry.recorded_by) == (EntryKind.ALLOCATION, 1000, welfare)
    assert AuditEntry.objects.filter(action=AuditAction.FUND_ENTRY).count() == 2


def test_a_donation_can_go_straight_into_a_sub_budget(fund):
    ledger.donation_record(
        fund=fund, amount="50", donor="x", idempotency_key="d", actor=None, budget=_budget()
    )
    assert _figures() == (D("50"), 0, D("50"), 0, 0)


def test_it_refuses_to_allocate_more_than_is_unallocated(fund):
    fill(fund, care_grants="100")
    with pytest.raises(ledger.FundError, match=r"¥0.00 not yet allocated; ¥0.01 cannot"):
        ledger.allocation_record(budget=_budget(), amount="0.01", idempotency_key="a2", actor=None)
    assert FundEntry.objects.count() == 2


@pytest.mark.parametrize("amount", ["0", "-5", "1.001", "abc", "NaN", "Infinity", None, "1e20", "1e30"])
def test_it_refuses_amounts_that_are_not_money(fund, amount):
    with pytest.raises(ledger.FundError):
        ledger.donation_record(fund=fund, amount=amount, donor="x", idempotency_key="bad", actor=None)
    assert not FundEntry.objects.exists()


def test_a_payment_never_takes_a_sub_budget_below_zero(funded):
    _pay("99999.99", "p1")
    with pytest.raises(ledger.FundError, match=r"has ¥0.01 available: ¥0.02 cannot be paid"):
        _pay("0.02", "p2")
    assert _figures()[2:] == (D("0.01"), 0, D("99999.99"))
    assert not FundEntry.objects.filter(idempotency_key="p2").exists()


def test_the_same_key_pays_once(funded):
    first = _pay("500", "care-grant:1:payment")
    again = _pay("500", "care-grant:1:payment")
    assert again.pk == first.pk
    assert FundEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1
    assert _figures()[4] == D("500")


def test_the_same_key_for_another_movement_is_refused(funded):
    _pay("500", "k")
    with pytest.raises(ConflictError):
        _pay("501", "k")


def test_a_commitment_sets_money_aside_and_a_payment_settles_it(funded, officer):
    commitment = ledger.commitment_record(
        budget=_budget(),
        amount="3000",
        idempotency_key="c",
        actor=None,
        beneficiary=officer,
        reference="AJ-1",
    )
    assert _figures()[2:] == (D("97000"), D("3000"), 0)
    payment = _pay("3000", "p", settles=commitment)
    assert (payment.beneficiary, payment.reference) == (officer, "AJ-1")
    assert _figures()[2:] == (D("97000"), 0, D("3000"))
    with pytest.raises(ledger.FundError, match=r"¥0.00 of this commitment is left"):
        _pay("1", "p-again", settles=commitment)


def test_a_payment_cannot_settle_another_budgets_commitment(funded):
    commitment = ledger.commitment_record(budget=_budget(), amount="10", idempotency_key="c", actor=None)
    with pytest.raises(ledger.FundError, match="same sub-budget"):
        _pay("10", "p", budget=_budget(BudgetKind.AWARDS), settles=commitment)


def test_the_annual_cap_counts_commitments_and_direct_payments_less_reversals(funded, officer):
    budget = _budget()
    cap = D("10000")
    ledger.commitment_record(
        budget=budget, amount="6000", idempotency_key="c1", actor=None, beneficiary=officer, annual_cap=cap
    )
    direct = _pay("3000", "p1", beneficiary=officer, annual_cap=cap)
    with pytest.raises(ledger.FundError, match=r"granted ¥9,000.00 this year.*at most ¥1,000.00 more"):
        _pay("1000.01", "p2", beneficiary=officer, annual_cap=cap)
    ledger.entry_reverse(entry=direct, reason="转错账户", idempotency_key="r1", actor=None)
    _pay("4000", "p3", beneficiary=officer, annual_cap=cap)
    assert ledger.granted_in_year(budget=budget, beneficiary=officer, year=dt.date.today().year) == cap


def test_the_cap_is_per_calendar_year(funded, officer):
    last_year = dt.date.today().replace(month=6, day=1) - dt.timedelta(days=366)
    _pay("9000", "old", beneficiary=officer, annual_cap=D("10000"), booked_on=last_year)
    _pay("9000", "new", beneficiary=officer, annual_cap=D("10000"))
    assert FundEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 2


def test_a_settled_payment_does_not_count_twice_against_the_cap(funded, officer):
    cap = D("5000")
    commitment = ledger.commitment_record(
        budget=_budget(), amount="5000", idempotency_key="c", actor=None, beneficiary=officer, annual_cap=cap
    )
    _pay("5000", "p", settles=commitment)
    assert ledger.granted_in_year(budget=_budget(), beneficiary=officer, year=dt.date.today().year) == cap


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("donation", (D("150000"), D("0"), D("100000"), 0, 0)),  # setup donated 150,000 and allocated all
        ("allocation", (D("150000"), D("100000"), D("0"), 0, 0)),
        ("commitment", (D("150000"), D("0"), D("100000"), 0, 0)),
        ("payment", (D("150000"), D("0"), D("100000"), 0, 0)),
    ],
)
def test_a_reversal_undoes_its_entry_exactly(fund, kind, expected):
    fill(fund, care_grants="100000.00", awards="50000.00")
    budget = _budget()
    if kind == "donation":
        entry = ledger.donation_record(fund=fund, amount="70", donor="x", idempotency_key="e", actor=None)
    elif kind == "allocation":
        entry = FundEntry.objects.get(kind=EntryKind.ALLOCATION, budget=budget)
    elif kind == "commitment":
        entry = ledger.commitment_record(budget=budget, amount="70", idempotency_key="e", actor=None)
    else:
        entry = _pay("70", "e")
    ledger.entry_reverse(entry=entry, reason="录入错误", idempotency_key="undo", actor=None)
    assert _figures() == expected
    reversal = FundEntry.objects.get(idempotency_key="undo")
    assert (reversal.kind, reversal.reverses, reversal.amount, reversal.memo) == (
        "reversal",
        entry,
        entry.amount,
        "录入错误",
    )


def test_a_reversed_settling_payment_reopens_its_commitment(funded):
    commitment = ledger.commitment_record(budget=_budget(), amount="800", idempotency_key="c", actor=None)
    payment = _pay("800", "p", settles=commitment)
    ledger.entry_reverse(entry=payment, reason="退票", idempotency_key="r", actor=None)
    assert _figures()[2:] == (D("99200"), D("800"), 0)
    _pay("800", "p2", settles=commitment)  # paid again, to the right account
    assert _figures()[2:] == (D("99200"), 0, D("800"))


def test_an_entry_is_reversed_once_and_a_reversal_never(funded):
    payment = _pay("10", "p")
    reversal = ledger.entry_reverse(entry=payment, reason="x", idempotency_key="r1", actor=None)
    with pytest.raises(ConflictError, match="already been reversed"):
        ledger.entry_reverse(entry=payment, reason="x", idempotency_key="r2", actor=None)
    with pytest.raises(ledger.FundError, match="cannot be reversed"):
        ledger.entry_reverse(entry=reversal, reason="x", idempotency_key="r3", actor=None)
    assert ledger.entry_reverse(entry=payment, reason="x", idempotency_key="r1", actor=None) == reversal


def test_a_settled_commitment_cannot_be_reversed(funded):
    commitment = ledger.commitment_record(budget=_budget(), amount="10", idempotency_key="c", actor=None)
    _pay("10", "p", settles=commitment)
    with pytest.raises(ledger.FundError, match="reverse those payments first"):
        ledger.entry_reverse(entry=commitment, reason="x", idempotency_key="r", actor=None)


def test_reversing_a_spent_allocation_is_refused(funded):
    _pay("99000", "p")
    allocation = FundEntry.objects.get(kind=EntryKind.ALLOCATION, budget=_budget())
    with pytest.raises(ledger.FundError, match=r"has ¥1,000.00 available"):
        ledger.entry_reverse(entry=allocation, reason="x", idempotency_key="r", actor=None)


def test_a_reversal_needs_a_reason(funded):
    with pytest.raises(ledger.FundError, match="why"):
        ledger.entry_reverse(entry=_pay("10", "p"), reason=" ", idempotency_key="r", actor=None)


def test_entries_cannot_be_edited_or_deleted_through_the_orm(funded):
    entry = _pay("10", "p")
    entry.memo = "改"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        FundEntry.objects.filter(pk=entry.pk).update(memo="改")
    with pytest.raises(PermissionError):
        FundEntry.objects.all().delete()


@pytest.mark.postgres
def test_postgresql_itself_refuses_to_edit_an_entry(funded):
    entry = _pay("10", "p")
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE care_fundentry SET amount = 1 WHERE id = %s", [entry.pk])
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM care_fundentry WHERE id = %s", [entry.pk])
    assert FundEntry.objects.get(pk=entry.pk).amount == D("10")


def test_the_database_refuses_a_negative_balance_whatever_the_code(funded):
    with pytest.raises(IntegrityError), transaction.atomic():
        SubBudget.objects.filter(kind=BudgetKind.CARE_GRANTS).update(available=D("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.update(balance=D("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.update(unallocated=D("200000"))  # more than the balance


def test_the_fund_comes_back_if_the_database_was_emptied(db):
    SubBudget.objects.all().delete()  # a flushed test database; in production the migration made it
    Fund.objects.all().delete()
    assert ledger.default_fund().budgets.count() == len(BudgetKind.values)


def test_a_paid_grants_payment_is_not_reversed_behind_the_grants_back(in_progress, welfare, head, funded):
    from care import services

    grant = services.grant_pay(
        grant=services.grant_propose(request=in_progress, actor=welfare, amount="2000", purpose="x"),
        actor=welfare,
    )
    with pytest.raises(ledger.FundError, match=in_progress.reference):
        ledger.entry_reverse(entry=grant.payment, reason="退票", idempotency_key="r", actor=head)
    assert not FundEntry.objects.filter(kind=EntryKind.REVERSAL).exists()
