"""The indicator catalogue in the admin: list, change page with rules inline, audited edits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from audit.models import AuditEntry
from health.models import GradingRule, Indicator
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.fixture
def superuser_client(db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_the_catalogue_lists_every_indicator(superuser_client):
    page = superuser_client.get("/admin/health/indicator/")
    assert page.status_code == 200
    for code in ("height", "bmi", "sbp", "fpg", "ldl_c", "cr"):
        assert f">{code}<" in page.content.decode()


def test_a_change_to_a_cut_off_is_saved_and_audited(superuser_client):
    fpg = Indicator.objects.get(code="fpg")
    rules = list(fpg.rules.order_by("pk"))
    page = superuser_client.get(f"/admin/health/indicator/{fpg.pk}/change/")
    assert page.status_code == 200

    form = {
        "name_zh": fpg.name_zh,
        "name_en": fpg.name_en,
        "unit": fpg.unit,
        "plausible_min": "1",
        "plausible_max": "50",
        "decimals": "2",
        "sort_order": str(fpg.sort_order),
        "active": "on",
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(len(rules)),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for i, rule in enumerate(rules):
        upper = "5.6" if rule.category == "normal" else ("" if rule.upper is None else str(rule.upper))
        lower = "5.6" if rule.category == "ifg" else ("" if rule.lower is None else str(rule.lower))
        form.update(
            {
                f"rules-{i}-id": str(rule.pk),
                f"rules-{i}-indicator": str(fpg.pk),
                f"rules-{i}-sex": rule.sex,
                f"rules-{i}-age_min": "",
                f"rules-{i}-age_max": "",
                f"rules-{i}-lower": lower,
                f"rules-{i}-upper": upper,
                f"rules-{i}-category": rule.category,
                f"rules-{i}-flag": rule.flag,
                f"rules-{i}-priority": str(rule.priority),
            }
        )
    response = superuser_client.post(f"/admin/health/indicator/{fpg.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert GradingRule.objects.get(indicator=fpg, category="ifg").lower == Decimal("5.6")
    assert AuditEntry.objects.filter(action="admin_change", object_id=str(fpg.pk)).exists()


def test_a_rule_with_a_normal_category_must_have_a_normal_flag(superuser_client):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        GradingRule.objects.create(
            indicator=Indicator.objects.get(code="tc"), lower=None, upper=None, category="normal", flag="high"
        )


def test_the_code_of_an_indicator_cannot_be_changed_and_indicators_cannot_be_deleted(superuser_client):
    tc = Indicator.objects.get(code="tc")
    page = superuser_client.get(f"/admin/health/indicator/{tc.pk}/change/").content.decode()
    assert 'name="code"' not in page
    assert superuser_client.get(f"/admin/health/indicator/{tc.pk}/delete/").status_code == 403


def test_health_records_are_not_in_the_admin(superuser_client):
    for model in ("checkup", "checkupresult", "importbatch"):
        assert superuser_client.get(f"/admin/health/{model}/").status_code == 404
