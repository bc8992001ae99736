"""/api/docs renders every operation in a real browser with nothing fetched from outside this machine."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from tests.browser import CHROMIUM, NO_CHROMIUM, launch_chromium

LOCAL_HOSTS = {"127.0.0.1", "localhost"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM),
]


@pytest.fixture
def browser_page(live_server, settings, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls under it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The manifest storage 404s under live_server (no collectstatic in tests).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_api_docs_render_with_no_request_leaving_the_machine(browser_page, live_server):
    outside: list[str] = []
    failed: list[str] = []

    def only_local(route, request):
        if request.url.startswith(("data:", "blob:")) or urlsplit(request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    browser_page.route("**/*", only_local)
    browser_page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))

    browser_page.goto(f"{live_server.url}/api/docs", wait_until="networkidle")
    browser_page.wait_for_selector(".opblock", timeout=20_000)

    assert outside == []
    assert failed == []
    assert browser_page.locator(".opblock").count() > 20
    assert browser_page.locator(".opblock-summary-path", has_text="/api/interactions").count() > 0
    assert "AgentIQ API" in browser_page.locator(".info .title").inner_text()
