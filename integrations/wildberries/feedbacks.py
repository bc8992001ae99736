"""WB feedbacks (reviews) API client: lists, counts, one feedback, answer and edit. Items stay raw dicts:
normalization (wildberries/normalize.py) parses them one by one, so one bad item is quarantined, not fatal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.errors import BadResponse
from integrations.wildberries.client import (
    WBAuth,
    as_int,
    envelope_data,
    feedbacks_call,
    list_page,
    list_params,
    unanswered_counts,
)

MAX_TAKE = 5000


@dataclass
class FeedbackList:
    feedbacks: list[dict[str, Any]] = field(default_factory=list)
    count_unanswered: int = 0
    count_archive: int = 0
    requests: int = 1


def list_feedbacks(
    auth: WBAuth,
    *,
    is_answered: bool,
    take: int = MAX_TAKE,
    skip: int = 0,
    order: str = "dateAsc",
    date_from: int | None = None,
    date_to: int | None = None,
    nm_id: int | None = None,
) -> FeedbackList:
    params = list_params(
        is_answered=is_answered,
        take=take,
        skip=skip,
        order=order,
        date_from=date_from,
        date_to=date_to,
        nm_id=nm_id,
    )
    items, count_unanswered, count_archive = list_page(
        auth, "/api/v1/feedbacks", key="feedbacks", params=params, what="отзывов"
    )
    return FeedbackList(feedbacks=items, count_unanswered=count_unanswered, count_archive=count_archive)


def count_unanswered(auth: WBAuth) -> dict[str, int]:
    return unanswered_counts(auth, "/api/v1/feedbacks/count-unanswered")


def count_feedbacks(
    auth: WBAuth, *, is_answered: bool = True, date_from: int | None = None, date_to: int | None = None
) -> int:
    params = list_params(is_answered=is_answered, date_from=date_from, date_to=date_to)
    return as_int(envelope_data(feedbacks_call(auth, "GET", "/api/v1/feedbacks/count", params=params)))


def has_new(auth: WBAuth) -> dict[str, bool]:
    """Anything not yet viewed in the seller portal: the cheapest "is there news" call."""
    data = envelope_data(feedbacks_call(auth, "GET", "/api/v1/new-feedbacks-questions"))
    data = data if isinstance(data, dict) else {}
    return {"feedbacks": data.get("hasNewFeedbacks") is True, "questions": data.get("hasNewQuestions") is True}


def get_feedback(auth: WBAuth, *, feedback_id: str) -> dict[str, Any]:
    data = envelope_data(feedbacks_call(auth, "GET", "/api/v1/feedback", params={"id": feedback_id}))
    if not isinstance(data, dict):
        raise BadResponse("Wildberries вернул отзыв неизвестного формата.")
    return data


def answer_feedback(auth: WBAuth, *, feedback_id: str, text: str) -> None:
    # WB answers 204 even for an unknown id; delivery verifies through get_feedback when it matters.
    feedbacks_call(
        auth, "POST", "/api/v1/feedbacks/answer", json_body={"id": feedback_id, "text": text}, expect_json=False
    )


def edit_answer(auth: WBAuth, *, feedback_id: str, text: str) -> None:
    """Allowed once, within 60 days of the first answer (answer.editable)."""
    feedbacks_call(
        auth, "PATCH", "/api/v1/feedbacks/answer", json_body={"id": feedback_id, "text": text}, expect_json=False
    )
