"""A campaign's results: figures per group with withholding, publishing, and recomputing the published.

Reads: ``campaign_report`` computes the city figures and the units × dimensions heatmap from the
anonymous responses with ``scoring.figures``; withholding is applied before anything leaves this
module: a cell over fewer than ``campaign.min_group`` respondents carries no number, and the
subtraction rule (``scoring.withheld``) runs over the reporting units that partition the city total
(and again over the units a viewer sees, when their scope's total is shown). Comments only for groups
of at least ``campaign.min_comment_group``.

Writes: ``result_publish`` stores the city result with what it takes to recompute it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from people import scope
from people.models import Officer, OrgUnit, Role
from surveys import scoring
from surveys.models import (
    Campaign,
    CampaignStatus,
    Dimension,
    ExternalBenchmark,
    Item,
    Module,
    PublishedResult,
    Response,
)
from surveys.services import reporting_unit_path
from welfare.domain import DomainError

LOWEST_ITEMS = 5
# A published result names its method by name and version ("welfare-index/1", scoring.METHOD before the
# colon); the arithmetic of that version is scoring.py's, and recompute_index checks it still gives the
# published figures.
METHOD_ID = scoring.METHOD.split(":", 1)[0]


class PublishError(DomainError):
    """The results cannot be published; the message says why."""


def rounded(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def item_specs(campaign: Campaign) -> list[scoring.ItemSpec]:
    return [
        scoring.ItemSpec(item.code, item.dimension, item.scale_min, item.scale_max, item.reverse)
        for item in campaign.instrument.items.filter(module=Module.CORE).order_by("order")
    ]


def weights_of(campaign: Campaign, specs: Sequence[scoring.ItemSpec]) -> dict[str, float]:
    dimensions = list(dict.fromkeys(spec.dimension for spec in specs))
    return {key: float(value) for key, value in campaign.weights.items()} or scoring.equal_weights(dimensions)


def instrument_label(campaign: Campaign) -> str:
    return f"{campaign.instrument.code} v{campaign.instrument.version}"


# --- Reads --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One figure of a group; ``value`` is None when withheld (``withheld``) or not computable."""

    value: float | None
    withheld: bool = False

    @property
    def display(self) -> Decimal | None:
        return None if self.withheld else rounded(self.value)


@dataclass
class GroupResult:
    unit: OrgUnit | None  # None: the city (the campaign's population)
    respondents: int
    withheld: bool
    index: Cell
    dimensions: dict[str, Cell]
    comments: list[str] = field(default_factory=list)


@dataclass
class ItemResult:
    code: str
    text: str
    dimension: str
    favourable: float | None


@dataclass
class TrendPoint:
    campaign_id: int
    title: str
    opens_at: object
    index: Decimal
    change: Decimal | None


@dataclass
class Report:
    campaign: Campaign
    dimensions: list[tuple[str, str]]  # (code, label)
    total: GroupResult  # the city, or the viewer's scope
    units: list[GroupResult]
    items: list[ItemResult]  # per-item % favourable (of the total; empty when it is withheld)
    alpha: dict[str, float | None]
    population: int
    response_rate: float | None
    trend: list[TrendPoint] = field(default_factory=list)
    benchmarks: list[ExternalBenchmark] = field(default_factory=list)

    @property
    def lowest_items(self) -> list[ItemResult]:
        scored = [item for item in self.items if item.favourable is not None]
        return sorted(scored, key=lambda item: (item.favourable, item.code))[:LOWEST_ITEMS]


def answers_by_unit(campaign: Campaign) -> dict[int, list[dict[str, int]]]:
    """The answer sets grouped by reporting unit id (one query)."""
    grouped: dict[int, list[dict[str, int]]] = defaultdict(list)
    for unit_id, answers in Response.objects.filter(campaign=campaign).values_list("unit_id", "answers"):
        grouped[unit_id].append(answers)
    return grouped


def _dimension_counts(
    answer_sets: Iterable[Mapping[str, int]], specs: Sequence[scoring.ItemSpec]
) -> dict[str, int]:
    """How many respondents answered at least one item of each dimension: a cell's n."""
    codes: dict[str, list[str]] = defaultdict(list)
    for spec in specs:
        codes[spec.dimension].append(spec.code)
    counts = dict.fromkeys(codes, 0)
    for answers in answer_sets:
        for dimension, dimension_codes in codes.items():
            if any(answers.get(code) is not None for code in dimension_codes):
                counts[dimension] += 1
    return counts


