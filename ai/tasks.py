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


@shared_task(name="ai.tasks.score_reply_quality", ignore_result=True)
def score_reply_quality(message_id: int) -> int:
    """Queued when a reply is marked sent (on commit): its quality score. Run twice, it scores once."""
    from ai.quality import score_replies

    return score_replies([message_id])


@shared_task(name="ai.tasks.score_unscored_replies", ignore_result=True)
def score_unscored_replies() -> int:
    """Beat, every 10 minutes: sent replies of the last days that have no score (a lost task, a reply the sync
    saw delivered, an answer written in the marketplace's cabinet)."""
    from django.utils import timezone

    from ai.quality import score_replies
    from interactions.selectors.quality import replies_to_score

    scored = score_replies(replies_to_score(now=timezone.now()))
    if scored:
        logger.info("scored %s replies that had no quality score", scored)
    return scored
