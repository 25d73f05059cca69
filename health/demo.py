"""Demo data for health: two years of checkups for one county bureau, imported the way centres deliver them.

The rows are written as the CSV a checkup centre sends and go through the real importer, so the
demo exercises grading, risk levels and the import batch. The demo officer's own results show a
risk worth following up (grade-1 hypertension, borderline LDL-C). A second run changes nothing.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date

from health import services
from health.models import ImportBatch
from people.models import Officer

SEED = 20261129
DEMO_UNIT_PATH = "/C/X01/"  # 东城分局 and its stations: the demo unit admin's subtree
HEADER = [
    "警号",
    "姓名",
    "体检日期",
    "身高(cm)",
    "体重(kg)",
    "腰围(cm)",
    "血压",
    "心率",
    "空腹血糖(mmol/L)",
    "总胆固醇",
    "甘油三酯",
    "低密度脂蛋白胆固醇",
    "高密度脂蛋白胆固醇",
    "尿酸",
    "谷丙转氨酶",
    "谷草转氨酶",
    "肌酐",
]


def _row(officer: Officer, when: date, rng: random.Random, drift: float) -> list[str]:
    male = officer.sex == "male"
    person = random.Random(f"{SEED}:{officer.police_number}")  # what stays the same from year to year
    height = person.gauss(172 if male else 161, 6)
    bmi = person.gauss(24.5 if male else 22.5, 3) + drift + rng.gauss(0, 0.4)
    weight = bmi * (height / 100) ** 2
    sbp = rng.gauss(126, 14) + 4 * drift
    dbp = min(sbp - 25, rng.gauss(80, 9) + 2 * drift)
    return [
        officer.police_number,
        officer.name,
        when.isoformat(),
        f"{height:.1f}",
        f"{weight:.1f}",
        f"{rng.gauss(88 if male else 78, 8) + 2 * drift:.1f}",
        f"{sbp:.0f}/{dbp:.0f}",
        f"{rng.gauss(74, 9):.0f}",
        f"{max(rng.gauss(5.3, 0.6) + 0.1 * drift, 3.6):.1f}",
        f"{max(rng.gauss(4.8, 0.8), 2.5):.2f}",
        f"{max(rng.gauss(1.5, 0.6), 0.4):.2f}",
        f"{max(rng.gauss(2.9, 0.7), 1.0):.2f}",
        f"{max(rng.gauss(1.25, 0.25), 0.6):.2f}",
        f"{max(rng.gauss(360 if male else 290, 70), 150):.0f}",
        f"{max(rng.gauss(28, 10), 8):.0f}",
        f"{max(rng.gauss(24, 7), 10):.0f}",
        f"{max(rng.gauss(80 if male else 60, 12), 35):.0f}",
    ]


def seed_health() -> None:
    rng = random.Random(SEED)
    officers = list(
        Officer.objects.filter(active=True, org_unit__path__startswith=DEMO_UNIT_PATH).order_by(
            "police_number"
        )
    )
    officers += list(
        Officer.objects.filter(user__username__startswith="demo_").exclude(pk__in=[o.pk for o in officers])
    )
    for year, drift in ((2024, 0.0), (2025, 0.6)):
        filename = f"{year}年度民警体检（东城分局）.csv"
        if ImportBatch.objects.filter(original_filename=filename).exists():
            continue  # imported by an earlier run: a second run changes nothing, not even the batch list
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADER)
        for officer in officers:
            row = _row(officer, date(year, 4, 15), rng, drift)
            if officer.user.username == "demo_officer":
                row[6] = "146/92" if year == 2025 else "134/86"  # worth a follow-up
                row[11] = "3.72"
            writer.writerow(row)
        services.checkups_import(
            file=io.BytesIO(buffer.getvalue().encode("utf-8")),
            filename=filename,
            institution="市公安医院体检中心",
        )
