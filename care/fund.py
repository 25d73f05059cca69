"""The love-police fund's ledger: every movement of money is one append-only ``FundEntry``.

Rules the functions here keep, each backed by the database as well:

- **Never below zero.** Every function locks the fund's row, then the sub-budget's (always in that
  order), re-reads the balances, refuses what does not fit with the amount that would, and changes
  the balances with a conditional UPDATE; CHECK constraints refuse a negative balance whatever the
  code does. Concurrent payments queue on the fund's row: volumes are tens a day, not thousands.
- **Once per key.** Every entry carries an idempotency key (unique). The same key again returns the
  entry recorded the first time (a double click, a retried task); the same key for a different
  movement is refused.
- **Append-only.** Nothing is edited or deleted (PostgreSQL refuses it too); ``entry_reverse``
  records the exact opposite of an entry, once.
- **Caps.** ``commitment_record`` and ``payment_record`` take an optional per-person annual cap: the
  beneficiary's grants from this sub-budget in the calendar year (commitments and direct payments,
  less what was reversed) plus this one may not exceed it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from care.models import ZERO, BudgetKind, EntryKind, Fund, FundEntry, SubBudget
from people.models import Officer, User
from welfare.domain import ConflictError, DomainError

DEFAULT_FUND = "aijing"
# Functions that name who owns an entry (a care grant's commitment or payment, an award programme's budget,
# an award's payment) or return "": an owned commitment or payment is changed through its owner
# (cancelling the grant), never reversed directly, or the owner would show money that is not there.
ENTRY_OWNERS: list = []


def register_entry_owner(owner) -> None:
    if owner not in ENTRY_OWNERS:
        ENTRY_OWNERS.append(owner)


MAX_AMOUNT = Decimal("999999999999.99")
CENT = Decimal("0.01")


class FundError(DomainError):
    """A movement of money the ledger refuses; the message says why, with the figures."""


def money(value) -> Decimal:
    """A positive amount in yuan with at most two decimals, or FundError."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise FundError(
            _("%(value)s is not an amount of money.") % {"value": value}, field="amount"
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise FundError(_("An amount must be more than zero."), field="amount")
    if amount > MAX_AMOUNT:  # before quantize, which cannot hold 1e30 to the fen
        raise FundError(_("This amount is too large."), field="amount")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise FundError(_("An amount has at most two decimals (fen)."), field="amount")
    return amount.quantize(CENT)


def yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def default_fund() -> Fund:
    """The love-police fund (created by a migration; created again if a database was emptied)."""
    fund = Fund.objects.filter(code=DEFAULT_FUND).first()
    if fund is None:
        fund, _created = Fund.objects.get_or_create(code=DEFAULT_FUND, defaults={"name": "爱警基金"})
        budgets_ensure(fund)
    return fund


def budget_of(kind: str, *, fund: Fund | None = None) -> SubBudget:
    fund = fund or default_fund()
    budget = SubBudget.objects.select_related("fund").filter(fund=fund, kind=kind).first()
    return budget or SubBudget.objects.select_related("fund").get_or_create(fund=fund, kind=kind)[0]


# --- Locks, keys and the entry itself ---------------------------------------------------------------------


def _lock(fund_id: int, budget_id: int | None = None) -> tuple[Fund, SubBudget | None]:
    """Lock the fund's row, then the sub-budget's: one order everywhere, so two payments never deadlock."""
    fund = Fund.objects.select_for_update().get(pk=fund_id)
    budget = SubBudget.objects.select_for_update().get(pk=budget_id) if budget_id else None
    return fund, budget


def _already(key: str, *, kind: str, amount: Decimal, budget_id: int | None) -> FundEntry | None:
    """The entry recorded under ``key`` before, if any; the same key for another movement is refused."""
    if not key or len(key) > 120:
        raise FundError(_("Every entry needs an idempotency key of at most 120 characters."))
    entry = FundEntry.objects.filter(idempotency_key=key).first()
    if entry is None:
        return None
    if entry.kind != kind or entry.amount != amount or entry.budget_id != budget_id:
        raise ConflictError(_("This idempotency key was already used for a different entry."))
    return entry


