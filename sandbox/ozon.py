"""Ozon Seller API: chats, reviews, questions (docs/marketplaces.md §6). POST only; handlers run with the state lock held."""

from __future__ import annotations

import uuid
from datetime import datetime

from sandbox import catalog
from sandbox.ozon_records import OzonAnswer, OzonComment
from sandbox.shop import Shop
from sandbox.wire import Response, iso_utc_ms, json_response, ozon_invalid, ozon_not_found

PREMIUM_FREE = {"/v3/chat/list", "/v3/product/info/list"}
PRODUCT_INFO_MAX = 1000
QUESTION_PAGE = 50


class Invalid(Exception):
    pass


def _int(body: dict, name: str, *, default: int | None = None, low: int | None = None, high: int | None = None) -> int:
    raw = body.get(name, default)
    if raw is None:
        raise Invalid(f"{name} is required")
    if isinstance(raw, bool):
        raise Invalid(f"invalid {name}")
    try:
        value = int(raw)  # uint64 ids come as numbers or strings
    except (TypeError, ValueError):
        raise Invalid(f"invalid {name}") from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise Invalid(f"{name} must be between {low} and {high}")
    return value


def _str(body: dict, name: str, *, required: bool = True) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or (required and not value):
        raise Invalid(f"{name} is required")
    return value


def _text(body: dict, low: int, high: int) -> str:
    text = _str(body, "text")
    if not low <= len(text) <= high:
        raise Invalid(f"text length must be between {low} and {high}")
    return text


# --- chats ---
def chat_list(shop: Shop, body: dict, now: float) -> Response:
    limit = _int(body, "limit", low=1, high=1000)
    flt = body.get("filter") or {}
    status = str(flt.get("chat_status") or "All").lower()
    if status not in ("all", "opened", "closed"):
        raise Invalid("invalid filter.chat_status")
    unread_only = bool(flt.get("unread_only"))
    cursor = body.get("cursor") or ""
    try:
        start = int(cursor) if cursor else 0
    except ValueError:
        raise Invalid("invalid cursor") from None
    chats = [
        (position, c)
        for position, c in enumerate(shop.ozon_chats)
        if position >= start
        and (status == "all" or c.chat_status.lower() == status)
        and (not unread_only or c.unread())
    ]
    page = chats[:limit]
    next_cursor = str(page[-1][0] + 1) if page else str(start)
    return json_response(
        200,
        {
            "chats": [c.as_ozon() for _position, c in page],
            "total_unread_count": sum(len(c.unread()) for c in shop.ozon_chats),
            "cursor": next_cursor,
            "has_next": len(chats) > limit,
        },
    )


def _chat(shop: Shop, body: dict):
    chat = shop.ozon_chat_by_id.get(_str(body, "chat_id"))
    if chat is None:
        raise LookupError("Chat not found")
    return chat


def chat_history(shop: Shop, body: dict, now: float) -> Response:
    chat = _chat(shop, body)
    limit = _int(body, "limit", default=50, low=1, high=1000)
    direction = body.get("direction") or "Backward"
    if direction not in ("Forward", "Backward"):
        raise Invalid("invalid direction")
    messages = chat.messages
    wanted = (body.get("filter") or {}).get("message_ids")
    if wanted:
        try:
            ids = {int(i) for i in wanted}
        except (TypeError, ValueError):
            raise Invalid("invalid filter.message_ids") from None
        selected = [m for m in messages if m.message_id in ids]
        return json_response(200, {"has_next": False, "messages": [m.as_ozon(chat) for m in selected]})
    if body.get("from_message_id") in (None, ""):
        from_id = messages[-1].message_id if messages else 0
    else:
        from_id = _int(body, "from_message_id", low=0)
    if direction == "Forward":
        tail = [m for m in messages if m.message_id >= from_id]
    else:
        tail = [m for m in reversed(messages) if m.message_id <= from_id]
    return json_response(200, {"has_next": len(tail) > limit, "messages": [m.as_ozon(chat) for m in tail[:limit]]})


