"""Routing of one request: control API, faults, auth, rate limits, then the marketplace handler."""

from __future__ import annotations

import json

from sandbox import cdn, control, ozon, wb_chat, wb_feedbacks
from sandbox.credentials import TokenError, verify_ozon_key, verify_wb_token
from sandbox.limits import BUCKETS
from sandbox.state import SandboxState
from sandbox.wire import (
    Request,
    Response,
    iso_msk,
    json_response,
    ozon_error,
    ozon_invalid,
    wb_gateway,
    wb_path_not_found,
    wb_unauthorized,
)

WB_FEEDBACKS, WB_CHAT, OZON, CDN, CONTROL, UNKNOWN = "wb_feedbacks", "wb_chat", "ozon", "cdn", "control", "unknown"


def family(path: str) -> str:
    if path == "/sandbox" or path.startswith("/sandbox/"):
        return CONTROL
    if path.startswith(cdn.PREFIX):
        return CDN
    if path in wb_feedbacks.PATHS or path == "/ping":
        return WB_FEEDBACKS
    if path.startswith("/api/v1/seller/"):
        return WB_CHAT
    if path in ozon.ROUTES:
        return OZON
    return UNKNOWN


def _stats_key(path: str, kind: str) -> str:
    # Bounded keys: ids in paths (downloads, CDN cards) and unknown paths are folded together.
    if kind == CDN:
        return "/cdn/"
    if kind == UNKNOWN:
        return "unknown"
    return wb_chat.DOWNLOAD_PREFIX + "{id}" if path.startswith(wb_chat.DOWNLOAD_PREFIX) else path


def is_write(req: Request, kind: str) -> bool:
    if kind in (WB_FEEDBACKS, WB_CHAT):
        return req.method in ("POST", "PATCH")
    return kind == OZON and req.path in ozon.WRITES


