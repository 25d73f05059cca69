"""In a real browser, in Chinese: health staff find the red officers, open a follow-up and close it.

Labels come through Django's translations (see test_family_browser.py); the trend chart of the
archive must draw without a script error (Chart.js is served locally).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Page, expect

from audit.models import AuditEntry
from health.models import FollowUp, FollowUpOutcome, FollowUpStatus, RiskLevel
from people.demo import seed_demo
from tests.e2e.conftest import PageProblems
from tests.health.conftest import catalogue  # noqa: F401  (a transactional test flushes the shipped catalogue)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue"),
]

LANGUAGE = "zh-hans"
SCREENSHOT = Path(settings.BASE_DIR) / "var" / "screenshots" / "health-cohort.png"


def t(message: str) -> str:
    with translation.override(LANGUAGE):
        return translation.gettext(message)


def choice(value) -> str:
    with translation.override(LANGUAGE):
        return str(value.label)


def test_health_staff_close_a_red_officers_follow_up_in_chinese(
    zh_page: Page, live_server, page_problems: PageProblems
) -> None:
    seed_demo(scale="small")
    page = zh_page
    page.goto("/login/")
    page.get_by_label(t("Police number or username")).fill("demo_health")
    page.get_by_label(t("Password")).fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/")

    # The cohort, filtered to the red officers, most severe first.
    page.get_by_test_id("work-menu").click()  # the staff's pages are under the workbench menu
    page.get_by_role("navigation").get_by_role("link", name=t("Health archives")).click()
    expect(page).to_have_url(f"{live_server.url}/health/officers/")
    page.get_by_test_id("cohort-filter").get_by_label(t("Risk level")).select_option(RiskLevel.RED.value)
    page.get_by_test_id("cohort-filter").get_by_role("button", name=t("Filter")).click()
    expect(page).to_have_url(re.compile(r"risk=red"))
    rows = page.get_by_test_id("archive-officers").locator("tbody tr")
    expect(rows.first).to_contain_text(choice(RiskLevel.RED))
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert AuditEntry.objects.filter(detail__what="health_cohort").exists()

    # An untouched red follow-up: its officer is on the page; the archive draws its trend charts.
    follow_up = (
        FollowUp.objects.filter(status=FollowUpStatus.OPEN, risk_level=RiskLevel.RED)
        .select_related("officer")
        .order_by("officer__police_number")
        .first()
    )
    police_number = follow_up.officer.police_number
    row = rows.filter(has_text=police_number)
    row.get_by_role("link", name=t("Open archive")).click()
    expect(page).to_have_url(f"{live_server.url}/health/officers/{police_number}/")
    expect(page.locator("#health-trends canvas").first).to_be_visible()

    # The follow-up, closed with an outcome (refused without one first).
    page.get_by_test_id("follow-ups").get_by_role("link", name=follow_up.checkup.date.isoformat()).click()
    expect(page).to_have_url(f"{live_server.url}/health/follow-ups/{follow_up.pk}/")
    form = page.get_by_test_id("follow-up-form")
    form.get_by_label(t("Status")).select_option(FollowUpStatus.DONE.value)
    form.get_by_role("button", name=t("Save")).click()
    expect(form).to_contain_text(t("A follow-up that is done needs an outcome."))
    form.get_by_label(t("Outcome")).select_option(FollowUpOutcome.REFERRED.value)
    form.get_by_label(t("Notes")).fill("已转诊市人民医院心内科")
    form.get_by_role("button", name=t("Save")).click()
    expect(page.get_by_role("alert")).to_contain_text(t("The follow-up has been saved."))
    follow_up.refresh_from_db()
    assert (follow_up.status, follow_up.outcome) == (FollowUpStatus.DONE, FollowUpOutcome.REFERRED)
    page_problems.assert_none()
