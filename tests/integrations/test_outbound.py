"""send_reply and find_sent_reply against the sandbox: each reply reaches the marketplace once, and after an
ambiguous timeout we can tell that it did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.errors import PermanentError, TransientError
from integrations.outbox.outbound import SentReply, find_sent_reply, send_reply
from tests.factories import ConnectionFactory


@pytest.fixture
def wb(db, sandbox_shop):
    return ConnectionFactory(marketplace="wb", wb_token=sandbox_shop.wb_token)


@pytest.fixture
def ozon(db, sandbox_shop):
    return ConnectionFactory(
        marketplace="ozon",
        wb_token=None,
        ozon_client_id=sandbox_shop.ozon_client_id,
        ozon_api_key=sandbox_shop.ozon_api_key,
    )


def since() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=5)


def replies_of(items: list[dict], item_id: str, key: str = "id") -> list[dict]:
    return next(i for i in items if i[key] == item_id)["replies"]


def test_wb_review_reply_and_lookup(wb, sandbox_shop):
    target = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answered"])
    text = "Спасибо за отзыв! Рады, что понравилось."
    assert (
        find_sent_reply(wb, kind="review", external_id=target["id"], reply_context={}, text=text, since=since()) is None
    )
    sent = send_reply(wb, kind="review", external_id=target["id"], reply_context={}, text=text)
    assert sent == SentReply(external_id=f"{target['id']}:answer", answer_editable=True)  # WB: one edit allowed
    assert replies_of(sandbox_shop.truth()["wb"]["feedbacks"], target["id"])[0]["count"] == 1
    found = find_sent_reply(
        wb, kind="review", external_id=target["id"], reply_context={}, text=f"  {text} ", since=since()
    )
    assert found == sent
    assert (
        find_sent_reply(
            wb, kind="review", external_id=target["id"], reply_context={}, text="Другой текст", since=since()
        )
        is None
    )


def test_wb_reply_to_an_edited_review_answers_the_newest_feedback(wb, sandbox_shop):
    feedbacks = sandbox_shop.truth()["wb"]["feedbacks"]
    child = next((f for f in feedbacks if f["parent_feedback_id"] and not f["answered"]), None)
    if child is None:
        pytest.skip("this seed has no unanswered edited review")
    sent = send_reply(
        wb,
        kind="review",
        external_id=child["parent_feedback_id"],
        reply_context={"feedback_id": child["id"]},
        text="Спасибо, что дополнили отзыв!",
    )
    assert sent.external_id == f"{child['id']}:answer"
    assert replies_of(sandbox_shop.truth()["wb"]["feedbacks"], child["id"])[0]["count"] == 1


def test_wb_question_reply_and_lookup(wb, sandbox_shop):
    target = next(q for q in sandbox_shop.truth()["wb"]["questions"] if not q["answered"])
    sent = send_reply(wb, kind="question", external_id=target["id"], reply_context={}, text="Да, есть в наличии.")
    assert sent.external_id == f"{target['id']}:answer"
    assert (
        find_sent_reply(
            wb, kind="question", external_id=target["id"], reply_context={}, text="Да, есть в наличии.", since=since()
        )
        == sent
    )


def test_wb_chat_reply_with_and_without_reply_sign_in_context(wb, sandbox_shop):
    first, second = sandbox_shop.truth()["wb"]["chats"][:2]
    start = since()
    sent = send_reply(
        wb,
        kind="chat",
        external_id=first["chat_id"],
        reply_context={"reply_sign": first["reply_sign"]},
        text="Здравствуйте! Уже отправили.",
    )
    assert sent == SentReply(external_id=None)
    # No signature stored: it is taken from /seller/chats.
    send_reply(wb, kind="chat", external_id=second["chat_id"], reply_context={}, text="Добрый день! Проверим.")
    truth = sandbox_shop.truth()["wb"]["chats"]
    assert replies_of(truth, first["chat_id"], "chat_id")[0]["count"] == 1
    assert replies_of(truth, second["chat_id"], "chat_id")[0]["count"] == 1
    found = find_sent_reply(
        wb,
        kind="chat",
        external_id=first["chat_id"],
        reply_context={},
        text="Здравствуйте! Уже отправили.",
        since=start,
    )
    seller_events = [
        e["event_id"]
        for c in truth
        if c["chat_id"] == first["chat_id"]
        for e in c["events"]
        if e["sender"] == "seller" and e["text"] == "Здравствуйте! Уже отправили."
    ]
    assert found is not None and found.external_id == seller_events[0]
    # The same text in another chat, or before `since`, is not ours.
    assert (
        find_sent_reply(
            wb,
            kind="chat",
            external_id=second["chat_id"],
            reply_context={},
            text="Здравствуйте! Уже отправили.",
            since=start,
        )
        is None
    )
    with pytest.raises(PermanentError):
        send_reply(
            wb,
            kind="chat",
            external_id=first["chat_id"],
            reply_context={"reply_sign": first["reply_sign"]},
            text="я" * 1001,
        )


def test_ambiguous_timeout_then_lookup_finds_the_reply_so_it_is_not_resent(wb, sandbox, sandbox_shop, settings):
    settings.MARKETPLACE_TIMEOUT_SECONDS = 0.5
    chat = sandbox_shop.truth()["wb"]["chats"][0]
    start = since()
    sandbox.state.set_faults(rate=1.0, kinds=["timeout_after_write"], timeout_s=1.5, seed=2)
    with pytest.raises(TransientError) as info:
        send_reply(
            wb,
            kind="chat",
            external_id=chat["chat_id"],
            reply_context={"reply_sign": chat["reply_sign"]},
            text="Ответ, который дошёл",
        )
    assert info.value.ambiguous
    sandbox.state.clear_faults()
    found = find_sent_reply(
        wb, kind="chat", external_id=chat["chat_id"], reply_context={}, text="Ответ, который дошёл", since=start
    )
    assert found is not None
    assert replies_of(sandbox_shop.truth()["wb"]["chats"], chat["chat_id"], "chat_id")[0]["count"] == 1


def test_ozon_replies_and_lookups(ozon, sandbox_shop):
    truth = sandbox_shop.truth()["ozon"]
    review = next(r for r in truth["reviews"] if r["status"] == "UNPROCESSED")
    question = next(q for q in truth["questions"] if q["status"] != "PROCESSED")
    chat = next(c for c in truth["chats"] if c["chat_type"] == "Buyer_Seller")
    start = since()

    sent_review = send_reply(
        ozon,
        kind="review",
        external_id=review["id"],
        reply_context={"sku": str(review["sku"])},
        text="Спасибо за отзыв!",
    )
    sent_question = send_reply(
        ozon,
        kind="question",
        external_id=question["id"],
        reply_context={"sku": str(question["sku"])},
        text="Да, подходит к модели 2024 года.",
    )
    sent_chat = send_reply(
        ozon,
        kind="chat",
        external_id=chat["chat_id"],
        reply_context={"chat_id": chat["chat_id"]},
        text="Здравствуйте! Уточним у склада.",
    )
    assert sent_review.external_id and sent_question.external_id and sent_chat.external_id is None

    after = sandbox_shop.truth()["ozon"]
    assert replies_of(after["reviews"], review["id"])[0]["count"] == 1
    assert replies_of(after["questions"], question["id"])[0]["count"] == 1
    assert replies_of(after["chats"], chat["chat_id"], "chat_id")[0]["count"] == 1

    assert (
        find_sent_reply(
            ozon, kind="review", external_id=review["id"], reply_context={}, text="Спасибо за отзыв!", since=start
        )
        == sent_review
    )
    assert (
        find_sent_reply(
            ozon,
            kind="question",
            external_id=question["id"],
            reply_context={"sku": question["sku"]},
            text="Да, подходит к модели 2024 года.",
            since=start,
        )
        == sent_question
    )
    found_chat = find_sent_reply(
        ozon,
        kind="chat",
        external_id=chat["chat_id"],
        reply_context={},
        text="Здравствуйте! Уточним у склада.",
        since=start,
    )
    seller_ids = [
        m["message_id"]
        for c in after["chats"]
        if c["chat_id"] == chat["chat_id"]
        for m in c["messages"]
        if m["text"] == "Здравствуйте! Уточним у склада."
    ]
    assert found_chat == SentReply(external_id=seller_ids[0])
    assert (
        find_sent_reply(
            ozon, kind="chat", external_id=chat["chat_id"], reply_context={}, text="Не отправляли", since=start
        )
        is None
    )


def test_ozon_question_without_sku_is_refused_before_sending(ozon, sandbox_shop):
    question = sandbox_shop.truth()["ozon"]["questions"][0]
    with pytest.raises(PermanentError):
        send_reply(ozon, kind="question", external_id=question["id"], reply_context={}, text="Ответ без SKU")
    assert sandbox_shop.truth()["unmatched_replies"] == []


def test_wb_edit_patches_the_answer_and_a_second_edit_is_refused(wb, sandbox_shop):
    target = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answered"])
    send_reply(wb, kind="review", external_id=target["id"], reply_context={}, text="Спасибо за отзыв!")
    edited = send_reply(
        wb,
        kind="review",
        external_id=target["id"],
        reply_context={},
        text="Спасибо за подробный отзыв!",
        replaces=f"{target['id']}:answer",
    )
    assert edited == SentReply(external_id=f"{target['id']}:answer", replaced=True, answer_editable=False)
    assert [r["via"] for r in replies_of(sandbox_shop.truth()["wb"]["feedbacks"], target["id"])] == [
        "POST /api/v1/feedbacks/answer",
        "PATCH /api/v1/feedbacks/answer",
    ]
    with pytest.raises(PermanentError) as refused:
        send_reply(
            wb,
            kind="review",
            external_id=target["id"],
            reply_context={},
            text="Третья версия",
            replaces=f"{target['id']}:answer",
        )
    assert refused.value.code == "answer_not_editable" and "Ответ нельзя редактировать" in refused.value.message


def test_a_chat_message_is_never_edited(wb, sandbox_shop):
    chat = sandbox_shop.truth()["wb"]["chats"][0]
    with pytest.raises(PermanentError):
        send_reply(wb, kind="chat", external_id=chat["chat_id"], reply_context={}, text="Исправление", replaces="e-1")
    assert replies_of(sandbox_shop.truth()["wb"]["chats"], chat["chat_id"], "chat_id") == []


def test_ozon_edit_deletes_the_old_comment_only_after_the_new_one_is_out(ozon, sandbox, sandbox_shop):
    review_id = sandbox_shop.add_traffic(reviews=1, marketplace="ozon")["ozon_reviews"][0]

    def review() -> dict:
        return next(r for r in sandbox_shop.truth()["ozon"]["reviews"] if r["id"] == review_id)

    def edit(text: str, replaces: str | None) -> SentReply:
        return send_reply(ozon, kind="review", external_id=review_id, reply_context={}, text=text, replaces=replaces)

    first = edit("Спасибо за отзыв!", None)
    edited = edit("Спасибо! Заменим товар.", first.external_id)

    assert edited.replaced is True and edited.external_id != first.external_id
    assert [c["text"] for c in review()["comments"]] == ["Спасибо! Заменим товар."]
    assert [(r["text"], r["count"]) for r in review()["replies"]] == [
        ("Спасибо за отзыв!", 1),
        ("Спасибо! Заменим товар.", 1),
    ]

    # The delete fails: the new comment is out all the same, so both stay and the edit says so.
    sandbox.state.set_faults(rate=1.0, kinds=["server_error"], paths=["/v1/review/comment/delete"], seed=1)
    kept = edit("Спасибо! Заменим товар завтра.", edited.external_id)

    assert kept.replaced is False and kept.external_id
    assert [c["text"] for c in review()["comments"]] == ["Спасибо! Заменим товар.", "Спасибо! Заменим товар завтра."]
