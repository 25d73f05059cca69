"""Results: figures per unit with withholding (the subtraction case), comments, publishing, recomputing."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone, translation

from surveys import results, scoring
from surveys.models import Campaign, Instrument, Item, PublishedResult, Response
from tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(city):
    if not Instrument.objects.exists():  # a transactional test elsewhere flushed the shipped instrument
        importlib.import_module("surveys.migrations.0002_default_instrument").install(apps)
    now = timezone.now()
    return Campaign.objects.create(
        title="2026年度民警幸福指数调查",
        instrument=Instrument.objects.get(code="welfare-index", version=1),
        population_unit=city,
        opens_at=now - dt.timedelta(days=15),
        closes_at=now - dt.timedelta(days=1),
        status="closed",
        min_group=5,
        min_comment_group=6,
    )


def answers(campaign, level: int) -> dict[str, int]:
    """Every item scored (level − 1) × 25 (reverse-scored items answered the other way round)."""
    return {
        item.code: (6 - level if item.reverse else level)
        for item in Item.objects.filter(instrument=campaign.instrument, module="core")
    }


def respond(campaign, unit, levels, comment=""):
    Response.objects.bulk_create(
        Response(
            campaign=campaign,
            unit=unit,
            officer_kind="police",
            age_band="30-39",
            answers=answers(campaign, level),
            comment=comment,
        )
        for level in levels
    )


@pytest.fixture
def units(city, county, other_county):
    third = OrgUnitFactory(code="X03", name="南城分局", kind="county_bureau", parent=city)
    return county, other_county, third


def test_it_computes_the_heatmap_and_withholds_the_small_unit_and_the_next_smallest(campaign, units):
    small, middle, large = units
    respond(campaign, small, [5, 5, 5, 5])  # n = 4: under the minimum
    respond(campaign, middle, [4, 4, 4, 4, 4])  # n = 5: withheld too, or city − large gives small away
    respond(campaign, large, [3, 3, 3, 3, 3, 2])  # n = 6: 5 × 50 + 25 = 275 / 6

    report = results.campaign_report(campaign=campaign)

    rows = {row.unit.code: row for row in report.units}
    assert rows["X01"].withheld and rows["X02"].withheld and not rows["X03"].withheld
    for code in ("X01", "X02"):
        assert rows[code].index.value is None and rows[code].index.display is None
        assert all(cell.withheld and cell.value is None for cell in rows[code].dimensions.values())
    assert rows["X03"].index.display == Decimal("45.8")  # 275 / 6 = 45.83
    assert {cell.display for cell in rows["X03"].dimensions.values()} == {Decimal("45.8")}
    # City: (4 × 100 + 5 × 75 + 275) / 15 = 70
    assert report.total.respondents == 15 and not report.total.withheld
    assert report.total.index.display == Decimal("70.0")
    assert len(report.dimensions) == 6


def test_a_unit_at_the_minimum_is_shown_when_no_sibling_is_small(campaign, units):
    first, second, _third = units
    respond(campaign, first, [5] * 5)
    respond(campaign, second, [1] * 5)

    report = results.campaign_report(campaign=campaign)

    assert [(row.unit.code, row.index.display) for row in report.units] == [
        ("X01", Decimal("100.0")),
        ("X02", Decimal("0.0")),
    ]
    assert report.total.index.display == Decimal("50.0")


def test_a_unit_admin_view_withholds_its_total_when_it_would_isolate_a_hidden_unit(campaign, units):
    small, middle, large = units
    respond(campaign, small, [5] * 4)
    respond(campaign, middle, [4] * 5)
    respond(campaign, large, [3] * 6)

    # An admin over X01 and X03: X01 is hidden, so their total less X03 would be X01 alone.
    report = results.campaign_report(campaign=campaign, unit_ids=[small.pk, large.pk])

    assert report.total.withheld and report.total.index.value is None
    # and within the view X01 is the one small unit, so the subtraction rule withholds X03 as well.
    assert [(row.unit.code, row.withheld) for row in report.units] == [("X01", True), ("X03", True)]


def test_comments_only_for_groups_that_reach_the_comment_minimum(campaign, units):
    first, second, third = units
    respond(campaign, first, [4] * 6, comment="食堂很好")  # 6 ≥ min_comment_group
    respond(campaign, second, [4] * 7, comment="加班太多")
    respond(campaign, third, [4] * 2, comment="人太少")  # 2: withheld, so is X01 (subtraction)

    report = results.campaign_report(campaign=campaign)

    rows = {row.unit.code: row for row in report.units}
    assert rows["X02"].comments == ["加班太多"] * 7  # the pool less X02 is 8 ≥ 6
    assert rows["X01"].comments == [] and rows["X01"].withheld
    assert rows["X03"].comments == [] and rows["X03"].withheld
    assert sorted(set(report.total.comments)) == ["人太少", "加班太多", "食堂很好"]


def test_a_unit_s_comments_are_pooled_when_the_rest_of_the_pool_would_be_too_small(campaign, units):
    first, second, _third = units
    respond(campaign, first, [4] * 6, comment="食堂很好")
    respond(campaign, second, [4] * 5, comment="加班太多")  # 5 < 6: figures yes, comments no

    report = results.campaign_report(campaign=campaign)

    rows = {row.unit.code: row for row in report.units}
    assert rows["X02"].comments == [] and rows["X02"].index.display == Decimal("75.0")
    # The city (11 ≥ 6) less X01's own six comments would give X02's five away: X01's stay pooled.
    assert rows["X01"].comments == []
    assert sorted(set(report.total.comments)) == ["加班太多", "食堂很好"]


def test_the_lowest_items_and_the_trend_with_its_change(campaign, units, city):
    first, _second, _third = units
    respond(campaign, first, [4] * 5)
    Response.objects.filter(campaign=campaign).update(answers={**answers(campaign, 4), "rec1": 1})
    earlier = Campaign.objects.create(
        title="2025年度",
        instrument=campaign.instrument,
        population_unit=city,
        opens_at=campaign.opens_at - dt.timedelta(days=365),
        closes_at=campaign.closes_at - dt.timedelta(days=365),
        status="published",
    )
    PublishedResult.objects.create(
        campaign=earlier,
        instrument="welfare-index v1",
        method="m",
        weights={},
        respondents=9,
        index=Decimal("71.5"),
        dimensions={},
    )
    results.result_publish(campaign=campaign, actor=None)

    report = results.campaign_report(campaign=campaign)

    assert report.lowest_items[0].code == "rec1" and report.lowest_items[0].favourable == 0
    assert [(point.title, point.index, point.change) for point in report.trend] == [
        ("2025年度", Decimal("71.5"), None),
        # recognition (0 + 3 × 75) / 4 = 56.25, the other five 75: index 71.875
        (campaign.title, Decimal("71.9"), Decimal("0.4")),
    ]


def test_publishing_stores_what_it_takes_to_recompute(campaign, units):
    respond(campaign, units[0], [4] * 5)

    result = results.result_publish(campaign=campaign, actor=None)

    campaign.refresh_from_db()
    assert campaign.status == "published"
    assert (result.respondents, result.index, result.instrument) == (5, Decimal("75.0"), "welfare-index v1")
    assert result.method == "welfare-index/1" and scoring.METHOD.startswith(result.method + ":")
    assert result.dimensions == dict.fromkeys(result.dimensions, 75.0)
    assert len(result.dimensions) == 6 and abs(sum(result.weights.values()) - 1) < 1e-9
    assert results.result_publish(campaign=campaign, actor=None).pk == result.pk  # again: unchanged


def test_it_refuses_to_publish_an_open_campaign_or_too_few_responses(campaign, units):
    respond(campaign, units[0], [4] * 4)
    with pytest.raises(results.PublishError):
        results.result_publish(campaign=campaign, actor=None)
    Campaign.objects.filter(pk=campaign.pk).update(status="open")
    respond(campaign, units[0], [4])
    with pytest.raises(results.PublishError):
        results.result_publish(campaign=campaign, actor=None)
    assert not PublishedResult.objects.exists()


def test_recompute_index_matches_and_detects_a_tampered_result(campaign, units, capsys):
    respond(campaign, units[0], [4] * 3 + [5] * 3)
    results.result_publish(campaign=campaign, actor=None)

    call_command("recompute_index", str(campaign.pk))
    assert "OK" in capsys.readouterr().out

    PublishedResult.objects.filter(campaign=campaign).update(index=Decimal("89.9"))
    with pytest.raises(SystemExit) as exit_info:
        call_command("recompute_index", str(campaign.pk))
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "index: published 89.9, recomputed 87.5" in out


def test_the_report_runs_a_fixed_number_of_queries(campaign, units, django_assert_num_queries):
    for unit in units:
        respond(campaign, unit, [4] * 6, comment="好")
    # items, responses, units, comments, item texts, population, published results, benchmarks
    with django_assert_num_queries(8):
        report = results.campaign_report(campaign=campaign)
    assert len(report.units) == 3 and report.total.respondents == 18


def test_a_withheld_dimension_hides_its_items_alpha_and_the_index(campaign, units):
    respond(campaign, units[0], [4] * 6)
    rest = set(Item.objects.filter(dimension="rest").values_list("code", flat=True))
    for response in Response.objects.all()[:3]:  # only three answered the rest items
        response.answers = {code: v for code, v in response.answers.items() if code not in rest}
        response.save()

    report = results.campaign_report(campaign=campaign)

    assert report.total.dimensions["rest"].withheld and report.total.index.withheld
    assert report.total.dimensions["warmth"].display == Decimal("75.0")
    assert [item.code for item in report.items if item.code in rest] == []
    assert "rest" not in report.alpha and len(report.items) == Item.objects.filter(module="core").count() - 4
