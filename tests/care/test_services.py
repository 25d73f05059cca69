"""Care requests: the workflow, who may do what, grants with two approvers, service levels."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from care import fund as ledger
from care import permissions, selectors, services
from care.models import (
    CalendarDay,
    CareAttachment,
    CareGrant,
    CareRequest,
    EntryKind,
    FundEntry,
    GrantStatus,
    Status,
)
from care.workdays import add_working_days, working_days_between
from notifications.models import Reminder
from tests.care.conftest import PDF, PNG, submit, upload
from tests.factories import OfficerFactory, RoleAssignmentFactory
from welfare.uploads import UploadError

TZ = timezone.get_default_timezone()


def _at(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args), TZ)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the reminders) as the test's transaction never commits."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def _reminders(kind: str, user=None) -> list[Reminder]:
    found = Reminder.objects.filter(kind=kind)
    if user is not None:
        found = found.filter(recipient=user)
    return list(found)


# --- Submitting -------------------------------------------------------------------------------------------


def test_it_numbers_requests_per_year_and_sets_the_first_response_due(officer):
    with time_machine.travel(_at(2026, 11, 27, 16, 0), tick=False):  # a Friday afternoon
        first, second = submit(officer), submit(officer, title="第二件")
    assert (first.reference, second.reference) == ("AJ-2026-000001", "AJ-2026-000002")
    assert first.due_at == _at(2026, 12, 1, 16, 0)  # two working days: Monday, Tuesday
    assert first.status == Status.SUBMITTED and first.handler is None
    event = first.events.get()
    assert (event.from_status, event.to_status, event.actor) == ("", Status.SUBMITTED, officer.user)
    with time_machine.travel(_at(2027, 1, 4, 9, 0), tick=False):
        assert submit(officer).reference == "AJ-2027-000001"


def test_it_keeps_checked_attachments_named_for_their_bytes(officer):
    request = submit(officer, attachments=[upload("诊断证明.pdf"), upload("发票.png", PNG, "image/png")])
    stored = list(request.attachments.order_by("id"))
    assert [(a.original_name, a.content_type, a.size) for a in stored] == [
        ("诊断证明.pdf", "application/pdf", len(PDF)),
        ("发票.png", "image/png", len(PNG)),
    ]
    assert stored[0].file.name.endswith(".pdf") and "诊断" not in stored[0].file.name
    assert stored[0].file.read() == PDF


def test_one_bad_attachment_refuses_the_request_and_stores_nothing(officer, tmp_path):
    fake = upload("病历.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(UploadError, match="not a PDF or an image"):
        submit(officer, attachments=[upload(), fake])
    assert not CareRequest.objects.exists() and not CareAttachment.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))


def test_it_refuses_an_attachment_over_the_size_limit(officer, settings):
    settings.CARE_ATTACHMENT_MAX_BYTES = 20
    with pytest.raises(UploadError, match="larger than"):
        submit(officer, attachments=[upload()])
    assert not CareRequest.objects.exists()


def test_it_refuses_more_attachments_than_allowed(officer, settings):
    settings.CARE_MAX_ATTACHMENTS = 1
    with pytest.raises(services.CareError, match="at most 1"):
        submit(officer, attachments=[upload(), upload()])


def test_the_same_form_twice_is_one_request(officer):
    token = uuid.uuid4()
    assert submit(officer, submit_token=token) == submit(officer, submit_token=token)
    assert CareRequest.objects.count() == 1


def test_a_unit_admin_submits_for_an_officer_of_the_unit_and_the_officer_is_told(
    officer, unit_admin, on_commit
):
    request = on_commit(submit, officer, by=unit_admin.user)
    assert request.submitted_by == unit_admin.user and request.officer == officer
    assert "on the officer's behalf" in request.events.get().display_text
    assert len(_reminders("care_request_update", officer.user)) == 1


def test_nobody_submits_for_an_officer_outside_their_units(officer, outsider, unit_admin):
    with pytest.raises(services.CareError, match="cannot submit"):
        submit(outsider, by=unit_admin.user)
    with pytest.raises(services.CareError):
        submit(officer, by=outsider.user)
    assert not CareRequest.objects.exists()


@pytest.mark.parametrize("field", ["title", "description", "category"])
def test_it_needs_a_category_a_subject_and_a_description(officer, field):
    with pytest.raises(services.CareError) as raised:
        submit(officer, **{field: " " if field != "category" else "lottery"})
    assert raised.value.field == field


# --- Who sees what ----------------------------------------------------------------------------------------


def test_a_confidential_request_is_seen_by_the_officer_the_handler_and_the_heads_only(
    officer, outsider, unit_admin, welfare, head, city
):
    other_member = OfficerFactory(org_unit=city).user
    RoleAssignmentFactory(user=other_member, role="welfare_office", org_unit=city)
    request = submit(officer, category="mental_health", confidential=True)
    services.request_accept(request=request, handler=welfare, actor=head)
    visible = {
        user.username: selectors.requests_visible_to(user).filter(pk=request.pk).exists()
        for user in (officer.user, welfare, head, other_member, unit_admin.user, outsider.user)
    }
    assert visible == {
        "owner": True,
        "welfare": True,  # the handler
        "head": True,
        other_member.username: False,
        "unitadmin": False,
        "outsider": False,
    }
    with pytest.raises(Exception) as raised:
        selectors.request_for(viewer=other_member, pk=request.pk)
    assert type(raised.value).__name__ == "Http404"


def test_an_ordinary_request_is_seen_by_the_unit_admin_and_the_welfare_office_not_by_others(
    officer, outsider, unit_admin, welfare
):
    request = submit(officer)
    assert selectors.requests_visible_to(unit_admin.user).get() == request
    assert selectors.requests_visible_to(welfare).get() == request
    assert not selectors.requests_visible_to(outsider.user).exists()


def test_a_confidential_request_reaches_only_the_heads_queue(officer, welfare, head):
    request = submit(officer, confidential=True)
    assert list(selectors.queue_for(head)) == [request]
    assert not selectors.queue_for(welfare).exists()
    with pytest.raises(services.CareError):
        services.request_accept(request=request, handler=welfare, actor=welfare)


# --- The workflow -----------------------------------------------------------------------------------------


def test_the_full_path_is_recorded_on_the_timeline_and_in_the_audit_log(officer, welfare, on_commit):
    request = submit(officer)
    request = on_commit(services.request_accept, request=request, handler=welfare, actor=welfare)
    assert (request.status, request.handler, request.escalation) == (Status.ACCEPTED, welfare, 0)
    on_commit(
        services.action_add,
        request=request,
        actor=welfare,
        kind="referral",
        text="联系市一医院心内科",
        visible_to_officer=True,
        scheduled_for=dt.date(2026, 12, 3),
    )
    services.action_add(
        request=request, actor=welfare, kind="note", text="家庭经济较困难", visible_to_officer=False
    )
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    request = on_commit(services.request_resolve, request=request, actor=welfare, outcome="已住院治疗")
    request = services.request_rate(request=request, officer=officer, rating=5, comment="感谢组织")
    assert (request.status, request.rating, request.closed_at is not None) == (Status.CLOSED, 5, True)
    changes = [(e.from_status, e.to_status) for e in request.events.order_by("id") if e.to_status]
    assert changes == [
        ("", "submitted"),
        ("submitted", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "closed"),
    ]
    officer_view = selectors.timeline(request=request, for_officer=True)
    assert "家庭经济较困难" not in [e.text for e in officer_view]
    assert "家庭经济较困难" in [e.text for e in selectors.timeline(request=request, for_officer=False)]
    ops = list(
        AuditEntry.objects.filter(action=AuditAction.CARE_REQUEST_CHANGED, object_id=str(request.pk))
        .order_by("id")
        .values_list("detail__op", flat=True)
    )
    assert ops == ["submit", "accept", "action", "action", "resolve", "rate"]
    assert len(_reminders("care_request_update", officer.user)) == 3  # accepted, news, resolved


def test_accepting_again_for_the_same_handler_changes_nothing(accepted, welfare):
    events = accepted.events.count()
    assert services.request_accept(request=accepted, handler=welfare, actor=welfare) == accepted
    assert accepted.events.count() == events


def test_a_handler_must_cover_the_officers_unit(submitted, welfare, outsider, other_county):
    stranger = OfficerFactory(org_unit=other_county).user
    RoleAssignmentFactory(user=stranger, role="unit_admin", org_unit=other_county)
    with pytest.raises(services.CareError, match="cannot handle"):
        services.request_accept(request=submitted, handler=stranger, actor=welfare)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_unit_admin_can_be_the_handler_but_cannot_assign(submitted, welfare, unit_admin):
    with pytest.raises(services.CareError):
        services.request_accept(request=submitted, handler=unit_admin.user, actor=unit_admin.user)
    services.request_accept(request=submitted, handler=unit_admin.user, actor=welfare)
    event = services.action_add(
        request=submitted, actor=unit_admin.user, kind="visit", text="上门看望", visible_to_officer=True
    )
    assert event.request.status == Status.IN_PROGRESS


def test_reassigning_is_an_internal_note_and_tells_the_new_handler(accepted, welfare, head, on_commit):
    on_commit(services.request_accept, request=accepted, handler=head, actor=welfare, note="金额较大")
    accepted.refresh_from_db()
    assert accepted.handler == head and accepted.status == Status.ACCEPTED
    note = accepted.events.order_by("id").last()
    assert not note.visible_to_officer and "金额较大" in note.display_text
    assert len(_reminders("care_request_assigned", head)) == 1


def test_only_the_handler_or_a_head_acts_on_a_request(accepted, unit_admin, officer, head):
    for stranger in (unit_admin.user, officer.user):
        with pytest.raises(services.CareError):
            services.action_add(
                request=accepted, actor=stranger, kind="note", text="x", visible_to_officer=True
            )
        with pytest.raises(services.CareError):
            services.request_resolve(request=accepted, actor=stranger, outcome="x")
    services.request_resolve(request=accepted, actor=head, outcome="主任直接协调解决")
    accepted.refresh_from_db()
    assert accepted.status == Status.RESOLVED


def test_a_returned_request_goes_back_to_its_handler_with_the_answer(accepted, welfare, officer, on_commit):
    services.request_return(request=accepted, actor=welfare, reason="请补充住院发票")
    accepted.refresh_from_db()
    assert (accepted.status, accepted.due_at) == (Status.RETURNED, None)
    with pytest.raises(services.CareError):
        services.request_resolve(request=accepted, actor=welfare, outcome="x")
    on_commit(
        services.request_resubmit,
        request=accepted,
        actor=officer.user,
        information="发票已上传",
        attachments=[upload("发票.pdf")],
    )
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED and accepted.due_at is not None
    assert accepted.attachments.count() == 1
    assert len(_reminders("care_request_assigned", welfare)) == 1


def test_a_return_needs_a_reason_and_changes_nothing_without_one(accepted, welfare):
    with pytest.raises(services.CareError, match="information is missing"):
        services.request_return(request=accepted, actor=welfare, reason="  ")
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED


def test_only_the_officer_answers_a_return_and_only_when_returned(accepted, welfare, unit_admin, officer):
    with pytest.raises(services.CareError, match="not waiting"):
        services.request_resubmit(request=accepted, actor=officer.user, information="x")
    services.request_return(request=accepted, actor=welfare, reason="补充材料")
    with pytest.raises(services.CareError, match="Only the officer"):
        services.request_resubmit(request=accepted, actor=unit_admin.user, information="x")


def test_resolving_needs_an_outcome(in_progress, welfare):
    with pytest.raises(services.CareError, match="outcome"):
        services.request_resolve(request=in_progress, actor=welfare, outcome="")


def test_withdrawing_cancels_a_proposed_grant_and_tells_the_handler(
    in_progress, welfare, officer, funded, on_commit
):
    grant = services.grant_propose(request=in_progress, actor=welfare, amount="9000", purpose="医疗费")
    on_commit(services.request_withdraw, request=in_progress, actor=officer.user, reason="问题已自行解决")
    in_progress.refresh_from_db()
    grant.refresh_from_db()
    assert (in_progress.status, grant.status) == (Status.WITHDRAWN, GrantStatus.CANCELLED)
    assert len(_reminders("care_request_assigned", welfare)) == 1
    assert services.request_withdraw(request=in_progress, actor=officer.user) == in_progress  # twice: no-op


def test_a_request_with_an_approved_grant_cannot_be_withdrawn(in_progress, welfare, officer, funded):
    services.grant_propose(request=in_progress, actor=welfare, amount="1000", purpose="慰问金")
    with pytest.raises(services.CareError, match="grant has been approved"):
        services.request_withdraw(request=in_progress, actor=officer.user)


def test_rating_closes_once_and_keeps_the_first(resolved, officer, outsider):
    with pytest.raises(services.CareError):
        services.request_rate(request=resolved, officer=outsider, rating=1)
    for bad in (0, 6, "x"):
        with pytest.raises(services.CareError, match="1 to 5"):
            services.request_rate(request=resolved, officer=officer, rating=bad)
    services.request_rate(request=resolved, officer=officer, rating=4)
    services.request_rate(request=resolved, officer=officer, rating=1)
    resolved.refresh_from_db()
    assert (resolved.status, resolved.rating) == (Status.CLOSED, 4)


def test_an_unresolved_request_cannot_be_rated(accepted, officer):
    with pytest.raises(services.CareError, match="once it is resolved"):
        services.request_rate(request=accepted, officer=officer, rating=5)


# --- Grants -----------------------------------------------------------------------------------------------


def test_a_small_grant_is_approved_by_its_handler_and_paid_once(in_progress, welfare, care_budget, on_commit):
    grant = services.grant_propose(request=in_progress, actor=welfare, amount="5000.00", purpose="慰问金")
    assert (grant.status, grant.approved_by, grant.needs_second_approval) == (
        GrantStatus.APPROVED,
        welfare,
        False,
    )
    assert (
        grant.commitment.kind == EntryKind.COMMITMENT and grant.commitment.reference == in_progress.reference
    )
    paid = on_commit(services.grant_pay, grant=grant, actor=welfare)
    again = services.grant_pay(grant=grant, actor=welfare)
    assert paid.status == again.status == GrantStatus.PAID and paid.payment_id == again.payment_id
    assert FundEntry.objects.filter(kind=EntryKind.PAYMENT).get().settles == grant.commitment
    care_budget.refresh_from_db()
    assert (care_budget.committed, care_budget.spent) == (0, Decimal("5000.00"))


def test_a_large_grant_needs_a_head_who_did_not_propose_it(
    in_progress, welfare, head, care_budget, on_commit
):
    grant = on_commit(
        services.grant_propose, request=in_progress, actor=welfare, amount="5000.01", purpose="医疗费"
    )
    assert (grant.status, grant.needs_second_approval) == (GrantStatus.PROPOSED, True)
    assert len(_reminders("care_grant_approval", head)) == 1
    with pytest.raises(services.CareError, match="you proposed it"):
        services.grant_approve(grant=grant, actor=welfare)
    member = OfficerFactory(org_unit=welfare.officer.org_unit).user
    RoleAssignmentFactory(user=member, role="welfare_office", org_unit=welfare.officer.org_unit)
    with pytest.raises(services.CareError, match="head of the welfare office"):
        services.grant_approve(grant=grant, actor=member)
    with pytest.raises(services.CareError):
        services.grant_pay(grant=grant, actor=welfare)
    approved = services.grant_approve(grant=grant, actor=head)
    assert (approved.status, approved.approved_by, approved.commitment.approved_by) == (
        "approved",
        head,
        head,
    )
    assert Reminder.objects.get(kind="care_grant_approval").state == "cancelled"  # decided: nothing to ask
    paid = services.grant_pay(grant=approved, actor=welfare)
    assert paid.payment.approved_by == head


def test_a_head_who_proposes_a_large_grant_cannot_approve_it(accepted, head, funded, city):
    services.request_accept(request=accepted, handler=head, actor=head)
    grant = services.grant_propose(request=accepted, actor=head, amount="20000", purpose="手术费")
    assert grant.status == GrantStatus.PROPOSED
    with pytest.raises(services.CareError, match="you proposed it"):
        services.grant_approve(grant=grant, actor=head)
    other_head = OfficerFactory(org_unit=city).user
    RoleAssignmentFactory(user=other_head, role="welfare_head", org_unit=city)
    assert services.grant_approve(grant=grant, actor=other_head).status == GrantStatus.APPROVED


def test_the_database_refuses_a_proposer_approving_a_large_grant(in_progress, welfare, funded):
    from django.db import IntegrityError, transaction

    grant = services.grant_propose(request=in_progress, actor=welfare, amount="8000", purpose="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        CareGrant.objects.filter(pk=grant.pk).update(approved_by=welfare)


def test_a_grant_over_the_annual_cap_is_refused_with_what_is_left(in_progress, welfare, head, funded):
    funded.care_grant_annual_cap = Decimal("10000")
    funded.save()
    services.grant_propose(request=in_progress, actor=welfare, amount="4000", purpose="第一笔")
    grant = services.grant_propose(request=in_progress, actor=welfare, amount="7000", purpose="第二笔")
    with pytest.raises(ledger.FundError, match=r"at most ¥6,000.00 more"):
        services.grant_approve(grant=grant, actor=head)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.PROPOSED and grant.commitment is None


def test_a_grant_larger_than_the_sub_budget_is_refused_and_nothing_is_committed(in_progress, welfare, fund):
    with pytest.raises(ledger.FundError, match=r"has ¥0.00 available"):
        services.grant_propose(request=in_progress, actor=welfare, amount="100", purpose="x")
    assert not CareGrant.objects.exists() and not FundEntry.objects.exists()


def test_rejecting_needs_a_reason_and_cancelling_reverses_the_commitment(
    in_progress, welfare, head, care_budget
):
    big = services.grant_propose(request=in_progress, actor=welfare, amount="9000", purpose="x")
    with pytest.raises(services.CareError, match="why"):
        services.grant_reject(grant=big, actor=head, reason="")
    assert services.grant_reject(grant=big, actor=head, reason="已由工会补助").status == GrantStatus.REJECTED
    small = services.grant_propose(request=in_progress, actor=welfare, amount="2000", purpose="y")
    services.grant_cancel(grant=small, actor=welfare, reason="重复申请")
    care_budget.refresh_from_db()
    assert (care_budget.available, care_budget.committed) == (Decimal("100000.00"), 0)
    reversal = FundEntry.objects.get(kind=EntryKind.REVERSAL)
    assert reversal.reverses == small.commitment


def test_a_proposed_grant_blocks_resolving(in_progress, welfare, funded):
    services.grant_propose(request=in_progress, actor=welfare, amount="9000", purpose="x")
    with pytest.raises(services.CareError, match="awaiting approval"):
        services.request_resolve(request=in_progress, actor=welfare, outcome="done")


def test_a_paid_grant_is_on_the_officers_timeline_without_the_proposal(in_progress, welfare, funded):
    grant = services.grant_propose(request=in_progress, actor=welfare, amount="3000", purpose="慰问金")
    services.grant_pay(grant=grant, actor=welfare)
    texts = [e.display_text for e in selectors.timeline(request=in_progress, for_officer=True)]
    assert any("¥3,000.00 paid" in t for t in texts)
    assert not any("proposed" in t for t in texts)


# --- Service levels ---------------------------------------------------------------------------------------


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days(db):
    CalendarDay.objects.bulk_create(
        [CalendarDay(day=dt.date(2026, 10, d), is_working_day=False, name="国庆节") for d in range(1, 8)]
        + [CalendarDay(day=dt.date(2026, 10, 10), is_working_day=True, name="国庆调休")]
    )
    start = _at(2026, 9, 30, 10, 0)  # Wednesday before the holiday
    assert add_working_days(start, 1) == _at(2026, 10, 8, 10, 0)
    assert add_working_days(start, 3) == _at(2026, 10, 10, 10, 0)  # the Saturday worked in lieu
    assert working_days_between(start, _at(2026, 10, 12, 9, 0)) == 4  # 8, 9, 10 and 12 October


def test_an_overdue_request_reminds_the_intake_then_the_heads(officer, welfare, head, on_commit):
    with time_machine.travel(_at(2026, 11, 23, 9, 0), tick=False):  # Monday
        request = submit(officer)
    assert request.due_at == _at(2026, 11, 25, 9, 0)
    assert services.requests_escalate(now=_at(2026, 11, 25, 8, 59)) == 0
    assert on_commit(services.requests_escalate, now=_at(2026, 11, 25, 9, 0)) == 1
    assert {r.recipient for r in _reminders("care_request_overdue")} == {welfare, head}
    assert services.requests_escalate(now=_at(2026, 11, 26, 9, 0)) == 0  # twice: nothing more
    assert services.requests_escalate(now=_at(2026, 11, 27, 9, 0)) == 1  # two more working days
    assert [r.recipient for r in _reminders("care_request_escalated")] == [head]
    assert services.requests_escalate(now=_at(2026, 12, 30, 9, 0)) == 0
    request.refresh_from_db()
    assert request.escalation == 2
    levels = AuditEntry.objects.filter(detail__op="escalate").values_list("detail__level", flat=True)
    assert sorted(levels) == [1, 2]


def test_an_overdue_accepted_request_reminds_its_handler_only(submitted, welfare, head):
    with time_machine.travel(_at(2026, 11, 23, 9, 0), tick=False):
        services.request_accept(request=submitted, handler=welfare, actor=head)
    services.requests_escalate(now=_at(2026, 11, 26, 9, 0))
    assert [r.recipient for r in _reminders("care_request_overdue")] == [welfare]


def test_taking_the_next_step_resets_the_escalation(submitted, welfare):
    with time_machine.travel(_at(2026, 11, 23, 9, 0), tick=False):
        request = submitted
        CareRequest.objects.filter(pk=request.pk).update(due_at=_at(2026, 11, 25, 9, 0))
    services.requests_escalate(now=_at(2026, 11, 25, 10, 0))
    with time_machine.travel(_at(2026, 11, 25, 11, 0), tick=False):
        request = services.request_accept(request=request, handler=welfare, actor=welfare)
    assert (request.escalation, request.due_at) == (0, _at(2026, 11, 27, 11, 0))


def test_a_request_waiting_on_the_officer_is_never_overdue(accepted, welfare):
    services.request_return(request=accepted, actor=welfare, reason="补材料")
    assert services.requests_escalate(now=timezone.now() + dt.timedelta(days=60)) == 0


def test_reminders_never_carry_what_the_request_says(officer, welfare, on_commit):
    request = submit(
        officer, title="抑郁症复诊", description="长期失眠，需要心理咨询", category="mental_health"
    )
    on_commit(services.requests_escalate, now=request.due_at)
    for reminder in Reminder.objects.all():
        assert "抑郁" not in str(reminder.payload) and "失眠" not in str(reminder.payload)
        assert reminder.payload["reference"] == request.reference


def test_a_resolved_request_left_unrated_closes_itself(resolved, settings):
    settings.CARE_AUTO_CLOSE_DAYS = 14
    assert services.requests_auto_close(now=resolved.resolved_at + dt.timedelta(days=13)) == 0
    assert services.requests_auto_close(now=resolved.resolved_at + dt.timedelta(days=14)) == 1
    resolved.refresh_from_db()
    assert (resolved.status, resolved.rating) == (Status.CLOSED, None)
    assert services.requests_auto_close(now=resolved.resolved_at + dt.timedelta(days=30)) == 0


# --- The headline and permissions helpers -----------------------------------------------------------------


def test_the_headline_counts_officers_helped_with_major_illness_per_year(station, welfare):
    officers = [OfficerFactory(org_unit=station) for _ in range(3)]
    with time_machine.travel(_at(2025, 5, 1, 9), tick=False):
        for person in officers[:2]:
            services.request_accept(
                request=submit(person, category="major_illness"), handler=welfare, actor=welfare
            )
    with time_machine.travel(_at(2026, 5, 1, 9), tick=False):
        for person in officers:
            services.request_accept(
                request=submit(person, category="major_illness"), handler=welfare, actor=welfare
            )
        services.request_accept(
            request=submit(officers[0], category="major_illness"), handler=welfare, actor=welfare
        )
        submit(officers[1], category="major_illness")  # not accepted yet: not counted
        services.request_accept(
            request=submit(officers[2], category="hardship"), handler=welfare, actor=welfare
        )
    assert selectors.officers_helped_by_year() == [(2026, 3), (2025, 2)]


def test_the_overview_hides_confidential_requests_from_members_who_are_not_heads(
    officer, welfare, head, station
):
    submit(officer, category="mental_health", confidential=True)
    submit(officer, category="hardship")
    member = selectors.overview_for(viewer=welfare)
    boss = selectors.overview_for(viewer=head)
    assert (member.open_total, member.confidential_hidden, member.by_category) == (
        2,
        1,
        [("family hardship", 1)],
    )
    assert (boss.open_total, boss.confidential_hidden) == (2, 0)
    assert {str(label): n for label, n in boss.by_category} == {
        "family hardship": 1,
        "mental health": 1,
    }


def test_permissions_say_why_a_grant_cannot_be_approved(in_progress, welfare, head, funded):
    grant = services.grant_propose(request=in_progress, actor=welfare, amount="9000", purpose="x")
    assert permissions.can_approve_grant(welfare, grant) == (
        False,
        "A grant this large needs a second approver: you proposed it.",
    )
    assert permissions.can_approve_grant(head, grant) == (True, "")


def test_nobody_decides_or_pays_a_grant_to_themselves(head, welfare, care_budget):
    own = submit(welfare.officer, title="孩子上学困难")
    services.request_accept(request=own, handler=head, actor=head)
    big = services.grant_propose(request=own, actor=head, amount="9000", purpose="助学")
    with pytest.raises(services.CareError, match="This grant is for you"):
        services.grant_approve(grant=big, actor=welfare)
    small = services.grant_propose(request=own, actor=head, amount="1000", purpose="慰问")
    with pytest.raises(services.CareError, match="This grant is for you"):
        services.grant_pay(grant=small, actor=welfare)
    assert not FundEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


def test_a_grants_commitment_is_released_by_cancelling_the_grant_not_by_a_reversal(
    in_progress, welfare, funded
):
    grant = services.grant_propose(request=in_progress, actor=welfare, amount="1000", purpose="慰问")
    with pytest.raises(ledger.FundError, match=in_progress.reference):
        ledger.entry_reverse(entry=grant.commitment, reason="x", idempotency_key="r", actor=welfare)
    services.grant_cancel(grant=grant, actor=welfare, reason="重复")
    assert FundEntry.objects.filter(kind=EntryKind.REVERSAL, reverses=grant.commitment).exists()


def test_the_same_grant_form_twice_is_one_grant(in_progress, welfare, care_budget):
    token = uuid.uuid4()
    first = services.grant_propose(
        request=in_progress, actor=welfare, amount="3000", purpose="慰问金", token=token
    )
    again = services.grant_propose(
        request=in_progress, actor=welfare, amount="3000", purpose="慰问金", token=token
    )
    assert first == again and CareGrant.objects.count() == 1
    care_budget.refresh_from_db()
    assert care_budget.committed == Decimal("3000.00")


def test_the_timeline_speaks_the_readers_language_whoever_wrote_it(submitted, welfare):
    from django.utils import translation

    with translation.override("en"):
        services.request_accept(request=submitted, handler=welfare, actor=welfare)
    event = submitted.events.order_by("id").last()
    assert (event.code, event.text) == ("accepted", "")
    with translation.override("zh-hans"):
        assert event.display_text == "已受理，由赵敏承办。"
    with translation.override("en"):
        assert event.display_text == "Accepted; 赵敏 handles it."


def test_a_confidential_requests_grant_is_news_for_the_heads_only(
    officer, welfare, head, unit_admin, care_budget, on_commit
):
    secret = submit(officer, category="mental_health", confidential=True)
    services.request_accept(request=secret, handler=unit_admin.user, actor=head)
    on_commit(
        services.grant_propose, request=secret, actor=unit_admin.user, amount="1000", purpose="心理咨询"
    )
    approvers = set(Reminder.objects.filter(kind="care_grant_approval").values_list("recipient", flat=True))
    assert approvers == {head.pk}  # not the welfare member who may not see the request
