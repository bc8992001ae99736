"""WB feedbacks-api: feedbacks and questions (README §3). Handlers run with the state lock held."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from sandbox.moderation import REJECTED
from sandbox.records import Answer, WBQuestion
from sandbox.shop import Shop
from sandbox.wire import Request, Response, wb_envelope, wb_envelope_error, wb_fbapi_error

NOT_EDITABLE = "Ответ нельзя редактировать"
# WB does not document how it refuses a second POST answer; the sandbox uses the POST's documented 400 shape.
ALREADY_ANSWERED = "Ответ на этот отзыв уже есть: его можно только отредактировать"


class BadParam(Exception):
    pass


def _bool(req: Request, name: str, *, required: bool = False, default: bool | None = None) -> bool | None:
    raw = req.arg(name)
    if raw is None or raw == "":
        if required:
            raise BadParam(f"Плохой формат {name}")
        return default
    if raw.lower() not in ("true", "false"):
        raise BadParam(f"Плохой формат {name}")
    return raw.lower() == "true"


def _int(req: Request, name: str, *, required: bool = False, maximum: int | None = None) -> int | None:
    raw = req.arg(name)
    if raw is None or raw == "":
        if required:
            raise BadParam(f"Плохой формат {name}")
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadParam(f"Плохой формат {name}") from None
    if value < 0 or (maximum is not None and value > maximum):
        raise BadParam(f"Недопустимое значение {name}")
    return value


def _order(req: Request) -> bool:
    """True when newest first (the default)."""
    raw = req.arg("order")
    if raw in (None, "", "dateDesc"):
        return True
    if raw == "dateAsc":
        return False
    raise BadParam("Плохой формат order")


def _in_window(ts: float, date_from: int | None, date_to: int | None) -> bool:
    # Compare whole seconds: the dates on the wire carry the second, and dateFrom/dateTo are seconds.
    second = int(ts)
    return (date_from is None or second >= date_from) and (date_to is None or second <= date_to)


def _today_start(now: float) -> float:
    return datetime.fromtimestamp(now, tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


# --- feedbacks ---
def list_feedbacks(shop: Shop, req: Request, now: float) -> Response:
    is_answered = _bool(req, "isAnswered", required=True)
    take = _int(req, "take", required=True, maximum=5000)
    skip = _int(req, "skip", required=True, maximum=199_990)
    nm_id = _int(req, "nmId")
    newest_first = _order(req)
    date_from, date_to = _int(req, "dateFrom"), _int(req, "dateTo")
    items = [
        f
        for f in shop.feedbacks
        if f.answered(now) == is_answered
        and (nm_id is None or f.nm_id == nm_id)
        and _in_window(f.created_ts, date_from, date_to)
    ]
    items.sort(key=lambda f: f.created_ts, reverse=newest_first)
    answered = sum(1 for f in shop.feedbacks if f.answered(now))
    return wb_envelope(
        {
            "countUnanswered": len(shop.feedbacks) - answered,
            "countArchive": answered,
            "feedbacks": [f.as_wb(now, shop.edit_window) for f in items[skip : skip + take]],
        }
    )


def list_archive(shop: Shop, req: Request, now: float) -> Response:
    _int(req, "take", required=True, maximum=5000)
    _int(req, "skip", required=True, maximum=199_990)
    _int(req, "nmId")
    _order(req)
    return wb_envelope({"feedbacks": []})  # the sandbox archives nothing (see README)


def count_feedbacks(shop: Shop, req: Request, now: float) -> Response:
    is_answered = _bool(req, "isAnswered", default=True)
    date_from, date_to = _int(req, "dateFrom"), _int(req, "dateTo")
    count = sum(
        1 for f in shop.feedbacks if f.answered(now) == is_answered and _in_window(f.created_ts, date_from, date_to)
    )
    return wb_envelope(count)


def count_unanswered_feedbacks(shop: Shop, req: Request, now: float) -> Response:
    unanswered = [f for f in shop.feedbacks if not f.answered(now)]
    today = _today_start(now)
    return wb_envelope(
        {
            "countUnanswered": len(unanswered),
            "countUnansweredToday": sum(1 for f in unanswered if f.created_ts >= today),
        }
    )


def get_feedback(shop: Shop, req: Request, now: float) -> Response:
    feedback = shop.feedback_by_id.get(req.arg("id") or "")
    if feedback is None:
        return wb_envelope_error(422, "Невозможно получить отзыв по id")
    return wb_envelope(feedback.as_wb(now, shop.edit_window))


def _answer_body(req: Request) -> tuple[str, str] | Response:
    content_type = (req.headers.get("Content-Type") or "").lower()
    if not content_type:
        return wb_fbapi_error("content-type header not specified")
    if "application/json" not in content_type:
        return wb_fbapi_error(f"not a json content-type: {content_type}")
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        return wb_fbapi_error("Неверный синтаксис JSON")
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not isinstance(body.get("text"), str):
        return wb_fbapi_error("Обязательные поля: id, text")
    text = body["text"]
    if not 2 <= len(text.strip()) <= 5000:
        return wb_fbapi_error("Длина текста ответа должна быть от 2 до 5000 символов")
    return body["id"], text


def answer_feedback(shop: Shop, req: Request, now: float) -> Response:
    parsed = _answer_body(req)
    if isinstance(parsed, Response):
        return parsed
    feedback_id, text = parsed
    feedback = shop.feedback_by_id.get(feedback_id)
    if feedback is None:
        # WB answers 204 for an id it does not know; the text reaches nobody.
        shop.record_unmatched(marketplace="wb", kind="wb_feedback", target=feedback_id, text=text, now=now)
        return Response(204, content_type=None)
    if req.method == "PATCH":
        if feedback.answer is None or not feedback.editable(now, shop.edit_window):
            return wb_envelope_error(400, NOT_EDITABLE)
        feedback.answer = Answer(text, feedback.answer.at, editable=False, verdict=shop.moderation.draw(now))
    elif feedback.answer is not None and feedback.answer.verdict.state(now) != REJECTED:
        return wb_fbapi_error(ALREADY_ANSWERED)
    else:
        # A first answer, or one after moderation rejected the last: it starts afresh.
        feedback.answer = Answer(text, now, editable=True, verdict=shop.moderation.draw(now))
    feedback.was_viewed = True
    shop.record_reply(
        kind="wb_feedback", target=feedback.id, text=text, via=f"{req.method} /api/v1/feedbacks/answer", now=now
    )
    return Response(204, content_type=None)


# --- questions ---
def _visible(q: WBQuestion, is_answered: bool) -> bool:
    return q.answered == is_answered


def list_questions(shop: Shop, req: Request, now: float) -> Response:
    is_answered = _bool(req, "isAnswered", required=True)
    take = _int(req, "take", required=True, maximum=10_000)
    skip = _int(req, "skip", required=True, maximum=10_000)
    if take + skip > 10_000:
        raise BadParam("Сумма take и skip не должна превышать 10000")
    nm_id = _int(req, "nmId")
    newest_first = _order(req)
    date_from, date_to = _int(req, "dateFrom"), _int(req, "dateTo")
    items = [
        q
        for q in shop.questions
        if _visible(q, is_answered)
        and (nm_id is None or q.nm_id == nm_id)
        and _in_window(q.created_ts, date_from, date_to)
    ]
    items.sort(key=lambda q: (int(q.created_ts), q.created_ns), reverse=newest_first)
    answered = sum(1 for q in shop.questions if q.answered)
    return wb_envelope(
        {
            "countUnanswered": len(shop.questions) - answered,
            "countArchive": answered,
            "questions": [q.as_wb(now, window=shop.edit_window) for q in items[skip : skip + take]],
        }
    )


def count_questions(shop: Shop, req: Request, now: float) -> Response:
    is_answered = _bool(req, "isAnswered", default=True)
    date_from, date_to = _int(req, "dateFrom"), _int(req, "dateTo")
    count = sum(1 for q in shop.questions if _visible(q, is_answered) and _in_window(q.created_ts, date_from, date_to))
    return wb_envelope(count)


def count_unanswered_questions(shop: Shop, req: Request, now: float) -> Response:
    unanswered = [q for q in shop.questions if not q.answered]
    today = _today_start(now)
    return wb_envelope(
        {
            "countUnanswered": len(unanswered),
            "countUnansweredToday": sum(1 for q in unanswered if q.created_ts >= today),
        }
    )


def get_question(shop: Shop, req: Request, now: float) -> Response:
    question = shop.question_by_id.get(req.arg("id") or "")
    if question is None:
        return wb_envelope_error(422, "Невозможно получить вопрос по id")
    return wb_envelope(question.as_wb(now, single=True, window=shop.edit_window))


def new_feedbacks_questions(shop: Shop, req: Request, now: float) -> Response:
    return wb_envelope(
        {
            "hasNewQuestions": any(not q.was_viewed and not q.answered for q in shop.questions),
            "hasNewFeedbacks": any(not f.was_viewed and not f.answered(now) for f in shop.feedbacks),
        }
    )


def patch_question(shop: Shop, req: Request, now: float) -> Response:
    try:
        body = req.json()
    except (ValueError, UnicodeDecodeError):
        return wb_envelope_error(400, "Неверный синтаксис JSON")
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return wb_envelope_error(400, "Не указан id вопроса")
    question = shop.question_by_id.get(body["id"])
    if "wasViewed" in body and "answer" not in body:
        if not isinstance(body["wasViewed"], bool):
            return wb_envelope_error(400, "Плохой формат wasViewed")
        if question is None:
            return wb_envelope_error(404, "Не найден отзыв")
        question.was_viewed = body["wasViewed"]
        return wb_envelope(None)
    answer, state = body.get("answer"), body.get("state")
    if not isinstance(answer, dict) or not isinstance(answer.get("text"), str) or state not in ("wbRu", "none"):
        return wb_envelope_error(400, "Некорректное тело запроса")
    text = answer["text"]
    if not 2 <= len(text.strip()) <= 5000:
        return wb_envelope_error(400, "Длина текста ответа должна быть от 2 до 5000 символов")
    if question is None:
        return wb_envelope_error(404, "Не найден отзыв")
    if question.answer is not None:
        if not question.editable(now, shop.edit_window):
            return wb_envelope_error(400, NOT_EDITABLE)
        question.answer = Answer(text, question.answer.at, editable=False)
    else:
        question.answer = Answer(text, now, editable=True)
    question.state = state
    question.was_viewed = True
    shop.record_reply(kind="wb_question", target=question.id, text=text, via="PATCH /api/v1/questions", now=now)
    return wb_envelope(None)


Handler = Callable[[Shop, Request, float], Response]

ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "/api/v1/feedbacks"): list_feedbacks,
    ("GET", "/api/v1/feedbacks/archive"): list_archive,
    ("GET", "/api/v1/feedbacks/count"): count_feedbacks,
    ("GET", "/api/v1/feedbacks/count-unanswered"): count_unanswered_feedbacks,
    ("GET", "/api/v1/feedback"): get_feedback,
    ("POST", "/api/v1/feedbacks/answer"): answer_feedback,
    ("PATCH", "/api/v1/feedbacks/answer"): answer_feedback,
    ("GET", "/api/v1/questions"): list_questions,
    ("GET", "/api/v1/questions/count"): count_questions,
    ("GET", "/api/v1/questions/count-unanswered"): count_unanswered_questions,
    ("GET", "/api/v1/question"): get_question,
    ("PATCH", "/api/v1/questions"): patch_question,
    ("GET", "/api/v1/new-feedbacks-questions"): new_feedbacks_questions,
}
PATHS = {path for _method, path in ROUTES}


def handle(shop: Shop, req: Request, now: float) -> Response:
    handler = ROUTES[(req.method, req.path)]
    try:
        return handler(shop, req, now)
    except BadParam as exc:
        return wb_envelope_error(400, str(exc))
    except json.JSONDecodeError:
        return wb_envelope_error(400, "Неверный синтаксис JSON")
