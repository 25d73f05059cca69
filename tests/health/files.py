"""Checkup files built in the test, as centres deliver them."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def csv_bytes(rows: list[list[object]], *, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, sheets: dict[str, list[list[object]]] | None = None) -> bytes:
    """A workbook whose first sheet holds ``rows`` (dates and numbers stay typed cells)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "体检结果"
    for row in rows:
        sheet.append(row)
    for title, more in (sheets or {}).items():
        extra = workbook.create_sheet(title)
        for row in more:
            extra.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
