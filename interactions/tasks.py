"""Celery tasks of the inbox: a service call each. Beat fires the first two (agentiq.schedules)."""

from __future__ import annotations

import logging

from celery import shared_task

from interactions.services.autoclose import auto_close_inactive_chats as auto_close
from interactions.services.escalation import check_sla_escalation as sweep
from interactions.services.recompute import recompute_sla as recompute

logger = logging.getLogger(__name__)


@shared_task(name="interactions.tasks.check_sla_escalation", ignore_result=True)
def check_sla_escalation() -> dict[str, int]:
    summary = sweep().summary()
    if any(summary.values()):
        logger.info("sla sweep: %s", summary)
    return summary


@shared_task(name="interactions.tasks.auto_close_inactive_chats", ignore_result=True)
def auto_close_inactive_chats() -> int:
    closed = len(auto_close().closed)
    if closed:
        logger.info("auto-closed %s quiet chats", closed)
    return closed


@shared_task(name="interactions.tasks.recompute_sla", ignore_result=True)
def recompute_sla(seller_id: int | None = None) -> int:
    """Queued when a rule or a calendar is saved: only that shop's waits (all for a global rule)."""
    result = recompute(seller_id=seller_id)
    logger.info("recomputed sla for %s: %s of %s waits moved", seller_id or "all shops", result.changed, result.checked)
    return result.changed
