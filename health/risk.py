"""An officer's risk level from the results of the latest checkup. Pure: works on loaded results.

The level is the most severe level any rule below gives; no rule → green. Every matching rule is
a reason (most severe first), so the officer and health staff see all that needs attention, not
only what set the colour.

=======  =====================================================================================
level    any of these in the latest checkup
=======  =====================================================================================
red      blood pressure grade 2 or 3 (systolic ≥ 160 or diastolic ≥ 100 mmHg);
         fasting glucose in the diabetes range (≥ 7.0 mmol/L); HbA1c ≥ 6.5 %
orange   blood pressure grade 1 (140–159 / 90–99 mmHg); obesity (BMI ≥ 28);
         central obesity (waist ≥ 90 cm men, ≥ 85 cm women); LDL-C high (≥ 4.1);
         total cholesterol high (≥ 6.2); triglycerides high (≥ 2.3 mmol/L);
         hyperuricaemia (uric acid > 420 μmol/L)
yellow   high-normal blood pressure (120–139 / 80–89); overweight (BMI 24–<28);
         impaired fasting glucose (6.1–<7.0); borderline TC, TG or LDL-C; low HDL-C (< 1.0);
         underweight (BMI < 18.5); any other result flagged high (heart rate > 100, ALT, AST,
         creatinine above the range)
green    none of the above — including results flagged low other than HDL-C and BMI (a slow
         heart rate is normal in trained people; low ALT, AST or creatinine carry no risk)
=======  =====================================================================================

Only the latest checkup counts (an indicator it did not measure gives no reason, even if an
earlier checkup measured it), and the categories are those stored with the results: grading
rules edited later apply to results imported later.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from health.models import Category, Flag, RiskLevel

SEVERITY = (RiskLevel.GREEN, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED)
BLOOD_PRESSURE_CODES = ("sbp", "dbp")

# (level, indicator code or "bp" for the systolic/diastolic pair, categories that give it)
RULES: tuple[tuple[RiskLevel, str, frozenset[str]], ...] = (
    (RiskLevel.RED, "bp", frozenset({Category.HYPERTENSION_2, Category.HYPERTENSION_3})),
    (RiskLevel.RED, "fpg", frozenset({Category.DIABETES})),
    (RiskLevel.RED, "hba1c", frozenset({Category.HIGH})),
    (RiskLevel.ORANGE, "bp", frozenset({Category.HYPERTENSION_1})),
    (RiskLevel.ORANGE, "bmi", frozenset({Category.OBESE})),
    (RiskLevel.ORANGE, "waist", frozenset({Category.HIGH})),
    (RiskLevel.ORANGE, "ldl_c", frozenset({Category.HIGH})),
    (RiskLevel.ORANGE, "tc", frozenset({Category.HIGH})),
    (RiskLevel.ORANGE, "tg", frozenset({Category.HIGH})),
    (RiskLevel.ORANGE, "ua", frozenset({Category.HYPERURICEMIA})),
    (RiskLevel.YELLOW, "bp", frozenset({Category.HIGH_NORMAL})),
    (RiskLevel.YELLOW, "bmi", frozenset({Category.OVERWEIGHT, Category.UNDERWEIGHT})),
    (RiskLevel.YELLOW, "fpg", frozenset({Category.IFG})),
    (RiskLevel.YELLOW, "tc", frozenset({Category.BORDERLINE})),
    (RiskLevel.YELLOW, "tg", frozenset({Category.BORDERLINE})),
    (RiskLevel.YELLOW, "ldl_c", frozenset({Category.BORDERLINE})),
    (RiskLevel.YELLOW, "hdl_c", frozenset({Category.LOW})),
)


@dataclass(frozen=True)
class Reason:
    level: RiskLevel
    indicators: tuple[str, ...]  # indicator codes; ("sbp", "dbp") for blood pressure
    category: str
    text: str


@dataclass(frozen=True)
class Risk:
    level: RiskLevel | None  # None: no checkup on record
    reasons: tuple[Reason, ...]
    checkup: Any = None


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _describe(results: list[Any], category: str) -> str:
    label = Category(category).label if category in Category.values else category
    if len(results) == 2:  # the blood-pressure pair, systolic first
        sbp, dbp = results
        return _("Blood pressure %(sbp)s/%(dbp)s %(unit)s: %(category)s") % {
            "sbp": _number(sbp.value),
            "dbp": _number(dbp.value),
            "unit": sbp.unit,
            "category": label,
        }
    (result,) = results
    return _("%(indicator)s %(value)s %(unit)s: %(category)s") % {
        "indicator": result.indicator.name,
        "value": _number(result.value),
        "unit": result.unit,
        "category": label,
    }


def assess(results: Iterable[Any], *, checkup: Any = None) -> Risk:
    """The risk level and reasons for one checkup's results (each with ``indicator`` loaded)."""
    by_code = {result.indicator.code: result for result in results}
    reasons: list[Reason] = []
    explained: set[str] = set()
    for level, code, categories in RULES:
        if code == "bp":
            pair = [by_code[c] for c in BLOOD_PRESSURE_CODES if c in by_code]
            if pair and pair[0].category in categories:
                codes = tuple(r.indicator.code for r in pair)
                reasons.append(Reason(level, codes, pair[0].category, _describe(pair, pair[0].category)))
                explained.update(codes)
            continue
        result = by_code.get(code)
        if result is not None and result.category in categories:
            reasons.append(Reason(level, (code,), result.category, _describe([result], result.category)))
            explained.add(code)
    for code, result in sorted(by_code.items(), key=lambda item: item[1].indicator.sort_order):
        if code not in explained and result.flag == Flag.HIGH:
            reasons.append(
                Reason(RiskLevel.YELLOW, (code,), result.category, _describe([result], result.category))
            )
    reasons.sort(key=lambda reason: -SEVERITY.index(reason.level))
    level = max((reason.level for reason in reasons), key=SEVERITY.index, default=RiskLevel.GREEN)
    return Risk(level=level, reasons=tuple(reasons), checkup=checkup)


NO_CHECKUP = Risk(level=None, reasons=())