def hidden_cells(
    counts: Mapping[int, Mapping[str, int]], minimum: int, *, visible: Iterable[int] | None = None
) -> tuple[set[int], dict[str, set[int]]]:
    """Which unit rows and which (dimension → units) cells to withhold.

    ``counts``: unit id → {"": respondents, dimension: respondents who answered it}. The subtraction
    rule runs over all units (they partition the city total) and, when a viewer sees only some of them
    with their own total, over those too.
    """
    groups = [set(counts)]
    if visible is not None and set(visible) != set(counts):
        groups.append(set(visible))
    keys = {key for unit_counts in counts.values() for key in unit_counts}
    hidden: dict[str, set[int]] = {key: set() for key in keys}
    for key in keys:
        for group in groups:
            column = {unit: counts[unit].get(key, 0) for unit in group}
            hidden[key] |= scoring.withheld(column, minimum)
    rows = hidden.pop("", set())
    for key in hidden:
        hidden[key] |= rows
    return rows, hidden


def comments_shown(counts: Mapping[int, int], minimum: int, *, total: int | None) -> set[int]:
    """The units whose comments are shown on their own: each of at least ``minimum`` respondents.

    When the pooled comments of the total are shown too (``total``: its respondents), the pool less
    the units shown on their own must not be a group under the minimum; the smallest units shown on
    their own are folded back into the pool until it is not.
    """
    shown = {unit for unit, n in counts.items() if n >= minimum}
    if total is None:
        return shown
    while shown and 0 < total - sum(counts[unit] for unit in shown) < minimum:
        shown.remove(min(shown, key=lambda unit: (counts[unit], unit)))
    return shown


def _group(
    unit: OrgUnit | None,
    answer_sets: Sequence[Mapping[str, int]],
    specs: Sequence[scoring.ItemSpec],
    weights: Mapping[str, float],
    *,
    row_hidden: bool,
    cells_hidden: Mapping[str, bool],
    comments: list[str],
) -> tuple[GroupResult, scoring.Figures | None]:
    dimensions = list(dict.fromkeys(spec.dimension for spec in specs))
    if row_hidden or not answer_sets:
        return (
            GroupResult(
                unit=unit,
                respondents=len(answer_sets),
                withheld=row_hidden,
                index=Cell(None, withheld=row_hidden),
                dimensions={d: Cell(None, withheld=row_hidden) for d in dimensions},
            ),
            None,
        )
    result = scoring.figures(answer_sets, specs, weights)
    any_hidden = any(cells_hidden.get(d, False) for d in dimensions)
    return (
        GroupResult(
            unit=unit,
            respondents=len(answer_sets),
            withheld=False,
            # The index is made of every dimension: a withheld dimension withholds it too.
            index=Cell(None if any_hidden else result.index, withheld=any_hidden),
            dimensions={
                d: Cell(None, withheld=True) if cells_hidden.get(d) else Cell(result.dimensions.get(d))
                for d in dimensions
            },
            comments=comments,
        ),
        result,
    )


