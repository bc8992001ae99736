"""The sandbox's control API, fault injection, CDN, determinism and the management command."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings as django_settings

from sandbox import catalog
from sandbox.credentials import ozon_credentials
from sandbox.server import SandboxServer
from sandbox.state import SandboxState


def _wb_session(shop) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = shop.wb_token
    return session


def _faults(sandbox, **config) -> dict:
    response = requests.post(sandbox.url + "/sandbox/faults", json=config, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# --- determinism ---
def test_same_seed_same_world_other_seed_other_world():
    epoch = 1_790_000_000
    first = SandboxState(seed=5, epoch=epoch)
    second = SandboxState(seed=5, epoch=epoch)
    other = SandboxState(seed=6, epoch=epoch)
    for shop_no in (1, 42, 1000):
        assert first.truth(shop_no) == second.truth(shop_no)
        assert first.truth(shop_no)["wb"]["feedbacks"] != other.truth(shop_no)["wb"]["feedbacks"]
    first.add_traffic(42, reviews=3, questions=2, chats=2, chat_messages=3)
    second.add_traffic(42, reviews=3, questions=2, chats=2, chat_messages=3)
    left, right = first.truth(42), second.truth(42)
    assert [f["text"] for f in left["wb"]["feedbacks"]] == [f["text"] for f in right["wb"]["feedbacks"]]
    assert [r["id"] for r in left["ozon"]["reviews"]] == [r["id"] for r in right["ozon"]["reviews"]]


def test_shops_differ_and_are_generated_lazily(sandbox):
    assert sandbox.state.stats()["shops"] == 0
    one, two = sandbox.state.truth(1), sandbox.state.truth(2)
    assert {f["id"] for f in one["wb"]["feedbacks"]}.isdisjoint({f["id"] for f in two["wb"]["feedbacks"]})
    assert sandbox.state.stats()["shops"] == 2
    truth = one["wb"]
    ratings = {f["rating"] for f in truth["feedbacks"]}
    assert ratings <= {1, 2, 3, 4, 5} and len(ratings) >= 2
    assert all(f["user_name"] and f["nm_id"] for f in truth["feedbacks"])


# --- control API over HTTP ---
def test_traffic_truth_settings_and_reset_over_http(sandbox, sandbox_shop):
    url = f"{sandbox.url}/sandbox/shops/{sandbox_shop.shop_no}"
    before = requests.get(url + "/truth", timeout=10).json()["totals"]
    created = requests.post(
        url + "/traffic",
        json={"reviews": 2, "questions": 1, "chats": 1, "chat_messages": 2, "marketplace": "both"},
        timeout=10,
    ).json()["created"]
    after = requests.get(url + "/truth", timeout=10).json()
    assert after["totals"]["wb_feedbacks"] == before["wb_feedbacks"] + 2
    assert after["totals"]["ozon_reviews"] == before["ozon_reviews"] + 2
    assert after["totals"]["wb_chats"] == before["wb_chats"] + 1
    assert after["totals"]["wb_chat_events"] == before["wb_chat_events"] + 3
    assert set(created["wb_feedbacks"]) <= {f["id"] for f in after["wb"]["feedbacks"]}
    assert set(created["ozon_messages"]) <= {m["message_id"] for c in after["ozon"]["chats"] for m in c["messages"]}

    wb_only = requests.post(url + "/traffic", json={"questions": 1, "marketplace": "wb"}, timeout=10).json()["created"]
    assert set(wb_only) == {"wb_feedbacks", "wb_questions", "wb_chats", "wb_chat_events"}
    assert requests.post(url + "/traffic", json={"reviews": -1}, timeout=10).status_code == 400
    assert requests.post(url + "/traffic", json={"marketplace": "amazon"}, timeout=10).status_code == 400

    assert requests.post(url + "/settings", json={"premium": False}, timeout=10).json()["premium"] is False
    assert requests.get(url + "/truth", timeout=10).json()["ozon"]["premium"] is False

    bulk = requests.post(
        sandbox.url + "/sandbox/traffic", json={"shop_nos": [sandbox_shop.shop_no, 777], "reviews": 1}, timeout=10
    )
    assert set(bulk.json()["created"]) == {str(sandbox_shop.shop_no), "777"}

    assert requests.post(sandbox.url + "/sandbox/reset", timeout=10).json() == {"reset": True}
    assert requests.get(sandbox.url + "/sandbox/stats", timeout=10).json()["shops"] == 0
    regenerated = requests.get(url + "/truth", timeout=10).json()
    assert regenerated["totals"] == before and regenerated["ozon"]["premium"] is True


# --- faults ---
def test_rate_limit_and_bad_token_faults_have_real_shapes(sandbox, sandbox_shop):
    session = _wb_session(sandbox_shop)
    _faults(sandbox, rate=1.0, kinds=["rate_limit"], seed=1)
    limited = session.get(sandbox.url + "/api/v1/feedbacks/count-unanswered", timeout=10)
    assert limited.status_code == 429 and limited.json()["title"] == "too many requests"
    assert {"X-Ratelimit-Retry", "X-Ratelimit-Limit", "X-Ratelimit-Reset"} <= set(limited.headers)
    ozon_headers = {"Client-Id": sandbox_shop.ozon_client_id, "Api-Key": sandbox_shop.ozon_api_key}
    ozon_limited = requests.post(sandbox.url + "/v1/review/count", json={}, headers=ozon_headers, timeout=10)
    assert ozon_limited.status_code == 429 and ozon_limited.json()["code"] == 8

    _faults(sandbox, rate=1.0, kinds=["bad_token"])
    assert session.get(sandbox.url + "/api/v1/seller/chats", timeout=10).status_code == 401
    bad = requests.post(sandbox.url + "/v1/review/count", json={}, headers=ozon_headers, timeout=10)
    assert bad.status_code == 404 and bad.json()["code"] == 5

    assert requests.delete(sandbox.url + "/sandbox/faults", timeout=10).status_code == 200
    assert session.get(sandbox.url + "/api/v1/seller/chats", timeout=10).status_code == 200


def test_server_error_and_timeout_do_nothing(sandbox, sandbox_shop):
    session = _wb_session(sandbox_shop)
    feedback_id = sandbox_shop.truth()["wb"]["feedbacks"][0]["id"]
    answer = {"id": feedback_id, "text": "Спасибо за отзыв!"}
    _faults(sandbox, rate=1.0, kinds=["server_error"])
    response = session.post(sandbox.url + "/api/v1/feedbacks/answer", json=answer, timeout=10)
    assert response.status_code in (500, 502, 503)
    _faults(sandbox, rate=1.0, kinds=["timeout"], timeout_s=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(sandbox.url + "/api/v1/feedbacks/answer", json=answer, timeout=0.3)
    time.sleep(1.0)
    assert sandbox_shop.truth()["wb"]["feedbacks"][0]["replies"] == []


def test_timeout_after_write_is_the_ambiguous_case(sandbox, sandbox_shop):
    session = _wb_session(sandbox_shop)
    chat = sandbox_shop.truth()["wb"]["chats"][0]
    _faults(sandbox, rate=1.0, kinds=["timeout_after_write"], timeout_s=1.0, paths=["/api/v1/seller/message"])
    files = {"replySign": (None, chat["reply_sign"]), "message": (None, "Отправим завтра")}
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(sandbox.url + "/api/v1/seller/message", files=files, timeout=0.3)
    after = next(c for c in sandbox_shop.truth()["wb"]["chats"] if c["chat_id"] == chat["chat_id"])
    assert [(r["text"], r["count"]) for r in after["replies"]] == [("Отправим завтра", 1)]
    # The write is visible in the feed, so a careful sender finds it before resending.
    events = session.get(sandbox.url + "/api/v1/seller/events", timeout=10).json()["result"]["events"]
    assert any(
        e.get("message", {}).get("text") == "Отправим завтра" and e["source"] == "seller-public-api" for e in events
    )


def test_malformed_breaks_reads_but_never_hides_a_write(sandbox, sandbox_shop):
    session = _wb_session(sandbox_shop)
    _faults(sandbox, rate=1.0, kinds=["malformed"])
    broken = session.get(sandbox.url + "/api/v1/feedbacks/count-unanswered", timeout=10)
    assert broken.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.text)
    # An unanswered one: the seeded history is answered, and WB refuses a second answer.
    index, feedback_id = next(
        (i, f["id"]) for i, f in enumerate(sandbox_shop.truth()["wb"]["feedbacks"]) if not f["answered"]
    )
    written = session.post(
        sandbox.url + "/api/v1/feedbacks/answer", json={"id": feedback_id, "text": "Спасибо!"}, timeout=10
    )
    assert written.status_code == 204
    assert sandbox_shop.truth()["wb"]["feedbacks"][index]["replies"][0]["count"] == 1


def test_latency_and_path_prefixes(sandbox, sandbox_shop):
    session = _wb_session(sandbox_shop)
    sandbox.state.configure(rate_limits=False)
    _faults(sandbox, latency_ms=600, paths=["/api/v1/seller/"])
    started = time.monotonic()
    assert session.get(sandbox.url + "/api/v1/seller/chats", timeout=10).status_code == 200
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    assert session.get(sandbox.url + "/api/v1/feedbacks/count-unanswered", timeout=10).status_code == 200
    assert time.monotonic() - started < 0.6


def test_fault_rate_is_roughly_honoured_and_seeded(sandbox, sandbox_shop):
    session = _wb_session(sandbox_shop)
    sandbox.state.configure(rate_limits=False)
    _faults(sandbox, rate=0.3, kinds=["server_error"], seed=7)
    first = [session.get(sandbox.url + "/api/v1/feedbacks/count", timeout=10).status_code for _ in range(200)]
    _faults(sandbox, rate=0.3, kinds=["server_error"], seed=7)
    second = [session.get(sandbox.url + "/api/v1/feedbacks/count", timeout=10).status_code for _ in range(200)]
    failed = sum(1 for status in first if status >= 500)
    assert 30 <= failed <= 90
    assert [s >= 500 for s in first] == [s >= 500 for s in second]  # same seed, same draws


def test_bad_fault_config_is_refused(sandbox):
    assert requests.post(sandbox.url + "/sandbox/faults", json={"rate": 2}, timeout=10).status_code == 400
    assert requests.post(sandbox.url + "/sandbox/faults", json={"kinds": ["meteor"]}, timeout=10).status_code == 400
    assert requests.post(sandbox.url + "/sandbox/faults", json={"rat": 0.1}, timeout=10).status_code == 400


def test_faults_never_touch_the_control_api(sandbox, sandbox_shop):
    _faults(sandbox, rate=1.0, kinds=["server_error", "malformed", "bad_token"])
    assert (
        requests.get(f"{sandbox.url}/sandbox/shops/{sandbox_shop.shop_no}/truth", timeout=10).json()["shop_no"]
        == sandbox_shop.shop_no
    )


# --- CDN ---
def _cdn_url(sandbox, basket: int, nm_id: int, leaf: str = "ru/card.json") -> str:
    return f"{sandbox.url}/cdn/basket-{basket:02d}/vol{nm_id // 100000}/part{nm_id // 1000}/{nm_id}/info/{leaf}"


def test_cdn_cards_live_on_their_basket_some_on_a_neighbour_some_nowhere(sandbox, sandbox_shop):
    nm_ids = sorted(
        {f["nm_id"] for f in sandbox_shop.truth()["wb"]["feedbacks"]}
        | set(sandbox.state.shop(sandbox_shop.shop_no).nm_ids)
    )
    kinds = set()
    for nm_id in nm_ids:
        home, real = catalog.table_basket(nm_id), catalog.card_basket(nm_id)
        at_home = requests.get(_cdn_url(sandbox, home, nm_id), timeout=10)
        if real is None:
            kinds.add("missing")
            assert at_home.status_code == 404
            assert requests.get(_cdn_url(sandbox, home + 1, nm_id), timeout=10).status_code == 404
        elif real == home:
            kinds.add("home")
            card = at_home.json()
            assert card["nm_id"] == nm_id and card["imt_name"] and "price" not in card
        else:
            kinds.add("neighbour")
            assert at_home.status_code == 404
            assert requests.get(_cdn_url(sandbox, real, nm_id), timeout=10).json()["nm_id"] == nm_id
    assert kinds == {"home", "neighbour", "missing"}


def test_cdn_price_history_in_kopecks(sandbox):
    nm_id = next(n for n in range(287_700_029, 287_800_000) if catalog.card_basket(n) and catalog.has_price_history(n))
    history = requests.get(
        _cdn_url(sandbox, catalog.card_basket(nm_id), nm_id, "price-history.json"), timeout=10
    ).json()
    assert history and all(isinstance(p["dt"], int) and isinstance(p["price"]["RUB"], int) for p in history)
    assert all(p["price"]["RUB"] % 100 == 0 for p in history)
    # The README's spot checks: vol 2163 -> 14, 1868 -> 12, 4585 -> 26, 6896 -> 33.
    assert [catalog.table_basket(v * 100_000) for v in (2163, 1868, 4585, 6896)] == [14, 12, 26, 33]


# --- the management command ---
def test_sandbox_marketplace_command_serves_with_latency_and_stops_on_sigterm(tmp_path):
    port = 8304
    log = (tmp_path / "sandbox.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "sandbox_marketplace", "--port", str(port), "--latency-ms", "120", "--seed", "3"],
        cwd=django_settings.BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # Django starts slowly on a busy 2-core machine
        while time.monotonic() < deadline and process.poll() is None:
            try:
                requests.get(url + "/sandbox/stats", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        client_id, api_key = ozon_credentials(shop_no=9, secret=django_settings.SANDBOX_SECRET)
        started = time.monotonic()
        response = requests.post(
            url + "/v1/review/count", json={}, headers={"Client-Id": client_id, "Api-Key": api_key}, timeout=10
        )
        assert response.status_code == 200 and response.json()["total"] > 0
        assert time.monotonic() - started >= 0.12
        # Its world is the one the seed describes.
        served = requests.get(url + "/sandbox/shops/9/truth", timeout=10).json()["ozon"]["reviews"]
        assert [r["id"] for r in served] == [r["id"] for r in SandboxState(seed=3).truth(9)["ozon"]["reviews"]]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        log.close()
    assert "Sandbox marketplace on http://127.0.0.1:8304" in (tmp_path / "sandbox.log").read_text()


# --- the server itself ---
def test_keep_alive_serves_many_requests_on_one_connection(sandbox, sandbox_shop):
    connection = http.client.HTTPConnection(sandbox.host, sandbox.port, timeout=10)
    connection.request("GET", "/sandbox/stats")
    connection.getresponse().read()
    sock = connection.sock
    for _ in range(5):
        connection.request("GET", "/api/v1/seller/chats", headers={"Authorization": sandbox_shop.wb_token})
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["result"]
        assert response.getheader("Connection") != "close"
    assert connection.sock is sock  # the same TCP connection all along
    connection.close()


def test_concurrent_writers_lose_nothing_and_duplicate_nothing(sandbox, sandbox_shop):
    sandbox.state.configure(rate_limits=False)
    sandbox_shop.add_traffic(chats=20, marketplace="wb")
    chats = sandbox_shop.truth()["wb"]["chats"]

    def send(chat: dict) -> list[int]:
        session = _wb_session(sandbox_shop)
        statuses = []
        for i in range(5):
            files = {"replySign": (None, chat["reply_sign"]), "message": (None, f"Ответ {i}")}
            statuses.append(session.post(sandbox.url + "/api/v1/seller/message", files=files, timeout=10).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(send, chats))
    assert all(status == 200 for statuses in results for status in statuses)
    truth = sandbox_shop.truth()["wb"]
    for chat in truth["chats"]:
        assert sorted(r["text"] for r in chat["replies"]) == [f"Ответ {i}" for i in range(5)]
        assert all(r["count"] == 1 for r in chat["replies"])
    stamps = [e["add_timestamp"] for chat in truth["chats"] for e in chat["events"]]
    assert len(stamps) == len(set(stamps))  # the events cursor can never skip one


def test_unknown_paths_get_wb_path_not_found_even_under_faults(sandbox):
    _faults(sandbox, rate=1.0, kinds=["rate_limit", "server_error"])
    response = requests.get(sandbox.url + "/api/v9/nothing", timeout=10)
    assert response.status_code == 404 and response.json()["title"] == "path not found"


def test_background_traffic_fills_every_shop_seen_so_far():
    server = SandboxServer("127.0.0.1", 8305, 1, traffic_interval=0.2).start()
    try:
        before = server.state.truth(5)["totals"]  # the shop is "seen" now
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and server.state.truth(5)["totals"] == before:
            time.sleep(0.1)
        after = server.state.truth(5)["totals"]
        assert after != before
        assert all(after[key] >= before[key] for key in before)
        assert server.state.stats()["shops"] == 1  # it does not invent shops nobody asked for
    finally:
        server.stop()


def test_chunked_request_bodies_are_read(sandbox, sandbox_shop):
    headers = {"Client-Id": sandbox_shop.ozon_client_id, "Api-Key": sandbox_shop.ozon_api_key}
    chunks = iter([b'{"limit":', b" 1000}"])  # a generator body goes out with Transfer-Encoding: chunked
    response = requests.post(sandbox.url + "/v3/chat/list", data=chunks, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    assert len(response.json()["chats"]) == len(sandbox_shop.truth()["ozon"]["chats"])
