"""The fund's ledger under contention: payments from many connections at once vs the same payments in a row.

Subject: ``THREADS`` connections released at the same moment (a barrier), each recording ``EACH`` payments
through ``care.fund.payment_record`` against ONE sub-budget. Every payment locks the fund's row and then
the sub-budget's (``SELECT … FOR UPDATE``), so the transactions queue behind one another: this measures
what the "never below zero" guarantee costs when the welfare office pays a batch from several desks.

Baseline: the same number of payments recorded by one connection, one after another — the best a
serialised ledger can do. A ratio near 1 means the locking adds nothing beyond the serialisation
itself; well below 1 would mean lock waits, wake-ups or deadlock retries cost extra.

Rounds alternate (A B, B A, …). Before each round the benchmark's own fund gets exactly enough money
for the round's payments plus one more; after it the balances are checked against the entries (the
sub-budget's available money is the expected remainder, the fund's balance equals the sum of the
entries' movements) and no balance is below zero. Ledger entries are append-only (PostgreSQL refuses
DELETE), so the benchmark's entries stay in the benchmark database, under its own fund (code
``bench``), a few thousand rows per run.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from decimal import Decimal

from bench import harness

THREADS = 24
EACH = 10
ROUNDS = 6  # per case, interleaved
AMOUNT = Decimal("100.00")
FUND_CODE = "bench"


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


def _fund():
    from care import fund as ledger
    from care.models import Fund

    fund, _created = Fund.objects.get_or_create(code=FUND_CODE, defaults={"name": "BENCH-基金"})
    ledger.budgets_ensure(fund)
    return fund


def _fill(fund, payments: int):
    """Exactly enough for the round, and one payment more, in the care-grants sub-budget."""
    from care import fund as ledger

    budget = ledger.budget_of("care_grants", fund=fund)
    budget.refresh_from_db()
    need = AMOUNT * (payments + 1) - budget.available
    if need > 0:
        key = uuid.uuid4().hex
        ledger.donation_record(
            fund=fund, amount=need, donor="bench", idempotency_key=f"bench-d-{key}", actor=None
        )
        ledger.allocation_record(budget=budget, amount=need, idempotency_key=f"bench-a-{key}", actor=None)
    budget.refresh_from_db()
    return budget


def _pay(budget, prefix: str, n: int) -> None:
    from care import fund as ledger

    ledger.payment_record(budget=budget, amount=AMOUNT, idempotency_key=f"{prefix}-{n}", actor=None)


def _concurrent(budget) -> float:
    from django.db import connection

    barrier = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []
    prefix = f"bench-c-{uuid.uuid4().hex}"

    def run(thread: int) -> None:
        try:
            barrier.wait()
            for n in range(EACH):
                _pay(budget, f"{prefix}-{thread}", n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise harness.BenchError(f"{len(errors)} concurrent payment(s) failed, e.g. {errors[0]!r}")
    return THREADS * EACH / elapsed


def _serial(budget) -> float:
    prefix = f"bench-s-{uuid.uuid4().hex}"
    started = time.perf_counter()
    for n in range(THREADS * EACH):
        _pay(budget, prefix, n)
    return THREADS * EACH / (time.perf_counter() - started)


def _check(fund, budget) -> None:
    from django.db.models import Sum

    from care.models import Fund, FundEntry, SubBudget

    budget = SubBudget.objects.get(pk=budget.pk)
    fund = Fund.objects.get(pk=fund.pk)
    if budget.available != AMOUNT:
        raise harness.BenchError(
            f"the sub-budget should hold {AMOUNT} after the round, it holds {budget.available}"
        )
    entries = FundEntry.objects.filter(fund=fund)
    money_in = entries.filter(kind="donation").aggregate(s=Sum("amount"))["s"] or 0
    money_out = entries.filter(kind="payment").aggregate(s=Sum("amount"))["s"] or 0
    if fund.balance != money_in - money_out or min(fund.balance, fund.unallocated, budget.available) < 0:
        raise harness.BenchError(f"the fund's balance {fund.balance} does not match its entries")


def main() -> None:
    print(f"== Fund ledger: {THREADS} connections × {EACH} payments at once vs {THREADS * EACH} in a row ==")
    harness.prepare_database()
    _setup_django({**harness.server_env(), "DJANGO_SETTINGS_MODULE": "welfare.settings"})
    busy_before = harness.cpu_busy()
    fund = _fund()
    rates: dict[str, list[float]] = {"concurrent": [], "serial": []}
    for round_no in range(ROUNDS):
        order = ("concurrent", "serial") if round_no % 2 == 0 else ("serial", "concurrent")
        for case in order:
            budget = _fill(fund, THREADS * EACH)
            rates[case].append(_concurrent(budget) if case == "concurrent" else _serial(budget))
            _check(fund, budget)
    print(f"  machine: {harness.machine_note(busy_before, harness.cpu_busy())}")
    for case, values in rates.items():
        print(
            f"  {case:<11} {statistics.median(values):6.0f} payments/s "
            f"(rounds: {' '.join(f'{v:.0f}' for v in values)})"
        )
    pairs = sorted(c / s for c, s in zip(rates["concurrent"], rates["serial"], strict=True))
    ratio = statistics.median(rates["concurrent"]) / statistics.median(rates["serial"])
    print(
        f"  concurrent: {ratio:.2f}× one connection in a row "
        f"(round by round {statistics.median(pairs):.2f}×, range {pairs[0]:.2f}–{pairs[-1]:.2f}); "
        "every balance checked against its entries after every round"
    )
