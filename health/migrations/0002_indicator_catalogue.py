"""The indicator catalogue and its grading rules, as shipped.

Cut-offs: ../shared/reference/health-and-survey-standards.md, section 1 (Chinese adult
reference values). A band is ``lower <= value < upper`` on values rounded to the indicator's
decimals, so "normal 60–100 beats/min" is ``60 <= x < 101`` and "hyperuricaemia > 420" is
``x >= 421`` (whole μmol/L). The flag is normal exactly when the category is normal; every band
above normal is flagged high (high-normal blood pressure, borderline lipids and IFG included).

The data lives here, frozen with the migration; later changes are made in the admin (or by a
new migration). ``install`` only adds what is missing, so it can be run again.
"""

from decimal import Decimal

from django.db import migrations

D = Decimal

# code, Chinese name, English name, unit, plausible min, plausible max, decimals
INDICATORS = [
    ("height", "身高", "Height", "cm", "100", "250", 1),
    ("weight", "体重", "Weight", "kg", "30", "250", 1),
    ("bmi", "体重指数", "Body mass index", "kg/m²", "10", "70", 1),
    ("waist", "腰围", "Waist circumference", "cm", "40", "200", 1),
    ("sbp", "收缩压", "Systolic blood pressure", "mmHg", "60", "300", 0),
    ("dbp", "舒张压", "Diastolic blood pressure", "mmHg", "30", "200", 0),
    ("heart_rate", "心率", "Resting heart rate", "bpm", "20", "250", 0),
    ("fpg", "空腹血糖", "Fasting plasma glucose", "mmol/L", "1", "50", 2),
    ("hba1c", "糖化血红蛋白", "HbA1c", "%", "3", "20", 1),
    ("tc", "总胆固醇", "Total cholesterol", "mmol/L", "0.5", "20", 2),
    ("tg", "甘油三酯", "Triglycerides", "mmol/L", "0.1", "50", 2),
    ("ldl_c", "低密度脂蛋白胆固醇", "LDL cholesterol", "mmol/L", "0.1", "15", 2),
    ("hdl_c", "高密度脂蛋白胆固醇", "HDL cholesterol", "mmol/L", "0.1", "5", 2),
    ("ua", "尿酸", "Uric acid", "μmol/L", "50", "1500", 0),
    ("alt", "谷丙转氨酶", "ALT (alanine aminotransferase)", "U/L", "1", "5000", 0),
    ("ast", "谷草转氨酶", "AST (aspartate aminotransferase)", "U/L", "1", "5000", 0),
    ("cr", "肌酐", "Creatinine", "μmol/L", "10", "2000", 0),
]

N, L, H = "normal", "low", "high"

