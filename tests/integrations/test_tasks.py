"""Periodic tasks of the integrations app, run the way beat runs them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from integrations import tasks
from integrations.models import Connection
from tests.factories import ConnectionFactory, UserFactory


@pytest.mark.django_db
class TestNotifyExpiringTokens:
    def test_owners_are_told_once_a_week_ahead(self, seller, owner, agent):
        second_owner = UserFactory(seller=seller, role="owner")
        expiring = ConnectionFactory(
            seller=seller, name="Основной", token_expires_at=timezone.now() + timedelta(days=3)
        )
        ConnectionFactory(seller=seller, token_expires_at=timezone.now() + timedelta(days=30))
        ConnectionFactory(seller=seller, token_expires_at=timezone.now() - timedelta(days=1))
        ConnectionFactory(token_expires_at=timezone.now() + timedelta(days=2), is_enabled=False)

        first = tasks.notify_expiring_tokens()
        second = tasks.notify_expiring_tokens()

        assert (first, second) == (1, 0)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert sorted(message.to) == sorted([owner.email, second_owner.email])
        assert agent.email not in message.to
        assert "Основной" in message.body
        assert "токен" in message.subject.lower()
        assert expiring.wb_token not in message.body
        expiring.refresh_from_db()
        assert expiring.token_expiry_notified_at is not None

    def test_new_token_gets_a_new_notice(self, owner_client, seller, owner):
        from sandbox.credentials import mint_wb_token

        connection = ConnectionFactory(seller=seller, token_expires_at=timezone.now() + timedelta(days=2))
        tasks.notify_expiring_tokens()
        token = mint_wb_token(
            shop_no=3, secret="another-test-secret-0123456789abcdef", expires_at=timezone.now() + timedelta(days=5)
        )

        owner_client.patch(f"/api/connections/{connection.pk}", {"token": token}, format="json")
        tasks.notify_expiring_tokens()

        assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_due_selection_respects_backoff_lock_status_and_schedule():
    now = timezone.now()
    due = ConnectionFactory(next_sync_at=now - timedelta(seconds=1))
    backoff_over = ConnectionFactory(next_sync_at=now, backoff_until=now - timedelta(seconds=1))
    ConnectionFactory(next_sync_at=now + timedelta(minutes=1))
    ConnectionFactory(next_sync_at=now, backoff_until=now + timedelta(minutes=5))
    ConnectionFactory(next_sync_at=now, sync_lock_until=now + timedelta(minutes=5))
    ConnectionFactory(next_sync_at=now, status=Connection.Status.INVALID)
    ConnectionFactory(next_sync_at=now, is_enabled=False)
    ConnectionFactory(next_sync_at=now, seller__is_active=False)

    from integrations.services import connections_claim_due

    first = connections_claim_due(now=now)
    again = connections_claim_due(now=now + timedelta(seconds=30))

    assert sorted(first) == sorted([due.pk, backoff_over.pk])
    assert again == []  # already queued: not queued a second time while waiting


@pytest.fixture
def eager_tasks():
    from agentiq.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_sync_all_sellers_syncs_what_is_due_and_nothing_else(sandbox, sandbox_shop, eager_tasks):
    from integrations.models import SyncRun
    from tests.factories import sandbox_connection

    sandbox.state.configure(rate_limits=False)
    now = timezone.now()
    due = sandbox_connection(sandbox_shop, next_sync_at=now - timedelta(seconds=1))
    waiting = sandbox_connection(
        sandbox_shop, marketplace="ozon", seller=due.seller, next_sync_at=now, backoff_until=now + timedelta(minutes=1)
    )

    queued = tasks.sync_all_sellers()

    assert queued == 1
    assert SyncRun.objects.filter(connection=due).count() == 1
    assert not SyncRun.objects.filter(connection=waiting).exists()
    due.refresh_from_db()
    assert due.next_sync_at > timezone.now() + timedelta(seconds=20)  # the next one in about 30 s


@pytest.mark.django_db
def test_sandbox_demo_connect_is_idempotent_and_fills_the_inbox(sandbox, seller, eager_tasks):
    from integrations.sync.engine import sync_connection
    from interactions.models import Interaction
    from sandbox.demo import sandbox_demo_connect

    sandbox.state.configure(rate_limits=False)

    first = sandbox_demo_connect(seller=seller)
    second = sandbox_demo_connect(seller=seller)

    assert [c.pk for c in first] == [c.pk for c in second]
    assert sorted(c.marketplace for c in first) == ["ozon", "wb"]
    for connection in first:
        sync_connection(connection_id=connection.pk)
    assert set(Interaction.objects.filter(seller=seller).values_list("marketplace", flat=True)) == {"wb", "ozon"}


@pytest.mark.django_db
def test_prune_sync_runs_keeps_recent_history_and_every_last_run():
    from integrations.models import SyncRun
    from integrations.services import SYNC_RUNS_KEPT

    now = timezone.now()
    old = now - SYNC_RUNS_KEPT - timedelta(days=1)
    quiet = ConnectionFactory()
    busy = ConnectionFactory()
    quiet_last = SyncRun.objects.create(connection=quiet, started_at=old, finished_at=old, status="ok")
    quiet.last_run = quiet_last
    quiet.save(update_fields=["last_run"])
    stale = [SyncRun.objects.create(connection=busy, started_at=old, finished_at=old, status="ok") for _ in range(3)]
    recent = SyncRun.objects.create(connection=busy, started_at=now, finished_at=now, status="ok")

    assert tasks.prune_sync_runs() == len(stale)
    assert set(SyncRun.objects.values_list("pk", flat=True)) == {quiet_last.pk, recent.pk}
    assert tasks.prune_sync_runs() == 0
