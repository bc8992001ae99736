"""WB product questions API client: lists, counts, one question, answer, mark viewed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.errors import BadResponse
from integrations.wildberries.client import WBAuth, envelope_data, feedbacks_call

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
    params: dict[str, Any] = {"isAnswered": "true" if is_answered else "false", "take": take, "skip": skip}
    if order:
        params["order"] = order
    if date_from is not None:
        params["dateFrom"] = int(date_from)
    if date_to is not None:
        params["dateTo"] = int(date_to)
    if nm_id is not None:
        params["nmId"] = nm_id
    data = envelope_data(feedbacks_call(auth, "GET", "/api/v1/questions", params=params))
    if not isinstance(data, dict) or not isinstance(data.get("questions") or [], list):
        raise BadResponse("Wildberries вернул список вопросов неизвестного формата.")
    return QuestionList(
        questions=list(data.get("questions") or []),
        count_unanswered=_int(data.get("countUnanswered")),
        count_archive=_int(data.get("countArchive")),
    )


def count_unanswered(auth: WBAuth) -> dict[str, int]:
    data = envelope_data(feedbacks_call(auth, "GET", "/api/v1/questions/count-unanswered"))
    data = data if isinstance(data, dict) else {}
    return {"count_unanswered": _int(data.get("countUnanswered")), "today": _int(data.get("countUnansweredToday"))}


def count_questions(
    auth: WBAuth, *, is_answered: bool = True, date_from: int | None = None, date_to: int | None = None
) -> int:
    params: dict[str, Any] = {"isAnswered": "true" if is_answered else "false"}
    if date_from is not None:
        params["dateFrom"] = int(date_from)
    if date_to is not None:
        params["dateTo"] = int(date_to)
    data = envelope_data(feedbacks_call(auth, "GET", "/api/v1/questions/count", params=params))
    return _int(data)


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


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
