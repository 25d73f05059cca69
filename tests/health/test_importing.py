"""Reading files and cells as centres write them (health/importing.py): no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from health import importing
from health.importing import ImportFileError, ValueProblem

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-05", dt.date(2025, 3, 5)),
        ("2025/3/5", dt.date(2025, 3, 5)),
        ("2025.3.5", dt.date(2025, 3, 5)),
        ("2025年3月5日", dt.date(2025, 3, 5)),
        ("２０２５年３月５日", dt.date(2025, 3, 5)),
        ("20250305", dt.date(2025, 3, 5)),
        (20250305, dt.date(2025, 3, 5)),
        (" 2025-03-05 08:30:00 ", dt.date(2025, 3, 5)),
        (dt.datetime(2025, 3, 5, 0, 0), dt.date(2025, 3, 5)),
        (dt.date(2025, 3, 5), dt.date(2025, 3, 5)),
        (45721, dt.date(2025, 3, 5)),  # an Excel day number in a cell without a date format
        (45721.0, dt.date(2025, 3, 5)),
    ],
)
def test_it_reads_the_dates_people_write(raw, expected):
    assert importing.parse_date(raw, column="体检日期") == expected


@pytest.mark.parametrize("raw", ["2025-02-30", "5/3/2025", "三月五日", "2025-13-01", "202503", 12, "abc"])
def test_it_refuses_what_is_not_a_date_and_names_the_column(raw):
    with pytest.raises(ValueProblem) as caught:
        importing.parse_date(raw, column="体检日期")
    assert "体检日期" in caught.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5.6", "5.6"),
        (" 5.6 ", "5.6"),
        ("５．６", "5.6"),
        ("5.6 mmol/L", "5.6"),
        ("5.6mmol/l", "5.6"),
        ("５.６ｍｍｏｌ／Ｌ", "5.6"),
        (5.6, "5.6"),
        (6, "6"),
        (".5", "0.5"),
    ],
)
def test_it_reads_numbers_as_people_type_them(raw, expected):
    assert importing.parse_measurement(raw, column="空腹血糖", unit="mmol/L") == Decimal(expected)


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("420 umol/L", "μmol/L"),
        ("420μmol/L", "μmol/L"),
        ("420 µmol/l", "μmol/L"),
        ("72次/分", "bpm"),
        ("35 IU/L", "U/L"),
    ],
)
def test_it_accepts_the_usual_spellings_of_a_unit(raw, unit):
    assert importing.parse_measurement(raw, column="x", unit=unit) > 0


@pytest.mark.parametrize("raw", ["偏高", "5.6.1", "<0.5", "阳性", True, dt.date(2025, 3, 5)])
def test_it_refuses_what_is_not_a_number_and_names_the_column(raw):
    with pytest.raises(ValueProblem) as caught:
        importing.parse_measurement(raw, column="空腹血糖(mmol/L)", unit="mmol/L")
    assert "空腹血糖(mmol/L)" in caught.value.message


def test_it_refuses_a_value_in_another_unit():
    with pytest.raises(ValueProblem) as caught:
        importing.parse_measurement("101 mg/dL", column="空腹血糖", unit="mmol/L")
    assert "mg/dL" in caught.value.message


@pytest.mark.parametrize("raw", ["", None, "  ", "未检", "弃检", "未查", "-", "—", "/"])
def test_these_mean_not_measured(raw):
    assert importing.is_not_measured(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("138/86", (138, 86)),
        ("138／86", (138, 86)),
        (" 138 / 86 mmHg", (138, 86)),
        ("１３８/８６", (138, 86)),
    ],
)
def test_it_reads_blood_pressure_as_a_pair(raw, expected):
    assert importing.parse_blood_pressure(raw, column="血压") == tuple(Decimal(v) for v in expected)


@pytest.mark.parametrize("raw", ["138", "138/", "138-86", "高", "138/86 kPa"])
def test_it_refuses_a_blood_pressure_that_is_not_a_pair(raw):
    with pytest.raises(ValueProblem) as caught:
        importing.parse_blood_pressure(raw, column="血压")
    assert "血压" in caught.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("空腹血糖(mmol/L)", ("空腹血糖", "mmol/L")),
        ("空腹血糖（mmol/L）", ("空腹血糖", "mmol/L")),
        ("尿酸【μmol/L】", ("尿酸", "μmol/L")),
        ("ALT [U/L]", ("ALT", "U/L")),
        ("身高", ("身高", "")),
    ],
)
def test_it_splits_a_unit_off_a_header(raw, expected):
    assert importing.split_header(raw) == expected


def test_names_compare_without_spaces_and_with_one_kind_of_middle_dot():
    assert importing.clean_name("王  伟") == importing.clean_name("王伟")
    assert importing.clean_name("买买提•艾力") == importing.clean_name("买买提·艾力")
    assert importing.clean_name("王伟") != importing.clean_name("王卫")


def test_police_numbers_from_number_cells_lose_the_decimal_point():
    assert importing.clean_police_number(500001.0) == "500001"
    assert importing.clean_police_number(" ５００００１ ") == "500001"


# --- Files -----------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (PNG, "体检.xlsx", "PNG"),
        (PNG, "体检.csv", "PNG"),
        (b"%PDF-1.7\n", "体检.csv", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "体检.xlsx", ".xls"),
        (b"\x00\x01\x02binary", "体检.csv", "not a text file"),
        ("警号,体检日期\n".encode(), "体检.xlsx", "not an Excel workbook"),
        (b"PK\x03\x04 broken zip", "体检.xlsx", "not an Excel workbook"),
        ("警号,体检日期\n".encode(), "体检.txt", "Only .xlsx and .csv"),
    ],
)
def test_it_checks_the_content_not_only_the_name(data, name, words):
    with pytest.raises(ImportFileError) as caught:
        importing.open_table(data, name)
    assert words in caught.value.message


def test_a_zip_that_is_not_a_workbook_is_refused():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        importing.open_table(out.getvalue(), "体检.xlsx")
    with pytest.raises(ImportFileError, match="ZIP"):
        importing.open_table(out.getvalue(), "体检.csv")


def test_it_refuses_an_empty_file_and_one_over_the_limit(settings, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="empty"):
        importing.read_limited(empty)
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    with pytest.raises(ImportFileError, match="larger than 1 MB"):
        importing.read_limited(big)
    at_limit = tmp_path / "at-limit.csv"
    at_limit.write_bytes(b"x" * (1024 * 1024))
    with at_limit.open("rb") as handle:
        assert len(importing.read_limited(handle)) == 1024 * 1024
