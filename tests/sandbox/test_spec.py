"""Every WB response the sandbox produces validates against WB's own OpenAPI spec (and Ozon's where usable).

The sandbox is driven over real HTTP through every endpoint, success and error; each recorded response is
then checked with openapi-core against the marketplaces' own specs (tests/fixtures/specs, SOURCES.md there),
so the sandbox cannot drift.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import yaml
from django.conf import settings
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

SPECS = Path(settings.BASE_DIR) / "tests" / "fixtures" / "specs"
WB_FEEDBACKS_HOST = "https://feedbacks-api.wildberries.ru"
WB_CHAT_HOST = "https://buyer-chat-api.wildberries.ru"
WB_COMMON_HOST = "https://common-api.wildberries.ru"
OZON_HOST = "https://api-seller.ozon.ru"


# openapi-core knows application/json only; WB's chat 400s are application/problem+json (JSON too).
WB_CONFIG = Config(extra_media_type_deserializers={"application/problem+json": json.loads})


@pytest.fixture(scope="module")
def wb_spec() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPECS / "wb-communications.yaml"), config=WB_CONFIG)


@pytest.fixture(scope="module")
def wb_general_spec() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPECS / "wb-general.yaml"))


_LOOSE_TYPES = {"int64": ("integer", "int64"), "timestamp": ("string", "date-time"), "enum": ("string", None)}


def _tighten(node):
    """Ozon's swagger writes some types loosely ("int64", "timestamp", "enum", null); give them their meaning."""
    if isinstance(node, dict):
        loose_type = node.get("type", "")
        if "type" in node and (loose_type is None or (isinstance(loose_type, str) and loose_type in _LOOSE_TYPES)):
            loose = node.pop("type")
            if loose is not None:
                node["type"], fmt = _LOOSE_TYPES[loose]
                if fmt:
                    node["format"] = fmt
        if "items" in node and "type" not in node and "properties" not in node:
            node["type"] = "array"
        for value in node.values():
            _tighten(value)
    elif isinstance(node, list):
        for value in node:
            _tighten(value)
    return node


@pytest.fixture(scope="module")
def ozon_spec() -> OpenAPI:
    document = json.loads((SPECS / "ozon-seller-communications.subset.json").read_text())
    document = _tighten(copy.deepcopy(document))
    document["info"]["version"] = str(document["info"]["version"])
    document["servers"] = [{"url": OZON_HOST}]
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


