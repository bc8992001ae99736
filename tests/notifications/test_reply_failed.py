"""A reply whose delivery failed for good tells its author (or the owners) once, in words, without e-mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from integrations.outbox import delivery
from interactions.services import reply_mark_failed
from notifications.models import Notification
from tests.factories import ConnectionFactory, InteractionFactory, OutgoingMessageFactory, UserFactory

pytestmark = pytest.mark.django_db

UNDECRYPTABLE = "gAAAAABnX2lhb3N0aGVyLWtleS1jaXBoZXJ0ZXh0LWZvci10ZXN0cw=="


@pytest.fixture
def reply(owner, agent):
    """The agent's reply to a review of «Платье», queued on a WB connection."""
    interaction = InteractionFactory(
        connection=ConnectionFactory(seller=owner.seller), kind="review", product_name="Платье", product_id="123"
    )
    return OutgoingMessageFactory(interaction=interaction, author_user=agent)


def make_unreadable(connection) -> None:
    with db_connection.cursor() as cursor:  # encrypted under a key this process does not have
        cursor.execute("UPDATE integrations_connection SET wb_token = %s WHERE id = %s", [UNDECRYPTABLE, connection.pk])


def test_a_failed_delivery_tells_the_author_once(reply, agent, owner):
    make_unreadable(reply.interaction.connection)

    first = delivery.deliver_reply(message_id=reply.pk)
    again = delivery.deliver_reply(message_id=reply.pk)
    reply_mark_failed(message_id=reply.pk, error=delivery.FINAL_GAVE_UP, retry_at=None)  # marked failed twice

    assert (first, again) == (delivery.Outcome.FAILED, delivery.Outcome.SKIPPED)
    notification = Notification.objects.get()
    assert notification.recipient == agent
    assert notification.kind == Notification.Kind.REPLY_FAILED
    assert notification.dedupe_key == f"message:{reply.pk}"
    assert (notification.seller_id, notification.interaction_id) == (owner.seller_id, reply.interaction_id)
    assert notification.wants_email is False
    assert notification.text == (
        "Ответ на отзыв о товаре «Платье» (Wildberries) не отправлен. " + delivery.FINAL_UNREADABLE
    )
    assert UNDECRYPTABLE not in notification.text


def test_a_reply_that_will_be_retried_tells_nobody(reply):
    reply_mark_failed(
        message_id=reply.pk, error=delivery.RETRY_NOT_SENT, retry_at=timezone.now() + timedelta(minutes=1)
    )

    assert not Notification.objects.exists()


def test_a_reply_already_delivered_tells_nobody(reply):
    type(reply).objects.filter(pk=reply.pk).update(delivery_state="sent")

    reply_mark_failed(message_id=reply.pk, error=delivery.FINAL_GAVE_UP, retry_at=None)

    assert not Notification.objects.exists()


@pytest.mark.parametrize("author", ["deactivated", "none"])
def test_without_an_active_author_the_owners_hear_of_it(reply, owner, agent, author):
    second_owner = UserFactory(seller=owner.seller, role="owner")
    if author == "deactivated":
        type(agent).objects.filter(pk=agent.pk).update(is_active=False)
    else:
        type(reply).objects.filter(pk=reply.pk).update(author_user=None)

    reply_mark_failed(message_id=reply.pk, error=delivery.FINAL_GAVE_UP, retry_at=None)

    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted([owner.pk, second_owner.pk])


@pytest.mark.parametrize(
    ("kind", "product_name", "product_id", "beginning"),
    [
        ("chat", "", "", "Ответ в чате (Ozon) не отправлен."),
        ("question", "", "98765", "Ответ на вопрос о товаре с артикулом 98765 (Ozon) не отправлен."),
    ],
)
def test_the_text_names_the_interaction(owner, kind, product_name, product_id, beginning):
    from tests.factories import OzonConnectionFactory

    interaction = InteractionFactory(
        connection=OzonConnectionFactory(seller=owner.seller),
        kind=kind,
        product_name=product_name,
        product_id=product_id,
    )
    message = OutgoingMessageFactory(interaction=interaction, author_user=owner)

    reply_mark_failed(message_id=message.pk, error="Маркетплейс отклонил ответ: текст слишком длинный.", retry_at=None)

    assert Notification.objects.get().text == f"{beginning} Маркетплейс отклонил ответ: текст слишком длинный."
