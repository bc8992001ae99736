"""Reply delivery over real HTTP against the sandbox: every reply reaches the buyer exactly once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from agentiq.celery import app as celery_app
from integrations.models import Connection
from integrations.outbox import delivery
from integrations.outbox.delivery import deliver_reply
from integrations.outbox.outbound import send_reply
from integrations.sync.engine import sync_connection
from integrations.sync.truth_audit import audit_connection
from interactions.models import DeliveryState, Interaction, InteractionEvent, Kind, Message, Status
from interactions.selectors import replies_due
from interactions.services import queue_reply
from notifications.models import Notification
from tests.factories import sandbox_connection

pytestmark = pytest.mark.django_db

SEND_PATHS = [
    "/api/v1/feedbacks/answer",
    "/api/v1/questions",
    "/api/v1/seller/message",
    "/v1/chat/send/message",
    "/v1/review/comment/create",
    "/v1/question/answer/create",
]


@pytest.fixture(autouse=True)
def _eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def fast_retries(settings):
    settings.REPLY_RETRY_BASE_SECONDS = 0
    settings.REPLY_RETRY_CAP_SECONDS = 0
    settings.MARKETPLACE_TIMEOUT_SECONDS = 0.5
    return settings


@pytest.fixture
def synced(sandbox, sandbox_shop, owner):
    """A WB and an Ozon connection of the owner's shop, synced from the sandbox shop."""
    sandbox.state.configure(rate_limits=False)
    sandbox_shop.add_traffic(reviews=3, questions=3, chats=3, chat_messages=2)
    wb = sandbox_connection(sandbox_shop, seller=owner.seller)
    ozon = sandbox_connection(sandbox_shop, marketplace="ozon", seller=owner.seller)
    for connection in (wb, ozon):
        for _ in range(5):
            run = sync_connection(connection_id=connection.pk)
            if run.status == "ok":
                break
    return wb, ozon


def unanswered(connection: Connection, kind: str) -> Interaction:
    interaction = (
        Interaction.objects.filter(connection=connection, kind=kind, needs_response=True).order_by("id").first()
    )
    assert interaction is not None, f"the sandbox shop has no unanswered {kind} on {connection.marketplace}"
    return interaction


def replies_in_truth(truth: dict) -> list[dict]:
    found = []
    for section in ("wb", "ozon"):
        for items in truth[section].values():
            if isinstance(items, list):
                for item in items:
                    if isinstance(item, dict):
                        found.extend(item.get("replies", []))
    return found


def deliver_all(*, rounds: int = 30) -> None:
    for _ in range(rounds):
        due = replies_due(now=timezone.now() + timedelta(seconds=1))
        if not due:
            return
        for message_id in due:
            deliver_reply(message_id=message_id)
    raise AssertionError("replies still pending after the bounded number of rounds")


def test_a_reply_reaches_the_marketplace_once_and_closes_the_review(synced, sandbox_shop, owner):
    wb, _ = synced
    review = unanswered(wb, Kind.REVIEW)

    message = queue_reply(interaction=review, user=owner, text="Спасибо за отзыв! Рады, что покупка понравилась.")
    outcome = deliver_reply(message_id=message.pk)
    second = deliver_reply(message_id=message.pk)

    assert (outcome, second) == (delivery.Outcome.SENT, delivery.Outcome.SKIPPED)
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.SENT
    assert message.external_id == f"{review.reply_context.get('feedback_id', review.external_id)}:answer"
    review.refresh_from_db()
    assert review.status == Status.CLOSED
    replies = replies_in_truth(sandbox_shop.truth())
    assert [(r["text"], r["count"]) for r in replies] == [(message.text, 1)]


@pytest.mark.django_db(transaction=True)
def test_reply_through_the_api_is_delivered_by_a_worker(synced, sandbox_shop, owner_client):
    """The whole path: API → outgoing message → on commit, the task by name → a worker → the sandbox."""
    wb, _ = synced
    question = unanswered(wb, Kind.QUESTION)

    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"):
        response = owner_client.post(
            f"/api/interactions/{question.pk}/reply", {"text": "Здравствуйте! Да, размер соответствует."}, format="json"
        )
        assert response.status_code in (200, 201, 202), response.json()
        message = Message.objects.get(interaction=question, direction="out")
        deadline = time.monotonic() + 20
        while message.delivery_state != DeliveryState.SENT and time.monotonic() < deadline:
            time.sleep(0.1)
            message.refresh_from_db()

    assert message.delivery_state == DeliveryState.SENT
    assert [r["count"] for r in replies_in_truth(sandbox_shop.truth())] == [1]


@pytest.mark.slow
def test_timeouts_after_send_never_deliver_a_reply_twice(synced, sandbox, sandbox_shop, owner, fast_retries):
    wb, ozon = synced
    targets = [
        unanswered(connection, kind) for connection in (wb, ozon) for kind in (Kind.REVIEW, Kind.QUESTION, Kind.CHAT)
    ]
    messages = [
        queue_reply(interaction=target, user=owner, text=f"Здравствуйте! Ответ номер {n}: спасибо, что написали.")
        for n, target in enumerate(targets)
    ]
    sandbox.state.set_faults(rate=0.5, kinds=["timeout_after_write"], timeout_s=1.0, paths=SEND_PATHS, seed=3)

    deliver_all()

    for message in messages:
        message.refresh_from_db()
        assert message.delivery_state == DeliveryState.SENT, (message.pk, message.last_error)
    assert max(m.attempts for m in messages) > 1, "no timeout was injected: the test proves nothing"
    replies = replies_in_truth(sandbox_shop.truth())
    assert sorted(r["text"] for r in replies) == sorted(m.text for m in messages)
    assert [r["count"] for r in replies] == [1] * len(messages)

    sandbox.state.clear_faults()
    for connection in (wb, ozon):
        sync_connection(connection_id=connection.pk)
        assert audit_connection(connection=connection, truth=sandbox_shop.truth()).ok


