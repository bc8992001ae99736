"""Celery tasks of the notifications app (queue `default`)."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(name="notifications.tasks.send_notification_emails", ignore_result=True)
def send_notification_emails() -> int:
    """Queued on commit of new notifications that want e-mail; beat runs it every minute too, for what a
    broker outage lost. Safe to run twice at once: each row is claimed before its e-mail goes."""
    return services.send_notification_emails()
