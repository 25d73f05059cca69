"""Education awards: eligibility, one award per child, the review workflow, conflicts of interest, the
public notice and objections, payment from the fund, head-teacher awards, reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from awards import permissions, selectors, services
from awards.models import Application, ApplicationEvent, ObjectionStatus, Status, TeacherStatus, University
from care import fund as ledger
from care.models import EntryKind, FundEntry
from notifications.models import Reminder
from tests.awards.conftest import YEAR, apply, family_of, letter, make_programme
from tests.factories import FamilyMemberFactory, OfficerFactory, RoleAssignmentFactory
from welfare.domain import ConflictError
from welfare.uploads import UploadError

D = Decimal


def _after_notice(application):
    return time_machine.travel(application.notice_ends_on + dt.timedelta(days=1), tick=False)


# --- Universities ---------------------------------------------------------------------------------


def test_a_university_has_its_best_tier(universities):
    assert [universities[k].tier for k in ("985", "211", "dfc", "none")] == ["985", "211", "dfc", None]


def test_the_shipped_list_is_loaded_with_its_tiers(shipped_universities):
    assert University.objects.filter(is_985=True).count() == 39
    assert University.objects.filter(is_double_first_class=True).count() == 147
    assert University.objects.get(code="4111010001").name == "北京大学"
    assert not University.objects.filter(is_985=True, is_211=False).exists()


def test_a_csv_import_adds_and_updates_and_refuses_a_bad_file_whole(universities):
    data = (
        "code,name,province,is_985,is_211,is_double_first_class\n"
        "4111010004,北京交通大学,北京,0,1,1\n"  # unchanged
        "4111010009,北方工业大学,北京,0,0,1\n"  # now Double First-Class
        "4199099999,测试学院,广东,0,0,0\n"  # new (a code no real university has)
    ).encode()
    result = services.universities_import(data=data, list_date=dt.date(2026, 1, 1), actor=None)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert University.objects.get(code="4111010009").is_double_first_class
    bad = (
        "code,name,province,is_985,is_211,is_double_first_class\n"
        "4199099998,测试大学,北京,1,0,1\n"
        "123,x,y,0,0,1\n"
    )
    with pytest.raises(services.AwardError, match=r"Nothing was imported.*Line 2: a 985.*Line 3: 123"):
        services.universities_import(data=bad.encode(), list_date=dt.date(2026, 1, 1), actor=None)
    assert not University.objects.filter(code__in=["4199099998", "123"]).exists()
    with pytest.raises(services.AwardError, match="UTF-8"):
        services.universities_import(data="代码".encode("gbk"), list_date=dt.date(2026, 1, 1), actor=None)


# --- Programmes -----------------------------------------------------------------------------------


def test_a_programme_sets_its_budget_aside_from_the_awards_sub_budget(programme, awards_budget):
    awards_budget.refresh_from_db()
    assert (awards_budget.available, awards_budget.committed) == (D("150000.00"), D("50000.00"))
    assert programme.commitment.kind == EntryKind.COMMITMENT and programme.commitment.amount == D("50000")


def test_a_programme_beyond_the_awards_sub_budget_is_refused_and_nothing_is_created(welfare, awards_budget):
    with pytest.raises(ledger.FundError, match="available"):
        make_programme(welfare, budget="200000.01")
    from awards.models import Programme

    assert not Programme.objects.exists()


def test_one_programme_per_kind_and_year(programme, welfare):
    with pytest.raises(ConflictError):
        make_programme(welfare)


def test_only_the_welfare_office_creates_programmes(unit_admin, awards_budget):
    with pytest.raises(services.AwardError):
        make_programme(unit_admin.user)


# --- Applying -------------------------------------------------------------------------------------


def test_an_eligible_application_is_submitted_with_its_tier_and_amount(submitted):
    assert (submitted.status, submitted.tier, submitted.amount) == (Status.SUBMITTED, "985", D("10000.00"))
    assert submitted.letter.name.endswith(".pdf") and submitted.letter_type == "application/pdf"
    assert submitted.events.get().decision == "submit"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"university": "none"}, "not on a list of universities this programme awards"),
        ({"admission_year": YEAR - 1}, f"for admissions in {YEAR}"),
        ({"letter": None}, "Upload the admission letter"),
    ],
)
def test_it_says_why_an_application_is_not_eligible(programme, officer, child, universities, change, reason):
    values = dict(change)
    university = universities[values.pop("university", "985")]
    application = apply(programme, officer, child, university, **values)
    with pytest.raises(services.AwardError, match=reason):
        services.application_submit(application=application, actor=officer.user)
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_a_programme_with_no_amount_for_a_tier_refuses_it(
    welfare, awards_budget, officer, child, universities
):
    programme = make_programme(welfare, amount_dfc=None)
    application = apply(programme, officer, child, universities["dfc"])
    with pytest.raises(services.AwardError, match="not on a list"):
        services.application_submit(application=application, actor=officer.user)


def test_applications_are_refused_outside_the_programme_dates(draft, officer):
    after = draft.programme.closes_on + dt.timedelta(days=1)
    with time_machine.travel(after, tick=False), pytest.raises(services.AwardError, match="accepted from"):
        services.application_submit(application=draft, actor=officer.user)


def test_only_ones_own_child_can_be_chosen(programme, officer, outsider, universities):
    their_child = outsider.family_members.get(relation="child")
    with pytest.raises(services.AwardError, match="one of your children"):
        apply(programme, officer, their_child, universities["985"])
    spouse = officer.family_members.get(relation="spouse")
    with pytest.raises(services.AwardError, match="one of your children"):
        apply(programme, officer, spouse, universities["985"])


def test_a_letter_of_the_wrong_type_or_size_is_refused_and_nothing_is_stored(
    programme, officer, child, universities, settings, tmp_path
):
    with pytest.raises(UploadError, match="not a PDF or an image"):
        apply(programme, officer, child, universities["985"], letter=letter("通知书.pdf", b"<html>hi</html>"))
    settings.AWARD_LETTER_MAX_BYTES = 10
    with pytest.raises(UploadError, match="larger than"):
        apply(programme, officer, child, universities["985"])
    assert not Application.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_it_refuses_a_second_application_for_the_same_child(draft, programme, officer, child, universities):
    with pytest.raises(ConflictError, match="already has an application"):
        apply(programme, officer, child, universities["211"])
    assert Application.objects.count() == 1


def test_the_other_parent_cannot_claim_the_same_child_again(
    submitted, programme, child, universities, station
):
    mother = OfficerFactory(org_unit=station, name="林婉清")
    same_child = family_of(mother, relation="child", name=child.name, birth_date=child.birth_date, sex="male")
    with pytest.raises(ConflictError):
        apply(programme, mother, same_child, universities["985"])


def test_a_rejected_application_frees_the_child_for_a_new_one(
    submitted, unit_admin, programme, officer, child, universities
):
    services.unit_review(
        application=submitted, reviewer=unit_admin.user, decision="reject", reason="非本年度录取"
    )
    again = apply(programme, officer, child, universities["211"])
    assert again.status == Status.DRAFT


def test_a_double_click_on_submit_submits_once(draft, officer):
    services.application_submit(application=draft, actor=officer.user)
    services.application_submit(application=draft, actor=officer.user)
    assert ApplicationEvent.objects.filter(application=draft).count() == 1


# --- Review ---------------------------------------------------------------------------------------


def test_the_whole_path_to_payment(in_notice, welfare, awards_budget, django_capture_on_commit_callbacks):
    assert in_notice.status == Status.IN_NOTICE
    assert in_notice.notice_ends_on - in_notice.notice_starts_on == dt.timedelta(days=4)  # five days
    with pytest.raises(services.AwardError, match="public notice runs until"):
        services.application_pay(application=in_notice, actor=welfare)
    with _after_notice(in_notice), django_capture_on_commit_callbacks(execute=True):
        paid = services.application_pay(application=in_notice, actor=welfare)
        again = services.application_pay(application=in_notice, actor=welfare)
    assert paid.status == again.status == Status.PAID and paid.payment_id == again.payment_id
    entry = FundEntry.objects.get(kind=EntryKind.PAYMENT)
    assert (entry.amount, entry.beneficiary, entry.settles) == (
        D("10000.00"),
        in_notice.officer,
        in_notice.programme.commitment,
    )
    awards_budget.refresh_from_db()
    assert (awards_budget.committed, awards_budget.spent) == (D("40000.00"), D("10000.00"))
    decisions = list(in_notice.events.values_list("decision", flat=True))
    assert decisions == ["submit", "approve", "approve", "notice", "pay"]
    ops = AuditEntry.objects.filter(
        action=AuditAction.AWARD_CHANGED, object_type="awards.application", object_id=str(in_notice.pk)
    )
    assert list(ops.order_by("id").values_list("detail__op", flat=True)) == [
        "create", "submit", "unit_approve", "welfare_approve", "notice", "pay",
    ]  # fmt: skip
    assert Reminder.objects.filter(kind="award_decision", recipient=in_notice.officer.user).exists()


def test_a_return_goes_back_to_the_officer_who_resubmits(submitted, unit_admin, officer):
    with pytest.raises(services.AwardError, match="reason"):
        services.unit_review(application=submitted, reviewer=unit_admin.user, decision="return")
    services.unit_review(
        application=submitted, reviewer=unit_admin.user, decision="return", reason="通知书不清晰"
    )
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    services.application_update(application=submitted, actor=officer.user, letter=letter("清晰版.pdf"))
    services.application_submit(application=submitted, actor=officer.user)
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_the_welfare_office_rejects_with_a_reason(unit_approved, welfare):
    services.welfare_review(
        application=unit_approved, reviewer=welfare, decision="reject", reason="非重点高校"
    )
    unit_approved.refresh_from_db()
    assert unit_approved.status == Status.REJECTED


def test_stages_are_taken_in_order_by_the_right_people(
    submitted, welfare, unit_admin, outsider, other_county
):
    with pytest.raises(services.AwardError, match="not awaiting the welfare office"):
        services.welfare_review(application=submitted, reviewer=welfare, decision="approve")
    stranger = OfficerFactory(org_unit=other_county).user
    RoleAssignmentFactory(user=stranger, role="unit_admin", org_unit=other_county)
    for user in (stranger, outsider.user, welfare):
        with pytest.raises(services.AwardError, match="cannot review"):
            services.unit_review(application=submitted, reviewer=user, decision="approve")
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_nobody_reviews_their_own_application(programme, universities, county, unit_admin):
    child = family_of(unit_admin, relation="child", birth_date=dt.date(YEAR - 18, 5, 1), name="刘一鸣")
    application = apply(programme, unit_admin, child, universities["985"])
    services.application_submit(application=application, actor=unit_admin.user)
    with pytest.raises(services.AwardError, match="your own application"):
        services.unit_review(application=application, reviewer=unit_admin.user, decision="approve")


@pytest.mark.parametrize("link", ["reviewer_lists_applicant", "applicant_lists_reviewer", "shared_child"])
def test_nobody_reviews_a_family_members_application(submitted, unit_admin, officer, child, link):
    if link == "reviewer_lists_applicant":
        family_of(unit_admin, relation="spouse", name=officer.name, birth_date=officer.birth_date, sex="male")
    elif link == "applicant_lists_reviewer":
        FamilyMemberFactory(
            officer=officer, relation="parent", name=unit_admin.name, birth_date=unit_admin.birth_date
        )
    else:
        family_of(unit_admin, relation="child", name=child.name, birth_date=child.birth_date, sex="male")
    with pytest.raises(services.AwardError, match="family member"):
        services.unit_review(application=submitted, reviewer=unit_admin.user, decision="approve")
    assert unit_admin.user not in permissions.reviewers_for(submitted)


def test_a_stranger_with_a_similar_name_is_no_conflict(submitted, unit_admin, officer):
    family_of(unit_admin, relation="spouse", name=officer.name, birth_date=dt.date(1970, 1, 1), sex="male")
    assert services.unit_review(
        application=submitted, reviewer=unit_admin.user, decision="approve"
    ).status == (Status.UNIT_APPROVED)


def test_batch_decisions_report_each_refusal(
    unit_approved, submitted, welfare, programme, universities, station
):
    other = OfficerFactory(org_unit=station)
    child = family_of(other, relation="child", birth_date=dt.date(YEAR - 18, 1, 1), name="周小雨")
    pending = apply(programme, other, child, universities["211"])
    services.application_submit(application=pending, actor=other.user)  # still at the unit stage
    result = services.welfare_review_batch(
        application_ids=[unit_approved.pk, pending.pk, 999999], reviewer=welfare, decision="approve"
    )
    assert result.done == [unit_approved.pk]
    assert set(result.refused) == {pending.pk, 999999}


def test_a_withdrawn_application_cannot_be_reviewed(submitted, officer, unit_admin):
    services.application_withdraw(application=submitted, actor=officer.user)
    with pytest.raises(services.AwardError):
        services.unit_review(application=submitted, reviewer=unit_admin.user, decision="approve")


def test_an_approved_application_cannot_be_withdrawn(approved, officer):
    with pytest.raises(services.AwardError, match="cannot be withdrawn"):
        services.application_withdraw(application=approved, actor=officer.user)


# --- Public notice and objections -----------------------------------------------------------------


def test_names_are_masked_for_the_notice():
    assert [services.mask_name(n) for n in ("陈思源", "张明", "欧阳明月", "李", " 王 小 二 ")] == [
        "陈*源", "张*", "欧**月", "李", "王*二",
    ]  # fmt: skip


def test_an_objection_holds_the_award_until_it_is_dismissed(
    in_notice, outsider, welfare, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        objection = services.objection_lodge(application=in_notice, user=outsider.user, text="该生为复读生")
    in_notice.refresh_from_db()
    assert in_notice.status == Status.ON_HOLD
    assert Reminder.objects.filter(kind="award_objection", recipient=welfare).exists()
    with _after_notice(in_notice), pytest.raises(services.AwardError, match="objection is open"):
        services.application_pay(application=in_notice, actor=welfare)
    with pytest.raises(services.AwardError, match="reason"):
        services.objection_decide(objection=objection, actor=welfare, upheld=False, reason="")
    services.objection_decide(objection=objection, actor=welfare, upheld=False, reason="经核实为应届生")
    in_notice.refresh_from_db()
    assert in_notice.status == Status.IN_NOTICE
    with _after_notice(in_notice):
        assert services.application_pay(application=in_notice, actor=welfare).status == Status.PAID


def test_an_upheld_objection_rejects_the_award(in_notice, outsider, welfare):
    objection = services.objection_lodge(application=in_notice, user=outsider.user, text="录取学校不符")
    services.objection_decide(objection=objection, actor=welfare, upheld=True, reason="核实属实")
    in_notice.refresh_from_db()
    objection.refresh_from_db()
    assert (in_notice.status, objection.status) == (Status.REJECTED, ObjectionStatus.UPHELD)
    assert not FundEntry.objects.filter(kind=EntryKind.PAYMENT).exists()


def test_objections_are_lodged_only_during_the_notice(approved, in_notice, outsider):
    with _after_notice(in_notice), pytest.raises(services.AwardError, match="during the public notice"):
        services.objection_lodge(application=in_notice, user=outsider.user, text="x")


def test_the_public_notice_lists_awards_in_their_period_only(in_notice, approved):
    assert list(selectors.public_notice()) == [in_notice]
    assert not selectors.public_notice(today=in_notice.notice_ends_on + dt.timedelta(days=1)).exists()


# --- Payment --------------------------------------------------------------------------------------


def test_payments_never_exceed_the_programme_budget(
    welfare, awards_budget, universities, station, unit_admin
):
    programme = make_programme(welfare, budget="15000")  # one 985 award and nothing more of 10,000
    notices = []
    for n in range(2):
        parent = OfficerFactory(org_unit=station)
        kid = family_of(parent, relation="child", birth_date=dt.date(YEAR - 18, 2, 2), name=f"学生{n}")
        application = apply(programme, parent, kid, universities["985"])
        services.application_submit(application=application, actor=parent.user)
        services.unit_review(application=application, reviewer=unit_admin.user, decision="approve")
        services.welfare_review(application=application, reviewer=welfare, decision="approve")
        notices.append(services.notice_start(application=application, actor=welfare))
    with _after_notice(notices[0]):
        result = services.applications_pay_all(programme=programme, actor=welfare)
    assert len(result.done) == 1 and "left to pay" in next(iter(result.refused.values()))
    assert FundEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1


def test_the_payer_must_not_be_family_either(in_notice, welfare, officer):
    family_of(
        welfare.officer, relation="spouse", name=officer.name, birth_date=officer.birth_date, sex="male"
    )
    with _after_notice(in_notice), pytest.raises(services.AwardError, match="family member"):
        services.application_pay(application=in_notice, actor=welfare)


# --- Head teachers --------------------------------------------------------------------------------


def test_a_head_teacher_award_needs_a_second_person_and_pays_from_its_programme(
    approved, teacher_programme, welfare, head
):
    award = services.teacher_nominate(
        scholarship=approved,
        actor=welfare,
        teacher_name="李老师",
        school="市第一中学",
        class_name="高三（2）班",
    )
    assert (award.amount, award.status) == (D("2000.00"), TeacherStatus.NOMINATED)
    with pytest.raises(services.AwardError, match="someone other than its nominator"):
        services.teacher_decide(award=award, actor=welfare, approve=True)
    award = services.teacher_decide(award=award, actor=head, approve=True)
    assert award.certificate_number == f"JDYD-{YEAR}-0001"
    paid = services.teacher_pay(award=award, actor=welfare)
    assert paid.payment.settles == teacher_programme.commitment
    assert services.teacher_pay(award=award, actor=welfare).payment_id == paid.payment_id
    with pytest.raises(ConflictError):
        services.teacher_nominate(
            scholarship=approved, actor=welfare, teacher_name="王老师", school="x", class_name="y"
        )


def test_no_teacher_award_without_its_programme_or_from_an_unapproved_scholarship(
    submitted, approved, welfare
):
    with pytest.raises(services.AwardError, match="no 金盾园丁奖 programme"):
        services.teacher_nominate(
            scholarship=approved, actor=welfare, teacher_name="李", school="s", class_name="c"
        )


# --- Reminders ------------------------------------------------------------------------------------


def test_officers_with_a_child_of_entrance_age_hear_when_a_programme_opens_and_closes(
    programme, officer, child, outsider, draft
):
    with time_machine.travel(dt.datetime.combine(programme.opens_on, dt.time(6)), tick=False):
        assert services.programme_reminders_schedule(today=programme.opens_on) == 2
        assert services.programme_reminders_schedule(today=programme.opens_on) == 0  # twice: nothing more
    opened = Reminder.objects.filter(kind="award_programme_open").values_list("recipient", flat=True)
    assert set(opened) == {officer.user_id, outsider.user_id}  # both have a child of 17–19
    closing = programme.closes_on - dt.timedelta(days=services.CLOSING_SOON_DAYS)
    assert services.programme_reminders_schedule(today=closing) == 1
    # Only the outsider, who has not applied; the officer has a draft already.
    assert Reminder.objects.get(kind="award_programme_closing").recipient == outsider.user


def test_applications_waiting_too_long_remind_their_reviewers(submitted, unit_admin, settings):
    settings.AWARD_REVIEW_REMIND_DAYS = 3
    assert services.review_reminders_schedule(now=submitted.waiting_since + dt.timedelta(days=2)) == 0
    later = submitted.waiting_since + dt.timedelta(days=3)
    assert services.review_reminders_schedule(now=later) == 1
    assert services.review_reminders_schedule(now=later) == 0
    assert Reminder.objects.get(kind="award_review_waiting").recipient == unit_admin.user


# --- Statistics -----------------------------------------------------------------------------------


def test_statistics_count_awards_by_year_tier_and_unit(in_notice, welfare, county):
    with _after_notice(in_notice):
        services.application_pay(application=in_notice, actor=welfare)
    stats = selectors.statistics()
    latest = stats.years[0]
    assert (latest.year, latest.awards, latest.by_tier["985"], latest.paid_amount) == (
        YEAR,
        1,
        1,
        D("10000.00"),
    )
    assert [(unit.name, n, paid) for unit, n, paid in stats.by_unit] == [("东城分局", 1, D("10000.00"))]


def test_the_review_queues_are_scoped(submitted, unit_approved, unit_admin, welfare, outsider):
    assert list(selectors.unit_review_queue(unit_admin.user)) == []  # it moved on to the welfare office
    assert list(selectors.welfare_review_queue(welfare)) == [unit_approved]
    assert not selectors.applications_visible_to(outsider.user).exists()
    assert not selectors.welfare_review_queue(outsider.user).exists()


def test_a_draft_is_seen_only_by_its_officer(draft, unit_admin, welfare, officer):
    assert not selectors.applications_visible_to(unit_admin.user).exists()
    assert not selectors.applications_visible_to(welfare).exists()
    assert selectors.applications_visible_to(officer.user).get() == draft
    assert timezone.localdate().year == YEAR


def test_a_refused_duplicate_leaves_no_letter_behind(
    draft, programme, officer, child, universities, tmp_path
):
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    with pytest.raises(ConflictError):
        apply(programme, officer, child, universities["211"])
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == before


def test_a_rejected_nomination_leaves_room_for_another_teacher(approved, teacher_programme, welfare, head):
    first = services.teacher_nominate(
        scholarship=approved, actor=welfare, teacher_name="李老师", school="市一中", class_name="高三（2）班"
    )
    services.teacher_decide(award=first, actor=head, approve=False, reason="非该生高三班主任")
    second = services.teacher_nominate(
        scholarship=approved, actor=welfare, teacher_name="王老师", school="市一中", class_name="高三（2）班"
    )
    assert second.status == TeacherStatus.NOMINATED
    with pytest.raises(ConflictError):
        services.teacher_nominate(
            scholarship=approved, actor=welfare, teacher_name="赵", school="s", class_name="c"
        )


def test_a_programmes_budget_and_its_payments_are_not_reversed_directly(in_notice, welfare, head):
    with pytest.raises(ledger.FundError, match="budget of"):
        ledger.entry_reverse(
            entry=in_notice.programme.commitment, reason="x", idempotency_key="r1", actor=head
        )
    with _after_notice(in_notice):
        paid = services.application_pay(application=in_notice, actor=welfare)
    with pytest.raises(ledger.FundError, match="an award of"):
        ledger.entry_reverse(entry=paid.payment, reason="x", idempotency_key="r2", actor=head)


@pytest.mark.parametrize(
    "data",
    [
        "code,name,province,is_985,is_211,is_double_first_class\n4199099997,测\x00试,北京,0,0,1\n".encode(),
        (
            "code,name,province,is_985,is_211,is_double_first_class\n4199099997,"
            + "长" * 200_000
            + ",北京,0,0,1\n"
        ).encode(),
    ],
    ids=["nul", "huge-field"],
)
def test_a_broken_csv_is_refused_with_a_message(db, data):
    with pytest.raises(services.AwardError):
        services.universities_import(data=data, list_date=dt.date(2026, 1, 1), actor=None)
    assert not University.objects.filter(code="4199099997").exists()


def test_after_closing_a_programme_gives_back_what_it_will_not_need(in_notice, welfare, awards_budget):
    programme = in_notice.programme
    with pytest.raises(services.AwardError, match="after applications close"):
        services.programme_release_unspent(programme=programme, actor=welfare)
    with time_machine.travel(programme.closes_on + dt.timedelta(days=1), tick=False):
        state = services.programme_release_unspent(programme=programme, actor=welfare)
        # The award in notice keeps its 10,000; the other 40,000 is available again.
        assert (state.left, state.needed, state.releasable) == (D("10000.00"), D("10000.00"), D("0.00"))
        with pytest.raises(services.AwardError, match="Nothing is left to release"):
            services.programme_release_unspent(programme=programme, actor=welfare)  # a double click
    awards_budget.refresh_from_db()
    assert (awards_budget.available, awards_budget.committed) == (D("190000.00"), D("10000.00"))
    release = FundEntry.objects.get(kind="release")
    assert (release.amount, release.settles) == (D("40000.00"), programme.commitment)
    with _after_notice(in_notice):
        assert services.application_pay(application=in_notice, actor=welfare).status == Status.PAID
    assert services.programme_paid(programme) == D("10000.00")  # a release is not a payment
    assert ledger.left_of(programme.commitment) == 0


def test_a_release_can_be_reversed_and_never_exceeds_what_is_left(funded_commitment):
    commitment, budget = funded_commitment
    ledger.commitment_release(
        commitment=commitment, amount="300", reason="结余", idempotency_key="r1", actor=None
    )
    with pytest.raises(ledger.FundError, match="cannot be released"):
        ledger.commitment_release(
            commitment=commitment, amount="701", reason="x", idempotency_key="r2", actor=None
        )
    release = FundEntry.objects.get(kind="release")
    ledger.entry_reverse(entry=release, reason="误操作", idempotency_key="undo", actor=None)
    budget.refresh_from_db()
    assert (budget.committed, ledger.left_of(commitment)) == (D("1000.00"), D("1000.00"))


@pytest.fixture
def funded_commitment(awards_budget):
    commitment = ledger.commitment_record(
        budget=awards_budget, amount="1000", idempotency_key="c", actor=None
    )
    return commitment, awards_budget
