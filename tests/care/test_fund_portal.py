"""The love-police fund's portal pages: balances, entries and their export, donations and allocations,
reversals, and the care grants to decide or pay.

People (tests/care/conftest.py): ``welfare`` is a welfare-office member, ``head`` a head of the office,
``officer`` and ``outsider`` plain officers; ``leader`` (here) a bureau leader. ``funded`` holds
¥150,000: ¥100,000 allocated to care grants and ¥50,000 to education awards.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEntry
from care import fund as ledger
from care import services
from care.models import BudgetKind, CareGrant, EntryKind, FundEntry, GrantStatus
from tests.care.conftest import submit
from tests.factories import OfficerFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def leader(city):
    user = UserFactory(username="leader")
    RoleAssignmentFactory(user=user, role="leader", org_unit=city)
    return user


def _budget(kind: str):
    return ledger.budget_of(kind)


def _pay(kind: str, amount: str, *, key: str, beneficiary=None, booked_on=None, actor=None, **values):
    return ledger.payment_record(
        budget=_budget(kind),
        amount=amount,
        idempotency_key=key,
        actor=actor,
        beneficiary=beneficiary,
        booked_on=booked_on,
        **values,
    )


def _rows(response) -> list[FundEntry]:
    return list(response.context["page"])


# --- Who may see what -------------------------------------------------------------------------------------

GET_PAGES = [
    "/fund/",
    "/fund/entries/",
    "/fund/entries/export.xlsx",
    "/fund/donations/new/",
    "/fund/allocations/new/",
    "/fund/grants/",
]


def _post_pages(entry_pk: int, grant_pk: int) -> list[str]:
    return [
        "/fund/donations/new/",
        "/fund/allocations/new/",
        f"/fund/entries/{entry_pk}/reverse/",
        f"/fund/grants/{grant_pk}/approve/",
        f"/fund/grants/{grant_pk}/reject/",
        f"/fund/grants/{grant_pk}/pay/",
    ]


@pytest.fixture
def proposed(in_progress, welfare, care_budget):
    """A grant above the second-approval threshold (¥5,000), proposed by its handler, ``welfare``."""
    return services.grant_propose(request=in_progress, actor=welfare, amount="8000", purpose="住院押金")


@pytest.mark.parametrize("who", ["officer", "outsider"])
def test_it_answers_404_on_every_fund_page_to_plain_officers(who, request, funded, proposed):
    user = request.getfixturevalue(who).user
    entry = FundEntry.objects.first()
    client = _client(user)
    for url in [*GET_PAGES, f"/fund/entries/{entry.pk}/reverse/"]:
        assert client.get(url).status_code == 404, url
    for url in _post_pages(entry.pk, proposed.pk):
        assert client.post(url, {"reason": "x", "amount": "1", "donor": "x"}).status_code == 404, url
    assert FundEntry.objects.count() == 3  # the fixture's donation and two allocations, nothing more
    proposed.refresh_from_db()
    assert proposed.status == GrantStatus.PROPOSED


def test_a_leader_sees_the_balances_and_nothing_else(leader, funded, proposed):
    client = _client(leader)
    response = client.get("/fund/")
    assert response.status_code == 200
    assert response.context["fund"].balance == Decimal("150000.00")
    page = response.content.decode()
    assert "/fund/entries/" not in page and "/fund/grants/" not in page
    entry = FundEntry.objects.first()
    for url in [*GET_PAGES[1:], f"/fund/entries/{entry.pk}/reverse/"]:
        assert client.get(url).status_code == 404, url
    for url in _post_pages(entry.pk, proposed.pk):
        assert client.post(url, {"reason": "x"}).status_code == 404, url


def test_anonymous_visitors_are_sent_to_log_in(funded):
    response = Client().get("/fund/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- Balances ---------------------------------------------------------------------------------------------


def test_it_shows_the_balances_the_ledger_holds(welfare, funded, officer):
    today = timezone.localdate()
    _pay("awards", "2000", key="t-award", beneficiary=officer)
    commitment = ledger.commitment_record(
        budget=_budget("care_grants"), amount="3000", idempotency_key="t-commit", actor=None
    )
    ledger.payment_record(
        budget=_budget("care_grants"),
        amount="1000",
        idempotency_key="t-settle",
        actor=None,
        settles=commitment,
    )
    response = _client(welfare).get("/fund/")
    assert response.status_code == 200
    fund = response.context["fund"]
    assert (fund.balance, fund.unallocated) == (Decimal("147000.00"), Decimal("0.00"))
    budgets = {b.kind: (b.available, b.committed, b.spent) for b in response.context["budgets"]}
    assert budgets["care_grants"] == (Decimal("97000.00"), Decimal("2000.00"), Decimal("1000.00"))
    assert budgets["awards"] == (Decimal("48000.00"), Decimal("0.00"), Decimal("2000.00"))
    assert [b.kind for b in response.context["budgets"]] == BudgetKind.values  # the purposes' own order
    assert response.context["sums"]["balance"] == Decimal("147000.00")
    page = response.content.decode()
    assert "¥147,000.00" in page and "¥97,000.00" in page
    # Policy figures from the fund's row.
    assert "¥50,000.00 per officer per calendar year" in page
    assert "A grant above ¥5,000.00 needs a second approver" in page
    # This month's spending: ¥2,000 of awards and ¥1,000 of care grants; the commitment is no spending.
    months = response.context["months"]
    assert len(months) == 12 and months[-1]["month"] == today.replace(day=1)
    labels = [str(label) for label in response.context["kind_labels"]]
    this_month = dict(zip(labels, months[-1]["values"], strict=True))
    assert this_month["education awards"] == Decimal("2000.00")
    assert this_month["care grants"] == Decimal("1000.00")
    assert months[-1]["total"] == Decimal("3000.00")
    chart = response.context["chart"]
    awards = next(d for d in chart["datasets"] if d["key"] == "awards")
    assert chart["labels"][-1] == f"{today:%Y-%m}" and awards["data"][-1] == 2000.0
    assert 'id="fund-spending-data"' in page and "vendor/chart.js/chart.umd.js" in page
    # The welfare office is offered its pages; the reversal stays with the heads.
    assert "/fund/entries/" in page and "/fund/grants/" in page and "/fund/donations/new/" in page


def test_a_reversed_payment_is_taken_off_the_month_it_was_paid_in(welfare, funded):
    payment = _pay("awards", "2000", key="t-award")
    ledger.entry_reverse(entry=payment, reason="重复支付", idempotency_key="t-undo", actor=None)
    response = _client(welfare).get("/fund/")
    assert response.context["months"][-1]["total"] == Decimal("0.00")
    assert response.context["fund"].balance == Decimal("150000.00")


# Session, user, role assignments (permissions and navigation), the fund, its sub-budgets, the months'
# payments, the months' reversed payments, the viewer's officer profile (navigation), session save
# (savepoint, UPDATE, release).
HOME_QUERIES = 11


@pytest.mark.parametrize("count", [1, 12])
def test_the_balances_page_costs_the_same_queries_whatever_the_entries(
    welfare, funded, count, django_assert_num_queries
):
    for n in range(count):
        _pay("awards", "10", key=f"t-{n}", booked_on=timezone.localdate() - dt.timedelta(days=28 * n))
    client = _client(welfare)
    client.get("/fund/")
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/fund/")
    assert response.context["month_totals"]["total"] == Decimal("10.00") * count


# --- Entries ----------------------------------------------------------------------------------------------


@pytest.fixture
def ledger_rows(funded, officer, outsider):
    """Payments to two officers on known dates, one reversed, on top of the fixture's three entries."""
    day = timezone.localdate()
    ago = dt.timedelta
    rows = {
        "jan": _pay("care_grants", "1200", key="t-jan", beneficiary=officer, booked_on=day - ago(days=40),
                    reference="AJ-2026-000001"),
        "feb": _pay("care_grants", "800", key="t-feb", beneficiary=outsider, booked_on=day - ago(days=10),
                    reference="AJ-2026-000002"),
        "award": _pay("awards", "5000", key="t-award", beneficiary=officer, booked_on=day,
                      reference="JD-2026-07"),
    }  # fmt: skip
    rows["undo"] = ledger.entry_reverse(
        entry=rows["feb"], reason="发错人", idempotency_key="t-undo", actor=None
    )
    return rows


