"""Celery tasks of the auto-replies: ids in, a service call out."""

from __future__ import annotations

import logging

from celery import shared_task

from autoreplies import services

logger = logging.getLogger(__name__)


@shared_task(name="autoreplies.tasks.auto_reply_interactions", ignore_result=True)
def auto_reply_interactions(interaction_ids: list[int]) -> int:
    """Queued by the AI step once its drafts commit: the shops' rules decide. Safe to run twice (one
    AutoReply per interaction)."""
    outcome = services.auto_reply_run(interaction_ids=interaction_ids)
    if outcome.sent or outcome.queued or outcome.skipped:
        logger.info("auto-replies: %s sent, %s queued, %s skipped", outcome.sent, outcome.queued, outcome.skipped)
    return outcome.sent
