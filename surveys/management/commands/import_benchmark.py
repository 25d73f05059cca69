"""Record an index measured by somebody else (a third-party survey), for the trend chart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from surveys import thirdparty


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r}: give YYYY-MM-DD") from None


def _index(value: str) -> Decimal:
    try:
        index = Decimal(value).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise CommandError(f"--index {value!r}: give a number such as 89.9") from None
    if not 0 <= index <= 100:
        raise CommandError(f"--index {value}: give a number from 0 to 100")
    return index


class Command(BaseCommand):
    help = "Add an external benchmark (or correct the one of the same title and date)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--title", required=True)
        parser.add_argument("--date", required=True, help="YYYY-MM-DD, when it was measured")
        parser.add_argument("--index", required=True, help="the index, 0–100, e.g. 89.9")
        parser.add_argument("--source", default="")

    def handle(self, *args, title: str, date: str, index: str, source: str, **options) -> None:
        if not title.strip():
            raise CommandError("--title cannot be empty")
        benchmark = thirdparty.benchmark_import(
            title=title, measured_on=_date(date), index=_index(index), source=source
        )
        self.stdout.write(f"{benchmark.title} ({benchmark.measured_on}): {benchmark.index}")