def _pks(response) -> set[int]:
    return {entry.pk for entry in _rows(response)}


def test_the_entries_filter_by_kind_budget_dates_beneficiary_reference_and_reversal(welfare, ledger_rows):
    rows = ledger_rows
    client = _client(welfare)
    everything = client.get("/fund/entries/")
    assert everything.status_code == 200 and len(_rows(everything)) == 3 + 4
    assert _pks(client.get("/fund/entries/?kind=payment")) == {
        rows["jan"].pk,
        rows["feb"].pk,
        rows["award"].pk,
    }
    assert _pks(client.get("/fund/entries/?kind=payment&budget=awards")) == {rows["award"].pk}
    day = timezone.localdate()
    window = f"date_from={day - dt.timedelta(days=20):%Y-%m-%d}&date_to={day - dt.timedelta(days=1):%Y-%m-%d}"
    assert _pks(client.get(f"/fund/entries/?{window}")) == {rows["feb"].pk}
    # The reversal carries the beneficiary of the entry it reverses.
    assert _pks(client.get("/fund/entries/?beneficiary=200002")) == {rows["feb"].pk, rows["undo"].pk}
    officer_name = rows["jan"].beneficiary.name
    assert _pks(client.get(f"/fund/entries/?beneficiary={officer_name}&kind=payment")) == {
        rows["jan"].pk,
        rows["award"].pk,
    }
    assert _pks(client.get("/fund/entries/?reference=aj-2026")) == {
        rows["jan"].pk,
        rows["feb"].pk,
        rows["undo"].pk,
    }
    assert _pks(client.get("/fund/entries/?reversed=yes")) == {rows["feb"].pk}
    assert rows["feb"].pk not in _pks(client.get("/fund/entries/?reversed=no"))
    assert _pks(client.get(f"/fund/entries/?entry={rows['jan'].pk}")) == {rows["jan"].pk}


