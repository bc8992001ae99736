"""Celery tasks of the leads app (queue `default`)."""

from __future__ import annotations

from celery import shared_task

from leads import services


@shared_task(
    name="leads.tasks.send_lead_email",
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    max_retries=5,
)
def send_lead_email(lead_id: int) -> bool:
    """Queued on commit of a new lead when SALES_EMAIL is set. Safe twice: the lead is claimed before sending."""
    return services.lead_email_send(lead_id=lead_id)


@shared_task(name="leads.tasks.prune_leads", ignore_result=True)
def prune_leads() -> int:
    """Daily (agentiq/schedules.py): leads past LEAD_RETENTION_DAYS are deleted."""
    return services.leads_prune()
