"""Staff see sync health in the admin, and never a credential."""

from __future__ import annotations

import pytest
from django.test import Client

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