def test_the_entries_show_direction_reversal_links_and_who_recorded(welfare, head, ledger_rows, officer):
    rows = ledger_rows
    ledger.donation_record(
        fund=ledger.default_fund(), amount="300", donor="退休民警李建国", idempotency_key="t-d", actor=welfare
    )
    response = _client(head).get("/fund/entries/")
    by_pk = {entry.pk: entry for entry in _rows(response)}
    assert by_pk[rows["jan"].pk].direction == -1  # a payment leaves the fund
    assert by_pk[rows["undo"].pk].direction == 1  # its reversal brings the money back
    assert by_pk[rows["feb"].pk].reversal.pk == rows["undo"].pk
    page = response.content.decode()
    assert f'href="?entry={rows["undo"].pk}" data-testid="reversed-by"' in page
    assert f'href="?entry={rows["feb"].pk}" data-testid="reverses"' in page
    assert f"reverses no. {rows['feb'].pk}" in page
    assert 'data-direction="in">+¥300.00' in page and 'data-direction="out">−¥1,200.00' in page
    assert 'data-direction="within">¥100,000.00' in page  # the allocation moved money inside the fund
    assert "赵敏" in page  # welfare recorded the donation (User.display_name: the officer's name)
    assert f"{officer.name} <span" in page
    # A head may reverse what is neither reversed nor a reversal; a member may not.
    assert by_pk[rows["jan"].pk].reversible and not by_pk[rows["feb"].pk].reversible
    assert not by_pk[rows["undo"].pk].reversible
    assert f"/fund/entries/{rows['jan'].pk}/reverse/" in page
    member_page = _client(welfare).get("/fund/entries/").content.decode()
    assert "/reverse/" not in member_page


def test_the_entries_are_paginated_by_50(welfare, funded):
    for n in range(57):
        _pay("awards", "1", key=f"t-{n}")
    client = _client(welfare)
    first = client.get("/fund/entries/?kind=payment")
    assert len(_rows(first)) == 50 and first.context["page"].paginator.num_pages == 2
    second = client.get("/fund/entries/?kind=payment&page=2")
    assert len(_rows(second)) == 7
    assert not _pks(first) & _pks(second)
    assert 'href="?kind=payment&page=2"' in first.content.decode()


# Session, user, role assignments (permissions and navigation), the fund (selector), the count, the page
# of entries (with sub-budget, beneficiary, recorders and approvers with their officers, reversed entry),
# the reversals of the page's entries (prefetch), the viewer's officer profile (navigation), session save
# (savepoint, UPDATE, release).
ENTRIES_QUERIES = 11


