"""The sandbox's WB feedbacks/questions host over real HTTP: auth, paging, answering, edit-once, limits."""

from __future__ import annotations

import pytest
import requests

from sandbox.credentials import mint_wb_token


@pytest.fixture
def wb(sandbox_shop):
    session = requests.Session()
    session.headers["Authorization"] = sandbox_shop.wb_token
    sandbox_shop.state.configure(rate_limits=False)

    def call(method: str, path: str, **kwargs) -> requests.Response:
        return session.request(method, sandbox_shop.url + path, timeout=10, **kwargs)

    return call


def _unanswered(wb, **params) -> list[dict]:
    query = {"isAnswered": "false", "take": 5000, "skip": 0, **params}
    response = wb("GET", "/api/v1/feedbacks", params=query)
    assert response.status_code == 200, response.text
    return response.json()["data"]["feedbacks"]


def test_missing_bad_and_expired_tokens_get_the_gateway_401(sandbox_shop):
    url = sandbox_shop.url + "/api/v1/feedbacks/count-unanswered"
    expired = sandbox_shop.mint_wb_token(expires_at=1_000_000)
    tampered = sandbox_shop.wb_token[:-3] + ("AAA" if not sandbox_shop.wb_token.endswith("AAA") else "BBB")
    foreign = mint_wb_token(shop_no=sandbox_shop.shop_no, secret="someone-elses-secret")
    for headers, fragment in (
        ({}, "empty"),
        ({"Authorization": expired}, "expired"),
        ({"Authorization": tampered}, "signature"),
        ({"Authorization": foreign}, "signature"),
    ):
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401
        body = response.json()
        assert body["title"] == "unauthorized" and body["status"] == 401 and fragment in body["detail"]
        assert sandbox_shop.wb_token not in response.text


