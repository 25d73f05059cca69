"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against ``live_server``.

Playwright cannot download its own browser on the intranet, so the Debian package is used
(``apt-get install chromium fonts-wqy-microhei``; the font makes Chinese readable in screenshots).
Tests using these fixtures carry ``@pytest.mark.browser``: the root conftest skips them, or fails
them in CI, when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, sync_playwright

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
# Chromium asks for it on its own; the templates declare no icon, so it is a 404 worth no failure.
IGNORED_PATHS: tuple[str, ...] = ()


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Browser]:
    """One headless Chromium per test module.

    Playwright's sync API keeps an asyncio event loop in the test thread, so Django's
    async-safety check would refuse the ORM calls the test makes (seeding, assertions, the
    transactional flush). The switch is set for this module only and restored afterwards;
    module scope makes it outlive the function-scoped database teardown.
    """
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@dataclass
class PageProblems:
    """What went wrong in the page that the assertions on its content would not show."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    static_responses: dict[str, int] = field(default_factory=dict)

    def on_console(self, message: ConsoleMessage) -> None:
        # A failed load is also a response or a failed request, recorded there with its address.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def on_response(self, response: Response) -> None:
        path = urlsplit(response.url).path
        if path.startswith(settings.STATIC_URL):  # "/static/": Django adds the leading slash
            self.static_responses[response.url] = response.status
        if response.status >= 400 and path not in IGNORED_PATHS:
            self.failed_requests.append(f"{response.status} {response.url}")

    def on_request_failed(self, request: Request) -> None:
        # A navigation cancels what the page was still loading; that is no failure of the app.
        if request.failure != "net::ERR_ABORTED":
            self.failed_requests.append(f"{request.failure} {request.url}")

    def assert_none(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.failed_requests == [], self.failed_requests


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def zh_page(chromium_browser: Browser, live_server, page_problems: PageProblems) -> Iterator[Page]:
    """A fresh browser context (no cookies) whose Accept-Language is zh-CN, on the live server."""
    context = chromium_browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", page_problems.on_console)
    page.on("pageerror", lambda exc: page_problems.page_errors.append(str(exc)))
    page.on("response", page_problems.on_response)
    page.on("requestfailed", page_problems.on_request_failed)
    try:
        yield page
    finally:
        context.close()
