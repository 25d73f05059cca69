"""The awards demo: both years' programmes, this year's applications in every state with believable
histories, head-teacher awards in every state, payments that settle the programmes' budgets, reviewers
with work waiting, the demo officer left to apply next year, and a second run that changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from django.db.models import Sum
from django.test import TestCase, override_settings
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEntry
from awards import demo, permissions, selectors, services
from awards.models import (
    Application,
    ApplicationEvent,
    Decision,
    Objection,
    ObjectionStatus,
    Programme,
    ProgrammeKind,
    Status,
    TeacherAward,
    TeacherStatus,
    University,
)
from care.models import EntryKind, FundEntry, SubBudget
from notifications.models import Reminder, ReminderState
from people.demo import seed_demo
from people.models import FamilyMember, Officer, Role, RoleAssignment, User, age_on
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

D = Decimal


def _year() -> int:
    return demo.admission_year(timezone.localdate())


def test_it_needs_the_demo_staff_and_a_funded_awards_budget(city):
    # Runs before the module's seeded demo exists (that fixture is set up by the first test using it).
    assert not Programme.objects.exists()
    demo.seed_awards()
    assert not Programme.objects.exists()  # no demo_welfare, no demo_care
    for username in ("demo_welfare", "demo_care"):
        OfficerFactory(org_unit=city, user__username=username)
    families = FamilyMember.objects.count()
    demo.seed_awards()
    assert not Programme.objects.exists()  # the awards sub-budget has no money
    assert FamilyMember.objects.count() == families
    assert not RoleAssignment.objects.filter(role=Role.UNIT_ADMIN).exists()


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("awards-demo-media")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, media):
    """One small demo for the module; rolled back at the end. Letters are written to ``media``."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        from django.apps import apps
        from django.db import transaction

        atomic = transaction.atomic()
        atomic.__enter__()
        if not University.objects.filter(is_985=True).exists():  # a transactional test emptied the table
            import importlib

            importlib.import_module("awards.migrations.0002_universities").load(apps, None)
        # Run what seeding leaves for after commit (messages, and cancelling the old ones), as a commit would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            seed_demo(scale="small")
            demo.seed_awards()  # a no-op once people.demo runs it among its feature seeders
        yield
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def _programme(kind: str, year: int) -> Programme:
    return Programme.objects.get(kind=kind, year=year)


