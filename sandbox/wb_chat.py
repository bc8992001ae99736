"""WB buyer-chat-api (docs/marketplaces.md §4). Handlers run with the state lock held."""

from __future__ import annotations

import uuid
from email import policy
from email.parser import BytesParser

from sandbox.credentials import parse_reply_sign
from sandbox.records import WBEvent, WBFile, wb_event_json
from sandbox.shop import Shop
from sandbox.wire import Request, Response, iso_utc_seconds, json_response, wb_chat_error

PAGE_SIZE = 50
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES_BYTES = 30 * 1024 * 1024
FILE_TYPES = {"image/jpeg", "image/png", "application/pdf"}


def list_chats(shop: Shop, req: Request, now: float) -> Response:
    return json_response(200, {"result": [chat.as_wb() for chat in shop.chats], "errors": None})


def list_events(shop: Shop, req: Request, now: float) -> Response:
    raw = req.arg("next")
    if raw in (None, ""):
        next_ms = 0
    else:
        try:
            next_ms = int(raw)
        except ValueError:
            return wb_chat_error('Invalid value for "next"', content_type="application/json")
        if next_ms < 0:
            return wb_chat_error("Invalid number", content_type="application/json")
    start = shop.events_from(next_ms)
    page = shop.events[start : start + PAGE_SIZE]
    if not page:
        anchor = max(next_ms, 1) / 1000
        result = {
            "next": next_ms,
            "newestEventTime": iso_utc_seconds(anchor),
            "oldestEventTime": iso_utc_seconds(anchor),
            "totalEvents": 0,
            "events": [],
        }
    else:
        result = {
            "next": page[-1].ts_ms + 1,
            "newestEventTime": iso_utc_seconds(page[-1].ts_ms / 1000),
            "oldestEventTime": iso_utc_seconds(page[0].ts_ms / 1000),
            "totalEvents": len(page),
            "events": [wb_event_json(e, shop.chat_by_id[e.chat_id]) for e in page],
        }
    return json_response(200, {"result": result, "errors": None})


def _multipart(req: Request) -> tuple[dict[str, str], list[tuple[str, str, bytes]]] | None:
    content_type = req.headers.get("Content-Type") or ""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + req.body
    )
    if not message.is_multipart():
        return None
    fields: dict[str, str] = {}
    files: list[tuple[str, str, bytes]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None or name == "file":
            files.append((filename or "file", part.get_content_type(), payload))
        else:
            fields[name] = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return fields, files


def send_message(shop: Shop, req: Request, now: float) -> Response:
    parsed = _multipart(req)
    if parsed is None:
        return wb_chat_error("request Content-Type isn't multipart/form-data")
    fields, files = parsed
    sign = fields.get("replySign", "")
    if not sign or len(sign) > 255:
        return wb_chat_error('Invalid value for "replySign"')
    owner = parse_reply_sign(sign, secret=shop.secret)
    if owner is None or owner[1] != shop.shop_no or owner[0] not in shop.chat_by_id:
        return wb_chat_error("Invalid signature")
    chat = shop.chat_by_id[owner[0]]
    text = fields.get("message", "")
    if len(text) > 1000 or (not text.strip() and not files):
        return wb_chat_error('Invalid value for "message"')
    total = 0
    for name, content_type, data in files:
        if len(data) > MAX_FILE_BYTES:
            return wb_chat_error(f"file {name} attachment too big. Max size: 5MiB")
        if content_type not in FILE_TYPES:
            return wb_chat_error(f"file {name} has unsupported mime type")
        total += len(data)
    if total > MAX_FILES_BYTES:
        return wb_chat_error("attachments too big. Max size: 30MiB")
    stored = []
    for name, content_type, data in files:
        wb_file = WBFile(str(uuid.uuid4()), content_type, name, data, now)
        shop.files[wb_file.download_id] = wb_file
        stored.append(wb_file)
    event = shop.append_event(
        WBEvent(
            event_id=str(uuid.uuid4()),
            chat_id=chat.chat_id,
            sender="seller",
            source="seller-public-api",
            ts_ms=int(now * 1000),
            text=text,
            client_name=chat.client_name,
            files=stored,
        )
    )
    if text.strip():
        shop.record_reply(kind="wb_chat", target=chat.chat_id, text=text, via="POST /api/v1/seller/message", now=now)
    return json_response(200, {"result": {"addTime": event.ts_ms, "chatID": chat.chat_id}, "errors": []})


def download(shop: Shop, req: Request, now: float) -> Response:
    file_id = req.path.rsplit("/", 1)[-1]
    wb_file = shop.files.get(file_id)
    if wb_file is None:
        return wb_chat_error("invalid fileID", content_type="application/json")
    return Response(200, body=wb_file.data, content_type=wb_file.content_type)


DOWNLOAD_PREFIX = "/api/v1/seller/download/"
ROUTES = {
    ("GET", "/api/v1/seller/chats"): list_chats,
    ("GET", "/api/v1/seller/events"): list_events,
    ("POST", "/api/v1/seller/message"): send_message,
}


def route(method: str, path: str):
    if method == "GET" and path.startswith(DOWNLOAD_PREFIX) and len(path) > len(DOWNLOAD_PREFIX):
        return download
    return ROUTES.get((method, path))
