"""The reply lifecycle: queue → claim → sent / failed, as the delivery worker drives it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from agentiq.errors import ApplicationError
from guardrails.models import GuardrailCategory
from interactions.models import DeliveryState, Interaction, InteractionEvent, Message, Status
from interactions.selectors import replies_due
from interactions.services import queue_reply, reply_claim, reply_mark_failed, reply_mark_sent
from tests.factories import ConnectionFactory, InteractionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def review():
    return InteractionFactory(kind="review", rating=2, priority="urgent")


@pytest.fixture
def user(review):
    return UserFactory(seller=review.seller)


def test_queue_reply_creates_pending_message_and_enqueues_delivery_on_commit(
    review, user, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    from agentiq.celery import app

    monkeypatch.setattr(app, "send_task", lambda name, args: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        message = queue_reply(interaction=review, user=user, text="  Нам очень жаль, разберёмся.  ")

    assert message.text == "Нам очень жаль, разберёмся."
    assert message.delivery_state == DeliveryState.PENDING and message.author_user == user
    assert message.idempotency_key is not None
    assert sent == [("integrations.tasks.send_reply", [message.pk])]
    review.refresh_from_db()
    assert not review.needs_response and review.first_responded_at is not None
    assert review.status != Status.CLOSED  # a review closes only when the answer is delivered
    assert InteractionEvent.objects.filter(interaction=review, kind="reply_queued", actor=user).exists()


def test_chat_reply_moves_to_waiting():
    chat = InteractionFactory(kind="chat", reply_context={"reply_sign": "s"})
    queue_reply(interaction=chat, user=UserFactory(seller=chat.seller), text="Здравствуйте! Заказ уже в пути.")
    chat.refresh_from_db()
    assert chat.status == Status.WAITING


@pytest.mark.parametrize(
    ("marketplace", "kind", "text", "ok"),
    [
        ("wb", "chat", "x" * 1000, True),
        ("wb", "chat", "x" * 1001, False),
        ("wb", "review", "x" * 5000, True),
        ("wb", "review", "x" * 5001, False),
        ("wb", "question", "x", False),
        ("ozon", "question", "x" * 3001, False),
        ("ozon", "question", "xy", True),
        ("ozon", "chat", "x" * 1001, False),
        ("ozon", "review", "x" * 3000, True),
    ],
)
def test_marketplace_length_limits(marketplace, kind, text, ok):
    # The marketplaces' own bounds; the product's 20-character minimum is the guardrails' (tests/guardrails).
    GuardrailCategory.objects.filter(code=GuardrailCategory.TOO_SHORT).update(is_active=False)
    connection = ConnectionFactory(marketplace=marketplace)
    interaction = InteractionFactory(connection=connection, kind=kind, reply_context={"reply_sign": "s"})
    user = UserFactory(seller=connection.seller)
    if ok:
        assert queue_reply(interaction=interaction, user=user, text=text).pk
    else:
        with pytest.raises(ValidationError) as exc:
            queue_reply(interaction=interaction, user=user, text=text)
        assert "text" in exc.value.message_dict
        assert not Message.objects.exists()


def test_empty_text_and_wb_chat_without_reply_sign_are_refused(review, user):
    with pytest.raises(ValidationError):
        queue_reply(interaction=review, user=user, text=" \n ")
    chat = InteractionFactory(kind="chat", connection=review.connection, reply_context={})
    with pytest.raises(ApplicationError) as exc:
        queue_reply(interaction=chat, user=user, text="Здравствуйте")
    assert exc.value.code == "reply_not_possible"


def test_claim_is_exclusive_and_lease_expires(review, user):
    message = queue_reply(interaction=review, user=user, text="Спасибо за отзыв, нам очень приятно!")
    now = timezone.now()
    assert replies_due(now=now) == [message.pk]

    first = reply_claim(message_id=message.pk, now=now)
    assert first is not None and first.interaction.connection.pk == review.connection_id
    assert first.delivery_state == DeliveryState.SENDING and first.attempts == 1
    assert reply_claim(message_id=message.pk, now=now + timedelta(seconds=60)) is None
    assert replies_due(now=now + timedelta(seconds=60)) == []

    later = now + timedelta(seconds=121)
    assert replies_due(now=later) == [message.pk]
    again = reply_claim(message_id=message.pk, now=later)
    assert again is not None and again.attempts == 2


def test_mark_sent_closes_review_and_records_event(review, user):
    message = queue_reply(interaction=review, user=user, text="Спасибо за отзыв, нам очень приятно!")
    reply_claim(message_id=message.pk, now=timezone.now())
    sent_at = timezone.now()
    reply_mark_sent(message_id=message.pk, external_id="fb-1:answer", sent_at=sent_at)

    message.refresh_from_db()
    review.refresh_from_db()
    assert message.delivery_state == DeliveryState.SENT and message.external_id == "fb-1:answer"
    assert review.status == Status.CLOSED and review.closed_at == sent_at
    assert InteractionEvent.objects.filter(interaction=review, kind="reply_sent").count() == 1
    # Idempotent: a second mark (a retried worker) writes nothing new.
    reply_mark_sent(message_id=message.pk, external_id=None, sent_at=sent_at)
    assert InteractionEvent.objects.filter(interaction=review, kind="reply_sent").count() == 1


def test_mark_failed_retry_then_final(review, user):
    message = queue_reply(interaction=review, user=user, text="Спасибо за отзыв, нам очень приятно!")
    now = timezone.now()
    reply_claim(message_id=message.pk, now=now)
    reply_mark_failed(message_id=message.pk, error="timeout", retry_at=now + timedelta(minutes=1))
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.PENDING and message.last_error == "timeout"
    assert reply_claim(message_id=message.pk, now=now) is None  # not before retry_at
    assert reply_claim(message_id=message.pk, now=now + timedelta(minutes=1)) is not None

    reply_mark_failed(message_id=message.pk, error="Отзыв удалён покупателем", retry_at=None)
    message.refresh_from_db()
    review.refresh_from_db()
    assert message.delivery_state == DeliveryState.FAILED
    assert review.needs_response and review.status == Status.OPEN
    event = InteractionEvent.objects.get(interaction=review, kind="reply_failed")
    assert event.data["reason"] == "Отзыв удалён покупателем"
    assert replies_due(now=now + timedelta(hours=1)) == []


def test_late_failure_after_sync_confirmed_does_not_resend(review, user):
    message = queue_reply(interaction=review, user=user, text="Спасибо за отзыв, нам очень приятно!")
    reply_claim(message_id=message.pk, now=timezone.now())
    reply_mark_sent(message_id=message.pk, external_id=None, sent_at=timezone.now())
    reply_mark_failed(message_id=message.pk, error="timeout", retry_at=timezone.now())
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.SENT
    assert Interaction.objects.get(pk=review.pk).status == Status.CLOSED
