"""Exercise: importing device exports, the phone's own record (service and API), the weekly summary."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from audit.models import AuditAction, AuditEntry
from health import selectors, services
from health.models import ExerciseRecord, ImportBatch
from health.selectors import Verdict
from tests.conftest import api_client_for
from tests.factories import OfficerFactory, RoleAssignmentFactory, UserFactory
from tests.health.factories import ExerciseRecordFactory
from tests.health.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.usefixtures("english")

HEADER = ["警号", "姓名", "日期", "步数(步)", "活动分钟（分钟）", "距离(km)", "来源", "心率"]
HEADER_EN = ["police_no", "date", "steps", "active_minutes", "distance_km", "source"]
TODAY = dt.date(2025, 3, 7)


@pytest.fixture(autouse=True)
def _today():
    """Today is Friday 2025-03-07 (Beijing time), for "in the future"."""
    with time_machine.travel(
        dt.datetime(2025, 3, 7, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False
    ):
        yield


DAY = ["500001", "张伟", "2025-03-05", "8,000", "45", "5.6", "手环", "72"]


def run(rows: list[list[object]], *, xlsx: bool = False, dry_run: bool = False) -> services.ImportSummary:
    data = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    name = "运动.xlsx" if xlsx else "运动.csv"
    return services.exercise_import(file=io.BytesIO(data), filename=name, dry_run=dry_run, actor=None)


def day_of(officer, source: str = "device", date: dt.date = dt.date(2025, 3, 5)) -> ExerciseRecord:
    return ExerciseRecord.objects.get(officer=officer, date=date, source=source)


# --- Importing ----------------------------------------------------------------------------------------


def test_it_imports_a_device_export_with_chinese_headers(zhang):
    summary = run([HEADER, DAY])
    assert (summary.rows, summary.imported, summary.rejected) == (1, 1, 0), summary.errors
    record = day_of(zhang)
    assert (record.steps, record.active_minutes, record.distance_km) == (8000, 45, Decimal("5.60"))
    assert summary.ignored_columns == ["心率"]


def test_it_imports_english_headers_from_a_workbook_and_reads_each_source(zhang):
    rows = [
        HEADER_EN,
        [500001, dt.date(2025, 3, 5), 7200, 40, 5.1, "device"],
        [500001, dt.date(2025, 3, 5), 7000, None, None, "APP"],
        [500001, "2025/3/5", None, 30, None, "手动"],
    ]
    summary = run(rows, xlsx=True)
    assert summary.errors == []
    assert day_of(zhang, "device").steps == 7200
    assert (day_of(zhang, "app").steps, day_of(zhang, "app").active_minutes) == (7000, None)
    assert (day_of(zhang, "manual").steps, day_of(zhang, "manual").active_minutes) == (None, 30)


def test_a_file_without_a_source_column_is_a_device_export(zhang):
    assert run([["警号", "日期", "步数"], ["500001", "20250305", "６５００"]]).errors == []
    assert day_of(zhang, "device").steps == 6500


def test_it_reads_full_width_digits_units_after_numbers_and_date_formats(zhang):
    rows = [
        HEADER,
        ["５００００１", "", "２０２５年３月５日", "８０００步", "４５分钟", "５.６公里", "", ""],
        ["500001", "", "2025.3.6", "9000 steps", "50 min", "6 km", "", ""],
    ]
    assert run(rows).errors == []
    assert (day_of(zhang).steps, day_of(zhang).active_minutes, day_of(zhang).distance_km) == (
        8000,
        45,
        Decimal("5.60"),
    )
    assert day_of(zhang, date=dt.date(2025, 3, 6)).steps == 9000


def test_it_rejects_impossible_and_unreadable_rows_with_reasons(zhang, li):
    rows = [
        HEADER,
        DAY,
        ["500002", "李娜", "2025-03-05", "100001", "1441", "", "", ""],
        ["500002", "李娜", "2025-03-05", "8000.5", "", "", "", ""],
        ["500002", "李娜", "2025-03-05", "8000", "", "", "跑步机", ""],
        ["500002", "李娜", "2025-03-05", "-5", "", "3 mi", "", ""],
        ["888888", "", "2025-03-05", "8000", "", "", "", ""],
        ["500002", "李娜", "1980-01-01", "8000", "", "", "", ""],
        ["500002", "李娜", "2025-13-01", "8000", "", "", "", ""],
    ]
    summary = run(rows)
    assert summary.errors == [
        {
            "row": 3,
            "reason": "步数(步): 100001 步 is impossible (possible: 0–100000). "
            "活动分钟（分钟）: 1441 min is impossible (possible: 0–1440).",
        },
        {"row": 4, "reason": "步数(步): 8000.5 is not a whole number."},
        {"row": 5, "reason": "来源: 跑步机 is not one of 设备, 应用, 手动 (device, app, manual)."},
        {
            "row": 6,
            "reason": "步数(步): -5 步 is impossible (possible: 0–100000). 距离(km): the unit mi is not km.",
        },
        {"row": 7, "reason": "Unknown police number 888888."},
        {"row": 8, "reason": "日期: 1980-01-01 is before the officer's birth date."},
        {"row": 9, "reason": "日期: 2025-13-01 is not a date."},
    ]
    assert (summary.rows, summary.imported, summary.rejected) == (8, 1, 7)
    assert summary.rows == summary.imported + summary.unchanged + summary.rejected
    assert not ExerciseRecord.objects.filter(officer=li).exists()


def test_importing_again_changes_nothing_and_a_new_figure_replaces_the_days(zhang):
    run([HEADER, DAY])
    again = run([HEADER, DAY])
    assert (again.imported, again.unchanged, again.rejected) == (0, 1, 0)
    newer = [*DAY]
    newer[3] = "9,500"
    summary = run([HEADER, newer])
    assert (summary.imported, summary.unchanged) == (1, 0)
    assert summary.changes == [
        {
            "row": 2,
            "police_no": "500001",
            "date": "2025-03-05",
            "source": "device",
            "field": "steps",
            "old": "8000",
            "new": "9500",
        }
    ]
    assert ExerciseRecord.objects.get().steps == 9500
    assert list(ImportBatch.objects.values_list("kind", flat=True)) == ["exercise"] * 3


def test_a_dry_run_writes_nothing(zhang):
    dry = run([HEADER, DAY], dry_run=True)
    assert (dry.rows, dry.imported, dry.batch_id) == (1, 1, None)
    assert not ExerciseRecord.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.HEALTH_IMPORTED).exists()


def test_the_command_prints_json_that_adds_up(tmp_path, zhang):
    path = tmp_path / "运动.csv"
    path.write_bytes(csv_bytes([HEADER, DAY, ["500001", "", "2025-03-06", "200000", "", "", "", ""]]))
    out = StringIO()
    call_command("import_exercise", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "rows": 2,
        "imported": 1,
        "unchanged": 0,
        "rejected": 1,
        "errors": [{"row": 3, "reason": "步数(步): 200000 步 is impossible (possible: 0–100000)."}],
    }
    out = StringIO()
    call_command("import_exercise", str(path), stdout=out)
    assert "2 rows, 0 imported, 1 unchanged, 1 rejected." in out.getvalue()


# --- The phone's own record (service) ------------------------------------------------------------------


def set_day(officer, **figures):
    values = {"date": TODAY, "steps": 7000, "active_minutes": 35, "distance_km": Decimal("4.8"), **figures}
    return services.exercise_record_set(officer=officer, actor=officer.user, **values)


def test_the_same_day_again_replaces_the_record_and_each_change_is_audited(officer):
    record, created = set_day(officer)
    assert created
    replaced, created = set_day(officer, steps=9100, active_minutes=None)
    assert (replaced.pk, created) == (record.pk, False)
    replaced.refresh_from_db()
    assert (replaced.steps, replaced.active_minutes, replaced.source) == (9100, None, "app")
    entries = AuditEntry.objects.filter(action=AuditAction.HEALTH_IMPORTED).order_by("pk")
    assert [entry.detail["created"] for entry in entries] == [True, False]
    assert entries[1].detail["steps"] == "9100"
    assert entries[1].object_id == str(record.pk)


def test_syncing_the_same_figures_again_writes_nothing(officer):
    record, _ = set_day(officer)
    updated_at = ExerciseRecord.objects.get().updated_at
    again, created = set_day(officer)
    assert (again.pk, created) == (record.pk, False)
    assert ExerciseRecord.objects.get().updated_at == updated_at
    assert AuditEntry.objects.filter(action=AuditAction.HEALTH_IMPORTED).count() == 1


def test_the_phone_and_a_device_keep_separate_records_for_a_day(officer):
    ExerciseRecordFactory(officer=officer, date=TODAY, steps=12000)
    set_day(officer, steps=7000)
    assert sorted(ExerciseRecord.objects.values_list("source", "steps")) == [("app", 7000), ("device", 12000)]


@pytest.mark.parametrize(
    ("figures", "field"),
    [
        ({"date": TODAY + dt.timedelta(days=1)}, "date"),
        ({"steps": 100_001}, "steps"),
        ({"steps": -1}, "steps"),
        ({"active_minutes": 1441}, "active_minutes"),
        ({"distance_km": Decimal("300.01")}, "distance_km"),
    ],
)
def test_it_refuses_a_future_day_and_impossible_figures(officer, figures, field):
    with pytest.raises(services.HealthError) as caught:
        set_day(officer, **figures)
    assert caught.value.field == field
    assert not ExerciseRecord.objects.exists()


def test_the_highest_possible_figures_are_accepted(officer):
    record, _ = set_day(officer, steps=100_000, active_minutes=1440, distance_km=Decimal(300))
    assert (record.steps, record.active_minutes) == (100_000, 1440)


# --- The phone's own record (API) ----------------------------------------------------------------------

EXERCISE = "/api/v1/health/exercise/"


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == response.status_code
    return body["error"]


def test_it_creates_my_record_then_replaces_it_for_the_same_date(officer):
    client = api_client_for(officer.user)
    response = client.post(EXERCISE, {"date": "2025-03-07", "steps": 6800, "distance_km": "4.75"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("date", "steps", "active_minutes", "distance_km", "source")} == {
        "date": "2025-03-07",
        "steps": 6800,
        "active_minutes": None,
        "distance_km": "4.75",
        "source": "app",
    }
    response = client.post(EXERCISE, {"date": "2025-03-07", "steps": 10200, "active_minutes": 60})
    assert response.status_code == 200
    assert response.json()["steps"] == 10200
    record = ExerciseRecord.objects.get(officer=officer)
    assert (record.steps, record.active_minutes, record.distance_km) == (10200, 60, None)


def test_a_future_date_is_refused_with_the_field(officer):
    response = api_client_for(officer.user).post(EXERCISE, {"date": "2025-03-08", "steps": 100})
    assert response.status_code == 400
    error = _error(response)
    assert list(error["fields"]) == ["date"]
    assert "2025-03-08" in error["fields"]["date"][0]  # in whichever language the request asked for
    assert not ExerciseRecord.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"date": "2025-03-07", "steps": 100_001}, "steps"),
        ({"date": "2025-03-07", "active_minutes": 2000}, "active_minutes"),
        ({"date": "2025-03-07", "steps": "many"}, "steps"),
        ({"date": "7/3/2025", "steps": 100}, "date"),
    ],
)
def test_impossible_or_malformed_figures_are_refused_with_the_field(officer, payload, field):
    response = api_client_for(officer.user).post(EXERCISE, payload)
    assert response.status_code == 400
    assert list(_error(response)["fields"]) == [field]
    assert not ExerciseRecord.objects.exists()


def test_an_outsider_cannot_write_another_officers_day(officer, outsider):
    ExerciseRecordFactory(officer=officer, date=TODAY, source="app", steps=5000)
    response = api_client_for(outsider.user).post(
        EXERCISE,
        {"date": "2025-03-07", "steps": 99999, "officer": officer.pk, "police_number": "100001"},
    )
    # The body names no officer that counts: the record is the caller's own.
    assert response.status_code == 201
    assert day_of(officer, "app", TODAY).steps == 5000
    assert day_of(outsider, "app", TODAY).steps == 99999


def test_an_account_without_an_officer_profile_gets_403(city):
    admin = UserFactory(username="sys")
    RoleAssignmentFactory(user=admin, role="sysadmin", org_unit=city)
    response = api_client_for(admin).post(EXERCISE, {"date": "2025-03-07", "steps": 100})
    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"
    assert not ExerciseRecord.objects.exists()


def test_it_refuses_without_a_token(api_client, officer):
    response = api_client.post(EXERCISE, {"date": "2025-03-07", "steps": 100}, format="json")
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"
    assert not ExerciseRecord.objects.exists()


# --- The weekly summary -------------------------------------------------------------------------------

MONDAY = dt.date(2025, 3, 3)


def days(officer, *steps: int | None, minutes: int | None = 0, source: str = "device"):
    for offset, count in enumerate(steps):
        ExerciseRecordFactory(
            officer=officer,
            date=MONDAY + dt.timedelta(days=offset),
            steps=count,
            active_minutes=minutes,
            source=source,
        )


def test_the_week_in_one_query(db, django_assert_num_queries):
    officer = OfficerFactory()
    days(officer, 8000, 4000, 6000, minutes=30)
    # The phone counted Monday's walk as well: the day counts once, with the larger figures.
    days(officer, 7000, minutes=45, source="app")
    ExerciseRecordFactory(
        officer=officer, date=MONDAY + dt.timedelta(days=7), steps=50000, active_minutes=300
    )
    ExerciseRecordFactory(date=MONDAY, steps=50000)  # another officer
    # Queries: the officer's days of the week, grouped by date.
    with django_assert_num_queries(1):
        week = selectors.exercise_week(officer, MONDAY)
    assert week.days_recorded == 3
    assert week.steps_per_day == 6000  # (8000 + 4000 + 6000) / 3
    assert week.steps_verdict == Verdict.MEETS
    assert week.days_meeting_steps == 2
    assert week.active_minutes == 45 + 30 + 30
    assert week.active_minutes_verdict == Verdict.BELOW


@pytest.mark.parametrize(
    ("steps", "verdict", "meeting"), [((5999,), Verdict.BELOW, 0), ((6000,), Verdict.MEETS, 1)]
)
def test_the_steps_verdict_at_6000(db, steps, verdict, meeting):
    officer = OfficerFactory()
    days(officer, *steps)
    week = selectors.exercise_week(officer, MONDAY)
    assert (week.steps_per_day, week.steps_verdict, week.days_meeting_steps) == (steps[0], verdict, meeting)


@pytest.mark.parametrize(("minutes", "verdict"), [(149, Verdict.BELOW), (150, Verdict.MEETS)])
def test_the_active_minutes_verdict_at_150_a_week(db, minutes, verdict):
    officer = OfficerFactory()
    ExerciseRecordFactory(officer=officer, date=MONDAY, active_minutes=minutes - 50)
    ExerciseRecordFactory(officer=officer, date=MONDAY + dt.timedelta(days=6), active_minutes=50)
    week = selectors.exercise_week(officer, MONDAY)
    assert (week.active_minutes, week.active_minutes_verdict) == (minutes, verdict)


def test_a_week_without_records_has_no_data(db):
    week = selectors.exercise_week(OfficerFactory(), MONDAY)
    assert (week.days_recorded, week.steps_per_day, week.steps_verdict) == (0, None, Verdict.NO_DATA)
    assert (week.active_minutes, week.active_minutes_verdict) == (0, Verdict.NO_DATA)
