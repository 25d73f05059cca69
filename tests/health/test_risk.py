"""Risk level: the documented rules (health/risk.py) over the latest checkup's results."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from health.models import CheckupResult, Indicator
from health.risk import assess
from health.selectors import risk_of
from tests.health.factories import CheckupFactory, CheckupResultFactory

NAMES = {"fpg": "Fasting plasma glucose", "ldl_c": "LDL cholesterol", "bmi": "Body mass index"}
ORDER = ["height", "weight", "bmi", "waist", "sbp", "dbp", "heart_rate", "fpg", "hba1c", "tc", "tg", "ldl_c"]


def result(code: str, value: str, category: str, flag: str | None = None, unit: str = "") -> CheckupResult:
    """An unsaved result: the risk rules are pure and need no database."""
    indicator = Indicator(
        code=code,
        name_zh=code,
        name_en=NAMES.get(code, code),
        unit=unit,
        sort_order=[*ORDER, code].index(code),
    )
    if flag is None:
        flag = "normal" if category == "normal" else "high"
    return CheckupResult(indicator=indicator, value=Decimal(value), unit=unit, category=category, flag=flag)


def bp(
    sbp: str, dbp: str, category: str, sbp_flag: str = "high", dbp_flag: str = "high"
) -> list[CheckupResult]:
    return [
        result("sbp", sbp, category, sbp_flag, unit="mmHg"),
        result("dbp", dbp, category, dbp_flag, unit="mmHg"),
    ]


def level(*results: CheckupResult | list[CheckupResult]) -> str:
    flat: list[CheckupResult] = []
    for item in results:
        flat.extend(item if isinstance(item, list) else [item])
    return assess(flat).level


def test_all_normal_is_green_without_reasons():
    risk = assess([*bp("118", "76", "normal", "normal", "normal"), result("fpg", "5.1", "normal")])
    assert risk.level == "green"
    assert risk.reasons == ()


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        # red
        (bp("165", "95", "hypertension_2"), "red"),
        (bp("130", "112", "hypertension_3", "high", "high"), "red"),
        ([result("fpg", "7.0", "diabetes")], "red"),
        ([result("hba1c", "6.5", "high")], "red"),
        # orange
        (bp("118", "92", "hypertension_1", "normal", "high"), "orange"),
        ([result("bmi", "28.0", "obese")], "orange"),
        ([result("waist", "90.0", "high")], "orange"),
        ([result("ldl_c", "4.10", "high")], "orange"),
        ([result("tc", "6.20", "high")], "orange"),
        ([result("tg", "2.30", "high")], "orange"),
        ([result("ua", "421", "hyperuricemia")], "orange"),
        # yellow
        (bp("125", "78", "high_normal", "high", "normal"), "yellow"),
        ([result("bmi", "24.0", "overweight")], "yellow"),
        ([result("bmi", "18.4", "underweight", "low")], "yellow"),
        ([result("fpg", "6.10", "ifg")], "yellow"),
        ([result("tc", "5.20", "borderline")], "yellow"),
        ([result("tg", "1.70", "borderline")], "yellow"),
        ([result("ldl_c", "3.40", "borderline")], "yellow"),
        ([result("hdl_c", "0.99", "low", "low")], "yellow"),
        ([result("alt", "51", "high")], "yellow"),
        ([result("heart_rate", "101", "high")], "yellow"),
        ([result("cr", "98", "high")], "yellow"),
        # low values other than HDL-C and BMI carry no risk
        ([result("heart_rate", "52", "low", "low")], "green"),
        ([result("alt", "8", "low", "low")], "green"),
        ([result("height", "175.0", "", "")], "green"),
    ],
)
def test_each_rule_of_the_table(results, expected):
    assert level(results) == expected


def test_the_worst_level_wins_and_every_reason_is_listed_worst_first():
    with translation.override("en"):
        risk = assess(
            [
                result("ldl_c", "3.60", "borderline", unit="mmol/L"),
                result("fpg", "7.40", "diabetes", unit="mmol/L"),
                result("bmi", "29.1", "obese", unit="kg/m²"),
            ]
        )
    assert risk.level == "red"
    assert [(r.level, r.indicators) for r in risk.reasons] == [
        ("red", ("fpg",)),
        ("orange", ("bmi",)),
        ("yellow", ("ldl_c",)),
    ]
    assert risk.reasons[0].text == "Fasting plasma glucose 7.4 mmol/L: diabetes range"


def test_blood_pressure_is_one_reason_naming_both_readings():
    with translation.override("en"):
        risk = assess(bp("165", "95", "hypertension_2"))
    assert len(risk.reasons) == 1
    (reason,) = risk.reasons
    assert reason.indicators == ("sbp", "dbp")
    assert reason.category == "hypertension_2"
    assert reason.text == "Blood pressure 165/95 mmHg: grade 2 hypertension"


# --- The selector ------------------------------------------------------------------------------------


pytestmark_db = pytest.mark.usefixtures("catalogue")


@pytestmark_db
def test_risk_of_an_officer_without_a_checkup_has_no_level(zhang):
    risk = risk_of(zhang)
    assert risk.level is None
    assert risk.reasons == ()


@pytestmark_db
def test_risk_of_uses_only_the_latest_checkup(zhang, django_assert_num_queries):
    older = CheckupFactory(officer=zhang, date=dt.date(2023, 4, 1))
    CheckupResultFactory(checkup=older, diabetes=True)
    latest = CheckupFactory(officer=zhang, date=dt.date(2025, 3, 5))
    CheckupResultFactory(checkup=latest, ifg=True)
    CheckupResultFactory(checkup=latest, code="ldl_c", value=Decimal("4.30"), high=True)

    # 1: the latest checkup; 2: its results with their indicators
    with django_assert_num_queries(2):
        risk = risk_of(zhang)
    assert risk.checkup == latest
    assert risk.level == "orange"
    assert [r.indicators for r in risk.reasons] == [("ldl_c",), ("fpg",)]


@pytestmark_db
def test_risk_of_one_officer_ignores_another_officers_checkups(zhang, li):
    CheckupResultFactory(checkup=CheckupFactory(officer=li), diabetes=True)
    CheckupResultFactory(checkup=CheckupFactory(officer=zhang))
    assert risk_of(zhang).level == "green"
    assert risk_of(li).level == "red"
