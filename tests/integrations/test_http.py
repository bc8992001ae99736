"""The network seam against a tiny local HTTP server: status → typed error, retry headers, timeouts,
malformed bodies, secrets kept out of errors and logs, writes never resent."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations import http
from integrations.errors import (
    AuthFailed,
    BadResponse,
    PermanentError,
    RateLimited,
    SubscriptionRequired,
    TransientError,
)
from integrations.ozon import chats as ozon_chats
from integrations.ozon.client import OzonAuth
from integrations.wildberries import chats as wb_chats
from integrations.wildberries import feedbacks as wb_feedbacks
from integrations.wildberries.client import wb_auth

PORTS = range(8401, 8410)
TOKEN = "secret-wb-token-that-must-never-leak-0123456789"
API_KEY = "ozon-api-key-that-must-never-leak-9876543210"


class ScriptedServer:
    """Answers each path with a scripted (status, headers, body, delay_s, drop). Records what it received."""

    def __init__(self) -> None:
        self.routes: dict[str, dict] = {}
        self.received: list[dict] = []
        self.sockets: list[socket.socket] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def setup(self):
                super().setup()
                server.sockets.append(self.connection)

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                server.received.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                route = server.routes.get(path, {"status": 404, "body": {"title": "path not found"}})
                if route.get("delay"):
                    time.sleep(route["delay"])
                if route.get("drop"):
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                raw = route.get("raw")
                payload = raw if raw is not None else json.dumps(route.get("body", {}), ensure_ascii=False).encode()
                self.send_response(route.get("status", 200))
                for name, value in (route.get("headers") or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = _serve

        last_error = None
        for port in PORTS:
            try:
                self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError as exc:
                last_error = exc
        else:
            raise RuntimeError(f"no free port in {PORTS}: {last_error}")
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a client that timed out is expected here
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, path: str, **spec) -> None:
        self.routes[path] = spec

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        # Keep-alive connections would otherwise outlive the server and answer the next test's requests.
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def local_server(settings):
    server = ScriptedServer()
    settings.WB_FEEDBACKS_BASE_URL = server.url
    settings.WB_CHAT_BASE_URL = server.url
    settings.OZON_BASE_URL = server.url
    settings.MARKETPLACE_TIMEOUT_SECONDS = 0.5
    yield server
    server.stop()


def gateway(status: int, title: str, detail: str) -> dict:
    return {"title": title, "detail": detail, "requestId": "r", "origin": "s2s-api-auth-catalog", "status": status}


def test_wb_401_is_auth_failed_and_the_token_never_leaks(local_server, caplog):
    local_server.route("/api/v1/feedbacks", status=401, body=gateway(401, "unauthorized", f"token problem; {TOKEN}"))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthFailed) as info:
        wb_feedbacks.list_feedbacks(wb_auth(TOKEN), is_answered=False)
    assert info.value.status == 401
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text
    assert local_server.received[0]["headers"]["Authorization"] == TOKEN  # the bare token, as WB's spec says


def test_wb_403_envelope_is_auth_failed(local_server):
    local_server.route(
        "/api/v1/feedbacks",
        status=403,
        body={"data": None, "error": True, "errorText": "Ошибка авторизации", "additionalErrors": None},
    )
    with pytest.raises(AuthFailed):
        wb_feedbacks.list_feedbacks(wb_auth(TOKEN), is_answered=True)


def test_wb_400_with_secret_in_detail_is_permanent_and_scrubbed(local_server):
    local_server.route(
        "/api/v1/feedbacks", status=400, body={"data": None, "error": True, "errorText": f"Плохой формат take {TOKEN}"}
    )
    with pytest.raises(PermanentError) as info:
        wb_feedbacks.list_feedbacks(wb_auth(TOKEN), is_answered=True)
    assert "Плохой формат take" in info.value.message
    assert TOKEN not in info.value.message


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Retry-After": "7"}, 7.0), ({"X-Ratelimit-Retry": "2", "X-Ratelimit-Limit": "6"}, 2.0), ({}, 1.0)],
)
def test_429_is_rate_limited_with_retry_after_from_headers(local_server, headers, expected):
    local_server.route(
        "/api/v1/seller/events", status=429, headers=headers, body=gateway(429, "too many requests", "limited")
    )
    with pytest.raises(RateLimited) as info:
        wb_chats.list_events(wb_auth(TOKEN))
    assert info.value.retry_after == expected


def test_5xx_is_transient_and_not_ambiguous(local_server):
    local_server.route("/api/v1/seller/chats", status=502, body={"title": "bad gateway"})
    with pytest.raises(TransientError) as info:
        wb_chats.list_chats(wb_auth(TOKEN))
    assert info.value.ambiguous is False
    assert not isinstance(info.value, BadResponse)


def test_read_timeout_is_ambiguous_transient(local_server):
    local_server.route("/api/v1/seller/events", delay=1.5, body={"result": {"events": []}})
    started = time.monotonic()
    with pytest.raises(TransientError) as info:
        wb_chats.list_events(wb_auth(TOKEN))
    assert info.value.ambiguous is True
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 1.4  # the timeout is enforced, not the server's pace


def test_connection_refused_is_transient_not_ambiguous(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.WB_CHAT_BASE_URL = f"http://127.0.0.1:{port}"
    with pytest.raises(TransientError) as info:
        wb_chats.list_chats(wb_auth(TOKEN))
    assert info.value.ambiguous is False
    assert info.value.code == "connect_error"


def test_malformed_json_is_bad_response(local_server):
    local_server.route("/api/v1/feedbacks", raw=b'{"data": {"feedbacks": [{"id": "x"')
    with pytest.raises(BadResponse) as info:
        wb_feedbacks.list_feedbacks(wb_auth(TOKEN), is_answered=False)
    assert isinstance(info.value, TransientError)


def test_wrong_envelope_is_bad_response(local_server):
    local_server.route("/api/v1/feedbacks", body={"feedbacks": []})
    with pytest.raises(BadResponse):
        wb_feedbacks.list_feedbacks(wb_auth(TOKEN), is_answered=False)


def test_a_write_is_sent_once_even_when_the_connection_drops(local_server):
    local_server.route("/api/v1/seller/message", drop=True)
    with pytest.raises(TransientError) as info:
        wb_chats.send_message(wb_auth(TOKEN), reply_sign="1:abc:1:ff", text="Здравствуйте!")
    assert info.value.ambiguous is True
    assert [r["path"] for r in local_server.received] == ["/api/v1/seller/message"]
    body = local_server.received[0]["body"].decode()
    assert "multipart/form-data" in local_server.received[0]["headers"]["Content-Type"]
    assert 'name="replySign"' in body and "Здравствуйте!" in body


OZON = OzonAuth(client_id="123", api_key=API_KEY)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"code": 5, "message": "Invalid Api-Key, please check the key and try again", "details": []}, AuthFailed),
        (400, {"code": 3, "message": "Client-Id header value should be positive integer"}, AuthFailed),
        (403, {"code": 7, "message": "Premium Plus subscription required", "details": []}, SubscriptionRequired),
        (404, {"code": 5, "message": "chat not found", "details": []}, PermanentError),
        (400, {"code": 3, "message": "limit must be in 1..1000", "details": []}, PermanentError),
        (429, {"code": 8, "message": "You have reached request rate limit per second"}, RateLimited),
        (500, {"code": 13, "message": "internal"}, TransientError),
    ],
)
def test_ozon_status_mapping(local_server, status, body, error):
    local_server.route("/v3/chat/history", status=status, body=body)
    with pytest.raises(error) as info:
        ozon_chats.chat_history(OZON, chat_id="c1", from_message_id="3000000000817031942")
    if error is PermanentError:
        assert not isinstance(info.value, AuthFailed)
    assert API_KEY not in str(info.value)
    sent = local_server.received[0]
    assert sent["method"] == "POST"
    assert sent["headers"]["Client-Id"] == "123" and sent["headers"]["Api-Key"] == API_KEY
    # uint64 message id goes out exactly, as a JSON integer
    assert b'"from_message_id": 3000000000817031942' in sent["body"]


def test_subscription_required_is_an_auth_failure_with_a_plain_message(local_server):
    local_server.route("/v1/review/list", status=403, body={"code": 7, "message": "Premium Plus subscription required"})
    from integrations.ozon import reviews

    with pytest.raises(AuthFailed) as info:
        reviews.list_reviews(OZON)
    assert isinstance(info.value, SubscriptionRequired)
    assert "Premium Plus" in info.value.message


def test_retry_after_parsing():
    assert http.parse_retry_after({"Retry-After": "3"}) == 3.0
    assert http.parse_retry_after({"Retry-After": "soon", "X-Ratelimit-Retry": "4"}) == 4.0
    assert http.parse_retry_after({}, attempt=2) == 4.0


def test_pools_are_kept_per_host():
    a = http.pool_for("http://127.0.0.1:8401/api/v1/feedbacks")
    b = http.pool_for("http://127.0.0.1:8401/api/v1/questions")
    c = http.pool_for("http://127.0.0.1:8402/x")
    assert a is b and a is not c


def test_a_5xx_is_not_ambiguous_even_on_a_write(local_server):
    local_server.route("/v1/chat/send/message", status=503, body={"code": 13, "message": "unavailable"})
    with pytest.raises(TransientError) as write:
        ozon_chats.send_message(OZON, chat_id="c1", text="Здравствуйте!")
    assert write.value.ambiguous is False
    assert len(local_server.received) == 1  # and never resent by the seam


def test_a_write_answered_2xx_with_an_unreadable_body_counts_as_sent(local_server):
    local_server.route("/v1/review/comment/create", raw=b"<html>ok</html>")
    from integrations.ozon import reviews

    assert reviews.create_comment(OZON, review_id="r1", text="Спасибо!") == ""  # sent; no id to read back
    local_server.route("/v1/review/list", raw=b"<html>ok</html>")
    with pytest.raises(BadResponse):
        reviews.list_reviews(OZON)


def test_credentials_never_show_in_a_repr():
    assert TOKEN not in repr(wb_auth(TOKEN))
    assert API_KEY not in repr(OZON)
