"""The curated list of key universities (awards/data/universities.csv: 985, 211 and the 2022 Double
First-Class list), loaded once. Later changes come through the admin or ``manage.py import_universities``.
"""

import csv
import datetime as dt
from pathlib import Path

from django.db import migrations

LIST_DATE = dt.date(2022, 2, 14)  # the second-round Double First-Class list
DATA = Path(__file__).resolve().parent.parent / "data" / "universities.csv"


def load(apps, schema_editor):
    University = apps.get_model("awards", "University")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            University.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "province": row["province"],
                    "is_985": row["is_985"] == "1",
                    "is_211": row["is_211"] == "1",
                    "is_double_first_class": row["is_double_first_class"] == "1",
                    "list_date": LIST_DATE,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("awards", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