def _state():
    return (
        list(Programme.objects.order_by("pk").values_list("pk", "closes_on", "updated_at")),
        list(Application.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        ApplicationEvent.objects.count(),
        list(TeacherAward.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        Objection.objects.count(),
        FundEntry.objects.count(),
        FamilyMember.objects.count(),
        RoleAssignment.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_second_run_changes_nothing(seeded):
    first = _state()
    demo.seed_awards()
    seed_demo(scale="small")
    assert _state() == first
    assert len(first[1]) >= sum(count for _state, count in demo.THIS_YEAR) + 15


def test_both_years_have_both_programmes_with_their_budgets_set_aside(seeded):
    year, today = _year(), timezone.localdate()
    assert Programme.objects.count() == 4
    expected = {
        (ProgrammeKind.SCHOLARSHIP, year - 1): ("金盾优学奖", D("600000"), D("10000"), D("6000"), D("3000")),
        (ProgrammeKind.TEACHER, year - 1): ("金盾园丁奖", D("60000"), D("2000"), D("1500"), D("1000")),
        (ProgrammeKind.SCHOLARSHIP, year): ("金盾优学奖", D("800000"), D("10000"), D("6000"), D("3000")),
        (ProgrammeKind.TEACHER, year): ("金盾园丁奖", D("80000"), D("2000"), D("1500"), D("1000")),
    }
    for (kind, y), (name, budget, *amounts) in expected.items():
        programme = _programme(kind, y)
        assert programme.title == f"{y}年{name}"
        assert (programme.budget, [programme.amount_985, programme.amount_211, programme.amount_dfc]) == (
            budget,
            amounts,
        )
        assert programme.notice_days == 5 and programme.opens_on == dt.date(y, 7, 1)
        assert programme.created_by.username == "demo_welfare"
        assert (programme.commitment.kind, programme.commitment.amount) == (EntryKind.COMMITMENT, budget)
        assert timezone.localtime(programme.created_at).month == 6  # set up in June
    last, current = (
        _programme(ProgrammeKind.SCHOLARSHIP, year - 1),
        _programme(ProgrammeKind.SCHOLARSHIP, year),
    )
    assert last.closes_on == dt.date(year - 1, 9, 30)
    # This year's deadline was extended for late admission letters, so the apply form works today.
    assert current.closes_on == today + dt.timedelta(days=14)
    assert "延长" in current.description and f"{current.closes_on.day}日" in current.description
    assert list(selectors.open_programmes()) == [current]


def test_this_years_scholarships_are_in_every_state(seeded):
    year, today = _year(), timezone.localdate()
    applications = Application.objects.filter(year=year, kind=ProgrammeKind.SCHOLARSHIP)
    assert Counter(applications.values_list("status", flat=True)) == dict(demo.THIS_YEAR)
    assert set(dict(demo.THIS_YEAR)) == set(Status.values)
    # In notice since two days ago (five days), with the one held by an objection: the public notice.
    noticed = applications.filter(status__in=[Status.IN_NOTICE, Status.ON_HOLD])
    assert set(noticed.values_list("notice_starts_on", "notice_ends_on")) == {
        (today - dt.timedelta(days=2), today + dt.timedelta(days=2))
    }
    assert set(selectors.public_notice()) == set(noticed)
    # The officer reads why it was returned or rejected, and why it was withdrawn.
    reasons = {
        Status.RETURNED: (Decision.RETURN, demo.RETURN_REASON),
        Status.REJECTED: (Decision.REJECT, demo.REJECT_REASON),
        Status.WITHDRAWN: (Decision.WITHDRAW, demo.WITHDRAW_REASON),
    }
    for status, decision_and_reason in reasons.items():
        last = applications.get(status=status).events.order_by("occurred_at", "pk").last()
        assert (last.decision, last.reason) == decision_and_reason
    draft = applications.get(status=Status.DRAFT)
    assert not draft.letter and draft.submitted_at is None and not draft.events.exists()
    assert not applications.exclude(status=Status.DRAFT).filter(letter="").exists()
    # Awaiting a reviewer since the step that handed it over; two have waited past the reminder threshold.
    waiting = applications.filter(status=Status.UNIT_APPROVED)
    for application in waiting:
        handed_over = application.events.get(decision=Decision.APPROVE)
        assert application.waiting_since == handed_over.occurred_at
    threshold = dt.timedelta(days=5)  # settings.AWARD_REVIEW_REMIND_DAYS by default
    assert sum(today - timezone.localtime(a.waiting_since).date() > threshold for a in waiting) >= 2


def test_an_officer_of_another_unit_objects_and_the_award_is_held(seeded):
    objection = Objection.objects.select_related("application__officer__org_unit").get()
    application = objection.application
    assert (objection.status, application.status, objection.text) == (
        ObjectionStatus.OPEN,
        Status.ON_HOLD,
        demo.OBJECTION,
    )
    objector = Officer.objects.select_related("org_unit").get(user=objection.lodged_by)
    county = "/".join(application.officer.org_unit.path.split("/")[:3]) + "/"
    assert not objector.org_unit.path.startswith(county)
    assert not Application.objects.filter(officer=objector).exists()
    assert application.notice_starts_on <= timezone.localtime(objection.lodged_at).date()
    assert application.events.order_by("occurred_at", "pk").last().decision == Decision.HOLD
    # The welfare office is told.
    told = Reminder.objects.filter(
        kind="award_objection", subject=f"awards.application:{application.pk}", state=ReminderState.SCHEDULED
    )
    assert set(told.values_list("recipient__username", flat=True)) == {"demo_welfare", "demo_care"}


def test_last_years_scholarships_were_paid_after_their_notice(seeded):
    year = _year() - 1
    programme = _programme(ProgrammeKind.SCHOLARSHIP, year)
    applications = list(programme.applications.prefetch_related("events"))
    assert 15 <= len(applications) <= demo.LAST_YEAR_APPLICATIONS  # fewer on the small roster
    assert {a.status for a in applications} == {Status.PAID}
    assert {a.tier for a in applications} == {"985", "211", "dfc"}
    for application in applications:
        events = list(application.events.all())
        assert [e.decision for e in events] == ["submit", "approve", "approve", "notice", "pay"]
        assert application.notice_ends_on - application.notice_starts_on == dt.timedelta(days=4)
        notice, paid = (timezone.localtime(e.occurred_at).date() for e in events[3:])
        assert notice == application.notice_starts_on and paid > application.notice_ends_on
        assert (
            programme.opens_on <= timezone.localtime(application.submitted_at).date() <= programme.closes_on
        )
        assert {timezone.localtime(e.occurred_at).year for e in events} == {year}


def test_payments_settle_each_programmes_budget(seeded):
    head = User.objects.get(username="demo_welfare")
    total_budget = total_paid = D("0")
    for programme in Programme.objects.select_related("commitment"):
        paid = list(programme.applications.filter(status=Status.PAID).select_related("payment", "officer"))
        teachers = list(programme.teacher_awards.filter(status=TeacherStatus.PAID).select_related("payment"))
        assert paid or teachers
        for award in [*paid, *teachers]:
            entry = award.payment
            assert (entry.kind, entry.amount, entry.settles_id, entry.approved_by_id) == (
                EntryKind.PAYMENT,
                award.amount,
                programme.commitment_id,
                head.pk,
            )
        for application in paid:
            assert application.payment.beneficiary_id == application.officer_id
        settled = sum((a.amount for a in [*paid, *teachers]), D("0"))
        assert services.programme_paid(programme) == settled
        total_budget += programme.budget
        total_paid += settled
    awards = SubBudget.objects.get(kind="awards")
    assert (awards.committed, awards.spent) == (total_budget - total_paid, total_paid)
    assert _sum(FundEntry.objects.filter(budget=awards, kind=EntryKind.PAYMENT)) == total_paid
    # The care demo allocated 6,000,000.00 to awards; nothing else touches it.
    assert awards.available + awards.committed + awards.spent == D("6000000.00")
    assert awards.available == D("6000000.00") - total_budget


def _sum(entries) -> Decimal:
    return entries.aggregate(s=Sum("amount"))["s"] or D("0")


def test_head_teacher_awards_are_in_every_state(seeded):
    year = _year()
    office, head = User.objects.get(username="demo_care"), User.objects.get(username="demo_welfare")
    last = TeacherAward.objects.filter(programme__year=year - 1).select_related("scholarship__university")
    assert last.count() == demo.LAST_YEAR_TEACHERS
    for award in last:
        assert (award.status, award.nominated_by, award.approved_by) == (TeacherStatus.PAID, office, head)
        assert award.amount == award.programme.best_amount(award.scholarship.university)
        assert award.certificate_number.startswith(f"JDYD-{year - 1}-")
    current = TeacherAward.objects.filter(programme__year=year).select_related("scholarship")
    assert Counter(current.values_list("status", flat=True)) == {
        TeacherStatus.PAID: 1,
        TeacherStatus.APPROVED: 2,
        TeacherStatus.NOMINATED: 2,
    }
    waiting = current.filter(status=TeacherStatus.NOMINATED)
    # One nominated by 赵敏 waits for 王静, the other the other way round.
    assert set(waiting.values_list("nominated_by__username", flat=True)) == {"demo_care", "demo_welfare"}
    assert (
        not waiting.exclude(approved_by=None).exists() and not waiting.exclude(certificate_number="").exists()
    )
    for award in current.exclude(status=TeacherStatus.NOMINATED):
        assert award.approved_by == head and award.certificate_number.startswith(f"JDYD-{year}-")
    assert {award.scholarship.status for award in current} == {Status.PAID}
    # A head teacher is one person at one school.
    schools = {}
    for name, school in TeacherAward.objects.values_list("teacher_name", "school"):
        assert schools.setdefault(name, school) == school
    assert set(schools.values()) <= set(demo.HIGH_SCHOOLS)


def test_the_reviewers_have_work_waiting_in_their_own_scope(seeded):
    liu = User.objects.get(username="demo_unit_admin")
    queue = list(selectors.unit_review_queue(liu))
    assert len(queue) >= demo.SUBMITTED_FROM_EAST
    assert {a.officer.org_unit.path.split("/")[2] for a in queue} == {demo.EAST}
    submitted = Application.objects.filter(status=Status.SUBMITTED).select_related("officer__org_unit")
    elsewhere = [a for a in submitted if not a.officer.org_unit.path.startswith("/C/X01/")]
    assert not set(queue) & set(elsewhere)  # another county's applications are not hers
    for application in elsewhere:
        reviewers = permissions.reviewers_for(application)
        assert reviewers and liu not in reviewers
    assert selectors.welfare_review_queue(User.objects.get(username="demo_care")).count() == 4
    # An officer with no role sees only their own applications.
    officer = Application.objects.filter(status=Status.PAID).select_related("officer__user").first().officer
    assert not selectors.unit_review_queue(officer.user).exists()
    assert set(selectors.applications_visible_to(officer.user)) == set(
        Application.objects.filter(officer=officer)
    )


def test_the_demo_officer_is_left_to_apply_next_year(seeded):
    officer = Officer.objects.get(user__username="demo_officer")
    assert not Application.objects.filter(officer=officer).exists()
    children = officer.family_members.filter(relation="child")
    assert set(children.values_list("name", flat=True)) == {"陈思源", "陈可欣"}  # nobody added


def test_the_children_are_18_at_admission_and_study_where_they_were_admitted(seeded):
    applicants = Application.objects.select_related("child", "university", "officer")
    for application in applicants:
        child = application.child
        assert age_on(child.birth_date, dt.date(application.year, 9, 1)) == 18
        assert child.school == application.university.name
        assert child.grade == ("大一" if application.year == _year() else "大二")
        assert child.officer_id == application.officer_id
        born = application.officer.birth_date
        assert 22 <= age_on(born, child.birth_date) <= 42
        # No child is born within 13 months of a brother or sister.
        siblings = application.officer.family_members.filter(relation="child").exclude(pk=child.pk)
        assert all(
            abs((child.birth_date - s).days) >= 400 for s in siblings.values_list("birth_date", flat=True)
        )
    assert len({a.child_identity for a in applicants}) == applicants.count()


def test_histories_are_believable(seeded):
    now = timezone.now()
    reviewers = {"demo_care", "demo_welfare"} | set(
        RoleAssignment.objects.filter(role=Role.UNIT_ADMIN).values_list("user__username", flat=True)
    )
    for application in Application.objects.prefetch_related("events__actor"):
        events = list(application.events.all())
        times = [e.occurred_at for e in events]
        assert times == sorted(times) and all(t <= now for t in times), application.pk
        assert all(application.created_at <= t for t in times)
        assert application.updated_at == (times[-1] if times else application.created_at)
        if events:
            assert events[0].decision == Decision.SUBMIT and application.submitted_at == times[0]
            assert events[-1].to_status == application.status
            for before, after in pairwise(events):
                assert after.from_status == before.to_status
        for event in events:
            day = timezone.localtime(event.occurred_at).date()
            office_work = event.decision in (Decision.APPROVE, Decision.RETURN, Decision.REJECT, Decision.PAY)
            if office_work:
                assert event.actor.username in reviewers
                assert day.weekday() < 5 and not (day.month == 10 and day.day <= 7), (application.pk, event)
    for award in TeacherAward.objects.all():
        assert award.created_at <= (award.decided_at or award.created_at) <= award.updated_at <= now


def test_letters_are_pdf_admission_letters_naming_the_child(seeded, media):
    applications = Application.objects.exclude(letter="").select_related("child", "university")
    assert applications.count() == Application.objects.count() - 1  # all but the draft
    for application in applications[:5]:
        data = (media / application.letter.name).read_bytes()
        assert data.startswith(b"%PDF-") and application.letter_type == "application/pdf"
        text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
        assert application.child.name in text and application.university.name in text
        assert "录 取 通 知 书" in text and application.major in text


def test_old_decisions_send_no_messages_and_recent_ones_do(seeded):
    year = _year()
    decisions = Reminder.objects.filter(kind="award_decision")
    old = [
        f"awards.application:{pk}"
        for pk in Application.objects.filter(year=year - 1).values_list("pk", flat=True)
    ]
    assert decisions.filter(subject__in=old).exists()
    assert set(decisions.filter(subject__in=old).values_list("state", flat=True)) == {ReminderState.CANCELLED}
    recent = Application.objects.filter(year=year, status__in=[Status.APPROVED, Status.IN_NOTICE])
    for application in recent:
        told = decisions.filter(subject=f"awards.application:{application.pk}", state=ReminderState.SCHEDULED)
        assert told.filter(recipient=application.officer.user).exists(), application.pk
