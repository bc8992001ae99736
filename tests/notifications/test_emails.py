"""Notification e-mails: each goes once, in Russian, to an active recipient; a failed send is tried again."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from notifications import services, tasks
from notifications.models import Notification
from tests.factories import InteractionFactory, NotificationFactory, SellerFactory, UserFactory

pytestmark = pytest.mark.django_db


def wanting_email(**fields) -> Notification:
    return NotificationFactory(wants_email=True, **fields)


def test_each_email_goes_once_even_when_the_task_runs_twice(owner, agent):
    first = wanting_email(recipient=owner, kind=Notification.Kind.CONNECTION_BROKEN, text="Подключение не работает.")
    second = wanting_email(recipient=agent, kind=Notification.Kind.SLA_BREACHED, text="Срок ответа нарушен.")
    NotificationFactory(recipient=owner, wants_email=False)

    assert tasks.send_notification_emails() == 2
    assert tasks.send_notification_emails() == 0

    assert sorted(message.to[0] for message in mail.outbox) == sorted([owner.email, agent.email])
    assert all(len(message.to) == 1 for message in mail.outbox)
    for row in (first, second):
        row.refresh_from_db()
        assert row.emailed_at is not None


def test_the_email_is_russian_with_a_link_to_the_interaction(owner, settings):
    settings.PUBLIC_BASE_URL = "https://agentiq.example.com/"
    interaction = InteractionFactory(connection__seller=owner.seller)
    wanting_email(
        recipient=owner,
        kind=Notification.Kind.SLA_BREACHED,
        interaction=interaction,
        text="Срок ответа на отзыв о товаре «Платье» нарушен.",
    )

    services.send_notification_emails()

    (message,) = mail.outbox
    assert message.subject == "AgentIQ: срок ответа нарушен"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Срок ответа на отзыв о товаре «Платье» нарушен." in message.body
    assert f"https://agentiq.example.com/app/interactions/{interaction.pk}" in message.body
    assert message.body.startswith("Здравствуйте!")


def test_an_email_without_an_interaction_has_no_link(owner):
    wanting_email(recipient=owner, kind=Notification.Kind.TOKEN_EXPIRING, text="Токен скоро истечёт.")

    services.send_notification_emails()

    (message,) = mail.outbox
    assert message.subject == "AgentIQ: токен скоро истечёт"
    assert "/app/" not in message.body


def test_a_failed_send_gives_the_claim_back_and_the_next_run_sends_it(owner, monkeypatch, caplog):
    row = wanting_email(recipient=owner)
    real_send = services.send_mail

    def smtp_down(*args, **kwargs):
        raise ConnectionRefusedError("535 auth failed for user mailer password hunter2")

    monkeypatch.setattr(services, "send_mail", smtp_down)
    assert services.send_notification_emails() == 0
    row.refresh_from_db()
    assert row.emailed_at is None
    assert "hunter2" not in caplog.text and owner.email not in caplog.text
    assert f"notification {row.pk}" in caplog.text

    monkeypatch.setattr(services, "send_mail", real_send)
    assert services.send_notification_emails() == 1
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.emailed_at is not None


def test_one_failure_does_not_stop_the_others(seller, monkeypatch):
    rows = [wanting_email(recipient=UserFactory(seller=seller)) for _ in range(3)]
    real_send = services.send_mail
    refused = rows[1].recipient.email

    def refuse_one(subject, body, sender, to):
        if to == [refused]:
            raise OSError("refused")
        return real_send(subject, body, sender, to)

    monkeypatch.setattr(services, "send_mail", refuse_one)

    assert services.send_notification_emails() == 2
    assert refused not in [message.to[0] for message in mail.outbox]
    assert Notification.objects.filter(emailed_at__isnull=True).get() == rows[1]


def test_inactive_users_are_never_emailed(seller):
    gone = UserFactory(seller=seller, is_active=False)
    row = wanting_email(recipient=gone)

    assert services.send_notification_emails() == 0

    assert mail.outbox == []
    row.refresh_from_db()
    assert row.emailed_at is None and row.wants_email is False  # out of the sweep for good


def test_a_user_deactivated_after_the_claim_is_not_emailed(owner, monkeypatch):
    row = wanting_email(recipient=owner)
    claim = services._claim_emails

    def claim_then_deactivate(**kwargs):
        claimed = claim(**kwargs)
        for notification in claimed:
            notification.recipient.is_active = False
        return claimed

    monkeypatch.setattr(services, "_claim_emails", claim_then_deactivate)

    assert services.send_notification_emails() == 0
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.wants_email is False


def test_more_rows_than_one_batch_are_all_sent(seller):
    for _ in range(7):
        wanting_email(recipient=UserFactory(seller=seller))

    assert services.send_notification_emails(batch=3) == 7
    assert len(mail.outbox) == 7


def test_an_old_claim_is_never_resent(owner):
    wanting_email(recipient=owner, emailed_at=timezone.now() - timedelta(days=1))

    assert services.send_notification_emails() == 0
    assert mail.outbox == []


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="two runs need two connections to one database")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_email_once(monkeypatch):
    seller = SellerFactory()
    for _ in range(30):
        wanting_email(recipient=UserFactory(seller=seller))
    real_send = services.send_mail

    def slow_send(*args, **kwargs):
        time.sleep(0.01)  # keeps both runs busy at the same time
        return real_send(*args, **kwargs)

    monkeypatch.setattr(services, "send_mail", slow_send)
    counts: list[int] = []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait(10)
            counts.append(services.send_notification_emails(batch=5))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    recipients = [message.to[0] for message in mail.outbox]
    assert sum(counts) == 30
    assert len(recipients) == len(set(recipients)) == 30
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
