"""Ozon product questions API client (Premium Plus): list, answers, answer, delete an answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from integrations.errors import BadResponse
from integrations.ozon.client import OzonAuth, as_id, call


@dataclass
class QuestionList:
    questions: list[dict[str, Any]] = field(default_factory=list)
    last_id: str = ""


@dataclass
class AnswerList:
    answers: list[dict[str, Any]] = field(default_factory=list)
    last_id: str = ""


def list_questions(
    auth: OzonAuth, *, last_id: str = "", status: str = "ALL", date_from: datetime | None = None
) -> QuestionList:
    flt: dict[str, Any] = {"status": status}
    if date_from is not None:
        flt["date_from"] = date_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = call(auth, "/v1/question/list", {"filter": flt, "last_id": last_id})
    questions = data.get("questions") or []
    if not isinstance(questions, list):
        raise BadResponse("Ozon вернул список вопросов неизвестного формата.")
    return QuestionList(questions=questions, last_id=as_id(data.get("last_id")))


def get_question(auth: OzonAuth, *, question_id: str) -> dict[str, Any]:
    data = call(auth, "/v1/question/info", {"question_id": question_id})
    if not data.get("id"):
        raise BadResponse("Ozon вернул вопрос неизвестного формата.")
    return data


def list_answers(auth: OzonAuth, *, question_id: str, sku: int, last_id: str = "") -> AnswerList:
    data = call(auth, "/v1/question/answer/list", {"question_id": question_id, "sku": int(sku), "last_id": last_id})
    answers = data.get("answers") or []
    if not isinstance(answers, list):
        raise BadResponse("Ozon вернул ответы на вопрос неизвестного формата.")
    return AnswerList(answers=answers, last_id=as_id(data.get("last_id")))


def all_answers(auth: OzonAuth, *, question_id: str, sku: int) -> tuple[list[dict[str, Any]], int]:
    answers: list[dict[str, Any]] = []
    seen: set[str] = set()
    last_id = ""
    requests_made = 0
    while requests_made < 50:
        page = list_answers(auth, question_id=question_id, sku=sku, last_id=last_id)
        requests_made += 1
        fresh = [a for a in page.answers if as_id(a.get("id")) not in seen]
        seen.update(as_id(a.get("id")) for a in fresh)
        answers.extend(fresh)
        if not fresh or not page.last_id or page.last_id == last_id:
            break
        last_id = page.last_id
    return answers, requests_made


def create_answer(auth: OzonAuth, *, question_id: str, sku: int, text: str) -> str:
    data = call(
        auth,
        "/v1/question/answer/create",
        {"question_id": question_id, "sku": int(sku), "text": text},
        idempotent=False,
    )
    return as_id(data.get("answer_id"))


def delete_answer(auth: OzonAuth, *, answer_id: str, sku: int) -> None:
    call(auth, "/v1/question/answer/delete", {"answer_id": answer_id, "sku": int(sku)})
