"""Canteen meals: importing the canteen export (meals_import, import_meals) and the weekly summary."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditAction, AuditEntry
from health import selectors, services
from health.importing import ImportFileError
from health.models import ImportBatch, MealRecord
from health.selectors import Verdict
from tests.factories import OfficerFactory
from tests.health.factories import MealRecordFactory
from tests.health.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.usefixtures("english")

HEADER = [
    "警号",
    "姓名",
    "日期",
    "餐次",
    "食堂",
    "能量(kcal)",
    "盐(g)",
    "油（克）",
    "糖",
    "蔬菜",
    "水果",
    "备注",
]
HEADER_EN = [
    "police_no",
    "name",
    "date",
    "meal",
    "canteen",
    "energy_kcal",
    "salt_g",
    "oil_g",
    "sugar_g",
    "vegetables_g",
    "fruit_g",
]
LUNCH = ["500001", "张伟", "2025-03-05", "午餐", "机关食堂", "820", "2.4", "12.5", "8", "180", "100", "少盐"]
DINNER = ["500001", "张伟", "2025-03-05", "晚餐", "机关食堂", "650", "1.8", "10", "5", "150", "", ""]


def run(rows: list[list[object]], *, xlsx: bool = False, dry_run: bool = False) -> services.ImportSummary:
    data = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    name = "食堂.xlsx" if xlsx else "食堂.csv"
    return services.meals_import(file=io.BytesIO(data), filename=name, dry_run=dry_run, actor=None)


def record(officer, meal: str = "lunch", canteen: str = "机关食堂") -> MealRecord:
    return MealRecord.objects.get(officer=officer, date=dt.date(2025, 3, 5), meal=meal, canteen=canteen)


# --- Importing ----------------------------------------------------------------------------------------


def test_it_imports_meals_with_chinese_headers_and_units_in_brackets(zhang):
    summary = run([HEADER, LUNCH, DINNER])
    assert (summary.rows, summary.imported, summary.unchanged, summary.rejected) == (2, 2, 0, 0)
    lunch = record(zhang)
    assert (lunch.energy_kcal, lunch.salt_g, lunch.oil_g, lunch.sugar_g) == (
        Decimal("820.0"),
        Decimal("2.4"),
        Decimal("12.5"),
        Decimal("8.0"),
    )
    assert (lunch.vegetables_g, lunch.fruit_g) == (Decimal(180), Decimal(100))
    # An empty cell is "not recorded", not zero.
    assert record(zhang, "dinner").fruit_g is None
    assert summary.ignored_columns == ["备注"]


def test_it_imports_english_headers_from_a_workbook_with_typed_cells(zhang):
    rows = [
        HEADER_EN,
        [500001, "张伟", dt.date(2025, 3, 5), "Breakfast", "", 450, 1.2, 6, 3.5, 50, 150],
        [500001, "张伟", dt.datetime(2025, 3, 5, 18, 30), "SNACK", "", 120, None, None, 15, None, 200],
    ]
    summary = run(rows, xlsx=True)
    assert (summary.imported, summary.rejected) == (2, 0), summary.errors
    breakfast = record(zhang, "breakfast", "")
    assert (breakfast.salt_g, breakfast.sugar_g, breakfast.fruit_g) == (
        Decimal("1.2"),
        Decimal("3.5"),
        Decimal(150),
    )
    assert record(zhang, "snack", "").sugar_g == Decimal(15)


def test_it_reads_full_width_digits_units_after_numbers_and_meal_words(zhang):
    row = [
        "５００００１",
        " 张 伟 ",
        "２０２５年３月５日",
        " 午饭 ",
        "机关食堂",
        "８２０千卡",
        "２.４ g",
        "12.5克",
        "",
        "",
        "",
        "",
    ]
    summary = run([HEADER, row])
    assert summary.errors == []
    lunch = record(zhang)
    assert (lunch.energy_kcal, lunch.salt_g, lunch.oil_g) == (Decimal(820), Decimal("2.4"), Decimal("12.5"))


@pytest.mark.parametrize(
    "written",
    ["2025-03-05", "2025/3/5", "2025.3.5", "2025年3月5日", "20250305", "2025-03-05 12:10"],
)
def test_it_reads_every_date_format_in_text(zhang, written):
    row = [*LUNCH]
    row[2] = written
    assert run([HEADER, row]).errors == []
    assert record(zhang).salt_g == Decimal("2.4")


def test_it_reads_an_excel_date_serial_number(zhang):
    serial = (dt.date(2025, 3, 5) - dt.date(1899, 12, 30)).days
    summary = run([HEADER_EN, [500001, "张伟", serial, "lunch", "机关食堂", 820, 2.4]], xlsx=True)
    assert summary.errors == []
    assert record(zhang).salt_g == Decimal("2.4")


def test_it_rejects_rows_with_a_reason_and_keeps_the_others(zhang, li):
    rows = [
        HEADER,
        LUNCH,  # row 2: fine
        ["999999", "", "2025-03-05", "午餐", "", "800", "2", "", "", "", "", ""],
        ["500002", "王芳", "2025-03-05", "午餐", "", "800", "2", "", "", "", "", ""],
        ["500002", "李娜", "2025-03-05", "下午茶", "", "800", "2", "", "", "", "", ""],
        ["500002", "李娜", "2025-03-05", "午餐", "", "800", "80", "", "", "", "", ""],
        ["500002", "李娜", "2025-03-05", "午餐", "", "很多", "2 mg", "", "", "", "", ""],
        ["500002", "李娜", "", "午餐", "", "800", "2", "", "", "", "", ""],
        ["500002", "李娜", "2099-01-01", "午餐", "", "800", "2", "", "", "", "", ""],
        ["500002", "李娜", "2025-03-05", "晚餐", "", "", "未检", "", "", "", "", ""],
        ["500002", "李娜", "2025-03-05", "", "", "800", "", "", "", "", "", ""],
    ]
    summary = run(rows)
    assert summary.errors == [
        {"row": 3, "reason": "Unknown police number 999999."},
        {"row": 4, "reason": "The name 王芳 does not match the officer with police number 500002."},
        {"row": 5, "reason": "餐次: 下午茶 is not one of 早餐, 午餐, 晚餐, 加餐."},
        {"row": 6, "reason": "盐(g): 80 g is impossible (possible: 0–50)."},
        {
            "row": 7,
            "reason": "能量(kcal): 很多 is not a number. 盐(g): the unit mg is not g.",
        },
        {"row": 8, "reason": "No date."},
        {"row": 9, "reason": "日期: 2099-01-01 is in the future."},
        {"row": 10, "reason": "Nothing was recorded in this row."},
        {"row": 11, "reason": "No meal (餐次)."},
    ]
    assert (summary.rows, summary.imported, summary.unchanged, summary.rejected) == (10, 1, 0, 9)
    # Nothing of a rejected row is stored.
    assert not MealRecord.objects.filter(officer=li).exists()
    assert MealRecord.objects.filter(officer=zhang).count() == 1


def test_the_same_meal_at_two_canteens_is_two_records(zhang):
    other = [*LUNCH]
    other[4] = "派出所食堂"
    assert run([HEADER, LUNCH, other]).imported == 2
    assert MealRecord.objects.filter(officer=zhang, meal="lunch").count() == 2


def test_importing_the_same_file_again_changes_nothing_and_a_correction_replaces(zhang):
    first = run([HEADER, LUNCH, DINNER])
    before = {r.pk: r.updated_at for r in MealRecord.objects.all()}
    again = run([HEADER, LUNCH, DINNER])
    assert (again.rows, again.imported, again.unchanged, again.rejected) == (2, 0, 2, 0)
    assert {r.pk: r.updated_at for r in MealRecord.objects.all()} == before
    assert again.changes == []

    corrected = [*LUNCH]
    corrected[6] = "3.1"  # salt
    corrected[7] = ""  # oil left empty: the recorded value stays
    summary = run([HEADER, corrected, DINNER])
    assert (summary.imported, summary.unchanged) == (1, 1)
    assert summary.changes == [
        {
            "row": 2,
            "police_no": "500001",
            "date": "2025-03-05",
            "meal": "lunch",
            "canteen": "机关食堂",
            "field": "salt_g",
            "old": "2.4",
            "new": "3.1",
        }
    ]
    lunch = record(zhang)
    assert (lunch.salt_g, lunch.oil_g) == (Decimal("3.1"), Decimal("12.5"))
    assert MealRecord.objects.count() == 2
    assert first.batch_id != summary.batch_id


def test_a_dry_run_reports_the_same_and_writes_nothing(zhang):
    rows = [HEADER, LUNCH, DINNER, ["999999", "", "2025-03-05", "午餐", "", "1", "", "", "", "", "", ""]]
    dry = run(rows, dry_run=True)
    assert (dry.rows, dry.imported, dry.unchanged, dry.rejected, dry.batch_id) == (3, 2, 0, 1, None)
    assert not MealRecord.objects.exists()
    assert not ImportBatch.objects.exists()
    real = run(rows)
    assert real.as_dict() == dry.as_dict()


def test_the_batch_keeps_the_file_and_summary_and_the_import_is_audited(zhang):
    summary = run([HEADER, LUNCH])
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.status, batch.original_filename) == ("meals", "done", "食堂.csv")
    assert (batch.rows, batch.imported, batch.rejected) == (1, 1, 0)
    assert batch.file.read().decode("utf-8").startswith("警号,姓名,日期")
    assert record(zhang).import_batch == batch
    entry = AuditEntry.objects.get(action=AuditAction.HEALTH_IMPORTED)
    assert entry.object_id == str(summary.batch_id)
    assert entry.detail == {"rows": 1, "imported": 1, "unchanged": 0, "rejected": 0}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["警号", "日期", "餐次", "盐(mg)"], "Column 盐(mg) is in mg; this system records g."),
        (["警号", "日期", "盐"], "The file has no 餐次 (meal) column."),
        (["警号", "餐次", "盐"], "The file has no 日期 (date) column."),
    ],
)
def test_it_refuses_a_file_it_cannot_read_and_writes_nothing(zhang, header, message):
    with pytest.raises(ImportFileError) as caught:
        run([header, ["500001", "2025-03-05", "午餐", "2"]])
    assert caught.value.message == message
    assert not ImportBatch.objects.exists()


def test_the_command_prints_json_that_adds_up(tmp_path, zhang):
    path = tmp_path / "食堂.csv"
    path.write_bytes(
        csv_bytes(
            [HEADER, LUNCH, DINNER, ["500001", "", "2025-03-05", "夜餐", "", "1", "", "", "", "", "", ""]]
        )
    )
    out = StringIO()
    call_command("import_meals", str(path), "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == {
        "rows": 3,
        "imported": 2,
        "unchanged": 0,
        "rejected": 1,
        "errors": [{"row": 4, "reason": "餐次: 夜餐 is not one of 早餐, 午餐, 晚餐, 加餐."}],
    }
    out = StringIO()
    call_command("import_meals", str(path), "--json", "--dry-run", stdout=out)
    again = json.loads(out.getvalue())
    assert (again["imported"], again["unchanged"], again["rejected"]) == (0, 2, 1)
    assert again["rows"] == again["imported"] + again["unchanged"] + again["rejected"]


def test_the_command_stops_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_meals", str(tmp_path / "none.csv"))


# --- The weekly summary -------------------------------------------------------------------------------

MONDAY = dt.date(2025, 3, 3)


def test_the_week_averages_over_the_days_with_meals_in_one_query(db, django_assert_num_queries):
    officer = OfficerFactory()
    # Monday: lunch and dinner; Wednesday: lunch only. Tuesday has no canteen meals and does not count.
    MealRecordFactory(officer=officer, date=MONDAY, meal="lunch", salt_g=Decimal(3), energy_kcal=Decimal(800))
    MealRecordFactory(
        officer=officer, date=MONDAY, meal="dinner", salt_g=Decimal(2), energy_kcal=Decimal(600)
    )
    MealRecordFactory(
        officer=officer, date=MONDAY + dt.timedelta(days=2), salt_g=Decimal(4), energy_kcal=Decimal(700)
    )
    # Outside the week, and another officer's: not counted.
    MealRecordFactory(officer=officer, date=MONDAY - dt.timedelta(days=1), salt_g=Decimal(30))
    MealRecordFactory(officer=officer, date=MONDAY + dt.timedelta(days=7), salt_g=Decimal(30))
    MealRecordFactory(date=MONDAY, salt_g=Decimal(30))
    # Queries: one aggregate over the officer's meals in the week.
    with django_assert_num_queries(1):
        week = selectors.diet_week(officer, MONDAY)
    assert week.days_recorded == 2
    assert week.salt_g == selectors.Amount(per_day=Decimal("4.5"), verdict=Verdict.MEETS)
    assert week.energy_kcal == Decimal("1050.0")
    # Recorded on no day: no data, not zero.
    assert week.fruit_g == selectors.Amount(per_day=None, verdict=Verdict.NO_DATA)


@pytest.mark.parametrize(
    ("field", "value", "verdict"),
    [
        ("salt_g", "4.9", Verdict.MEETS),
        ("salt_g", "5.0", Verdict.ABOVE),
        ("oil_g", "24.9", Verdict.BELOW),
        ("oil_g", "25.0", Verdict.MEETS),
        ("oil_g", "30.0", Verdict.MEETS),
        ("oil_g", "30.1", Verdict.ABOVE),
        ("sugar_g", "24.9", Verdict.IDEAL),
        ("sugar_g", "25.0", Verdict.MEETS),
        ("sugar_g", "50.0", Verdict.MEETS),
        ("sugar_g", "50.1", Verdict.ABOVE),
        ("vegetables_g", "299.9", Verdict.BELOW),
        ("vegetables_g", "300.0", Verdict.MEETS),
        ("fruit_g", "199.9", Verdict.BELOW),
        ("fruit_g", "200.0", Verdict.MEETS),
        ("fruit_g", "350.0", Verdict.MEETS),
        ("fruit_g", "350.1", Verdict.ABOVE),
    ],
)
def test_each_guideline_verdict_at_its_boundary(db, field, value, verdict):
    officer = OfficerFactory()
    MealRecordFactory(officer=officer, date=MONDAY + dt.timedelta(days=6), **{field: Decimal(value)})
    amount = getattr(selectors.diet_week(officer, MONDAY), field)
    assert amount == selectors.Amount(per_day=Decimal(value), verdict=verdict)


def test_the_average_is_rounded_before_it_is_judged(db):
    officer = OfficerFactory()
    MealRecordFactory(officer=officer, date=MONDAY, salt_g=Decimal("4.9"))
    MealRecordFactory(officer=officer, date=MONDAY + dt.timedelta(days=1), salt_g=Decimal("5.0"))
    # 4.95 shows as 5.0, and 5.0 is not below 5 g.
    assert selectors.diet_week(officer, MONDAY).salt_g == selectors.Amount(
        per_day=Decimal("5.0"), verdict=Verdict.ABOVE
    )


def test_a_week_without_meals_has_no_data(db):
    week = selectors.diet_week(OfficerFactory(), MONDAY)
    assert week.days_recorded == 0
    assert week.energy_kcal is None
    assert {week.salt_g.verdict, week.oil_g.verdict, week.sugar_g.verdict} == {Verdict.NO_DATA}
