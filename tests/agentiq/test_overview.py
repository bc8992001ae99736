"""The admin index opens with what is broken or late, each count linking to its filtered list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agentiq.overview import admin_overview
from integrations.models import Connection
from interactions.models import DeliveryState, SLAState, Status
from tests.factories import (
    ConnectionFactory,
    InteractionFactory,
    OutgoingMessageFactory,
    OzonConnectionFactory,
    QuarantinedItemFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trouble():
    """A little of everything the overview counts, and near misses it must not count."""
    now = timezone.now()
    ConnectionFactory(status=Connection.Status.ERROR, backoff_until=now + timedelta(minutes=5), last_success_at=now)
    ConnectionFactory(status=Connection.Status.ERROR, is_enabled=False)  # switched off: nobody waits for it
    OzonConnectionFactory(status=Connection.Status.INVALID, last_success_at=now - timedelta(hours=3))
    OzonConnectionFactory(last_success_at=None)
    ConnectionFactory(backoff_until=now - timedelta(minutes=1), last_success_at=now - timedelta(minutes=2))

    InteractionFactory(sla_state=SLAState.BREACHED)
    InteractionFactory(sla_state=SLAState.BREACHED)
    InteractionFactory(sla_state=SLAState.BREACHED, needs_response=False)  # answered meanwhile
    InteractionFactory(sla_state=SLAState.DUE_SOON)
    InteractionFactory(sla_state=SLAState.OK)
    InteractionFactory(sla_state=SLAState.BREACHED, status=Status.CLOSED, needs_response=False)

    OutgoingMessageFactory(delivery_state=DeliveryState.FAILED)
    OutgoingMessageFactory(delivery_state=DeliveryState.SENT)

    QuarantinedItemFactory()
    QuarantinedItemFactory()
    QuarantinedItemFactory(resolved_at=now)


def counts() -> dict[str, int]:
    return {item.label: item.count for item in admin_overview().items}


def test_overview_counts_what_needs_attention(trouble):
    assert counts() == {
        "Подключения с ошибкой синхронизации": 1,
        "Подключения, ключ которых не принят": 1,
        "Подключения на паузе после ошибок": 1,
        "Обращения с нарушенным сроком ответа": 2,
        "Обращения, у которых скоро срок ответа": 1,
        "Недоставленные ответы": 1,
        "Нераспознанные записи": 2,
    }


def test_sync_lag_per_marketplace(trouble):
    lag = {row.marketplace: row for row in admin_overview().sync_lag}

    # Enabled ones only: WB has the failing one (synced just now), the one that recovered, and the
    # interactions' own connections (never synced); Ozon has the refused key and one never synced.
    wb, ozon = lag["wb"], lag["ozon"]
    assert ozon.connections == 2
    assert ozon.never_synced == 1
    assert ozon.behind == 2
    assert ozon.oldest_success_at < timezone.now() - timedelta(hours=2)
    assert wb.behind == wb.never_synced == wb.connections - 2
    assert wb.newest_success_at > timezone.now() - timedelta(minutes=1)


def test_every_overview_link_opens_its_list_filtered(client, staff, trouble):
    client.force_login(staff)
    overview = admin_overview()

    for item in overview.items:
        response = client.get(item.url)
        assert response.status_code == 200, item.url  # an unknown filter would redirect with ?e=1
        assert response.context["cl"].result_count == item.count, item.label
    for row in overview.sync_lag:
        response = client.get(row.url)
        assert response.status_code == 200, row.url
        assert response.context["cl"].result_count == row.behind, row.label


def test_admin_index_shows_the_overview(client, staff, trouble):
    client.force_login(staff)

    html = client.get("/admin/").content.decode()

    assert "Что требует внимания" in html
    assert "Обращения с нарушенным сроком ответа" in html
    assert 'href="/admin/interactions/breachedinteraction/"' in html
    assert "Синхронизация по маркетплейсам" in html


def test_admin_index_costs_the_same_queries_however_much_is_wrong(client, staff):
    client.force_login(staff)
    client.get("/admin/")

    def queries() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert client.get("/admin/").status_code == 200
        return len(captured)

    before = queries()
    for _ in range(5):
        ConnectionFactory(status=Connection.Status.ERROR)
        InteractionFactory(sla_state=SLAState.BREACHED)
        OutgoingMessageFactory(delivery_state=DeliveryState.FAILED)
        QuarantinedItemFactory()
    assert queries() == before


def test_staff_see_only_the_lines_they_may_open(client, trouble):
    operator = StaffUserFactory(is_superuser=False)
    operator.user_permissions.add(Permission.objects.get(codename="view_connection"))
    client.force_login(operator)

    html = client.get("/admin/").content.decode()

    assert "Подключения с ошибкой синхронизации" in html
    assert "Недоставленные ответы" not in html
    assert "Обращения с нарушенным сроком ответа" not in html
