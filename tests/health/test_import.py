"""Importing checkup files (health.services.checkups_import): every rule of the issue."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from health import services
from health.importing import ImportFileError
from health.models import Checkup, CheckupResult, ImportBatch, Indicator
from tests.factories import OfficerFactory
from tests.health.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.usefixtures("catalogue", "english")

HEADER = [
    "警号",
    "姓名",
    "体检日期",
    "体检机构",
    "身高(cm)",
    "体重(kg)",
    "腰围",
    "血压(mmHg)",
    "心率",
    "空腹血糖(mmol/L)",
    "糖化血红蛋白(%)",
    "总胆固醇",
    "甘油三酯",
    "低密度脂蛋白胆固醇",
    "高密度脂蛋白胆固醇",
    "尿酸（μmol/L）",
    "谷丙转氨酶",
    "谷草转氨酶",
    "肌酐",
    "性别",
    "BMI",
]
FIELDS = [
    "police_no",
    "name",
    "date",
    "institution",
    "height",
    "weight",
    "waist",
    "bp",
    "heart_rate",
    "fpg",
    "hba1c",
    "tc",
    "tg",
    "ldl_c",
    "hdl_c",
    "ua",
    "alt",
    "ast",
    "cr",
    "sex",
    "bmi",
]
ZHANG = {
    "police_no": "500001",
    "name": "张伟",
    "date": "2025-03-05",
    "institution": "市人民医院体检中心",
    "height": "175",
    "weight": "80.5",
    "waist": "92",
    "bp": "150/95",
    "heart_rate": "72",
    "fpg": "6.3",
    "hba1c": "5.9",
    "tc": "5.5",
    "tg": "2.5",
    "ldl_c": "3.2",
    "hdl_c": "0.9",
    "ua": "450",
    "alt": "55",
    "ast": "30",
    "cr": "90",
    "sex": "男",
    "bmi": "99",  # a centre's own BMI column is ignored: BMI is computed
}
LI = {
    "police_no": "500002",
    "name": "李娜",
    "date": "2025/3/6",
    "height": "160",
    "weight": "50",
    "bp": "118/76",
}


def line(values: dict[str, object], fields: list[str] = FIELDS) -> list[object]:
    return [values.get(name, "") for name in fields]


def sheet(*rows: dict[str, object]) -> list[list[object]]:
    return [HEADER, *(line(row) for row in rows)]


def run(
    tmp_path: Path, rows: list[list[object]], *, name: str = "体检结果.csv", **kwargs
) -> services.ImportSummary:
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows))
    return services.checkups_import(file=path, filename=name, **kwargs)


def results_of(officer, date=dt.date(2025, 3, 5)) -> dict[str, tuple[str, str, str]]:
    checkup = Checkup.objects.get(officer=officer, date=date)
    return {
        r.indicator.code: (f"{r.value.normalize():f}", r.category, r.flag)
        for r in checkup.results.select_related("indicator")
    }


def snapshot() -> list[tuple]:
    return list(
        CheckupResult.objects.order_by("pk").values_list(
            "pk", "checkup_id", "indicator__code", "value", "category", "flag", "updated_at"
        )
    )


# --- What a good row becomes ------------------------------------------------------------------------------


def test_it_records_each_value_graded_with_the_computed_bmi_and_the_pair_category(tmp_path, zhang):
    summary = run(tmp_path, sheet(ZHANG))

    assert summary.as_dict() == {"rows": 1, "imported": 1, "unchanged": 0, "rejected": 0, "errors": []}
    checkup = Checkup.objects.get(officer=zhang)
    assert (checkup.date, checkup.institution) == (dt.date(2025, 3, 5), "市人民医院体检中心")
    assert results_of(zhang) == {
        "height": ("175", "", ""),
        "weight": ("80.5", "", ""),
        "bmi": ("26.3", "overweight", "high"),  # 80.5 / 1.75², not the file's 99
        "waist": ("92", "high", "high"),
        "sbp": ("150", "hypertension_1", "high"),
        "dbp": ("95", "hypertension_1", "high"),
        "heart_rate": ("72", "normal", "normal"),
        "fpg": ("6.3", "ifg", "high"),
        "hba1c": ("5.9", "normal", "normal"),
        "tc": ("5.5", "borderline", "high"),
        "tg": ("2.5", "high", "high"),
        "ldl_c": ("3.2", "normal", "normal"),
        "hdl_c": ("0.9", "low", "low"),
        "ua": ("450", "hyperuricemia", "high"),
        "alt": ("55", "high", "high"),
        "ast": ("30", "normal", "normal"),
        "cr": ("90", "normal", "normal"),
    }
    units = dict(CheckupResult.objects.values_list("indicator__code", "unit"))
    assert units["fpg"] == "mmol/L" and units["ua"] == "μmol/L" and units["bmi"] == "kg/m²"
    assert summary.ignored_columns == ["性别", "BMI"]


def test_sex_decides_the_ranges_used(tmp_path, li):
    # ALT 45: high for a woman (7–40), normal for a man (9–50); waist 86: central obesity for a woman.
    run(tmp_path, sheet({**LI, "date": "2025-03-05", "alt": "45", "waist": "86"}))
    graded = results_of(li)
    assert graded["alt"] == ("45", "high", "high")
    assert graded["waist"] == ("86", "high", "high")


def test_it_keeps_the_file_and_the_summary_in_a_batch(tmp_path, settings, zhang, li):
    data = csv_bytes(sheet(ZHANG, {**LI, "police_no": "999999"}))
    path = tmp_path / "三月体检.csv"
    path.write_bytes(data)

    summary = services.checkups_import(
        file=path, filename=path.name, institution="市中医院", actor=zhang.user
    )

    batch = ImportBatch.objects.get()
    assert summary.batch_id == batch.pk
    assert (batch.kind, batch.status, batch.original_filename) == ("checkups", "done", "三月体检.csv")
    assert (batch.rows, batch.imported, batch.unchanged, batch.rejected) == (2, 1, 0, 1)
    assert batch.errors == [{"row": 3, "reason": "Unknown police number 999999."}]
    assert batch.uploaded_by == zhang.user
    assert batch.institution == "市中医院"
    assert batch.finished_at is not None
    stored = Path(batch.file.path)
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT))
    assert stored.read_bytes() == data
    assert "三月体检" not in stored.name  # the centre's name is kept in the row, never used as a path
    import hashlib

    assert batch.sha256 == hashlib.sha256(data).hexdigest()
    assert Checkup.objects.get(officer=zhang).import_batch == batch
    from audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="health_imported")
    assert (entry.actor, entry.object_id) == (zhang.user, str(batch.pk))
    assert entry.detail == {"rows": 2, "imported": 1, "unchanged": 0, "rejected": 1}


def test_it_reads_an_xlsx_with_typed_cells_full_width_digits_units_and_not_measured(tmp_path, zhang, li):
    rows = [
        ["2025年度民警体检结果汇总"],  # a title row: the header is row 2
        [
            "警号",
            "姓名",
            "体检日期",
            "身高",
            "体重",
            "血压",
            "空腹血糖（mmol/L）",
            "尿酸",
            "总胆固醇",
            "肌酐",
        ],
        [
            500001,
            "张 伟",
            dt.datetime(2025, 3, 5),
            175,
            80.5,
            "１５０／９５",
            "５.６ mmol/L",
            "未检",
            "弃检",
            None,
        ],
        [500002, "李娜", "2025年3月6日", "160 cm", "50公斤", " 118/76 ", 5.1, "", 4.8, 60],
        [999999, "王五", "20250307", 170, 60, "120/80", 5.0, None, None, None],
    ]
    summary = run(tmp_path, rows, name="体检结果.xlsx")

    assert summary.as_dict() == {
        "rows": 3,
        "imported": 2,
        "unchanged": 0,
        "rejected": 1,
        "errors": [{"row": 5, "reason": "Unknown police number 999999."}],
    }
    zhang_results = results_of(zhang)
    assert zhang_results["fpg"] == ("5.6", "normal", "normal")
    assert zhang_results["sbp"] == ("150", "hypertension_1", "high")
    assert "ua" not in zhang_results and "tc" not in zhang_results and "cr" not in zhang_results
    li_results = results_of(li, dt.date(2025, 3, 6))
    assert li_results["height"] == ("160", "", "")
    assert li_results["bmi"] == ("19.5", "normal", "normal")
    assert li_results["cr"] == ("60", "normal", "normal")


def test_it_takes_the_first_sheet_that_has_a_police_number_column(tmp_path, zhang):
    path = tmp_path / "体检.xlsx"
    path.write_bytes(xlsx_bytes([["说明：本表由体检中心导出"]], sheets={"数据": sheet(ZHANG)}))
    summary = services.checkups_import(file=path, filename=path.name)
    assert (summary.rows, summary.imported) == (1, 1)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_it_reads_csv_in_the_encodings_centres_use(tmp_path, zhang, encoding):
    path = tmp_path / "体检.csv"
    path.write_bytes(csv_bytes(sheet(ZHANG), encoding=encoding))
    summary = services.checkups_import(file=path, filename=path.name)
    assert (summary.rows, summary.imported, summary.rejected) == (1, 1, 0)
    assert Checkup.objects.get(officer=zhang).institution == "市人民医院体检中心"


def test_it_reads_a_file_object_as_well_as_a_path(zhang):
    summary = services.checkups_import(file=io.BytesIO(csv_bytes(sheet(ZHANG))), filename="体检.csv")
    assert summary.imported == 1


def test_it_reads_english_headers_and_separate_systolic_and_diastolic_columns(tmp_path, zhang):
    rows = [
        ["Police No", "Name", "Date", "Institution", "SBP (mmHg)", "DBP", "Heart Rate", "LDL-C", "HbA1c (%)"],
        ["500001", "张伟", "2025-03-05", "City Hospital", "165", "85", "58", "4.3", "6.6"],
    ]
    run(tmp_path, rows)
    assert results_of(zhang) == {
        "sbp": ("165", "hypertension_2", "high"),
        "dbp": ("85", "hypertension_2", "high"),
        "heart_rate": ("58", "low", "low"),
        "ldl_c": ("4.3", "high", "high"),
        "hba1c": ("6.6", "high", "high"),
    }


def test_the_institution_option_fills_rows_without_one(tmp_path, zhang, li):
    run(tmp_path, sheet(ZHANG, LI), institution="市中医院")
    assert Checkup.objects.get(officer=zhang).institution == "市人民医院体检中心"
    assert Checkup.objects.get(officer=li).institution == "市中医院"


def test_values_are_stored_rounded_to_the_indicators_decimals(tmp_path, zhang):
    run(tmp_path, sheet({**ZHANG, "fpg": "6.095", "ua": "420.4", "alt": "50.5"}))
    graded = results_of(zhang)
    assert graded["fpg"] == ("6.1", "ifg", "high")
    assert graded["ua"] == ("420", "normal", "normal")
    assert graded["alt"] == ("51", "high", "high")


# --- Rejected rows ---------------------------------------------------------------------------------------


def test_each_rejected_row_is_reported_with_its_row_number_and_nothing_of_it_is_stored(tmp_path, zhang, li):
    good = {"police_no": "500002", "name": "李娜", "date": "2025-03-05", "height": "160", "weight": "50"}
    rows = sheet(
        ZHANG,  # row 2
        {**good, "police_no": "999999"},  # 3
        {**good, "name": "李四"},  # 4
        {**good, "date": ""},  # 5
        {**good, "date": "2025-02-30"},  # 6
        {**good, "fpg": "偏高"},  # 7
        {**good, "fpg": "70"},  # 8
        {**good, "bp": "80/120"},  # 9
        {**good, "bp": "138"},  # 10
        {"police_no": "500002", "date": "2025-03-05", "fpg": "未检", "bp": "弃检"},  # 11
        {**good, "date": "2099-01-01"},  # 12
        {**good, "fpg": "101 mg/dL"},  # 13
        {**good, "height": "17.5"},  # 14
        {**good, "police_no": ""},  # 15
        {**good, "date": "1980-01-01"},  # 16
        {**good, "fpg": "偏高", "ua": "9999"},  # 17
        {**good, "height": "250", "weight": "30"},  # 18: each possible, BMI 4.8 is not
    )
    summary = run(tmp_path, rows)

    reasons = {error["row"]: error["reason"] for error in summary.errors}
    assert reasons == {
        3: "Unknown police number 999999.",
        4: "The name 李四 does not match the officer with police number 500002.",
        5: "No checkup date.",
        6: "体检日期: 2025-02-30 is not a date.",
        7: "空腹血糖(mmol/L): 偏高 is not a number.",
        8: "空腹血糖(mmol/L): 70 mmol/L is impossible (possible: 1–50).",
        9: "The systolic pressure 80 must be higher than the diastolic pressure 120.",
        10: "血压(mmHg): 138 is not a blood pressure such as 138/86.",
        11: "Nothing was measured in this row.",
        12: "体检日期: 2099-01-01 is in the future.",
        13: "空腹血糖(mmol/L): the unit mg/dL is not mmol/L.",
        14: "身高(cm): 17.5 cm is impossible (possible: 100–250).",
        15: "No police number.",
        16: "体检日期: 1980-01-01 is before the officer's birth date.",
        17: "空腹血糖(mmol/L): 偏高 is not a number. "
        "尿酸（μmol/L）: 9999 μmol/L is impossible (possible: 50–1500).",
        18: "The BMI 4.8 from height 身高(cm) and weight 体重(kg) is impossible; check both.",
    }
    assert summary.as_dict()["rows"] == 17
    assert (summary.imported, summary.unchanged, summary.rejected) == (1, 0, 16)
    assert Checkup.objects.filter(officer=li).count() == 0
    assert Checkup.objects.filter(officer=zhang).count() == 1


def test_blood_pressure_given_twice_must_agree(tmp_path, zhang):
    rows = [
        ["警号", "体检日期", "血压", "收缩压", "舒张压"],
        ["500001", "2025-03-05", "140/90", "140", "90"],
        ["500001", "2025-03-06", "140/90", "150", "90"],
    ]
    summary = run(tmp_path, rows)
    assert summary.errors == [{"row": 3, "reason": "血压 and 收缩压 disagree."}]
    assert summary.imported == 1


def test_a_rejected_row_does_not_stop_the_rows_after_it(tmp_path, zhang, li):
    summary = run(tmp_path, sheet({**ZHANG, "fpg": "??"}, {**LI, "date": "2025-03-05"}))
    assert (summary.imported, summary.rejected) == (1, 1)
    assert not Checkup.objects.filter(officer=zhang).exists()
    assert Checkup.objects.filter(officer=li).exists()


def test_a_row_written_by_another_import_at_the_same_moment_is_rejected_alone(
    tmp_path, zhang, li, monkeypatch
):
    original = services._prefetch

    def racing(cells):
        known = original(cells)
        # Another import writes Zhang's checkup just after this chunk looked: writing it here collides,
        # in the database (the chunk's one INSERT or COPY, then the row's own savepoint).
        Checkup.objects.create(officer=zhang, date=dt.date(2025, 3, 5), institution="另一家体检中心")
        return known

    monkeypatch.setattr(services, "_prefetch", racing)
    summary = run(tmp_path, sheet(ZHANG, {**LI, "date": "2025-03-05"}))
    assert summary.errors == [
        {"row": 2, "reason": "Another import wrote this checkup at the same moment; import the file again."}
    ]
    # Only the other import's checkup: nothing of the rejected row (its savepoint was rolled back).
    assert [c.institution for c in Checkup.objects.filter(officer=zhang)] == ["另一家体检中心"]
    assert not CheckupResult.objects.filter(checkup__officer=zhang).exists()
    assert results_of(li)["sbp"] == ("118", "normal", "normal")


def test_new_results_are_written_exactly_with_their_timestamps(zhang):
    # On PostgreSQL by COPY in its text format: a unit with a backslash, a tab or a line break stays whole.
    checkup = Checkup.objects.create(officer=zhang, date=dt.date(2025, 3, 5))
    fpg, tc = Indicator.objects.get(code="fpg"), Indicator.objects.get(code="tc")
    before = timezone.now()
    services._insert_results(
        [
            (checkup.pk, fpg.pk, Decimal("6.100"), "mmol\\L\t\n", "ifg", "high"),
            (checkup.pk, tc.pk, Decimal("4.5"), "mmol/L", "normal", "normal"),
        ],
        before,
    )
    results = list(CheckupResult.objects.all())
    assert {r.indicator_id: (r.value, r.unit, r.category, r.flag) for r in results} == {
        fpg.pk: (Decimal("6.1"), "mmol\\L\t\n", "ifg", "high"),
        tc.pk: (Decimal("4.5"), "mmol/L", "normal", "normal"),
    }
    assert all(before <= r.created_at <= r.updated_at <= timezone.now() for r in results)


def test_a_result_written_twice_collides_as_an_integrity_error(zhang):
    checkup = Checkup.objects.create(officer=zhang, date=dt.date(2025, 3, 5))
    fpg = Indicator.objects.get(code="fpg")
    result = (checkup.pk, fpg.pk, Decimal("6.1"), fpg.unit, "ifg", "high")
    services._insert_results([result], timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        services._insert_results([result], timezone.now())


def test_reasons_are_in_chinese_by_default(tmp_path, zhang):
    with translation.override("zh-hans"):
        if translation.gettext("No checkup date.") == "No checkup date.":
            pytest.fail(
                "the zh_Hans catalogue is not compiled: run `make install` or "
                "`manage.py compilemessages --ignore=.venv --ignore=node_modules`",
                pytrace=False,
            )
        summary = run(tmp_path, sheet({**ZHANG, "police_no": "999999"}, {**ZHANG, "fpg": "偏高"}))
    assert [error["reason"] for error in summary.errors] == [
        "未知警号 999999。",
        "空腹血糖(mmol/L)：“偏高”不是数字。",
    ]


# --- Summary arithmetic, idempotence, replacement ----------------------------------------------------------


def test_rows_always_equal_imported_plus_unchanged_plus_rejected(tmp_path, zhang, li):
    wang = OfficerFactory(police_number="500003", name="王芳", sex="female")
    first = run(tmp_path, sheet(ZHANG, {**LI, "fpg": "x"}))
    second = run(
        tmp_path,
        sheet(
            ZHANG,
            {**LI, "fpg": "5.0"},
            {"police_no": "500003", "name": "王芳", "date": "2025-3-1", "tc": "4"},
        ),
    )
    third = run(tmp_path, sheet(ZHANG, {**ZHANG, "police_no": "1"}, {**LI, "fpg": "5.0"}))
    for summary in (first, second, third):
        data = summary.as_dict()
        assert data["rows"] == data["imported"] + data["unchanged"] + data["rejected"]
        assert len(data["errors"]) == data["rejected"]
    assert [(s.imported, s.unchanged, s.rejected) for s in (first, second, third)] == [
        (1, 0, 1),
        (2, 1, 0),
        (0, 2, 1),
    ]
    assert wang.checkups.count() == 1
    for batch in ImportBatch.objects.all():
        assert batch.rows == batch.imported + batch.unchanged + batch.rejected


def test_the_database_refuses_a_batch_whose_rows_do_not_add_up():
    from tests.health.factories import ImportBatchFactory

    with pytest.raises(IntegrityError):
        ImportBatchFactory(rows=3, imported=1, unchanged=1, rejected=0)


def test_importing_the_same_file_again_changes_nothing(tmp_path, zhang, li):
    rows = sheet(ZHANG, LI, {**LI, "police_no": "404"})
    first = run(tmp_path, rows)
    before = snapshot()
    checkups_before = list(Checkup.objects.values_list("pk", "institution", "updated_at"))

    second = run(tmp_path, rows)

    assert (first.imported, first.unchanged, first.rejected) == (2, 0, 1)
    assert second.as_dict() == {
        "rows": 3,
        "imported": 0,
        "unchanged": 2,
        "rejected": 1,
        "errors": [{"row": 4, "reason": "Unknown police number 404."}],
    }
    assert snapshot() == before
    assert list(Checkup.objects.values_list("pk", "institution", "updated_at")) == checkups_before
    assert ImportBatch.objects.count() == 2  # each delivery is kept, even an unchanged one


def test_re_importing_unchanged_rows_costs_no_query_per_row(tmp_path, station):
    officers = [OfficerFactory(org_unit=station, police_number=f"6000{n:02d}") for n in range(20)]
    rows = [HEADER] + [
        line({"police_no": o.police_number, "date": "2025-03-05", "fpg": "5.1"}) for o in officers
    ]
    run(tmp_path, rows[:6])
    run(tmp_path, rows)

    with CaptureQueriesContext(connection) as five:
        run(tmp_path, rows[:6])
    with CaptureQueriesContext(connection) as twenty:
        run(tmp_path, rows)
    # The catalogue (2), the batch (1), per chunk: officers, checkups, results, progress (+ savepoint),
    # and the summary (1): the same for 5 rows as for 20.
    assert len(twenty) == len(five)


def test_a_different_value_replaces_the_recorded_one_and_the_batch_lists_it(tmp_path, zhang, li):
    run(tmp_path, sheet(ZHANG, LI))
    summary = run(tmp_path, sheet({**ZHANG, "fpg": "7.2"}, LI))

    assert (summary.imported, summary.unchanged) == (1, 1)
    assert results_of(zhang)["fpg"] == ("7.2", "diabetes", "high")
    assert CheckupResult.objects.filter(checkup__officer=zhang, indicator__code="fpg").count() == 1
    batch = ImportBatch.objects.get(pk=summary.batch_id)
    assert batch.changes == [
        {
            "row": 2,
            "police_no": "500001",
            "date": "2025-03-05",
            "indicator": "fpg",
            "old": "6.3",
            "new": "7.2",
            "old_category": "ifg",
            "new_category": "diabetes",
        }
    ]


def test_a_changed_systolic_reading_regrades_the_unchanged_diastolic_one(tmp_path, zhang):
    run(tmp_path, sheet({**ZHANG, "bp": "150/85"}))
    assert results_of(zhang)["dbp"] == ("85", "hypertension_1", "high")
    run(tmp_path, sheet({**ZHANG, "bp": "165/85"}))
    assert results_of(zhang)["dbp"] == ("85", "hypertension_2", "high")


def test_a_second_file_adds_its_results_to_the_same_checkup(tmp_path, zhang):
    run(
        tmp_path, [["警号", "体检日期", "体检机构", "血压"], ["500001", "2025-03-05", "市人民医院", "120/80"]]
    )
    summary = run(tmp_path, [["警号", "体检日期", "总胆固醇"], ["500001", "2025-03-05", "5.0"]])
    assert summary.imported == 1
    checkup = Checkup.objects.get(officer=zhang)
    assert checkup.institution == "市人民医院"  # a file without one leaves it
    assert set(results_of(zhang)) == {"sbp", "dbp", "tc"}


def test_the_same_row_twice_in_one_file_is_imported_once(tmp_path, zhang):
    summary = run(tmp_path, sheet(ZHANG, ZHANG, {**ZHANG, "fpg": "6.4"}))
    assert (summary.imported, summary.unchanged) == (2, 1)
    assert results_of(zhang)["fpg"] == ("6.4", "ifg", "high")
    assert Checkup.objects.count() == 1


def test_rows_across_chunks_see_what_earlier_chunks_wrote(tmp_path, zhang, li, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_CHUNK_ROWS", 2)
    summary = run(tmp_path, sheet(ZHANG, LI, ZHANG, {**LI, "fpg": "5.5"}, {**ZHANG, "police_no": "0"}))
    assert (summary.rows, summary.imported, summary.unchanged, summary.rejected) == (5, 3, 1, 1)
    batch = ImportBatch.objects.get()
    assert (batch.rows, batch.imported, batch.unchanged, batch.rejected) == (5, 3, 1, 1)


def test_a_crash_half_way_marks_the_batch_failed_and_a_second_import_finishes(
    tmp_path, zhang, li, monkeypatch
):
    monkeypatch.setattr(services, "IMPORT_CHUNK_ROWS", 1)
    original = services._new_result

    def crash_on_li(checkup, *args, **kwargs):
        if checkup.officer_id == li.pk:
            raise RuntimeError("the worker was killed")
        return original(checkup, *args, **kwargs)

    monkeypatch.setattr(services, "_new_result", crash_on_li)
    with pytest.raises(RuntimeError):
        run(tmp_path, sheet(ZHANG, LI))
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert (batch.rows, batch.imported) == (1, 1)  # the committed chunk
    assert Checkup.objects.filter(officer=zhang).exists()
    assert not Checkup.objects.filter(officer=li).exists()

    monkeypatch.setattr(services, "_new_result", original)
    summary = run(tmp_path, sheet(ZHANG, LI))
    assert (summary.imported, summary.unchanged) == (1, 1)


def test_an_inactive_indicator_is_not_imported(tmp_path, zhang):
    Indicator.objects.filter(code="hba1c").update(active=False)
    summary = run(tmp_path, sheet(ZHANG))
    assert "hba1c" not in results_of(zhang)
    assert "糖化血红蛋白(%)" in summary.ignored_columns


# --- Dry run ------------------------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_reports_what_the_import_will_do(tmp_path, settings, zhang, li):
    rows = sheet(ZHANG, LI, ZHANG, {**LI, "police_no": "404"})
    dry = run(tmp_path, rows, dry_run=True)

    assert dry.dry_run and dry.batch_id is None
    assert not Checkup.objects.exists() and not CheckupResult.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.*"))

    real = run(tmp_path, rows)
    assert dry.as_dict() == real.as_dict()
    assert (real.imported, real.unchanged, real.rejected) == (2, 1, 1)


# --- Files that cannot be imported -----------------------------------------------------------------------


def _assert_nothing_written(settings) -> None:
    assert not ImportBatch.objects.exists()
    assert not Checkup.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("体检.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "This is not a spreadsheet but a PNG file."),
        ("体检.xlsx", b"", "The file is empty."),
        ("体检.csv", b"", "The file is empty."),
        (
            "体检.csv",
            csv_bytes([["姓名", "体检日期", "身高"], ["张伟", "2025-03-05", "175"]]),
            "No header row with a 警号 (police_no) column was found in the first 10 rows.",
        ),
        (
            "体检.xlsx",
            xlsx_bytes([["姓名", "体检日期"], ["张伟", "2025-03-05"]]),
            "No header row with a 警号 (police_no) column was found in the first 10 rows.",
        ),
        (
            "体检.csv",
            csv_bytes([["警号", "身高"], ["500001", "175"]]),
            "The file has no 体检日期 (date) column.",
        ),
        (
            "体检.csv",
            csv_bytes([["警号", "体检日期", "空腹血糖(mg/dL)"], ["500001", "2025-03-05", "101"]]),
            "Column 空腹血糖(mg/dL) is in mg/dL; this system records mmol/L.",
        ),
        (
            "体检.csv",
            csv_bytes([["警号", "体检日期", "身高", "height"], ["500001", "2025-03-05", "175", "175"]]),
            "The columns 身高 and height hold the same thing; keep one.",
        ),
        (
            "体检.csv",
            "警号,体检日期\n500001,2025-03-05\n".encode("gb18030") + b"\xff\xfe\xfd",
            "neither UTF-8",
        ),
    ],
)
def test_a_file_that_cannot_be_imported_gives_a_clear_error_and_writes_nothing(
    tmp_path, settings, zhang, name, data, message
):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImportFileError) as caught:
        services.checkups_import(file=path, filename=name)
    assert message in caught.value.message
    _assert_nothing_written(settings)


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings, zhang):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError, match="larger than"):
        run(tmp_path, sheet(ZHANG, LI, ZHANG))
    _assert_nothing_written(settings)
    # The limit is a byte count, so a dry run is refused as well.
    with pytest.raises(ImportFileError):
        run(tmp_path, sheet(ZHANG, LI, ZHANG), dry_run=True)


def test_empty_rows_are_skipped_and_not_counted(tmp_path, zhang):
    summary = run(tmp_path, [HEADER, line({}), line(ZHANG), ["", "  ", None]])
    assert summary.as_dict()["rows"] == 1
    assert summary.imported == 1


def test_a_value_parsed_from_an_excel_float_keeps_its_decimals(tmp_path, zhang):
    rows = [["警号", "体检日期", "甘油三酯", "身高", "体重"], [500001, dt.date(2025, 3, 5), 1.7, 175.0, 77.2]]
    run(tmp_path, rows, name="体检.xlsx")
    graded = results_of(zhang)
    assert graded["tg"] == ("1.7", "borderline", "high")
    assert CheckupResult.objects.get(indicator__code="tg").value == Decimal("1.70")


def test_the_same_checkup_twice_in_one_file_is_written_once(tmp_path, zhang):
    summary = run(tmp_path, sheet(ZHANG, ZHANG))
    assert (summary.rows, summary.imported, summary.unchanged, summary.rejected) == (2, 1, 1, 0)
    assert Checkup.objects.filter(officer=zhang).count() == 1


def test_new_checkups_of_a_chunk_cost_a_fixed_number_of_queries(
    tmp_path, station, django_assert_max_num_queries
):
    officers = [OfficerFactory(org_unit=station, sex="male") for _ in range(30)]
    rows = [{**ZHANG, "police_no": o.police_number, "name": o.name} for o in officers]
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes(sheet(*rows)))
    # Catalogue (2), the chunk's officers, checkups and results, two INSERTs, the batch (kept file, row,
    # progress, done), the audit row, savepoints, then the profiles and follow-ups of the file's officers
    # (latest dates, checkups, results, upsert, advisers, follow-ups found and written, assigned ones):
    # a fixed number, not a few per row.
    with django_assert_max_num_queries(30):
        summary = services.checkups_import(file=path, filename=path.name)
    assert summary.imported == 30
