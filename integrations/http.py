"""The network seam: the only module that speaks HTTP to marketplaces.

One pooled requests.Session per (process, base URL); a timeout on every call; status codes mapped to
the typed errors of `integrations.errors` per marketplace; Retry-After / X-Ratelimit-Retry parsed; the
per-credential rate limiter acquired before each request. No secret (token, Api-Key) reaches a log line
or an exception message: headers are never logged and marketplace error texts are scrubbed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from integrations.errors import (
    AuthFailed,
    BadResponse,
    IntegrationError,
    PermanentError,
    RateLimited,
    SubscriptionRequired,
    TransientError,
)
from integrations.ratelimit import Bucket

logger = logging.getLogger(__name__)

WB = "wb"
OZON = "ozon"
CDN = "cdn"

# The sync benchmark runs many threads per worker; each talks to the same few hosts.
POOL_SIZE = 100
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
BACKOFF_FALLBACK_SECONDS = (1.0, 2.0, 4.0)
MAX_ERROR_DETAIL_CHARS = 300

_sessions: dict[tuple[int, str], requests.Session] = {}
_sessions_lock = threading.Lock()


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    text: str
    data: Any = None  # parsed JSON, None for an empty body
    elapsed_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def base_url(name: str) -> str:
    """Read at call time so tests (and the sandbox) can point the clients anywhere."""
    return str(getattr(settings, name)).rstrip("/")


def session_for(url: str) -> requests.Session:
    parts = urlsplit(url)
    key = (os.getpid(), f"{parts.scheme}://{parts.netloc}")
    session = _sessions.get(key)
    if session is None:
        with _sessions_lock:
            session = _sessions.get(key)
            if session is None:
                session = requests.Session()
                # requests re-reads proxy and CA variables from the environment on every call (7 % of
                # a sync's CPU); read them once per session instead.
                session.trust_env = False
                session.proxies = requests.utils.get_environ_proxies(url)
                session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
                # max_retries=0: urllib3 never resends on its own, so a write goes out at most once.
                adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                _sessions[key] = session
    return session


def timeouts() -> tuple[float, float]:
    read = float(settings.MARKETPLACE_TIMEOUT_SECONDS)
    return (min(5.0, read), read)


def parse_retry_after(headers: dict[str, str] | Any, *, attempt: int = 0) -> float:
    """Retry-After (seconds), then WB's X-Ratelimit-Retry, else a growing fallback."""
    for name in ("Retry-After", "X-Ratelimit-Retry"):
        value = headers.get(name) if headers is not None else None
        if value in (None, ""):
            continue
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds >= 0:
            return max(seconds, 0.05)
    return BACKOFF_FALLBACK_SECONDS[min(attempt, len(BACKOFF_FALLBACK_SECONDS) - 1)]


