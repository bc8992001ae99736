"""WB product questions API client: lists, counts, one question, answer (or edit the answer), mark viewed."""

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

# WB: take + skip <= 10000 for questions.
MAX_WINDOW = 10000
MAX_TAKE = 5000


@dataclass
class QuestionList:
    questions: list[dict[str, Any]] = field(default_factory=list)
    count_unanswered: int = 0
    count_archive: int = 0
    requests: int = 1


def list_questions(
    auth: WBAuth,
    *,
    is_answered: bool,
    take: int = MAX_TAKE,
    skip: int = 0,
    order: str = "dateAsc",
    date_from: int | None = None,
    date_to: int | None = None,
    nm_id: int | None = None,
) -> QuestionList:
    take = max(1, min(take, MAX_WINDOW - skip))
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
        auth, "/api/v1/questions", key="questions", params=params, what="вопросов"
    )
    return QuestionList(questions=items, count_unanswered=count_unanswered, count_archive=count_archive)


def count_unanswered(auth: WBAuth) -> dict[str, int]:
    return unanswered_counts(auth, "/api/v1/questions/count-unanswered")


def count_questions(
    auth: WBAuth, *, is_answered: bool = True, date_from: int | None = None, date_to: int | None = None
) -> int:
    params = list_params(is_answered=is_answered, date_from=date_from, date_to=date_to)
    return as_int(envelope_data(feedbacks_call(auth, "GET", "/api/v1/questions/count", params=params)))


def get_question(auth: WBAuth, *, question_id: str) -> dict[str, Any]:
    data = envelope_data(feedbacks_call(auth, "GET", "/api/v1/question", params={"id": question_id}))
    if not isinstance(data, dict):
        raise BadResponse("Wildberries вернул вопрос неизвестного формата.")
    return data


def answer_question(auth: WBAuth, *, question_id: str, text: str) -> None:
    """Answer, or edit an answer (allowed once, within 60 days)."""
    envelope_data(
        feedbacks_call(
            auth,
            "PATCH",
            "/api/v1/questions",
            json_body={"id": question_id, "answer": {"text": text}, "state": "wbRu"},
        )
    )


def mark_viewed(auth: WBAuth, *, question_id: str) -> None:
    envelope_data(feedbacks_call(auth, "PATCH", "/api/v1/questions", json_body={"id": question_id, "wasViewed": True}))
