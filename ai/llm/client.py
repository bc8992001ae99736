"""The one module that talks to the LLM API (OpenAI-compatible: DeepSeek by default).

The official SDK over one HTTP pool per process, with the SDK's own retries off: `chat_json` retries by our
rules instead. 429 (waiting what Retry-After says), 5xx, timeouts and connection errors are retried with
exponential backoff and jitter, at most AI_MAX_ATTEMPTS requests and AI_DEADLINE_SECONDS in all; any other
4xx fails at once (`LLMRejected`). No key, prompt or API body reaches a log line or an exception message:
errors are logged by type and status only. Safe to call from many threads at once (the SDK client and its
httpx2 pool are shared and thread-safe; the pool is sized for a worker's threads).
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
import openai
from django.conf import settings

from ai.llm.errors import LLMRejected, LLMUnavailable

logger = logging.getLogger(__name__)

# An AI task calls AI_CONCURRENCY (64) at once, the web process a few more: room for both, with keep-alive.
POOL_MAX_CONNECTIONS = 128
POOL_MAX_KEEPALIVE = 64
CONNECT_TIMEOUT_SECONDS = 5.0
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 8.0
RETRY_AFTER_MAX_SECONDS = 60.0
MIN_ATTEMPT_SECONDS = 0.2  # an attempt with less time than this left before the deadline is not started
RESPONSE_FORMAT = {"type": "json_object"}

_clients: dict[tuple[Any, ...], openai.OpenAI] = {}
_clients_lock = threading.Lock()
_jitter = random.Random()


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # part of prompt_tokens the API served from its prompt cache
    estimated: bool = False  # the API reported no usage: counted from the characters instead


@dataclass(frozen=True)
class ChatResult:
    content: str | None
    finish_reason: str | None
    usage: Usage
    model: str  # the model asked for (prices are keyed by it)
    latency_ms: int
    attempts: int


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    timeout_seconds: float
    deadline_seconds: float

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        return cls(
            max_attempts=max(1, int(settings.AI_MAX_ATTEMPTS)),
            timeout_seconds=float(settings.AI_TIMEOUT_SECONDS),
            deadline_seconds=float(settings.AI_DEADLINE_SECONDS),
        )


def is_configured() -> bool:
    return bool(settings.DEEPSEEK_API_KEY)


def get_client() -> openai.OpenAI:
    """The process's SDK client for the configured endpoint and key (a forked process makes its own)."""
    key = (os.getpid(), settings.AI_BASE_URL, settings.DEEPSEEK_API_KEY, float(settings.AI_TIMEOUT_SECONDS))
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _build_client()
                _clients[key] = client
    return client


def reset_client() -> None:
    """Drop the cached clients (settings changed: tests)."""
    with _clients_lock:
        for client in _clients.values():
            client.close()
        _clients.clear()


def _build_client() -> openai.OpenAI:
    timeout = float(settings.AI_TIMEOUT_SECONDS)
    http_client = openai.DefaultHttpx2Client(
        timeout=_timeout(timeout),
        limits=httpx2.Limits(max_connections=POOL_MAX_CONNECTIONS, max_keepalive_connections=POOL_MAX_KEEPALIVE),
    )
    return openai.OpenAI(
        base_url=settings.AI_BASE_URL,
        api_key=settings.DEEPSEEK_API_KEY,
        timeout=_timeout(timeout),
        max_retries=0,  # our loop below decides
        http_client=http_client,
    )


def _timeout(seconds: float) -> httpx2.Timeout:
    # pool: waiting for a free connection counts against the same budget as the answer.
    return httpx2.Timeout(seconds, connect=min(CONNECT_TIMEOUT_SECONDS, seconds))


def backoff_seconds(attempt: int) -> float:
    """Exponential with equal jitter: attempt 1 → 0.25–0.5 s, 2 → 0.5–1 s, 3 → 1–2 s … capped at 8 s."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return ceiling / 2 + _jitter.uniform(0, ceiling / 2)


def retry_after_seconds(headers: Any) -> float | None:
    """The server's wait: retry-after-ms, Retry-After in seconds or as an HTTP date; None when absent or bad."""
    if headers is None:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _rejected_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "auth_failed",
        402: "payment_required",
        403: "auth_failed",
        404: "not_found",
        422: "bad_request",
    }.get(status, "rejected")


