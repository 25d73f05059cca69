"""Spreadsheet exports that are safe to open: no cell is ever run as a formula (CSV/formula injection)."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def spreadsheet_safe(value: object) -> object:
    """A cell value that Excel and WPS will not run as a formula (a name typed as ``=HYPERLINK(…)``)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def xlsx_response(book, filename: str) -> HttpResponse:
    """An openpyxl workbook as a download named ``filename`` (ASCII: export names are English)."""
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
