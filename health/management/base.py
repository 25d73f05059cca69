"""What the import commands (import_checkups, import_meals, import_exercise) share.

A file that cannot be imported at all stops with an error (exit status 1) and writes nothing;
rejected rows are listed in the summary and do not change the exit status.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from health.services import ImportSummary
from welfare.domain import DomainError


class ImportCommand(BaseCommand):
    """``FILE [--dry-run] [--json]``; a subclass says which service imports the file."""

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file")
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

    def import_file(self, *, path: Path, dry_run: bool, options: dict[str, Any]) -> ImportSummary:
        raise NotImplementedError

    def handle(self, *args, file: str, dry_run: bool, as_json: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": file})
        try:
            summary = self.import_file(path=path, dry_run=dry_run, options=options)
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
