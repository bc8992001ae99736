"""A seller in a real browser (Debian's chromium through Playwright) against the app served by Django with data
synced from the sandbox marketplace: signs in, sees the inbox, works it by keyboard, opens a review, regenerates
the draft, is stopped by the guardrails, sends a good reply. Screenshots of every screen at 1280 and 390 px go
to var/screenshots/app/ for a person to look at."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from ai.services import analyze_pending
from integrations.sync.engine import sync_connection
from interactions.models import DeliveryState, Interaction, Kind, Message, SLARule
from tests.browser import CHROMIUM, NO_CHROMIUM, launch_chromium
from tests.factories import sandbox_connection
from tests.frontend.helpers import BUILD, NOT_BUILT
from tests.sandbox_fixtures import _later_shop_numbers, _shop_factory

pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PASSWORD = "owner-pass-1234"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "app"
BAD_REPLY = "Я бот, пишите в телеграм @x"
GOOD_REPLY = (
    "Спасибо, что написали нам и подробно рассказали о покупке! Мы внимательно прочитали отзыв "
    "и передали ваши замечания команде, которая отвечает за этот товар."
)


def restore_seeded_rows() -> None:
    """Transactional tests run last and flush the database after each, the rows the migrations seeded too: the
    guardrail lists (seeded again, idempotently) and the SLA rules (one catch-all rule is enough here)."""
    importlib.import_module("guardrails.migrations.0002_seed_categories").seed(apps, None)
    SLARule.objects.get_or_create(
        seller=None,
        marketplace="",
        kind="",
        priority="",
        chat_phase="",
        defaults={
            "name": "Все обращения",
            "target_minutes": 12 * 60,
            "deadline_minutes": 48 * 60,
            "follows_calendar": False,
        },
    )


@pytest.fixture
def sandbox_shop(sandbox):
    # Drawn from the later tests' range, so the shops every earlier test gets stay the same (tests/sandbox_fixtures.py).
    return _shop_factory(sandbox, _later_shop_numbers)()


@pytest.fixture
def shop(sandbox, sandbox_shop, owner):
    restore_seeded_rows()
    sandbox.state.configure(rate_limits=False)
    sandbox_shop.add_traffic(reviews=6, questions=3, chats=2, chat_messages=2)
    for marketplace in ("wb", "ozon"):
        connection = sandbox_connection(sandbox_shop, marketplace=marketplace, seller=owner.seller)
        for _ in range(5):
            if sync_connection(connection_id=connection.pk).status == "ok":
                break
    analyze_pending()
    owner.set_password(PASSWORD)
    owner.save()
    assert Interaction.objects.filter(seller=owner.seller, kind=Kind.REVIEW, needs_response=True).exists()
    return owner


@pytest.fixture
def browser(live_server, settings, monkeypatch):
    assert (BUILD / "index.html").exists(), NOT_BUILT
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()
            connections.close_all()


def open_page(browser, *, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 844}, locale="ru-RU")
    page = context.new_page()
    problems: list[str] = []

    def only_local(route, request):
        if request.url.startswith(("data:", "blob:")) or urlsplit(request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            problems.append(f"outside: {request.url}")
            route.abort()

    page.route("**/*", only_local)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    return page, problems


def shot(page, name: str, width: int) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=False)


def sign_in(page, live_server, owner, *, path: str = "/app/") -> None:
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


@pytest.mark.django_db(transaction=True)
def test_a_seller_works_a_review_from_the_inbox_to_a_sent_reply(browser, live_server, shop):
    owner = shop
    page, problems = open_page(browser, width=1280)
    page.goto(f"{live_server.url}/app/")
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    shot(page, "login", 1280)
    sign_in(page, live_server, owner)

    rows = page.locator(".row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 5
    expect(page.locator(".mp-wb").first).to_be_visible()
    expect(page.locator(".mp-ozon").first).to_be_visible()
    expect(page.locator(".sla").first).to_be_visible()
    shot(page, "inbox", 1280)

    # Only reviews, by the filter, kept in the URL.
    page.get_by_label("Тип").select_option("review")
    expect(page).to_have_url(re.compile(r"/app/?\?kind=review$"))
    expect(page.locator(".row .kind").first).to_have_text("Отзыв")
    assert set(page.locator(".row .kind").all_inner_texts()) == {"Отзыв"}

    # By keyboard: j moves, Enter opens.
    page.locator("body").press("j")
    second = page.locator(".row-active").get_attribute("data-id")
    page.locator("body").press("Enter")
    expect(page).to_have_url(re.compile(rf"/app/interactions/{second}$"))
    editor = page.get_by_label("Текст ответа")
    expect(editor).to_be_visible()
    expect(page.get_by_role("heading", name="Анализ ИИ")).to_be_visible()

    page.get_by_label("Пожелание к черновику").fill("короче")
    with page.expect_response(
        lambda r: r.url.endswith("/draft") and r.request.method == "POST", timeout=20_000
    ) as drafted:
        page.get_by_role("button", name="Переписать черновик").click()
    # The new draft is in the editor: typing before that would be overwritten by it (a race, not the product).
    expect(editor).to_have_value(drafted.value.json()["text"])
    expect(page.get_by_role("button", name="Переписать черновик")).to_be_enabled(timeout=20_000)
    shot(page, "conversation", 1280)

    editor.fill(BAD_REPLY)
    guard = page.get_by_test_id("guardrail")
    expect(guard).to_contain_text("Так отправить нельзя")
    expect(guard).to_contain_text("Упоминание ИИ")
    expect(guard).to_contain_text("Контакты вне маркетплейса")
    expect(page.get_by_role("button", name="Отправить", exact=True)).to_be_disabled()
    shot(page, "conversation-blocked", 1280)

    editor.fill(GOOD_REPLY)
    expect(guard).to_contain_text("Проверка пройдена")
    page.get_by_role("button", name="Отправить", exact=True).click()
    expect(page.get_by_text("Ответ поставлен в очередь")).to_be_visible()
    expect(page.locator(".msg-out").last).to_contain_text(GOOD_REPLY[:40])
    shot(page, "conversation-sent", 1280)
    reply = Message.objects.get(interaction_id=int(second), text=GOOD_REPLY)
    assert reply.delivery_state in {DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.SENT}

    # Esc goes back to the same filtered list.
    page.locator("body").press("Escape")
    expect(page).to_have_url(re.compile(r"/app/?\?kind=review$"))

    page.get_by_role("link", name="Сводка").click()
    expect(page.get_by_role("heading", name="Сводка")).to_be_visible()
    expect(page.locator(".tile").first).to_be_visible()
    shot(page, "dashboard", 1280)
    page.get_by_role("link", name="Настройки").click()
    expect(page.get_by_label("Тон ответов")).to_be_visible()
    shot(page, "settings", 1280)

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_an_expired_session_returns_to_the_screen_after_signing_in(browser, live_server, shop):
    owner = shop
    review = Interaction.objects.filter(seller=owner.seller, kind=Kind.REVIEW).first()
    page, problems = open_page(browser, width=390)
    sign_in(page, live_server, owner, path=f"/app/interactions/{review.pk}")
    expect(page).to_have_url(re.compile(rf"/app/interactions/{review.pk}$"))
    expect(page.get_by_label("Текст ответа")).to_be_visible()
    shot(page, "conversation", 390)

    page.goto(f"{live_server.url}/app/")
    expect(page.locator(".row").first).to_be_visible()
    # The page is not wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "inbox", 390)
    page.get_by_role("link", name="Сводка").click()
    expect(page.get_by_role("heading", name="Сводка")).to_be_visible()
    shot(page, "dashboard", 390)
    page.get_by_role("link", name="Настройки").click()
    expect(page.get_by_label("Тон ответов")).to_be_visible()
    shot(page, "settings", 390)

    # Both tokens die (a week away, a password change): the next request signs out and comes back after.
    page.evaluate(
        "localStorage.setItem('agentiq.access', 'expired'); localStorage.setItem('agentiq.refresh', 'expired')"
    )
    page.reload()
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    expect(page.get_by_text("Сессия истекла")).to_be_visible()
    shot(page, "login-expired", 390)
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"/app/settings$"))
    expect(page.get_by_label("Тон ответов")).to_be_visible()
    # 401s of the expired tokens are expected in the console; nothing else.
    assert [p for p in problems if "401" not in p] == []
