"""Follow-ups opened by imports, advisers and their access, the follow-up pages and reminders."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import Client

from audit.models import AuditEntry
from health import followups, services
from health.models import FollowUp, FollowUpStatus, HealthProfile
from notifications.models import Reminder, ReminderState
from tests.factories import OfficerFactory, RoleAssignmentFactory
from tests.health.files import csv_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

HEADER = ["警号", "姓名", "体检日期", "身高", "体重", "血压", "空腹血糖"]
TODAY = dt.date(2025, 5, 10)


def _import(*rows: list[object], actor=None):
    data = csv_bytes([HEADER, *rows])
    return services.checkups_import(file=io.BytesIO(data), filename="体检.csv", actor=actor)


def _row(officer, date="2025-04-15", bp="118/76", fpg="5.0", height="172", weight="68"):
    return [officer.police_number, officer.name, date, height, weight, bp, fpg]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2025, 5, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def health_staff(county):
    staff = OfficerFactory(org_unit=county, police_number="100088", user__username="doctor")
    RoleAssignmentFactory(user=staff.user, role="health_staff", org_unit=county)
    return staff.user


@pytest.fixture
def adviser(city):
    person = OfficerFactory(org_unit=city, police_number="100077", name="吴医生", user__username="adviser")
    RoleAssignmentFactory(user=person.user, role="health_adviser", org_unit=city)
    return person.user


@pytest.fixture
def patients(station):
    """A red (grade-2 BP), an orange (grade-1 BP), a yellow (IFG) and a green officer."""
    return {
        level: OfficerFactory(
            org_unit=station, police_number=number, sex="male", birth_date=dt.date(1980, 1, 1)
        )
        for level, number in (
            ("red", "300001"),
            ("orange", "300002"),
            ("yellow", "300003"),
            ("green", "300004"),
        )
    }


def _import_patients(patients, actor=None):
    return _import(
        _row(patients["red"], bp="168/104"),
        _row(patients["orange"], bp="146/88"),
        _row(patients["yellow"], fpg="6.4"),
        _row(patients["green"]),
        actor=actor,
    )


# --- Opened by the import ---------------------------------------------------------------------------------


def test_an_import_opens_one_follow_up_per_checkup_above_green_due_by_its_level(patients):
    _import_patients(patients)
    opened = {f.officer.police_number: f for f in FollowUp.objects.select_related("officer")}
    assert set(opened) == {"300001", "300002", "300003"}
    assert opened["300001"].risk_level == "red"
    assert opened["300001"].indicators == ["dbp", "sbp"]
    assert opened["300001"].due_date == TODAY + dt.timedelta(days=7)
    assert opened["300002"].due_date == TODAY + dt.timedelta(days=14)
    assert opened["300003"].due_date == TODAY + dt.timedelta(days=30)
    assert opened["300003"].indicators == ["fpg"]
    assert all(f.status == FollowUpStatus.OPEN and f.assignee is None for f in opened.values())
    levels = dict(HealthProfile.objects.values_list("officer__police_number", "risk_level"))
    assert levels == {"300001": "red", "300002": "orange", "300003": "yellow", "300004": "green"}


def test_importing_the_same_file_again_opens_nothing_new(patients):
    _import_patients(patients)
    _import_patients(patients)
    assert FollowUp.objects.count() == 3


def test_a_dry_run_opens_nothing(patients):
    data = csv_bytes([HEADER, _row(patients["red"], bp="168/104")])
    services.checkups_import(file=io.BytesIO(data), filename="体检.csv", dry_run=True)
    assert not FollowUp.objects.exists()
    assert not HealthProfile.objects.exists()


def test_only_the_latest_checkup_counts(patients):
    red = patients["red"]
    _import(_row(red, date="2024-04-15", bp="168/104"), _row(red, date="2025-04-15"))
    assert not FollowUp.objects.exists()
    profile = HealthProfile.objects.get(officer=red)
    assert (profile.checkup_date, profile.risk_level) == (dt.date(2025, 4, 15), "green")
    # An older file arriving later does not change the picture.
    _import(_row(red, date="2023-04-15", bp="168/104"))
    assert HealthProfile.objects.get(officer=red).risk_level == "green"
    assert not FollowUp.objects.exists()


def test_a_newer_checkup_closes_the_untouched_follow_up_of_the_older_one(patients, health_staff):
    red, orange = patients["red"], patients["orange"]
    _import(_row(red, date="2024-04-15", bp="168/104"), _row(orange, date="2024-04-15", bp="168/104"))
    started = FollowUp.objects.get(officer=orange)
    followups.follow_up_update(
        started,
        actor=health_staff,
        assignee=health_staff,
        due_date=started.due_date,
        status=FollowUpStatus.IN_PROGRESS,
        notes="约了复查",
        outcome="",
    )
    _import(_row(red, date="2025-04-15"), _row(orange, date="2025-04-15", bp="146/88"))
    old = FollowUp.objects.get(officer=red)
    assert (old.status, old.outcome) == ("done", "superseded")
    # Somebody is working on the orange one: it stays, beside the new checkup's own follow-up.
    assert sorted(FollowUp.objects.filter(officer=orange).values_list("status", flat=True)) == [
        "in_progress",
        "open",
    ]


def test_a_rejected_row_touches_no_profile(patients):
    red = patients["red"]
    summary = _import([red.police_number, "别人", "2025-04-15", "172", "68", "168/104", "5.0"])
    assert summary.rejected == 1
    assert not HealthProfile.objects.exists()
    assert not FollowUp.objects.exists()


def test_the_advisers_officers_follow_ups_go_to_the_adviser_with_a_reminder(patients, health_staff, adviser):
    followups.adviser_assign(actor=health_staff, officers=[patients["red"]], adviser=adviser)
    _import_patients(patients)
    red = FollowUp.objects.get(officer=patients["red"])
    assert red.assignee == adviser
    reminder = Reminder.objects.get(recipient=adviser, kind="health_follow_up_due")
    assert reminder.due_at.date() == red.due_date
    assert FollowUp.objects.get(officer=patients["orange"]).assignee is None


# --- Updating a follow-up ----------------------------------------------------------------------------------


def test_done_needs_an_outcome(patients, health_staff):
    _import_patients(patients)
    follow_up = FollowUp.objects.get(officer=patients["red"])
    with pytest.raises(followups.FollowUpError):
        followups.follow_up_update(
            follow_up,
            actor=health_staff,
            assignee=health_staff,
            due_date=follow_up.due_date,
            status=FollowUpStatus.DONE,
            notes="",
            outcome="",
        )
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_only_staff_of_the_unit_or_the_adviser_can_take_a_follow_up(patients, health_staff, other_county):
    _import_patients(patients)
    elsewhere = OfficerFactory(org_unit=other_county, user__username="far")
    RoleAssignmentFactory(user=elsewhere.user, role="health_staff", org_unit=other_county)
    follow_up = FollowUp.objects.get(officer=patients["red"])
    with pytest.raises(followups.FollowUpError):
        followups.follow_up_update(
            follow_up,
            actor=health_staff,
            assignee=elsewhere.user,
            due_date=follow_up.due_date,
            status=FollowUpStatus.OPEN,
            notes="",
            outcome="",
        )


def test_the_due_reminder_follows_the_assignee_and_ends_when_done(patients, health_staff, adviser):
    _import_patients(patients)
    followups.adviser_assign(actor=health_staff, officers=[patients["red"]], adviser=adviser)
    follow_up = FollowUp.objects.get(officer=patients["red"])
    assert follow_up.assignee == adviser  # an open follow-up nobody held went to the new adviser
    followups.follow_up_update(
        follow_up,
        actor=health_staff,
        assignee=health_staff,
        due_date=follow_up.due_date,
        status=FollowUpStatus.IN_PROGRESS,
        notes="约了下周复测",
        outcome="",
    )
    states = dict(
        Reminder.objects.filter(kind="health_follow_up_due").values_list("recipient__username", "state")
    )
    assert states == {"adviser": ReminderState.CANCELLED, "doctor": ReminderState.SCHEDULED}
    followups.follow_up_update(
        follow_up,
        actor=health_staff,
        assignee=health_staff,
        due_date=follow_up.due_date,
        status=FollowUpStatus.DONE,
        notes="复测正常",
        outcome="recheck_normal",
    )
    assert not Reminder.objects.filter(kind="health_follow_up_due", state=ReminderState.SCHEDULED).exists()
    follow_up.refresh_from_db()
    assert follow_up.done_at is not None


# --- Advisers ---------------------------------------------------------------------------------------


def test_an_adviser_reads_only_the_archives_of_their_officers_and_each_read_is_audited(
    patients, health_staff, adviser
):
    client = _client(adviser)
    assert client.get(f"/health/officers/{patients['red'].police_number}/").status_code == 404
    followups.adviser_assign(actor=health_staff, officers=[patients["red"]], adviser=adviser)
    assert AuditEntry.objects.filter(action="health_adviser_changed", actor=health_staff).count() == 1
    assert client.get(f"/health/officers/{patients['red'].police_number}/").status_code == 200
    assert AuditEntry.objects.filter(action="sensitive_read", actor=adviser).count() == 1
    assert client.get(f"/health/officers/{patients['green'].police_number}/").status_code == 404
    followups.adviser_assign(actor=health_staff, officers=[patients["red"]], adviser=None)
    assert client.get(f"/health/officers/{patients['red'].police_number}/").status_code == 404


def test_only_advisers_can_be_assigned_and_only_by_staff_covering_the_officer(
    patients, health_staff, adviser, officer, outsider
):
    with pytest.raises(followups.FollowUpError):
        followups.adviser_assign(actor=health_staff, officers=[patients["red"]], adviser=officer.user)
    with pytest.raises(followups.FollowUpError):
        followups.adviser_assign(actor=health_staff, officers=[outsider], adviser=adviser)
    assert not HealthProfile.objects.filter(adviser__isnull=False).exists()


def test_the_cohort_page_assigns_an_adviser_to_the_ticked_officers(patients, health_staff, adviser, outsider):
    client = _client(health_staff)
    response = client.post(
        "/health/advisers/",
        {"officer": ["300001", "300002"], "adviser": adviser.pk, "next": "/health/officers/"},
    )
    assert response.status_code == 302
    assert set(
        HealthProfile.objects.filter(adviser=adviser).values_list("officer__police_number", flat=True)
    ) == {
        "300001",
        "300002",
    }
    # An officer outside the staff member's scope: 404, nothing changed.
    response = client.post(
        "/health/advisers/", {"officer": ["300003", outsider.police_number], "adviser": adviser.pk}
    )
    assert response.status_code == 404
    assert HealthProfile.objects.filter(adviser=adviser).count() == 2


# --- Pages -----------------------------------------------------------------------------------------


def test_the_cohort_filters_by_risk_indicator_and_unit_and_audits_whom_it_showed(patients, health_staff):
    _import_patients(patients)
    client = _client(health_staff)
    shown = lambda response: [o.police_number for o in response.context["page"]]  # noqa: E731
    assert shown(client.get("/health/officers/?risk=red&risk=orange")) == ["300001", "300002"]
    assert shown(client.get("/health/officers/?abnormal=fpg")) == ["300003"]
    entry = AuditEntry.objects.filter(action="sensitive_read", detail__what="health_cohort").latest("id")
    assert entry.detail["police_numbers"] == ["300003"]
    assert entry.detail["filters"] == {"abnormal": ["fpg"]}
    # Most severe first.
    assert shown(client.get("/health/officers/?q=3000"))[:4] == ["300001", "300002", "300003", "300004"]


def test_the_cohort_costs_the_same_queries_for_few_or_many_officers(
    patients, health_staff, station, django_assert_num_queries
):
    _import_patients(patients)
    client = _client(health_staff)
    client.get("/health/officers/")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get("/health/officers/").status_code == 200
        return len(captured)

    few = count()
    more = [OfficerFactory(org_unit=station, sex="female", birth_date=dt.date(1990, 1, 1)) for _ in range(12)]
    _import(*[_row(o, bp="150/95") for o in more])
    assert count() == few


def test_people_without_a_health_role_get_no_cohort_and_no_follow_ups(officer, unit_admin):
    for user in (officer.user, unit_admin.user):
        client = _client(user)
        assert client.get("/health/officers/").status_code == 403
        assert client.get("/health/follow-ups/").status_code == 403


def test_the_follow_up_queue_of_an_adviser_holds_only_their_officers(patients, health_staff, adviser):
    _import_patients(patients)
    followups.adviser_assign(actor=health_staff, officers=[patients["orange"]], adviser=adviser)
    response = _client(adviser).get("/health/follow-ups/")
    assert [f.officer.police_number for f in response.context["page"]] == ["300002"]
    other = FollowUp.objects.get(officer=patients["red"])
    assert _client(adviser).get(f"/health/follow-ups/{other.pk}/").status_code == 404


def test_recording_a_follow_up_on_its_page(patients, health_staff):
    _import_patients(patients)
    follow_up = FollowUp.objects.get(officer=patients["red"])
    client = _client(health_staff)
    page = client.get(f"/health/follow-ups/{follow_up.pk}/")
    assert page.status_code == 200
    assert AuditEntry.objects.filter(action="sensitive_read", detail__channel="follow_up").count() == 1
    response = client.post(
        f"/health/follow-ups/{follow_up.pk}/",
        {
            "assignee": health_staff.pk,
            "due_date": "2025-05-20",
            "status": "done",
            "outcome": "",
            "notes": "x",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert "outcome" in response.context["form"].errors
    response = client.post(
        f"/health/follow-ups/{follow_up.pk}/",
        {
            "assignee": health_staff.pk,
            "due_date": "2025-05-20",
            "status": "done",
            "outcome": "referred",
            "notes": "已转诊心内科",
        },
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.outcome, follow_up.assignee) == ("done", "referred", health_staff)


def test_the_officer_sees_their_follow_ups_and_summaries_on_the_archive_and_api(patients):
    from tests.conftest import api_client_for

    _import_patients(patients)
    red = patients["red"]
    response = _client(red.user).get("/health/")
    assert [f.risk_level for f in response.context["archive"].follow_ups] == ["red"]
    assert len(response.context["archive"].diet_weeks) == 4
    body = api_client_for(red.user).get("/api/v1/health/archive/").json()
    assert body["follow_ups"][0]["status"] == "open"
    assert body["follow_ups"][0]["indicators"] == ["dbp", "sbp"]
    assert [week["week_start"] for week in body["exercise_weeks"]] == [
        "2025-04-28",
        "2025-04-21",
        "2025-04-14",
        "2025-04-07",
    ]
    assert body["diet_weeks"][0]["salt_g"]["verdict"] == "no_data"


# --- No checkup in 12 months -------------------------------------------------------------------------------


def test_officers_without_a_checkup_in_12_months_are_reminded_once(patients, station):
    lapsed = patients["red"]
    _import(_row(lapsed, date="2024-03-01"), _row(patients["green"], date="2025-01-10"))
    inactive = OfficerFactory(org_unit=station, active=False)
    assert followups.checkup_overdue_remind() >= 1
    recipients = set(
        Reminder.objects.filter(kind="health_checkup_overdue").values_list("recipient__username", flat=True)
    )
    assert lapsed.user.username in recipients
    assert patients["green"].user.username not in recipients
    assert inactive.user.username not in recipients
    assert patients["yellow"].user.username in recipients  # never checked
    before = Reminder.objects.count()
    assert followups.checkup_overdue_remind() == 0
    assert Reminder.objects.count() == before


def test_beat_runs_the_overdue_checkup_reminders_daily_through_a_registered_task(patients, settings):
    from welfare.celery import app

    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "health.remind_overdue_checkups"
    )
    assert entry["schedule"].hour == {6}
    app.loader.import_default_modules()  # what a worker does at start: the autodiscovered task modules
    assert "health.remind_overdue_checkups" in app.tasks
    assert app.tasks["health.remind_overdue_checkups"]() == 4  # none of the four has a checkup