def chat_send(shop: Shop, body: dict, now: float) -> Response:
    chat = _chat(shop, body)
    text = _text(body, 1, 1000)
    shop.add_ozon_message(chat, now, user_type="seller", text=text)
    shop.record_reply(kind="ozon_chat", target=chat.chat_id, text=text, via="/v1/chat/send/message", now=now)
    return json_response(200, {"result": "success"})


def chat_read(shop: Shop, body: dict, now: float) -> Response:
    chat = _chat(shop, body)
    if body.get("from_message_id") in (None, ""):
        upto = chat.messages[-1].message_id if chat.messages else 0
    else:
        upto = _int(body, "from_message_id", low=0)
    for message in chat.messages:
        if message.message_id <= upto:
            message.is_read = True
    return json_response(200, {"unread_count": len(chat.unread())})


# --- reviews ---
def _sorted_reviews(shop: Shop, sort_dir: str):
    return sorted(shop.reviews, key=lambda r: r.published_ts, reverse=sort_dir == "DESC")


def review_list(shop: Shop, body: dict, now: float) -> Response:
    limit = _int(body, "limit", low=20, high=100)
    sort_dir = str(body.get("sort_dir") or "DESC").upper()
    status = str(body.get("status") or "ALL").upper()
    if sort_dir not in ("ASC", "DESC") or status not in ("ALL", "UNPROCESSED", "PROCESSED"):
        raise Invalid("invalid sort_dir or status")
    last_id = body.get("last_id") or ""
    ordered = _sorted_reviews(shop, sort_dir)
    start = 0
    if last_id:
        positions = [i for i, r in enumerate(ordered) if r.id == last_id]
        if not positions:
            raise Invalid("invalid last_id")
        start = positions[0] + 1
    matching = [r for r in ordered[start:] if status == "ALL" or r.status == status]
    page = matching[:limit]
    return json_response(
        200,
        {
            "reviews": [r.as_ozon(now) for r in page],
            "last_id": page[-1].id if page else last_id,
            "has_next": len(matching) > limit,
        },
    )


def _review(shop: Shop, body: dict):
    review = shop.review_by_id.get(_str(body, "review_id"))
    if review is None:
        raise LookupError("Review not found")
    return review


def review_info(shop: Shop, body: dict, now: float) -> Response:
    return json_response(200, _review(shop, body).as_ozon_info(now))


def review_count(shop: Shop, body: dict, now: float) -> Response:
    processed = sum(1 for r in shop.reviews if r.status == "PROCESSED")
    return json_response(
        200, {"total": len(shop.reviews), "processed": processed, "unprocessed": len(shop.reviews) - processed}
    )


def comment_list(shop: Shop, body: dict, now: float) -> Response:
    review = _review(shop, body)
    limit = _int(body, "limit", low=20, high=100)
    offset = _int(body, "offset", default=0, low=0)
    reverse = str(body.get("sort_dir") or "ASC").upper() == "DESC"
    visible = review.visible_comments(now)  # Ozon lists only what moderation passed
    comments = sorted(visible, key=lambda c: c.published_ts, reverse=reverse)[offset : offset + limit]
    return json_response(200, {"comments": [c.as_ozon() for c in comments], "offset": offset + len(comments)})


def comment_create(shop: Shop, body: dict, now: float) -> Response:
    review = _review(shop, body)
    text = _text(body, 2, 3000)
    parent = body.get("parent_comment_id") or ""
    if parent and parent not in {c.id for c in review.comments}:
        raise LookupError("Comment not found")
    comment = OzonComment(
        str(uuid.uuid4()), text, now, is_owner=True, parent_comment_id=parent, verdict=shop.moderation.draw(now)
    )
    review.comments.append(comment)
    if body.get("mark_review_as_processed"):
        review.status = "PROCESSED"
    shop.record_reply(kind="ozon_review", target=review.id, text=text, via="/v1/review/comment/create", now=now)
    return json_response(200, {"comment_id": comment.id})


