"""``manage.py import_meals FILE [--dry-run] [--json]``: a canteen system's meal export.

Imports through ``health.services.meals_import``; the rules are those of import_checkups.
"""

from __future__ import annotations

from health import services
from health.management.base import ImportCommand


class Command(ImportCommand):
    help = "Import canteen meal records (salt, oil, sugar, vegetables, fruit) from an .xlsx or .csv file."

    def import_file(self, *, path, dry_run, options):
        return services.meals_import(file=path, filename=path.name, dry_run=dry_run, actor=None)
