"""The one place where integration code queues its own tasks.

Services, the sync engine and the admin call these instead of importing `integrations.tasks`, whose
module imports them back: the task module is imported inside each function, so no import cycle exists.
"""

from __future__ import annotations

from typing import Any


def enqueue_sync(connection_id: int, *, producer: Any = None) -> None:
    from integrations import tasks

    tasks.sync_connection.apply_async(args=[connection_id], producer=producer)


def enqueue_card_refresh(nm_ids: list[int]) -> None:
    from integrations import tasks

    # Not on the sync queue: a backlog of cards must never hold up the next syncs.
    tasks.refresh_product_cards.apply_async(args=[nm_ids], queue="default")


def enqueue_reconcile(connection_id: int) -> None:
    from integrations import tasks

    tasks.reconcile_connection_answers.apply_async(args=[connection_id])
