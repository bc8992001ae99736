"""Normalization is pure: recorded marketplace payloads (spec examples, README samples) in, records out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from integrations.ozon.normalize import (
    chat_message,
    is_buyer_chat,
    normalize_chat,
    normalize_question,
    normalize_review,
)
from integrations.parsing import parse_datetime
from integrations.wildberries.normalize import (
    normalize_chat_events,
    normalize_feedback,
)
from integrations.wildberries.normalize import (
    normalize_question as normalize_wb_question,
)
from interactions.models import Author, Direction, Kind

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_parse_datetime_reads_every_marketplace_format():
    assert parse_datetime("2022-02-01T11:18:08.769513469Z") == datetime(2022, 2, 1, 11, 18, 8, 769513, tzinfo=UTC)
    assert parse_datetime("2024-09-26T10:20:48+03:00") == datetime(2024, 9, 26, 7, 20, 48, tzinfo=UTC)
    assert parse_datetime(1698037340000) == datetime(2023, 10, 23, 5, 2, 20, tzinfo=UTC)  # ms
    assert parse_datetime(1726358400) == datetime(2024, 9, 15, tzinfo=UTC)  # s
    assert parse_datetime("2024-08-14T12:02:01.889Z").microsecond == 889000
    with pytest.raises(ValueError):
        parse_datetime("не дата")


def test_answered_wb_feedback_becomes_review_with_buyer_message_and_our_answer():
    raw = load("wb/feedbacks_answered.json")["data"]["feedbacks"][0]
    record = normalize_feedback(raw)
    assert record.kind == Kind.REVIEW
    assert record.external_id == "YX52RZEBhH9mrcYdEJuD"
    assert record.rating == 5
    assert record.product_id == "987654321"
    assert record.is_answered is True
    assert record.customer.name == "Николай"
    buyer, answer = record.messages
    assert buyer.direction == Direction.IN and buyer.author == Author.BUYER
    assert buyer.text == "Спасибо, всё подошло\nДостоинства: Удобный\nНедостатки: Нет"
    assert {a["type"] for a in buyer.attachments} == {"image", "video"}
    assert answer.external_id == "YX52RZEBhH9mrcYdEJuD:answer"
    assert answer.direction == Direction.OUT and answer.author == Author.SELLER
    assert answer.text == "Пожалуйста. Ждём вас снова!"
    assert record.created_at == datetime(2024, 9, 26, 7, 20, 48, tzinfo=UTC)


def test_five_stars_without_text_is_still_a_review():
    raw = load("wb/feedbacks_unanswered_mixed.json")["data"]["feedbacks"][0]
    record = normalize_feedback(raw)
    assert record.rating == 5
    assert record.is_answered is False
    assert [m.text for m in record.messages] == [""]
    assert record.product_id == "287700029"


def test_edited_review_joins_the_original_interaction_as_a_new_buyer_message():
    raw = load("wb/feedbacks_unanswered_mixed.json")["data"]["feedbacks"][1]
    record = normalize_feedback(raw)
    assert record.external_id == "YX52RZEBhH9mrcYdEJuD"  # the root feedback
    assert record.messages[0].external_id == "bIjTCZDvJni7NGnLbUlf"
    assert record.messages[0].direction == Direction.IN
    assert record.reply_context == {"feedback_id": "bIjTCZDvJni7NGnLbUlf"}  # the reply answers the newest one
    # A second edit resolves to the root when its parent is on the same page.
    second = {**raw, "id": "third-edit-000000001", "parentFeedbackId": "bIjTCZDvJni7NGnLbUlf"}
    assert normalize_feedback(second, parents={"bIjTCZDvJni7NGnLbUlf": "YX52RZEBhH9mrcYdEJuD"}).external_id == (
        "YX52RZEBhH9mrcYdEJuD"
    )


def test_unreadable_feedback_raises_so_it_can_be_quarantined():
    raw = load("wb/feedbacks_unanswered_mixed.json")["data"]["feedbacks"][2]
    with pytest.raises(ValueError):
        normalize_feedback(raw)
    with pytest.raises(ValueError):
        normalize_feedback({"text": "no id", "createdDate": "2024-10-01T09:00:00+03:00"})
    with pytest.raises(ValueError):
        normalize_feedback({"id": "x", "createdDate": "2024-10-01T09:00:00+03:00", "productValuation": 9})


def test_wb_question_with_nanoseconds_and_answer():
    unanswered = normalize_wb_question(load("wb/questions_unanswered.json")["data"]["questions"][0])
    assert unanswered.kind == Kind.QUESTION
    assert unanswered.created_at == datetime(2022, 2, 1, 11, 18, 8, 769513, tzinfo=UTC)
    assert unanswered.is_answered is False
    assert unanswered.product_id == "14917842"
    assert len(unanswered.messages) == 1

    answered = normalize_wb_question(load("wb/question_answered.json")["data"])
    assert answered.is_answered is True
    assert answered.messages[1].external_id == "TfWOp5QBfEYrrd0AMJau:answer"
    assert answered.messages[1].created_at == datetime(2025, 7, 28, 8, 24, 37, 187113, tzinfo=UTC)


def test_wb_answer_editable_flag_is_kept_for_the_reply_path():
    """WB lets an answer be edited once within 60 days; `answer.editable` says whether that is still possible."""
    feedback = normalize_feedback(load("wb/feedbacks_answered.json")["data"]["feedbacks"][0])
    assert feedback.reply_context == {"feedback_id": "YX52RZEBhH9mrcYdEJuD", "answer_editable": False}
    question = normalize_wb_question(load("wb/question_answered.json")["data"])
    assert question.reply_context == {"answer_editable": True}
    unanswered = normalize_wb_question(load("wb/questions_unanswered.json")["data"]["questions"][0])
    assert unanswered.reply_context == {}  # no answer: nothing to edit, nothing to claim


def test_wb_chat_events_group_by_chat_with_reply_sign_and_good_card():
    events = load("wb/events.json")["result"]["events"]
    chats = {c["chatID"]: c for c in load("wb/chats.json")["result"]}
    result = normalize_chat_events(events, chats=chats)

    by_id = {r.external_id: r for r in result.records}
    first = by_id["1:1e265a58-a120-b178-008c-60af2460207c"]
    assert first.kind == Kind.CHAT
    assert first.reply_context["reply_sign"] == "1:1e265a58-a120-b178-008c-60af2460207c:66f136e9"
    assert first.reply_context["good_card"]["nmID"] == 12345678
    assert first.product_id == "12345678"
    assert first.customer.external_id == "186132" and first.customer.name == "Алёна"
    assert [m.direction for m in first.messages] == [Direction.IN, Direction.OUT, Direction.OUT]
    # A seller event without `message` is still a message (empty text), not an error.
    assert first.messages[2].text == "" and first.messages[2].author == Author.SELLER
    assert {a["type"] for a in first.messages[0].attachments} == {"image", "file"}

    # This chat has no replySign in its events: /seller/chats supplies it and the good card.
    second = by_id["1:4019cd7d-cca8-4e90-8b11-f78afbea42e3"]
    assert second.reply_context["reply_sign"].startswith("1:4019cd7d")
    assert second.product_id == "12345678"
    assert second.customer.external_id == "123456"

    assert len(result.failed) == 1  # the event without eventID
    assert result.failed[0][0]["message"]["text"] == "событие без eventID"
    assert result.product_ids == [12345678, 12345678]


def test_ozon_chat_history_keeps_uint64_ids_exact_and_reads_cyrillic_customer():
    history = load("ozon/chat_history.json")["messages"]
    messages = []
    failed = []
    for raw in history:
        try:
            messages.append(chat_message(raw))
        except ValueError:
            failed.append(raw)
    assert [m.external_id for m in messages] == ["3000000000817031942", "3000000000817031943", "3000000000817031944"]
    assert messages[0].author == Author.BUYER and messages[0].direction == Direction.IN  # "Сustomer", Cyrillic С
    assert messages[1].author == Author.SELLER and messages[1].direction == Direction.OUT
    assert messages[2].author == Author.SYSTEM
    assert len(failed) == 1  # a float message_id is refused, never rounded

    chat_item = load("ozon/chat_list.json")["chats"][1]
    assert is_buyer_chat(chat_item)
    assert not is_buyer_chat(load("ozon/chat_list.json")["chats"][0])
    record = normalize_chat(chat_item, messages, history[:3])
    assert record.external_id == "18b8e1f9-4ae7-461c-84ea-8e1f54d1a45e"
    assert record.reply_context == {"chat_id": "18b8e1f9-4ae7-461c-84ea-8e1f54d1a45e"}
    assert record.customer.external_id == "115568"
    assert record.product_id == "987654321"


def test_ozon_review_with_seller_comment_and_empty_five_star():
    reviews = load("ozon/review_list.json")["reviews"]
    comments = load("ozon/review_comments.json")["comments"]
    record = normalize_review(reviews[0], comments)
    assert record.kind == Kind.REVIEW and record.rating == 4 and record.is_answered is True
    assert record.product_id == "646399170"
    assert record.messages[1].external_id == "c0ffee00-0000-4000-8000-000000000001"
    assert record.messages[1].direction == Direction.OUT and record.messages[1].author == Author.SELLER
    empty = normalize_review(reviews[1])
    assert empty.rating == 5 and empty.messages[0].text == "" and empty.is_answered is False


def test_ozon_question_carries_sku_for_the_answer():
    raw = load("ozon/question_list.json")["questions"][0]
    answers = load("ozon/question_answers.json")["answers"]
    record = normalize_question(raw, answers)
    assert record.kind == Kind.QUESTION
    assert record.reply_context == {"sku": "646399170"}
    assert record.customer is None  # "Пользователь OZON" is a placeholder, not a buyer to link
    assert record.messages[1].external_id == "0192e7ce-e12c-7a74-afc7-26e877799204"
    assert record.is_answered is True
    with pytest.raises(ValueError):
        normalize_question({**raw, "sku": None})
