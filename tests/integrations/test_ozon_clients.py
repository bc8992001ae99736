"""Ozon chat, review and question clients against the sandbox marketplace over real HTTP."""

from __future__ import annotations

import pytest

from integrations.errors import AuthFailed, PermanentError, RateLimited, SubscriptionRequired, TransientError
from integrations.ozon import chats, questions, reviews
from integrations.ozon.client import OzonAuth, ozon_auth


@pytest.fixture
def auth(sandbox_shop):
    return OzonAuth(client_id=sandbox_shop.ozon_client_id, api_key=sandbox_shop.ozon_api_key)


def test_chat_list_pages_with_cursor_and_keeps_uint64_ids_exact(auth, sandbox_shop):
    sandbox_shop.add_traffic(chats=5, marketplace="ozon")
    truth = sandbox_shop.truth()["ozon"]["chats"]
    seen = []
    cursor = ""
    while True:
        page = chats.list_chats(auth, cursor=cursor, limit=2)
        seen += page.chats
        if not page.has_next:
            break
        cursor = page.cursor
    assert [c["chat"]["chat_id"] for c in seen] == [c["chat_id"] for c in truth]
    by_id = {c["chat_id"]: c for c in truth}
    for item in seen:
        last = by_id[item["chat"]["chat_id"]]["messages"][-1]["message_id"]
        assert str(item["last_message_id"]) == last


def test_chat_history_forward_from_an_id_and_backward_from_the_latest(auth, sandbox_shop):
    chat = next(c for c in sandbox_shop.truth()["ozon"]["chats"] if c["chat_type"] == "Buyer_Seller")
    ids = [m["message_id"] for m in chat["messages"]]
    latest = chats.chat_history(auth, chat_id=chat["chat_id"], direction="Backward", limit=1000)
    assert sorted(str(m["message_id"]) for m in latest.messages) == sorted(ids)
    forward = chats.chat_history(auth, chat_id=chat["chat_id"], from_message_id=ids[1], limit=1000)
    assert [str(m["message_id"]) for m in forward.messages] == ids[1:]  # inclusive, oldest first


def test_send_and_read_chat(auth, sandbox_shop):
    chat = next(c for c in sandbox_shop.truth()["ozon"]["chats"] if c["chat_type"] == "Buyer_Seller")
    chats.send_message(auth, chat_id=chat["chat_id"], text="Здравствуйте! Проверим заказ.")
    assert chats.mark_read(auth, chat_id=chat["chat_id"]) == 0
    after = next(c for c in sandbox_shop.truth()["ozon"]["chats"] if c["chat_id"] == chat["chat_id"])
    assert after["replies"][0]["text"] == "Здравствуйте! Проверим заказ." and after["replies"][0]["count"] == 1
    with pytest.raises(PermanentError):
        chats.send_message(auth, chat_id="00000000-0000-0000-0000-000000000000", text="Никому")


def test_reviews_list_comments_and_comment(auth, sandbox_shop):
    truth = sandbox_shop.truth()["ozon"]["reviews"]
    listed = []
    last_id = ""
    while True:
        page = reviews.list_reviews(auth, last_id=last_id, limit=5)  # raised to Ozon's minimum of 20
        listed += page.reviews
        if not page.has_next:
            break
        last_id = page.last_id
    assert {r["id"] for r in listed} == {r["id"] for r in truth}
    target = next(r for r in truth if r["status"] == "UNPROCESSED")
    comment_id = reviews.create_comment(auth, review_id=target["id"], text="Спасибо за отзыв!")
    comments, spent = reviews.all_comments(auth, review_id=target["id"])
    assert spent == 1
    assert any(c["id"] == comment_id and c["is_owner"] is True for c in comments)
    after = next(r for r in sandbox_shop.truth()["ozon"]["reviews"] if r["id"] == target["id"])
    assert after["status"] == "PROCESSED"


def test_questions_list_answers_and_answer(auth, sandbox_shop):
    truth = sandbox_shop.truth()["ozon"]["questions"]
    page = questions.list_questions(auth)
    assert {q["id"] for q in page.questions} == {q["id"] for q in truth}
    empty = questions.list_questions(auth, last_id=page.last_id)
    assert empty.questions == [] and empty.last_id == page.last_id
    target = next(q for q in truth if q["status"] != "PROCESSED")
    answer_id = questions.create_answer(auth, question_id=target["id"], sku=target["sku"], text="Да, подходит.")
    answers, _ = questions.all_answers(auth, question_id=target["id"], sku=target["sku"])
    assert [a["id"] for a in answers][-1] == answer_id
    with pytest.raises(PermanentError):
        questions.create_answer(auth, question_id=target["id"], sku=target["sku"], text="Д")  # under 2 chars


def test_bad_credentials_and_missing_premium(sandbox_shop):
    with pytest.raises(AuthFailed) as bad_key:
        chats.list_chats(OzonAuth(client_id=sandbox_shop.ozon_client_id, api_key="wrong-key"))
    assert not isinstance(bad_key.value, SubscriptionRequired)
    with pytest.raises(AuthFailed):
        chats.list_chats(OzonAuth(client_id="abc", api_key=sandbox_shop.ozon_api_key))
    sandbox_shop.settings(premium=False)
    auth = OzonAuth(client_id=sandbox_shop.ozon_client_id, api_key=sandbox_shop.ozon_api_key)
    assert chats.list_chats(auth).chats  # the list works without Premium Plus
    for call in (lambda: reviews.list_reviews(auth), lambda: questions.list_questions(auth)):
        with pytest.raises(SubscriptionRequired) as info:
            call()
        assert "Premium Plus" in info.value.message


def test_connection_credentials_are_required():
    class Row:
        ozon_client_id = "123"
        ozon_api_key = None

    with pytest.raises(AuthFailed):
        ozon_auth(Row())


@pytest.mark.parametrize(("kind", "error"), [("rate_limit", RateLimited), ("server_error", TransientError)])
def test_injected_faults_map_to_typed_errors(auth, sandbox, kind, error):
    sandbox.state.set_faults(rate=1.0, kinds=[kind], seed=3)
    with pytest.raises(error) as info:
        reviews.list_reviews(auth)
    if kind == "rate_limit":
        assert info.value.retry_after == 1.0  # Retry-After: 1


def test_check_connection_proves_every_ozon_stream(db, sandbox_shop):
    from integrations.probe import check_connection
    from tests.factories import ConnectionFactory

    connection = ConnectionFactory(
        marketplace="ozon",
        wb_token=None,
        ozon_client_id=sandbox_shop.ozon_client_id,
        ozon_api_key=sandbox_shop.ozon_api_key,
    )
    assert check_connection(connection)["streams"] == {
        "ozon_chats": "ok",
        "ozon_reviews": "ok",
        "ozon_questions": "ok",
    }
    sandbox_shop.settings(premium=False)
    with pytest.raises(SubscriptionRequired):
        check_connection(connection)
    connection.ozon_api_key = "wrong"
    with pytest.raises(AuthFailed):
        check_connection(connection)
