"""The sandbox's Ozon Seller API over real HTTP: auth errors, premium switch, chats, reviews, questions."""

from __future__ import annotations

import json

import pytest
import requests

from sandbox.ozon_records import OzonComment


@pytest.fixture
def ozon(sandbox_shop):
    session = requests.Session()
    session.headers.update({"Client-Id": sandbox_shop.ozon_client_id, "Api-Key": sandbox_shop.ozon_api_key})

    def call(path: str, body: dict | None = None) -> requests.Response:
        return session.post(sandbox_shop.url + path, json={} if body is None else body, timeout=10)

    return call


def test_auth_errors_have_ozon_shapes(sandbox_shop):
    url = sandbox_shop.url + "/v3/chat/list"

    def post(client_id: str, api_key: str) -> requests.Response:
        return requests.post(url, json={"limit": 10}, headers={"Client-Id": client_id, "Api-Key": api_key}, timeout=10)

    bad_key = post(sandbox_shop.ozon_client_id, "nope")
    assert bad_key.status_code == 404
    assert bad_key.json() == {
        "code": 5,
        "message": "Invalid Api-Key, please check the key and try again",
        "details": [],
    }
    bad_client = post("abc", sandbox_shop.ozon_api_key)
    assert bad_client.status_code == 400 and bad_client.json()["code"] == 3
    # Another shop's Client-Id with this key is a bad key too.
    assert post("999999", sandbox_shop.ozon_api_key).status_code == 404
    headers = {"Client-Id": sandbox_shop.ozon_client_id, "Api-Key": sandbox_shop.ozon_api_key}
    assert requests.get(url, headers=headers, timeout=10).status_code == 405


def test_without_premium_plus_only_the_chat_list_works(ozon, sandbox_shop):
    sandbox_shop.settings(premium=False)
    assert ozon("/v3/chat/list", {"limit": 10}).status_code == 200
    chat_id = sandbox_shop.truth()["ozon"]["chats"][0]["chat_id"]
    for path, body in (
        ("/v3/chat/history", {"chat_id": chat_id}),
        ("/v1/chat/send/message", {"chat_id": chat_id, "text": "Привет"}),
        ("/v1/review/list", {"limit": 20}),
        ("/v1/question/list", {}),
    ):
        response = ozon(path, body)
        assert response.status_code == 403 and response.json()["code"] == 7, path
    assert sandbox_shop.truth()["ozon"]["chats"][0]["replies"] == []
    sandbox_shop.settings(premium=True)
    assert ozon("/v1/review/list", {"limit": 20}).status_code == 200


def test_chat_list_cursor_pages_and_types(ozon, sandbox_shop):
    sandbox_shop.add_traffic(chats=5, marketplace="ozon")
    seen, cursor = [], ""
    while True:
        page = ozon("/v3/chat/list", {"limit": 2, "cursor": cursor, "filter": {"chat_status": "All"}}).json()
        seen += page["chats"]
        cursor = page["cursor"]
        if not page["has_next"]:
            break
    truth = sandbox_shop.truth()["ozon"]["chats"]
    assert [c["chat"]["chat_id"] for c in seen] == [c["chat_id"] for c in truth]
    assert {c["chat"]["chat_type"] for c in seen} == {"Buyer_Seller", "Seller_Support"}
    assert all(isinstance(c["last_message_id"], int) and c["last_message_id"] > 2**53 for c in seen)


def test_history_is_uint64_forward_inclusive_and_has_cyrillic_customer(ozon, sandbox_shop_factory, sandbox):
    # A chat's spelling follows its shop's number, and the numbers a test gets follow how many shops the tests
    # before it made: draw shops until one shows the Cyrillic spelling (about a third of the chats have it).
    shops: list = []
    types: set[str] = set()
    while "Сustomer" not in types and len(shops) < 40:
        shops.append(sandbox_shop_factory())
        types |= {m["user_type"] for c in shops[-1].truth()["ozon"]["chats"] for m in c["messages"]}
    assert "Сustomer" in types  # Cyrillic С, as in Ozon's docs

    shop = shops[0]
    session = requests.Session()
    session.headers.update({"Client-Id": shop.ozon_client_id, "Api-Key": shop.ozon_api_key})
    chat = next(c for c in shop.truth()["ozon"]["chats"] if len(c["messages"]) >= 3)
    ids = [int(m["message_id"]) for m in chat["messages"]]
    raw = session.post(
        shop.url + "/v3/chat/history",
        json={"chat_id": chat["chat_id"], "direction": "Forward", "from_message_id": 0, "limit": 2},
    )
    # Big ids travel as JSON integers: parse without floats.
    body = json.loads(raw.text)
    assert [m["message_id"] for m in body["messages"]] == ids[:2] and body["has_next"] is True
    rest = session.post(
        shop.url + "/v3/chat/history",
        json={"chat_id": chat["chat_id"], "direction": "Forward", "from_message_id": str(ids[1]), "limit": 1000},
    ).json()
    assert [m["message_id"] for m in rest["messages"]] == ids[1:] and rest["has_next"] is False
    backward = session.post(shop.url + "/v3/chat/history", json={"chat_id": chat["chat_id"], "limit": 1}).json()
    assert [m["message_id"] for m in backward["messages"]] == [ids[-1]]
    missing = session.post(shop.url + "/v3/chat/history", json={"chat_id": "nope"})
    assert missing.status_code == 404 and missing.json()["code"] == 5


