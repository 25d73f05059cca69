"""Demo data for the welfare index: a closed 2025 campaign with results, a benchmark and an open 2026 one.

- "2025年度民警幸福指数调查": published, answered by up to 300 officers of the roster
  through ``services.response_submit`` at a time inside its window. The answers are tuned so that the
  city index comes out at 89.9, matching the third-party survey of that year: every item of a
  dimension gets the same spread of answers (so each dimension's score is set), and who gives which
  answer follows a per-officer disposition (plus a unit effect), so items agree with each other
  (Cronbach's α is realistic) and units differ.
- The ExternalBenchmark "第三方测评 2025": 89.9.
- "2026年度民警幸福指数调查": open now, with the WHO-5 module; some officers have answered, the demo
  officer (陈志远) has not, so his portal shows it.
- A few action plans on the 2025 results, for 东城分局 and for the city.

Idempotent: each part is added only when missing.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from people.models import Officer, OrgUnit, User
from surveys import plans, results, scoring, services, thirdparty
from surveys.models import ActionStatus, Campaign, CampaignStatus, Instrument, Item, Module

SEED = 20251103
PAST = "2025年度民警幸福指数调查"
CURRENT = "2026年度民警幸福指数调查"
BENCHMARK = "第三方测评 2025"
RESPONDENTS = 300
# Dimension scores whose equal-weight mean is the third party's 89.9.
TARGETS = {
    "recognition": 92.0,
    "fairness": 88.5,
    "warmth": 93.5,
    "warning": 87.0,
    "passion": 94.0,
    "rest": 84.4,
}
COMMENTS = (
    "希望进一步落实轮休制度，保证休息时间。",
    "食堂伙食改善明显，点赞。",
    "建议多组织一些家属参加的活动。",
    "体检项目可以再增加一些。",
    "值班备勤任务重，希望增加警力。",
    "心理咨询渠道希望再宣传一下。",
)
ACTIONS = (
    # (unit code, dimension, action, due in days after closing, status, the actor's username)
    (
        "X01",
        "rest",
        "推行弹性轮休制度，保障一线民警每月轮休不少于4天。",
        60,
        ActionStatus.UNDER_WAY,
        "demo_unit_admin",
    ),
    (
        "X01",
        "warning",
        "每季度开展一次谈心谈话，发现问题及时帮扶。",
        30,
        ActionStatus.DONE,
        "demo_unit_admin",
    ),
    ("C", "rest", "全市统一建立备勤补休台账，年底前补休到位。", 90, ActionStatus.PLANNED, "demo_welfare"),
    ("C", "fairness", "评先评优名单全程公示，设立异议反馈渠道。", 45, ActionStatus.UNDER_WAY, "demo_welfare"),
)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _counts(n: int, score: float, item: Item) -> list[int]:
    """The answers (best first) that give ``n`` respondents this mean item score: 5s, 4s and a few 3s."""
    total = round(n * (item.scale_min + score / 100 * (item.scale_max - item.scale_min)))
    low = round(n * 0.05)
    top = max(0, min(n - low, total - (item.scale_max - 1) * n + low))
    middle = n - top - low
    best, good, fair = item.scale_max, item.scale_max - 1, item.scale_max - 2
    return [best] * top + [good] * middle + [fair] * low


def _answers(officers: list[Officer], items: list[Item], rng: random.Random) -> list[dict[str, int]]:
    """Answers per officer: each item's spread is fixed, who gets which follows disposition + noise."""
    unit_effect: dict[str, float] = {}
    disposition = []
    for officer in officers:
        unit = services.reporting_unit_path(officer.org_unit.path)
        effect = unit_effect.setdefault(unit, rng.gauss(0, 0.4))
        disposition.append(rng.gauss(0, 1) + effect)
    answers: list[dict[str, int]] = [{} for _officer in officers]
    for item in items:
        values = _counts(len(officers), TARGETS[item.dimension], item)
        ranked = sorted(range(len(officers)), key=lambda i: -(disposition[i] + rng.gauss(0, 0.8)))
        for value, i in zip(values, ranked, strict=True):
            answers[i][item.code] = item.scale_min + item.scale_max - value if item.reverse else value
    return answers


def _campaign(
    title: str, instrument: Instrument, city: OrgUnit, opens: dt.datetime, closes: dt.datetime, **extra
):
    dimensions = list(dict.fromkeys(item.dimension for item in instrument.items.filter(module=Module.CORE)))
    return Campaign.objects.create(
        title=title,
        instrument=instrument,
        population_unit=city,
        opens_at=opens,
        closes_at=closes,
        weights=scoring.equal_weights(dimensions),
        status=CampaignStatus.OPEN,
        **extra,
    )


def _respond(campaign: Campaign, officers: list[Officer], rng: random.Random, now: dt.datetime) -> None:
    items = services.items_of(campaign)
    core = [item for item in items if item.module == Module.CORE]
    for officer, answers in zip(officers, _answers(officers, core, rng), strict=True):
        who5 = {item.code: rng.choice((2, 3, 3, 4, 4, 5)) for item in items if item.module == Module.WHO5}
        comment = rng.choice(COMMENTS) if rng.random() < 0.15 else ""
        services.response_submit(
            campaign=campaign, officer=officer, answers={**answers, **who5}, comment=comment, now=now
        )


def seed_surveys() -> None:
    city = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    instrument = Instrument.objects.filter(code="welfare-index", version=1).first()
    if city is None or instrument is None:
        return
    rng = random.Random(SEED)
    roster = list(
        Officer.objects.filter(active=True, org_unit__path__startswith=city.path)
        .exclude(user__username="demo_officer")
        .select_related("org_unit")
        .order_by("police_number")
    )
    past = Campaign.objects.filter(title=PAST).first()
    if past is None:
        opens = _at(dt.date(2025, 11, 3), 9)
        past = _campaign(
            PAST, instrument, city, opens, opens + dt.timedelta(days=21), reminder_days=[3, 7, 14]
        )
        _respond(past, rng.sample(roster, min(RESPONDENTS, len(roster))), rng, opens + dt.timedelta(days=1))
        Campaign.objects.filter(pk=past.pk).update(status=CampaignStatus.CLOSED)
        past.refresh_from_db()
        # Published, so the trend and the officers' view show it (publishing again changes nothing).
        results.result_publish(campaign=past, actor=None)
        past.refresh_from_db()
    thirdparty.benchmark_import(
        title=BENCHMARK, measured_on=dt.date(2025, 12, 15), index=Decimal("89.9"), source="第三方机构民意调查"
    )
    if not Campaign.objects.filter(title=CURRENT).exists():
        now = timezone.now()
        opens = _at(timezone.localdate(now) - dt.timedelta(days=3), 9)
        current = _campaign(
            CURRENT,
            instrument,
            city,
            opens,
            opens + dt.timedelta(days=21),
            include_who5=True,
            reminder_days=[3, 7, 14],
        )
        _respond(current, rng.sample(roster, len(roster) * 2 // 5), rng, now)
    _seed_actions(past, city)


def _seed_actions(campaign: Campaign, city: OrgUnit) -> None:
    users = {user.username: user for user in User.objects.filter(username__in={a[5] for a in ACTIONS})}
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in={a[0] for a in ACTIONS})}
    for code, dimension, action, due_in, status, username in ACTIONS:
        if username not in users or code not in units:
            continue
        plans.action_plan_create(
            campaign=campaign,
            unit=units[code],
            dimension=dimension,
            action=action,
            due_date=campaign.closes_at.date() + dt.timedelta(days=due_in),
            status=status,
            actor=users[username],
        )
