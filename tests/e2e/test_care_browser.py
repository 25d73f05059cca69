"""In a real browser, in Chinese: an officer asks for help with a document, the welfare office accepts it
and adds a note the officer can read (and one the officer cannot), and the officer sees it on the page."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from care.models import CareRequest
from tests.care.conftest import PDF
from tests.e2e.conftest import PageProblems
from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import OfficerFactory, RoleAssignmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE = "zh-hans"


def t(message: str) -> str:
    with translation.override(LANGUAGE):
        return translation.gettext(message)


def _log_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label(t("Police number or username")).fill(username)
    page.get_by_label(t("Password")).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_an_officer_asks_for_help_and_sees_the_welfare_offices_answer_in_chinese(
    zh_page: Page, live_server, page_problems: PageProblems, officer, city, tmp_path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path
    member = OfficerFactory(org_unit=city, name="赵敏", user__username="zhaomin")
    RoleAssignmentFactory(user=member.user, role="welfare_office", org_unit=city)
    page = zh_page

    # The officer (owner) asks for help with a PDF of the diagnosis.
    _log_in(page, live_server, "owner", FACTORY_PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name=t("Ask for help")).click()
    page.get_by_role("link", name=t("Ask for help")).last.click()
    form = page.get_by_test_id("care-request-form")
    form.get_by_label(t("What kind of help")).select_option("major_illness")
    form.get_by_label(t("Subject")).fill("父亲心脏手术")
    form.get_by_label(t("What has happened and what help is needed")).fill(
        "父亲需要心脏搭桥手术，想请组织帮忙联系专家。"
    )
    pdf = tmp_path / "诊断证明.pdf"
    pdf.write_bytes(PDF)
    form.get_by_label(t("Documents")).set_input_files(str(pdf))
    form.get_by_role("button", name=t("Submit the request")).click()
    request = CareRequest.objects.get()
    expect(page.locator(".alert-success")).to_contain_text(request.reference)
    assert request.attachments.get().original_name == "诊断证明.pdf"

    # The welfare office accepts it, adds a visible referral and an internal note.
    page.context.clear_cookies()
    _log_in(page, live_server, "zhaomin", FACTORY_PASSWORD)
    page.get_by_test_id("work-menu").click()  # the staff's pages are under the workbench menu
    page.get_by_role("navigation").get_by_role("link", name=t("Care requests")).click()
    page.get_by_role("link", name=request.reference).click()
    expect(page.get_by_test_id("care-description")).to_contain_text("心脏搭桥")
    page.get_by_test_id("care-accept").get_by_role("button").click()
    expect(page.get_by_test_id("care-handler")).to_contain_text("赵敏")
    action = page.get_by_test_id("care-action")
    action.get_by_label(t("Kind of action")).select_option("referral")
    action.get_by_label(t("What was done")).fill("已联系市一医院心外科专家门诊")
    action.get_by_label(t("Visible to the officer")).check()
    action.get_by_role("button").click()
    action = page.get_by_test_id("care-action")
    action.get_by_label(t("Kind of action")).select_option("note")
    action.get_by_label(t("What was done")).fill("家庭经济困难，可考虑补助")
    action.get_by_role("button").click()
    expect(page.get_by_text("家庭经济困难，可考虑补助")).to_be_visible()
    request.refresh_from_db()
    assert request.status == "in_progress"

    # The officer reads the referral, not the internal note, in Chinese.
    page.context.clear_cookies()
    _log_in(page, live_server, "owner", FACTORY_PASSWORD)
    page.goto(f"/care/requests/{request.pk}/")
    expect(page.get_by_text("已联系市一医院心外科专家门诊")).to_be_visible()
    expect(page.get_by_text("家庭经济困难")).to_have_count(0)
    expect(page.locator("body")).to_contain_text(t("in progress"))
    assert re.search(r"AJ-\d{4}-\d{6}", page.content())
    shots = settings.VAR_DIR / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "care.png"), full_page=True)
    page_problems.assert_none()