def handle(state: SandboxState, req: Request) -> Response:
    kind = family(req.path)
    if kind == CONTROL:
        return control.handle(state, req)
    with state.lock:
        state.requests += 1
        state.by_path[_stats_key(req.path, kind)] += 1
        faults = state.faults
        applies = faults.active and kind != UNKNOWN and faults.applies_to(req.path)
        fault = faults.draw(is_write=is_write(req, kind), is_cdn=kind == CDN) if applies else None
        latency_s = max(state.base_latency_ms, faults.latency_ms if applies else 0) / 1000
        timeout_s = faults.timeout_s
        error_status = faults.rng.choice((500, 502, 503)) if fault == "server_error" else 0
    if latency_s:
        state.stop_event.wait(latency_s)
    if fault == "latency":
        state.stop_event.wait(latency_s or 0.2)
    elif fault == "timeout":
        state.stop_event.wait(timeout_s)
        return _fault_error(kind, 504)
    elif fault == "server_error":
        return _fault_error(kind, error_status)
    elif fault == "rate_limit":
        return _rate_limited(kind, retry=1, limit=BUCKETS["ozon" if kind == OZON else kind][1], reset=2)
    elif fault == "bad_token":
        return _bad_token(kind)

    response = _dispatch(state, req, kind)

    if fault == "malformed" and response.status == 200 and response.body and "json" in (response.content_type or ""):
        response.body = response.body[: max(1, len(response.body) // 2)]
    elif fault == "timeout_after_write":
        state.stop_event.wait(timeout_s)
    return response


def _dispatch(state: SandboxState, req: Request, kind: str) -> Response:
    if kind == CDN:
        if req.method != "GET":
            return Response(405, body=b"method not allowed", content_type="text/plain")
        return cdn.handle(req.path, state.clock())
    if kind in (WB_FEEDBACKS, WB_CHAT):
        return _wb(state, req, kind)
    if kind == OZON:
        return _ozon(state, req)
    return wb_path_not_found(req.path)


# --- errors shared by faults and limits ---
def _fault_error(kind: str, status: int) -> Response:
    if kind == OZON:
        return ozon_error(
            status, 13 if status != 504 else 4, "internal error" if status != 504 else "deadline exceeded"
        )
    if kind == CDN:
        return Response(status, body=b"upstream error", content_type="text/plain")
    titles = {500: "internal server error", 502: "bad gateway", 503: "service unavailable", 504: "gateway timeout"}
    return wb_gateway(status, titles[status], "upstream request failed")


def _rate_limited(kind: str, *, retry: int, limit: int, reset: int, detail: str = "limited by sandbox") -> Response:
    if kind == OZON:
        response = ozon_error(429, 8, "You have reached request rate limit per second")
        response.headers["Retry-After"] = str(retry)
        return response
    return wb_gateway(
        429,
        "too many requests",
        detail,
        **{"X-Ratelimit-Retry": str(retry), "X-Ratelimit-Limit": str(limit), "X-Ratelimit-Reset": str(reset)},
    )


def _bad_token(kind: str) -> Response:
    if kind == OZON:
        return ozon_error(404, 5, "Invalid Api-Key, please check the key and try again")
    return wb_unauthorized("token problem; token signature is invalid")


# --- WB ---
def _wb(state: SandboxState, req: Request, kind: str) -> Response:
    if kind == WB_CHAT:
        handler = wb_chat.route(req.method, req.path)
    elif req.path == "/ping":
        handler = _ping if req.method == "GET" else None
    else:
        handler = wb_feedbacks.handle if (req.method, req.path) in wb_feedbacks.ROUTES else None
    if handler is None:
        return wb_path_not_found(req.path)
    try:
        claims = verify_wb_token(req.headers.get("Authorization") or "", secret=state.secret, now=state.clock())
    except TokenError as exc:
        return wb_unauthorized(str(exc))
    if req.path == "/ping":
        allowed, bucket = bool(claims.categories), "wb_ping"
    elif kind == WB_CHAT:
        allowed = "chat" in claims.categories
        bucket = "wb_download" if handler is wb_chat.download else "wb_chat"
    else:
        allowed, bucket = "feedbacks" in claims.categories, "wb_feedbacks"
    if not allowed:
        return wb_unauthorized("token scope not allowed for this API route")
    if claims.read_only and req.method in ("POST", "PATCH"):
        return wb_unauthorized("read-only token scope not allowed for this route")
    if claims.access == "base":
        bucket += "_base"
    with state.lock:
        verdict = state.take_token(claims.shop_no, bucket)
        if verdict is not None and not verdict.allowed:
            detail = f"limited by {claims.seller_uuid}"
            return _rate_limited(kind, retry=verdict.retry, limit=verdict.limit, reset=verdict.reset, detail=detail)
        response = handler(state.shop(claims.shop_no), req, state.clock())
    if verdict is not None:
        response.headers["X-Ratelimit-Remaining"] = str(verdict.remaining)
    return response


def _ping(shop, req: Request, now: float) -> Response:
    return json_response(200, {"TS": iso_msk(now), "Status": "OK"})


# --- Ozon ---
def _ozon(state: SandboxState, req: Request) -> Response:
    if req.method != "POST":
        return ozon_error(405, 12, "Method Not Allowed")
    raw_client = (req.headers.get("Client-Id") or "").strip()
    if not raw_client.isdigit() or int(raw_client) <= 0:
        return ozon_invalid("Client-Id header value should be positive integer")
    shop_no = int(raw_client)
    if not verify_ozon_key(shop_no=shop_no, api_key=req.headers.get("Api-Key") or "", secret=state.secret):
        return _bad_token(OZON)
    try:
        body = json.loads(req.body.decode("utf-8")) if req.body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        body = None
    with state.lock:
        verdict = state.take_token(shop_no, "ozon")
        if verdict is not None and not verdict.allowed:
            return _rate_limited(OZON, retry=verdict.retry, limit=verdict.limit, reset=verdict.reset)
        if not isinstance(body, dict):
            return ozon_invalid("invalid request payload: expected a JSON object")
        shop = state.shop(shop_no)
        if not shop.premium and req.path not in ozon.PREMIUM_FREE:
            return ozon_error(403, 7, "Premium Plus subscription required")
        return ozon.handle(shop, req.path, body, state.clock())
