"""Staff see sync health in the admin, and never a credential."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ConnectionFactory, QuarantinedItemFactory, SyncRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_connection_pages_show_health_but_not_the_token(admin_client):
    connection = ConnectionFactory(wb_token="eyJ-very-secret-token-value", last_error="Маркетплейс недоступен")
    SyncRunFactory(connection=connection, fetched=7)

    listing = admin_client.get("/admin/integrations/connection/")
    page = admin_client.get(f"/admin/integrations/connection/{connection.pk}/change/")

    assert listing.status_code == page.status_code == 200
    body = page.content.decode()
    assert "Маркетплейс недоступен" in body
    assert "eyJ-very-secret-token-value" not in body
    assert "eyJ-very-secret-token-value" not in listing.content.decode()


def test_quarantined_item_shows_its_raw_payload(admin_client):
    item = QuarantinedItemFactory(raw='{"id": "bad-1", "productValuation": "пять"}')

    page = admin_client.get(f"/admin/integrations/quarantineditem/{item.pk}/change/")

    assert page.status_code == 200
    assert "пять" in page.content.decode()


@pytest.mark.parametrize("model", ["syncrun", "synccursor", "productcard", "quarantineditem"])
def test_sync_lists_open(admin_client, model):
    SyncRunFactory()

    assert admin_client.get(f"/admin/integrations/{model}/").status_code == 200


def test_connection_list_says_the_last_error_in_plain_words(admin_client):
    ConnectionFactory(
        status="error",
        last_error="Wildberries: upstream connect error or disconnect/reset before headers",
        last_error_code="server_error",
        last_error_at=timezone.now(),
    )
    ConnectionFactory(last_error="Маркетплейс не ответил вовремя.", last_error_code="some_new_code")

    html = admin_client.get("/admin/integrations/connection/").content.decode()

    assert "Маркетплейс временно недоступен (ошибка на его стороне)." in html
    assert "upstream connect error" in html  # still there, on hover, for whoever digs deeper
    assert "Маркетплейс не ответил вовремя." in html  # an unknown code falls back to the stored words


def test_connection_list_filters_backoff_and_sync_lag(admin_client):
    now = timezone.now()
    paused = ConnectionFactory(name="На паузе", backoff_until=now + timedelta(minutes=5), last_success_at=now)
    behind = ConnectionFactory(name="Отстаёт", last_success_at=now - timedelta(hours=2))
    never = ConnectionFactory(name="Ни разу", last_success_at=None)

    on_pause = admin_client.get("/admin/integrations/connection/", {"backoff": "active"})
    lagging = admin_client.get("/admin/integrations/connection/", {"lag": "behind"})

    assert on_pause.status_code == lagging.status_code == 200
    assert [c.pk for c in on_pause.context["cl"].result_list] == [paused.pk]
    assert {c.pk for c in lagging.context["cl"].result_list} == {behind.pk, never.pk}


def test_sync_run_page_lists_errors_in_words(admin_client):
    run = SyncRunFactory(
        status="partial",
        errors=[{"stream": "wb_chats", "code": "timeout", "message": "Маркетплейс не ответил вовремя."}],
    )

    html = admin_client.get(f"/admin/integrations/syncrun/{run.pk}/change/").content.decode()

    assert "чаты WB: Маркетплейс не ответил вовремя." in html
    assert "<details><summary>" in html


def test_quarantine_list_filters_unresolved(admin_client):
    open_item = QuarantinedItemFactory()
    QuarantinedItemFactory(resolved_at=timezone.now())

    response = admin_client.get("/admin/integrations/quarantineditem/", {"resolved": "no"})

    assert [item.pk for item in response.context["cl"].result_list] == [open_item.pk]
