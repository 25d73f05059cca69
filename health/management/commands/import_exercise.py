"""``manage.py import_exercise FILE [--dry-run] [--json]``: a wristband's or fitness app's daily export.

Imports through ``health.services.exercise_import``; the rules are those of import_checkups.
"""

from __future__ import annotations

from health import services
from health.management.base import ImportCommand


class Command(ImportCommand):
    help = "Import daily exercise records (steps, active minutes, distance) from an .xlsx or .csv file."

    def import_file(self, *, path, dry_run, options):
        return services.exercise_import(file=path, filename=path.name, dry_run=dry_run, actor=None)
