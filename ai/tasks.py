"""Celery tasks of the AI app, on the `ai` queue: ids in, a service call out."""

from __future__ import annotations

import logging

from celery import shared_task

from ai import services

logger = logging.getLogger(__name__)


@shared_task(name="ai.tasks.analyze_interactions", ignore_result=True)
def analyze_interactions(interaction_ids: list[int]) -> int:
    """Queued by the sync right after it commits new buyer messages: analysis, then drafts."""
    return services.analyze_interactions(interaction_ids)


@shared_task(name="ai.tasks.analyze_pending_chats", ignore_result=True)
def analyze_pending_chats() -> int:
    """Beat, every 2 minutes: whatever the sync's own task missed (a broker outage, a crashed worker), analyses
    and drafts both."""
    outcome = services.analyze_pending()
    if outcome.analyzed or outcome.drafted:
        logger.info("analyzed %s and drafted %s pending interactions", outcome.analyzed, outcome.drafted)
    return outcome.analyzed