def _record(fund: Fund, **values) -> FundEntry:
    fund.refresh_from_db(fields=["balance", "unallocated"])
    try:
        with transaction.atomic():
            entry = FundEntry.objects.create(fund=fund, fund_balance_after=fund.balance, **values)
    except IntegrityError:
        # Only the key can clash here (the fund's row lock orders everything else): someone else won.
        raise ConflictError(_("This entry was recorded at the same moment by someone else.")) from None
    audit_record(
        actor=values.get("recorded_by"),
        action=AuditAction.FUND_ENTRY,
        target=entry,
        detail={
            "kind": entry.kind,
            "amount": str(entry.amount),
            "budget": entry.budget.kind if entry.budget_id else "",
            "reference": entry.reference,
            "reverses": entry.reverses_id,
        },
    )
    return entry


def _change_fund(fund: Fund, *, balance: Decimal = ZERO, unallocated: Decimal = ZERO) -> None:
    """Move the fund's figures by these deltas; the UPDATE refuses to go below zero (0 rows)."""
    rows = Fund.objects.filter(pk=fund.pk, balance__gte=-balance, unallocated__gte=-unallocated).update(
        balance=F("balance") + balance, unallocated=F("unallocated") + unallocated
    )
    if rows != 1:
        raise FundError(_("The fund's balance is not enough for this."))


def _change_budget(
    budget: SubBudget, *, available: Decimal = ZERO, committed: Decimal = ZERO, spent: Decimal = ZERO
) -> None:
    rows = SubBudget.objects.filter(
        pk=budget.pk, available__gte=-available, committed__gte=-committed, spent__gte=-spent
    ).update(
        available=F("available") + available, committed=F("committed") + committed, spent=F("spent") + spent
    )
    if rows != 1:
        raise FundError(
            _("The %(budget)s sub-budget is not enough for this.") % {"budget": budget.get_kind_display()}
        )


def _need_available(budget: SubBudget, amount: Decimal) -> None:
    if budget.available < amount:
        raise FundError(
            _(
                "The %(budget)s sub-budget has %(available)s available: "
                "%(amount)s cannot be paid or committed."
            )
            % {
                "budget": budget.get_kind_display(),
                "available": yuan(budget.available),
                "amount": yuan(amount),
            },
            field="amount",
        )


def _today(booked_on: dt.date | None) -> dt.date:
    return booked_on or timezone.localdate()


# --- Money in ---------------------------------------------------------------------------------------------


@transaction.atomic
def donation_record(
    *,
    fund: Fund,
    amount,
    donor: str,
    idempotency_key: str,
    actor: User | None,
    budget: SubBudget | None = None,
    memo: str = "",
    booked_on: dt.date | None = None,
) -> FundEntry:
    """Money given to the fund: unallocated, or straight into one sub-budget."""
    amount = money(amount)
    fund, budget = _lock(fund.pk, budget.pk if budget else None)
    existing = _already(
        idempotency_key, kind=EntryKind.DONATION, amount=amount, budget_id=budget and budget.pk
    )
    if existing:
        return existing
    if not donor.strip():
        raise FundError(_("Name the donor."), field="donor")
    if budget is not None:
        _change_budget(budget, available=amount)
        _change_fund(fund, balance=amount)
    else:
        _change_fund(fund, balance=amount, unallocated=amount)
    return _record(
        fund,
        budget=budget,
        kind=EntryKind.DONATION,
        amount=amount,
        booked_on=_today(booked_on),
        idempotency_key=idempotency_key,
        counterparty=donor.strip()[:200],
        memo=memo.strip()[:500],
        recorded_by=actor,
    )


@transaction.atomic
def allocation_record(
    *,
    budget: SubBudget,
    amount,
    idempotency_key: str,
    actor: User | None,
    memo: str = "",
    booked_on: dt.date | None = None,
) -> FundEntry:
    """Unallocated money of the fund put into one sub-budget."""
    amount = money(amount)
    fund, budget = _lock(budget.fund_id, budget.pk)
    existing = _already(idempotency_key, kind=EntryKind.ALLOCATION, amount=amount, budget_id=budget.pk)
    if existing:
        return existing
    if fund.unallocated < amount:
        raise FundError(
            _("The fund has %(unallocated)s not yet allocated; %(amount)s cannot be allocated.")
            % {"unallocated": yuan(fund.unallocated), "amount": yuan(amount)},
            field="amount",
        )
    _change_fund(fund, unallocated=-amount)
    _change_budget(budget, available=amount)
    return _record(
        fund,
        budget=budget,
        kind=EntryKind.ALLOCATION,
        amount=amount,
        booked_on=_today(booked_on),
        idempotency_key=idempotency_key,
        memo=memo.strip()[:500],
        recorded_by=actor,
    )


