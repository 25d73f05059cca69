"""Spreadsheet exports that are safe to open: no cell is ever run as a formula (CSV/formula injection)."""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A cell value that Excel and WPS will not run as a formula (a name typed as ``=HYPERLINK(…)``)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