def campaign_report(
    *, campaign: Campaign, unit_ids: Iterable[int] | None = None, with_trend: bool = True
) -> Report:
    """The report of a campaign; ``unit_ids``: only these reporting units and their total (a scope).

    Queries: the items, the responses, the units, the population count, the comments (only when a
    group is large enough), and with the trend the published results and the external benchmarks.
    """
    specs = item_specs(campaign)
    weights = weights_of(campaign, specs)
    dimensions = list(dict.fromkeys(spec.dimension for spec in specs))
    minimum = campaign.min_group
    grouped = answers_by_unit(campaign)
    counts = {unit_id: {"": len(sets), **_dimension_counts(sets, specs)} for unit_id, sets in grouped.items()}
    visible = set(grouped) if unit_ids is None else set(unit_ids) & set(grouped)
    scoped = unit_ids is not None
    rows_hidden, cells_hidden = hidden_cells(counts, minimum, visible=visible if scoped else None)
    units = OrgUnit.objects.in_bulk(visible)

    total_sets = [answers for unit_id in visible for answers in grouped[unit_id]]
    total_counts = _dimension_counts(total_sets, specs)

    def isolates(hidden: set[int]) -> bool:
        # The scope's total less its visible units gives away the hidden units inside it, and the city
        # total less the scope's total and the visible units elsewhere the hidden units outside it:
        # either is a leak when it is one unit alone.
        return scoped and (len(hidden & visible) == 1 or len(hidden - visible) == 1)

    total_row_hidden = 0 < len(total_sets) < minimum or isolates(rows_hidden)
    total_comments_ok = not total_row_hidden and len(total_sets) >= campaign.min_comment_group
    comment_units = comments_shown(
        {unit_id: counts[unit_id][""] for unit_id in visible if unit_id not in rows_hidden},
        campaign.min_comment_group,
        total=len(total_sets) if total_comments_ok else None,
    )
    comments: dict[int, list[str]] = defaultdict(list)
    if comment_units or total_comments_ok:
        wanted = visible if total_comments_ok else comment_units
        for unit_id, text in (
            Response.objects.filter(campaign=campaign, unit_id__in=wanted)
            .exclude(comment="")
            .values_list("unit_id", "comment")
        ):
            comments[unit_id].append(text)
    total_comments = (
        sorted(text for unit_id in visible for text in comments[unit_id]) if total_comments_ok else []
    )

    total, total_figures = _group(
        None,
        total_sets,
        specs,
        weights,
        row_hidden=total_row_hidden,
        cells_hidden={d: 0 < total_counts[d] < minimum or isolates(cells_hidden[d]) for d in dimensions},
        comments=total_comments,
    )
    unit_results = []
    for unit_id in sorted(visible, key=lambda pk: units[pk].path):
        result, _figures = _group(
            units[unit_id],
            grouped[unit_id],
            specs,
            weights,
            row_hidden=unit_id in rows_hidden,
            cells_hidden={d: unit_id in cells_hidden.get(d, set()) for d in dimensions},
            comments=sorted(comments[unit_id]) if unit_id in comment_units else [],
        )
        unit_results.append(result)

    texts = {
        item.code: (item.text_zh, item.text_en)
        for item in Item.objects.filter(instrument_id=campaign.instrument_id, module=Module.CORE)
    }
    from django.utils.translation import get_language

    chinese = (get_language() or "").startswith("zh")
    items = []
    if total_figures is not None:
        items = [
            ItemResult(
                code=spec.code,
                text=texts[spec.code][0 if chinese else 1],
                dimension=spec.dimension,
                favourable=total_figures.favourable.get(spec.code),
            )
            for spec in specs
            if not total.dimensions[spec.dimension].withheld  # an item tells of its dimension
        ]
    population = population_count(campaign)
    labels = dict(Dimension.choices)
    report = Report(
        campaign=campaign,
        dimensions=[(d, str(labels.get(d, d))) for d in dimensions],
        total=total,
        units=unit_results,
        items=items,
        alpha={d: value for d, value in total_figures.alpha.items() if not total.dimensions[d].withheld}
        if total_figures is not None
        else {},
        population=population,
        response_rate=(100 * len(total_sets) / population) if population and not scoped else None,
    )
    if with_trend:
        report.trend = trend_of(campaign)
        report.benchmarks = list(ExternalBenchmark.objects.all())
    return report


def population_count(campaign: Campaign) -> int:
    officers = Officer.objects.filter(active=True, org_unit__path__startswith=campaign.population_unit.path)
    if campaign.officer_kinds:
        officers = officers.filter(kind__in=campaign.officer_kinds)
    return officers.count()


def trend_of(campaign: Campaign) -> list[TrendPoint]:
    """Published results of the instrument's campaigns in time order, each with its change."""
    published = (
        PublishedResult.objects.filter(campaign__instrument__code=campaign.instrument.code)
        .select_related("campaign")
        .order_by("campaign__opens_at")
    )
    points: list[TrendPoint] = []
    for result in published:
        previous = points[-1].index if points else None
        points.append(
            TrendPoint(
                campaign_id=result.campaign_id,
                title=result.campaign.title,
                opens_at=result.campaign.opens_at,
                index=result.index,
                change=None if previous is None else result.index - previous,
            )
        )
    return points


def unit_figure_visible(report: Report, unit: OrgUnit) -> GroupResult | None:
    """The unit's row when it may be shown (present and not withheld)."""
    for row in report.units:
        if row.unit.pk == unit.pk and not row.withheld:
            return row
    return None


# --- Publishing and recomputing -----------------------------------------------------------------------


@dataclass(frozen=True)
class CityFigures:
    instrument: str
    method: str
    weights: dict[str, float]
    respondents: int
    index: Decimal | None
    dimensions: dict[str, float | None]


def city_figures(campaign: Campaign) -> CityFigures:
    """The city result from the responses, rounded as published (one decimal)."""
    specs = item_specs(campaign)
    weights = weights_of(campaign, specs)
    answer_sets = list(Response.objects.filter(campaign=campaign).values_list("answers", flat=True))
    result = scoring.figures(answer_sets, specs, weights)
    return CityFigures(
        instrument=instrument_label(campaign),
        method=METHOD_ID,
        weights=weights,
        respondents=len(answer_sets),
        index=rounded(result.index),
        dimensions={
            d: (None if value is None else float(rounded(value))) for d, value in result.dimensions.items()
        },
    )


