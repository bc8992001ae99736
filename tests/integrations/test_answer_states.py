"""What became of a reply on the marketplace, over real HTTP against the sandbox: every moderation transition is
read back by the sync (WB `answer.state` and `editable`; Ozon lists only moderated comments and answers), a
rejected answer reopens the interaction with a fresh wait and tells the assignee, an answer deleted on the
marketplace shows as deleted, and the detail API shows each reply's delivery and marketplace state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Connection
from integrations.outbox import delivery
from integrations.outbox.delivery import deliver_reply
from integrations.sync.engine import sync_connection
from integrations.sync.truth_audit import audit_connection
from integrations.wildberries.normalize import WB_REJECTED_REASON
from interactions.models import AnswerState, Interaction, InteractionEvent, Kind, Message, Status
from notifications.models import Notification
from tests.factories import UserFactory, sandbox_connection

pytestmark = pytest.mark.django_db

Event = InteractionEvent.Kind


def sync(connection: Connection) -> None:
    for _ in range(5):
        if sync_connection(connection_id=connection.pk).status == "ok":
            return
    raise AssertionError("the sync did not finish")


def by_id(items: list[dict], item_id: str) -> dict:
    return next(item for item in items if item["id"] == item_id)


@pytest.fixture
def wb(sandbox, moderated_shop, owner) -> Connection:
    sandbox.state.configure(rate_limits=False)
    return sandbox_connection(moderated_shop, seller=owner.seller)


@pytest.fixture
def ozon(sandbox, moderated_shop, owner) -> Connection:
    sandbox.state.configure(rate_limits=False)
    return sandbox_connection(moderated_shop, marketplace="ozon", seller=owner.seller)


def new_wb_feedback(moderated_shop) -> str:
    for _ in range(20):
        feedback_id = moderated_shop.add_traffic(reviews=1, marketplace="wb")["wb_feedbacks"][0]
        if not by_id(moderated_shop.truth()["wb"]["feedbacks"], feedback_id)["parent_feedback_id"]:
            return feedback_id
    raise AssertionError("the sandbox made only edited reviews")


def answer(client, interaction: Interaction, text: str) -> Message:
    response = client.post(f"/api/interactions/{interaction.pk}/reply", {"text": text}, format="json")
    assert response.status_code == 201, response.json()
    assert deliver_reply(message_id=response.json()["id"]) == delivery.Outcome.SENT
    return Message.objects.get(pk=response.json()["id"])


def detail_message(client, interaction: Interaction, message: Message) -> dict:
    response = client.get(f"/api/interactions/{interaction.pk}")
    assert response.status_code == 200
    return by_id(response.json()["messages"], message.pk)


def kinds(interaction: Interaction) -> list[str]:
    return list(interaction.events.order_by("created_at", "id").values_list("kind", flat=True))


def test_wb_review_answer_goes_through_moderation_to_published(wb, sandbox, moderated_shop, owner_client):
    sandbox.state.configure_moderation(share=1.0, seconds=3600)
    feedback_id = new_wb_feedback(moderated_shop)
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)

    reply = answer(owner_client, review, "Спасибо за отзыв! Рады, что размер подошёл.")
    assert reply.marketplace_state == AnswerState.SENT
    assert detail_message(owner_client, review, reply)["marketplace_state"] == "sent"

    sync(wb)
    reply.refresh_from_db()
    assert reply.marketplace_state == AnswerState.IN_MODERATION
    assert reply.marketplace_editable is True
    shown = detail_message(owner_client, review, reply)
    assert (shown["delivery_state"], shown["marketplace_state"]) == ("sent", "in_moderation")
    assert shown["marketplace_state_at"] is not None

    sandbox.state.answer_action(moderated_shop.shop_no, kind="wb_feedback", target=feedback_id, action="publish")
    sync(wb)
    reply.refresh_from_db()
    assert reply.marketplace_state == AnswerState.PUBLISHED
    assert Event.ANSWER_IN_MODERATION in kinds(review) and Event.ANSWER_PUBLISHED in kinds(review)
    # Published answers are no longer looked up on every sync.
    before = sandbox.state.stats()["by_path"].get("/api/v1/feedback", 0)
    sync(wb)
    assert sandbox.state.stats()["by_path"].get("/api/v1/feedback", 0) == before
    assert audit_connection(connection=wb, truth=moderated_shop.truth()).ok


def test_a_rejected_wb_answer_reopens_the_review_and_tells_the_assignee(
    wb, sandbox, moderated_shop, owner, owner_client
):
    sandbox.state.configure_moderation(share=1.0, rejected=1.0, seconds=0)
    feedback_id = new_wb_feedback(moderated_shop)
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)
    agent = UserFactory(seller=owner.seller, role="agent")
    Interaction.objects.filter(pk=review.pk).update(assigned_to=agent)

    reply = answer(owner_client, review, "Благодарим за подробный отзыв о посадке, это поможет другим покупателям.")
    review.refresh_from_db()
    assert review.status == Status.CLOSED and not review.needs_response
    started = timezone.now()

    sync(wb)

    reply.refresh_from_db()
    review.refresh_from_db()
    assert reply.marketplace_state == AnswerState.REJECTED
    assert reply.marketplace_reason == WB_REJECTED_REASON
    assert review.status == Status.OPEN and review.needs_response and review.closed_at is None
    assert review.sla_started_at >= started and review.first_response_due_at > started
    rejected = review.events.get(kind=Event.ANSWER_REJECTED)
    assert rejected.data["message_id"] == reply.pk and rejected.data["reason"] == WB_REJECTED_REASON
    assert review.events.filter(kind=Event.REOPENED, data__reason="answer_rejected").exists()
    notice = Notification.objects.get(kind=Notification.Kind.ANSWER_REJECTED)
    assert notice.recipient_id == agent.pk and notice.interaction_id == review.pk
    assert "отклонён маркетплейсом" in notice.text
    shown = detail_message(owner_client, review, reply)
    assert (shown["marketplace_state"], shown["marketplace_reason"]) == ("rejected", WB_REJECTED_REASON)

    # Syncing again changes nothing more: one notice, one rejection.
    sync(wb)
    assert review.events.filter(kind=Event.ANSWER_REJECTED).count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.ANSWER_REJECTED).count() == 1

    # The seller fixes it: a new answer (not an edit of the refused one), which takes WB's answer id over.
    sandbox.state.configure_moderation()
    fixed = answer(owner_client, review, "Спасибо за отзыв! Рады, что размер подошёл.")
    assert fixed.edit_of_id is None
    fixed.refresh_from_db()
    assert fixed.external_id == f"{feedback_id}:answer"
    sync(wb)
    fixed.refresh_from_db()
    assert fixed.marketplace_state == AnswerState.PUBLISHED
    truth = by_id(moderated_shop.truth()["wb"]["feedbacks"], feedback_id)
    assert truth["answer"]["text"] == "Спасибо за отзыв! Рады, что размер подошёл."
    assert audit_connection(connection=wb, truth=moderated_shop.truth()).ok


def test_a_wb_answer_deleted_on_the_marketplace_shows_as_deleted(wb, sandbox, moderated_shop, owner_client):
    feedback_id = new_wb_feedback(moderated_shop)
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)
    reply = answer(owner_client, review, "Благодарим за оценку, приятно, что пальто село по фигуре.")
    sync(wb)
    reply.refresh_from_db()
    assert reply.marketplace_state == AnswerState.PUBLISHED

    sandbox.state.answer_action(moderated_shop.shop_no, kind="wb_feedback", target=feedback_id, action="delete")
    sync(wb)

    reply.refresh_from_db()
    assert reply.marketplace_state == AnswerState.DELETED and reply.marketplace_reason
    assert review.events.filter(kind=Event.ANSWER_DELETED, data__message_id=reply.pk).exists()
    assert detail_message(owner_client, review, reply)["marketplace_state"] == "deleted"
    assert audit_connection(connection=wb, truth=moderated_shop.truth()).ok


def test_wb_answers_stop_being_editable_after_the_window(wb, sandbox, moderated_shop, owner_client):
    sandbox.state.configure_moderation(share=1.0, seconds=3600, edit_window_s=0)
    feedback_id = new_wb_feedback(moderated_shop)
    sync(wb)
    review = Interaction.objects.get(connection=wb, kind=Kind.REVIEW, external_id=feedback_id)
    reply = answer(owner_client, review, "Спасибо за отзыв! Рады, что размер подошёл.")

    sync(wb)

    reply.refresh_from_db()
    review.refresh_from_db()
    assert reply.marketplace_editable is False
    assert review.reply_context["answer_editable"] is False
    assert detail_message(owner_client, review, reply)["marketplace_editable"] is False
    response = owner_client.post(
        f"/api/interactions/{review.pk}/reply",
        {"text": "Исправленный ответ: благодарим за подробный отзыв о посадке!"},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "answer_not_editable"


def test_ozon_review_comment_in_moderation_then_published(ozon, sandbox, moderated_shop, owner_client):
    sandbox.state.configure_moderation(share=1.0, seconds=3600)
    review_id = moderated_shop.add_traffic(reviews=1, marketplace="ozon")["ozon_reviews"][0]
    sync(ozon)
    review = Interaction.objects.get(connection=ozon, kind=Kind.REVIEW, external_id=review_id)
    reply = answer(owner_client, review, "Приятно читать, что ткань оказалась мягкой, спасибо за слова о товаре.")

    sync(ozon)
    reply.refresh_from_db()
    # Ozon does not list it yet: moderation has it.
    assert reply.marketplace_state == AnswerState.IN_MODERATION
    assert by_id(moderated_shop.truth()["ozon"]["reviews"], review_id)["moderation"][reply.external_id][
        "moderation"
    ] == ("in_review")

    sandbox.state.answer_action(moderated_shop.shop_no, kind="ozon_review", target=reply.external_id, action="publish")
    sync(ozon)
    reply.refresh_from_db()
    assert reply.marketplace_state == AnswerState.PUBLISHED
    assert audit_connection(connection=ozon, truth=moderated_shop.truth()).ok


def test_ozon_question_answer_edited_while_in_moderation_shows_the_marketplace_text(
    ozon, sandbox, moderated_shop, owner_client
):
    sandbox.state.configure_moderation(share=1.0, seconds=3600)
    question_id = moderated_shop.add_traffic(questions=1, marketplace="ozon")["ozon_questions"][0]
    sync(ozon)
    question = Interaction.objects.get(connection=ozon, kind=Kind.QUESTION, external_id=question_id)
    reply = answer(owner_client, question, "Здравствуйте! Размер соответствует таблице.")
    sync(ozon)
    state = sandbox.state
    state.answer_action(
        moderated_shop.shop_no, kind="ozon_question", target=reply.external_id, action="edit", text="Размер в норме."
    )
    state.answer_action(moderated_shop.shop_no, kind="ozon_question", target=reply.external_id, action="publish")

    sync(ozon)

    reply.refresh_from_db()
    assert reply.marketplace_state == AnswerState.EDITED
    assert reply.text == "Размер в норме."
    changed = question.events.get(kind=Event.ANSWER_CHANGED)
    assert changed.data["previous_text"] == "Здравствуйте! Размер соответствует таблице."


def test_an_answer_written_in_the_cabinet_arrives_published(wb, moderated_shop):
    from integrations.wildberries import feedbacks as wb_feedbacks
    from integrations.wildberries.client import wb_auth

    feedback_id = new_wb_feedback(moderated_shop)
    wb_feedbacks.answer_feedback(wb_auth(wb), feedback_id=feedback_id, text="Спасибо за отзыв!")
    sync(wb)
    message = Message.objects.get(external_id=f"{feedback_id}:answer")
    assert message.marketplace_state == AnswerState.PUBLISHED
    assert message.marketplace_editable is True


def test_chat_replies_carry_no_marketplace_state(wb, moderated_shop, owner_client):
    moderated_shop.add_traffic(chats=1, marketplace="wb")
    sync(wb)
    chat = Interaction.objects.filter(connection=wb, kind=Kind.CHAT).exclude(reply_context={}).first()
    reply = answer(owner_client, chat, "Здравствуйте! Уточним и ответим.")
    assert reply.marketplace_state == ""
    assert (timezone.now() - reply.sent_at) < timedelta(minutes=1)
