"""The surveys' demo data: a closed 2025 campaign whose index is the third party's 89.9, an open 2026 one the
demo officer has not answered, action plans; and a second seed_demo run changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from surveys import demo, scoring
from surveys.models import (
    ActionPlan,
    Campaign,
    CampaignStatus,
    ExternalBenchmark,
    Module,
    Participation,
    Response,
)

pytestmark = pytest.mark.django_db


def _state():
    return (
        list(Campaign.objects.order_by("pk").values_list("pk", "title", "status", "updated_at")),
        sorted(Response.objects.values_list("id", flat=True)),
        list(Participation.objects.order_by("pk").values_list("pk", "submitted")),
        list(ActionPlan.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        list(ExternalBenchmark.objects.values_list("pk", "index", "updated_at")),
    )


def _index(campaign: Campaign) -> float:
    items = [
        scoring.ItemSpec(item.code, item.dimension, item.scale_min, item.scale_max, item.reverse)
        for item in campaign.instrument.items.filter(module=Module.CORE)
    ]
    answers = [response.answers for response in campaign.responses.all()]
    return scoring.figures(answers, items, campaign.weights).index


def test_the_demo_has_a_campaign_at_the_benchmark_an_open_one_and_plans_and_a_second_run_changes_nothing(
    shipped_instrument,
):
    call_command("seed_demo", "--scale", "small", verbosity=0)
    first = _state()
    call_command("seed_demo", "--scale", "small", verbosity=0)
    assert _state() == first

    past = Campaign.objects.get(title=demo.PAST)
    assert past.status == CampaignStatus.PUBLISHED
    assert past.result.index == Decimal("89.9")
    assert past.responses.count() == past.participations.filter(submitted=True).count() >= 100
    assert _index(past) == pytest.approx(89.9, abs=0.3)
    assert ExternalBenchmark.objects.get(title=demo.BENCHMARK).index == Decimal("89.9")
    assert 0 < past.responses.exclude(comment="").count() < past.responses.count()

    current = Campaign.objects.get(title=demo.CURRENT)
    assert (current.status, current.include_who5) == (CampaignStatus.OPEN, True)
    assert current.responses.exists()
    assert not Participation.objects.filter(
        campaign=current, officer__user__username="demo_officer", submitted=True
    ).exists()

    plans = ActionPlan.objects.filter(campaign=past).select_related("unit")
    assert {(plan.unit.code, plan.dimension) for plan in plans} == {
        (code, dimension) for code, dimension, *_rest in demo.ACTIONS
    }
