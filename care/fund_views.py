"""Portal pages of the love-police fund (爱警基金): balances and monthly spending, the statement of entries
and its xlsx export, donations, allocations, reversals, and the care grants waiting for a decision or a
payment.

Who sees what (care/permissions.py): leaders see the balances page only (figures, never a name); the
welfare office sees the entries, records donations and allocations and decides and pays grants; only its
heads reverse entries. Anyone else gets 404, as for anything out of scope.

Every write goes through the ledger (care/fund.py) or the grant services (care/services.py); their errors
state the figures and are shown on the form or as a message. Successful POSTs redirect.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from care import fund as ledger
from care import permissions, selectors, services
from care.fund_filters import FundEntryFilter
from care.fund_forms import AllocationForm, DonationForm, ReasonForm
from care.models import BudgetKind, CareGrant, EntryKind, FundEntry, GrantStatus, SubBudget
from people.forms import bootstrap
from people.models import User
from welfare.domain import ConflictError, DomainError
from welfare.http import query_without_page, require_or_404
from welfare.spreadsheets import spreadsheet_safe, xlsx_response

PAGE_SIZE = 50
MONTHS = 12
YUAN_FORMAT = '"¥"#,##0.00;-"¥"#,##0.00'
BUDGET_ORDER = {kind: index for index, kind in enumerate(BudgetKind.values)}


def _in_order(budgets: list[SubBudget]) -> list[SubBudget]:
    return sorted(budgets, key=lambda budget: BUDGET_ORDER.get(budget.kind, len(BUDGET_ORDER)))


# --- Balances ---------------------------------------------------------------------------------------------


@login_required
def fund_home(request: HttpRequest) -> HttpResponse:
    """The fund's balance, what is not yet allocated, each sub-budget, and the last 12 months' spending."""
    user = request.user
    require_or_404(permissions.can_read_fund(user))
    found = selectors.balances()
    budgets = _in_order(found.budgets)
    # The selector reaches back one month too far (13 rows for 12 months): keep the last MONTHS.
    months = selectors.monthly_spending(fund=found.fund, months=MONTHS)[-MONTHS:]
    kinds = list(BudgetKind.choices)
    rows = [
        {
            "month": row["month"],
            "values": [row["by_budget"][kind] for kind, _label in kinds],
            "total": row["total"],
        }
        for row in months
    ]
    zero = Decimal("0.00")
    totals = {
        "values": [sum((row["by_budget"][kind] for row in months), zero) for kind, _label in kinds],
        "total": sum((row["total"] for row in months), zero),
    }
    chart = {
        "labels": [f"{row['month']:%Y-%m}" for row in months],
        "datasets": [
            {"key": kind, "label": str(label), "data": [float(row["by_budget"][kind]) for row in months]}
            for kind, label in kinds
        ],
    }
    context = {
        "fund": found.fund,
        "budgets": budgets,
        "sums": {
            "available": sum((b.available for b in budgets), zero),
            "committed": sum((b.committed for b in budgets), zero),
            "spent": sum((b.spent for b in budgets), zero),
            "balance": found.allocated,
        },
        "kind_labels": [label for _kind, label in kinds],
        "months": rows,
        "month_totals": totals,
        "chart": chart,
        "can_read_entries": permissions.can_read_fund_entries(user),
        "can_record": permissions.can_record_fund(user),
        "can_see_grants": permissions.is_office(user),
    }
    return render(request, "care/fund_home.html", context)


# --- Entries ----------------------------------------------------------------------------------------------


def _entries() -> QuerySet[FundEntry]:
    # The names of who recorded and approved come from their officer profiles (User.display_name).
    return selectors.entries().select_related("recorded_by__officer", "approved_by__officer")


def _direction(entry: FundEntry) -> int:
    """+1 money came into the fund, -1 it left, 0 it moved within (allocations, commitments)."""
    kind, sign = entry.kind, 1
    if kind == EntryKind.REVERSAL and entry.reverses_id:
        kind, sign = entry.reverses.kind, -1
    if kind == EntryKind.DONATION:
        return sign
    if kind == EntryKind.PAYMENT:
        return -sign
    return 0


def _reversal_of(entry: FundEntry) -> FundEntry | None:
    # Prefetched by the selector; a missing reverse one-to-one raises an AttributeError subclass.
    return getattr(entry, "reversed_by", None)


@login_required
def fund_entries(request: HttpRequest) -> HttpResponse:
    """The statement: every entry, newest first, filtered, 50 to a page."""
    user = request.user
    require_or_404(permissions.can_read_fund_entries(user))
    found = FundEntryFilter(request.GET or None, queryset=_entries(), request=request)
    bootstrap(found.form)
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.mask_confidential_entries(list(page.object_list), viewer=user)
    can_reverse = permissions.can_reverse_entries(user)
    for entry in page.object_list:
        entry.direction = _direction(entry)
        entry.reversal = _reversal_of(entry)
        entry.reversible = can_reverse and entry.kind != EntryKind.REVERSAL and entry.reversal is None
    return render(
        request,
        "care/fund_entries.html",
        {
            "filter": found,
            "page": page,
            "query": query_without_page(request),
            "can_record": permissions.can_record_fund(user),
            "can_reverse": can_reverse,
        },
    )


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def _naive(moment: dt.datetime) -> dt.datetime:
    # Excel has no time zones: the local time, as the office reads it.
    return timezone.localtime(moment).replace(tzinfo=None)


@login_required
def fund_entries_export(request: HttpRequest) -> HttpResponse:
    """The filtered entries as an xlsx workbook; they name beneficiaries, so the download is audited."""
    from openpyxl import Workbook  # only the export needs it

    user = request.user
    require_or_404(permissions.can_read_fund_entries(user))
    found = FundEntryFilter(request.GET or None, queryset=_entries(), request=request)
    if found.is_bound and not found.is_valid():
        # Never export more than was asked for: show the filter's errors instead.
        return redirect(f"{reverse('fund-entries')}?{request.GET.urlencode()}")
    entries = selectors.mask_confidential_entries(list(found.qs), viewer=user)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Fund entries")[:31]
    headers = [
        _("No."),
        _("Date"),
        _("Kind"),
        _("Sub-budget"),
        _("Amount"),
        _("Change to the fund's balance"),
        _("Beneficiary"),
        _("Police number"),
        _("Counterparty"),
        _("Reference"),
        _("Memo"),
        _("Recorded by"),
        _("Recorded at"),
        _("Second approver"),
        _("Fund balance after"),
        _("Reverses entry"),
        _("Reversed by entry"),
    ]
    sheet.append([spreadsheet_safe(header) for header in headers])
    for entry in entries:
        reversal = _reversal_of(entry)
        beneficiary = entry.beneficiary
        sheet.append(
            [
                spreadsheet_safe(value)
                for value in (
                    entry.pk,
                    entry.booked_on,
                    entry.get_kind_display(),
                    entry.budget.get_kind_display() if entry.budget_id else "",
                    entry.amount,
                    entry.amount * _direction(entry),
                    beneficiary.name if beneficiary else "",
                    beneficiary.police_number if beneficiary else "",
                    entry.counterparty,
                    entry.reference,
                    entry.memo,
                    _name(entry.recorded_by),
                    _naive(entry.created_at),
                    _name(entry.approved_by),
                    entry.fund_balance_after,
                    entry.reverses_id,
                    reversal.pk if reversal else None,
                )
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        row[1].number_format = "yyyy-mm-dd"
        row[12].number_format = "yyyy-mm-dd hh:mm"
        for cell in (row[4], row[5], row[14]):
            cell.number_format = YUAN_FORMAT
    widths = (8, 12, 10, 12, 14, 14, 10, 12, 20, 16, 30, 10, 17, 10, 16, 10, 10)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    response = xlsx_response(book, f"fund-entries-{timezone.localdate():%Y%m%d}.xlsx")
    audit_record(
        actor=user,
        action=AuditAction.SENSITIVE_READ,
        detail={"what": "fund_entries_export", "count": len(entries)},
    )
    return response


# --- Donations and allocations ----------------------------------------------------------------------------


def _budgets(fund) -> QuerySet[SubBudget]:
    return fund.budgets.order_by("kind")


def _conflict_message() -> str:
    return _(
        "This form was already recorded with other figures. Check the entries; for another entry, "
        "open a new form."
    )


@login_required
def fund_donation(request: HttpRequest) -> HttpResponse:
    """Money given to the fund: unallocated, or straight into the sub-budget the donor named."""
    require_or_404(permissions.can_record_fund(request.user))
    fund = ledger.default_fund()
    form = DonationForm(request.POST or None, budgets=_budgets(fund))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = ledger.donation_record(
                fund=fund,
                amount=data["amount"],
                donor=data["donor"],
                idempotency_key=f"portal-donation:{data['token']}",
                actor=request.user,
                budget=data["budget"],
                memo=data["memo"],
                booked_on=data["booked_on"],
            )
        except ConflictError:
            form.add_error(None, _conflict_message())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("The donation of %(amount)s from %(donor)s has been recorded as entry no. %(number)d.")
                % {"amount": ledger.yuan(entry.amount), "donor": entry.counterparty, "number": entry.pk},
            )
            return redirect("fund-entries")
    return render(
        request, "care/fund_entry_form.html", {"form": form, "fund": fund, "kind": EntryKind.DONATION}
    )


@login_required
def fund_allocation(request: HttpRequest) -> HttpResponse:
    """Unallocated money put into one sub-budget; never more than is unallocated."""
    require_or_404(permissions.can_record_fund(request.user))
    fund = ledger.default_fund()
    budgets = _budgets(fund)
    form = AllocationForm(request.POST or None, budgets=budgets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = ledger.allocation_record(
                budget=data["budget"],
                amount=data["amount"],
                idempotency_key=f"portal-allocation:{data['token']}",
                actor=request.user,
                memo=data["memo"],
            )
        except ConflictError:
            form.add_error(None, _conflict_message())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("%(amount)s has been allocated to the %(budget)s sub-budget (entry no. %(number)d).")
                % {
                    "amount": ledger.yuan(entry.amount),
                    "budget": entry.budget.get_kind_display(),
                    "number": entry.pk,
                },
            )
            return redirect("fund-entries")
        fund.refresh_from_db(fields=["balance", "unallocated"])  # the figures the error speaks of
    return render(
        request,
        "care/fund_entry_form.html",
        {
            "form": form,
            "fund": fund,
            "kind": EntryKind.ALLOCATION,
            "budgets": _in_order(list(budgets)),
        },
    )


# --- Reversals --------------------------------------------------------------------------------------------


def _grant_of(entry: FundEntry) -> CareGrant | None:
    if entry.kind not in (EntryKind.COMMITMENT, EntryKind.PAYMENT):
        return None
    return CareGrant.objects.select_related("request").filter(Q(commitment=entry) | Q(payment=entry)).first()


def _why_not_reversed(entry: FundEntry, grant: CareGrant | None) -> str:
    """What stops a reversal before the ledger is asked ("" when nothing does)."""
    if entry.kind == EntryKind.REVERSAL:
        return _("A reversal cannot be reversed; record the entry again instead.")
    reversal = _reversal_of(entry)
    if reversal is not None:
        return _("This entry has already been reversed, by entry no. %(number)d.") % {"number": reversal.pk}
    if grant is not None and grant.commitment_id == entry.pk and grant.status == GrantStatus.APPROVED:
        # Reversing it here would leave an approved grant without its money, and the grant could then be
        # neither paid nor cancelled: cancelling the grant reverses the commitment (services.grant_cancel).
        return _(
            "This commitment holds the money of an approved care grant (%(reference)s): cancel the grant "
            "on the request's page instead."
        ) % {"reference": grant.request.reference}
    return ""


@login_required
def fund_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    """A head corrects the ledger: the exact opposite of one entry, once, with the reason."""
    require_or_404(permissions.can_reverse_entries(request.user))
    entry = _entries().filter(pk=pk).first()
    if entry is None:
        raise Http404("no such entry")
    grant = _grant_of(entry)
    problem = _why_not_reversed(entry, grant)
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if problem:
            form.add_error(None, problem)
        elif form.is_valid():
            try:
                reversal = ledger.entry_reverse(
                    entry=entry,
                    reason=form.cleaned_data["reason"],
                    idempotency_key=f"portal-reversal:{entry.pk}",
                    actor=request.user,
                )
            except DomainError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                messages.success(
                    request,
                    _("Entry no. %(entry)d has been reversed by entry no. %(reversal)d.")
                    % {"entry": entry.pk, "reversal": reversal.pk},
                )
                return redirect("fund-entries")
    return render(
        request,
        "care/fund_reverse.html",
        {
            "entry": entry,
            "direction": _direction(entry),
            "grant": grant,
            "problem": problem,
            "form": form,
        },
    )


# --- Grants -----------------------------------------------------------------------------------------------


@login_required
def fund_grants(request: HttpRequest) -> HttpResponse:
    """Grants proposed (approve or reject) and approved but unpaid (pay), oldest first."""
    user = request.user
    require_or_404(permissions.is_office(user))
    grants = list(
        selectors.grants_awaiting(user).select_related("proposed_by__officer", "approved_by__officer")
    )
    for grant in grants:
        # Nobody decides or pays a grant to themselves (care/permissions.py).
        grant.may_decide, grant.why_not = permissions.can_approve_grant(user, grant)
        grant.may_pay = permissions.can_pay_grant(user, grant)
        grant.handle_url = reverse("care-handle", args=[grant.request_id])
    return render(
        request,
        "care/fund_grants.html",
        {
            "proposed": [grant for grant in grants if grant.status == GrantStatus.PROPOSED],
            "approved": [grant for grant in grants if grant.status == GrantStatus.APPROVED],
            "budget": ledger.budget_of(BudgetKind.CARE_GRANTS),
        },
    )


def _grant_or_404(user: User, pk: int) -> CareGrant:
    """A grant on a request the viewer may see (a paid one too: a second click on "pay" is not a 404)."""
    require_or_404(permissions.is_office(user))
    grant = (
        CareGrant.objects.filter(pk=pk, request__in=selectors.requests_visible_to(user))
        .select_related("request__officer__org_unit")
        .first()
    )
    if grant is None:
        raise Http404("no such grant")
    return grant


def _amount_and_reference(grant: CareGrant) -> dict:
    return {"amount": ledger.yuan(grant.amount), "reference": grant.request.reference}


@login_required
@require_POST
def fund_grant_approve(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant_or_404(request.user, pk)
    try:
        grant = services.grant_approve(grant=grant, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The grant of %(amount)s on %(reference)s is approved; the money is committed.")
            % _amount_and_reference(grant),
        )
    return redirect("fund-grants")


@login_required
@require_POST
def fund_grant_reject(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant_or_404(request.user, pk)
    try:
        grant = services.grant_reject(
            grant=grant, actor=request.user, reason=request.POST.get("reason", "")[:500]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The grant of %(amount)s on %(reference)s is not approved.") % _amount_and_reference(grant),
        )
    return redirect("fund-grants")


@login_required
@require_POST
def fund_grant_pay(request: HttpRequest, pk: int) -> HttpResponse:
    grant = _grant_or_404(request.user, pk)
    try:
        grant = services.grant_pay(grant=grant, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The grant of %(amount)s on %(reference)s has been paid (entry no. %(number)d).")
            % {**_amount_and_reference(grant), "number": grant.payment_id},
        )
    return redirect("fund-grants")
