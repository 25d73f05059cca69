"""The reviewers' and the welfare office's award pages: the review queues and batch decisions, one
application as a reviewer sees it, programmes (notice, objections, payment, export), head-teacher awards
and their certificates, the statistics and the university import. Out of one's role or scope is 404."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pypdf
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEntry
from awards import services
from awards.models import (
    Application,
    ApplicationEvent,
    Objection,
    ObjectionStatus,
    Programme,
    ProgrammeKind,
    Status,
    TeacherAward,
    TeacherStatus,
    University,
)
from care.models import EntryKind, FundEntry
from tests.awards.conftest import YEAR, apply, family_of, make_programme
from tests.factories import OfficerFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _rows(response) -> list[int]:
    return [row.pk for row in response.context["page"]]


def _after_notice(application):
    return time_machine.travel(application.notice_ends_on + dt.timedelta(days=1), tick=False)


def _applicant(station, name: str, university, programme, *, submit=True, **values) -> Application:
    """Another officer at the station whose child applies (and submits) for ``programme``."""
    parent = OfficerFactory(org_unit=station)
    kid = family_of(parent, relation="child", birth_date=dt.date(YEAR - 18, 2, 2), name=name, sex="male")
    application = apply(programme, parent, kid, university, **values)
    if submit:
        services.application_submit(application=application, actor=parent.user)
    return application


def _to_notice(application, unit_admin, welfare) -> Application:
    services.unit_review(application=application, reviewer=unit_admin.user, decision="approve")
    services.welfare_review(application=application, reviewer=welfare, decision="approve")
    return services.notice_start(application=application, actor=welfare)


@pytest.fixture
def other_admin(other_county):
    """The unit admin of the other county: covers the outsider, not the officer."""
    admin = OfficerFactory(org_unit=other_county, police_number="200009", user__username="otheradmin")
    RoleAssignmentFactory(user=admin.user, role="unit_admin", org_unit=other_county)
    return admin


@pytest.fixture
def leader(city):
    boss = OfficerFactory(org_unit=city, police_number="100030", user__username="leader")
    RoleAssignmentFactory(user=boss.user, role="leader", org_unit=city)
    return boss.user


# --- The review queues ------------------------------------------------------------------------------------


def test_it_shows_a_unit_admin_the_submitted_applications_of_their_units(submitted, unit_admin):
    response = _client(unit_admin.user).get("/awards/review/")
    assert response.status_code == 200
    assert (response.context["tabs"], response.context["tab"]) == (["unit"], "unit")
    assert _rows(response) == [submitted.pk]
    assert response.context["batch_form"] is None  # batch decisions are the welfare office's
    body = response.content.decode()
    assert (
        "陈思源" in body and "北京大学" in body and "10,000.00" in body
    )  # full child name, university, amount
    assert reverse("award-review-detail", args=[submitted.pk]) in body


def test_a_unit_admin_of_another_county_has_nothing_to_review(submitted, other_admin):
    response = _client(other_admin.user).get("/awards/review/")
    assert response.status_code == 200
    assert _rows(response) == []
    assert "陈思源" not in response.content.decode()


def test_the_welfare_office_sees_the_unit_approved_applications_only(
    unit_approved, welfare, programme, universities, station
):
    still_at_unit = _applicant(station, "周小雨", universities["211"], programme)
    response = _client(welfare).get("/awards/review/")
    assert (response.context["tabs"], response.context["tab"]) == (["welfare"], "welfare")
    assert _rows(response) == [unit_approved.pk]
    assert still_at_unit.pk not in _rows(response)
    assert response.context["batch_form"] is not None
    assert 'name="applications"' in response.content.decode()


def test_a_member_with_both_roles_has_both_queues(
    submitted, welfare, county, programme, universities, station
):
    RoleAssignmentFactory(user=welfare, role="unit_admin", org_unit=county)
    client = _client(welfare)
    unit = client.get("/awards/review/")
    assert (unit.context["tabs"], _rows(unit)) == (["unit", "welfare"], [submitted.pk])
    assert _rows(client.get("/awards/review/?tab=welfare")) == []


def test_the_waiting_days_are_counted_from_when_the_application_arrived(submitted, unit_admin, settings):
    settings.AWARD_REVIEW_REMIND_DAYS = 5
    fresh = _client(unit_admin.user).get("/awards/review/").content.decode()
    assert 'text-danger fw-semibold" title=' not in fresh
    Application.objects.filter(pk=submitted.pk).update(
        waiting_since=submitted.waiting_since - dt.timedelta(days=6, hours=1)
    )
    response = _client(unit_admin.user).get("/awards/review/")
    assert [row.waiting_days for row in response.context["page"]] == [6]
    assert 'text-danger fw-semibold" title=' in response.content.decode()  # past AWARD_REVIEW_REMIND_DAYS


@pytest.mark.parametrize("count", [1, 4])
def test_the_review_queue_costs_the_same_queries_for_1_or_4_applications(
    welfare, programme, universities, station, unit_admin, count, django_assert_num_queries
):
    for n in range(count):
        application = _applicant(station, f"学生{n}", universities["985"], programme)
        services.unit_review(application=application, reviewer=unit_admin.user, decision="approve")
    client = _client(welfare)
    # Session, user, role assignments (scope, cached on the user), COUNT for the paginator, the page of
    # applications (programme, officer, unit, child, university and payment joined), navigation (the officer
    # profile), session save (savepoint, UPDATE, release).
    with django_assert_num_queries(9):
        response = client.get("/awards/review/")
    assert len(_rows(response)) == count


@pytest.mark.parametrize("who", ["officer", "outsider"])
def test_the_review_queue_is_404_for_a_plain_officer(submitted, request, who):
    user = request.getfixturevalue(who).user
    assert _client(user).get("/awards/review/").status_code == 404


# --- One application and its decision -----------------------------------------------------------------------


def test_a_unit_admin_opens_an_application_and_approves_it(submitted, unit_admin):
    client = _client(unit_admin.user)
    response = client.get(f"/awards/review/{submitted.pk}/")
    assert response.status_code == 200
    assert response.context["stage"] == "unit" and response.context["decision_form"] is not None
    body = response.content.decode()
    assert reverse("award-letter", args=[submitted.pk]) in body
    assert "陈思源" in body and 'data-decision="submit"' in body  # the child and the history
    read = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ, actor=unit_admin.user)
    assert (read.object_id, read.detail["what"]) == (str(submitted.pk), "award_application")

    response = client.post(f"/awards/review/{submitted.pk}/decide/", {"decision": "approve", "reason": ""})
    assert response.status_code == 302 and response["Location"] == "/awards/review/?tab=unit"
    submitted.refresh_from_db()
    assert submitted.status == Status.UNIT_APPROVED
    event = submitted.events.order_by("id").last()
    assert (event.decision, event.actor) == ("approve", unit_admin.user)


def test_a_return_needs_a_reason_the_officer_reads(submitted, unit_admin):
    client = _client(unit_admin.user)
    refused = client.post(f"/awards/review/{submitted.pk}/decide/", {"decision": "return"}, follow=True)
    assert any("Give the reason" in message for message in _messages(refused))
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    client.post(f"/awards/review/{submitted.pk}/decide/", {"decision": "return", "reason": "通知书不清晰"})
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    assert submitted.events.order_by("id").last().reason == "通知书不清晰"


def test_the_welfare_office_rejects_with_a_reason(unit_approved, welfare):
    client = _client(welfare)
    assert client.get(f"/awards/review/{unit_approved.pk}/").context["stage"] == "welfare"
    response = client.post(
        f"/awards/review/{unit_approved.pk}/decide/", {"decision": "reject", "reason": "非重点高校"}
    )
    assert response["Location"] == "/awards/review/?tab=welfare"
    unit_approved.refresh_from_db()
    assert unit_approved.status == Status.REJECTED
    assert unit_approved.events.order_by("id").last().reason == "非重点高校"


def test_a_unit_admin_whose_spouse_applied_sees_why_and_cannot_decide(submitted, unit_admin, officer):
    family_of(unit_admin, relation="spouse", name=officer.name, birth_date=officer.birth_date, sex="male")
    client = _client(unit_admin.user)
    response = client.get(f"/awards/review/{submitted.pk}/")
    assert response.status_code == 200
    assert "family member" in response.context["conflict"]
    assert response.context["decision_form"] is None
    body = response.content.decode()
    assert "another reviewer must" in body
    assert reverse("award-review-decide", args=[submitted.pk]) not in body
    events = ApplicationEvent.objects.count()
    forced = client.post(f"/awards/review/{submitted.pk}/decide/", {"decision": "approve"}, follow=True)
    assert any("family member" in message for message in _messages(forced))
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED and ApplicationEvent.objects.count() == events


def test_only_the_welfare_office_sees_who_objected(in_notice, outsider, unit_admin, welfare):
    services.objection_lodge(application=in_notice, user=outsider.user, text="该生为复读生")
    for user, shown in ((unit_admin.user, False), (welfare, True)):
        body = _client(user).get(f"/awards/review/{in_notice.pk}/").content.decode()
        assert "该生为复读生" in body
        assert (outsider.name in body) is shown


def test_an_application_out_of_sight_is_404(submitted, draft, other_admin, outsider, officer, unit_admin):
    for user in (other_admin.user, outsider.user, officer.user):  # officer: their own, but not a reviewer
        assert _client(user).get(f"/awards/review/{submitted.pk}/").status_code == 404
        assert (
            _client(user).post(f"/awards/review/{submitted.pk}/decide/", {"decision": "approve"}).status_code
            == 404
        )
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not AuditEntry.objects.filter(action=AuditAction.SENSITIVE_READ).exists()


def test_a_draft_is_not_for_reviewers(programme, universities, station, unit_admin):
    draft = _applicant(station, "草稿生", universities["985"], programme, submit=False)
    assert _client(unit_admin.user).get(f"/awards/review/{draft.pk}/").status_code == 404


def test_a_batch_approves_what_it_can_and_reports_each_refusal(
    unit_approved, welfare, programme, universities, station
):
    pending = _applicant(station, "周小雨", universities["211"], programme)  # still at the unit stage
    response = _client(welfare).post(
        "/awards/review/batch/",
        {"applications": [unit_approved.pk, pending.pk, 999999], "decision": "approve"},
        follow=True,
    )
    assert response.redirect_chain == [("/awards/review/?tab=welfare", 302)]
    unit_approved.refresh_from_db()
    pending.refresh_from_db()
    assert (unit_approved.status, pending.status) == (Status.APPROVED, Status.SUBMITTED)
    messages = _messages(response)
    assert "1 application has been approved." in messages
    assert any(
        message.startswith(f"Not done for 周小雨 (applied for by {pending.officer.name}):")
        and "not awaiting the welfare office" in message
        for message in messages
    )
    assert "Not done for #999999: No such application." in messages


def test_a_batch_with_an_id_too_large_for_the_database_is_a_message_not_an_error(unit_approved, welfare):
    response = _client(welfare).post(
        "/awards/review/batch/",
        {"applications": [unit_approved.pk, "99999999999999999999"], "decision": "approve"},
        follow=True,
    )
    assert response.status_code == 200 and _messages(response)  # the form's error, nothing decided
    unit_approved.refresh_from_db()
    assert unit_approved.status == Status.UNIT_APPROVED


def test_a_batch_return_needs_a_reason_for_each(unit_approved, welfare):
    response = _client(welfare).post(
        "/awards/review/batch/", {"applications": [unit_approved.pk], "decision": "return"}, follow=True
    )
    assert any("Give the reason" in message for message in _messages(response))
    unit_approved.refresh_from_db()
    assert unit_approved.status == Status.UNIT_APPROVED


def test_a_batch_is_404_for_a_unit_admin(unit_approved, unit_admin):
    response = _client(unit_admin.user).post(
        "/awards/review/batch/", {"applications": [unit_approved.pk], "decision": "approve"}
    )
    assert response.status_code == 404
    unit_approved.refresh_from_db()
    assert unit_approved.status == Status.UNIT_APPROVED


# --- Programmes ------------------------------------------------------------------------------------------


def test_the_programme_list_shows_budgets_payments_and_counts(
    in_notice, teacher_programme, welfare, django_assert_num_queries
):
    with _after_notice(in_notice):
        services.application_pay(application=in_notice, actor=welfare)
    client = _client(welfare)
    # Session, user, role assignments, the programmes (with their budget entries), application counts by
    # programme and status, head-teacher award counts, paid so far: the ledger's settled payments and their
    # reversals, two for each of the two programmes; navigation (the officer profile), session save
    # (savepoint, UPDATE, release).
    with django_assert_num_queries(14):
        response = client.get("/awards/manage/")
    found = {p.pk: p for p in response.context["programmes"]}
    scholarship = found[in_notice.programme_id]
    assert scholarship.paid == D("10000.00") and found[teacher_programme.pk].paid == D("0.00")
    assert [(status, count) for status, _label, count in scholarship.counts] == [("paid", 1)]
    assert "¥50,000.00" in response.content.decode()


def test_a_programme_is_created_with_its_budget_set_aside(welfare, awards_budget):
    today = dt.date.today()
    response = _client(welfare).post(
        "/awards/manage/new/",
        {
            "kind": "scholarship",
            "year": YEAR,
            "title": f"{YEAR}年金盾优学奖",
            "description": "",
            "opens_on": today.isoformat(),
            "closes_on": (today + dt.timedelta(days=30)).isoformat(),
            "amount_985": "10000",
            "amount_211": "6000",
            "amount_dfc": "",
            "budget": "80000",
            "notice_days": "7",
        },
    )
    programme = Programme.objects.get()
    assert response["Location"] == reverse("award-programme", args=[programme.pk])
    assert (programme.kind, programme.amount_dfc, programme.notice_days) == ("scholarship", None, 7)
    assert programme.commitment.amount == D("80000.00")
    awards_budget.refresh_from_db()
    assert awards_budget.committed == D("80000.00")


def test_a_programme_over_the_awards_sub_budget_is_refused_and_nothing_is_created(welfare, awards_budget):
    today = dt.date.today()
    response = _client(welfare).post(
        "/awards/manage/new/",
        {
            "kind": "scholarship",
            "year": YEAR,
            "title": "超预算",
            "opens_on": today.isoformat(),
            "closes_on": today.isoformat(),
            "amount_985": "10000",
            "budget": "200000.01",
            "notice_days": "5",
        },
    )
    assert response.status_code == 200
    assert any("available" in error for error in response.context["form"].errors["budget"])
    assert not Programme.objects.exists()
    assert not FundEntry.objects.filter(kind=EntryKind.COMMITMENT).exists()


def test_a_programme_is_edited_but_its_budget_stays(programme, welfare):
    response = _client(welfare).post(
        f"/awards/manage/{programme.pk}/edit/",
        {
            "title": "优学奖（修订）",
            "description": "说明",
            "opens_on": programme.opens_on.isoformat(),
            "closes_on": programme.closes_on.isoformat(),
            "amount_985": "12000",
            "amount_211": "6000",
            "amount_dfc": "3000",
            "notice_days": "7",
            "budget": "1",  # not a field of the edit form: ignored
        },
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.title, programme.amount_985, programme.notice_days) == ("优学奖（修订）", D("12000"), 7)
    assert programme.budget == D("50000.00")


def test_the_service_refuses_an_edit_on_the_form(programme, welfare):
    response = _client(welfare).post(
        f"/awards/manage/{programme.pk}/edit/",
        {
            "title": programme.title,
            "opens_on": programme.opens_on.isoformat(),
            "closes_on": programme.closes_on.isoformat(),
            "notice_days": "5",
        },
    )
    assert response.status_code == 200
    assert "at least one tier" in str(response.context["form"].errors)
    programme.refresh_from_db()
    assert programme.amount_985 == D("10000.00")


def test_the_public_notice_starts_for_every_approved_award(approved, welfare):
    client = _client(welfare)
    page = client.get(f"/awards/manage/{approved.programme_id}/")
    assert page.context["approved_count"] == 1
    response = client.post(f"/awards/manage/{approved.programme_id}/notice/", follow=True)
    assert "1 award is now on public notice." in _messages(response)
    approved.refresh_from_db()
    assert (approved.status, approved.notice_starts_on) == (Status.IN_NOTICE, dt.date.today())


def test_an_objection_is_dismissed_or_upheld_on_the_programme_page(in_notice, outsider, welfare):
    objection = services.objection_lodge(application=in_notice, user=outsider.user, text="该生为复读生")
    client = _client(welfare)
    page = client.get(f"/awards/manage/{in_notice.programme_id}/")
    assert [o.pk for o in page.context["objections"]] == [objection.pk]
    assert "该生为复读生" in page.content.decode()
    url = f"/awards/objections/{objection.pk}/decide/"
    refused = client.post(url, {"upheld": "no", "reason": ""}, follow=True)
    assert any("reason" in message for message in _messages(refused))
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN
    client.post(url, {"upheld": "no", "reason": "经核实为应届生"})
    objection.refresh_from_db()
    in_notice.refresh_from_db()
    assert (objection.status, in_notice.status) == (ObjectionStatus.DISMISSED, Status.IN_NOTICE)
    second = services.objection_lodge(application=in_notice, user=outsider.user, text="录取学校不符")
    client.post(f"/awards/objections/{second.pk}/decide/", {"upheld": "yes", "reason": "核实属实"})
    in_notice.refresh_from_db()
    assert in_notice.status == Status.REJECTED


def test_an_objection_is_404_for_a_unit_admin(in_notice, outsider, unit_admin):
    objection = services.objection_lodge(application=in_notice, user=outsider.user, text="x")
    response = _client(unit_admin.user).post(
        f"/awards/objections/{objection.pk}/decide/", {"upheld": "yes", "reason": "y"}
    )
    assert response.status_code == 404
    assert Objection.objects.get().status == ObjectionStatus.OPEN


def test_an_award_is_paid_once_after_its_notice(in_notice, welfare):
    client = _client(welfare)
    page = client.get(f"/awards/manage/{in_notice.programme_id}/")
    assert "public notice runs until" in page.content.decode()  # why it cannot be paid yet
    early = client.post(f"/awards/applications/{in_notice.pk}/pay/", follow=True)
    assert any("public notice runs until" in message for message in _messages(early))
    assert not FundEntry.objects.filter(kind=EntryKind.PAYMENT).exists()
    with _after_notice(in_notice):
        client = _client(welfare)  # days later: the first session has expired
        first = client.post(f"/awards/applications/{in_notice.pk}/pay/", follow=True)
        second = client.post(f"/awards/applications/{in_notice.pk}/pay/", follow=True)
    payment = FundEntry.objects.get(kind=EntryKind.PAYMENT)
    assert (payment.amount, payment.beneficiary) == (D("10000.00"), in_notice.officer)
    in_notice.refresh_from_db()
    assert (in_notice.status, in_notice.payment) == (Status.PAID, payment)
    assert f"The award of ¥10,000.00 to 陈思源 has been paid (fund entry no. {payment.pk})." in _messages(
        first
    )
    assert "The award to 陈思源 has already been paid." in _messages(second)


def test_pay_all_pays_within_the_budget_and_reports_the_rest(
    welfare, awards_budget, universities, station, unit_admin
):
    programme = make_programme(welfare, budget="15000")  # one 985 award of 10,000 and nothing more
    notices = [
        _to_notice(_applicant(station, f"学生{n}", universities["985"], programme), unit_admin, welfare)
        for n in range(2)
    ]
    with _after_notice(notices[0]):
        page = _client(welfare).get(f"/awards/manage/{programme.pk}/")
        assert page.context["payable_count"] == 2
        response = _client(welfare).post(f"/awards/manage/{programme.pk}/pay/", follow=True)
    messages = _messages(response)
    assert "1 award has been paid." in messages
    assert len([m for m in messages if m.startswith("Not done for 学生") and "left to pay" in m]) == 1
    assert FundEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1
    assert sorted(Application.objects.values_list("status", flat=True)) == ["in_notice", "paid"]


@pytest.mark.parametrize("count", [1, 3])
def test_the_programme_page_costs_the_same_queries_for_1_or_3_applications(
    welfare, programme, universities, station, unit_admin, outsider, count, django_assert_num_queries
):
    for n in range(count):
        application = _to_notice(
            _applicant(station, f"学生{n}", universities["985"], programme), unit_admin, welfare
        )
        services.objection_lodge(application=application, user=outsider.user, text=f"异议{n}")
    client = _client(welfare)
    # Session, user, role assignments, the programme (with its budget entry and sub-budget), its applications
    # (programme, officer, unit, child, university and payment joined), the objections (application, child,
    # officer, objector and decider joined), the viewer's officer profile and the families of the viewer and
    # the applicants (conflicts of interest), the budget (paid and released in one sum, whether the budget
    # entry was reversed, what open applications and head-teacher awards need), navigation (the officer
    # profile), session save (savepoint, UPDATE, release).
    with django_assert_num_queries(16):
        response = client.get(f"/awards/manage/{programme.pk}/")
    assert [len(rows) for _status, _label, rows in response.context["groups"]] == [count]
    assert len(response.context["objections"]) == count


@pytest.mark.parametrize("count", [1, 3])
def test_the_head_teacher_page_costs_the_same_queries_for_1_or_3_scholarships(
    welfare,
    head,
    programme,
    teacher_programme,
    universities,
    station,
    unit_admin,
    count,
    django_assert_num_queries,
):
    for n in range(count):
        application = _applicant(station, f"学生{n}", universities["985"], programme)
        services.unit_review(application=application, reviewer=unit_admin.user, decision="approve")
        services.welfare_review(application=application, reviewer=welfare, decision="approve")
        if n:
            services.teacher_nominate(
                scholarship=application, actor=welfare, teacher_name=f"老师{n}", school="s", class_name="c"
            )
    client = _client(head)
    # Session, user, role assignments, the programmes' years, the scholarships without a nomination
    # (programme, officer, unit, child, university and payment joined), the nominations (programme,
    # scholarship, child, officer, unit, university, nominator and approver joined), the year's head-teacher
    # programme, navigation (the officer profile), session save (savepoint, UPDATE, release).
    with django_assert_num_queries(11):
        response = client.get("/awards/manage/teachers/")
    assert len(response.context["eligible"]) == 1
    assert len(response.context["nominated"]) == count - 1


def test_the_export_lists_the_applications_safely_and_is_audited(
    programme, welfare, universities, station, unit_admin
):
    application = _applicant(station, "王一", universities["211"], programme, major='=HYPERLINK("x")')
    _applicant(station, "草稿", universities["985"], programme, submit=False)  # a draft is not listed
    response = _client(welfare).get(f"/awards/manage/{programme.pk}/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    assert rows[0][0] == application.pk and rows[0][5] == "王一" and rows[0][6] == "北京交通大学"
    assert rows[0][10] == '\'=HYPERLINK("x")'
    assert rows[0][11] == 6000
    audit = AuditEntry.objects.get(action=AuditAction.SENSITIVE_READ, actor=welfare)
    assert (audit.detail["what"], audit.detail["count"]) == ("award_applications_export", 1)


# --- Head-teacher awards ---------------------------------------------------------------------------------


def _nominate(client, scholarship, **values):
    data = {
        "teacher_name": "李明华",
        "school": "市第一中学",
        "class_name": "高三（2）班",
        "contact": "13900000000",
    }
    data.update(values)
    return client.post(
        f"/awards/manage/teachers/nominate/{scholarship.pk}/",
        {f"n{scholarship.pk}-{key}": value for key, value in data.items()},
    )


def test_a_head_teacher_is_nominated_approved_by_another_member_and_paid_once(
    approved, teacher_programme, welfare, head
):
    nominator, approver = _client(welfare), _client(head)
    page = nominator.get("/awards/manage/teachers/")
    assert [a.pk for a in page.context["eligible"]] == [approved.pk]
    assert _nominate(nominator, approved).status_code == 302
    award = TeacherAward.objects.get()
    assert (award.teacher_name, award.amount, award.status) == (
        "李明华",
        D("2000.00"),
        TeacherStatus.NOMINATED,
    )

    page = nominator.get("/awards/manage/teachers/")
    assert page.context["eligible"] == []
    assert "You nominated it" in page.content.decode()
    assert reverse("award-teacher-decide", args=[award.pk]) not in page.content.decode()
    refused = nominator.post(f"/awards/manage/teachers/{award.pk}/decide/", {"approve": "yes"}, follow=True)
    assert any("someone other than its nominator" in m for m in _messages(refused))
    award.refresh_from_db()
    assert award.status == TeacherStatus.NOMINATED

    assert (
        reverse("award-teacher-decide", args=[award.pk])
        in approver.get("/awards/manage/teachers/").content.decode()
    )
    approver.post(f"/awards/manage/teachers/{award.pk}/decide/", {"approve": "yes"})
    award.refresh_from_db()
    assert (award.status, award.approved_by, award.certificate_number) == (
        TeacherStatus.APPROVED,
        head,
        f"JDYD-{YEAR}-0001",
    )
    nominator.post(f"/awards/manage/teachers/{award.pk}/pay/")
    again = nominator.post(f"/awards/manage/teachers/{award.pk}/pay/", follow=True)
    assert "The award to 李明华 has already been paid." in _messages(again)
    award.refresh_from_db()
    payment = FundEntry.objects.get(kind=EntryKind.PAYMENT)
    assert (award.status, award.payment, payment.settles) == (
        TeacherStatus.PAID,
        payment,
        teacher_programme.commitment,
    )

    response = nominator.get(f"/awards/manage/teachers/{award.pk}/certificate.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "李明华" in text and f"JDYD-{YEAR}-0001" in text


def test_a_rejection_needs_a_reason(approved, teacher_programme, welfare, head):
    services.teacher_nominate(
        scholarship=approved, actor=welfare, teacher_name="李", school="s", class_name="c"
    )
    award = TeacherAward.objects.get()
    client = _client(head)
    refused = client.post(f"/awards/manage/teachers/{award.pk}/decide/", {"approve": "no"}, follow=True)
    assert any("Give the reason" in m for m in _messages(refused))
    client.post(f"/awards/manage/teachers/{award.pk}/decide/", {"approve": "no", "reason": "非班主任"})
    award.refresh_from_db()
    assert (award.status, award.decision_reason) == (TeacherStatus.REJECTED, "非班主任")


def test_a_nomination_missing_the_class_is_shown_again_with_the_error(approved, teacher_programme, welfare):
    response = _nominate(_client(welfare), approved, class_name="")
    assert response.status_code == 200
    row = response.context["eligible"][0]
    assert row.pk == approved.pk and "class_name" in row.form.errors
    assert row.form["teacher_name"].value() == "李明华"  # what was typed is kept
    assert not TeacherAward.objects.exists()


def test_no_nomination_without_the_years_head_teacher_programme(approved, welfare):
    client = _client(welfare)
    assert "no head-teacher award programme" in client.get("/awards/manage/teachers/").content.decode()
    response = _nominate(client, approved)
    assert response.status_code == 302
    assert not TeacherAward.objects.exists()


def test_a_certificate_is_only_for_an_approved_award(approved, teacher_programme, welfare):
    award = services.teacher_nominate(
        scholarship=approved, actor=welfare, teacher_name="李", school="s", class_name="c"
    )
    assert _client(welfare).get(f"/awards/manage/teachers/{award.pk}/certificate.pdf").status_code == 404
    TeacherAward.objects.filter(pk=award.pk).update(status=TeacherStatus.REJECTED)
    assert _client(welfare).get(f"/awards/manage/teachers/{award.pk}/certificate.pdf").status_code == 404


# --- Statistics ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["welfare", "leader"])
def test_the_statistics_count_awards_by_year_tier_and_unit(
    in_notice, welfare, leader, who, request, django_assert_num_queries
):
    with _after_notice(in_notice):
        services.application_pay(application=in_notice, actor=welfare)
    client = _client(request.getfixturevalue(who))
    # Session, user, role assignments, awards by year and tier, paid by year, head-teacher awards by year,
    # the latest year's awards with their units' paths, the county-level units, navigation (the officer
    # profile), session save (savepoint, UPDATE, release).
    with django_assert_num_queries(12):
        response = client.get("/awards/stats/")
    row = response.context["years"][0]
    assert (row["figures"].year, row["tiers"], row["figures"].awards) == (YEAR, [1, 0, 0], 1)
    assert (row["figures"].paid_count, row["figures"].paid_amount) == (1, D("10000.00"))
    assert [(unit.name, n, paid) for unit, n, paid in response.context["stats"].by_unit] == [
        ("东城分局", 1, D("10000.00"))
    ]
    assert "陈思源" not in response.content.decode()  # figures, never names

    sheets = load_workbook(io.BytesIO(client.get("/awards/stats/export.xlsx").content))
    by_year = list(sheets.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert by_year == [(YEAR, 1, 0, 0, 1, 1, 10000, 0, 0)]
    assert list(sheets.worksheets[1].iter_rows(min_row=2, values_only=True)) == [("东城分局", YEAR, 1, 10000)]


# --- Universities ----------------------------------------------------------------------------------------


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("universities.csv", text.encode(), content_type="text/csv")


HEADER = "code,name,province,is_985,is_211,is_double_first_class\n"


def test_a_university_list_is_imported(universities, welfare):
    response = _client(welfare).post(
        "/awards/manage/universities/import/",
        {
            "file": _csv(HEADER + "4111010009,北方工业大学,北京,0,0,1\n4144099990,新设大学,广东,0,0,0\n"),
            "list_date": "2026-01-01",
        },
        follow=True,
    )
    assert "Imported: 1 added, 1 updated, 0 unchanged." in _messages(response)
    assert University.objects.get(code="4111010009").is_double_first_class
    assert University.objects.get(code="4144099990").list_date == dt.date(2026, 1, 1)


def test_a_bad_university_list_changes_nothing_and_says_why(universities, welfare):
    response = _client(welfare).post(
        "/awards/manage/universities/import/",
        {
            "file": _csv(HEADER + "4111010009,北方工业大学,北京,0,0,1\n4144099990,新设大学,广东,1,0,0\n"),
            "list_date": "2026-01-01",
        },
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Nothing was imported" in errors and "Line 3: a 985 university is also a 211 university" in errors
    assert not University.objects.get(code="4111010009").is_double_first_class
    assert not University.objects.filter(code="4144099990").exists()


def test_the_admin_link_is_for_staff_users_only(welfare):
    client = _client(welfare)
    assert client.get("/awards/manage/universities/import/").context["admin_url"] == ""
    welfare.is_staff = True
    welfare.save()
    response = client.get("/awards/manage/universities/import/")
    assert reverse("admin:awards_university_changelist") in response.content.decode()


# --- Out of role: 404 ------------------------------------------------------------------------------------


@pytest.fixture
def everything(in_notice, teacher_programme, welfare, head, outsider):
    award = services.teacher_nominate(
        scholarship=in_notice, actor=welfare, teacher_name="李", school="s", class_name="c"
    )
    award = services.teacher_decide(award=award, actor=head, approve=True)
    objection = services.objection_lodge(application=in_notice, user=outsider.user, text="x")
    return {"application": in_notice, "award": award, "objection": objection}


GETS = [
    ("award-review", None),
    ("award-review-detail", "application"),
    ("award-programmes", None),
    ("award-programme-new", None),
    ("award-programme", "programme"),
    ("award-programme-edit", "programme"),
    ("award-programme-export", "programme"),
    ("award-teachers", None),
    ("award-certificate", "award"),
    ("award-stats", None),
    ("award-stats-export", None),
    ("award-universities-import", None),
]
POSTS = [
    ("award-review-batch", None),
    ("award-review-decide", "application"),
    ("award-programme-new", None),
    ("award-notice-start", "programme"),
    ("award-pay-all", "programme"),
    ("award-pay", "application"),
    ("award-objection-decide", "objection"),
    ("award-teacher-nominate", "application"),
    ("award-teacher-decide", "award"),
    ("award-teacher-pay", "award"),
    ("award-universities-import", None),
]


def _url(name: str, key: str | None, objects: dict) -> str:
    if key is None:
        return reverse(name)
    target = objects["application"].programme if key == "programme" else objects[key]
    return reverse(name, args=[target.pk])


@pytest.mark.parametrize(("name", "key"), GETS)
def test_every_page_is_404_for_a_plain_officer(everything, officer, name, key):
    # The officer is the applicant here: even their own application's staff pages are out of sight.
    assert _client(officer.user).get(_url(name, key, everything)).status_code == 404


@pytest.mark.parametrize(("name", "key"), POSTS)
def test_every_action_is_404_for_a_plain_officer_and_changes_nothing(everything, outsider, name, key):
    before = (
        list(Application.objects.values_list("status", flat=True)),
        list(TeacherAward.objects.values_list("status", flat=True)),
        FundEntry.objects.count(),
        Programme.objects.count(),
    )
    response = _client(outsider.user).post(
        _url(name, key, everything), {"decision": "approve", "approve": "yes", "upheld": "yes", "reason": "x"}
    )
    assert response.status_code == 404
    after = (
        list(Application.objects.values_list("status", flat=True)),
        list(TeacherAward.objects.values_list("status", flat=True)),
        FundEntry.objects.count(),
        Programme.objects.count(),
    )
    assert after == before


@pytest.mark.parametrize(
    "name", ["award-programmes", "award-teachers", "award-universities-import", "award-stats"]
)
def test_the_office_pages_are_404_for_a_unit_admin(unit_admin, name):
    assert _client(unit_admin.user).get(reverse(name)).status_code == 404


def test_the_manage_pages_are_404_for_a_leader_but_the_statistics_are_not(leader, programme):
    client = _client(leader)
    assert client.get("/awards/manage/").status_code == 404
    assert client.get(f"/awards/manage/{programme.pk}/").status_code == 404
    assert client.get("/awards/review/").status_code == 404
    assert client.get("/awards/stats/").status_code == 200


def test_a_programme_of_another_kind_shows_its_head_teacher_awards(teacher_programme, welfare):
    response = _client(welfare).get(f"/awards/manage/{teacher_programme.pk}/")
    assert response.status_code == 200
    assert teacher_programme.kind == ProgrammeKind.TEACHER and response.context["groups"] == []
    assert "No head teacher has been nominated yet." in response.content.decode()


def test_a_programme_that_does_not_exist_is_404(welfare):
    assert _client(welfare).get("/awards/manage/999999/").status_code == 404


def test_the_office_does_not_learn_who_objected_to_its_own_familys_award(
    in_notice, welfare, head, officer, outsider
):
    services.objection_lodge(application=in_notice, user=outsider.user, text="该生为复读生")
    family_of(
        welfare.officer, relation="spouse", name=officer.name, birth_date=officer.birth_date, sex="male"
    )
    for path in (f"/awards/review/{in_notice.pk}/", f"/awards/manage/{in_notice.programme_id}/"):
        conflicted = _client(welfare).get(path).content.decode()
        assert "该生为复读生" in conflicted and outsider.name not in conflicted, path
        assert outsider.name in _client(head).get(path).content.decode(), path


def test_the_office_releases_a_closed_programmes_unspent_budget_from_its_page(programme, welfare, officer):
    from care.models import FundEntry

    url = f"/awards/manage/{programme.pk}/"
    assert b'data-testid="award-release"' not in _client(welfare).get(url).content  # still open
    with time_machine.travel(programme.closes_on + dt.timedelta(days=1), tick=False):
        page = _client(welfare).get(url).content.decode()
        assert 'data-testid="award-release"' in page and "50,000.00" in page
        response = _client(welfare).post(f"{url}release/", follow=True)
        assert "¥50,000.00 has gone back to the awards sub-budget." in _messages(response)
        assert _client(officer.user).post(f"{url}release/").status_code == 404
    assert FundEntry.objects.get(kind="release").amount == 50000
