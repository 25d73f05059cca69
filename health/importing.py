"""Reading import files (checkups, canteen meals, exercise) as they are delivered. No database here.

- **Files** are checked by content, not by name: an ``.xlsx`` must be a ZIP workbook
  (``PK``…, with ``xl/workbook.xml``), a ``.csv`` must be text (UTF-8 with or without BOM,
  UTF-16 with BOM, else GB18030). Other binaries, empty files and files over
  ``settings.IMPORT_MAX_BYTES`` (20 MB unless set) are refused with a message naming the problem.
- **The header row** is the first row of the first sheet (within the first 10 rows, below any
  title rows) that has a 警号/police_no column. Headers are Chinese or English, in any case, with
  or without spaces, and may carry a unit in brackets: ``空腹血糖(mmol/L)``, ``尿酸（μmol/L）``.
  A unit that is not the indicator's refuses the file (nothing is converted). Columns nobody
  asked for (性别, 结论, BMI, …) are ignored and listed.
- **Row numbers** are the spreadsheet's: the header is row 1 when it is the first row.
  Wholly empty rows are skipped and not counted.
- **Values** are read as people type them: full-width characters, surrounding spaces, a unit
  after the number (``5.6 mmol/L``, checked like the header's), blood pressure as ``138/86``.
  Empty, 未检, 弃检, 未查, 未做, 无, ``-``, ``—`` and ``/`` mean "not measured".
- **Dates**: ``2025-03-05``, ``2025/3/5``, ``2025.3.5``, ``2025年3月5日``, ``20250305``, an
  Excel date cell, or an Excel date serial number in a number cell.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePath
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from welfare.domain import DomainError

# A workbook may unpack to this many times the file size limit (real sheets compress about 5-10x).
XLSX_EXPANSION_FACTOR = 20
HEADER_SCAN_ROWS = 10
NOT_MEASURED = frozenset({"", "未检", "弃检", "未查", "未做", "无", "-", "--", "—", "——", "/"})


class ImportFileError(DomainError):
    """The file as a whole cannot be imported; nothing was written."""


class ValueProblem(ValueError):
    """A cell that cannot be read; ``message`` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


# --- The file ------------------------------------------------------------------------------------------


def read_limited(file: str | Path | IO[bytes]) -> bytes:
    """The file's bytes; refuses an empty file and one over the size limit without reading it all."""
    limit = max_bytes()
    if isinstance(file, str | Path):
        with open(file, "rb") as handle:
            data = handle.read(limit + 1)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > limit:
        raise ImportFileError(_("The file is larger than %(limit)s MB.") % {"limit": _megabytes(limit)})
    return data


