"""A local OpenAI-compatible server for the LLM client's tests: real HTTP, scripted answers.

`POST /chat/completions` and `POST /v1/chat/completions` answer from a script: each request takes the next
scripted `Reply`; when the script runs out, a `respond()` function of the request answers, else the `fallback` (a 500 unless a test sets one). Every
request is recorded (path, headers, JSON body, arrival time) so a test can assert what the client sent.
The `fake_llm` fixture starts one server per test and points settings.AI_BASE_URL at it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

TEST_API_KEY = "sk-test-0123456789abcdef-secret"


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # a dict or list is sent as JSON, a str as it is
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float  # time.monotonic() on arrival

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body["messages"]

    def data_block(self) -> tuple[str, dict[str, Any]]:
        """The fence token named in the last user message and the JSON between its markers."""
        user = next(message["content"] for message in self.messages if message["role"] == "user")
        token = re.search(r"^Токен блока данных: ([0-9a-f]+)$", user, re.MULTILINE).group(1)
        inside = user.split(f"<<<DATA {token}>>>\n", 1)[1].split(f"\n<<<END DATA {token}>>>", 1)[0]
        return token, json.loads(inside)

    @property
    def purpose(self) -> str:
        """analysis, draft or quality, by the system prompt; a repair carries the model's earlier answer."""
        system = str(self.messages[0].get("content", ""))
        if system.startswith("Ты оцениваешь"):
            return "quality"
        return "draft" if system.startswith("Ты пишешь") else "analysis"

    def text(self) -> str:
        """Every message's content, joined: what the model would read."""
        return "\n".join(str(message.get("content", "")) for message in self.messages)


def answer(
    content: Any,
    *,
    prompt_tokens: int = 1000,
    completion_tokens: int = 100,
    cached_tokens: int | None = None,
    deepseek_cache: tuple[int, int] | None = None,
    model: str = "deepseek-chat",
    finish_reason: str = "stop",
    delay_seconds: float = 0.0,
) -> Reply:
    """A chat completion whose message content is `content` (a dict is JSON-encoded, a str sent as is)."""
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached_tokens}
    if deepseek_cache is not None:
        usage["prompt_cache_hit_tokens"], usage["prompt_cache_miss_tokens"] = deepseek_cache
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}],
        "usage": usage,
    }
    return Reply(body=body, delay_seconds=delay_seconds)


def error(status: int, *, retry_after: str | None = None, message: str = "error", delay_seconds: float = 0.0) -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    body = {"error": {"message": message, "type": "error", "code": str(status)}}
    return Reply(status=status, body=body, headers=headers, delay_seconds=delay_seconds)


class FakeLLM:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.fallback: Reply = error(500, message="the test scripted no more answers")
        self._script: list[Reply] = []
        self._responder: Any = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-llm", daemon=True
        )
        self._stopped = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply) -> FakeLLM:
        with self._lock:
            self._script.extend(replies)
        return self

    def respond(self, responder: Any) -> FakeLLM:
        """Answer each request with `responder(received)` (once the script is used up)."""
        with self._lock:
            self._responder = responder
        return self

    def always(self, reply: Reply) -> FakeLLM:
        with self._lock:
            self.fallback = reply
        return self

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._server.shutdown()
            self._server.server_close()

    def _next(self, received: Received) -> Reply:
        with self._lock:
            if self._script:
                return self._script.pop(0)
            responder = self._responder
        return responder(received) if responder is not None else self.fallback

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as two writes: without this, Nagle and the client's delayed ACK add 40 ms.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                arrived = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                received = Received(self.path, dict(self.headers), body, arrived)
                with fake._lock:
                    fake.requests.append(received)
                if self.path not in ("/chat/completions", "/v1/chat/completions"):
                    self._send(error(404, message="no such path"))
                    return
                self._send(fake._next(received))

            def _send(self, reply: Reply) -> None:
                if reply.delay_seconds:
                    time.sleep(reply.delay_seconds)
                payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body, ensure_ascii=False)
                data = payload.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and went away
                    pass

        return Handler


@pytest.fixture
def fake_llm(settings):
    """A running fake LLM API; settings point the client at it with short timeouts."""
    from ai.llm.client import reset_client

    server = FakeLLM().start()
    settings.AI_BASE_URL = server.url
    settings.DEEPSEEK_API_KEY = TEST_API_KEY
    settings.AI_MODEL = "deepseek-chat"
    settings.AI_TIMEOUT_SECONDS = 2.0
    settings.AI_DEADLINE_SECONDS = 6.0
    settings.AI_MAX_ATTEMPTS = 3
    reset_client()
    try:
        yield server
    finally:
        server.stop()
        reset_client()
