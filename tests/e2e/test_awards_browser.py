"""In a real browser, in Chinese: an officer applies for 金盾优学奖 for a child admitted to a 985 university,
is told what is missing before submitting, uploads the letter and submits; the unit admin approves the
first stage."""

from __future__ import annotations

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from awards.models import Application, Status
from tests.awards.conftest import PDF, _university, make_programme
from tests.e2e.conftest import PageProblems
from tests.factories import PASSWORD, OfficerFactory, RoleAssignmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE = "zh-hans"


def t(message: str) -> str:
    with translation.override(LANGUAGE):
        return translation.gettext(message)


def _log_in(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label(t("Police number or username")).fill(username)
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_an_officer_applies_and_the_unit_admin_approves_the_first_stage_in_chinese(
    zh_page: Page, live_server, page_problems: PageProblems, officer, unit_admin, city, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path
    from care import fund as ledger

    fund = ledger.default_fund()
    ledger.donation_record(fund=fund, amount="100000", donor="爱警基金", idempotency_key="e2e-d", actor=None)
    ledger.allocation_record(
        budget=ledger.budget_of("awards"), amount="100000", idempotency_key="e2e-a", actor=None
    )
    office = OfficerFactory(org_unit=city, user__username="office")
    RoleAssignmentFactory(user=office.user, role="welfare_office", org_unit=city)
    programme = make_programme(office.user)
    _university("4133010335", "浙江大学", "浙江", is_985=True, is_211=True, is_double_first_class=True)
    child = officer.family_members.get(relation="child")
    child.birth_date = child.birth_date.replace(year=programme.year - 18)
    child.save()
    page = zh_page

    _log_in(page, live_server, "owner")
    page.get_by_role("navigation").get_by_role("link", name=t("Education awards")).click()
    page.get_by_test_id("award-apply-link").click()
    form = page.get_by_test_id("award-application-form")
    form.get_by_label(t("Child")).select_option(value=str(child.pk))
    form.get_by_label(t("University")).fill("4133010335")
    form.get_by_role("button", name=t("Save the draft")).click()
    # Without the letter the form says so, in Chinese, and nothing is saved.
    expect(page.get_by_test_id("award-application-form")).to_contain_text(
        t("Upload the admission letter (PDF or a photo).")
    )
    assert not Application.objects.exists()
    form = page.get_by_test_id("award-application-form")
    letter = tmp_path / "录取通知书.pdf"
    letter.write_bytes(PDF)
    form.get_by_label(t("Admission letter")).set_input_files(str(letter))
    form.get_by_role("button", name=t("Save the draft")).click()
    expect(page.get_by_test_id("award-eligible")).to_be_visible()
    expect(page.get_by_test_id("award-tier")).to_have_text(t("985 Project"))
    page.get_by_test_id("award-submit-form").get_by_role("button").click()
    application = Application.objects.get()
    expect(page.locator("body")).to_contain_text(t("awaiting unit review"))
    assert application.status == Status.SUBMITTED and application.amount == 10000

    # The unit admin of 东城分局 approves the first stage from the workbench.
    _log_in(page, live_server, "unitadmin")
    page.get_by_test_id("work-menu").click()
    page.get_by_role("link", name=t("Award reviews")).click()
    row = page.get_by_role("row").filter(has_text=child.name)
    row.get_by_role("link", name=t("Review")).click()
    page.get_by_test_id("award-decide").get_by_role("button", name=t("Approve"), exact=True).click()
    application.refresh_from_db()
    assert application.status == Status.UNIT_APPROVED
    shots = settings.VAR_DIR / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "awards.png"), full_page=True)
    page_problems.assert_none()