class Recorder:
    """A requests session that keeps every (request, response) pair it made."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update(headers)
        self.calls: list[tuple[requests.PreparedRequest, requests.Response]] = []

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.base_url + path, timeout=10, **kwargs)
        self.calls.append((response.request, response))
        return response


def _validate(spec: OpenAPI, host: str, request: requests.PreparedRequest, response: requests.Response) -> None:
    url = urlsplit(request.url)
    mock_request = MockRequest(
        host,
        request.method.lower(),
        url.path,
        args=dict(parse_qsl(url.query, keep_blank_values=True)),
        headers=dict(request.headers),
    )
    content_type = response.headers.get("Content-Type", "application/json").split(";")[0]
    mock_response = MockResponse(
        response.content, status_code=response.status_code, headers=dict(response.headers), content_type=content_type
    )
    spec.validate_response(mock_request, mock_response)


def _wb_host(path: str) -> str:
    return WB_CHAT_HOST if path.startswith("/api/v1/seller/") else WB_FEEDBACKS_HOST


def _template(path: str) -> str:
    return "/api/v1/seller/download/{id}" if path.startswith("/api/v1/seller/download/") else path


def test_every_wb_endpoint_success_and_error_matches_the_spec(sandbox, sandbox_shop, wb_spec, wb_general_spec):
    sandbox.state.configure(rate_limits=False)
    wb = Recorder(sandbox.url, {"Authorization": sandbox_shop.wb_token})
    anonymous = Recorder(sandbox.url, {})
    sandbox_shop.add_traffic(reviews=3, questions=3, chats=2, chat_messages=3, marketplace="wb")
    truth = sandbox_shop.truth()["wb"]
    unanswered = next(f for f in truth["feedbacks"] if not f["answered"])
    open_questions = [q for q in truth["questions"] if not q["answered"]]

    # feedbacks
    wb("GET", "/api/v1/feedbacks", params={"isAnswered": "false", "take": 50, "skip": 0})
    wb("GET", "/api/v1/feedbacks", params={"isAnswered": "true", "take": 50, "skip": 0, "order": "dateAsc"})
    wb("GET", "/api/v1/feedbacks", params={"take": 5, "skip": 0})
    wb("GET", "/api/v1/feedbacks/archive", params={"take": 5, "skip": 0})
    wb("GET", "/api/v1/feedbacks/archive", params={"take": "x", "skip": 0})
    wb("GET", "/api/v1/feedbacks/count", params={"isAnswered": "false", "dateFrom": 0})
    wb("GET", "/api/v1/feedbacks/count", params={"dateFrom": "yesterday"})
    wb("GET", "/api/v1/feedbacks/count-unanswered")
    wb("GET", "/api/v1/feedback", params={"id": unanswered["id"]})
    wb("GET", "/api/v1/feedback", params={"id": "unknown"})
    wb("POST", "/api/v1/feedbacks/answer", json={"id": unanswered["id"], "text": "Спасибо за отзыв!"})
    wb("POST", "/api/v1/feedbacks/answer", json={"id": unanswered["id"], "text": "!"})
    wb("POST", "/api/v1/feedbacks/answer", json={"id": unanswered["id"], "text": "Второй ответ не принимается"})
    wb("PATCH", "/api/v1/feedbacks/answer", json={"id": unanswered["id"], "text": "Спасибо, ждём снова!"})
    wb("GET", "/api/v1/feedback", params={"id": unanswered["id"]})
    # questions
    wb("GET", "/api/v1/questions", params={"isAnswered": "false", "take": 50, "skip": 0})
    wb("GET", "/api/v1/questions", params={"isAnswered": "true", "take": 50, "skip": 0})
    wb("GET", "/api/v1/questions", params={"isAnswered": "false", "take": 9000, "skip": 1001})
    wb("GET", "/api/v1/questions/count", params={"isAnswered": "true"})
    wb("GET", "/api/v1/questions/count", params={"isAnswered": "perhaps"})
    wb("GET", "/api/v1/questions/count-unanswered")
    wb("GET", "/api/v1/new-feedbacks-questions")
    wb("PATCH", "/api/v1/questions", json={"id": open_questions[0]["id"], "wasViewed": True})
    wb(
        "PATCH",
        "/api/v1/questions",
        json={"id": open_questions[0]["id"], "answer": {"text": "Да, есть"}, "state": "wbRu"},
    )
    wb(
        "PATCH",
        "/api/v1/questions",
        json={"id": open_questions[1]["id"], "answer": {"text": "Не по теме"}, "state": "none"},
    )
    wb("PATCH", "/api/v1/questions", json={"id": "unknown", "wasViewed": True})
    wb("PATCH", "/api/v1/questions", json={"id": open_questions[2]["id"], "answer": {}, "state": "wbRu"})
    wb("GET", "/api/v1/question", params={"id": open_questions[0]["id"]})
    wb("GET", "/api/v1/question", params={"id": open_questions[2]["id"]})
    wb("GET", "/api/v1/question", params={"id": "unknown"})
    # chat
    chats = wb("GET", "/api/v1/seller/chats").json()["result"]
    first_page = wb("GET", "/api/v1/seller/events").json()["result"]
    wb("GET", "/api/v1/seller/events", params={"next": first_page["next"] + 10**9})
    wb("GET", "/api/v1/seller/events", params={"next": "soon"})
    files = {"replySign": (None, chats[0]["replySign"]), "message": (None, "Здравствуйте! Поможем.")}
    wb("POST", "/api/v1/seller/message", files=files)
    wb("POST", "/api/v1/seller/message", files={"replySign": (None, "1:bad:1:sign"), "message": (None, "Привет")})
    pdf = {"replySign": (None, chats[0]["replySign"]), "file": ("check.pdf", b"%PDF-1.4", "application/pdf")}
    wb("POST", "/api/v1/seller/message", files=pdf)
    events = wb("GET", "/api/v1/seller/events").json()["result"]["events"]
    download_ids = [
        item["downloadID"]
        for e in events
        for item in e.get("message", {}).get("attachments", {}).get("files", [])
        + e.get("message", {}).get("attachments", {}).get("images", [])
    ]
    wb("GET", f"/api/v1/seller/download/{download_ids[0]}")
    wb("GET", "/api/v1/seller/download/unknown")
    # auth and limits
    anonymous("GET", "/api/v1/feedbacks", params={"isAnswered": "false", "take": 1, "skip": 0})
    anonymous("GET", "/api/v1/seller/events")
    anonymous("PATCH", "/api/v1/questions", json={"id": "x", "wasViewed": True})
    sandbox.state.configure(rate_limits=True)
    sandbox.state.monotonic = lambda: 1000.0  # a frozen bucket clock: the burst runs out whatever the load
    for _ in range(8):
        wb("GET", "/api/v1/questions/count-unanswered")
    for _ in range(12):
        wb("GET", "/api/v1/seller/chats")

    undocumented = []
    covered = set()
    for request, response in wb.calls + anonymous.calls:
        path = urlsplit(request.url).path
        if (request.method, path, response.status_code) == ("PATCH", "/api/v1/feedbacks/answer", 400):
            undocumented.append(response)
            continue
        _validate(wb_spec, _wb_host(path), request, response)
        covered.add((request.method, _template(path), response.status_code))

    expected = {
        ("GET", "/api/v1/feedbacks", 200), ("GET", "/api/v1/feedbacks", 400), ("GET", "/api/v1/feedbacks", 401),
        ("GET", "/api/v1/feedbacks/archive", 200), ("GET", "/api/v1/feedbacks/archive", 400),
        ("GET", "/api/v1/feedbacks/count", 200), ("GET", "/api/v1/feedbacks/count", 400),
        ("GET", "/api/v1/feedbacks/count-unanswered", 200), ("GET", "/api/v1/feedback", 200),
        ("GET", "/api/v1/feedback", 422), ("POST", "/api/v1/feedbacks/answer", 204),
        ("POST", "/api/v1/feedbacks/answer", 400), ("PATCH", "/api/v1/feedbacks/answer", 204),
        ("GET", "/api/v1/questions", 200), ("GET", "/api/v1/questions", 400), ("GET", "/api/v1/questions/count", 200),
        ("GET", "/api/v1/questions/count", 400), ("GET", "/api/v1/questions/count-unanswered", 200),
        ("GET", "/api/v1/questions/count-unanswered", 429), ("GET", "/api/v1/new-feedbacks-questions", 200),
        ("PATCH", "/api/v1/questions", 200), ("PATCH", "/api/v1/questions", 400), ("PATCH", "/api/v1/questions", 401),
        ("PATCH", "/api/v1/questions", 404), ("GET", "/api/v1/question", 200), ("GET", "/api/v1/question", 422),
        ("GET", "/api/v1/seller/chats", 200), ("GET", "/api/v1/seller/chats", 429),
        ("GET", "/api/v1/seller/events", 200), ("GET", "/api/v1/seller/events", 400),
        ("GET", "/api/v1/seller/events", 401), ("POST", "/api/v1/seller/message", 200),
        ("POST", "/api/v1/seller/message", 400), ("GET", "/api/v1/seller/download/{id}", 200),
        ("GET", "/api/v1/seller/download/{id}", 400),
    }  # fmt: skip
    assert expected <= covered, sorted(expected - covered)
    assert not undocumented  # a first PATCH edit is allowed; only a second one is refused

    # /ping lives in the general spec (common-api host), and its 401/429 share the gateway shape.
    ping = Recorder(sandbox.url, {"Authorization": sandbox_shop.wb_token})
    for _ in range(4):
        ping("GET", "/ping")
    Recorder(sandbox.url, {})("GET", "/ping")
    statuses = [response.status_code for _request, response in ping.calls]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429
    for request, response in ping.calls:
        _validate(wb_general_spec, WB_COMMON_HOST, request, response)


def test_the_refused_second_edit_has_the_envelope_error_shape(sandbox, sandbox_shop):
    """The spec documents no 400 for PATCH /feedbacks/answer; we answer with the host's error envelope schema."""
    schema = yaml.safe_load((SPECS / "wb-communications.yaml").read_text())["components"]["schemas"][
        "responsefeedbackErr"
    ]
    sandbox.state.configure(rate_limits=False)
    wb = Recorder(sandbox.url, {"Authorization": sandbox_shop.wb_token})
    feedback = next(f for f in sandbox_shop.truth()["wb"]["feedbacks"] if not f["answered"])
    wb("POST", "/api/v1/feedbacks/answer", json={"id": feedback["id"], "text": "Спасибо!"})
    wb("PATCH", "/api/v1/feedbacks/answer", json={"id": feedback["id"], "text": "Спасибо большое!"})
    refused = wb("PATCH", "/api/v1/feedbacks/answer", json={"id": feedback["id"], "text": "И ещё раз"})
    assert refused.status_code == 400
    OAS30Validator(schema).validate(refused.json())
    assert refused.json()["error"] is True