def test_send_message_and_read(ozon, sandbox_shop):
    chat = next(c for c in sandbox_shop.truth()["ozon"]["chats"] if c["chat_type"] == "Buyer_Seller")
    sent = ozon("/v1/chat/send/message", {"chat_id": chat["chat_id"], "text": "Здравствуйте! Отправим завтра."})
    assert sent.json() == {"result": "success"}
    history = ozon("/v3/chat/history", {"chat_id": chat["chat_id"], "limit": 1}).json()["messages"]
    assert history[0]["data"] == ["Здравствуйте! Отправим завтра."] and history[0]["user"]["type"] == "seller"
    assert ozon("/v1/chat/send/message", {"chat_id": chat["chat_id"], "text": "я" * 1001}).status_code == 400
    after = next(c for c in sandbox_shop.truth()["ozon"]["chats"] if c["chat_id"] == chat["chat_id"])
    assert [(r["text"], r["count"]) for r in after["replies"]] == [("Здравствуйте! Отправим завтра.", 1)]

    sandbox_shop.add_traffic(chat_messages=1, marketplace="ozon")
    unread = ozon("/v3/chat/list", {"limit": 100, "filter": {"unread_only": True}}).json()
    assert unread["total_unread_count"] >= 1
    target = unread["chats"][0]
    read = ozon("/v2/chat/read", {"chat_id": target["chat"]["chat_id"], "from_message_id": target["last_message_id"]})
    assert read.json() == {"unread_count": 0}


def test_review_list_pages_by_last_id_and_comment_processes(ozon, sandbox_shop):
    sandbox_shop.add_traffic(reviews=45, marketplace="ozon")
    assert ozon("/v1/review/list", {"limit": 10}).status_code == 400
    seen, last_id = [], ""
    while True:
        page = ozon("/v1/review/list", {"limit": 20, "last_id": last_id, "sort_dir": "ASC", "status": "ALL"}).json()
        seen += [r["id"] for r in page["reviews"]]
        last_id = page["last_id"]
        if not page["has_next"]:
            break
    truth = sandbox_shop.truth()["ozon"]["reviews"]
    assert len(seen) == len(set(seen)) == len(truth)

    review = next(r for r in truth if r["status"] == "UNPROCESSED")
    created = ozon(
        "/v1/review/comment/create", {"review_id": review["id"], "text": "Спасибо!", "mark_review_as_processed": True}
    )
    assert created.status_code == 200 and created.json()["comment_id"]
    info = ozon("/v1/review/info", {"review_id": review["id"]}).json()
    assert info["status"] == "PROCESSED" and info["comments_amount"] >= 1
    comments = ozon("/v1/review/comment/list", {"review_id": review["id"], "limit": 20}).json()["comments"]
    assert comments[-1]["text"] == "Спасибо!" and comments[-1]["is_owner"] is True
    unprocessed = ozon("/v1/review/list", {"limit": 100, "status": "UNPROCESSED"}).json()["reviews"]
    assert review["id"] not in {r["id"] for r in unprocessed}
    counts = ozon("/v1/review/count").json()
    assert counts["total"] == len(truth) and counts["processed"] + counts["unprocessed"] == counts["total"]


