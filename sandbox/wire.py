"""Requests, responses and the marketplaces' error bodies as they travel on the wire."""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

MSK = timezone(timedelta(hours=3))
JSON = "application/json; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    headers: Any  # case-insensitive mapping with .get()
    body: bytes = b""

    @functools.cached_property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, **headers: str) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(status=status, body=body, headers=dict(headers))


def request_id() -> str:
    return uuid.uuid4().hex


def utc_now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- time formats (docs/marketplaces.md §2.5) ---
def iso_msk(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=MSK).isoformat(timespec="seconds")


def iso_utc_ns(ts: float, ns: int) -> str:
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ns:09d}Z"


def iso_utc_seconds(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_utc_ms(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{dt.microsecond // 1000:03d}Z"


# --- WB ---
_STATUS_TEXT = {401: "Unauthorized", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}
_STATUS_TEXT[503] = "Service Unavailable"


def wb_gateway(status: int, title: str, detail: str, **headers: str) -> Response:
    """The shape WB's gateway uses for 401, 429 (and its 5xx pages)."""
    return json_response(
        status,
        {
            "title": title,
            "detail": detail,
            "code": f"{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:12]}-[sandbox]",
            "requestId": request_id(),
            "origin": "s2s-api-auth-catalog",
            "status": status,
            "statusText": _STATUS_TEXT.get(status, "Error"),
            "timestamp": utc_now_iso(),
        },
        **headers,
    )


def wb_unauthorized(detail: str) -> Response:
    return wb_gateway(401, "unauthorized", detail)


def wb_envelope(data: Any) -> Response:
    return json_response(200, {"data": data, "error": False, "errorText": "", "additionalErrors": None})


def wb_envelope_error(status: int, text: str) -> Response:
    return json_response(
        status,
        {"data": None, "error": True, "errorText": text, "additionalErrors": [text], "requestId": str(uuid.uuid4())},
    )


def wb_fbapi_error(detail: str) -> Response:
    """400 of the answer endpoints: `{title, detail, requestId, origin: "fbapi"}`."""
    return json_response(400, {"title": "Bad Request", "detail": detail, "requestId": request_id(), "origin": "fbapi"})


def wb_chat_error(detail: str, *, content_type: str = "application/problem+json") -> Response:
    response = json_response(
        400,
        {
            "status": 400,
            "title": "Bad Request",
            "origin": "proxy-chats",
            "detail": detail,
            "requestId": request_id(),
            "error": detail,
        },
    )
    response.content_type = content_type
    return response


def wb_path_not_found(path: str) -> Response:
    return json_response(
        404,
        {
            "title": "path not found",
            "detail": f"path {path} not found",
            "status": 404,
            "statusText": "Not Found",
            "timestamp": utc_now_iso(),
        },
    )


# --- Ozon ---
def ozon_error(status: int, code: int, message: str) -> Response:
    return json_response(status, {"code": code, "message": message, "details": []})


def ozon_invalid(message: str) -> Response:
    return ozon_error(400, 3, message)


def ozon_not_found(message: str) -> Response:
    return ozon_error(404, 5, message)
