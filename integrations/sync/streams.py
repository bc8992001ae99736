"""Streams: how each marketplace feed is read page by page into normalized records.

The sync engine (integrations/sync/engine.py) loops `fetch_page` from a saved cursor until `done`, upserting each
page's records and saving its cursor in one transaction. Every reader here guarantees: every item is read at
least once (the upsert dedupes), nothing is skipped when the marketplace list moves under us, a crash between
pages re-reads from the last saved cursor, and a re-sync with nothing new costs few requests and no records.
"""

from __future__ import annotations

from typing import Any

from integrations.ozon import streams as ozon_streams
from integrations.pages import StreamPage
from integrations.wildberries import streams as wb_streams

WB_FEEDBACKS = "wb_feedbacks"
WB_QUESTIONS = "wb_questions"
WB_CHATS = "wb_chats"
OZON_CHATS = "ozon_chats"
OZON_REVIEWS = "ozon_reviews"
OZON_QUESTIONS = "ozon_questions"

STREAMS_BY_MARKETPLACE: dict[str, list[str]] = {
    "wb": [WB_FEEDBACKS, WB_QUESTIONS, WB_CHATS],
    "ozon": [OZON_CHATS, OZON_REVIEWS, OZON_QUESTIONS],
}

# The read-back of our answers' marketplace state (moderation, publication, rejection). Not a feed: it reads
# the items we answered, and runs after the feeds only while some answer of ours awaits its verdict.
WB_ANSWERS = "wb_answers"
OZON_ANSWERS = "ozon_answers"
ANSWER_STREAMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "wb": (WB_ANSWERS, (WB_FEEDBACKS, WB_QUESTIONS)),
    "ozon": (OZON_ANSWERS, (OZON_REVIEWS, OZON_QUESTIONS)),
}


def streams_for(connection: Any, wanted: list[str] | None = None) -> list[str]:
    """The streams a connection reads: its marketplace's, narrowed to `connection.streams` when set (a WB
    token without the chat category), and to `wanted` when given."""
    names = list(STREAMS_BY_MARKETPLACE.get(connection.marketplace, []))
    if connection.streams:
        names = [name for name in names if name in connection.streams]
    if wanted:
        names = [name for name in names if name in wanted]
    return names


def answer_stream_for(connection: Any, wanted: list[str] | None = None) -> str | None:
    """The connection's answer read-back stream, when it reads reviews or questions (and `wanted` allows it)."""
    name, feeds = ANSWER_STREAMS.get(connection.marketplace, ("", ()))
    if not name or not any(feed in streams_for(connection) for feed in feeds):
        return None
    if wanted and name not in wanted:
        return None
    return name


def resume_cursor(*, stream: str, cursor: dict) -> dict:
    """The cursor a new sync starts `stream` from, given the one saved by the last sync that read it."""
    if stream in (WB_FEEDBACKS, WB_QUESTIONS):
        return wb_streams.resume_list_cursor(dict(cursor or {}))
    return dict(cursor or {})


def fetch_page(connection: Any, *, stream: str, cursor: dict) -> StreamPage:
    """Read the next page of `stream` for `connection` from `cursor`. Raises integrations.errors on failure."""
    readers = {
        WB_FEEDBACKS: wb_streams.read_feedbacks,
        WB_QUESTIONS: wb_streams.read_questions,
        WB_CHATS: wb_streams.read_chats,
        OZON_CHATS: ozon_streams.read_chats,
        OZON_REVIEWS: ozon_streams.read_reviews,
        OZON_QUESTIONS: ozon_streams.read_questions,
        WB_ANSWERS: wb_streams.read_answers,
        OZON_ANSWERS: ozon_streams.read_answers,
    }
    reader = readers.get(stream)
    if reader is None:
        raise ValueError(f"unknown stream {stream!r}")
    return reader(connection, cursor=dict(cursor or {}))
