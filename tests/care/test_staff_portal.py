"""The welfare office's care pages: the queue and its export, one request as its handler works it (accept,
return, actions, resolve, grants), and the overview. Scope: out of sight is 404, confidential requests are
for their handler and the heads only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEntry
from care import services, workdays
from care.models import (
    CalendarDay,
    CareEvent,
    CareGrant,
    CareRequest,
    EntryKind,
    FundEntry,
    GrantStatus,
    Status,
)
from tests.care.conftest import days, submit
from tests.factories import OfficerFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _references(response) -> list[str]:
    return [row.reference for row in response.context["page"]]


def _snapshot(care_request: CareRequest) -> tuple:
    """What a refused POST must leave as it was."""
    care_request.refresh_from_db()
    return (
        care_request.status,
        care_request.handler_id,
        care_request.due_at,
        care_request.outcome,
        CareEvent.objects.filter(request=care_request).count(),
        CareGrant.objects.filter(request=care_request).count(),
        FundEntry.objects.count(),
    )


def _overdue(care_request: CareRequest, by: dt.timedelta | None = None) -> None:
    CareRequest.objects.filter(pk=care_request.pk).update(due_at=timezone.now() - (by or days(3)))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_admin(other_county):
    """The unit admin of the other county: covers the outsider, not the officer."""
    admin = OfficerFactory(org_unit=other_county, police_number="200009", user__username="otheradmin")
    RoleAssignmentFactory(user=admin.user, role="unit_admin", org_unit=other_county)
    return admin


@pytest.fixture
def confidential(officer):
    return submit(
        officer, confidential=True, category="mental_health", title="心理疏导", description="需要帮助"
    )


# --- The queue ---------------------------------------------------------------------------------------------


def test_it_shows_the_welfare_office_the_new_requests_of_the_whole_city(welfare, submitted, outsider):
    theirs = submit(outsider, category="schooling", title="孩子入学")
    response = _client(welfare).get("/care/queue/")
    assert response.status_code == 200
    assert set(_references(response)) == {submitted.reference, theirs.reference}
    body = response.content.decode()
    assert "家中老人住院" in body and "孩子入学" in body
    assert "not yet assigned" in body
    assert response.context["view"] == "queue"


def test_a_unit_admin_has_nothing_to_accept_but_sees_what_is_assigned_to_them(
    unit_admin, welfare, officer, submitted
):
    theirs = services.request_accept(
        request=submit(officer, title="法律咨询"), handler=unit_admin.user, actor=welfare
    )
    response = _client(unit_admin.user).get("/care/queue/")
    assert response.status_code == 200
    assert _references(response) == [theirs.reference]
    assert "view" not in response.context["filter"].form.fields  # a queue, not a list of everything
    # Asking for everything gives a unit admin the queue all the same.
    assert _references(_client(unit_admin.user).get("/care/queue/?view=all")) == [theirs.reference]


def test_a_confidential_request_is_in_the_heads_queue_not_a_plain_members(
    welfare, head, submitted, confidential
):
    member = _client(welfare)
    assert _references(member.get("/care/queue/")) == [submitted.reference]
    assert confidential.reference not in _references(member.get("/care/queue/?view=all"))
    assert confidential.reference not in member.get("/care/queue/?view=all").content.decode()
    response = _client(head).get("/care/queue/")
    assert set(_references(response)) == {submitted.reference, confidential.reference}
    body = response.content.decode()
    assert body.count('data-testid="care-confidential"') == 1
    assert "心理疏导" in body


def test_the_queue_is_404_for_officers_and_outsiders(officer, outsider, submitted):
    for user in (officer.user, outsider.user):
        client = _client(user)
        assert client.get("/care/queue/").status_code == 404
        assert client.get("/care/queue/export.xlsx").status_code == 404
    assert Client().get("/care/queue/").status_code == 302  # to the log-in page


def test_every_request_the_office_can_see_lists_closed_ones_but_not_its_own(welfare, resolved, outsider):
    own = submit(welfare.officer, title="我自己的事")
    other = submit(outsider, title="别人的事")
    client = _client(welfare)
    # Resolved: nothing to act on; one's own request: never in one's queue.
    assert set(_references(client.get("/care/queue/"))) == {other.reference}
    everything = _references(client.get("/care/queue/?view=all"))
    assert set(everything) == {resolved.reference, other.reference}
    assert own.reference not in everything


def test_the_queue_filters_by_status_category_overdue_unit_and_search(
    welfare, officer, outsider, accepted, other_county
):
    late = submit(outsider, category="schooling", title="入学")
    _overdue(late)
    returned = services.request_return(
        request=submit(outsider, title="缺材料"), actor=welfare, reason="请补充"
    )
    client = _client(welfare)
    assert _references(client.get("/care/queue/?overdue=yes")) == [late.reference]
    assert _references(client.get("/care/queue/?view=all&status=returned")) == [returned.reference]
    assert _references(client.get("/care/queue/?category=schooling")) == [late.reference]
    unit = client.get(f"/care/queue/?view=all&unit={other_county.pk}")
    assert set(_references(unit)) == {late.reference, returned.reference}
    assert _references(client.get(f"/care/queue/?q={accepted.reference}")) == [accepted.reference]
    assert _references(client.get(f"/care/queue/?q={outsider.police_number}")) == [late.reference]
    assert set(_references(client.get(f"/care/queue/?view=all&q={outsider.name}"))) == {
        late.reference,
        returned.reference,
    }
    # Overdue only counts what the office owes: a returned request waits on the officer.
    _overdue(returned)
    assert _references(client.get("/care/queue/?view=all&overdue=yes")) == [late.reference]


def test_the_queue_puts_the_most_overdue_first_and_marks_it(welfare, officer, submitted):
    later = submit(officer, title="第二件")
    _overdue(later, by=days(5))
    response = _client(welfare).get("/care/queue/")
    assert _references(response) == [later.reference, submitted.reference]
    rows = list(response.context["page"])
    assert rows[0].overdue and not rows[1].overdue
    assert rows[0].age_days == 0
    assert response.content.decode().count('class="table-danger"') == 1


# Session, user, role assignments (scope, cached on the user), COUNT for the paginator, the page of requests
# (with officer, unit, handler and the handler's officer profile), navigation (the officer profile), the
# unit choices of the filter, session save (savepoint, UPDATE, release).
QUEUE_QUERIES = 10


@pytest.mark.parametrize("count", [2, 8])
def test_the_queue_costs_the_same_queries_for_2_or_8_requests(
    welfare, officer, outsider, unit_admin, count, django_assert_num_queries
):
    for index in range(count):
        found = submit(officer if index % 2 else outsider, title=f"求助{index}")
        if index % 2:
            services.request_accept(request=found, handler=welfare, actor=welfare)
    client = _client(welfare)
    client.get("/care/queue/")  # warm the session
    with django_assert_num_queries(QUEUE_QUERIES):
        response = client.get("/care/queue/?view=all")
    assert len(response.context["page"]) == count
    assert welfare.officer.name in response.content.decode()  # the handler's name, from their profile


def test_the_export_writes_formulas_as_text_leaves_out_confidential_rows_and_is_audited(
    welfare, officer, confidential
):
    plotted = submit(officer, title='=HYPERLINK("http://x","点我")')
    response = _client(welfare).get("/care/queue/export.xlsx?view=all")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [plotted.reference]
    subject = rows[0][header.index("Subject")]
    assert subject == '\'=HYPERLINK("http://x","点我")'
    assert rows[0][header.index("Police number")] == officer.police_number
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    entry = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ, actor=welfare)
    assert entry.detail["what"] == "care_requests_export"
    assert entry.detail["count"] == 1


def test_the_export_follows_the_filters_and_gives_a_head_the_confidential_rows(head, submitted, confidential):
    client = _client(head)
    sheet = load_workbook(BytesIO(client.get("/care/queue/export.xlsx").content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        submitted.reference,
        confidential.reference,
    }
    filtered = load_workbook(BytesIO(client.get("/care/queue/export.xlsx?category=mental_health").content))
    assert [row[0] for row in filtered.active.iter_rows(min_row=2, values_only=True)] == [
        confidential.reference
    ]
    counts = [e.detail["count"] for e in AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ)]
    assert sorted(counts) == [1, 2]


# --- One request -------------------------------------------------------------------------------------------


def test_the_office_opens_a_request_with_everything_and_the_read_is_audited(welfare, in_progress, officer):
    services.action_add(
        request=in_progress, actor=welfare, kind="note", text="内部：家属情绪不稳", visible_to_officer=False
    )
    response = _client(welfare).get(f"/care/handle/{in_progress.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "父亲脑梗住院" in body  # the description
    assert "内部：家属情绪不稳" in body  # the internal note, marked so
    assert 'data-testid="care-event-internal"' in body
    assert officer.police_number in body and officer.mobile in body
    assert response.context["care_request"] == in_progress
    entry = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ, actor=welfare)
    assert entry.object_id == str(in_progress.pk)
    assert entry.detail["channel"] == "web"
    assert response.context["action_form"] is not None  # the handler acts
    assert response.context["accept_form"] is not None  # the office may hand it on


def test_a_confidential_request_is_404_for_a_member_and_open_to_the_head_and_its_handler(
    welfare, head, unit_admin, confidential
):
    url = f"/care/handle/{confidential.pk}/"
    assert _client(welfare).get(url).status_code == 404
    assert _client(unit_admin.user).get(url).status_code == 404
    assert _client(head).get(url).status_code == 200
    services.request_accept(request=confidential, handler=welfare, actor=head)
    response = _client(welfare).get(url)
    assert response.status_code == 200
    assert response.context["accept_form"] is None  # a member cannot reassign a confidential request
    assert AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ, actor=welfare).count() == 1


def test_a_request_is_404_for_outsiders_and_staff_of_another_unit(outsider, other_admin, submitted):
    for user in (outsider.user, other_admin.user):
        assert _client(user).get(f"/care/handle/{submitted.pk}/").status_code == 404
    assert _client(other_admin.user).get("/care/handle/999999/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()


def test_the_officer_is_sent_to_their_own_page(officer, submitted):
    response = _client(officer.user).get(f"/care/handle/{submitted.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/care/requests/{submitted.pk}/"
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()


def test_a_unit_admin_reads_a_request_of_their_unit_without_forms(unit_admin, accepted):
    response = _client(unit_admin.user).get(f"/care/handle/{accepted.pk}/")
    assert response.status_code == 200
    for name in ("accept_form", "return_form", "action_form", "resolve_form", "grant_form"):
        assert response.context[name] is None
    assert 'data-testid="care-read-only"' in response.content.decode()


def test_a_request_made_on_the_officers_behalf_says_so(welfare, unit_admin, officer):
    found = submit(officer, by=unit_admin.user)
    body = _client(welfare).get(f"/care/handle/{found.pk}/").content.decode()
    assert 'data-testid="care-on-behalf"' in body
    assert unit_admin.name in body


def test_the_handler_list_offers_the_staff_covering_the_officers_unit(
    welfare, head, unit_admin, other_admin, officer, submitted
):
    response = _client(welfare).get(f"/care/handle/{submitted.pk}/")
    offered = set(response.context["accept_form"].fields["handler"].queryset)
    assert offered == {welfare, head, unit_admin.user}  # not the other county's admin, not the officer
    assert response.context["accept_form"].initial["handler"] == welfare.pk


def test_the_major_illness_case_timeline_lists_referrals_appointments_and_grants_by_date(
    welfare, officer, funded
):
    found = submit(officer, category="major_illness", title="肺癌治疗")
    services.request_accept(request=found, handler=welfare, actor=welfare)
    today = timezone.localdate()
    services.action_add(
        request=found,
        actor=welfare,
        kind="appointment",
        text="专家门诊",
        visible_to_officer=True,
        scheduled_for=today + dt.timedelta(days=10),
    )
    services.action_add(
        request=found,
        actor=welfare,
        kind="referral",
        text="转诊市一院",
        visible_to_officer=True,
        scheduled_for=today + dt.timedelta(days=3),
    )
    services.action_add(request=found, actor=welfare, kind="call", text="电话慰问", visible_to_officer=True)
    grant = services.grant_propose(request=found, actor=welfare, amount="3000", purpose="住院押金")
    services.grant_pay(grant=grant, actor=welfare)
    response = _client(welfare).get(f"/care/handle/{found.pk}/")
    items = response.context["case_timeline"]
    assert [(item["date"], str(item["what"])) for item in items] == [
        (today, "Grant approved"),
        (today, "Grant paid"),
        (today + dt.timedelta(days=3), "hospital referral"),
        (today + dt.timedelta(days=10), "expert appointment"),
    ]
    assert 'data-testid="care-case-timeline"' in response.content.decode()


def test_other_categories_have_no_case_timeline(welfare, accepted):
    assert _client(welfare).get(f"/care/handle/{accepted.pk}/").context["case_timeline"] is None


# --- The workflow's POSTs ----------------------------------------------------------------------------------


def test_the_office_accepts_a_request_and_assigns_a_handler(welfare, unit_admin, submitted):
    response = _client(welfare).post(
        f"/care/handle/{submitted.pk}/accept/", {"handler": unit_admin.user.pk, "note": ""}, follow=True
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED
    assert submitted.handler == unit_admin.user
    assert submitted.due_at is not None and submitted.due_at > timezone.now()
    assert response.redirect_chain[-1][0] == f"/care/handle/{submitted.pk}/"
    assert any(unit_admin.name in message for message in _messages(response))


def test_a_head_hands_an_accepted_request_to_another_handler(head, welfare, unit_admin, accepted):
    due = accepted.due_at
    _client(head).post(f"/care/handle/{accepted.pk}/accept/", {"handler": unit_admin.user.pk, "note": "就近"})
    accepted.refresh_from_db()
    assert accepted.handler == unit_admin.user
    assert accepted.status == Status.ACCEPTED and accepted.due_at == due
    last = accepted.events.order_by("-id").first()
    assert not last.visible_to_officer and "就近" in last.display_text


def test_a_handler_outside_the_officers_units_is_refused(welfare, other_admin, submitted):
    before = _snapshot(submitted)
    response = _client(welfare).post(
        f"/care/handle/{submitted.pk}/accept/", {"handler": other_admin.user.pk}, follow=True
    )
    assert _snapshot(submitted) == before
    assert any(message.startswith("Handler:") for message in _messages(response))


def test_returning_needs_a_reason(welfare, accepted):
    client = _client(welfare)
    before = _snapshot(accepted)
    response = client.post(f"/care/handle/{accepted.pk}/return/", {"reason": "  "}, follow=True)
    assert _snapshot(accepted) == before
    assert any("What information is missing" in message for message in _messages(response))
    client.post(f"/care/handle/{accepted.pk}/return/", {"reason": "请补充诊断证明"})
    accepted.refresh_from_db()
    assert accepted.status == Status.RETURNED
    assert accepted.events.order_by("-id").first().text == "请补充诊断证明"


def test_the_first_action_starts_the_work_and_is_internal_unless_ticked(welfare, accepted):
    client = _client(welfare)
    day = timezone.localdate() + dt.timedelta(days=5)
    response = client.post(
        f"/care/handle/{accepted.pk}/action/",
        {"kind": "visit", "text": "上门走访", "scheduled_for": day.isoformat()},
        follow=True,
    )
    accepted.refresh_from_db()
    assert accepted.status == Status.IN_PROGRESS
    event = accepted.events.get(action="visit")
    assert event.visible_to_officer is False and event.scheduled_for == day
    assert "internal note" in _messages(response)[-1]
    client.post(
        f"/care/handle/{accepted.pk}/action/", {"kind": "call", "text": "电话", "visible_to_officer": "on"}
    )
    assert accepted.events.get(action="call").visible_to_officer is True


def test_an_action_with_a_bad_date_or_kind_changes_nothing(welfare, accepted):
    before = _snapshot(accepted)
    client = _client(welfare)
    bad_date = client.post(
        f"/care/handle/{accepted.pk}/action/",
        {"kind": "visit", "text": "x", "scheduled_for": "明天"},
        follow=True,
    )
    bad_kind = client.post(f"/care/handle/{accepted.pk}/action/", {"kind": "dance", "text": "x"}, follow=True)
    assert bad_date.status_code == bad_kind.status_code == 200
    assert _messages(bad_date) and _messages(bad_kind)
    assert _snapshot(accepted) == before


def test_resolving_needs_an_outcome(welfare, in_progress):
    client = _client(welfare)
    before = _snapshot(in_progress)
    response = client.post(f"/care/handle/{in_progress.pk}/resolve/", {"outcome": ""}, follow=True)
    assert _snapshot(in_progress) == before
    assert any(message.startswith("Outcome for the officer:") for message in _messages(response))
    client.post(f"/care/handle/{in_progress.pk}/resolve/", {"outcome": "已协调床位"})
    in_progress.refresh_from_db()
    assert in_progress.status == Status.RESOLVED and in_progress.outcome == "已协调床位"


def test_a_grant_at_most_the_threshold_is_approved_and_committed_at_once(welfare, accepted, care_budget):
    available = care_budget.available
    response = _client(welfare).post(
        f"/care/handle/{accepted.pk}/grants/", {"amount": "2000.00", "purpose": "住院费用"}, follow=True
    )
    grant = CareGrant.objects.get(request=accepted)
    assert grant.status == GrantStatus.APPROVED
    assert grant.commitment.kind == EntryKind.COMMITMENT and grant.commitment.amount == Decimal("2000.00")
    care_budget.refresh_from_db()
    assert care_budget.available == available - Decimal("2000.00")
    assert "approved" in _messages(response)[-1]
    assert f"commitment #{grant.commitment_id}" in response.content.decode()


def test_a_grant_above_the_threshold_waits_for_a_head(welfare, accepted, funded, care_budget):
    amount = funded.second_approval_above + Decimal("1.00")
    response = _client(welfare).post(
        f"/care/handle/{accepted.pk}/grants/", {"amount": str(amount), "purpose": "手术费用"}, follow=True
    )
    grant = CareGrant.objects.get(request=accepted)
    assert grant.status == GrantStatus.PROPOSED and grant.needs_second_approval
    assert grant.commitment_id is None
    assert not FundEntry.objects.filter(kind=EntryKind.COMMITMENT).exists()
    assert "head" in _messages(response)[-1]


def test_the_grant_form_states_the_threshold_and_what_the_care_grants_have(welfare, accepted, funded):
    response = _client(welfare).get(f"/care/handle/{accepted.pk}/")
    assert response.context["threshold"] == funded.second_approval_above
    assert response.context["care_available"] == Decimal("100000.00")
    body = response.content.decode()
    assert "¥5,000.00" in body and "¥100,000.00" in body


def test_a_grant_amount_that_is_not_money_is_an_error_not_a_crash(welfare, accepted, funded):
    client = _client(welfare)
    for amount in ("abc", "-5", "1.234", ""):
        response = client.post(
            f"/care/handle/{accepted.pk}/grants/", {"amount": amount, "purpose": "费用"}, follow=True
        )
        assert response.status_code == 200
        assert any(message.startswith("Amount (yuan):") for message in _messages(response))
    assert not CareGrant.objects.exists()


def test_a_grant_the_budget_cannot_cover_is_refused_with_the_ledgers_reason(welfare, accepted, fund):
    response = _client(welfare).post(
        f"/care/handle/{accepted.pk}/grants/", {"amount": "100.00", "purpose": "费用"}, follow=True
    )
    assert any("available" in message for message in _messages(response))
    assert not CareGrant.objects.exists()  # the whole proposal rolled back


def test_cancelling_an_approved_grant_reverses_its_commitment(welfare, accepted, care_budget):
    available = care_budget.available
    grant = services.grant_propose(request=accepted, actor=welfare, amount="1500", purpose="慰问")
    client = _client(welfare)
    refused = client.post(f"/care/grants/{grant.pk}/cancel/", {"reason": ""}, follow=True)
    assert any(message.startswith("Reason:") for message in _messages(refused))
    response = client.post(f"/care/grants/{grant.pk}/cancel/", {"reason": "家属已获保险理赔"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/care/handle/{accepted.pk}/"
    grant.refresh_from_db()
    assert grant.status == GrantStatus.CANCELLED
    reversal = FundEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.reverses_id == grant.commitment_id
    care_budget.refresh_from_db()
    assert care_budget.available == available


def test_staff_without_the_right_are_refused_and_nothing_changes(unit_admin, accepted, care_budget):
    """The unit admin sees the request (their subtree) but neither handles nor assigns it."""
    client = _client(unit_admin.user)
    before = _snapshot(accepted)
    posts = {
        "accept/": {"handler": unit_admin.user.pk},
        "return/": {"reason": "请补充"},
        "action/": {"kind": "call", "text": "电话"},
        "resolve/": {"outcome": "已解决"},
        "grants/": {"amount": "100", "purpose": "费用"},
    }
    for suffix, data in posts.items():
        response = client.post(f"/care/handle/{accepted.pk}/{suffix}", data, follow=True)
        assert response.status_code == 200
        assert response.context["messages"] and all(
            m.level_tag == "error" for m in response.context["messages"]
        )
    assert _snapshot(accepted) == before


def test_outsiders_posting_get_404_and_nothing_changes(outsider, welfare, accepted, care_budget):
    grant = services.grant_propose(request=accepted, actor=welfare, amount="100", purpose="慰问")
    before = _snapshot(accepted)
    client = _client(outsider.user)
    for suffix, data in {
        "accept/": {"handler": outsider.user.pk},
        "return/": {"reason": "x"},
        "action/": {"kind": "call", "text": "x"},
        "resolve/": {"outcome": "x"},
        "grants/": {"amount": "100", "purpose": "x"},
    }.items():
        assert client.post(f"/care/handle/{accepted.pk}/{suffix}", data).status_code == 404
    assert client.post(f"/care/grants/{grant.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert _client(welfare).post("/care/grants/999999/cancel/", {"reason": "x"}).status_code == 404
    assert _snapshot(accepted) == before
    grant.refresh_from_db()
    assert grant.status == GrantStatus.APPROVED


def test_the_workflow_urls_take_only_posts(welfare, accepted):
    assert _client(welfare).get(f"/care/handle/{accepted.pk}/resolve/").status_code == 405


# --- The overview ------------------------------------------------------------------------------------------


def _aged(care_request: CareRequest, age: int) -> CareRequest:
    CareRequest.objects.filter(pk=care_request.pk).update(submitted_at=timezone.now() - days(age))
    return care_request


def test_the_overview_counts_open_requests_by_category_unit_and_age(
    welfare, officer, outsider, county, other_county
):
    _aged(submit(officer, category="hardship"), 1)
    _aged(submit(officer, category="major_illness"), 5)
    _aged(submit(outsider, category="hardship"), 20)
    closed = submit(outsider, category="schooling")
    services.request_withdraw(request=closed, actor=outsider.user)
    response = _client(welfare).get("/care/overview/")
    assert response.status_code == 200
    found = response.context["overview"]
    assert found.open_total == 3
    assert [(str(label), n) for label, n in found.by_category] == [
        ("major illness treatment", 1),
        ("family hardship", 2),
    ]
    assert found.by_unit == [(county, 2), (other_county, 1)]
    assert [n for _label, n in found.by_age] == [1, 1, 0, 1, 0]
    assert found.confidential_hidden == 0
    assert 'data-testid="care-confidential-hidden"' not in response.content.decode()


def test_a_member_sees_confidential_requests_only_as_a_count(welfare, head, submitted, confidential):
    member = _client(welfare).get("/care/overview/")
    found = member.context["overview"]
    assert found.open_total == 2 and found.confidential_hidden == 1
    assert [n for _label, n in found.by_category] == [1]
    assert (
        "1 confidential request is counted in the total but not broken down below." in member.content.decode()
    )
    boss = _client(head).get("/care/overview/").context["overview"]
    assert boss.confidential_hidden == 0 and sum(n for _label, n in boss.by_category) == 2


def test_the_headline_counts_officers_not_requests(welfare, officer, outsider):
    for person in (officer, officer, outsider):
        services.request_accept(
            request=submit(person, category="major_illness"), handler=welfare, actor=welfare
        )
    services.request_accept(request=submit(outsider, category="hardship"), handler=welfare, actor=welfare)
    response = _client(welfare).get("/care/overview/")
    assert response.context["headline"] == (timezone.localtime().year, 2)
    assert response.content.decode().count('data-testid="care-headline-count">2<') == 1


def test_the_overview_is_404_for_unit_admins_and_officers(unit_admin, officer, outsider):
    for user in (unit_admin.user, officer.user, outsider.user):
        assert _client(user).get("/care/overview/").status_code == 404


def test_the_overdue_list_counts_working_days_like_the_service_levels(welfare, officer, submitted, accepted):
    late = submit(officer, title="迟了")
    _overdue(late, by=days(9))
    _overdue(accepted, by=days(2))
    CalendarDay.objects.create(
        day=timezone.localdate() - dt.timedelta(days=1), is_working_day=False, name="假日"
    )
    response = _client(welfare).get("/care/overview/")
    rows = response.context["overview"].overdue
    assert [row.reference for row in rows] == [late.reference, accepted.reference]
    now = timezone.now()
    for row in rows:
        assert row.working_days_overdue == workdays.working_days_between(row.due_at, now)
    assert rows[0].working_days_overdue > rows[1].working_days_overdue
    assert welfare.officer.name in response.content.decode()  # the handler of the accepted one


# Session, user, role assignments, the hidden confidential COUNT, the open requests' rows, the county-level
# units, the overdue requests (with unit, handler and the handler's officer profile), the headline per
# year, the calendar exceptions, navigation (the officer profile), session save (savepoint, UPDATE,
# release).
OVERVIEW_QUERIES = 13


@pytest.mark.parametrize("count", [1, 4])
def test_the_overview_costs_the_same_queries_for_1_or_4_overdue_requests(
    welfare, officer, outsider, count, django_assert_num_queries
):
    for index in range(count):
        found = submit(officer if index % 2 else outsider, category="major_illness")
        services.request_accept(request=found, handler=welfare, actor=welfare)
        _overdue(found, by=days(index + 1))
    client = _client(welfare)
    client.get("/care/overview/")
    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = client.get("/care/overview/")
    assert len(response.context["overview"].overdue) == count


def test_the_export_needs_a_handler_role_even_with_a_query(officer, submitted):
    assert _client(officer.user).get(f"/care/queue/export.xlsx?q={submitted.reference}").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()