def test_questions_last_id_paging_and_answer(ozon, sandbox_shop):
    sandbox_shop.add_traffic(questions=60, marketplace="ozon")
    seen, last_id = [], ""
    for _ in range(10):
        page = ozon("/v1/question/list", {"filter": {"status": "ALL"}, "last_id": last_id}).json()
        if not page["questions"]:
            assert page["last_id"] == last_id  # drained: the cursor comes back unchanged
            break
        seen += [q["id"] for q in page["questions"]]
        last_id = page["last_id"]
    truth = sandbox_shop.truth()["ozon"]["questions"]
    assert seen == [q["id"] for q in truth]

    question = next(q for q in truth if q["status"] != "PROCESSED")
    wrong_sku = ozon("/v1/question/answer/create", {"question_id": question["id"], "sku": 1, "text": "Да, есть"})
    assert wrong_sku.status_code == 400 and wrong_sku.json()["code"] == 3
    too_short = ozon("/v1/question/answer/create", {"question_id": question["id"], "sku": question["sku"], "text": "Д"})
    assert too_short.status_code == 400
    answer = ozon(
        "/v1/question/answer/create", {"question_id": question["id"], "sku": question["sku"], "text": "Да, есть"}
    )
    assert answer.json()["answer_id"]
    info = ozon("/v1/question/info", {"question_id": question["id"]}).json()
    assert info["status"] == "PROCESSED" and info["answers_count"] == 1
    answers = ozon("/v1/question/answer/list", {"question_id": question["id"], "sku": question["sku"]}).json()[
        "answers"
    ]
    assert [a["text"] for a in answers] == ["Да, есть"]
    counts = ozon("/v1/question/count").json()
    assert counts["all"] == len(truth) and counts["processed"] >= 1
    after = next(q for q in sandbox_shop.truth()["ozon"]["questions"] if q["id"] == question["id"])
    assert after["replies"][0]["text"] == "Да, есть" and after["replies"][0]["count"] == 1


def test_the_seller_deletes_own_review_comments_and_question_answers(ozon, sandbox_shop):
    sandbox_shop.add_traffic(reviews=25, questions=2, marketplace="ozon")
    truth = sandbox_shop.truth()["ozon"]
    review = next(r for r in truth["reviews"] if r["status"] == "UNPROCESSED")
    question = next(q for q in truth["questions"] if q["status"] != "PROCESSED")
    comment_id = ozon("/v1/review/comment/create", {"review_id": review["id"], "text": "Спасибо!"}).json()["comment_id"]
    answer_id = ozon(
        "/v1/question/answer/create", {"question_id": question["id"], "sku": question["sku"], "text": "Да, есть"}
    ).json()["answer_id"]

    assert ozon("/v1/review/comment/delete", {"comment_id": comment_id}).json() == {}
    wrong_sku = ozon("/v1/question/answer/delete", {"answer_id": answer_id, "sku": 1})
    assert wrong_sku.status_code == 400 and wrong_sku.json()["code"] == 3
    assert ozon("/v1/question/answer/delete", {"answer_id": answer_id, "sku": question["sku"]}).json() == {}

    after = sandbox_shop.truth()["ozon"]
    assert comment_id not in {c["id"] for r in after["reviews"] for c in r["comments"]}
    assert answer_id not in {a["id"] for q in after["questions"] for a in q["answers"]}
    again = ozon("/v1/review/comment/delete", {"comment_id": comment_id})
    assert again.status_code == 404 and again.json()["code"] == 5
    assert ozon("/v1/question/answer/delete", {"answer_id": answer_id, "sku": question["sku"]}).status_code == 404


def test_a_buyers_comment_cannot_be_deleted(ozon, sandbox_shop):
    sandbox_shop.add_traffic(reviews=25, marketplace="ozon")
    shop = sandbox_shop.state.shop(sandbox_shop.shop_no)
    review = next(r for r in shop.reviews if r.status == "UNPROCESSED")
    buyer = OzonComment("buyer-comment-1", "А когда привезут?", review.published_ts + 60, is_owner=False)
    review.comments.append(buyer)

    refused = ozon("/v1/review/comment/delete", {"comment_id": buyer.id})

    assert refused.status_code == 400 and refused.json()["code"] == 3
    assert buyer in review.comments


def test_ozon_rate_limit_is_429_code_8(ozon, sandbox_shop):
    sandbox_shop.state.monotonic = lambda: 1000.0  # a frozen bucket clock: no refill between requests
    statuses = [ozon("/v1/review/count").status_code for _ in range(50)]
    assert statuses == [200] * 50  # the burst
    limited = ozon("/v1/review/count")
    assert limited.status_code == 429
    assert limited.json()["code"] == 8 and limited.headers["Retry-After"] == "1"
