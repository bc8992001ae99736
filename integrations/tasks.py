"""Celery tasks of the integrations app: ids in, a service call out. All run on the `sync` queue."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.utils import timezone

from integrations import notifications, services
from integrations.outbox import delivery
from integrations.sync import engine

logger = logging.getLogger(__name__)


@shared_task(name="integrations.tasks.sync_all_sellers", ignore_result=True)
def sync_all_sellers() -> int:
    """Beat, every 30 s: queue one sync per due connection (backoff respected, never one already running)."""
    now = timezone.now()
    ids = services.connections_claim_due(now=now)
    # One producer for the whole batch: thousands of connections are queued every 30 s.
    with sync_connection.app.producer_or_acquire() as producer:
        for connection_id in ids:
            sync_connection.apply_async(args=[connection_id], kwargs={"queued_at": now.isoformat()}, producer=producer)
    if ids:
        logger.info("queued %s connection syncs", len(ids))
    return len(ids)


@shared_task(name="integrations.tasks.sync_connection", ignore_result=True)
def sync_connection(connection_id: int, queued_at: str | None = None) -> int | None:
    """`queued_at` (ISO, from the beat sweep): skip when a sync finished after it (a late duplicate)."""
    queued = datetime.fromisoformat(queued_at) if queued_at else None
    run = engine.sync_connection(connection_id=connection_id, queued_at=queued)
    return run.pk if run is not None else None


@shared_task(name="integrations.tasks.send_pending_replies", ignore_result=True)
def send_pending_replies() -> int:
    """Beat, every 30 s: the outbox sweep, for replies whose on-commit task was lost or must be retried."""
    from interactions.selectors import replies_due

    ids = replies_due(now=timezone.now())
    with send_reply.app.producer_or_acquire() as producer:
        for message_id in ids:
            send_reply.apply_async(args=[message_id], producer=producer)
    return len(ids)


@shared_task(name="integrations.tasks.send_reply", ignore_result=True)
def send_reply(message_id: int) -> str:
    return delivery.deliver_reply(message_id=message_id)


@shared_task(name="integrations.tasks.refresh_product_cards", ignore_result=True)
def refresh_product_cards(nm_ids: list[int]) -> None:
    from integrations.cards import ensure_product_cards

    ensure_product_cards(nm_ids=nm_ids, max_age=timedelta(hours=24))


@shared_task(name="integrations.tasks.notify_expiring_tokens", ignore_result=True)
def notify_expiring_tokens() -> int:
    """Daily: tell shop owners a week ahead that a WB token expires (once per token)."""
    return notifications.notify_expiring_tokens(now=timezone.now())


@shared_task(name="integrations.tasks.prune_sync_runs", ignore_result=True)
def prune_sync_runs() -> int:
    """Daily: drop sync history older than `services.SYNC_RUNS_KEPT` (a connection's last run stays)."""
    return services.sync_runs_prune(now=timezone.now())


@shared_task(name="integrations.tasks.reconcile_answers", ignore_result=True)
def reconcile_answers() -> int:
    """Daily: queue one answer reconciliation per connection that may sync."""
    from integrations.enqueue import enqueue_reconcile

    ids = services.connections_to_reconcile()
    for connection_id in ids:
        enqueue_reconcile(connection_id)
    return len(ids)


@shared_task(name="integrations.tasks.reconcile_connection_answers", ignore_result=True)
def reconcile_connection_answers(connection_id: int) -> None:
    from integrations.reconcile import reconcile_connection

    reconcile_connection(connection_id=connection_id)
