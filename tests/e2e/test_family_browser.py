"""In a real browser, in Chinese: the demo officer logs in and adds a child to the family.

Labels are looked up through Django's translations (the model's verbose names, the templates'
msgids) rather than copied, so rewording a translation does not break the test; the few
Chinese strings written out below pin that the UI really is in Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.text import capfirst
from playwright.sync_api import Page, expect

from people.demo import seed_demo
from people.models import FamilyMember, FamilyRelation, Officer, Sex
from tests.e2e.conftest import PageProblems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE = "zh-hans"
SCREENSHOT = Path(settings.BASE_DIR) / "var" / "screenshots" / "family.png"

CHILD = {
    "name": "陈小雨",
    "relation": FamilyRelation.CHILD,
    "sex": Sex.FEMALE,
    "birth_date": dt.date(2015, 4, 12),
    "school": "实验小学",
    "grade": "五年级",
}


def t(message: str) -> str:
    with translation.override(LANGUAGE):
        return translation.gettext(message)


def label(field_name: str) -> str:
    """A form label as Django renders it: the model field's verbose name, capitalised."""
    with translation.override(LANGUAGE):
        return str(capfirst(FamilyMember._meta.get_field(field_name).verbose_name))


def choice(value) -> str:
    with translation.override(LANGUAGE):
        return str(value.label)


def age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def test_an_officer_adds_a_child_to_the_family_in_chinese(
    zh_page: Page, live_server, page_problems: PageProblems
) -> None:
    if t("My family") != "我的家庭":
        pytest.fail(
            "the zh_Hans catalogue is not compiled: run `make install` or "
            "`manage.py compilemessages --ignore=.venv --ignore=node_modules`",
            pytrace=False,
        )
    seed_demo(scale="small")
    officer = Officer.objects.get(user__username="demo_officer")
    family_before = officer.family_members.count()
    page = zh_page

    # Log in through the real form; the login page is already in Chinese.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGE)
    page.get_by_label(t("Police number or username")).fill("demo_officer")
    page.get_by_label(t("Password")).fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("user-menu")).to_contain_text(officer.name)

    # Bootstrap and the portal's own CSS are served by the live server and applied.
    navigation = page.get_by_role("navigation")
    expect(navigation).to_have_css("display", "flex")  # Bootstrap's .navbar
    expect(navigation).to_have_css("background-color", "rgb(11, 42, 91)")  # portal.css's navy

    # To the family page through the navigation.
    navigation.get_by_role("link", name="我的家庭").click()
    expect(page).to_have_url(f"{live_server.url}/family/")
    expect(page).to_have_title(re.compile(r"^我的家庭 · 幸福警营$"))
    table = page.get_by_test_id("family-table")
    expect(table.locator("tbody tr")).to_have_count(family_before)

    # Add the child through the form.
    page.get_by_role("link", name=t("Add a family member")).click()
    expect(page.get_by_role("heading", name=t("Add a family member"))).to_be_visible()
    page.get_by_label(label("relation")).select_option(CHILD["relation"].value)
    page.get_by_label(label("name")).fill(CHILD["name"])
    page.get_by_label(label("sex")).select_option(CHILD["sex"].value)
    page.get_by_label(label("birth_date")).fill(CHILD["birth_date"].isoformat())
    page.get_by_label(label("school")).fill(CHILD["school"])
    page.get_by_label(label("grade")).fill(CHILD["grade"])
    page.get_by_role("button", name=t("Save")).click()

    # Back on the family page: the confirmation and the new row.
    expect(page).to_have_url(f"{live_server.url}/family/")
    expect(page.get_by_role("alert")).to_contain_text(t("%(name)s has been added.") % {"name": CHILD["name"]})
    expect(table.locator("tbody tr")).to_have_count(family_before + 1)
    row = table.get_by_role("row").filter(has_text=CHILD["name"])
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(
        [
            CHILD["name"],
            choice(CHILD["relation"]),
            choice(CHILD["sex"]),
            "2015-04-12",
            str(age_on(CHILD["birth_date"], timezone.localdate())),
            "实验小学 五年级",
            f"{t('Edit')} {t('Remove')}",
        ]
    )

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # One record, however the click went (the service turns a double submit into a no-op).
    assert officer.family_members.count() == family_before + 1
    member = FamilyMember.objects.get(officer=officer, name=CHILD["name"])
    assert {key: getattr(member, key) for key in CHILD} == CHILD

    bootstrap_css = [url for url in page_problems.static_responses if url.endswith("bootstrap.min.css")]
    assert bootstrap_css, page_problems.static_responses
    assert all(page_problems.static_responses[url] in {200, 304} for url in bootstrap_css)
    page_problems.assert_none()
