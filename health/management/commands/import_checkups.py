"""``manage.py import_checkups FILE [--institution NAME] [--dry-run] [--json]``.

Imports a checkup centre's .xlsx or .csv file through ``health.services.checkups_import``.
A file that cannot be imported at all stops with an error (exit status 1) and writes nothing;
rejected rows are listed in the summary and do not change the exit status.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from health import services
from welfare.domain import DomainError


class Command(BaseCommand):
    help = "Import checkup results from an .xlsx or .csv file as a checkup centre delivers it."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file")
        parser.add_argument("--institution", default="", help="checkup centre, for rows that do not name one")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check and count everything, write nothing (no batch either)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help='print one JSON object: {"rows", "imported", "unchanged", "rejected", "errors"}',
        )

    def handle(self, *args, file: str, institution: str, dry_run: bool, as_json: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        try:
            summary = services.checkups_import(
                file=path, filename=path.name, institution=institution, dry_run=dry_run, actor=None
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if as_json:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
            return
        heading = (
            _("Dry run, nothing written") if dry_run else _("Import batch %(id)s") % {"id": summary.batch_id}
        )
        self.stdout.write(
            _(
                "%(heading)s: %(rows)d rows, %(imported)d imported, "
                "%(unchanged)d unchanged, %(rejected)d rejected."
            )
            % {
                "heading": heading,
                "rows": summary.rows,
                "imported": summary.imported,
                "unchanged": summary.unchanged,
                "rejected": summary.rejected,
            }
        )
        for error in summary.errors:
            self.stdout.write(_("Row %(row)d: %(reason)s") % error)
        if summary.changes:
            self.stdout.write(
                _("%(count)d recorded values were replaced by this file's.") % {"count": len(summary.changes)}
            )
        if summary.ignored_columns:
            self.stdout.write(
                _("Columns not imported: %(columns)s") % {"columns": ", ".join(summary.ignored_columns)}
            )
