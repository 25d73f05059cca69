"""Grading: every cut-off of the shipped catalogue (just below, at, just above), BP pairs, BMI.

The expected cut-offs are written out again here from
../shared/reference/health-and-survey-standards.md, section 1, so a wrong rule in the data
migration fails a test instead of agreeing with itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from health import grading
from health.grading import Grade, Rule

D = Decimal

# (code, sex, age, first value of the upper band, (category, flag) below it, (category, flag) from it on)
N = ("normal", "normal")
CUT_OFFS = [
    ("bmi", "male", 40, "18.5", ("underweight", "low"), N),
    ("bmi", "female", 40, "24.0", N, ("overweight", "high")),
    ("bmi", "male", 40, "28.0", ("overweight", "high"), ("obese", "high")),
    ("waist", "male", 40, "90.0", N, ("high", "high")),
    ("waist", "female", 40, "85.0", N, ("high", "high")),
    ("sbp", "male", 40, "120", N, ("high_normal", "high")),
    ("sbp", "male", 40, "140", ("high_normal", "high"), ("hypertension_1", "high")),
    ("sbp", "male", 40, "160", ("hypertension_1", "high"), ("hypertension_2", "high")),
    ("sbp", "male", 40, "180", ("hypertension_2", "high"), ("hypertension_3", "high")),
    ("dbp", "female", 40, "80", N, ("high_normal", "high")),
    ("dbp", "female", 40, "90", ("high_normal", "high"), ("hypertension_1", "high")),
    ("dbp", "female", 40, "100", ("hypertension_1", "high"), ("hypertension_2", "high")),
    ("dbp", "female", 40, "110", ("hypertension_2", "high"), ("hypertension_3", "high")),
    # normal 60–100 beats/min
    ("heart_rate", "male", 40, "60", ("low", "low"), N),
    ("heart_rate", "male", 40, "101", N, ("high", "high")),
    ("fpg", "male", 40, "6.10", N, ("ifg", "high")),
    ("fpg", "male", 40, "7.00", ("ifg", "high"), ("diabetes", "high")),
    ("hba1c", "female", 40, "6.5", N, ("high", "high")),
    ("tc", "male", 40, "5.20", N, ("borderline", "high")),
    ("tc", "male", 40, "6.20", ("borderline", "high"), ("high", "high")),
    ("tg", "male", 40, "1.70", N, ("borderline", "high")),
    ("tg", "male", 40, "2.30", ("borderline", "high"), ("high", "high")),
    ("ldl_c", "female", 40, "3.40", N, ("borderline", "high")),
    ("ldl_c", "female", 40, "4.10", ("borderline", "high"), ("high", "high")),
    ("hdl_c", "male", 40, "1.00", ("low", "low"), N),
    # hyperuricaemia > 420 μmol/L, both sexes
    ("ua", "male", 40, "421", N, ("hyperuricemia", "high")),
    ("ua", "female", 40, "421", N, ("hyperuricemia", "high")),
    # ALT men 9–50, women 7–40; AST men 15–40, women 13–35 (U/L)
    ("alt", "male", 40, "9", ("low", "low"), N),
    ("alt", "male", 40, "51", N, ("high", "high")),
    ("alt", "female", 40, "7", ("low", "low"), N),
    ("alt", "female", 40, "41", N, ("high", "high")),
    ("ast", "male", 40, "15", ("low", "low"), N),
    ("ast", "male", 40, "41", N, ("high", "high")),
    ("ast", "female", 40, "13", ("low", "low"), N),
    ("ast", "female", 40, "36", N, ("high", "high")),
    # creatinine 20–59 y: men 57–97, women 41–73; other ages: men 53–106, women 44–97 (μmol/L)
    ("cr", "male", 40, "57", ("low", "low"), N),
    ("cr", "male", 40, "98", N, ("high", "high")),
    ("cr", "female", 40, "41", ("low", "low"), N),
    ("cr", "female", 40, "74", N, ("high", "high")),
    ("cr", "male", 62, "53", ("low", "low"), N),
    ("cr", "male", 62, "107", N, ("high", "high")),
    ("cr", "female", 62, "44", ("low", "low"), N),
    ("cr", "female", 62, "98", N, ("high", "high")),
]


def _step(code: str, catalogue) -> Decimal:
    return Decimal(1).scaleb(-catalogue[code].decimals)


@pytest.mark.parametrize(
    ("code", "sex", "age", "cut", "below", "above"),
    CUT_OFFS,
    ids=[f"{c}-{s}-{a}-{cut}" for c, s, a, cut, *_rest in CUT_OFFS],
)
def test_each_cut_off_of_the_shipped_catalogue(catalogue, code, sex, age, cut, below, above):
    rules = list(catalogue[code].rules.all())
    step = _step(code, catalogue)
    cut = D(cut)

    def graded(value: Decimal) -> tuple[str, str]:
        result = grading.grade(value, rules, sex=sex, age=age)
        return result.category, result.flag

    assert graded(cut - step) == below, f"just below {cut}"
    assert graded(cut) == above, f"at {cut}"
    assert graded(cut + step) == above, f"just above {cut}"


def test_every_graded_indicator_has_its_cut_offs_tested(catalogue):
    tested = {code for code, *_rest in CUT_OFFS}
    graded = {code for code, indicator in catalogue.items() if indicator.rules.all()}
    assert graded == tested
    assert set(catalogue) - graded == {"height", "weight"}


@pytest.mark.parametrize(("code", "value"), [("height", "172.5"), ("weight", "70.0")])
def test_height_and_weight_are_not_graded(catalogue, code, value):
    assert grading.grade(D(value), catalogue[code].rules.all(), sex="male", age=40) == grading.UNGRADED


@pytest.mark.parametrize(("age", "expected"), [(19, "normal"), (20, "high"), (59, "high"), (60, "normal")])
def test_creatinine_uses_the_20_to_59_ranges_only_at_those_ages(catalogue, age, expected):
    # 100 μmol/L: above 57–97 (men 20–59), within the fallback 53–106.
    assert grading.grade(D("100"), catalogue["cr"].rules.all(), sex="male", age=age).category == expected


def test_every_value_in_the_possible_range_gets_exactly_one_band(catalogue):
    """No gaps and no overlaps: for each sex and a few ages, each band starts where the last one ends."""
    for indicator in catalogue.values():
        rules = list(indicator.rules.all())
        if not rules:
            continue
        for sex in ("male", "female"):
            for age in (25, 45, 65):
                top = max(
                    (grading._precedence(r) for r in rules if grading.applies_to(r, sex=sex, age=age)),
                    default=None,
                )
                bands = sorted(
                    (
                        r
                        for r in rules
                        if grading.applies_to(r, sex=sex, age=age) and grading._precedence(r) == top
                    ),
                    key=lambda r: (r.lower is not None, r.lower or 0),
                )
                assert bands[0].lower is None and bands[-1].upper is None, (indicator.code, sex, age)
                for before, after in itertools.pairwise(bands):
                    assert before.upper == after.lower, (indicator.code, sex, age)


# --- The rules engine on its own ---------------------------------------------------------------------


def test_a_rule_for_the_persons_sex_beats_one_for_either_sex_and_priority_beats_both():
    rules = [
        Rule(lower=None, upper=None, category="normal", flag="normal"),
        Rule(lower=D("50"), upper=None, category="high", flag="high", sex="female"),
    ]
    assert grading.grade(D("60"), rules, sex="female", age=30) == Grade("high", "high")
    assert grading.grade(D("60"), rules, sex="male", age=30) == Grade("normal", "normal")
    rules.append(Rule(lower=None, upper=None, category="low", flag="low", priority=5))
    assert grading.grade(D("60"), rules, sex="female", age=30) == Grade("low", "low")


def test_age_bounds_are_inclusive_and_need_a_known_age():
    rules = [Rule(lower=None, upper=None, category="high", flag="high", age_min=20, age_max=59)]
    assert grading.grade(D("1"), rules, sex="male", age=20).graded
    assert grading.grade(D("1"), rules, sex="male", age=59).graded
    assert not grading.grade(D("1"), rules, sex="male", age=60).graded
    assert not grading.grade(D("1"), rules, sex="male", age=None).graded


def test_a_value_in_a_gap_between_rules_is_not_graded():
    rules = [Rule(lower=None, upper=D("10"), category="low", flag="low"), Rule(D("20"), None, "high", "high")]
    assert grading.grade(D("15"), rules, sex="male", age=30) == grading.UNGRADED


# --- Blood pressure as a pair --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sbp", "dbp", "category", "sbp_flag", "dbp_flag"),
    [
        ("119", "79", "normal", "normal", "normal"),
        ("120", "79", "high_normal", "high", "normal"),
        ("119", "80", "high_normal", "normal", "high"),
        ("139", "89", "high_normal", "high", "high"),
        ("118", "92", "hypertension_1", "normal", "high"),
        ("140", "70", "hypertension_1", "high", "normal"),
        ("165", "95", "hypertension_2", "high", "high"),
        ("150", "100", "hypertension_2", "high", "high"),
        ("185", "85", "hypertension_3", "high", "high"),
        ("130", "110", "hypertension_3", "high", "high"),
    ],
)
def test_blood_pressure_takes_the_higher_grade_of_the_pair(catalogue, sbp, dbp, category, sbp_flag, dbp_flag):
    graded_sbp, graded_dbp = grading.grade_blood_pressure(
        sbp=D(sbp),
        dbp=D(dbp),
        sbp_rules=catalogue["sbp"].rules.all(),
        dbp_rules=catalogue["dbp"].rules.all(),
        sex="male",
        age=40,
    )
    assert graded_sbp == Grade(category, sbp_flag)
    assert graded_dbp == Grade(category, dbp_flag)


def test_one_blood_pressure_reading_alone_decides(catalogue):
    graded_sbp, graded_dbp = grading.grade_blood_pressure(
        sbp=D("150"),
        dbp=None,
        sbp_rules=catalogue["sbp"].rules.all(),
        dbp_rules=[],
        sex="female",
        age=40,
    )
    assert graded_sbp == Grade("hypertension_1", "high")
    assert graded_dbp is None


def test_worse_blood_pressure_ignores_unknown_categories():
    assert grading.worse_blood_pressure("high_normal", "", "hypertension_1") == "hypertension_1"
    assert grading.worse_blood_pressure("", "whatever") == ""


# --- BMI ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    [
        ("170", "65", "22.5"),  # 22.49…
        ("200", "97.8", "24.5"),  # exactly 24.45: half up, not to even
        ("180", "77.76", "24.0"),
        ("175.5", "52", "16.9"),
        ("160", "102.4", "40.0"),
    ],
)
def test_bmi_is_weight_over_height_squared_to_one_decimal_half_up(height, weight, expected):
    assert grading.bmi(height_cm=D(height), weight_kg=D(weight)) == D(expected)
    assert str(grading.bmi(height_cm=D(height), weight_kg=D(weight))) == expected


def test_bmi_refuses_a_zero_height():
    with pytest.raises(ValueError, match="height"):
        grading.bmi(height_cm=D("0"), weight_kg=D("70"))


def test_a_computed_bmi_on_a_cut_off_is_graded_into_the_upper_band(catalogue):
    value = grading.bmi(height_cm=D("180"), weight_kg=D("77.76"))
    assert grading.grade(value, catalogue["bmi"].rules.all(), sex="male", age=40) == Grade(
        "overweight", "high"
    )


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [("5.555", 2, "5.56"), ("5.545", 2, "5.55"), ("97.5", 0, "98"), ("97.49", 0, "97"), ("6.45", 1, "6.5")],
)
def test_values_are_rounded_half_up_to_the_indicators_decimals(value, decimals, expected):
    assert str(grading.quantize(D(value), decimals)) == expected


def test_age_on_counts_whole_years():
    from people.models import age_on

    born = dt.date(1985, 6, 1)
    assert age_on(born, dt.date(2025, 5, 31)) == 39
    assert age_on(born, dt.date(2025, 6, 1)) == 40
