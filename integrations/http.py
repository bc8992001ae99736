"""The network seam: the only module that speaks HTTP to marketplaces.

urllib3 directly, one pool manager per process and host (`requests` on top of it added about a tenth to
a sync's CPU, and the sync is CPU-bound); a timeout on every call; status codes mapped to the typed errors of
`integrations.errors` per marketplace; Retry-After / X-Ratelimit-Retry parsed; the per-credential rate
limiter acquired before each request. No secret (token, Api-Key) reaches a log line or an exception
message: headers are never logged and marketplace error texts are scrubbed.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import certifi
import urllib3
from django.conf import settings
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProxyError,
    ReadTimeoutError,
)

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

# Connections kept per host: the sync runs many threads per worker, each talking to the same few hosts.
POOL_SIZE = 100
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
BACKOFF_FALLBACK_SECONDS = (1.0, 2.0, 4.0)
MAX_ERROR_DETAIL_CHARS = 300

_pools: dict[tuple[int, str], urllib3.PoolManager] = {}
_pools_lock = threading.Lock()

# Called before each request made by this thread's current work: the sync engine renews its lease there,
# so even a page that takes many calls (lookups, Ozon chat histories) never outlives the lease.
_before_request: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "before_marketplace_request", default=None
)


@contextmanager
def before_each_request(callback: Callable[[], None]) -> Iterator[None]:
    """Run `callback` before every marketplace request made inside this block (in this thread)."""
    token = _before_request.set(callback)
    try:
        yield
    finally:
        _before_request.reset(token)


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


def pool_for(url: str) -> urllib3.PoolManager:
    """The process's pool manager for this URL's scheme and host (proxy and CA bundle read once, here)."""
    parts = urlsplit(url)
    key = (os.getpid(), f"{parts.scheme}://{parts.netloc}")  # a forked worker must not share sockets
    pool = _pools.get(key)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(key)
            if pool is None:
                options: dict[str, Any] = {
                    "maxsize": POOL_SIZE,
                    "block": False,
                    # Never resend on its own: a write goes out at most once; `request` decides retries.
                    "retries": False,
                    "ca_certs": os.environ.get("REQUESTS_CA_BUNDLE")
                    or os.environ.get("SSL_CERT_FILE")
                    or certifi.where(),
                }
                proxy = _proxy_for(parts.scheme, parts.hostname or "")
                pool = urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
                _pools[key] = pool
    return pool


def _proxy_for(scheme: str, host: str) -> str | None:
    """HTTP(S)_PROXY / NO_PROXY from the environment, as curl and requests read them."""
    proxy = urllib.request.getproxies().get(scheme)
    if not proxy or urllib.request.proxy_bypass(host):
        return None
    return proxy


def timeouts() -> urllib3.Timeout:
    read = float(settings.MARKETPLACE_TIMEOUT_SECONDS)
    return urllib3.Timeout(connect=min(5.0, read), read=read)


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
    current: BaseException | None = exc
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (NewConnectionError, NameResolutionError, ConnectTimeoutError, ConnectionRefusedError)):
            return True
        if isinstance(current, ProxyError):  # the proxy, not the marketplace, failed; nothing was sent
            return True
        current = current.__cause__ or current.__context__
    return False


def _encode(
    url: str, *, params: dict[str, Any] | None, json_body: Any, files: dict[str, tuple] | None, headers: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    """The URL with its query string, and urllib3's body arguments."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(params, doseq=True)}"
    if files is not None:
        # requests' shape: name -> (filename or None, content[, content type]); None means a plain field.
        fields = {
            name: value[1] if value[0] is None else tuple(value) for name, value in files.items()
        }  # fmt: skip
        return url, {"fields": fields, "encode_multipart": True}
    if json_body is not None:
        headers["Content-Type"] = "application/json"
        return url, {"body": json.dumps(json_body, ensure_ascii=False).encode()}
    return url, {}


def request(
    method: str,
    url: str,
    *,
    marketplace: str,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    json_body: Any = None,
    files: dict[str, tuple] | None = None,
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
    full_url, body = _encode(url, params=params, json_body=json_body, files=files, headers=all_headers)
    attempts = 2 if idempotent else 1
    for attempt in range(attempts):
        before = _before_request.get()
        if before is not None:
            before()
        if bucket is not None:
            bucket.acquire()
        started = time.monotonic()
        try:
            response = pool_for(url).request(
                method, full_url, headers=all_headers, timeout=timeouts(), redirect=False, **body
            )
        except (HTTPError, OSError) as exc:
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
            if isinstance(exc, ReadTimeoutError):
                raise TransientError("Маркетплейс не ответил вовремя.", code="timeout", ambiguous=True) from None
            raise TransientError(
                "Соединение с маркетплейсом прервалось.", code="connection_lost", ambiguous=True
            ) from None
        elapsed_ms = int((time.monotonic() - started) * 1000)
        logger.debug("marketplace %s %s %s -> %s in %d ms", marketplace, method, path, response.status, elapsed_ms)
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


def _decode(response: urllib3.BaseHTTPResponse) -> str:
    content_type = response.headers.get("Content-Type", "")
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        return response.data.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return response.data.decode("utf-8", errors="replace")


def _handle(
    response: urllib3.BaseHTTPResponse,
    *,
    marketplace: str,
    bucket: Bucket | None,
    secrets: tuple[str, ...],
    elapsed_ms: int,
    expect_json: bool,
    write: bool = False,
) -> HttpResponse:
    status = response.status
    text = _decode(response) if response.data else ""
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
