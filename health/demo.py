"""Demo data for health: two years of checkups for one county bureau, imported the way centres deliver them.

The rows are written as the CSV a checkup centre sends and go through the real importer, so the
demo exercises grading, risk levels, follow-ups and the import batch. The demo officer's own results
show a risk worth following up (grade-1 hypertension, borderline LDL-C). Then: the demo adviser takes
some of the red and orange officers, a few follow-ups are under way or done (one is overdue), and the
demo officer's station has five weeks of canteen meals and wristband steps. A second run changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from datetime import date
from decimal import Decimal

from django.utils import timezone

from health import followups, services
from health.models import (
    ExerciseRecord,
    ExerciseSource,
    FollowUp,
    FollowUpOutcome,
    FollowUpStatus,
    ImportBatch,
    Meal,
    MealRecord,
    RiskLevel,
)
from people.models import Officer, User

SEED = 20261129
DEMO_UNIT_PATH = "/C/X01/"  # 东城分局 and its stations: the demo unit admin's subtree
DEMO_STATION_PATH = "/C/X01/X01-P01/"  # 城关派出所, the demo officer's station
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
        f"{rng.gauss(84 if male else 75, 6) + 2 * drift:.1f}",
        f"{sbp:.0f}/{dbp:.0f}",
        f"{rng.gauss(74, 9):.0f}",
        f"{max(rng.gauss(5.3, 0.6) + 0.1 * drift, 3.6):.1f}",
        f"{max(rng.gauss(4.8, 0.8), 2.5):.2f}",
        f"{max(rng.gauss(1.3, 0.45), 0.4):.2f}",
        f"{max(rng.gauss(2.9, 0.7), 1.0):.2f}",
        f"{max(rng.gauss(1.25, 0.25), 0.6):.2f}",
        f"{max(rng.gauss(340 if male else 270, 55), 150):.0f}",
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
    _seed_follow_ups()
    _seed_meals_and_exercise(rng)


def _seed_follow_ups() -> None:
    health = User.objects.filter(username="demo_health").first()
    adviser = User.objects.filter(username="demo_adviser").first()
    if health is None or adviser is None:
        return
    urgent = list(
        Officer.objects.filter(
            org_unit__path__startswith=DEMO_UNIT_PATH,
            health_profile__risk_level__in=[RiskLevel.RED, RiskLevel.ORANGE],
        )
        .select_related("org_unit")
        .order_by("police_number")[:12]
    )
    followups.adviser_assign(actor=health, officers=urgent, adviser=adviser)
    if FollowUp.objects.filter(officer__in=urgent).exclude(notes="").exists():
        return  # worked on by an earlier run: a second run changes nothing
    today = timezone.localdate()
    untouched = list(
        FollowUp.objects.filter(officer__in=urgent, status=FollowUpStatus.OPEN, notes="")
        .select_related("officer__org_unit", "assignee")
        .order_by("officer__police_number")
    )
    plans = [
        (
            FollowUpStatus.DONE,
            FollowUpOutcome.REFERRED,
            0,
            "已电话随访，建议到市人民医院心内科进一步检查，已预约专家门诊。",
        ),
        (
            FollowUpStatus.DONE,
            FollowUpOutcome.ADVICE,
            0,
            "面谈：减盐、戒烟、每周运动 150 分钟；三个月后复测血压。",
        ),
        (FollowUpStatus.IN_PROGRESS, "", 5, "已联系本人，约定下周复测空腹血糖。"),
        (FollowUpStatus.OPEN, "", -3, "电话未接通，待再次联系。"),  # overdue: shows up red in the queue
    ]
    for follow_up, (status, outcome, days, notes) in zip(untouched, plans, strict=False):
        followups.follow_up_update(
            follow_up,
            actor=health,
            assignee=adviser if status != FollowUpStatus.OPEN else health,
            due_date=today + dt.timedelta(days=days) if days else follow_up.due_date,
            status=status,
            notes=notes,
            outcome=outcome,
        )


def _seed_meals_and_exercise(rng: random.Random) -> None:
    """Five weeks of canteen meals and wristband days for the demo officer's station."""
    officers = list(Officer.objects.filter(active=True, org_unit__path__startswith=DEMO_STATION_PATH))
    today = timezone.localdate()
    meals, days = [], []
    for officer in officers:
        person = random.Random(f"{SEED}:meals:{officer.police_number}")
        salty = person.uniform(0.8, 1.4)  # some people salt more than others
        walker = person.uniform(0.6, 1.5)
        for back in range(1, 36):
            day = today - dt.timedelta(days=back)
            if day.weekday() < 5:
                for meal, share in ((Meal.BREAKFAST, 0.25), (Meal.LUNCH, 0.4), (Meal.DINNER, 0.35)):
                    meals.append(
                        MealRecord(
                            officer=officer,
                            date=day,
                            meal=meal,
                            canteen="城关派出所食堂",
                            energy_kcal=Decimal(f"{2100 * share * rng.uniform(0.85, 1.15):.1f}"),
                            salt_g=Decimal(f"{6.2 * share * salty * rng.uniform(0.8, 1.2):.1f}"),
                            oil_g=Decimal(f"{30 * share * rng.uniform(0.8, 1.25):.1f}"),
                            sugar_g=Decimal(f"{20 * share * rng.uniform(0.5, 1.5):.1f}"),
                            vegetables_g=Decimal(f"{330 * share * rng.uniform(0.7, 1.2):.1f}"),
                            fruit_g=Decimal(f"{220 * share * rng.uniform(0.3, 1.4):.1f}"),
                        )
                    )
            if rng.random() < 0.9:  # the wristband is sometimes left at home
                steps = int(max(800, rng.gauss(7200 * walker, 2200)))
                days.append(
                    ExerciseRecord(
                        officer=officer,
                        date=day,
                        steps=steps,
                        active_minutes=min(240, int(steps / 260)),
                        distance_km=Decimal(f"{steps * 0.0007:.2f}"),
                        source=ExerciseSource.DEVICE,
                    )
                )
    MealRecord.objects.bulk_create(meals, ignore_conflicts=True, batch_size=2000)
    ExerciseRecord.objects.bulk_create(days, ignore_conflicts=True, batch_size=2000)