@pytest.mark.parametrize("count", [3, 30])
def test_the_entries_page_costs_the_same_queries_for_3_or_30_entries(
    welfare, head, funded, count, django_assert_num_queries
):
    for n in range(count):
        beneficiary = OfficerFactory()
        payment = _pay("awards", "10", key=f"t-{n}", beneficiary=beneficiary, actor=welfare, approved_by=head)
        if n % 3 == 0:
            ledger.entry_reverse(entry=payment, reason="更正", idempotency_key=f"t-undo-{n}", actor=head)
    client = _client(head)
    client.get("/fund/entries/")
    with django_assert_num_queries(ENTRIES_QUERIES):
        response = client.get("/fund/entries/?budget=awards")
    entries = _rows(response)
    # The payments, their reversals, and the fixture's allocation to the awards sub-budget.
    assert len(entries) == count + len(range(0, count, 3)) + 1
    assert all(entry.approved_by == head for entry in entries if entry.kind == EntryKind.PAYMENT)


# --- Export -----------------------------------------------------------------------------------------------


def test_the_export_is_a_safe_workbook_of_the_filtered_entries(welfare, funded, officer):
    fund = ledger.default_fund()
    ledger.donation_record(
        fund=fund,
        amount="1234.5",
        donor='=HYPERLINK("http://evil.example","点我")',
        memo="+1 打开宏",
        idempotency_key="t-evil",
        actor=welfare,
        booked_on=dt.date(2026, 1, 5),
    )
    ledger.donation_record(
        fund=fund, amount="10", donor="@x", memo="-2", idempotency_key="t-at", actor=welfare
    )
    _pay("awards", "99", key="t-pay", beneficiary=officer)
    response = _client(welfare).get("/fund/entries/export.xlsx?kind=donation")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:5] == ("No.", "Date", "Kind", "Sub-budget", "Amount")
    assert {row[2] for row in body} == {"donation"}  # the filter applies
    assert len(body) == 3  # the fixture's donation and the two above
    evil = next(row for row in body if row[4] == 1234.5)
    assert evil[8] == '\'=HYPERLINK("http://evil.example","点我")'
    assert evil[10] == "'+1 打开宏"
    assert evil[5] == 1234.5  # money in: a positive change to the fund's balance
    assert isinstance(evil[1], dt.datetime) and evil[1].date() == dt.date(2026, 1, 5)
    assert evil[11] == "赵敏"
    at = next(row for row in body if row[4] == 10)
    assert (at[8], at[10]) == ("'@x", "'-2")
    cells = next(sheet.iter_rows(min_row=2, max_row=2))
    assert "¥" in cells[4].number_format and cells[1].number_format == "yyyy-mm-dd"
    audit = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ)
    assert audit.actor == welfare
    assert audit.detail == {"what": "fund_entries_export", "count": 3}


