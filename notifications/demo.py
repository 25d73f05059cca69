"""Demo data for notifications: a welcome message, a broadcast, today's greetings.

Everything is scheduled as reminders, so the worker and beat of ``make run`` deliver it
within a sweep or two: the inbox badge lights up on the first visit.
"""

from __future__ import annotations

import uuid

from django.utils import timezone

from notifications import services
from notifications.kinds import BROADCAST
from people.models import OrgUnit, User

DEMO_NAMESPACE = uuid.UUID("6f1d7c1e-5a52-4c2b-9a53-3b0f3c1a9a10")


def seed_notifications() -> None:
    now = timezone.now()
    for user in User.objects.filter(username__startswith="demo_").order_by("id"):
        services.reminder_schedule(
            recipient=user,
            kind=BROADCAST.code,
            due_at=now,
            dedupe_key=f"demo:welcome:{user.username}",
            payload={
                "title": "欢迎使用幸福警营",
                "body": "爱警办提醒：请在“我的家庭”中核对家属信息，家庭活动报名、子女奖学金申请都会用到。",
            },
        )
    welfare = User.objects.filter(username="demo_welfare").first()
    county = OrgUnit.objects.filter(code="X01").first()
    if welfare and county:
        broadcast = services.broadcast_create(
            sender=welfare,
            org_unit=county,
            title="本周六亲子绘画活动报名开始",
            body="爱警办本周六上午九点在市局活动中心举办亲子绘画活动，欢迎民警带孩子参加。",
            request_token=uuid.uuid5(DEMO_NAMESPACE, "first-broadcast"),
        )
        while not services.broadcast_schedule_batch(broadcast_id=broadcast.pk):
            pass
    services.greetings_schedule_for_day(day=timezone.localdate())
