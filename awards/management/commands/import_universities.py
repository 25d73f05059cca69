"""Add or update universities from a CSV: ``manage.py import_universities x.csv --list-date 2022-02-14``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from awards import services
from welfare.domain import DomainError


class Command(BaseCommand):
    help = (
        "Add or update universities (code,name,province,is_985,is_211,is_double_first_class); all or nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--list-date", required=True, help="The date of the published list (YYYY-MM-DD).")

    def handle(self, *args, path: Path, list_date: str, **options) -> None:
        try:
            day = dt.date.fromisoformat(list_date)
        except ValueError:
            raise CommandError(f"--list-date {list_date!r} is not a date (YYYY-MM-DD).") from None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        try:
            result = services.universities_import(data=data, list_date=day, actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{result.created} added, {result.updated} updated, {result.unchanged} unchanged (list of {day})."
        )