_BINARY_SIGNATURES = (
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"%PDF", "PDF"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _refuse_binary(data: bytes) -> None:
    if data.startswith(_OLE2):
        raise ImportFileError(
            _("This is an old Excel .xls file or a protected workbook: save it as .xlsx without a password.")
        )
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ImportFileError(_("This is not a spreadsheet but a %(kind)s file.") % {"kind": kind})


@dataclass
class Table:
    """The rows of a sheet as (row number, cells), the row number counted as the spreadsheet does."""

    rows: Iterator[tuple[int, list[Any]]]
    close: Any = None


def open_table(data: bytes, filename: str) -> Table:
    """Check the content against the name and return the first sheet's rows."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in {".xlsx", ".csv"}:
        raise ImportFileError(_("Only .xlsx and .csv files can be imported."))
    _refuse_binary(data)
    if suffix == ".xlsx":
        return _open_xlsx(data)
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            _("This file is a ZIP archive or a workbook, not CSV text; name it .xlsx if it is a workbook.")
        )
    return _open_csv(data)


def _open_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook  # only imports need it; keeps the web process's start-up light

    not_a_workbook = _("This is not an Excel workbook (.xlsx).")
    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(not_a_workbook)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(not_a_workbook) from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportFileError(not_a_workbook)
    if unpacked > max_bytes() * XLSX_EXPANSION_FACTOR:
        raise ImportFileError(
            _("The workbook unpacks to more than %(limit)s MB.")
            % {"limit": _megabytes(max_bytes() * XLSX_EXPANSION_FACTOR)}
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(_("The workbook could not be read: %(error)s") % {"error": exc}) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        # The first sheet with a police-number header; find_layout() refuses the file otherwise.
        sheets = workbook.worksheets
        chosen = sheets[0] if sheets else None
        for sheet in sheets:
            head = [list(r) for r in sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)]
            if any(_has_police_number_header(r) for r in head):
                chosen = sheet
                break
        if chosen is None:
            return
        try:
            for number, values in enumerate(chosen.iter_rows(values_only=True), start=1):
                yield number, list(values)
        except Exception as exc:  # a sheet damaged further down than the header
            raise ImportFileError(_("The workbook could not be read: %(error)s") % {"error": exc}) from None

    return Table(rows=rows(), close=workbook.close)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))
    raise ImportFileError(_("This is not a text file; a .csv file must be text."))


def _open_csv(data: bytes) -> Table:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            # One record is one spreadsheet row, even when a quoted cell holds a line break.
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise ImportFileError(_("The CSV file could not be read: %(error)s") % {"error": exc}) from None

    return Table(rows=rows())


# --- Headers -----------------------------------------------------------------------------------------


# Fields that are not indicators, then indicator codes with the headers centres use. The catalogue's
# own codes and Chinese names are accepted as well (see header_aliases()).
IDENTITY_FIELDS = ("police_no", "name", "date", "institution")
BLOOD_PRESSURE = "bp"
BLOOD_PRESSURE_CODES = ("sbp", "dbp")
# Computed from other values, never read from a file (a BMI column is ignored).
COMPUTED = frozenset({"bmi"})
HEADERS: dict[str, tuple[str, ...]] = {
    "police_no": ("警号", "police_no", "police number", "police_number"),
    "name": ("姓名", "name"),
    "date": ("体检日期", "date", "checkup_date", "检查日期"),
    "institution": ("体检机构", "institution"),
    BLOOD_PRESSURE: ("血压", "bp", "blood pressure"),
    "height": ("身高", "height"),
    "weight": ("体重", "weight"),
    "bmi": ("体重指数", "bmi"),
    "waist": ("腰围", "waist"),
    "sbp": ("收缩压", "sbp"),
    "dbp": ("舒张压", "dbp"),
    "heart_rate": ("心率", "heart_rate", "heart rate"),
    "fpg": ("空腹血糖", "fpg"),
    "hba1c": ("糖化血红蛋白", "hba1c"),
    "tc": ("总胆固醇", "tc"),
    "tg": ("甘油三酯", "tg"),
    "ldl_c": ("低密度脂蛋白胆固醇", "ldl_c", "ldl-c", "ldl"),
    "hdl_c": ("高密度脂蛋白胆固醇", "hdl_c", "hdl-c", "hdl"),
    "ua": ("尿酸", "ua"),
    "alt": ("谷丙转氨酶", "alt"),
    "ast": ("谷草转氨酶", "ast"),
    "cr": ("肌酐", "cr"),
}
_HEADER_UNIT = re.compile(r"^(?P<name>.*?)\s*[(\[【](?P<unit>[^)\]】]*)[)\]】]\s*$")
_HEADER_NOISE = re.compile(r"[\s\-_*·:：]+")


def clean_text(raw: Any) -> str:
    """A cell as text, normalised: full-width characters to ASCII (NFKC), no surrounding space."""
    if raw is None:
        return ""
    if type(raw) is str and raw.isascii():
        return raw.strip()  # NFKC leaves ASCII as it is, and there is no zero-width space or BOM in it
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    text = unicodedata.normalize("NFKC", str(raw))
    return text.replace("\u200b", "").replace("\ufeff", "").strip()


def header_key(text: str) -> str:
    return _HEADER_NOISE.sub("", text).lower()


def split_header(raw: Any) -> tuple[str, str]:
    """``空腹血糖(mmol/L)`` → (``空腹血糖``, ``mmol/L``); full-width brackets included."""
    text = clean_text(raw)
    match = _HEADER_UNIT.match(text)
    if match and match.group("name"):
        return match.group("name").strip(), match.group("unit").strip()
    return text, ""


def _has_police_number_header(cells: Iterable[Any]) -> bool:
    keys = {header_key(alias) for alias in HEADERS["police_no"]}
    return any(header_key(split_header(cell)[0]) in keys for cell in cells if cell is not None)


def header_aliases(indicators: Iterable[Any]) -> dict[str, str]:
    """Header key → field, for the fixed headers and the catalogue's codes and Chinese names."""
    aliases: dict[str, str] = {}
    for indicator in indicators:
        aliases[header_key(indicator.code)] = indicator.code
        aliases[header_key(indicator.name_zh)] = indicator.code
    for field_name, names in HEADERS.items():
        for name in names:
            aliases[header_key(name)] = field_name
    return aliases


@dataclass(frozen=True)
class Column:
    index: int
    field: str
    label: str  # as the file writes it, for messages
    unit: str  # from the header's brackets, or ""


@dataclass
class Layout:
    header_row: int
    columns: dict[str, Column]
    ignored: list[str] = field(default_factory=list)

    def cells(self, values: list[Any]) -> dict[str, Any]:
        return {
            name: values[column.index] if column.index < len(values) else None
            for name, column in self.columns.items()
        }


def find_layout(table: Table, *, indicators: Iterable[Any]) -> tuple[Layout, Iterator[tuple[int, list[Any]]]]:
    """The checkup file's columns, and the rows after the header. Refuses a file without 警号 or date."""
    indicators = list(indicators)
    units = {indicator.code: indicator.unit for indicator in indicators}
    units.update({BLOOD_PRESSURE: "mmHg"})
    wanted = (set(IDENTITY_FIELDS) | set(units)) - COMPUTED
    aliases = {key: name for key, name in header_aliases(indicators).items() if name in wanted}
    return read_layout(
        table,
        aliases=aliases,
        units=units,
        required={"date": _("The file has no 体检日期 (date) column.")},
    )


def read_layout(
    table: Table, *, aliases: dict[str, str], units: dict[str, str], required: dict[str, str]
) -> tuple[Layout, Iterator[tuple[int, list[Any]]]]:
    """Find the header row (the first with a 警号 column) and map its columns to fields.

    ``aliases`` maps header keys (``header_key()``) to fields; other columns are ignored and listed.
    ``units`` gives the unit a field is recorded in: a header naming another unit refuses the file.
    ``required`` maps each field the file must have to the message that refuses a file without it.
    Any kind of file (checkups, meals, exercise) is read with this; ``police_no`` is always needed.
    """
    rows = iter(table.rows)
    for number, values in rows:
        if number > HEADER_SCAN_ROWS:
            break
        if not _has_police_number_header(values):
            continue
        layout = Layout(header_row=number, columns={})
        for index, raw in enumerate(values):
            label = "" if raw is None else str(raw).strip()
            if not label:
                continue
            name, unit = split_header(raw)
            field_name = aliases.get(header_key(name))
            if field_name is None:
                layout.ignored.append(label)
                continue
            if field_name in layout.columns:
                raise ImportFileError(
                    _("The columns %(first)s and %(second)s hold the same thing; keep one.")
                    % {"first": layout.columns[field_name].label, "second": label}
                )
            if unit and field_name in units and not same_unit(unit, units[field_name]):
                raise ImportFileError(
                    _("Column %(column)s is in %(unit)s; this system records %(expected)s.")
                    % {"column": label, "unit": unit, "expected": units[field_name]}
                )
            layout.columns[field_name] = Column(index=index, field=field_name, label=label, unit=unit)
        for field_name, message in required.items():
            if field_name not in layout.columns:
                raise ImportFileError(message)
        return layout, rows
    raise ImportFileError(
        _("No header row with a 警号 (police_no) column was found in the first %(rows)d rows.")
        % {"rows": HEADER_SCAN_ROWS}
    )


# --- Values --------------------------------------------------------------------------------------------

_UNIT_WORDS = {
    "克": "g",
    "千卡": "kcal",
    "大卡": "kcal",
    "公里": "km",
    "千米": "km",
    "分钟": "min",
    "minutes": "min",
    "mins": "min",
    "步": "steps",
    "次/分": "bpm",
    "次/分钟": "bpm",
    "beats/min": "bpm",
    "/min": "bpm",
    "公斤": "kg",
    "千克": "kg",
    "厘米": "cm",
    "毫米汞柱": "mmhg",
    "iu/l": "u/l",
    "kg/m2": "kg/m²",
}


def unit_key(unit: str) -> str:
    key = unicodedata.normalize("NFKC", unit).replace(" ", "").lower()
    key = key.replace("μ", "u")  # NFKC turns the micro sign into Greek mu; people type "u" as well
    return _UNIT_WORDS.get(key, key)


def same_unit(given: str, expected: str) -> bool:
    return unit_key(given) == unit_key(expected)


def is_not_measured(raw: Any) -> bool:
    return clean_text(raw) in NOT_MEASURED


_NUMBER = re.compile(r"^(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>\D.*)?$")


def parse_measurement(raw: Any, *, column: str, unit: str) -> Decimal:
    """A number, optionally followed by its unit (which must be ``unit``)."""
    if isinstance(raw, bool | dt.date):
        raise ValueProblem(_("%(column)s: %(value)s is not a number.") % {"column": column, "value": raw})
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    text = clean_text(raw)
    match = _NUMBER.match(text)
    if not match:
        raise ValueProblem(_("%(column)s: %(value)s is not a number.") % {"column": column, "value": text})
    given_unit = (match.group("unit") or "").strip()
    if given_unit and not same_unit(given_unit, unit):
        raise ValueProblem(
            _("%(column)s: the unit %(unit)s is not %(expected)s.")
            % {"column": column, "unit": given_unit, "expected": unit}
        )
    try:
        return Decimal(match.group("number"))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise ValueProblem(
            _("%(column)s: %(value)s is not a number.") % {"column": column, "value": text}
        ) from None


_BLOOD_PRESSURE = re.compile(r"^(?P<sbp>\d+(?:\.\d+)?)\s*/\s*(?P<dbp>\d+(?:\.\d+)?)\s*(?P<unit>\D.*)?$")


def parse_blood_pressure(raw: Any, *, column: str) -> tuple[Decimal, Decimal]:
    """``138/86`` (full-width slash, a trailing ``mmHg`` allowed) → (138, 86)."""
    text = clean_text(raw)
    match = _BLOOD_PRESSURE.match(text)
    unit = (match.group("unit") or "").strip() if match else ""
    if not match or (unit and not same_unit(unit, "mmHg")):
        raise ValueProblem(
            _("%(column)s: %(value)s is not a blood pressure such as 138/86.")
            % {"column": column, "value": text}
        )
    return Decimal(match.group("sbp")), Decimal(match.group("dbp"))


_DATE_PATTERNS = (
    # 2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, each perhaps followed by a time of day
    re.compile(
        r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
        r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
    ),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)
# Excel's day numbers for 1954-10-03 … 2119-01-10: a date cell that lost its date format.
_EXCEL_SERIALS = range(20000, 80000)


def parse_date(raw: Any, *, column: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    is_number = isinstance(raw, int | float) and not isinstance(raw, bool)
    if is_number and float(raw).is_integer() and int(raw) in _EXCEL_SERIALS:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(raw))
    text = clean_text(raw)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise ValueProblem(_("%(column)s: %(value)s is not a date.") % {"column": column, "value": text})


def clean_police_number(raw: Any) -> str:
    return re.sub(r"\s+", "", clean_text(raw))


def clean_name(raw: Any) -> str:
    """A name for comparison: no spaces (``王  伟`` is 王伟), one kind of middle dot."""
    return re.sub(r"[•・‧．.]", "·", re.sub(r"\s+", "", clean_text(raw)))


# --- Canteen and exercise files ---------------------------------------------------------------------------

# Fields of a canteen system's meal export, with the headers it may use, and their units.
MEAL_HEADERS: dict[str, tuple[str, ...]] = {
    "police_no": HEADERS["police_no"],
    "name": HEADERS["name"],
    "date": ("日期", "date", "就餐日期", "用餐日期"),
    "meal": ("餐次", "meal"),
    "canteen": ("食堂", "canteen"),
    "energy_kcal": ("能量", "energy_kcal", "energy", "热量"),
    "salt_g": ("盐", "salt_g", "salt", "食盐"),
    "oil_g": ("油", "oil_g", "oil", "烹调油"),
    "sugar_g": ("糖", "sugar_g", "sugar", "添加糖"),
    "vegetables_g": ("蔬菜", "vegetables_g", "vegetables"),
    "fruit_g": ("水果", "fruit_g", "fruit"),
}
MEAL_UNITS = {
    "energy_kcal": "kcal",
    "salt_g": "g",
    "oil_g": "g",
    "sugar_g": "g",
    "vegetables_g": "g",
    "fruit_g": "g",
}
# Fields of a wristband's or fitness app's daily export.
EXERCISE_HEADERS: dict[str, tuple[str, ...]] = {
    "police_no": HEADERS["police_no"],
    "name": HEADERS["name"],
    "date": ("日期", "date"),
    "steps": ("步数", "steps"),
    "active_minutes": ("活动分钟", "active_minutes", "活动时间", "active minutes"),
    "distance_km": ("距离", "distance_km", "distance"),
    "source": ("来源", "source"),
}
EXERCISE_UNITS = {"steps": "步", "active_minutes": "min", "distance_km": "km"}

_MEALS = {
    "早餐": "breakfast",
    "早饭": "breakfast",
    "早": "breakfast",
    "breakfast": "breakfast",
    "午餐": "lunch",
    "午饭": "lunch",
    "中餐": "lunch",
    "中": "lunch",
    "lunch": "lunch",
    "晚餐": "dinner",
    "晚饭": "dinner",
    "晚": "dinner",
    "dinner": "dinner",
    "supper": "dinner",
    "加餐": "snack",
    "夜宵": "snack",
    "宵夜": "snack",
    "snack": "snack",
}
_SOURCES = {
    "设备": "device",
    "手环": "device",
    "手表": "device",
    "device": "device",
    "app": "app",
    "应用": "app",
    "手机": "app",
    "manual": "manual",
    "手动": "manual",
    "手工": "manual",
}


def aliases_of(headers: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Header key → field for a fixed table of headers (meal and exercise files)."""
    return {header_key(name): field_name for field_name, names in headers.items() for name in names}


def parse_choice(raw: Any, *, column: str, choices: dict[str, str], expected: str) -> str:
    text = clean_text(raw)
    try:
        return choices[header_key(text)]
    except KeyError:
        raise ValueProblem(
            _("%(column)s: %(value)s is not one of %(expected)s.")
            % {"column": column, "value": text, "expected": expected}
        ) from None


def parse_meal(raw: Any, *, column: str) -> str:
    """早餐/午餐/晚餐/加餐 (or 早饭, 夜宵, …) or breakfast/lunch/dinner/snack → the meal's code."""
    return parse_choice(raw, column=column, choices=_MEALS, expected="早餐, 午餐, 晚餐, 加餐")


def parse_source(raw: Any, *, column: str) -> str:
    """设备/手环, 应用/手机/app, 手动 or device/app/manual → the exercise source's code."""
    return parse_choice(
        raw, column=column, choices=_SOURCES, expected="设备, 应用, 手动 (device, app, manual)"
    )


_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?=\D|$)")


def parse_whole_number(raw: Any, *, column: str, unit: str) -> int:
    """A count such as steps: ``8000``, ``8,000``, ``８０００步``; a fraction is refused."""
    if isinstance(raw, str | bytes):
        text = clean_text(raw)
        raw = _THOUSANDS.sub(lambda match: match.group(0).replace(",", ""), text)
    value = parse_measurement(raw, column=column, unit=unit)
    if value != value.to_integral_value():
        raise ValueProblem(
            _("%(column)s: %(value)s is not a whole number.")
            % {"column": column, "value": f"{value.normalize():f}"}
        )
    return int(value)
