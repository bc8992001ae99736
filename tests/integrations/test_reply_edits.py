"""Replying to what is already answered, over real HTTP against the sandbox: the reply edits the answer where the
marketplace allows it (WB PATCH; Ozon: new comment, old one deleted), the thread keeps one current answer, and
an edit the marketplace would refuse is refused before it is queued."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection
from integrations.outbox import delivery
from integrations.outbox.delivery import deliver_reply
from integrations.outbox.outbound import send_reply
from integrations.ozon import questions as ozon_questions
from integrations.ozon import reviews as ozon_reviews
from integrations.ozon.client import ozon_auth
from integrations.sync.engine import sync_connection
from integrations.sync.truth_audit import audit_connection
from integrations.wildberries import feedbacks as wb_feedbacks
from integrations.wildberries.client import wb_auth
from interactions.models import DeliveryState, Interaction, InteractionEvent, Kind, Message, Status
from tests.factories import sandbox_connection

pytestmark = pytest.mark.django_db


def sync(connection: Connection) -> None:
    for _ in range(5):
        if sync_connection(connection_id=connection.pk).status == "ok":
            return
    raise AssertionError("the sync did not finish")


def current_answers(interaction: Interaction) -> list[Message]:
    return list(interaction.messages.filter(direction="out", superseded_at__isnull=True).order_by("created_at", "id"))


def thread(client, interaction: Interaction) -> list[dict]:
    response = client.get(f"/api/interactions/{interaction.pk}")
    assert response.status_code == 200
    return response.json()["messages"]


def reply(client, interaction: Interaction, text: str):
    return client.post(f"/api/interactions/{interaction.pk}/reply", {"text": text}, format="json")


def by_id(items: list[dict], item_id: str) -> dict:
    return next(item for item in items if item["id"] == item_id)


@pytest.fixture
def wb(sandbox, sandbox_shop, owner) -> Connection:
    sandbox.state.configure(rate_limits=False)
    return sandbox_connection(sandbox_shop, seller=owner.seller)


@pytest.fixture
def ozon(sandbox, sandbox_shop, owner) -> Connection:
    sandbox.state.configure(rate_limits=False)
    return sandbox_connection(sandbox_shop, marketplace="ozon", seller=owner.seller)


def new_wb_feedback(sandbox_shop) -> str:
    """A fresh unanswered feedback that is not part of an edited-review pair."""
    for _ in range(20):
        feedback_id = sandbox_shop.add_traffic(reviews=1, marketplace="wb")["wb_feedbacks"][0]
        if not by_id(sandbox_shop.truth()["wb"]["feedbacks"], feedback_id)["parent_feedback_id"]:
            return feedback_id
    raise AssertionError("the sandbox made only edited reviews")


def test_a_reply_to_a_wb_review_answered_in_the_cabinet_edits_that_answer(wb, sandbox_shop, owner_client):
    feedback_id = new_wb_feedback(sandbox_shop)
    wb_feedbacks.answer_feedback(wb_auth(wb), feedback_id=feedback_id, text="Спасибо за отзыв!")
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)
    cabinet_answer = review.messages.get(external_id=f"{feedback_id}:answer")
    assert review.reply_context["answer_editable"] is True

    response = reply(owner_client, review, "Спасибо за отзыв! Рады, что размер подошёл.")

    assert response.status_code == 201, response.json()
    assert response.json()["edit_of"] == cabinet_answer.pk
    assert deliver_reply(message_id=response.json()["id"]) == delivery.Outcome.SENT
    truth = by_id(sandbox_shop.truth()["wb"]["feedbacks"], feedback_id)
    assert truth["answer"] == {
        "text": "Спасибо за отзыв! Рады, что размер подошёл.",
        "state": "wbRu",
        "editable": False,
    }
    assert [(r["text"], r["count"], r["via"]) for r in truth["replies"]] == [
        ("Спасибо за отзыв!", 1, "POST /api/v1/feedbacks/answer"),
        ("Спасибо за отзыв! Рады, что размер подошёл.", 1, "PATCH /api/v1/feedbacks/answer"),
    ]
    # One current answer in the thread, under the id sync knows it by; the old text is in the history.
    outgoing = [m for m in thread(owner_client, review) if m["direction"] == "out"]
    assert [(m["text"], m["external_id"], m["delivery_state"]) for m in outgoing] == [
        ("Спасибо за отзыв! Рады, что размер подошёл.", f"{feedback_id}:answer", "sent")
    ]
    edited = review.events.get(kind=InteractionEvent.Kind.ANSWER_EDITED)
    assert edited.data == {
        "message_id": response.json()["id"],
        "replaced_message_id": cabinet_answer.pk,
        "previous_text": "Спасибо за отзыв!",
    }
    review.refresh_from_db()
    assert review.status == Status.CLOSED and review.reply_context["answer_editable"] is False

    sync(wb)
    assert audit_connection(connection=wb, truth=sandbox_shop.truth()).ok
    assert len(current_answers(review)) == 1


def test_a_wb_answer_that_may_no_longer_be_edited_is_refused_before_queueing(wb, sandbox_shop, owner_client):
    feedback_id = new_wb_feedback(sandbox_shop)
    auth = wb_auth(wb)
    wb_feedbacks.answer_feedback(auth, feedback_id=feedback_id, text="Спасибо за отзыв!")
    wb_feedbacks.edit_answer(auth, feedback_id=feedback_id, text="Спасибо за подробный отзыв!")  # WB's one edit
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)
    assert review.reply_context["answer_editable"] is False
    messages, events = review.messages.count(), review.events.count()
    receipts = sandbox_shop.truth()["totals"]["replies"]

    response = reply(owner_client, review, "Хотим дополнить ответ.")

    assert response.status_code == 400
    assert response.json()["code"] == "answer_not_editable"
    assert "один раз" in response.json()["detail"] and "60 дней" in response.json()["detail"]
    assert (review.messages.count(), review.events.count()) == (messages, events)
    assert sandbox_shop.truth()["totals"]["replies"] == receipts


def test_a_wb_question_answered_through_agentiq_can_be_edited_once(wb, sandbox_shop, owner, owner_client):
    question_id = sandbox_shop.add_traffic(questions=1, marketplace="wb")["wb_questions"][0]
    sync(wb)
    question = Interaction.objects.get(connection=wb, kind=Kind.QUESTION, external_id=question_id)

    first = reply(owner_client, question, "Да, есть в размере M.")
    assert first.status_code == 201 and first.json()["edit_of"] is None
    assert deliver_reply(message_id=first.json()["id"]) == delivery.Outcome.SENT
    # No sync in between: our own delivery told us WB allows one edit of a fresh answer.
    edit = reply(owner_client, question, "Да, есть в размерах M и L.")
    assert edit.status_code == 201 and edit.json()["edit_of"] == first.json()["id"]
    assert deliver_reply(message_id=edit.json()["id"]) == delivery.Outcome.SENT

    truth = by_id(sandbox_shop.truth()["wb"]["questions"], question_id)
    assert truth["answer"] == {"text": "Да, есть в размерах M и L.", "editable": False}
    assert [(r["text"], r["count"]) for r in truth["replies"]] == [
        ("Да, есть в размере M.", 1),
        ("Да, есть в размерах M и L.", 1),
    ]
    assert [m.text for m in current_answers(question)] == ["Да, есть в размерах M и L."]
    assert reply(owner_client, question, "Третья версия ответа").json()["code"] == "answer_not_editable"
    sync(wb)
    assert audit_connection(connection=wb, truth=sandbox_shop.truth()).ok


def test_a_worker_that_died_after_the_patch_does_not_edit_again(wb, sandbox_shop, owner, owner_client):
    feedback_id = new_wb_feedback(sandbox_shop)
    wb_feedbacks.answer_feedback(wb_auth(wb), feedback_id=feedback_id, text="Спасибо за отзыв!")
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)
    message_id = reply(owner_client, review, "Спасибо! Передали отзыв на склад.").json()["id"]
    # The first worker sent the PATCH, then died before recording anything; its lease has run out.
    send_reply(
        wb,
        kind=review.kind,
        external_id=review.external_id,
        reply_context=review.reply_context,
        text="Спасибо! Передали отзыв на склад.",
        replaces=f"{feedback_id}:answer",
    )
    Message.objects.filter(pk=message_id).update(
        delivery_state=DeliveryState.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    outcome = deliver_reply(message_id=message_id)

    # A second PATCH would have been refused by WB and failed the reply: it was found instead.
    assert outcome == delivery.Outcome.FOUND
    truth = by_id(sandbox_shop.truth()["wb"]["feedbacks"], feedback_id)
    assert [(r["text"], r["count"]) for r in truth["replies"]][1:] == [("Спасибо! Передали отзыв на склад.", 1)]
    message = Message.objects.get(pk=message_id)
    assert message.delivery_state == DeliveryState.SENT and message.external_id == f"{feedback_id}:answer"
    assert [m.pk for m in current_answers(review)] == [message_id]
    review.refresh_from_db()
    assert review.reply_context["answer_editable"] is False  # read back from WB's answer


def test_an_edit_wb_refuses_fails_with_the_reason_and_keeps_the_answer(wb, sandbox_shop, owner, owner_client):
    feedback_id = new_wb_feedback(sandbox_shop)
    auth = wb_auth(wb)
    wb_feedbacks.answer_feedback(auth, feedback_id=feedback_id, text="Спасибо за отзыв!")
    sync(wb)
    # Edited in WB's cabinet after our last sync: we still think the answer is editable.
    wb_feedbacks.edit_answer(auth, feedback_id=feedback_id, text="Спасибо, что выбрали нас!")
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)
    message_id = reply(owner_client, review, "Спасибо! Рады, что заказ приехал вовремя, ждём вас снова.").json()["id"]

    assert deliver_reply(message_id=message_id) == delivery.Outcome.FAILED

    message = Message.objects.get(pk=message_id)
    assert message.delivery_state == DeliveryState.FAILED
    assert "Ответ нельзя редактировать" in message.last_error
    review.refresh_from_db()
    # The buyer still has an answer: the review stays closed, and the next try is refused up front.
    assert review.needs_response is False and review.status == Status.CLOSED
    assert review.reply_context["answer_editable"] is False
    assert [m.external_id for m in current_answers(review) if m.delivery_state == "sent"] == [f"{feedback_id}:answer"]
    assert reply(owner_client, review, "Ещё одна попытка ответа").json()["code"] == "answer_not_editable"


def test_a_reply_to_an_answered_ozon_review_replaces_our_comment(ozon, sandbox_shop, owner_client):
    review_id = sandbox_shop.add_traffic(reviews=1, marketplace="ozon")["ozon_reviews"][0]
    old_id = ozon_reviews.create_comment(ozon_auth(ozon), review_id=review_id, text="Спасибо за отзыв!")
    sync(ozon)
    review = Interaction.objects.get(connection=ozon, kind=Kind.REVIEW, external_id=review_id)
    answer = review.messages.get(external_id=old_id)

    response = reply(owner_client, review, "Спасибо за отзыв! Заменили товар, курьер уже в пути.")

    assert response.status_code == 201 and response.json()["edit_of"] == answer.pk
    assert deliver_reply(message_id=response.json()["id"]) == delivery.Outcome.SENT
    comments = by_id(sandbox_shop.truth()["ozon"]["reviews"], review_id)["comments"]
    assert [(c["text"], c["is_owner"]) for c in comments] == [
        ("Спасибо за отзыв! Заменили товар, курьер уже в пути.", True)
    ]
    new_id = comments[0]["id"]
    outgoing = [m for m in thread(owner_client, review) if m["direction"] == "out"]
    assert [(m["text"], m["external_id"]) for m in outgoing] == [
        ("Спасибо за отзыв! Заменили товар, курьер уже в пути.", new_id)
    ]
    assert review.events.get(kind=InteractionEvent.Kind.ANSWER_EDITED).data["previous_text"] == "Спасибо за отзыв!"
    sync(ozon)
    assert audit_connection(connection=ozon, truth=sandbox_shop.truth()).ok


def test_an_ozon_edit_cut_short_after_the_new_comment_is_finished_not_resent(ozon, sandbox_shop, owner_client):
    review_id = sandbox_shop.add_traffic(reviews=1, marketplace="ozon")["ozon_reviews"][0]
    auth = ozon_auth(ozon)
    old_id = ozon_reviews.create_comment(auth, review_id=review_id, text="Спасибо за отзыв!")
    sync(ozon)
    review = Interaction.objects.get(connection=ozon, kind=Kind.REVIEW, external_id=review_id)
    message_id = reply(owner_client, review, "Спасибо! Скидка на следующий заказ уже ждёт вас.").json()["id"]
    # The worker created the new comment and died before deleting the old one or recording anything.
    ozon_reviews.create_comment(auth, review_id=review_id, text="Спасибо! Скидка на следующий заказ уже ждёт вас.")
    Message.objects.filter(pk=message_id).update(
        delivery_state=DeliveryState.SENDING, attempts=1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    assert deliver_reply(message_id=message_id) == delivery.Outcome.FOUND

    truth = by_id(sandbox_shop.truth()["ozon"]["reviews"], review_id)
    assert [c["text"] for c in truth["comments"]] == ["Спасибо! Скидка на следующий заказ уже ждёт вас."]
    assert old_id not in {c["id"] for c in truth["comments"]}
    assert [(r["text"], r["count"]) for r in truth["replies"]][1:] == [
        ("Спасибо! Скидка на следующий заказ уже ждёт вас.", 1)
    ]
    assert [m.pk for m in current_answers(review)] == [message_id]
    sync(ozon)
    assert audit_connection(connection=ozon, truth=sandbox_shop.truth()).ok


def test_a_reply_to_an_answered_ozon_question_replaces_the_answer(ozon, sandbox_shop, owner_client):
    question_id = sandbox_shop.add_traffic(questions=1, marketplace="ozon")["ozon_questions"][0]
    sku = by_id(sandbox_shop.truth()["ozon"]["questions"], question_id)["sku"]
    ozon_questions.create_answer(ozon_auth(ozon), question_id=question_id, sku=sku, text="Да, подходит.")
    sync(ozon)
    question = Interaction.objects.get(connection=ozon, kind=Kind.QUESTION, external_id=question_id)

    response = reply(owner_client, question, "Да, подходит к моделям 2023 и 2024 годов.")

    assert response.status_code == 201 and response.json()["edit_of"] is not None
    assert deliver_reply(message_id=response.json()["id"]) == delivery.Outcome.SENT
    answers = by_id(sandbox_shop.truth()["ozon"]["questions"], question_id)["answers"]
    assert [a["text"] for a in answers] == ["Да, подходит к моделям 2023 и 2024 годов."]
    assert [m.text for m in current_answers(question)] == ["Да, подходит к моделям 2023 и 2024 годов."]
    sync(ozon)
    assert audit_connection(connection=ozon, truth=sandbox_shop.truth()).ok