def test_the_export_of_payments_gives_negative_changes_and_beneficiaries(welfare, funded, officer):
    _pay("awards", "99.90", key="t-pay", beneficiary=officer, reference="JD-1")
    response = _client(welfare).get("/fund/entries/export.xlsx?kind=payment")
    (row,) = list(load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert (row[4], row[5]) == (99.9, -99.9)
    assert (row[6], row[7], row[9]) == (officer.name, "100001", "JD-1")


def test_an_invalid_filter_exports_nothing_and_shows_the_errors(welfare, funded):
    response = _client(welfare).get("/fund/entries/export.xlsx?date_from=not-a-date")
    assert response.status_code == 302 and response["Location"] == "/fund/entries/?date_from=not-a-date"
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()


# --- Donations and allocations ----------------------------------------------------------------------------


def _token(client, url) -> str:
    return str(client.get(url).context["form"]["token"].value())


def test_a_donation_is_recorded_once_however_often_the_form_is_sent(welfare, funded):
    client = _client(welfare)
    token = _token(client, "/fund/donations/new/")
    data = {
        "donor": "市慈善总会",
        "amount": "20,000.50",
        "booked_on": f"{timezone.localdate():%Y-%m-%d}",
        "budget": "",
        "memo": "春节慰问",
        "token": token,
    }
    first = client.post("/fund/donations/new/", data)
    assert first.status_code == 302 and first["Location"] == "/fund/entries/"
    second = client.post("/fund/donations/new/", data)
    assert second.status_code == 302
    donations = FundEntry.objects.filter(kind=EntryKind.DONATION, recorded_by=welfare)
    assert donations.count() == 1
    entry = donations.get()
    assert (entry.amount, entry.counterparty, entry.memo, entry.budget) == (
        Decimal("20000.50"),
        "市慈善总会",
        "春节慰问",
        None,
    )
    assert entry.idempotency_key == f"portal-donation:{token}"
    funded.refresh_from_db()
    assert (funded.balance, funded.unallocated) == (Decimal("170000.50"), Decimal("20000.50"))
    followed = client.get("/fund/entries/")
    assert "has been recorded as entry no." in followed.content.decode()


def test_the_same_form_sent_again_with_other_figures_is_refused(welfare, funded):
    client = _client(welfare)
    data = {
        "donor": "某某",
        "amount": "100",
        "booked_on": "2026-01-02",
        "token": _token(client, "/fund/donations/new/"),
    }
    assert client.post("/fund/donations/new/", data).status_code == 302
    response = client.post("/fund/donations/new/", {**data, "amount": "200"})
    assert response.status_code == 200
    assert (
        "This form was already recorded with other figures." in response.context["form"].non_field_errors()[0]
    )
    assert list(FundEntry.objects.filter(recorded_by=welfare).values_list("amount", flat=True)) == [
        Decimal("100.00")
    ]


def test_a_donation_can_go_straight_into_a_sub_budget(welfare, funded):
    client = _client(welfare)
    health = _budget(BudgetKind.HEALTH)
    data = {
        "donor": "爱心企业",
        "amount": "5000",
        "booked_on": "2026-01-02",
        "budget": str(health.pk),
        "token": _token(client, "/fund/donations/new/"),
    }
    assert client.post("/fund/donations/new/", data).status_code == 302
    health.refresh_from_db()
    assert health.available == Decimal("5000.00")
    entry = FundEntry.objects.get(kind=EntryKind.DONATION, budget=health)
    assert entry.booked_on == dt.date(2026, 1, 2)


@pytest.mark.parametrize(
    "amount,message",
    [
        ("-5", "An amount must be more than zero."),
        ("0", "An amount must be more than zero."),
        ("1.234", "An amount has at most two decimals (fen)."),
        ("abc", "abc is not an amount of money."),
        ("", "This field is required."),
    ],
)
def test_a_donation_of_no_real_amount_is_refused_on_the_form(welfare, funded, amount, message):
    client = _client(welfare)
    data = {
        "donor": "某某",
        "amount": amount,
        "booked_on": "2026-01-02",
        "token": _token(client, "/fund/donations/new/"),
    }
    response = client.post("/fund/donations/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert FundEntry.objects.count() == 3


def test_a_donation_without_a_token_or_dated_ahead_is_refused(welfare, funded):
    client = _client(welfare)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(
        "/fund/donations/new/", {"donor": "某某", "amount": "10", "booked_on": f"{tomorrow:%Y-%m-%d}"}
    )
    form = response.context["form"]
    assert "token" in form.errors and "booked_on" in form.errors
    assert "This form has expired" in response.content.decode()
    assert FundEntry.objects.count() == 3


def test_an_allocation_moves_unallocated_money_into_a_sub_budget(welfare, fund):
    ledger.donation_record(fund=fund, amount="1000", donor="某公司", idempotency_key="t-d", actor=None)
    client = _client(welfare)
    activities = _budget(BudgetKind.ACTIVITIES)
    data = {
        "budget": str(activities.pk),
        "amount": "600",
        "memo": "二季度亲子活动",
        "token": _token(client, "/fund/allocations/new/"),
    }
    response = client.post("/fund/allocations/new/", data)
    assert response.status_code == 302
    client.post("/fund/allocations/new/", data)  # the same form again: nothing more
    activities.refresh_from_db()
    fund.refresh_from_db()
    assert (activities.available, fund.unallocated, fund.balance) == (
        Decimal("600.00"),
        Decimal("400.00"),
        Decimal("1000.00"),
    )
    assert FundEntry.objects.filter(kind=EntryKind.ALLOCATION).count() == 1


def test_an_allocation_beyond_what_is_unallocated_is_refused_with_the_figures(welfare, fund):
    ledger.donation_record(fund=fund, amount="1000", donor="某公司", idempotency_key="t-d", actor=None)
    client = _client(welfare)
    awards = _budget(BudgetKind.AWARDS)
    data = {"budget": str(awards.pk), "amount": "1500", "token": _token(client, "/fund/allocations/new/")}
    response = client.post("/fund/allocations/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [
        "The fund has ¥1,000.00 not yet allocated; ¥1,500.00 cannot be allocated."
    ]
    assert (
        "The fund has ¥1,000.00 not yet allocated; ¥1,500.00 cannot be allocated."
        in response.content.decode()
    )
    assert not FundEntry.objects.filter(kind=EntryKind.ALLOCATION).exists()
    fund.refresh_from_db()
    awards.refresh_from_db()
    assert (fund.balance, fund.unallocated, awards.available) == (
        Decimal("1000.00"),
        Decimal("1000.00"),
        Decimal("0.00"),
    )


# --- Reversals --------------------------------------------------------------------------------------------


def _snapshot(entry: FundEntry) -> tuple:
    entry = FundEntry.objects.get(pk=entry.pk)
    return (entry.kind, entry.amount, entry.booked_on, entry.budget_id, entry.memo, entry.fund_balance_after)


def test_a_head_reverses_a_payment_once_and_the_balances_come_back(head, funded, officer):
    payment = _pay("awards", "3000", key="t-pay", beneficiary=officer, memo="错付")
    before = _snapshot(payment)
    client = _client(head)
    page = client.get(f"/fund/entries/{payment.pk}/reverse/")
    assert page.status_code == 200 and page.context["entry"] == payment and not page.context["problem"]
    response = client.post(f"/fund/entries/{payment.pk}/reverse/", {"reason": "收款账户有误"})
    assert response.status_code == 302 and response["Location"] == "/fund/entries/"
    reversal = FundEntry.objects.get(kind=EntryKind.REVERSAL)
    assert (reversal.reverses_id, reversal.amount, reversal.memo, reversal.recorded_by) == (
        payment.pk,
        Decimal("3000.00"),
        "收款账户有误",
        head,
    )
    assert reversal.idempotency_key == f"portal-reversal:{payment.pk}"
    awards = _budget("awards")
    funded.refresh_from_db()
    assert (awards.available, awards.spent, funded.balance) == (
        Decimal("50000.00"),
        Decimal("0.00"),
        Decimal("150000.00"),
    )
    assert _snapshot(payment) == before  # append-only: the payment itself is untouched
    again = client.post(f"/fund/entries/{payment.pk}/reverse/", {"reason": "再来一次"})
    assert again.status_code == 200
    assert again.context["form"].non_field_errors() == [
        f"This entry has already been reversed, by entry no. {reversal.pk}."
    ]
    assert FundEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1
    funded.refresh_from_db()
    assert funded.balance == Decimal("150000.00")


def test_a_reversal_needs_a_reason_and_cannot_itself_be_reversed(head, funded):
    payment = _pay("awards", "100", key="t-pay")
    client = _client(head)
    response = client.post(f"/fund/entries/{payment.pk}/reverse/", {"reason": "  "})
    assert "reason" in response.context["form"].errors
    assert not FundEntry.objects.filter(kind=EntryKind.REVERSAL).exists()
    reversal = ledger.entry_reverse(entry=payment, reason="更正", idempotency_key="t-undo", actor=head)
    page = client.get(f"/fund/entries/{reversal.pk}/reverse/")
    assert page.context["problem"] == "A reversal cannot be reversed; record the entry again instead."
    assert 'data-testid="fund-reverse-form"' not in page.content.decode()
    client.post(f"/fund/entries/{reversal.pk}/reverse/", {"reason": "撤销更正"})
    assert FundEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_the_ledger_refusal_is_shown_when_the_money_has_gone(head, fund):
    """An allocation whose money was paid out cannot be taken back: the ledger says so with the figures."""
    ledger.donation_record(fund=fund, amount="1000", donor="某公司", idempotency_key="t-d", actor=None)
    allocation = ledger.allocation_record(
        budget=_budget("health"), amount="1000", idempotency_key="t-a", actor=None
    )
    _pay("health", "700", key="t-pay")
    response = _client(head).post(f"/fund/entries/{allocation.pk}/reverse/", {"reason": "分配错了"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The health sub-budget has ¥300.00 available: ¥1,000.00 cannot be paid or committed."
    ]
    assert not FundEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_the_commitment_of_an_approved_grant_is_not_reversed_here(head, welfare, in_progress, care_budget):
    grant = services.grant_propose(request=in_progress, actor=welfare, amount="2000", purpose="慰问金")
    assert grant.status == GrantStatus.APPROVED  # at or under the threshold: approved when proposed
    response = _client(head).post(f"/fund/entries/{grant.commitment_id}/reverse/", {"reason": "不需要了"})
    assert in_progress.reference in response.context["form"].non_field_errors()[0]
    assert not FundEntry.objects.filter(kind=EntryKind.REVERSAL).exists()
    care_budget.refresh_from_db()
    assert care_budget.committed == Decimal("2000.00")


def test_a_member_of_the_office_who_is_not_a_head_cannot_reverse(welfare, funded):
    payment = _pay("awards", "100", key="t-pay")
    client = _client(welfare)
    assert client.get(f"/fund/entries/{payment.pk}/reverse/").status_code == 404
    assert client.post(f"/fund/entries/{payment.pk}/reverse/", {"reason": "x"}).status_code == 404
    assert not FundEntry.objects.filter(kind=EntryKind.REVERSAL).exists()


def test_reversing_an_entry_that_does_not_exist_is_a_404(head, funded):
    assert _client(head).get("/fund/entries/999999/reverse/").status_code == 404


# --- Grants -----------------------------------------------------------------------------------------------


def _grant_row(response, grant):
    for key in ("proposed", "approved"):
        for row in response.context[key]:
            if row.pk == grant.pk:
                return key, row
    return None, None


def test_the_proposer_of_a_large_grant_cannot_approve_it(welfare, proposed):
    assert proposed.needs_second_approval and proposed.status == GrantStatus.PROPOSED
    client = _client(welfare)
    page = client.get("/fund/grants/")
    assert page.status_code == 200
    where, row = _grant_row(page, proposed)
    assert where == "proposed" and not row.may_decide
    assert row.why_not == "A grant this large needs a second approver: you proposed it."
    html = page.content.decode()
    assert "A grant this large needs a second approver: you proposed it." in html
    assert proposed.request.reference in html and "needs a second approver" in html
    assert f"/care/handle/{proposed.request_id}/" in html
    response = client.post(f"/fund/grants/{proposed.pk}/approve/", follow=True)
    assert "A grant this large needs a second approver: you proposed it." in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == GrantStatus.PROPOSED and proposed.commitment_id is None
    assert not FundEntry.objects.filter(kind=EntryKind.COMMITMENT).exists()


def test_a_head_approves_and_a_double_click_on_pay_pays_once(head, welfare, proposed, care_budget):
    client = _client(head)
    where, row = _grant_row(client.get("/fund/grants/"), proposed)
    assert where == "proposed" and row.may_decide
    response = client.post(f"/fund/grants/{proposed.pk}/approve/")
    assert response.status_code == 302 and response["Location"] == "/fund/grants/"
    proposed.refresh_from_db()
    assert (proposed.status, proposed.approved_by) == (GrantStatus.APPROVED, head)
    commitment = FundEntry.objects.get(kind=EntryKind.COMMITMENT)
    assert (commitment.amount, commitment.approved_by, commitment.beneficiary) == (
        Decimal("8000.00"),
        head,
        proposed.request.officer,
    )
    where, row = _grant_row(client.get("/fund/grants/"), proposed)
    assert where == "approved" and row.may_pay
    paying = _client(welfare)  # any member of the office pays
    first = paying.post(f"/fund/grants/{proposed.pk}/pay/")
    second = paying.post(f"/fund/grants/{proposed.pk}/pay/")
    assert first.status_code == second.status_code == 302
    proposed.refresh_from_db()
    payments = FundEntry.objects.filter(kind=EntryKind.PAYMENT)
    assert payments.count() == 1 and proposed.status == GrantStatus.PAID
    assert proposed.payment == payments.get() and payments.get().settles == commitment
    care_budget.refresh_from_db()
    assert (care_budget.available, care_budget.committed, care_budget.spent) == (
        Decimal("92000.00"),
        Decimal("0.00"),
        Decimal("8000.00"),
    )
    assert _grant_row(paying.get("/fund/grants/"), proposed) == (None, None)  # no longer waiting
    # A head looking at reversing the payment is told what it does to the grant.
    page = client.get(f"/fund/entries/{proposed.payment_id}/reverse/").content.decode()
    assert 'data-testid="grant-payment-note"' in page and proposed.request.reference in page


def test_a_grant_is_not_approved_without_a_reason(head, proposed):
    client = _client(head)
    response = client.post(f"/fund/grants/{proposed.pk}/reject/", {"reason": "  "}, follow=True)
    assert "Say why the grant is not approved." in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == GrantStatus.PROPOSED
    client.post(f"/fund/grants/{proposed.pk}/reject/", {"reason": "已由工会补助"})
    proposed.refresh_from_db()
    assert (proposed.status, proposed.decision_reason, proposed.approved_by) == (
        GrantStatus.REJECTED,
        "已由工会补助",
        head,
    )
    assert not FundEntry.objects.filter(kind=EntryKind.COMMITMENT).exists()


def test_nobody_pays_a_grant_to_themselves(head, welfare, care_budget):
    own = submit(welfare.officer, title="孩子上学困难")
    services.request_accept(request=own, handler=head, actor=head)
    grant = services.grant_propose(request=own, actor=head, amount="1000", purpose="助学")
    assert grant.status == GrantStatus.APPROVED
    client = _client(welfare)
    where, row = _grant_row(client.get("/fund/grants/"), grant)
    assert where == "approved" and not row.may_pay
    response = client.post(f"/fund/grants/{grant.pk}/pay/", follow=True)
    assert "This grant is for you" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == GrantStatus.APPROVED
    assert not FundEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


def test_a_confidential_request_s_grant_is_shown_to_heads_only(
    head, welfare, unit_admin, officer, care_budget
):
    secret = submit(officer, confidential=True, category="mental_health", title="心理咨询")
    services.request_accept(request=secret, handler=unit_admin.user, actor=head)
    services.action_add(
        request=secret, actor=unit_admin.user, kind="call", text="电话", visible_to_officer=False
    )
    grant = services.grant_propose(request=secret, actor=unit_admin.user, amount="600", purpose="咨询费")
    assert grant.status == GrantStatus.PROPOSED  # a unit admin's proposal waits for the office
    assert _grant_row(_client(head).get("/fund/grants/"), grant)[0] == "proposed"
    member = _client(welfare)
    assert _grant_row(member.get("/fund/grants/"), grant) == (None, None)
    assert member.post(f"/fund/grants/{grant.pk}/approve/").status_code == 404
    # The unit admin handles it but is not the welfare office: no grants page.
    assert _client(unit_admin.user).get("/fund/grants/").status_code == 404
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PROPOSED


# Session, user, role assignments (permissions and navigation), the grants with their request, officer,
# unit, proposer and approver (and their officers), the fund, the care-grants sub-budget, the viewer's
# officer profile (navigation), session save (savepoint, UPDATE, release).
GRANTS_QUERIES = 10


@pytest.mark.parametrize("count", [1, 4])
def test_the_grants_page_costs_the_same_queries_for_1_or_4_grants(
    head, welfare, station, care_budget, count, django_assert_num_queries
):
    for n in range(count):
        request = submit(OfficerFactory(org_unit=station), title=f"困难{n}")
        services.request_accept(request=request, handler=welfare, actor=welfare)
        services.action_add(request=request, actor=welfare, kind="call", text="电话", visible_to_officer=True)
        grant = services.grant_propose(request=request, actor=welfare, amount="6000", purpose="医疗费")
        if n % 2:
            services.grant_approve(grant=grant, actor=head)
    client = _client(head)
    client.get("/fund/grants/")
    with django_assert_num_queries(GRANTS_QUERIES):
        response = client.get("/fund/grants/")
    assert len(response.context["proposed"]) + len(response.context["approved"]) == count
    assert CareGrant.objects.count() == count


def test_a_confidential_grant_shows_on_the_statement_without_whom_or_why_for_members_who_are_not_heads(
    officer, welfare, head, care_budget
):
    secret = submit(officer, category="mental_health", confidential=True, title="心理咨询")
    services.request_accept(request=secret, handler=head, actor=head)
    grant = services.grant_propose(request=secret, actor=head, amount="1200", purpose="心理咨询费用")
    services.grant_pay(grant=grant, actor=head)
    member = _client(welfare).get("/fund/entries/").content.decode()
    assert "1,200.00" in member  # the money is there: the balances must add up
    assert "心理咨询费用" not in member and secret.reference not in member and officer.name not in member
    assert "A grant on a confidential care request" in member
    # A search by the officer or the reference finds nothing for the member …
    for query in (f"beneficiary={officer.police_number}", f"reference={secret.reference}"):
        found = _client(welfare).get(f"/fund/entries/?{query}").context["page"].object_list
        assert list(found) == []
    export = _client(welfare).get("/fund/entries/export.xlsx")
    cells = {str(c.value) for row in load_workbook(BytesIO(export.content)).active.iter_rows() for c in row}
    assert "心理咨询费用" not in cells and officer.police_number not in cells
    # … and everything for a head.
    boss = _client(head).get(f"/fund/entries/?beneficiary={officer.police_number}").content.decode()
    assert "心理咨询费用" in boss and secret.reference in boss
