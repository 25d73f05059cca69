"""Grading checkup values against the catalogue's rules. Pure: no database, no settings.

A rule is anything with the attributes of ``health.models.GradingRule`` (the model itself, or
a ``Rule`` below in tests). A rule covers ``lower <= value < upper``; an empty bound is open.
Values are first rounded to the indicator's decimals (half up), the precision laboratories
report in, so an integer range such as "ALT 9–50 U/L" is stored as ``9 <= ALT < 51``.

Blood pressure is graded from the systolic and diastolic readings together: each reading is
graded by its own rules, and the higher grade of the two is the category of both results
(each keeps its own flag, so the arrow shows which reading is out of range). With only one
reading, that one decides.

BMI is computed, never imported: weight (kg) / height (m)², rounded half up to 1 decimal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

# Blood-pressure categories from best to worst: the pair takes the worse of its two readings.
BLOOD_PRESSURE_ORDER = ("normal", "high_normal", "hypertension_1", "hypertension_2", "hypertension_3")


class RuleLike(Protocol):
    sex: str
    age_min: int | None
    age_max: int | None
    lower: Decimal | None
    upper: Decimal | None
    category: str
    flag: str
    priority: int


@dataclass(frozen=True)
class Rule:
    """A grading rule outside the database (tests, previews)."""

    lower: Decimal | None
    upper: Decimal | None
    category: str
    flag: str
    sex: str = ""
    age_min: int | None = None
    age_max: int | None = None
    priority: int = 0


@dataclass(frozen=True)
class Grade:
    category: str
    flag: str

    @property
    def graded(self) -> bool:
        return bool(self.category)


# No rule covers the value (an indicator without rules, such as height, or a gap in the rules).
UNGRADED = Grade(category="", flag="")


def quantize(value: Decimal, decimals: int) -> Decimal:
    """``value`` rounded half up to ``decimals`` places."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def applies_to(rule: RuleLike, *, sex: str, age: int | None) -> bool:
    """Whether the rule is meant for a person of this sex and age (not yet whether it covers a value)."""
    if rule.sex and rule.sex != sex:
        return False
    if rule.age_min is None and rule.age_max is None:
        return True
    if age is None:
        return False
    return (rule.age_min is None or age >= rule.age_min) and (rule.age_max is None or age <= rule.age_max)


def covers(rule: RuleLike, value: Decimal) -> bool:
    return (rule.lower is None or value >= rule.lower) and (rule.upper is None or value < rule.upper)


def _precedence(rule: RuleLike) -> tuple[int, bool, bool]:
    return (rule.priority, bool(rule.sex), rule.age_min is not None or rule.age_max is not None)


def grade(value: Decimal, rules: Iterable[RuleLike], *, sex: str, age: int | None) -> Grade:
    """The category and flag of ``value`` for a person of ``sex`` aged ``age``; UNGRADED if none covers it."""
    matching = [rule for rule in rules if applies_to(rule, sex=sex, age=age) and covers(rule, value)]
    if not matching:
        return UNGRADED
    best = max(matching, key=_precedence)
    return Grade(category=best.category, flag=best.flag)


_Band = tuple[Decimal | None, Decimal | None, Grade]


class Grader:
    """One indicator's rules, ready to grade many values: what ``grade()`` answers, without re-reading them.

    For each sex and age met, the rules meant for that person are kept once, ordered by precedence
    (stable: among equal precedence the rules keep their order), so the first rule covering a value is
    the one ``grade()`` picks. An import grades the same few sexes and ages over and over.
    """

    def __init__(self, rules: Iterable[RuleLike]) -> None:
        self._rules = tuple(rules)
        # (sex, age) → (lower, upper, grade) of the rules meant for that person, by precedence
        self._bands: dict[tuple[str, int | None], tuple[_Band, ...]] = {}

    def grade(self, value: Decimal, *, sex: str, age: int | None) -> Grade:
        return grade_in(self.bands(sex=sex, age=age), value)

    def bands(self, *, sex: str, age: int | None) -> tuple[_Band, ...]:
        """(lower, upper, grade) of the rules meant for a person of this sex and age, by precedence."""
        bands = self._bands.get((sex, age))
        if bands is None:
            meant = sorted(
                (rule for rule in self._rules if applies_to(rule, sex=sex, age=age)),
                key=_precedence,
                reverse=True,  # stays stable: the earlier of two equal rules wins, as max() picks it
            )
            bands = self._bands[(sex, age)] = tuple(
                (rule.lower, rule.upper, Grade(category=rule.category, flag=rule.flag)) for rule in meant
            )
        return bands


def grade_in(bands: tuple[_Band, ...], value: Decimal) -> Grade:
    """The grade of the first band (``Grader.bands()``) covering ``value``; UNGRADED if none does."""
    for lower, upper, found in bands:
        if (lower is None or value >= lower) and (upper is None or value < upper):
            return found
    return UNGRADED


def worse_blood_pressure(*categories: str) -> str:
    """The worst of blood-pressure categories; unknown or empty ones are ignored."""
    known = [c for c in categories if c in BLOOD_PRESSURE_ORDER]
    return max(known, key=BLOOD_PRESSURE_ORDER.index) if known else ""


def grade_blood_pressure(
    *,
    sbp: Decimal | None,
    dbp: Decimal | None,
    sbp_rules: Iterable[RuleLike],
    dbp_rules: Iterable[RuleLike],
    sex: str,
    age: int | None,
) -> tuple[Grade | None, Grade | None]:
    """Grades of the systolic and diastolic readings (None where not measured), sharing one category."""
    own_sbp = grade(sbp, sbp_rules, sex=sex, age=age) if sbp is not None else None
    own_dbp = grade(dbp, dbp_rules, sex=sex, age=age) if dbp is not None else None
    return share_blood_pressure(own_sbp, own_dbp)


def share_blood_pressure(own_sbp: Grade | None, own_dbp: Grade | None) -> tuple[Grade | None, Grade | None]:
    """The readings' own grades (None where not measured) with the worse category of the two for both."""
    combined = worse_blood_pressure(*(g.category for g in (own_sbp, own_dbp) if g is not None))

    def shared(own: Grade | None) -> Grade | None:
        if own is None or not own.graded:
            return own
        return Grade(category=combined, flag=own.flag)

    return shared(own_sbp), shared(own_dbp)


def bmi(*, height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """Body-mass index in kg/m², rounded half up to 1 decimal."""
    if height_cm <= 0:
        raise ValueError("height must be positive")
    metres = height_cm / 100
    return quantize(weight_kg / (metres * metres), 1)
