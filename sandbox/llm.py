"""A sandbox LLM: an OpenAI-compatible `POST /v1/chat/completions` that answers AgentIQ's two prompts the way a
model would, for the AI benchmark and for trying the LLM path in `make run` without a key.

It reads the fenced data block of the user message (the real prompt, as `ai.llm.prompts` builds it), answers
an analysis with the offline analyzer's verdict and a draft with the offline templates, waits `latency` (a
real model takes 0.3–3 s), and reports usage as an API does: tokens counted from the characters (Russian runs
about 3 characters a token), the system prompt's share as prefix-cache hits after the first call. Nothing
here is product code: production never imports `sandbox`.

    python manage.py sandbox_llm --port 8092 --latency-ms 300
    AI_BASE_URL=http://127.0.0.1:8092/v1 DEEPSEEK_API_KEY=sandbox make run
"""

from __future__ import annotations

import json
import re
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHARS_PER_TOKEN = 3
_TOKEN = re.compile(r"^Токен блока данных: ([0-9a-f]+)$", re.MULTILINE)


def data_block(user: str) -> dict[str, Any]:
    token = _TOKEN.search(user)
    if token is None:
        return {}
    fence = token.group(1)
    try:
        inside = user.split(f"<<<DATA {fence}>>>\n", 1)[1].split(f"\n<<<END DATA {fence}>>>", 1)[0]
        data = json.loads(inside)
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def answer_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON object the model would return for these messages."""
    from ai.offline.analyzer import analyze_offline
    from ai.offline.drafts import DraftFacts, offline_draft

    system = str(messages[0].get("content", "")) if messages else ""
    user = next((str(m.get("content", "")) for m in messages if m.get("role") == "user"), "")
    data = data_block(user)
    kind = data.get("kind") if data.get("kind") in ("review", "question", "chat") else "chat"
    rating = data.get("rating") if isinstance(data.get("rating"), int) else None
    text = str(data.get("text") or "")
    found = analyze_offline(kind=kind, rating=rating, text=text)
    if system.startswith("Ты пишешь"):
        product = data.get("product") or {}
        facts = DraftFacts(
            kind=kind,
            intent=found.intent,
            sentiment=found.sentiment,
            rating=rating,
            buyer_text=text,
            buyer_name=str(data.get("buyer_name") or ""),
            product_name=str(product.get("название", "")),
            composition=str(product.get("состав", "")),
            address_form="informal" if "на «ты»" in user else "formal",
            signature=_quoted_setting(user, "подпись в конце"),
        )
        # As a model told what the shop wrote lately: it writes something else (the least like those of a few).
        avoid = [str(item) for item in data.get("recent_shop_replies") or [] if isinstance(item, str)]
        asked = _quoted_setting(user, "пожелание продавца к этому ответу")
        seed = zlib.crc32("\x1f".join([text, facts.buyer_name, asked, *avoid]).encode())
        return {"text": offline_draft(facts, seed=seed, avoid=avoid)}
    return {
        "intent": found.intent,
        "sentiment": found.sentiment,
        "priority": found.priority,
        "summary": found.summary or "Обращение покупателя",
        "needs_reply": found.needs_reply,
        "confidence": round(found.confidence, 3),
    }


def _quoted_setting(user: str, name: str) -> str:
    match = re.search(rf"^- {re.escape(name)}: (\".*\")$", user, re.MULTILINE)
    if not match:
        return ""
    try:
        return str(json.loads(match.group(1)))
    except ValueError:
        return ""


class SandboxLLM:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.3) -> None:
        self.latency = latency
        self.requests = 0
        self._systems_seen: set[int] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="sandbox-llm", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> SandboxLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body.get("messages") or []
        content = json.dumps(answer_for(messages), ensure_ascii=False)
        system = str(messages[0].get("content", "")) if messages else ""
        prompt_chars = sum(len(str(m.get("content", ""))) for m in messages)
        with self._lock:
            self.requests += 1
            cached = hash(system) in self._systems_seen
            self._systems_seen.add(hash(system))
        prompt_tokens = max(1, prompt_chars // CHARS_PER_TOKEN)
        return {
            "id": f"sandbox-{self.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "sandbox"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": max(1, len(content) // CHARS_PER_TOKEN),
                "total_tokens": prompt_tokens + max(1, len(content) // CHARS_PER_TOKEN),
                "prompt_tokens_details": {"cached_tokens": len(system) // CHARS_PER_TOKEN if cached else 0},
            },
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        llm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out as two writes: without this, Nagle and the client's delayed ACK add 40 ms.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = None
                if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions") or not isinstance(
                    body, dict
                ):
                    self._send(404 if isinstance(body, dict) else 400, {"error": {"message": "bad request"}})
                    return
                time.sleep(llm.latency)
                self._send(200, llm.completion(body))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
