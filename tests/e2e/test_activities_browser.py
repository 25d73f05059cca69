"""In a real browser, in Chinese: the demo officer signs up for a painting morning with the younger child.

The older child (in 高三) is refused with the age rule's reason; the sign-up shows its check-in QR code.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Page, expect

from activities.demo import PAINTING
from activities.models import SignUp
from people.demo import seed_demo
from people.models import Officer
from tests.activities.factories import make_activity
from tests.e2e.conftest import PageProblems
from tests.health.conftest import catalogue  # noqa: F401  (a transactional test flushes the shipped catalogue)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("catalogue"),
]

LANGUAGE = "zh-hans"


def t(message: str) -> str:
    with translation.override(LANGUAGE):
        return translation.gettext(message)


def test_an_officer_signs_up_with_a_child_of_the_right_age_in_chinese(
    zh_page: Page, live_server, page_problems: PageProblems
) -> None:
    seed_demo(scale="small")
    officer = Officer.objects.select_related("org_unit").get(user__username="demo_officer")
    painting = make_activity(
        unit=officer.org_unit, title=PAINTING, audience="children", child_age_min=4, child_age_max=12
    )
    page = zh_page
    page.goto("/login/")
    page.get_by_label(t("Police number or username")).fill("demo_officer")
    page.get_by_label(t("Password")).fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.get_by_role("navigation").get_by_role("link", name=t("Family activities")).click()
    expect(page).to_have_url(re.compile(r"/activities/$"))
    page.goto(f"/activities/{painting.pk}/")
    form = page.get_by_test_id("signup-form")

    # The older child is 17: refused, with the reason, and nothing is stored.
    form.get_by_label(re.compile("^陈思源")).check()
    form.get_by_role("button").click()
    expect(page.get_by_test_id("signup-form")).to_contain_text("4 至 12 岁")
    assert not SignUp.objects.filter(officer=officer, activity=painting).exists()

    # The younger one is welcome.
    form = page.get_by_test_id("signup-form")
    form.get_by_label(re.compile("^陈思源")).uncheck()
    form.get_by_label(re.compile("^陈可欣")).check()
    form.get_by_role("button").click()
    with translation.override(LANGUAGE):
        signed_up = translation.ngettext(
            "You are signed up: %(count)d person.", "You are signed up: %(count)d persons.", 2
        ) % {"count": 2}
    expect(page.get_by_role("alert")).to_contain_text(signed_up)
    mine = page.get_by_test_id("my-signup")
    expect(mine).to_contain_text("陈可欣")
    expect(page.get_by_test_id("signup-qr").locator("img")).to_be_visible()
    signup = SignUp.objects.get(officer=officer, activity=painting)
    assert (signup.status, signup.persons) == ("confirmed", 2)
    page_problems.assert_none()