def test_bearer_prefix_is_accepted(sandbox_shop):
    response = requests.get(
        sandbox_shop.url + "/api/v1/feedbacks/count-unanswered",
        headers={"Authorization": f"Bearer {sandbox_shop.wb_token}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["error"] is False


def test_token_category_must_match_the_host(sandbox_shop):
    chat_only = sandbox_shop.mint_wb_token(categories=("chat",))
    feedbacks_only = sandbox_shop.mint_wb_token(categories=("feedbacks",))
    url = sandbox_shop.url
    assert (
        requests.get(url + "/api/v1/questions/count", headers={"Authorization": chat_only}, timeout=10).status_code
        == 401
    )
    assert (
        requests.get(url + "/api/v1/seller/chats", headers={"Authorization": feedbacks_only}, timeout=10).status_code
        == 401
    )
    assert (
        requests.get(url + "/api/v1/seller/chats", headers={"Authorization": chat_only}, timeout=10).status_code == 200
    )
    assert requests.get(url + "/ping", headers={"Authorization": chat_only}, timeout=10).json()["Status"] == "OK"


def test_read_only_token_reads_but_cannot_answer(sandbox_shop):
    token = sandbox_shop.mint_wb_token(read_only=True)
    feedback_id = sandbox_shop.truth()["wb"]["feedbacks"][0]["id"]
    url = sandbox_shop.url + "/api/v1/feedbacks/answer"
    assert requests.get(sandbox_shop.url + "/api/v1/feedbacks/count", headers={"Authorization": token}, timeout=10).ok
    response = requests.post(
        url, json={"id": feedback_id, "text": "Спасибо!"}, headers={"Authorization": token}, timeout=10
    )
    assert response.status_code == 401
    assert sandbox_shop.truth()["wb"]["feedbacks"][0]["replies"] == []


def test_required_and_bad_parameters_give_400_envelopes(wb):
    for params, text in (
        ({"take": 10, "skip": 0}, "isAnswered"),
        ({"isAnswered": "maybe", "take": 10, "skip": 0}, "isAnswered"),
        ({"isAnswered": "false", "skip": 0}, "take"),
        ({"isAnswered": "false", "take": 5001, "skip": 0}, "take"),
        ({"isAnswered": "false", "take": 1, "skip": 199_991}, "skip"),
        ({"isAnswered": "false", "take": 1, "skip": 0, "dateFrom": "yesterday"}, "dateFrom"),
    ):
        response = wb("GET", "/api/v1/feedbacks", params=params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["error"] is True and body["data"] is None and text in body["errorText"]
    response = wb("GET", "/api/v1/questions", params={"isAnswered": "false", "take": 9000, "skip": 1001})
    assert response.status_code == 400


def test_paging_with_skip_and_take_covers_every_unanswered_feedback_once(wb, sandbox_shop):
    sandbox_shop.add_traffic(reviews=7, marketplace="wb")
    expected = {f["id"] for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answered"]}
    seen: list[str] = []
    skip = 0
    while True:
        page = _unanswered(wb, take=4, skip=skip, order="dateAsc")
        if not page:
            break
        seen += [f["id"] for f in page]
        skip += 4
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected


def test_order_and_date_window(wb, sandbox_shop):
    newest_first = _unanswered(wb)
    dates = [f["createdDate"] for f in newest_first]
    assert dates == sorted(dates, reverse=True)
    oldest_first = _unanswered(wb, order="dateAsc")
    assert [f["id"] for f in oldest_first] == [f["id"] for f in reversed(newest_first)]
    truth = [f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answered"]]
    cutoff = sorted(f["created_ts"] for f in truth)[len(truth) // 2]
    window = _unanswered(wb, dateFrom=cutoff)
    assert {f["id"] for f in window} == {f["id"] for f in truth if f["created_ts"] >= cutoff}


def test_answering_moves_a_feedback_and_edit_is_allowed_once(wb, sandbox_shop):
    feedback = _unanswered(wb)[0]
    response = wb("POST", "/api/v1/feedbacks/answer", json={"id": feedback["id"], "text": "Спасибо за отзыв!"})
    assert response.status_code == 204 and response.content == b""
    assert feedback["id"] not in {f["id"] for f in _unanswered(wb)}
    answered = wb("GET", "/api/v1/feedback", params={"id": feedback["id"]}).json()["data"]
    assert answered["answer"] == {"text": "Спасибо за отзыв!", "state": "wbRu", "editable": True}
    assert answered["state"] == "wbRu"

    assert (
        wb("PATCH", "/api/v1/feedbacks/answer", json={"id": feedback["id"], "text": "Исправили ответ"}).status_code
        == 204
    )
    after_edit = wb("GET", "/api/v1/feedback", params={"id": feedback["id"]}).json()["data"]["answer"]
    assert after_edit == {"text": "Исправили ответ", "state": "wbRu", "editable": False}
    second = wb("PATCH", "/api/v1/feedbacks/answer", json={"id": feedback["id"], "text": "Ещё раз"})
    assert second.status_code == 400 and second.json()["error"] is True

    truth = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if f["id"] == feedback["id"])
    assert [(r["text"], r["count"], r["via"]) for r in truth["replies"]] == [
        ("Спасибо за отзыв!", 1, "POST /api/v1/feedbacks/answer"),
        ("Исправили ответ", 1, "PATCH /api/v1/feedbacks/answer"),
    ]


def test_answer_with_unknown_id_still_204_and_reaches_no_feedback(wb, sandbox_shop):
    response = wb("POST", "/api/v1/feedbacks/answer", json={"id": "nope", "text": "Спасибо!"})
    assert response.status_code == 204
    truth = sandbox_shop.truth()
    assert all(f["replies"] == [] for f in truth["wb"]["feedbacks"])
    assert truth["unmatched_replies"][0]["target"] == "nope"


def test_answer_body_errors_use_the_fbapi_shape(wb, sandbox_shop):
    feedback_id = sandbox_shop.truth()["wb"]["feedbacks"][0]["id"]
    no_type = wb("POST", "/api/v1/feedbacks/answer", data=b'{"id": "x", "text": "ok ok"}')
    assert no_type.status_code == 400 and no_type.json()["origin"] == "fbapi"
    short = wb("POST", "/api/v1/feedbacks/answer", json={"id": feedback_id, "text": "!"})
    assert short.status_code == 400 and short.json()["origin"] == "fbapi"
    assert wb("GET", "/api/v1/feedback", params={"id": "unknown"}).status_code == 422


def test_a_second_answer_is_refused_and_only_an_edit_replaces_it(wb, sandbox_shop):
    feedback_id = _unanswered(wb)[0]["id"]
    assert wb("POST", "/api/v1/feedbacks/answer", json={"id": feedback_id, "text": "Спасибо!"}).status_code == 204
    second = wb("POST", "/api/v1/feedbacks/answer", json={"id": feedback_id, "text": "Спасибо ещё раз!"})
    assert second.status_code == 400 and second.json()["origin"] == "fbapi"
    answer = wb("GET", "/api/v1/feedback", params={"id": feedback_id}).json()["data"]["answer"]
    assert answer == {"text": "Спасибо!", "state": "wbRu", "editable": True}
    truth = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if f["id"] == feedback_id)
    assert [(r["text"], r["count"]) for r in truth["replies"]] == [("Спасибо!", 1)]


def test_duplicate_delivery_is_counted_in_the_truth(wb, sandbox_shop):
    # A feedback refuses a second answer; a chat takes the same message twice, and the truth counts both.
    chat = sandbox_shop.truth()["wb"]["chats"][0]
    files = {"replySign": (None, chat["reply_sign"]), "message": (None, "Спасибо!")}
    for _ in range(2):
        assert wb("POST", "/api/v1/seller/message", files=files).status_code == 200
    truth = next(c for c in sandbox_shop.truth()["wb"]["chats"] if c["chat_id"] == chat["chat_id"])
    assert truth["replies"][0]["count"] == 2


def test_edited_review_pair_is_linked_both_ways(wb):
    everything = (
        _unanswered(wb)
        + wb("GET", "/api/v1/feedbacks", params={"isAnswered": "true", "take": 5000, "skip": 0}).json()["data"][
            "feedbacks"
        ]
    )
    by_id = {f["id"]: f for f in everything}
    children = [f for f in everything if f["parentFeedbackId"]]
    assert children
    for child in children:
        assert by_id[child["parentFeedbackId"]]["childFeedbackId"] == child["id"]


def test_questions_three_patch_forms(wb, sandbox_shop):
    # A generated shop's history may hold fewer than two unanswered questions: make sure of two.
    sandbox_shop.add_traffic(questions=2, marketplace="wb")
    questions = wb("GET", "/api/v1/questions", params={"isAnswered": "false", "take": 100, "skip": 0}).json()["data"][
        "questions"
    ]
    first, second = questions[0]["id"], questions[1]["id"]
    assert wb("PATCH", "/api/v1/questions", json={"id": first, "wasViewed": True}).json()["error"] is False
    assert wb("GET", "/api/v1/question", params={"id": first}).json()["data"]["wasViewed"] is True

    answered = wb("PATCH", "/api/v1/questions", json={"id": first, "answer": {"text": "Да, есть"}, "state": "wbRu"})
    assert answered.status_code == 200
    single = wb("GET", "/api/v1/question", params={"id": first}).json()["data"]
    assert single["state"] == "wbRu" and single["answer"]["text"] == "Да, есть" and single["answer"]["editable"] is True

    rejected = wb("PATCH", "/api/v1/questions", json={"id": second, "answer": {"text": "Не по теме"}, "state": "none"})
    assert rejected.status_code == 200
    remaining = wb("GET", "/api/v1/questions", params={"isAnswered": "false", "take": 100, "skip": 0}).json()["data"]
    assert {first, second}.isdisjoint({q["id"] for q in remaining["questions"]})
    assert wb("PATCH", "/api/v1/questions", json={"id": "nope", "wasViewed": True}).status_code == 404

    truth = {q["id"]: q for q in sandbox_shop.truth()["wb"]["questions"]}
    assert truth[first]["state"] == "wbRu" and truth[first]["replies"][0]["text"] == "Да, есть"
    assert truth[second]["state"] == "none" and truth[second]["answered"] is True


def test_counts_follow_the_items(wb, sandbox_shop):
    before = wb("GET", "/api/v1/feedbacks/count-unanswered").json()["data"]
    sandbox_shop.add_traffic(reviews=3, questions=2, marketplace="wb")
    after = wb("GET", "/api/v1/feedbacks/count-unanswered").json()["data"]
    assert after["countUnanswered"] == before["countUnanswered"] + 3
    assert after["countUnansweredToday"] >= 3
    assert wb("GET", "/api/v1/new-feedbacks-questions").json()["data"] == {
        "hasNewQuestions": True,
        "hasNewFeedbacks": True,
    }
    truth = sandbox_shop.truth()["wb"]
    assert wb("GET", "/api/v1/questions/count", params={"isAnswered": "false"}).json()["data"] == sum(
        1 for q in truth["questions"] if not q["answered"]
    )


def test_rate_limit_bucket_with_headers(sandbox_shop):
    sandbox_shop.state.monotonic = lambda: 1000.0  # a frozen bucket clock: no refill between requests
    session = requests.Session()
    session.headers["Authorization"] = sandbox_shop.wb_token
    url = sandbox_shop.url + "/api/v1/feedbacks/count-unanswered"
    remaining = [int(session.get(url, timeout=10).headers["X-Ratelimit-Remaining"]) for _ in range(6)]
    assert remaining == [5, 4, 3, 2, 1, 0]
    limited = session.get(url, timeout=10)
    assert limited.status_code == 429
    assert limited.headers["X-Ratelimit-Limit"] == "6"
    assert int(limited.headers["X-Ratelimit-Retry"]) >= 1
    assert int(limited.headers["X-Ratelimit-Reset"]) >= 1
    assert limited.json()["title"] == "too many requests" and limited.json()["status"] == 429
    assert "X-Ratelimit-Remaining" not in limited.headers
    # Two seconds later six requests' worth has refilled (3/s, capped at the burst).
    sandbox_shop.state.monotonic = lambda: 1002.0
    assert session.get(url, timeout=10).headers["X-Ratelimit-Remaining"] == "5"
    # The chat host has its own bucket.
    assert session.get(sandbox_shop.url + "/api/v1/seller/chats", timeout=10).status_code == 200


def test_question_list_order_matches_created_dates_even_within_one_second(wb, sandbox_shop):
    sandbox_shop.add_traffic(questions=6, marketplace="wb")
    for order, newest_first in (("dateAsc", False), ("dateDesc", True)):
        params = {"isAnswered": "false", "take": 100, "skip": 0, "order": order}
        questions = wb("GET", "/api/v1/questions", params=params).json()["data"]["questions"]
        dates = [q["createdDate"] for q in questions]
        assert dates == sorted(dates, reverse=newest_first) and len(set(dates)) == len(dates)
    newest = max(q["created_ts"] for q in sandbox_shop.truth()["wb"]["questions"])
    window = wb(
        "GET",
        "/api/v1/questions",
        params={"isAnswered": "false", "take": 100, "skip": 0, "dateFrom": newest, "dateTo": newest},
    )
    assert len(window.json()["data"]["questions"]) >= 6


def test_base_token_gets_wb_hourly_limits(sandbox_shop):
    token = sandbox_shop.mint_wb_token(access="base")
    url = sandbox_shop.url + "/api/v1/feedbacks/count-unanswered"
    first = requests.get(url, headers={"Authorization": token}, timeout=10)
    assert first.status_code == 200 and first.headers["X-Ratelimit-Remaining"] == "0"
    second = requests.get(url, headers={"Authorization": token}, timeout=10)
    assert second.status_code == 429
    assert int(second.headers["X-Ratelimit-Retry"]) >= 600  # 5 per hour: one every 12 minutes
    assert second.headers["X-Ratelimit-Limit"] == "1"
