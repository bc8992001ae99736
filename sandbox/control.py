"""The sandbox's own control API under /sandbox/ (JSON). Never subject to faults or rate limits."""

from __future__ import annotations

import json
import re

from sandbox.faults import FaultConfigError
from sandbox.moderation import ModerationConfigError
from sandbox.state import SandboxState
from sandbox.wire import Request, Response, json_response

_SHOP = re.compile(r"^/sandbox/shops/(\d+)/(traffic|truth|settings|answers)$")
MODERATION_KEYS = {"share", "seconds", "rejected", "edit_window_s", "seed"}
ANSWER_KEYS = {"kind", "target", "action", "text", "reason"}
TRAFFIC_KEYS = ("reviews", "questions", "chats", "chat_messages")


def _error(status: int, detail: str, code: str = "invalid") -> Response:
    return json_response(status, {"detail": detail, "code": code})


def _body(req: Request) -> dict:
    if not req.body.strip():
        return {}
    body = json.loads(req.body.decode("utf-8"))
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


def _traffic_kwargs(body: dict) -> dict:
    kwargs = {key: body.get(key, 0) for key in TRAFFIC_KEYS}
    kwargs["marketplace"] = body.get("marketplace", "both")
    return kwargs


def handle(state: SandboxState, req: Request) -> Response:
    try:
        return _route(state, req)
    except (ValueError, TypeError, FaultConfigError, ModerationConfigError) as exc:
        return _error(400, str(exc))


def _route(state: SandboxState, req: Request) -> Response:
    path, method = req.path.rstrip("/"), req.method
    match = _SHOP.match(path)
    if match:
        shop_no, action = int(match.group(1)), match.group(2)
        if shop_no <= 0:
            return _error(400, "shop_no must be a positive integer")
        if action == "truth" and method == "GET":
            return json_response(200, state.truth(shop_no))
        if action == "traffic" and method == "POST":
            return json_response(200, {"created": state.add_traffic(shop_no, **_traffic_kwargs(_body(req)))})
        if action == "settings" and method == "POST":
            body = _body(req)
            premium = body.get("premium")
            if premium is not None and not isinstance(premium, bool):
                return _error(400, "premium must be a boolean")
            return json_response(200, state.shop_settings(shop_no, premium=premium))
        if action == "settings" and method == "GET":
            return json_response(200, state.shop_settings(shop_no))
        if action == "answers" and method == "POST":
            body = _body(req)
            unknown = sorted(set(body) - ANSWER_KEYS)
            if unknown:
                return _error(400, f"unknown fields: {', '.join(unknown)}")
            fields = {key: body.get(key, "") for key in ANSWER_KEYS}
            if not all(isinstance(value, str) for value in fields.values()):
                return _error(400, "kind, target, action, text and reason must be strings")
            return json_response(200, state.answer_action(shop_no, **fields))
        return _error(405, "method not allowed", "method_not_allowed")
    if path == "/sandbox/traffic" and method == "POST":
        body = _body(req)
        shop_nos = body.get("shop_nos")
        if not isinstance(shop_nos, list) or not all(isinstance(n, int) and n > 0 for n in shop_nos):
            return _error(400, "shop_nos must be a list of positive integers")
        kwargs = _traffic_kwargs(body)
        created = {str(n): state.add_traffic(n, **kwargs) for n in shop_nos}
        return json_response(200, {"created": created})
    if path == "/sandbox/faults" and method == "POST":
        body = _body(req)
        allowed = {"rate", "kinds", "latency_ms", "timeout_s", "seed", "paths"}
        unknown = sorted(set(body) - allowed)
        if unknown:
            return _error(400, f"unknown fields: {', '.join(unknown)}")
        return json_response(200, state.set_faults(**body))
    if path == "/sandbox/moderation" and method == "POST":
        body = _body(req)
        unknown = sorted(set(body) - MODERATION_KEYS)
        if unknown:
            return _error(400, f"unknown fields: {', '.join(unknown)}")
        return json_response(200, state.configure_moderation(**body))
    if path == "/sandbox/moderation" and method == "GET":
        return json_response(200, state.moderation_settings())
    if path == "/sandbox/faults" and method == "DELETE":
        state.clear_faults()
        return json_response(200, {"faults": None})
    if path == "/sandbox/faults" and method == "GET":
        with state.lock:
            return json_response(200, state.faults.as_dict())
    if path == "/sandbox/settings" and method == "POST":
        rate_limits = _body(req).get("rate_limits")
        if rate_limits is not None and not isinstance(rate_limits, bool):
            return _error(400, "rate_limits must be a boolean")
        return json_response(200, state.configure(rate_limits=rate_limits))
    if path == "/sandbox/reset" and method == "POST":
        state.reset()
        return json_response(200, {"reset": True})
    if path == "/sandbox/stats" and method == "GET":
        return json_response(200, state.stats())
    return _error(404, "unknown sandbox control path", "not_found")
