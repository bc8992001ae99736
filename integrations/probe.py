"""Check a connection's credentials with cheap real calls, one per stream. Raises the typed errors."""

from __future__ import annotations

from typing import Any

from integrations.errors import AuthFailed, PermanentError
from integrations.ozon import chats as ozon_chats
from integrations.ozon import questions as ozon_questions
from integrations.ozon import reviews as ozon_reviews
from integrations.ozon.client import ozon_auth
from integrations.sync.streams import (
    OZON_CHATS,
    OZON_QUESTIONS,
    OZON_REVIEWS,
    WB_CHATS,
    WB_FEEDBACKS,
    WB_QUESTIONS,
    streams_for,
)
from integrations.wildberries import chats as wb_chats
from integrations.wildberries import feedbacks as wb_feedbacks
from integrations.wildberries import questions as wb_questions
from integrations.wildberries.client import wb_auth
from integrations.wildberries.tokens import wb_token_info


def check_connection(connection: Any) -> dict:
    """{"marketplace", "streams": {stream: "ok"}, ...}; WB adds token_expires_at and read_only."""
    if connection.marketplace == "wb":
        return _check_wb(connection)
    if connection.marketplace == "ozon":
        return _check_ozon(connection)
    raise PermanentError("Неизвестный маркетплейс.", code="unknown_marketplace")


def _check_wb(connection: Any) -> dict:
    auth = wb_auth(connection)
    result: dict[str, Any] = {"marketplace": "wb", "streams": {}}
    try:
        info = wb_token_info(auth.token)
    except ValueError:
        raise AuthFailed("Это не токен Wildberries: скопируйте его из кабинета продавца целиком.") from None
    if info.expires_at is not None:
        result["token_expires_at"] = info.expires_at.isoformat()
    result["read_only"] = info.read_only
    result["base_token"] = auth.base_token  # WB allows a Base token ~5 requests an hour: too few to keep up
    # Only the API categories this connection reads: a token without the chat category is fine for
    # feedbacks and questions, and WB would answer its chat request with 401. Cheap calls, no lists.
    streams = streams_for(connection)
    if WB_FEEDBACKS in streams:
        result["unanswered_feedbacks"] = wb_feedbacks.count_unanswered(auth)["count_unanswered"]
        result["streams"][WB_FEEDBACKS] = "ok"
    if WB_QUESTIONS in streams:
        result["unanswered_questions"] = wb_questions.count_unanswered(auth)["count_unanswered"]
        result["streams"][WB_QUESTIONS] = "ok"
    if WB_CHATS in streams:
        wb_chats.list_chats(auth)
        result["streams"][WB_CHATS] = "ok"
    return result


def _check_ozon(connection: Any) -> dict:
    auth = ozon_auth(connection)
    result: dict[str, Any] = {"marketplace": "ozon", "streams": {}}
    ozon_chats.list_chats(auth, limit=1)
    result["streams"][OZON_CHATS] = "ok"
    # Reviews and questions need Premium Plus: SubscriptionRequired says so in plain words.
    ozon_reviews.list_reviews(auth, limit=ozon_reviews.MIN_LIMIT)
    result["streams"][OZON_REVIEWS] = "ok"
    ozon_questions.list_questions(auth)
    result["streams"][OZON_QUESTIONS] = "ok"
    return result
