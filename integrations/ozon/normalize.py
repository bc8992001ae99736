"""Pure functions: raw Ozon items → interactions.records. No I/O, no ORM.

Ids (uint64 chat message ids included) stay exact strings. A function raises ValueError (or
KeyError/TypeError) on an item it cannot read; the stream reader quarantines it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from integrations.ozon.client import as_id
from integrations.parsing import clean_text, parse_datetime
from interactions.models import AnswerState, Author, Direction, Kind
from interactions.records import ALL_ANSWERS, CustomerRecord, InteractionRecord, MessageRecord

BUYER_SELLER = "buyer_seller"


def _required(raw: Any, key: str) -> str:
    if not isinstance(raw, dict):
        raise ValueError("item is not an object")
    value = as_id(raw.get(key))
    if not value:
        raise ValueError(f"item has no {key}")
    return value


def user_kind(value: Any) -> str:
    """Ozon's examples spell the customer "Сustomer" with a Cyrillic С: fold it to Latin, compare lowercased."""
    return clean_text(value).replace("С", "C").replace("с", "c").lower()


def is_buyer_chat(chat_item: dict[str, Any]) -> bool:
    chat = chat_item.get("chat") if isinstance(chat_item.get("chat"), dict) else chat_item
    return user_kind(chat.get("chat_type")) == BUYER_SELLER


def message_id_int(value: Any) -> int:
    text = as_id(value)
    if not text.isdigit():
        raise ValueError("message_id is not a uint64")
    return int(text)


def chat_message(raw: dict[str, Any]) -> MessageRecord:
    message_id = _required(raw, "message_id")
    message_id_int(message_id)
    created_at = parse_datetime(raw.get("created_at"))
    user = raw.get("user") if isinstance(raw.get("user"), dict) else {}
    kind = user_kind(user.get("type"))
    if kind == "customer":
        direction, author = Direction.IN, Author.BUYER
    elif kind == "seller":
        direction, author = Direction.OUT, Author.SELLER
    else:  # crm, support, courier, NotificationUser: Ozon's own notices
        direction, author = Direction.IN, Author.SYSTEM
    data = raw.get("data") or []
    if not isinstance(data, list):
        raise ValueError("message data is not a list")
    text = "\n".join(str(part) for part in data if isinstance(part, str))
    attachments: list[dict[str, Any]] = []
    if raw.get("is_image"):
        attachments.append({"type": "image", "url": text, "moderation": raw.get("moderate_image_status")})
        text = ""
    return MessageRecord(
        external_id=message_id,
        direction=direction,
        author=author,
        text=text,
        created_at=created_at,
        attachments=attachments,
    )


def normalize_chat(
    chat_item: dict[str, Any], messages: Iterable[MessageRecord], raw_messages: Iterable[dict]
) -> InteractionRecord:
    chat = chat_item.get("chat") if isinstance(chat_item.get("chat"), dict) else chat_item
    chat_id = _required(chat, "chat_id")
    messages = sorted(messages, key=lambda m: (m.created_at, int(m.external_id)))
    buyer_id = ""
    sku = ""
    for raw in raw_messages:
        user = raw.get("user") if isinstance(raw.get("user"), dict) else {}
        if not buyer_id and user_kind(user.get("type")) == "customer":
            buyer_id = as_id(user.get("id"))
        context = raw.get("context") if isinstance(raw.get("context"), dict) else {}
        sku = sku or as_id(context.get("sku"))
    try:
        created_at = parse_datetime(chat.get("created_at"))
    except ValueError:
        if not messages:
            raise
        created_at = messages[0].created_at
    return InteractionRecord(
        kind=Kind.CHAT,
        external_id=chat_id,
        created_at=created_at,
        messages=list(messages),
        # Ozon's chat gives the buyer's id but no name (nor do its reviews give either; questions a name).
        customer=CustomerRecord(external_id=buyer_id) if buyer_id else None,
        product_id=sku,
        reply_context={"chat_id": chat_id},
        raw={"chat": chat},
    )


def normalize_review(raw: dict[str, Any], comments: Iterable[dict[str, Any]] = ()) -> InteractionRecord:
    review_id = _required(raw, "id")
    created_at = parse_datetime(raw.get("published_at"))
    rating = raw.get("rating")
    if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool) or not 0 <= rating <= 5):
        raise ValueError("rating is not 1..5")
    messages = [
        MessageRecord(
            external_id=review_id,
            direction=Direction.IN,
            author=Author.BUYER,
            text=clean_text(raw.get("text")),
            created_at=created_at,
        )
    ]
    for comment in comments:
        comment_id = _required(comment, "id")
        owner = comment.get("is_owner") is True
        messages.append(
            MessageRecord(
                external_id=comment_id,
                direction=Direction.OUT if owner else Direction.IN,
                author=Author.SELLER if owner else Author.BUYER,
                text=clean_text(comment.get("text")),
                created_at=parse_datetime(comment.get("published_at")),
                # Ozon lists only the comments that passed moderation.
                answer_state=AnswerState.PUBLISHED if owner else "",
            )
        )
    sku = as_id(raw.get("sku"))
    return InteractionRecord(
        kind=Kind.REVIEW,
        external_id=review_id,
        created_at=created_at,
        messages=messages,
        product_id=sku,
        rating=rating or None,
        is_answered=clean_text(raw.get("status")).upper() == "PROCESSED",
        reply_context={"sku": sku} if sku else {},
        raw=raw,
        answers_checked=ALL_ANSWERS,
        unlisted_answer_state=AnswerState.IN_MODERATION,
    )


def normalize_question(raw: dict[str, Any], answers: Iterable[dict[str, Any]] = ()) -> InteractionRecord:
    question_id = _required(raw, "id")
    created_at = parse_datetime(raw.get("published_at"))
    sku = as_id(raw.get("sku"))
    if not sku:
        raise ValueError("question has no sku")  # an answer needs it
    messages = [
        MessageRecord(
            external_id=question_id,
            direction=Direction.IN,
            author=Author.BUYER,
            text=clean_text(raw.get("text")),
            created_at=created_at,
        )
    ]
    for answer in answers:
        messages.append(
            MessageRecord(
                external_id=_required(answer, "id"),
                direction=Direction.OUT,
                author=Author.SELLER,
                text=clean_text(answer.get("text")),
                created_at=parse_datetime(answer.get("published_at")),
                answer_state=AnswerState.PUBLISHED,
            )
        )
    author_name = clean_text(raw.get("author_name"))
    if author_name.lower().startswith("пользователь"):
        author_name = ""  # Ozon's placeholder for an anonymous buyer: not a name to link people by
    return InteractionRecord(
        kind=Kind.QUESTION,
        external_id=question_id,
        created_at=created_at,
        messages=messages,
        customer=CustomerRecord(external_id="", name=author_name) if author_name else None,
        product_id=sku,
        is_answered=clean_text(raw.get("status")).upper() == "PROCESSED" or len(messages) > 1,
        reply_context={"sku": sku},
        raw=raw,
        answers_checked=ALL_ANSWERS,
        unlisted_answer_state=AnswerState.IN_MODERATION,
    )