def comment_delete(shop: Shop, body: dict, now: float) -> Response:
    comment_id = _str(body, "comment_id")
    for review in shop.reviews:
        comment = next((c for c in review.comments if c.id == comment_id), None)
        if comment is None:
            continue
        if not comment.is_owner:
            raise Invalid("only the seller's own comments can be deleted")  # our choice: the docs are silent
        review.comments.remove(comment)
        return json_response(200, {})
    raise LookupError("Comment not found")


def review_change_status(shop: Shop, body: dict, now: float) -> Response:
    ids = body.get("review_ids")
    status = body.get("status")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100 or status not in ("PROCESSED", "UNPROCESSED"):
        raise Invalid("review_ids (1-100) and status PROCESSED|UNPROCESSED are required")
    for review_id in ids:
        review = shop.review_by_id.get(str(review_id))
        if review is not None:
            review.status = status
    return json_response(200, {})


# --- questions ---
QUESTION_STATUSES = {"ALL", "NEW", "VIEWED", "PROCESSED", "UNPROCESSED"}


def _parse_time(value: object, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise Invalid(f"invalid filter.{name}") from None


def question_list(shop: Shop, body: dict, now: float) -> Response:
    flt = body.get("filter") or {}
    status = str(flt.get("status") or "ALL").upper()
    if status not in QUESTION_STATUSES:
        raise Invalid("invalid filter.status")
    date_from, date_to = _parse_time(flt.get("date_from"), "date_from"), _parse_time(flt.get("date_to"), "date_to")
    last_id = body.get("last_id") or ""
    ordered = sorted(shop.ozon_questions, key=lambda q: q.published_ts)
    start = 0
    if last_id:
        positions = [i for i, q in enumerate(ordered) if q.id == last_id]
        if not positions:
            raise Invalid("invalid last_id")
        start = positions[0] + 1

    def keep(q) -> bool:
        ok = q.status != "PROCESSED" if status == "UNPROCESSED" else status in ("ALL", q.status)
        return (
            ok and (date_from is None or q.published_ts >= date_from) and (date_to is None or q.published_ts <= date_to)
        )

    page = [q for q in ordered[start:] if keep(q)][:QUESTION_PAGE]
    return json_response(
        200, {"questions": [q.as_ozon(now) for q in page], "last_id": page[-1].id if page else last_id}
    )


def _question(shop: Shop, body: dict):
    question = shop.ozon_question_by_id.get(_str(body, "question_id"))
    if question is None:
        raise LookupError("Question not found")
    return question


def question_info(shop: Shop, body: dict, now: float) -> Response:
    return json_response(200, _question(shop, body).as_ozon(now))


def question_count(shop: Shop, body: dict, now: float) -> Response:
    by = {s: sum(1 for q in shop.ozon_questions if q.status == s) for s in ("NEW", "VIEWED", "PROCESSED")}
    return json_response(
        200,
        {
            "all": len(shop.ozon_questions),
            "new": by["NEW"],
            "viewed": by["VIEWED"],
            "processed": by["PROCESSED"],
            "unprocessed": by["NEW"] + by["VIEWED"],
        },
    )


def answer_create(shop: Shop, body: dict, now: float) -> Response:
    question = _question(shop, body)
    if _int(body, "sku") != question.sku:
        raise Invalid("sku does not match the question")
    text = _text(body, 2, 3000)
    answer = OzonAnswer(str(uuid.uuid4()), text, now, verdict=shop.moderation.draw(now))
    question.answers.append(answer)
    question.status = "PROCESSED"
    shop.record_reply(kind="ozon_question", target=question.id, text=text, via="/v1/question/answer/create", now=now)
    return json_response(200, {"answer_id": answer.id})


def answer_delete(shop: Shop, body: dict, now: float) -> Response:
    answer_id = _str(body, "answer_id")
    sku = _int(body, "sku")
    for question in shop.ozon_questions:
        answer = next((a for a in question.answers if a.id == answer_id), None)
        if answer is None:
            continue
        if sku != question.sku:
            raise Invalid("sku does not match the question")
        question.answers.remove(answer)
        return json_response(200, {})
    raise LookupError("Answer not found")


def answer_list(shop: Shop, body: dict, now: float) -> Response:
    question = _question(shop, body)
    if _int(body, "sku") != question.sku:
        raise Invalid("sku does not match the question")
    last_id = body.get("last_id") or ""
    visible = question.visible_answers(now)  # as comments: only what moderation passed
    ids = [a.id for a in visible]
    start = ids.index(last_id) + 1 if last_id in ids else 0
    page = visible[start : start + QUESTION_PAGE]
    answers = [
        {
            "id": a.id,
            "text": a.text,
            "author_name": a.author_name,
            "published_at": iso_utc_ms(a.published_ts),
            "question_id": question.id,
            "sku": question.sku,
        }
        for a in page
    ]
    return json_response(200, {"answers": answers, "last_id": page[-1].id if page else last_id})


def question_change_status(shop: Shop, body: dict, now: float) -> Response:
    ids = body.get("question_ids")
    status = body.get("status")
    if not isinstance(ids, list) or not ids or status not in ("NEW", "VIEWED", "PROCESSED"):
        raise Invalid("question_ids and status NEW|VIEWED|PROCESSED are required")
    for question_id in ids:
        question = shop.ozon_question_by_id.get(str(question_id))
        if question is not None:
            question.status = status
    return json_response(200, {})


# --- products ---
def product_info_list(shop: Shop, body: dict, now: float) -> Response:
    """The shop's own products among the asked SKUs (others are left out, as Ozon does)."""
    asked = {name: body.get(name) or [] for name in ("sku", "offer_id", "product_id")}
    if any(not isinstance(values, list) for values in asked.values()):
        raise Invalid("sku, offer_id and product_id must be arrays")
    if sum(len(values) for values in asked.values()) > PRODUCT_INFO_MAX:
        raise Invalid(f"no more than {PRODUCT_INFO_MAX} identifiers in one request")
    wanted = {str(v) for v in asked["sku"] if isinstance(v, int | str) and not isinstance(v, bool)}
    items = []
    for sku in shop.skus:
        if str(sku) in wanted:
            p = catalog.product(sku)
            items.append(
                {
                    "id": sku // 7 + 11,
                    "name": p.name,
                    "offer_id": p.article,
                    "sku": sku,
                    "currency_code": "RUB",
                    "price": f"{p.price_kopecks / 100:.2f}",
                    "is_archived": False,
                    "created_at": "2024-11-20T07:37:58.269Z",
                }
            )
    return json_response(200, {"items": items})


ROUTES = {
    "/v3/chat/list": chat_list,
    "/v3/chat/history": chat_history,
    "/v1/chat/send/message": chat_send,
    "/v2/chat/read": chat_read,
    "/v1/review/list": review_list,
    "/v1/review/info": review_info,
    "/v1/review/count": review_count,
    "/v1/review/comment/list": comment_list,
    "/v1/review/comment/create": comment_create,
    "/v1/review/comment/delete": comment_delete,
    "/v1/review/change-status": review_change_status,
    "/v1/question/list": question_list,
    "/v1/question/info": question_info,
    "/v1/question/count": question_count,
    "/v1/question/answer/create": answer_create,
    "/v1/question/answer/delete": answer_delete,
    "/v1/question/answer/list": answer_list,
    "/v1/question/change-status": question_change_status,
    "/v3/product/info/list": product_info_list,
}
WRITES = {
    "/v1/chat/send/message",
    "/v2/chat/read",
    "/v1/review/comment/create",
    "/v1/review/comment/delete",
    "/v1/review/change-status",
    "/v1/question/answer/create",
    "/v1/question/answer/delete",
    "/v1/question/change-status",
}


def handle(shop: Shop, path: str, body: dict, now: float) -> Response:
    try:
        return ROUTES[path](shop, body, now)
    except Invalid as exc:
        return ozon_invalid(str(exc))
    except LookupError as exc:
        return ozon_not_found(str(exc))