def test_a_broken_response_would_fail_validation(wb_spec):
    """The validator is not a rubber stamp: a feedback with a numeric id is rejected."""
    request = MockRequest(
        WB_FEEDBACKS_HOST, "get", "/api/v1/feedbacks", args={"isAnswered": "false", "take": "1", "skip": "0"}
    )
    broken = MockResponse(b'{"data":{"feedbacks":[{"id":5}]}}', status_code=200, content_type="application/json")
    with pytest.raises(Exception, match="not valid"):
        wb_spec.validate_response(request, broken)


def test_ozon_responses_match_the_subset_spec(sandbox, sandbox_shop, ozon_spec):
    ozon = Recorder(sandbox.url, {"Client-Id": sandbox_shop.ozon_client_id, "Api-Key": sandbox_shop.ozon_api_key})
    sandbox_shop.add_traffic(reviews=25, chats=2, chat_messages=2, marketplace="ozon")
    truth = sandbox_shop.truth()["ozon"]
    chat_id = next(c["chat_id"] for c in truth["chats"] if c["chat_type"] == "Buyer_Seller")
    review_id = next(r["id"] for r in truth["reviews"] if r["status"] == "UNPROCESSED")
    question = truth["questions"][0]

    ozon("POST", "/v3/chat/list", json={"limit": 3, "filter": {"chat_status": "All", "unread_only": False}})
    ozon("POST", "/v3/chat/list", json={"limit": 0})
    ozon(
        "POST", "/v3/chat/history", json={"chat_id": chat_id, "direction": "Forward", "from_message_id": 0, "limit": 10}
    )
    ozon("POST", "/v3/chat/history", json={"chat_id": "unknown"})
    ozon("POST", "/v1/chat/send/message", json={"chat_id": chat_id, "text": "Здравствуйте!"})
    ozon("POST", "/v1/chat/send/message", json={"chat_id": chat_id, "text": ""})
    ozon("POST", "/v2/chat/read", json={"chat_id": chat_id})
    ozon("POST", "/v1/review/list", json={"limit": 20, "last_id": "", "sort_dir": "ASC", "status": "ALL"})
    ozon("POST", "/v1/review/list", json={"limit": 500})
    ozon("POST", "/v1/review/info", json={"review_id": review_id})
    ozon("POST", "/v1/review/count", json={})
    ozon(
        "POST",
        "/v1/review/comment/create",
        json={"review_id": review_id, "text": "Спасибо!", "mark_review_as_processed": True},
    )
    comments = ozon("POST", "/v1/review/comment/list", json={"review_id": review_id, "limit": 20}).json()["comments"]
    comment_id = comments[-1]["id"]
    ozon("POST", "/v1/review/comment/delete", json={"comment_id": comment_id})
    ozon("POST", "/v1/review/comment/delete", json={"comment_id": comment_id})
    ozon("POST", "/v1/review/change-status", json={"review_ids": [review_id], "status": "UNPROCESSED"})
    ozon("POST", "/v1/question/list", json={"filter": {"status": "ALL"}, "last_id": ""})
    ozon("POST", "/v1/question/info", json={"question_id": question["id"]})
    ozon("POST", "/v1/question/count", json={})
    ozon(
        "POST",
        "/v1/question/answer/create",
        json={"question_id": question["id"], "sku": question["sku"], "text": "Да, есть"},
    )
    answer_id = ozon(
        "POST", "/v1/question/answer/list", json={"question_id": question["id"], "sku": question["sku"]}
    ).json()["answers"][-1]["id"]
    ozon("POST", "/v1/question/answer/delete", json={"answer_id": answer_id, "sku": question["sku"]})
    ozon("POST", "/v1/question/change-status", json={"question_ids": [question["id"]], "status": "VIEWED"})
    sandbox_shop.settings(premium=False)
    ozon("POST", "/v3/chat/history", json={"chat_id": chat_id})

    statuses = set()
    for request, response in ozon.calls:
        _validate(ozon_spec, OZON_HOST, request, response)
        statuses.add(response.status_code)
    assert statuses == {200, 400, 403, 404}


def test_a_broken_ozon_response_would_fail_validation(ozon_spec):
    request = MockRequest(OZON_HOST, "post", "/v3/chat/history", data=b'{"chat_id": "x"}')
    broken = MockResponse(b'{"has_next": "yes", "messages": []}', status_code=200, content_type="application/json")
    with pytest.raises(Exception, match="not valid"):
        ozon_spec.validate_response(request, broken)
