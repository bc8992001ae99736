"""The interaction and connection lists fit a 1366 px laptop screen without hiding a column, and a phone
gets no page-wide sideways scroll. Checked in headless Chromium (skipped where it is not installed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection
from tests.browser import CHROMIUM, NO_CHROMIUM, launch_chromium
from tests.factories import ConnectionFactory, InteractionFactory, MessageFactory, SellerFactory

playwright_api = pytest.importorskip("playwright.sync_api")
if CHROMIUM is None:
    pytest.skip(NO_CHROMIUM, allow_module_level=True)

pytestmark = pytest.mark.django_db(transaction=True)

LONG_TEXT = (
    "Здравствуйте! Заказывала комплект постельного белья, пришёл другой размер и цвет, упаковка порвана. "
    "Как оформить возврат и когда вернутся деньги?"
)


@pytest.fixture
def busy_console(db) -> None:
    now = timezone.now()
    for index in range(12):
        seller = SellerFactory(name=f"ООО «Торговый дом Северо-Западный {index}»")
        connection = ConnectionFactory(
            seller=seller,
            name=f"Основной кабинет Wildberries магазина {index}",
            status=Connection.Status.ERROR,
            last_error="Маркетплейс временно недоступен (HTTP 502).",
            last_error_code="server_error",
            last_error_at=now,
            backoff_until=now + timedelta(minutes=5),
            last_success_at=now - timedelta(hours=index),
        )
        interaction = InteractionFactory(connection=connection, rating=index % 5 + 1)
        MessageFactory(interaction=interaction, text=LONG_TEXT)


@pytest.fixture
def staff_session(client, staff, busy_console) -> str:
    client.force_login(staff)
    return client.cookies["sessionid"].value


@pytest.fixture
def browser(staff_session) -> Iterator[object]:
    # Set up after the rows and the session: while Playwright's loop runs, Django would hand this thread a
    # second database connection (asgiref treats it as async) that no teardown closes.
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def open_as_staff(browser, live_server, session: str, *, width: int, path: str):
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + path)
    return page


@pytest.mark.parametrize("path", ["/admin/interactions/interaction/", "/admin/integrations/connection/"])
def test_list_fits_a_laptop_screen(browser, live_server, staff_session, path):
    page = open_as_staff(browser, live_server, staff_session, width=1366, path=path)

    overflow = page.evaluate(
        "(() => { const r = document.querySelector('.results'); return r.scrollWidth - r.clientWidth })()"
    )
    headers = page.locator("#result_list thead th").count()

    assert headers >= 8
    assert overflow <= 0, f"{overflow} px of columns hidden to the right"


def test_interaction_list_shows_the_buyers_words_on_screen(browser, live_server, staff_session):
    page = open_as_staff(browser, live_server, staff_session, width=1366, path="/admin/interactions/interaction/")

    cell = page.locator("td.field-buyer_text").first

    assert cell.inner_text().startswith("Здравствуйте! Заказывала комплект")
    assert cell.is_visible()


@pytest.mark.parametrize("path", ["/admin/", "/admin/interactions/interaction/"])
def test_a_phone_gets_no_page_wide_sideways_scroll(browser, live_server, staff_session, path):
    page = open_as_staff(browser, live_server, staff_session, width=390, path=path)

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