# --- Money out --------------------------------------------------------------------------------------------


def granted_in_year(*, budget: SubBudget, beneficiary: Officer, year: int) -> Decimal:
    """What the beneficiary was granted from this sub-budget in ``year``, less reversals.

    Commitments count (approved, paid or not) and payments that settle no commitment; a payment that
    settles a commitment is the same money and does not count twice.
    """
    entries = FundEntry.objects.filter(budget=budget, beneficiary=beneficiary, booked_on__year=year)
    granted = entries.filter(kind=EntryKind.COMMITMENT).aggregate(s=Sum("amount"))["s"] or ZERO
    granted += (
        entries.filter(kind=EntryKind.PAYMENT, settles__isnull=True).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    reversed_ = (
        FundEntry.objects.filter(
            kind=EntryKind.REVERSAL,
            reverses__budget=budget,
            reverses__beneficiary=beneficiary,
            reverses__booked_on__year=year,
        )
        .exclude(reverses__kind=EntryKind.PAYMENT, reverses__settles__isnull=False)
        .aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    return granted - reversed_


def _check_cap(
    budget: SubBudget, beneficiary: Officer | None, amount: Decimal, cap, booked_on: dt.date
) -> None:
    if cap is None or beneficiary is None:
        return
    already = granted_in_year(budget=budget, beneficiary=beneficiary, year=booked_on.year)
    if already + amount > cap:
        raise FundError(
            _(
                "%(name)s has been granted %(already)s this year; the cap is %(cap)s a year, "
                "so at most %(left)s more can be granted."
            )
            % {
                "name": beneficiary.name,
                "already": yuan(already),
                "cap": yuan(Decimal(cap)),
                "left": yuan(max(Decimal(cap) - already, ZERO)),
            },
            field="amount",
        )


@transaction.atomic
def commitment_record(
    *,
    budget: SubBudget,
    amount,
    idempotency_key: str,
    actor: User | None,
    beneficiary: Officer | None = None,
    reference: str = "",
    memo: str = "",
    approved_by: User | None = None,
    annual_cap: Decimal | None = None,
    booked_on: dt.date | None = None,
) -> FundEntry:
    """Set money aside for an approved grant: it leaves ``available`` and waits in ``committed``."""
    amount = money(amount)
    fund, budget = _lock(budget.fund_id, budget.pk)
    existing = _already(idempotency_key, kind=EntryKind.COMMITMENT, amount=amount, budget_id=budget.pk)
    if existing:
        return existing
    booked_on = _today(booked_on)
    _need_available(budget, amount)
    _check_cap(budget, beneficiary, amount, annual_cap, booked_on)
    _change_budget(budget, available=-amount, committed=amount)
    return _record(
        fund,
        budget=budget,
        kind=EntryKind.COMMITMENT,
        amount=amount,
        booked_on=booked_on,
        idempotency_key=idempotency_key,
        beneficiary=beneficiary,
        reference=reference[:60],
        memo=memo.strip()[:500],
        recorded_by=actor,
        approved_by=approved_by,
    )


@dataclass(frozen=True)
class CommitmentUse:
    paid: Decimal  # payments settling it, less reversed payments
    released: Decimal  # releases of it, less reversed releases
    left: Decimal  # still set aside (0 once the commitment itself is reversed)


def commitment_use(commitment: FundEntry) -> CommitmentUse:
    """What payments and releases have used of a commitment, and what is left (two queries)."""
    sums = FundEntry.objects.filter(
        Q(settles=commitment) | Q(kind=EntryKind.REVERSAL, reverses__settles=commitment)
    ).aggregate(
        paid=Sum("amount", filter=Q(kind=EntryKind.PAYMENT)),
        released=Sum("amount", filter=Q(kind=EntryKind.RELEASE)),
        unpaid=Sum("amount", filter=Q(kind=EntryKind.REVERSAL, reverses__kind=EntryKind.PAYMENT)),
        unreleased=Sum("amount", filter=Q(kind=EntryKind.REVERSAL, reverses__kind=EntryKind.RELEASE)),
    )
    paid = (sums["paid"] or ZERO) - (sums["unpaid"] or ZERO)
    released = (sums["released"] or ZERO) - (sums["unreleased"] or ZERO)
    reversed_ = FundEntry.objects.filter(reverses=commitment).exists()
    left = ZERO if reversed_ else commitment.amount - paid - released
    return CommitmentUse(paid=paid, released=released, left=left)


def _settled(commitment: FundEntry) -> Decimal:
    """How much of a commitment payments and releases have used, less those reversed."""
    use = commitment_use(commitment)
    return use.paid + use.released


def paid_from(commitment: FundEntry) -> Decimal:
    """What payments settling ``commitment`` have paid out, less reversed payments."""
    return commitment_use(commitment).paid


def left_of(commitment: FundEntry) -> Decimal:
    """What of ``commitment`` is still set aside (neither paid nor released)."""
    return commitment_use(commitment).left


@transaction.atomic
def commitment_release(
    *, commitment: FundEntry, amount, reason: str, idempotency_key: str, actor: User | None
) -> FundEntry:
    """Give the unneeded rest of a commitment back to its sub-budget's available money."""
    amount = money(amount)
    if not reason.strip():
        raise FundError(_("Say why the money is released."), field="reason")
    fund, budget = _lock(commitment.fund_id, commitment.budget_id)
    commitment = FundEntry.objects.get(pk=commitment.pk)
    existing = _already(idempotency_key, kind=EntryKind.RELEASE, amount=amount, budget_id=budget.pk)
    if existing:
        return existing
    if commitment.kind != EntryKind.COMMITMENT:
        raise FundError(_("Only a commitment can be released."))
    left = left_of(commitment)
    if amount > left:
        raise FundError(
            _("%(left)s of this commitment is left; %(amount)s cannot be released.")
            % {"left": yuan(left), "amount": yuan(amount)},
            field="amount",
        )
    _change_budget(budget, committed=-amount, available=amount)
    return _record(
        fund,
        budget=budget,
        kind=EntryKind.RELEASE,
        amount=amount,
        booked_on=timezone.localdate(),
        idempotency_key=idempotency_key,
        reference=commitment.reference,
        memo=reason.strip()[:500],
        settles=commitment,
        recorded_by=actor,
    )


@transaction.atomic
def payment_record(
    *,
    budget: SubBudget,
    amount,
    idempotency_key: str,
    actor: User | None,
    beneficiary: Officer | None = None,
    counterparty: str = "",
    reference: str = "",
    memo: str = "",
    settles: FundEntry | None = None,
    approved_by: User | None = None,
    annual_cap: Decimal | None = None,
    booked_on: dt.date | None = None,
) -> FundEntry:
    """Pay money out of a sub-budget: from a commitment it settles, or straight from what is available."""
    amount = money(amount)
    fund, budget = _lock(budget.fund_id, budget.pk)
    existing = _already(idempotency_key, kind=EntryKind.PAYMENT, amount=amount, budget_id=budget.pk)
    if existing:
        return existing
    booked_on = _today(booked_on)
    if settles is not None:
        settles = FundEntry.objects.get(pk=settles.pk)
        if settles.kind != EntryKind.COMMITMENT or settles.budget_id != budget.pk:
            raise FundError(_("A payment can only settle a commitment of the same sub-budget."))
        if hasattr(settles, "reversed_by"):
            raise FundError(_("This commitment was reversed; it cannot be paid."))
        left = settles.amount - _settled(settles)
        if amount > left:
            raise FundError(
                _("%(left)s of this commitment is left to pay; %(amount)s is more.")
                % {"left": yuan(left), "amount": yuan(amount)},
                field="amount",
            )
        _change_budget(budget, committed=-amount, spent=amount)
    else:
        _need_available(budget, amount)
        _check_cap(budget, beneficiary, amount, annual_cap, booked_on)
        _change_budget(budget, available=-amount, spent=amount)
    _change_fund(fund, balance=-amount)
    return _record(
        fund,
        budget=budget,
        kind=EntryKind.PAYMENT,
        amount=amount,
        booked_on=booked_on,
        idempotency_key=idempotency_key,
        beneficiary=beneficiary or (settles.beneficiary if settles else None),
        counterparty=counterparty.strip()[:200],
        reference=(reference or (settles.reference if settles else ""))[:60],
        memo=memo.strip()[:500],
        settles=settles,
        recorded_by=actor,
        approved_by=approved_by,
    )


# --- Corrections ------------------------------------------------------------------------------------------


@transaction.atomic
def entry_reverse(
    *, entry: FundEntry, reason: str, idempotency_key: str, actor: User | None, by_owner: bool = False
) -> FundEntry:
    """Record the exact opposite of ``entry``, once: the only way to correct the ledger.

    A commitment or payment that belongs to something (a care grant, an award programme, an award) is
    changed by its owner (``by_owner=True``), never directly, or the owner would show money that is gone.
    """
    if not reason.strip():
        raise FundError(_("Say why the entry is reversed."), field="reason")
    fund, budget = _lock(entry.fund_id, entry.budget_id)
    entry = FundEntry.objects.select_related("settles").get(pk=entry.pk)
    existing = _already(
        idempotency_key, kind=EntryKind.REVERSAL, amount=entry.amount, budget_id=entry.budget_id
    )
    if existing:
        return existing
    if entry.kind == EntryKind.REVERSAL:
        raise FundError(_("A reversal cannot be reversed; record the entry again instead."))
    if FundEntry.objects.filter(reverses=entry).exists():
        raise ConflictError(_("This entry has already been reversed."))
    if entry.kind in (EntryKind.COMMITMENT, EntryKind.PAYMENT) and not by_owner:
        owners = [found for found in (owner(entry) for owner in ENTRY_OWNERS) if found]
        if owners:
            raise FundError(
                _("This entry belongs to %(owner)s: change it there instead.") % {"owner": owners[0]}
            )
    amount = entry.amount
    if entry.kind == EntryKind.DONATION:
        if budget is not None:
            _need_available(budget, amount)
            _change_budget(budget, available=-amount)
            _change_fund(fund, balance=-amount)
        else:
            _need_unallocated(fund, amount)
            _change_fund(fund, balance=-amount, unallocated=-amount)
    elif entry.kind == EntryKind.ALLOCATION:
        _need_available(budget, amount)
        _change_budget(budget, available=-amount)
        _change_fund(fund, unallocated=amount)
    elif entry.kind == EntryKind.COMMITMENT:
        if _settled(entry) > 0:
            raise FundError(_("Payments have settled this commitment: reverse those payments first."))
        _change_budget(budget, committed=-amount, available=amount)
    elif entry.kind == EntryKind.RELEASE:  # the money is set aside again
        _need_available(budget, amount)
        _change_budget(budget, available=-amount, committed=amount)
    else:  # a payment: the money comes back where it was paid from
        if entry.settles_id:
            _change_budget(budget, spent=-amount, committed=amount)
        else:
            _change_budget(budget, spent=-amount, available=amount)
        _change_fund(fund, balance=amount)
    return _record(
        fund,
        budget=budget,
        kind=EntryKind.REVERSAL,
        amount=amount,
        booked_on=timezone.localdate(),
        idempotency_key=idempotency_key,
        beneficiary=entry.beneficiary,
        counterparty=entry.counterparty,
        reference=entry.reference,
        memo=reason.strip()[:500],
        reverses=entry,
        recorded_by=actor,
    )


def _need_unallocated(fund: Fund, amount: Decimal) -> None:
    if fund.unallocated < amount:
        raise FundError(
            _("The fund has %(unallocated)s not yet allocated; %(amount)s cannot be taken back from it.")
            % {"unallocated": yuan(fund.unallocated), "amount": yuan(amount)}
        )


def budgets_ensure(fund: Fund) -> list[SubBudget]:
    """One sub-budget of every kind for the fund (creating the missing ones)."""
    return [SubBudget.objects.get_or_create(fund=fund, kind=kind)[0] for kind in BudgetKind.values]
