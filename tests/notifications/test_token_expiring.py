"""A WB token about to expire: one notification and one e-mail per owner, per token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from agentiq.celery import app as celery_app
from integrations import notifications as token_notices
from integrations.models import Connection
from notifications.models import Notification
from notifications.services import send_notification_emails
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def test_the_owner_is_told_in_the_shops_time_and_mailed_after_commit(
    seller, owner, monkeypatch, django_capture_on_commit_callbacks
):
    seller.timezone = "Asia/Yekaterinburg"
    seller.save()
    expires = datetime(2031, 3, 10, 9, 30, tzinfo=UTC)
    connection = ConnectionFactory(seller=seller, name="Основной", token_expires_at=expires)
    queued: list[str] = []
    monkeypatch.setattr(celery_app, "send_task", lambda name, **options: queued.append(name))

    with django_capture_on_commit_callbacks(execute=True):
        told = token_notices.notify_expiring_tokens(now=expires - timedelta(days=3))

    assert told == 1
    assert queued == ["notifications.tasks.send_notification_emails"]
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind, notice.connection_id, notice.seller_id) == (
        owner,
        Notification.Kind.TOKEN_EXPIRING,
        connection.pk,
        seller.pk,
    )
    assert notice.dedupe_key == f"token:{connection.pk}:{expires.isoformat()}"
    assert "«Основной» перестанет работать 10.03.2031 в 14:30" in notice.text  # UTC+5
    assert send_notification_emails() == 1
    assert mail.outbox[0].subject == "AgentIQ: токен скоро истечёт"
    assert notice.text in mail.outbox[0].body


def test_the_same_token_is_never_told_twice_even_if_its_claim_is_cleared(seller, owner):
    connection = ConnectionFactory(seller=seller, token_expires_at=timezone.now() + timedelta(days=2))

    assert token_notices.notify_expiring_tokens(now=timezone.now()) == 1
    Connection.objects.filter(pk=connection.pk).update(token_expiry_notified_at=None)  # e.g. by staff
    token_notices.notify_expiring_tokens(now=timezone.now())
    send_notification_emails()

    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
