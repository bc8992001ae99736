"""Ozon reviews API client (Premium Plus): list, comments, comment (our answer), delete a comment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.errors import BadResponse
from integrations.ozon.client import OzonAuth, as_id, call

MIN_LIMIT, MAX_LIMIT = 20, 100


@dataclass
class ReviewList:
    reviews: list[dict[str, Any]] = field(default_factory=list)
    last_id: str = ""
    has_next: bool = False


@dataclass
class CommentList:
    comments: list[dict[str, Any]] = field(default_factory=list)
    offset: int = 0


def list_reviews(auth: OzonAuth, *, last_id: str = "", limit: int = MAX_LIMIT, status: str = "ALL") -> ReviewList:
    limit = max(MIN_LIMIT, min(limit, MAX_LIMIT))
    data = call(auth, "/v1/review/list", {"last_id": last_id, "limit": limit, "sort_dir": "ASC", "status": status})
    reviews = data.get("reviews") or []
    if not isinstance(reviews, list):
        raise BadResponse("Ozon вернул список отзывов неизвестного формата.")
    has_next = data.get("has_next")
    return ReviewList(
        reviews=reviews,
        last_id=as_id(data.get("last_id")),
        has_next=has_next is True or (isinstance(has_next, str) and has_next.lower() == "true"),
    )


def get_review(auth: OzonAuth, *, review_id: str) -> dict[str, Any]:
    data = call(auth, "/v1/review/info", {"review_id": review_id})
    if not data.get("id"):
        raise BadResponse("Ozon вернул отзыв неизвестного формата.")
    return data


def list_comments(auth: OzonAuth, *, review_id: str, offset: int = 0, limit: int = MAX_LIMIT) -> CommentList:
    data = call(
        auth,
        "/v1/review/comment/list",
        {"review_id": review_id, "limit": max(MIN_LIMIT, min(limit, MAX_LIMIT)), "offset": offset, "sort_dir": "ASC"},
    )
    comments = data.get("comments") or []
    if not isinstance(comments, list):
        raise BadResponse("Ozon вернул комментарии неизвестного формата.")
    raw_offset = data.get("offset")
    return CommentList(comments=comments, offset=raw_offset if isinstance(raw_offset, int) else offset + len(comments))


def all_comments(auth: OzonAuth, *, review_id: str) -> tuple[list[dict[str, Any]], int]:
    """Every comment of a review, and how many requests that took."""
    comments: list[dict[str, Any]] = []
    requests_made = 0
    offset = 0
    while True:
        page = list_comments(auth, review_id=review_id, offset=offset)
        requests_made += 1
        comments.extend(page.comments)
        if len(page.comments) < MAX_LIMIT or requests_made >= 50:
            return comments, requests_made
        offset += len(page.comments)


def create_comment(auth: OzonAuth, *, review_id: str, text: str, mark_processed: bool = True) -> str:
    data = call(
        auth,
        "/v1/review/comment/create",
        {"review_id": review_id, "text": text, "mark_review_as_processed": mark_processed},
        idempotent=False,
    )
    return as_id(data.get("comment_id"))


def delete_comment(auth: OzonAuth, *, comment_id: str) -> None:
    # A delete may be repeated safely: a second one finds nothing (not_found), which the caller treats as done.
    call(auth, "/v1/review/comment/delete", {"comment_id": comment_id})