# code: [(sex, age_min, age_max, lower, upper, category, flag, priority), ...]
RULES = {
    # WS/T 428-2013
    "bmi": [
        ("", None, None, None, "18.5", "underweight", L, 0),
        ("", None, None, "18.5", "24", N, N, 0),
        ("", None, None, "24", "28", "overweight", H, 0),
        ("", None, None, "28", None, "obese", H, 0),
    ],
    # WS/T 428-2013: central obesity men >= 90 cm, women >= 85 cm. The "pre-central obesity" band
    # (85–<90 / 80–<85) is not a category of its own: the codes for waist are normal|high.
    "waist": [
        ("male", None, None, None, "90", N, N, 0),
        ("male", None, None, "90", None, H, H, 0),
        ("female", None, None, None, "85", N, N, 0),
        ("female", None, None, "85", None, H, H, 0),
    ],
    # 2018 guideline (2024 revision keeps 140/90); the pair's category is the worse of the two.
    "sbp": [
        ("", None, None, None, "120", N, N, 0),
        ("", None, None, "120", "140", "high_normal", H, 0),
        ("", None, None, "140", "160", "hypertension_1", H, 0),
        ("", None, None, "160", "180", "hypertension_2", H, 0),
        ("", None, None, "180", None, "hypertension_3", H, 0),
    ],
    "dbp": [
        ("", None, None, None, "80", N, N, 0),
        ("", None, None, "80", "90", "high_normal", H, 0),
        ("", None, None, "90", "100", "hypertension_1", H, 0),
        ("", None, None, "100", "110", "hypertension_2", H, 0),
        ("", None, None, "110", None, "hypertension_3", H, 0),
    ],
    # Normal 60–100 beats/min.
    "heart_rate": [
        ("", None, None, None, "60", L, L, 0),
        ("", None, None, "60", "101", N, N, 0),
        ("", None, None, "101", None, H, H, 0),
    ],
    # Venous FPG: normal < 6.1, IFG 6.1–<7.0, diabetes >= 7.0.
    "fpg": [
        ("", None, None, None, "6.1", N, N, 0),
        ("", None, None, "6.1", "7.0", "ifg", H, 0),
        ("", None, None, "7.0", None, "diabetes", H, 0),
    ],
    # HbA1c >= 6.5 % (2020 CDS guideline).
    "hba1c": [
        ("", None, None, None, "6.5", N, N, 0),
        ("", None, None, "6.5", None, H, H, 0),
    ],
    # 2016 lipid guideline.
    "tc": [
        ("", None, None, None, "5.2", N, N, 0),
        ("", None, None, "5.2", "6.2", "borderline", H, 0),
        ("", None, None, "6.2", None, H, H, 0),
    ],
    "tg": [
        ("", None, None, None, "1.7", N, N, 0),
        ("", None, None, "1.7", "2.3", "borderline", H, 0),
        ("", None, None, "2.3", None, H, H, 0),
    ],
    "ldl_c": [
        ("", None, None, None, "3.4", N, N, 0),
        ("", None, None, "3.4", "4.1", "borderline", H, 0),
        ("", None, None, "4.1", None, H, H, 0),
    ],
    "hdl_c": [
        ("", None, None, None, "1.0", L, L, 0),
        ("", None, None, "1.0", None, N, N, 0),
    ],
    # 2019 primary-care guideline: > 420 μmol/L for both sexes.
    "ua": [
        ("", None, None, None, "421", N, N, 0),
        ("", None, None, "421", None, "hyperuricemia", H, 0),
    ],
    # WS/T 404.1-2012: men 9–50, women 7–40 U/L.
    "alt": [
        ("male", None, None, None, "9", L, L, 0),
        ("male", None, None, "9", "51", N, N, 0),
        ("male", None, None, "51", None, H, H, 0),
        ("female", None, None, None, "7", L, L, 0),
        ("female", None, None, "7", "41", N, N, 0),
        ("female", None, None, "41", None, H, H, 0),
    ],
    # WS/T 404.1-2012: men 15–40, women 13–35 U/L.
    "ast": [
        ("male", None, None, None, "15", L, L, 0),
        ("male", None, None, "15", "41", N, N, 0),
        ("male", None, None, "41", None, H, H, 0),
        ("female", None, None, None, "13", L, L, 0),
        ("female", None, None, "13", "36", N, N, 0),
        ("female", None, None, "36", None, H, H, 0),
    ],
    # WS/T 404.5-2015 (enzymatic), ages 20–59: men 57–97, women 41–73 μmol/L (priority 10). Other
    # ages fall back to the older textbook ranges men 53–106, women 44–97 (priority 0).
    "cr": [
        ("male", 20, 59, None, "57", L, L, 10),
        ("male", 20, 59, "57", "98", N, N, 10),
        ("male", 20, 59, "98", None, H, H, 10),
        ("female", 20, 59, None, "41", L, L, 10),
        ("female", 20, 59, "41", "74", N, N, 10),
        ("female", 20, 59, "74", None, H, H, 10),
        ("male", None, None, None, "53", L, L, 0),
        ("male", None, None, "53", "107", N, N, 0),
        ("male", None, None, "107", None, H, H, 0),
        ("female", None, None, None, "44", L, L, 0),
        ("female", None, None, "44", "98", N, N, 0),
        ("female", None, None, "98", None, H, H, 0),
    ],
}


def install(apps, schema_editor=None):
    """Add the shipped indicators and, for an indicator that has no rules yet, its rules."""
    Indicator = apps.get_model("health", "Indicator")
    GradingRule = apps.get_model("health", "GradingRule")
    for position, (code, name_zh, name_en, unit, low, high, decimals) in enumerate(INDICATORS, start=1):
        indicator, _created = Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "unit": unit,
                "plausible_min": D(low),
                "plausible_max": D(high),
                "decimals": decimals,
                "sort_order": position * 10,
            },
        )
        if GradingRule.objects.filter(indicator=indicator).exists():
            continue
        GradingRule.objects.bulk_create(
            GradingRule(
                indicator=indicator,
                sex=sex,
                age_min=age_min,
                age_max=age_max,
                lower=None if lower is None else D(lower),
                upper=None if upper is None else D(upper),
                category=category,
                flag=flag,
                priority=priority,
            )
            for sex, age_min, age_max, lower, upper, category, flag, priority in RULES.get(code, [])
        )


def uninstall(apps, schema_editor):
    Indicator = apps.get_model("health", "Indicator")
    Indicator.objects.filter(code__in=[row[0] for row in INDICATORS], results__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("health", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
