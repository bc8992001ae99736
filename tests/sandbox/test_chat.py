"""The sandbox's WB buyer chat over real HTTP: events cursor, replySign, sending, downloads."""

from __future__ import annotations

import pytest
import requests


@pytest.fixture
def chat(sandbox_shop):
    session = requests.Session()
    session.headers["Authorization"] = sandbox_shop.wb_token
    sandbox_shop.state.configure(rate_limits=False)

    def call(method: str, path: str, **kwargs) -> requests.Response:
        return session.request(method, sandbox_shop.url + path, timeout=10, **kwargs)

    return call


def _drain(chat, next_ms: int | None = None) -> tuple[list[dict], int]:
    events: list[dict] = []
    while True:
        params = {} if next_ms is None else {"next": next_ms}
        result = chat("GET", "/api/v1/seller/events", params=params).json()["result"]
        if result["totalEvents"] == 0:
            assert result["events"] == []
            return events, result["next"]
        assert len(result["events"]) == result["totalEvents"] <= 50
        events += result["events"]
        next_ms = result["next"]


def test_events_feed_pages_by_cursor_and_loses_nothing(chat, sandbox_shop):
    sandbox_shop.add_traffic(chats=30, chat_messages=40, marketplace="wb")
    truth_ids = [e["event_id"] for c in sandbox_shop.truth()["wb"]["chats"] for e in c["events"]]
    assert len(truth_ids) > 50  # more than one page

    events, cursor = _drain(chat)
    ids = [e["eventID"] for e in events]
    assert len(ids) == len(set(ids)) and set(ids) == set(truth_ids)
    stamps = [e["addTimestamp"] for e in events]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    # Drained: same cursor back, nothing new.
    again = chat("GET", "/api/v1/seller/events", params={"next": cursor}).json()["result"]
    assert again["totalEvents"] == 0 and again["next"] == cursor

    # New buyer messages after the cursor arrive on the next poll, and only they.
    created = sandbox_shop.add_traffic(chat_messages=3, marketplace="wb")["wb_chat_events"]
    fresh, _ = _drain(chat, cursor)
    assert [e["eventID"] for e in fresh] == created


def test_reply_sign_only_on_new_chat_events_and_some_events_have_no_message(chat, sandbox_shop):
    sandbox_shop.add_traffic(chats=2, chat_messages=4, marketplace="wb")
    events, _ = _drain(chat)
    for event in events:
        assert ("replySign" in event) == event["isNewChat"]
        assert event["eventType"] == "message"
    new_chat_events = [e for e in events if e["isNewChat"]]
    assert all(e["message"]["attachments"]["goodCard"]["nmID"] for e in new_chat_events)
    chats = {c["chatID"]: c for c in chat("GET", "/api/v1/seller/chats").json()["result"]}
    assert {e["chatID"] for e in new_chat_events} == set(chats)
    assert all(chats[e["chatID"]]["replySign"] == e["replySign"] for e in new_chat_events)


def test_some_generated_seller_events_have_no_message(sandbox_shop_factory, sandbox):
    shops = [sandbox_shop_factory() for _ in range(8)]
    without = [e for shop in shops for c in shop.truth()["wb"]["chats"] for e in c["events"] if e["text"] is None]
    assert without and all(e["sender"] == "seller" for e in without)


def test_send_message_appends_a_seller_event_and_is_recorded(chat, sandbox_shop):
    target = chat("GET", "/api/v1/seller/chats").json()["result"][0]
    _, cursor = _drain(chat)
    response = chat(
        "POST",
        "/api/v1/seller/message",
        files={"replySign": (None, target["replySign"]), "message": (None, "Добрый день! Поможем.")},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["errors"] == [] and result["result"]["chatID"] == target["chatID"]
    assert isinstance(result["result"]["addTime"], int)

    fresh, _ = _drain(chat, cursor)
    assert len(fresh) == 1
    event = fresh[0]
    assert event["sender"] == "seller" and event["source"] == "seller-public-api"
    assert event["message"]["text"] == "Добрый день! Поможем." and event["addTimestamp"] == result["result"]["addTime"]
    truth = next(c for c in sandbox_shop.truth()["wb"]["chats"] if c["chat_id"] == target["chatID"])
    assert truth["replies"][0]["text"] == "Добрый день! Поможем." and truth["replies"][0]["count"] == 1
    last = chat("GET", "/api/v1/seller/chats").json()["result"][0]["lastMessage"]
    assert last == {"text": "Добрый день! Поможем.", "addTimestamp": result["result"]["addTime"]}


def test_bad_reply_sign_long_text_and_foreign_chat_are_refused(chat, sandbox_shop, sandbox_shop_factory):
    sign = chat("GET", "/api/v1/seller/chats").json()["result"][0]["replySign"]
    other = sandbox_shop_factory()
    other_sign = other.truth()["wb"]["chats"][0]["reply_sign"]
    cases = (
        ({"replySign": (None, sign[:-4] + "0000"), "message": (None, "Привет")}, "Invalid signature"),
        ({"replySign": (None, other_sign), "message": (None, "Привет")}, "Invalid signature"),
        ({"replySign": (None, sign), "message": (None, "я" * 1001)}, 'Invalid value for "message"'),
        ({"message": (None, "Привет")}, "replySign"),
        ({"replySign": (None, sign), "file": ("a.exe", b"MZ", "application/octet-stream")}, "unsupported mime type"),
    )
    for files, detail in cases:
        response = chat("POST", "/api/v1/seller/message", files=files)
        assert response.status_code == 400
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert detail in response.json()["detail"]
    assert all(c["replies"] == [] for c in sandbox_shop.truth()["wb"]["chats"])


def test_files_are_stored_and_downloadable(chat, sandbox_shop):
    sign = chat("GET", "/api/v1/seller/chats").json()["result"][0]["replySign"]
    pdf = b"%PDF-1.4 sandbox"
    response = chat(
        "POST",
        "/api/v1/seller/message",
        files={"replySign": (None, sign), "message": (None, "Чек"), "file": ("check.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 200
    events, _ = _drain(chat)
    files = events[-1]["message"]["attachments"]["files"]
    assert files[0]["name"] == "check.pdf" and files[0]["size"] == len(pdf)
    download = chat("GET", f"/api/v1/seller/download/{files[0]['downloadID']}")
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["Content-Type"] == "application/pdf"
    assert chat("GET", "/api/v1/seller/download/unknown").status_code == 400


def test_bad_next_is_400(chat):
    response = chat("GET", "/api/v1/seller/events", params={"next": "soon"})
    assert response.status_code == 400 and "next" in response.json()["detail"]


def test_new_buyer_message_after_the_seller_answered(chat, sandbox_shop):
    target = chat("GET", "/api/v1/seller/chats").json()["result"][0]
    files = {"replySign": (None, target["replySign"]), "message": (None, "Ответили")}
    assert chat("POST", "/api/v1/seller/message", files=files).status_code == 200
    seller_spoke_last = {
        c["chat_id"] for c in sandbox_shop.truth()["wb"]["chats"] if c["events"][-1]["sender"] == "seller"
    }
    assert target["chatID"] in seller_spoke_last

    created = sandbox_shop.add_traffic(chat_messages=1, marketplace="wb")["wb_chat_events"]
    truth = sandbox_shop.truth()["wb"]["chats"]
    reopened = next(c for c in truth if c["events"][-1]["event_id"] == created[0])
    # Traffic makes buyers write again where the seller answered last (the inbox must reopen those).
    assert reopened["chat_id"] in seller_spoke_last
    assert reopened["events"][-1]["sender"] == "client" and reopened["events"][-2]["sender"] == "seller"
