"""Delivery checks the guardrails again: a rule staff added after the reply was queued keeps it off the
marketplace (failed, with the reason), while a reply an earlier attempt already delivered is still found
there and recorded as sent (at most once, whatever the rules say now)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guardrails.models import GuardrailCategory, GuardrailPattern
from integrations.outbox import delivery
from integrations.outbox.delivery import deliver_reply
from integrations.outbox.outbound import send_reply
from integrations.sync.engine import sync_connection
from interactions.models import DeliveryState, Interaction, InteractionEvent, Kind, Message
from interactions.services import queue_reply
from notifications.models import Notification
from tests.factories import sandbox_connection
from tests.integrations.test_delivery import replies_in_truth, unanswered

pytestmark = pytest.mark.django_db

TEXT = "Спасибо за отзыв! Загляните в наш шоурум, там вся коллекция."


@pytest.fixture
def wb(sandbox, sandbox_shop, owner):
    sandbox.state.configure(rate_limits=False)
    sandbox_shop.add_traffic(reviews=2, questions=0, chats=0, chat_messages=0)
    connection = sandbox_connection(sandbox_shop, seller=owner.seller)
    for _ in range(5):
        if sync_connection(connection_id=connection.pk).status == "ok":
            break
    return connection


def forbid_showroom() -> None:
    GuardrailPattern.objects.create(category=GuardrailCategory.objects.get(code="outside_contacts"), pattern="шоурум")


def test_a_rule_added_after_queueing_stops_the_reply_before_it_is_sent(wb, sandbox_shop, owner):
    review = unanswered(wb, Kind.REVIEW)
    message = queue_reply(interaction=review, user=owner, text=TEXT)
    assert message.guardrail["status"] == "ok"

    forbid_showroom()
    outcome = deliver_reply(message_id=message.pk)

    assert outcome == delivery.Outcome.FAILED
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.FAILED
    assert message.last_error.startswith("Ответ не отправлен: по правилам ответов его нельзя публиковать")
    assert "Контакты вне маркетплейса: «шоурум»" in message.last_error
    assert message.guardrail["status"] == "ok"  # what was said at queueing stays
    assert message.guardrail["send_check"]["status"] == "block"
    assert message.guardrail["send_check"]["violations"][0]["fragment"] == "шоурум"
    event = InteractionEvent.objects.get(interaction=review, kind=InteractionEvent.Kind.REPLY_FAILED)
    assert event.data["guardrail"]["status"] == "block"
    assert replies_in_truth(sandbox_shop.truth()) == []  # the marketplace got nothing
    review.refresh_from_db()
    assert review.needs_response  # back in the seller's queue
    assert Notification.objects.filter(kind="reply_failed", interaction=review, recipient=owner).exists()
    assert deliver_reply(message_id=message.pk) == delivery.Outcome.SKIPPED


def test_a_reply_an_earlier_attempt_delivered_is_found_not_blocked(wb, sandbox_shop, owner):
    review = unanswered(wb, Kind.REVIEW)
    message = queue_reply(interaction=review, user=owner, text=TEXT)
    # The first attempt reached the marketplace and the worker died before recording it (kill -9).
    interaction = Interaction.objects.select_related("connection").get(pk=review.pk)
    send_reply(
        interaction.connection,
        kind=interaction.kind,
        external_id=interaction.external_id,
        reply_context=interaction.reply_context,
        text=message.text,
    )
    Message.objects.filter(pk=message.pk).update(
        delivery_state=DeliveryState.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    forbid_showroom()
    outcome = deliver_reply(message_id=message.pk)

    assert outcome == delivery.Outcome.FOUND
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.SENT
    assert [(r["text"], r["count"]) for r in replies_in_truth(sandbox_shop.truth())] == [(TEXT, 1)]


def test_a_warning_the_seller_confirmed_is_delivered(wb, sandbox_shop, owner):
    GuardrailCategory.objects.filter(code="too_short").update(public_verdict="warn")
    review = unanswered(wb, Kind.REVIEW)
    message = queue_reply(interaction=review, user=owner, text="Спасибо большое!", confirm_warnings=True)

    assert deliver_reply(message_id=message.pk) == delivery.Outcome.SENT
    assert [r["text"] for r in replies_in_truth(sandbox_shop.truth())] == ["Спасибо большое!"]
