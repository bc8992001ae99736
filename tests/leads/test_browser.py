"""A visitor in a real browser (Debian's chromium through Playwright) at phone and desktop widths, with and
without JavaScript: the landing opens with nothing fetched from outside, the form is filled and sent, the
thank-you state shows, and the lead is in the database."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from leads.models import Lead
from tests.browser import CHROMIUM, NO_CHROMIUM, launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
WIDTHS = [390, 1280]


@pytest.fixture
def browser(live_server, settings, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LEAD_MIN_FILL_SECONDS = 0  # a test fills the form faster than any person
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
            # Reading the database while Playwright's loop runs gave this thread a connection of its own
            # (asgiref takes the thread for async): close it here, or it would block dropping the test database.
            connections.close_all()


def open_landing(browser, live_server, *, width: int, javascript: bool):
    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    outside: list[str] = []
    failed: list[str] = []

    def only_local(route, request):
        if request.url.startswith(("data:", "blob:")) or urlsplit(request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    page.route("**/*", only_local)
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.goto(f"{live_server.url}/?utm_source=yandex&utm_campaign=wb-sellers", wait_until="load")
    return page, outside, failed


def fill_form(page, *, phone: str) -> None:
    page.locator("#zayavka").scroll_into_view_if_needed()
    page.fill("#f-name", "Анна")
    page.fill("#f-shop", "Уютный дом")
    page.fill("#f-phone", phone)
    page.check("input[name=marketplaces][value=ozon]")
    page.fill("#f-comment", "Около 80 отзывов в день")
    page.check("input[name=consent]")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_with_javascript_the_form_answers_in_place(browser, live_server, width):
    page, outside, failed = open_landing(browser, live_server, width=width, javascript=True)
    assert page.locator("h1").is_visible()
    assert page.locator("a[href='/app/']").first.is_visible()
    # Nothing wider than the screen (no sideways scrolling on a phone).
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    fill_form(page, phone="8 912 345-67-89")
    page.click("#lead-form button[type=submit]")
    page.wait_for_selector("#lead-thanks:not([hidden])", timeout=10_000)

    assert page.url.startswith(f"{live_server.url}/?")  # no navigation: the answer came in place
    assert "Заявка принята" in page.inner_text("#lead-thanks")
    assert page.locator("#lead-form").is_hidden()
    lead = Lead.objects.get()
    assert (lead.name, lead.phone, lead.sells_on_ozon, lead.sells_on_wb) == ("Анна", "+79123456789", True, False)
    assert (lead.utm_source, lead.utm_campaign) == ("yandex", "wb-sellers")
    assert outside == [] and failed == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_with_javascript_errors_show_next_to_the_fields(browser, live_server, width):
    page, _, _ = open_landing(browser, live_server, width=width, javascript=True)

    fill_form(page, phone="12345")
    page.click("#lead-form button[type=submit]")
    page.wait_for_selector("[data-error-for=phone]:not(:empty)")

    assert "Проверьте номер телефона" in page.inner_text("[data-error-for=phone]")
    assert Lead.objects.count() == 0
    page.fill("#f-phone", "+7 912 345-67-89")
    page.click("#lead-form button[type=submit]")
    page.wait_for_selector("#lead-thanks:not([hidden])")
    assert Lead.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_the_form_posts_and_shows_the_thank_you_page(browser, live_server, width):
    page, outside, failed = open_landing(browser, live_server, width=width, javascript=False)

    fill_form(page, phone="12345")
    page.click("#lead-form button[type=submit]")
    page.wait_for_load_state("load")
    assert "Проверьте номер телефона" in page.inner_text("[data-error-for=phone]")
    assert page.input_value("#f-name") == "Анна"  # what was typed is kept
    failed.clear()  # that 400 was the point

    page.fill("#f-phone", "+7 912 345-67-89")
    page.click("#lead-form button[type=submit]")
    # The form's action carries #zayavka, and a browser keeps it across the redirect.
    page.wait_for_url(re.compile(re.escape(live_server.url) + r"/thanks(#.*)?$"))

    assert "Заявка принята" in page.inner_text("main")
    lead = Lead.objects.get()
    assert (lead.phone, lead.shop_name, lead.utm_source) == ("+79123456789", "Уютный дом", "yandex")
    assert outside == [] and failed == []