def result_publish(*, campaign: Campaign, actor) -> PublishedResult:
    """Publish a closed campaign's city result; publishing again returns the result as it stands."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().select_related("instrument").get(pk=campaign.pk)
        if campaign.status == CampaignStatus.PUBLISHED:
            return PublishedResult.objects.get(campaign=campaign)
        if campaign.status != CampaignStatus.CLOSED:
            raise PublishError(_("Only a closed survey can be published."))
        figures = city_figures(campaign)
        if figures.respondents < campaign.min_group or figures.index is None:
            raise PublishError(
                _("Too few responses to publish: at least %(minimum)d are needed.")
                % {"minimum": campaign.min_group}
            )
        result = PublishedResult.objects.create(
            campaign=campaign,
            instrument=figures.instrument,
            method=figures.method,
            weights=figures.weights,
            respondents=figures.respondents,
            index=figures.index,
            dimensions=figures.dimensions,
        )
        campaign.status = CampaignStatus.PUBLISHED
        campaign.save(update_fields=["status", "updated_at"])
    return result


def differences(published: PublishedResult, figures: CityFigures) -> list[str]:
    """What differs between the published result and the recomputed one; empty when they match."""
    found = []
    if published.instrument != figures.instrument:
        found.append(f"instrument: published {published.instrument}, recomputed {figures.instrument}")
    if published.method != figures.method:
        found.append(f"method: published {published.method!r}, recomputed {figures.method!r}")
    if published.respondents != figures.respondents:
        found.append(f"n: published {published.respondents}, recomputed {figures.respondents}")
    if Decimal(published.index) != figures.index:
        found.append(f"index: published {published.index}, recomputed {figures.index}")
    for dimension in sorted(set(published.dimensions) | set(figures.dimensions)):
        old, new = published.dimensions.get(dimension), figures.dimensions.get(dimension)
        same = (old is None and new is None) or (
            old is not None and new is not None and rounded(float(old)) == rounded(new)
        )
        if not same:
            found.append(f"{dimension}: published {old}, recomputed {new}")
    weights = {key: float(value) for key, value in published.weights.items()}
    if set(weights) != set(figures.weights) or any(
        abs(weights[key] - figures.weights[key]) > 1e-9 for key in weights
    ):
        found.append(f"weights: published {published.weights}, recomputed {figures.weights}")
    return found


# --- Scope --------------------------------------------------------------------------------------------

CITY_ROLES = frozenset({Role.WELFARE_OFFICE, Role.LEADER})


@dataclass
class Scoped:
    """What a viewer may see of a campaign's results."""

    campaign: Campaign
    report: Report
    whole: bool  # the city and every unit (welfare office, leaders)
    can_publish: bool


def _own_reporting_unit(user) -> OrgUnit | None:
    officer = Officer.objects.filter(user=user, active=True).select_related("org_unit").first()
    if officer is None:
        return None
    return OrgUnit.objects.filter(path=reporting_unit_path(officer.org_unit.path)).first()


def scoped_report(*, viewer, campaign_id: int, unit_code: str | None = None) -> Scoped:
    """The campaign's report as ``viewer`` may see it; Http404 for whatever lies out of scope.

    Welfare office and leaders: everything. Unit admins: the reporting units in their subtrees and
    their total (withholding applied city-wide and within their view). Officers of the population:
    once published, the city result and their own reporting unit when it is not withheld.
    ``unit_code`` narrows the units shown to that one (404 when it is not visible).
    """
    campaign = (
        Campaign.objects.select_related("instrument", "population_unit")
        .exclude(status=CampaignStatus.DRAFT)
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise Http404("no such campaign")
    population = campaign.population_unit.path
    report: Report | None = None
    whole = scope.has_any_role(viewer, CITY_ROLES)
    if whole:
        report = campaign_report(campaign=campaign)
    elif roots := [
        root
        for root in scope.unit_paths(viewer, {Role.UNIT_ADMIN})
        if root.startswith(population) or population.startswith(root)
    ]:
        unit_ids = [
            pk
            for pk, path in OrgUnit.objects.filter(
                pk__in=Response.objects.filter(campaign=campaign).values("unit_id")
            ).values_list("pk", "path")
            if any(path.startswith(root) for root in roots)
        ]
        report = campaign_report(campaign=campaign, unit_ids=unit_ids)
    elif campaign.status == CampaignStatus.PUBLISHED:
        own = _own_reporting_unit(viewer)
        if own is not None and own.path.startswith(population):
            report = campaign_report(campaign=campaign)
            row = unit_figure_visible(report, own)
            report.units = [row] if row is not None else []
            report.alpha = {}
            report.total.comments = []  # comments are for those who act on them
            for unit_row in report.units:
                unit_row.comments = []
    if report is None:
        raise Http404("no such campaign")
    if unit_code:
        report.units = [row for row in report.units if row.unit.code == unit_code]
        if not report.units:
            raise Http404("no such unit")
    return Scoped(
        campaign=campaign,
        report=report,
        whole=whole,
        can_publish=scope.has_any_role(viewer, {Role.WELFARE_OFFICE})
        and campaign.status == CampaignStatus.CLOSED,
    )