def scrub(text: str, secrets: tuple[str, ...] | list[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text[:MAX_ERROR_DETAIL_CHARS]


def _is_connect_failure(exc: BaseException) -> bool:
    """True when the request certainly never reached the server (so even a write may be resent)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        seen: set[int] = set()
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            name = type(current).__name__
            if name in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError", "ConnectionRefusedError"):
                return True
            reason = getattr(current, "reason", None)
            if isinstance(reason, BaseException) and id(reason) not in seen:
                current = reason
                continue
            nested = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
            current = nested or current.__cause__ or current.__context__
    return False


def request(
    method: str,
    url: str,
    *,
    marketplace: str,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    json_body: Any = None,
    data: dict[str, Any] | None = None,
    files: Any = None,
    bucket: Bucket | None = None,
    secrets: tuple[str, ...] = (),
    idempotent: bool | None = None,
    expect_json: bool = True,
) -> HttpResponse:
    """Send one request and return the parsed answer, or raise a typed IntegrationError.

    `idempotent` (default: GET) allows ONE quick retry when the connection could not be opened at all.
    """
    if idempotent is None:
        idempotent = method.upper() == "GET"
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    all_headers.update(headers or {})
    path = urlsplit(url).path
    attempts = 2 if idempotent else 1
    for attempt in range(attempts):
        if bucket is not None:
            bucket.acquire()
        started = time.monotonic()
        try:
            response = session_for(url).request(
                method,
                url,
                headers=all_headers,
                params=params,
                json=json_body,
                data=data,
                files=files,
                timeout=timeouts(),
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            connect_failure = _is_connect_failure(exc)
            logger.warning(
                "marketplace %s %s %s failed: %s (connect=%s)",
                marketplace,
                method,
                path,
                type(exc).__name__,
                connect_failure,
            )
            if connect_failure and attempt + 1 < attempts:
                time.sleep(0.2)
                continue
            if connect_failure:
                raise TransientError("Не удалось подключиться к маркетплейсу.", code="connect_error") from None
            if isinstance(exc, requests.exceptions.ReadTimeout):
                raise TransientError("Маркетплейс не ответил вовремя.", code="timeout", ambiguous=True) from None
            raise TransientError(
                "Соединение с маркетплейсом прервалось.", code="connection_lost", ambiguous=True
            ) from None
        elapsed_ms = int((time.monotonic() - started) * 1000)
        logger.debug("marketplace %s %s %s -> %s in %d ms", marketplace, method, path, response.status_code, elapsed_ms)
        return _handle(
            response,
            marketplace=marketplace,
            bucket=bucket,
            secrets=secrets,
            elapsed_ms=elapsed_ms,
            expect_json=expect_json,
            write=not idempotent,
        )
    raise AssertionError("unreachable")  # pragma: no cover


def _handle(
    response: requests.Response,
    *,
    marketplace: str,
    bucket: Bucket | None,
    secrets: tuple[str, ...],
    elapsed_ms: int,
    expect_json: bool,
    write: bool = False,
) -> HttpResponse:
    status = response.status_code
    text = response.text if response.content else ""
    headers = dict(response.headers)
    body: Any = None
    parsed = False
    if text:
        try:
            body = json.loads(text)
            parsed = True
        except ValueError:
            body = None
    if 200 <= status < 300:
        # A write that got a 2xx happened, whatever its body: never report it as failed (it would be resent).
        if expect_json and text and not parsed and not write:
            raise BadResponse(status=status)
        return HttpResponse(status=status, headers=headers, text=text, data=body, elapsed_ms=elapsed_ms)

    detail = scrub(_error_detail(body, text), secrets)
    if status == 429:
        retry_after = parse_retry_after(response.headers)
        if bucket is not None:
            bucket.push_back(retry_after)
        raise RateLimited(retry_after=retry_after, status=status)
    if status >= 500:
        # Contract: a 5xx is not ambiguous (the marketplace says it did not do it); only a lost answer is.
        raise TransientError(f"Маркетплейс временно недоступен (HTTP {status}).", code="server_error", status=status)
    if marketplace == OZON:
        raise _ozon_error(status, body, detail)
    if marketplace == WB:
        raise _wb_error(status, detail)
    if status == 404:
        raise PermanentError("Не найдено.", code="not_found", status=status)
    raise PermanentError(f"Запрос отклонён (HTTP {status}).", status=status)


def _error_detail(body: Any, text: str) -> str:
    if isinstance(body, dict):
        for key in ("errorText", "detail", "message", "title", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return text if text and not text.lstrip().startswith("<") else ""


def _wb_error(status: int, detail: str) -> IntegrationError:
    if status == 401:
        return AuthFailed(
            "Wildberries не принял токен: он неверный, просрочен или выпущен не для этой категории API.",
            status=status,
        )
    if status == 403:
        return AuthFailed(
            "Wildberries отказал в доступе: токен удалён, заблокирован или только для чтения.", status=status
        )
    if status == 402:
        return PermanentError("Wildberries требует оплату доступа к API.", code="payment_required", status=status)
    if status == 404:
        return PermanentError(_with_detail("Wildberries не нашёл запись", detail), code="not_found", status=status)
    return PermanentError(_with_detail("Wildberries отклонил запрос", detail), code="rejected", status=status)


def _ozon_error(status: int, body: Any, detail: str) -> IntegrationError:
    code = body.get("code") if isinstance(body, dict) else None
    lowered = detail.lower()
    if status == 403 and (code == 7 or "premium" in lowered):
        return SubscriptionRequired(status=status)
    if status in (401, 403):
        return AuthFailed("Ozon не принял ключ: проверьте Client-Id, Api-Key и права ключа.", status=status)
    if status == 404 and code == 5 and ("api-key" in lowered or "api key" in lowered or not lowered):
        return AuthFailed("Ozon не принял Api-Key: проверьте ключ или выпустите новый.", status=status)
    if status == 400 and code == 3 and "client-id" in lowered:
        return AuthFailed("Ozon не принял Client-Id: это должно быть число из кабинета продавца.", status=status)
    if status == 404:
        return PermanentError(_with_detail("Ozon не нашёл запись", detail), code="not_found", status=status)
    return PermanentError(_with_detail("Ozon отклонил запрос", detail), code="rejected", status=status)


def _with_detail(prefix: str, detail: str) -> str:
    return f"{prefix}: {detail}" if detail else f"{prefix}."