def test_a_worker_that_died_after_sending_does_not_send_again(synced, sandbox_shop, owner):
    wb, _ = synced
    chat = unanswered(wb, Kind.CHAT)
    message = queue_reply(interaction=chat, user=owner, text="Добрый день! Заказ уже в пути.")
    # The first worker sent it, then died before recording anything; its lease has run out.
    send_reply(wb, kind=chat.kind, external_id=chat.external_id, reply_context=chat.reply_context, text=message.text)
    Message.objects.filter(pk=message.pk).update(
        delivery_state=DeliveryState.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    outcome = deliver_reply(message_id=message.pk)

    assert outcome == delivery.Outcome.FOUND
    assert [r["count"] for r in replies_in_truth(sandbox_shop.truth())] == [1]
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.SENT


def test_a_refused_reply_fails_with_the_reason_and_the_seller_sees_it(synced, sandbox_shop, owner):
    wb, _ = synced
    chat = unanswered(wb, Kind.CHAT)
    message = queue_reply(interaction=chat, user=owner, text="Здравствуйте! Уточните, пожалуйста, размер.")
    Interaction.objects.filter(pk=chat.pk).update(reply_context={**chat.reply_context, "reply_sign": "1:forged:0:00"})

    outcome = deliver_reply(message_id=message.pk)

    assert outcome == delivery.Outcome.FAILED
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.FAILED
    assert message.last_error.startswith("Маркетплейс отклонил ответ")
    chat.refresh_from_db()
    assert chat.needs_response is True
    assert chat.events.filter(kind=InteractionEvent.Kind.REPLY_FAILED).exists()
    assert replies_in_truth(sandbox_shop.truth()) == []
    notice = Notification.objects.get()
    assert (notice.recipient, notice.kind, notice.interaction_id) == (owner, "reply_failed", chat.pk)
    assert notice.text.startswith("Ответ в чате") and message.last_error in notice.text


def test_a_marketplace_that_stays_down_fails_the_reply_after_a_few_tries(
    synced, sandbox, sandbox_shop, owner, fast_retries
):
    fast_retries.REPLY_MAX_ATTEMPTS = 3
    _, ozon = synced
    review = unanswered(ozon, Kind.REVIEW)
    message = queue_reply(interaction=review, user=owner, text="Спасибо за ваш отзыв, нам важно ваше мнение!")
    sandbox.state.set_faults(rate=1.0, kinds=["server_error"], paths=SEND_PATHS, seed=1)

    outcomes = [deliver_reply(message_id=message.pk) for _ in range(4)]

    assert outcomes == ["retry", "retry", "failed", "skipped"]
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.FAILED
    assert message.last_error == delivery.FINAL_GAVE_UP
    # The retries said nothing; giving up said it once.
    assert list(Notification.objects.values_list("recipient_id", "dedupe_key")) == [(owner.pk, f"message:{message.pk}")]
    assert replies_in_truth(sandbox_shop.truth()) == []


def test_send_pending_replies_sweeps_the_outbox(synced, sandbox_shop, owner):
    from integrations import tasks

    wb, ozon = synced
    messages = [
        queue_reply(interaction=unanswered(ozon, Kind.QUESTION), user=owner, text="Здравствуйте! Да, подходит."),
        queue_reply(interaction=unanswered(wb, Kind.REVIEW), user=owner, text="Благодарим за оценку и отзыв!"),
    ]

    swept = tasks.send_pending_replies()

    assert swept == 2
    assert all(Message.objects.get(pk=m.pk).delivery_state == DeliveryState.SENT for m in messages)
    assert [r["count"] for r in replies_in_truth(sandbox_shop.truth())] == [1, 1]


def test_an_ozon_answer_that_may_be_in_moderation_is_never_sent_twice(
    synced, sandbox, sandbox_shop, owner, fast_retries
):
    # Ozon lists answers only once published: after a timeout, «not found» may mean «in moderation».
    _, ozon = synced
    sandbox.state.configure_moderation(share=1.0, rejected=0.0, seconds=3600)
    review = unanswered(ozon, Kind.REVIEW)
    message = queue_reply(interaction=review, user=owner, text="Благодарим за подробный отзыв, это очень ценно.")
    sandbox.state.set_faults(rate=1.0, kinds=["timeout_after_write"], timeout_s=1.0, paths=SEND_PATHS, seed=1)
    assert deliver_reply(message_id=message.pk) == "retry"
    sandbox.state.clear_faults()

    assert deliver_reply(message_id=message.pk) == "failed"

    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.FAILED
    assert message.last_error == delivery.FINAL_UNCONFIRMED_MODERATION
    assert [r["count"] for r in replies_in_truth(sandbox_shop.truth()) if r["text"] == message.text] == [1]
