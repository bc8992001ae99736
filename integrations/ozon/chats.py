"""Ozon chat API client: list (v3), history (v3), send, mark read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.errors import BadResponse
from integrations.ozon.client import OzonAuth, call

MAX_LIMIT = 1000


@dataclass
class ChatList:
    chats: list[dict[str, Any]] = field(default_factory=list)
    cursor: str = ""
    has_next: bool = False


@dataclass
class ChatHistory:
    messages: list[dict[str, Any]] = field(default_factory=list)
    has_next: bool = False


def list_chats(auth: OzonAuth, *, cursor: str = "", limit: int = 100, unread_only: bool = False) -> ChatList:
    body: dict[str, Any] = {"filter": {"chat_status": "All", "unread_only": unread_only}, "limit": limit}
    if cursor:
        body["cursor"] = cursor
    data = call(auth, "/v3/chat/list", body)
    chats = data.get("chats") or []
    if not isinstance(chats, list):
        raise BadResponse("Ozon вернул список чатов неизвестного формата.")
    return ChatList(chats=chats, cursor=str(data.get("cursor") or ""), has_next=_bool(data.get("has_next")))


def chat_history(
    auth: OzonAuth,
    *,
    chat_id: str,
    from_message_id: str | int | None = None,
    direction: str = "Forward",
    limit: int = MAX_LIMIT,
) -> ChatHistory:
    body: dict[str, Any] = {"chat_id": chat_id, "direction": direction, "limit": limit}
    if from_message_id not in (None, "", 0):
        # uint64: sent as a JSON integer (exact in Python), never through a float.
        body["from_message_id"] = int(from_message_id)
    data = call(auth, "/v3/chat/history", body)
    messages = data.get("messages") or []
    if not isinstance(messages, list):
        raise BadResponse("Ozon вернул историю чата неизвестного формата.")
    return ChatHistory(messages=messages, has_next=_bool(data.get("has_next")))


def send_message(auth: OzonAuth, *, chat_id: str, text: str) -> None:
    call(auth, "/v1/chat/send/message", {"chat_id": chat_id, "text": text}, idempotent=False)


def mark_read(auth: OzonAuth, *, chat_id: str, from_message_id: str | int | None = None) -> int:
    body: dict[str, Any] = {"chat_id": chat_id}
    if from_message_id not in (None, "", 0):
        body["from_message_id"] = int(from_message_id)
    data = call(auth, "/v2/chat/read", body)
    unread = data.get("unread_count")
    return unread if isinstance(unread, int) else 0


def _bool(value: Any) -> bool:
    # The docs' own example has has_next as the string "true".
    return value is True or (isinstance(value, str) and value.lower() == "true")
