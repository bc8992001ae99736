"""Which reply is an edit of the answer already there, and what the outbox records once an edit is delivered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from agentiq.errors import ApplicationError
from interactions.models import DeliveryState, Direction, InteractionEvent, Message, Status
from interactions.records import InteractionRecord, MessageRecord
from interactions.services import queue_reply, reply_claim, reply_mark_failed, reply_mark_sent, upsert_records
from tests.factories import (
    ConnectionFactory,
    InteractionFactory,
    MessageFactory,
    OutgoingMessageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def answered_review(
    *,
    marketplace: str = "wb",
    editable: bool | None = True,
    kind: str = "review",
    answer_text: str = "Спасибо за отзыв!",
):
    connection = ConnectionFactory(marketplace=marketplace)
    context = {"feedback_id": "fb-1"} if marketplace == "wb" and kind == "review" else {"sku": "123"}
    if editable is not None:
        context["answer_editable"] = editable
    interaction = InteractionFactory(
        connection=connection, kind=kind, external_id="fb-1", status=Status.CLOSED, reply_context=context
    )
    interaction.needs_response = False
    interaction.save(update_fields=["needs_response"])
    MessageFactory(interaction=interaction, external_id="fb-1", text="Не подошёл размер", created_at=T0)
    answer_id = "fb-1:answer" if marketplace == "wb" else "comment-1"
    answer = OutgoingMessageFactory(
        interaction=interaction,
        external_id=answer_id,
        text=answer_text,
        delivery_state=DeliveryState.SENT,
        created_at=T0 + timedelta(hours=1),
        idempotency_key=None,
    )
    return interaction, answer, UserFactory(seller=connection.seller)


def deliver(message: Message, *, external_id: str | None, replaced: bool) -> None:
    reply_claim(message_id=message.pk, now=timezone.now())
    reply_mark_sent(message_id=message.pk, external_id=external_id, sent_at=timezone.now(), replaced=replaced)


@pytest.mark.parametrize("marketplace", ["wb", "ozon"])
def test_a_reply_to_an_answered_review_is_queued_as_an_edit_of_that_answer(marketplace):
    review, answer, user = answered_review(marketplace=marketplace)

    message = queue_reply(interaction=review, user=user, text="Спасибо! Подберём размер по таблице на карточке.")

    assert message.edit_of == answer and message.delivery_state == DeliveryState.PENDING
    queued = review.events.get(kind=InteractionEvent.Kind.REPLY_QUEUED)
    assert queued.data == {"message_id": message.pk, "edit_of": answer.pk}


def test_an_edit_to_the_same_text_is_refused_before_queueing():
    review, _, user = answered_review(answer_text="Спасибо за отзыв! Рады, что вы с нами.")
    with pytest.raises(ApplicationError) as exc:
        queue_reply(interaction=review, user=user, text="  спасибо за  отзыв!  Рады, что вы с нами. ")
    assert exc.value.code == "answer_unchanged"
    assert not review.messages.filter(delivery_state=DeliveryState.PENDING).exists()
    assert not review.events.exists()


def test_wb_not_editable_is_refused_and_an_unknown_flag_leaves_it_to_wb():
    review, _, user = answered_review(editable=False)
    with pytest.raises(ApplicationError) as exc:
        queue_reply(interaction=review, user=user, text="Дополним ответ: размер M подойдёт на рост 170 см.")
    assert exc.value.code == "answer_not_editable" and exc.value.status_code == 400
    assert review.messages.count() == 2 and not review.events.exists()

    # Synced before WB's flag was kept: WB decides at delivery, and a refusal is remembered then.
    unknown, answer, user = answered_review(editable=None)
    assert (
        queue_reply(interaction=unknown, user=user, text="Дополним ответ: размер M подойдёт на рост 170 см.").edit_of
        == answer
    )


def test_ozon_has_no_edit_limit():
    review, answer, user = answered_review(marketplace="ozon", editable=False)  # a WB flag means nothing here
    assert (
        queue_reply(interaction=review, user=user, text="Дополним ответ: размер M подойдёт на рост 170 см.").edit_of
        == answer
    )


def test_a_second_reply_while_the_first_is_on_its_way_is_refused(owner_client, owner):
    connection = ConnectionFactory(seller=owner.seller)
    review = InteractionFactory(connection=connection, kind="review")
    queue_reply(interaction=review, user=owner, text="Спасибо за отзыв, нам очень приятно!")

    response = owner_client.post(
        f"/api/interactions/{review.pk}/reply", {"text": "И ещё кое-что: размер M подойдёт."}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "reply_in_progress" and "ещё отправляется" in response.json()["detail"]
    assert review.messages.count() == 1
    # Chats take several messages in a row.
    chat = InteractionFactory(connection=connection, kind="chat", reply_context={"reply_sign": "s"})
    queue_reply(interaction=chat, user=owner, text="Здравствуйте! Сейчас проверим заказ.")
    assert queue_reply(interaction=chat, user=owner, text="Уточните размер, пожалуйста.").edit_of is None


def test_ozon_a_reply_after_the_buyers_comment_is_a_new_comment_not_an_edit():
    review, _, user = answered_review(marketplace="ozon")
    MessageFactory(
        interaction=review, external_id="comment-2", text="А когда привезут?", created_at=T0 + timedelta(hours=2)
    )
    assert (
        queue_reply(interaction=review, user=user, text="Привезут завтра до обеда, спасибо за терпение.").edit_of
        is None
    )


def test_ozon_a_failed_reply_is_not_the_answer_to_edit():
    review, answer, user = answered_review(marketplace="ozon")
    OutgoingMessageFactory(interaction=review, delivery_state=DeliveryState.FAILED, created_at=T0 + timedelta(hours=2))
    assert (
        queue_reply(interaction=review, user=user, text="Дополним ответ: размер M подойдёт на рост 170 см.").edit_of
        == answer
    )


def test_a_delivered_wb_edit_takes_over_the_answer_id_and_supersedes_the_old_answer_once():
    review, answer, user = answered_review()
    message = queue_reply(interaction=review, user=user, text="Спасибо! Подберём размер по таблице на карточке.")

    deliver(message, external_id="fb-1:answer", replaced=True)
    reply_mark_sent(message_id=message.pk, external_id="fb-1:answer", sent_at=timezone.now(), replaced=True)

    answer.refresh_from_db()
    message.refresh_from_db()
    assert answer.superseded_at is not None and answer.external_id is None
    assert message.external_id == "fb-1:answer" and message.delivery_state == DeliveryState.SENT
    edited = review.events.filter(kind=InteractionEvent.Kind.ANSWER_EDITED)
    assert [e.data for e in edited] == [
        {"message_id": message.pk, "replaced_message_id": answer.pk, "previous_text": "Спасибо за отзыв!"}
    ]
    sent = review.events.get(kind=InteractionEvent.Kind.REPLY_SENT)
    assert sent.data == {"message_id": message.pk, "edit_of": answer.pk, "replaced": True}


def test_an_ozon_edit_whose_old_comment_stayed_keeps_both_in_the_thread(owner_client, owner):
    connection = ConnectionFactory(seller=owner.seller, marketplace="ozon")
    review = InteractionFactory(connection=connection, kind="review", reply_context={"sku": "1"})
    MessageFactory(interaction=review, external_id=review.external_id, created_at=T0)
    old = OutgoingMessageFactory(
        interaction=review, external_id="c-1", delivery_state=DeliveryState.SENT, created_at=T0, idempotency_key=None
    )
    message = queue_reply(interaction=review, user=owner, text="Новый ответ на отзыв")

    deliver(message, external_id="c-2", replaced=False)

    outgoing = [
        m for m in owner_client.get(f"/api/interactions/{review.pk}").json()["messages"] if m["direction"] == "out"
    ]
    assert [(m["external_id"], m["edit_of"]) for m in outgoing] == [("c-1", None), ("c-2", old.pk)]
    assert not review.events.filter(kind=InteractionEvent.Kind.ANSWER_EDITED).exists()


def test_a_failed_edit_does_not_reopen_the_review():
    review, answer, user = answered_review(editable=None)
    message = queue_reply(interaction=review, user=user, text="Дополним ответ: размер M подойдёт на рост 170 см.")
    reply_claim(message_id=message.pk, now=timezone.now())

    reply_mark_failed(message_id=message.pk, error="Ответ нельзя редактировать", retry_at=None, answer_editable=False)

    review.refresh_from_db()
    assert review.status == Status.CLOSED and review.needs_response is False
    assert review.reply_context["answer_editable"] is False
    assert review.events.filter(kind=InteractionEvent.Kind.REPLY_FAILED).exists()
    answer.refresh_from_db()
    assert answer.superseded_at is None


def test_sync_never_gives_a_superseded_answer_an_id_again():
    """A later answer with the old text (a buyer's edited review answered in the cabinet) is a new message."""
    review, answer, user = answered_review()
    answer.author_user = user
    answer.save(update_fields=["author_user"])
    deliver(
        queue_reply(interaction=review, user=user, text="Подберём другой размер по таблице"),
        external_id="fb-1:answer",
        replaced=True,
    )
    record = InteractionRecord(
        kind="review",
        external_id="fb-1",
        created_at=T0,
        messages=[
            MessageRecord("fb-2", Direction.IN, "buyer", "Дополняю отзыв", T0 + timedelta(hours=3)),
            MessageRecord("fb-2:answer", Direction.OUT, "seller", "Спасибо за отзыв!", T0 + timedelta(hours=3)),
        ],
    )

    upsert_records(connection=review.connection, records=[record])

    answer.refresh_from_db()
    assert answer.external_id is None and answer.superseded_at is not None
    assert review.messages.get(external_id="fb-2:answer").author_user is None