def chat_json(
    messages: list[dict[str, str]],
    *,
    max_tokens: int,
    temperature: float = 0.2,
    policy: RetryPolicy | None = None,
) -> ChatResult:
    """One chat completion in JSON mode, retried per the policy. Raises LLMUnavailable (or LLMRejected);
    the exception carries `attempts` and `latency_ms` for the books."""
    policy = policy or RetryPolicy.from_settings()
    model = settings.AI_MODEL
    client = get_client()
    started = time.monotonic()
    deadline = started + policy.deadline_seconds
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        failure: LLMUnavailable
        wait: float
        try:
            completion = client.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                response_format=RESPONSE_FORMAT,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=temperature,
                timeout=_timeout(max(0.05, min(policy.timeout_seconds, remaining))),
            )
        except openai.APITimeoutError:
            failure = LLMUnavailable("ИИ не ответил вовремя.", code="timeout")
            wait = backoff_seconds(attempt)
        except openai.APIConnectionError:
            failure = LLMUnavailable("Не удалось подключиться к API ИИ.", code="connection_error")
            wait = backoff_seconds(attempt)
        except openai.APIStatusError as exc:
            status = exc.status_code
            if status != 429 and status < 500:
                _log_failure(attempt, policy, code=_rejected_code(status), status=status)
                raise _finish(
                    LLMRejected(f"API ИИ отклонил запрос (HTTP {status}).", code=_rejected_code(status), status=status),
                    started=started,
                    attempts=attempt,
                ) from None
            server_wait = retry_after_seconds(exc.response.headers)
            if status == 429:
                failure = LLMUnavailable("API ИИ ограничил частоту запросов.", code="rate_limited", status=status)
            else:
                failure = LLMUnavailable(
                    f"API ИИ временно недоступен (HTTP {status}).", code="server_error", status=status
                )
            if server_wait is None:
                wait = backoff_seconds(attempt)
            else:
                # Never earlier than the server asked; a little later, so waiting threads do not return together.
                wait = min(server_wait, RETRY_AFTER_MAX_SECONDS) * (1 + _jitter.uniform(0, 0.1))
        except (openai.APIError, ValueError):
            # A 2xx whose body is not a completion (a proxy's page): it may have been billed, so not resent.
            _log_failure(attempt, policy, code="bad_response", status=None)
            raise _finish(
                LLMUnavailable("API ИИ вернул непонятный ответ.", code="bad_response"),
                started=started,
                attempts=attempt,
            ) from None
        else:
            return _result(completion, messages=messages, model=model, started=started, attempts=attempt)

        _log_failure(attempt, policy, code=failure.code, status=failure.status)
        if attempt >= policy.max_attempts or time.monotonic() + wait + MIN_ATTEMPT_SECONDS > deadline:
            raise _finish(failure, started=started, attempts=attempt)
        time.sleep(wait)


def _finish(exc: LLMUnavailable, *, started: float, attempts: int) -> LLMUnavailable:
    exc.attempts = attempts  # type: ignore[attr-defined]
    exc.latency_ms = int((time.monotonic() - started) * 1000)  # type: ignore[attr-defined]
    return exc


def _log_failure(attempt: int, policy: RetryPolicy, *, code: str, status: int | None) -> None:
    logger.warning("llm request failed: %s (status %s, attempt %d of %d)", code, status, attempt, policy.max_attempts)


def _result(
    completion: Any, *, messages: list[dict[str, str]], model: str, started: float, attempts: int
) -> ChatResult:
    latency_ms = int((time.monotonic() - started) * 1000)
    choices = getattr(completion, "choices", None)
    if not choices:
        raise _finish(
            LLMUnavailable("API ИИ вернул ответ без вариантов.", code="bad_response"),
            started=started,
            attempts=attempts,
        )
    choice = choices[0]
    message = getattr(choice, "message", None)
    content = getattr(message, "content", None)
    usage = usage_from(getattr(completion, "usage", None), messages=messages, content=content)
    logger.info(
        "llm %s: %d+%d tokens (%d cached) in %d ms, %d attempt(s)",
        model,
        usage.prompt_tokens,
        usage.completion_tokens,
        usage.cached_prompt_tokens,
        latency_ms,
        attempts,
    )
    return ChatResult(
        content=content if isinstance(content, str) else None,
        finish_reason=getattr(choice, "finish_reason", None),
        usage=usage,
        model=model,
        latency_ms=latency_ms,
        attempts=attempts,
    )


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def usage_from(usage: Any, *, messages: list[dict[str, str]], content: str | None) -> Usage:
    """Tokens as the API reports them, with the cached part of the prompt from either dialect: OpenAI's
    `prompt_tokens_details.cached_tokens` or DeepSeek's `prompt_cache_hit_tokens`. With no usage at all the
    call is still paid for: count about one token per two characters (Russian runs 2–3), on the high side."""
    if usage is None:
        prompt_chars = sum(len(str(message.get("content", ""))) for message in messages)
        return Usage(prompt_tokens=prompt_chars // 2 + 1, completion_tokens=len(content or "") // 2 + 1, estimated=True)
    prompt = _int(getattr(usage, "prompt_tokens", 0))
    details = getattr(usage, "prompt_tokens_details", None)
    extra = getattr(usage, "model_extra", None) or {}
    cached = max(_int(getattr(details, "cached_tokens", 0)), _int(extra.get("prompt_cache_hit_tokens", 0)))
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=_int(getattr(usage, "completion_tokens", 0)),
        cached_prompt_tokens=min(cached, prompt),
    )
