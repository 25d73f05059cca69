"""Export a campaign's responses, anonymised, for an outside analyst (surveys/thirdparty.py says how)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys import thirdparty


class Command(BaseCommand):
    help = "Write a campaign's anonymised responses to FILE.csv or FILE.xlsx (the export is audited)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("campaign", type=int, help="the campaign's id")
        parser.add_argument("file", help="where to write: a .csv or .xlsx path")

    def handle(self, *args, campaign: int, file: str, **options) -> None:
        target = Path(file)
        fmt = target.suffix.lower().lstrip(".")
        if fmt not in thirdparty.FORMATS:
            raise CommandError("the file must end in .csv or .xlsx")
        found = thirdparty.exportable_campaigns().filter(pk=campaign).first()
        if found is None:
            raise CommandError(f"no closed or published campaign {campaign}")
        target.write_bytes(thirdparty.export_bytes(found, fmt=fmt, actor=None, actor_username="manage.py"))
        self.stdout.write(f"wrote {target}")
