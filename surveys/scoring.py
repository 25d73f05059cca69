"""The welfare index, computed from answers. Pure: works on plain values, so a report, a recomputation
and a test all use the same arithmetic (../shared/reference/health-and-survey-standards.md §4).

- **Item score**: (x − min) / (max − min) × 100, reversed (100 − score) where the item is marked so.
- **Dimension score**: the mean of its items' scores over all answers given.
- **Index**: Σ weightᵢ × dimension scoreᵢ, the weights summing to 1 (equal unless the campaign says).
- **% favourable** (top-2-box): the two most favourable answers (for a reversed item, the two lowest)
  over the answers given.
- **Cronbach's α** per dimension, over the respondents who answered all its items:
  k / (k − 1) × (1 − Σ item variances / variance of the sum), sample variances.
- **Withholding**: a figure over fewer respondents than the minimum is withheld. Where siblings
  partition their parent (the units of a county) and exactly one of them is withheld, the next
  smallest is withheld too: the parent's total minus the visible siblings would give it away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

METHOD = "welfare-index/1: (x-min)/(max-min)*100, dimension = mean of item scores, index = sum(w*S)"


def fmean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def variance(values: Sequence[float]) -> float:
    """The sample variance, in floats (statistics.variance is exact, with fractions, and slow)."""
    n = len(values)
    mean = sum(values) / n
    return sum((value - mean) ** 2 for value in values) / (n - 1)


@dataclass(frozen=True)
class ItemSpec:
    code: str
    dimension: str
    scale_min: int
    scale_max: int
    reverse: bool = False


def item_score(value: int, item: ItemSpec) -> float:
    score = (value - item.scale_min) / (item.scale_max - item.scale_min) * 100
    return 100 - score if item.reverse else score


def favourable(value: int, item: ItemSpec) -> bool:
    if item.reverse:
        return value <= item.scale_min + 1
    return value >= item.scale_max - 1


def equal_weights(dimensions: Iterable[str]) -> dict[str, float]:
    dimensions = list(dimensions)
    return {dimension: 1 / len(dimensions) for dimension in dimensions}


def check_weights(weights: Mapping[str, float], dimensions: Iterable[str]) -> None:
    """Raise ValueError unless the weights cover exactly these dimensions, are ≥ 0 and sum to 1."""
    wanted = set(dimensions)
    if set(weights) != wanted:
        raise ValueError("weights must name every dimension once")
    if any(weight < 0 for weight in weights.values()):
        raise ValueError("weights cannot be negative")
    if abs(sum(weights.values()) - 1) > 1e-9:
        raise ValueError("weights must sum to 1")


@dataclass(frozen=True)
class Figures:
    respondents: int
    dimensions: dict[str, float | None]
    index: float | None
    favourable: dict[str, float | None]  # item code → % favourable
    alpha: dict[str, float | None]


def figures(
    answer_sets: Sequence[Mapping[str, int]], items: Sequence[ItemSpec], weights: Mapping[str, float]
) -> Figures:
    """Every figure of one group of respondents (no withholding here: see ``withheld``)."""
    by_dimension: dict[str, list[ItemSpec]] = {}
    for item in items:
        by_dimension.setdefault(item.dimension, []).append(item)
    scores: dict[str, list[float]] = {dimension: [] for dimension in by_dimension}
    favour: dict[str, list[bool]] = {item.code: [] for item in items}
    for answers in answer_sets:
        for item in items:
            value = answers.get(item.code)
            if value is None:
                continue
            scores[item.dimension].append(item_score(value, item))
            favour[item.code].append(favourable(value, item))
    dimensions = {dimension: (fmean(values) if values else None) for dimension, values in scores.items()}
    index = None
    if all(score is not None for score in dimensions.values()) and dimensions:
        index = sum(weights[dimension] * score for dimension, score in dimensions.items())
    return Figures(
        respondents=len(answer_sets),
        dimensions=dimensions,
        index=index,
        favourable={
            code: (100 * sum(marks) / len(marks) if marks else None) for code, marks in favour.items()
        },
        alpha={
            dimension: cronbach_alpha(answer_sets, dimension_items)
            for dimension, dimension_items in by_dimension.items()
        },
    )


def cronbach_alpha(answer_sets: Sequence[Mapping[str, int]], items: Sequence[ItemSpec]) -> float | None:
    """α over the respondents who answered every item; None when it cannot be computed."""
    k = len(items)
    rows = [
        [item_score(answers[item.code], item) for item in items]
        for answers in answer_sets
        if all(answers.get(item.code) is not None for item in items)
    ]
    if k < 2 or len(rows) < 2:
        return None
    total_variance = variance([sum(row) for row in rows])
    if total_variance == 0:
        return None
    item_variances = sum(variance([row[i] for row in rows]) for i in range(k))
    return k / (k - 1) * (1 - item_variances / total_variance)


def withheld(counts: Mapping[str, int], minimum: int, *, partition: bool = True) -> set[str]:
    """Which cells to withhold, given how many respondents each holds.

    A cell under ``minimum`` (and not empty) is withheld. When the cells partition a parent that is
    shown (``partition``) and exactly one is withheld, the smallest other non-empty cell is withheld
    too, so that no subtraction from the parent gives the small one away.
    """
    hidden = {key for key, n in counts.items() if 0 < n < minimum}
    if partition and len(hidden) == 1 and sum(counts.values()) >= minimum:
        others = sorted((n, key) for key, n in counts.items() if key not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])
    return hidden
