"""``manage.py import_checkups FILE [--institution NAME] [--dry-run] [--json]``.

Imports a checkup centre's .xlsx or .csv file through ``health.services.checkups_import``.
A file that cannot be imported at all stops with an error (exit status 1) and writes nothing;
rejected rows are listed in the summary and do not change the exit status.
"""

from __future__ import annotations

from health import services
from health.management.base import ImportCommand


class Command(ImportCommand):
    help = "Import checkup results from an .xlsx or .csv file as a checkup centre delivers it."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--institution", default="", help="checkup centre, for rows that do not name one")

    def import_file(self, *, path, dry_run, options):
        return services.checkups_import(
            file=path, filename=path.name, institution=options["institution"], dry_run=dry_run, actor=None
        )
