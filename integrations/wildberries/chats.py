"""WB buyer chat API client: chat list, the event feed with its `next` cursor, send a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.errors import BadResponse
from integrations.wildberries.client import WBAuth, chat_call, chat_result

MAX_MESSAGE_CHARS = 1000


@dataclass
class EventPage:
    events: list[dict[str, Any]] = field(default_factory=list)
    next: int | None = None  # Unix ms; pass back to read on
    total_events: int = 0


@dataclass
class SentMessage:
    chat_id: str
    add_time_ms: int | None
    errors: list[str] = field(default_factory=list)


def list_chats(auth: WBAuth) -> list[dict[str, Any]]:
    result = chat_result(chat_call(auth, "GET", "/api/v1/seller/chats"))
    if result is None:
        return []
    if not isinstance(result, list):
        raise BadResponse("Wildberries вернул список чатов неизвестного формата.")
    return [chat for chat in result if isinstance(chat, dict)]


def list_events(auth: WBAuth, *, next_ms: int | None = None) -> EventPage:
    params = {"next": int(next_ms)} if next_ms else None
    result = chat_result(chat_call(auth, "GET", "/api/v1/seller/events", params=params))
    if not isinstance(result, dict):
        raise BadResponse("Wildberries вернул ленту событий неизвестного формата.")
    events = result.get("events") or []
    if not isinstance(events, list):
        raise BadResponse("Wildberries вернул ленту событий неизвестного формата.")
    raw_next = result.get("next")
    next_value = raw_next if isinstance(raw_next, int) and not isinstance(raw_next, bool) else None
    total = result.get("totalEvents")
    return EventPage(
        events=events,
        next=next_value,
        total_events=total if isinstance(total, int) and not isinstance(total, bool) else len(events),
    )


def send_message(auth: WBAuth, *, reply_sign: str, text: str) -> SentMessage:
    """multipart/form-data; there is no idempotency key, so this is never retried by the seam."""
    files = {"replySign": (None, reply_sign), "message": (None, text)}
    response = chat_call(auth, "POST", "/api/v1/seller/message", files=files)
    body = response.data if isinstance(response.data, dict) else {}
    result = body.get("result") if isinstance(body.get("result"), dict) else {}
    add_time = result.get("addTime")
    return SentMessage(
        chat_id=str(result.get("chatID") or ""),
        add_time_ms=add_time if isinstance(add_time, int) and not isinstance(add_time, bool) else None,
        errors=[str(e) for e in (body.get("errors") or [])],
    )
