"""``manage.py import_checkups FILE [--institution NAME] [--dry-run] [--json]``."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from health.models import Checkup, ImportBatch
from tests.health.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.usefixtures("catalogue", "english")

ROWS = [
    ["警号", "姓名", "体检日期", "血压", "空腹血糖(mmol/L)"],
    ["500001", "张伟", "2025-03-05", "150/95", "7.2"],
    ["500002", "李娜", "2025-03-05", "118/76", "偏高"],
    ["999999", "王五", "2025-03-05", "118/76", "5.0"],
]


def command(*args: str) -> str:
    out = StringIO()
    call_command("import_checkups", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def csv_file(tmp_path, zhang, li):
    path = tmp_path / "体检结果.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def test_json_prints_one_object_with_the_summary(csv_file):
    printed = json.loads(command(str(csv_file), "--json"))
    assert printed == {
        "rows": 3,
        "imported": 1,
        "unchanged": 0,
        "rejected": 2,
        "errors": [
            {"row": 3, "reason": "空腹血糖(mmol/L): 偏高 is not a number."},
            {"row": 4, "reason": "Unknown police number 999999."},
        ],
    }
    again = json.loads(command(str(csv_file), "--json"))
    assert (again["imported"], again["unchanged"], again["rejected"]) == (0, 1, 2)
    assert again["rows"] == again["imported"] + again["unchanged"] + again["rejected"]


def test_the_json_is_utf8_text_not_escapes(csv_file):
    assert "偏高" in command(str(csv_file), "--json")


def test_the_text_summary_lists_each_rejected_row(csv_file, zhang):
    output = command(str(csv_file), "--institution", "市人民医院")
    batch = ImportBatch.objects.get()
    assert f"Import batch {batch.pk}: 3 rows, 1 imported, 0 unchanged, 2 rejected." in output
    assert "Row 4: Unknown police number 999999." in output
    assert Checkup.objects.get(officer=zhang).institution == "市人民医院"


def test_dry_run_writes_nothing_and_prints_the_same_summary(csv_file):
    dry = json.loads(command(str(csv_file), "--dry-run", "--json"))
    assert not Checkup.objects.exists()
    assert not ImportBatch.objects.exists()
    assert "Dry run, nothing written: 3 rows" in command(str(csv_file), "--dry-run")
    assert json.loads(command(str(csv_file), "--json")) == dry


def test_it_imports_an_xlsx_file(tmp_path, zhang, li):
    path = tmp_path / "体检结果.xlsx"
    path.write_bytes(xlsx_bytes(ROWS))
    assert json.loads(command(str(path), "--json"))["imported"] == 1


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "This is not a spreadsheet but a PNG file."),
        ("empty.csv", b"", "The file is empty."),
        ("no-police.csv", csv_bytes([["姓名", "体检日期"], ["张伟", "2025-03-05"]]), "警号"),
    ],
)
def test_a_file_that_cannot_be_imported_stops_with_a_clear_error(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError, match=message):
        command(str(path), "--json")
    assert not ImportBatch.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        command(str(tmp_path / "nope.csv"))
