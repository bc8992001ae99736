"""Pure functions: raw WB items (as the API returns them) → interactions.records. No I/O, no ORM.

Each function raises ValueError (or KeyError/TypeError) on an item it cannot read; the stream reader
quarantines that item and goes on with the rest of the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from integrations.parsing import clean_text, parse_datetime
from interactions.models import AnswerState, Author, Direction, Kind
from interactions.records import CustomerRecord, InteractionRecord, MessageRecord

# WB's `answer.state` on a feedback (questions' answers carry none: a shown answer is published).
FEEDBACK_ANSWER_STATES = {
    "none": AnswerState.SENT,
    "reviewRequired": AnswerState.IN_MODERATION,
    "wbRu": AnswerState.PUBLISHED,
    "rejected": AnswerState.REJECTED,
}
# WB says that an answer was rejected, never why.
WB_REJECTED_REASON = (
    "Wildberries отклонил ответ на модерации и не сообщил причину. Частые причины: контакты, ссылки, "
    "обещания или резкий тон. Исправьте ответ и отправьте снова."
)


def _required_id(raw: dict[str, Any], key: str) -> str:
    if not isinstance(raw, dict):
        raise ValueError("item is not an object")
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"item has no {key}")
    return value.strip()


def _nm_id(details: Any) -> int | None:
    if not isinstance(details, dict):
        return None
    value = details.get("nmId", details.get("nmID"))
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def feedback_buyer_text(raw: dict[str, Any]) -> str:
    parts = [clean_text(raw.get("text"))]
    if clean_text(raw.get("pros")):
        parts.append(f"Достоинства: {clean_text(raw.get('pros'))}")
    if clean_text(raw.get("cons")):
        parts.append(f"Недостатки: {clean_text(raw.get('cons'))}")
    return "\n".join(p for p in parts if p)


def feedback_attachments(raw: dict[str, Any]) -> list[dict[str, Any]]:
    attachments: list[dict[str, Any]] = []
    for photo in raw.get("photoLinks") or []:
        if isinstance(photo, dict) and (photo.get("fullSize") or photo.get("miniSize")):
            attachments.append({"type": "image", "url": photo.get("fullSize") or "", "preview": photo.get("miniSize")})
    video = raw.get("video")
    if isinstance(video, dict) and video.get("link"):
        attachments.append({"type": "video", "url": video["link"], "preview": video.get("previewImage")})
    return attachments


def answer_editable(answer: Any) -> bool | None:
    return answer["editable"] if isinstance(answer, dict) and isinstance(answer.get("editable"), bool) else None


def feedback_answer_state(answer: Any) -> str:
    """Our state for WB's `answer.state`; published when WB names no state (the answer is on show)."""
    state = answer.get("state") if isinstance(answer, dict) else None
    return FEEDBACK_ANSWER_STATES.get(state, AnswerState.PUBLISHED) if isinstance(state, str) else AnswerState.PUBLISHED


def answer_reply_context(answer: Any) -> dict[str, Any]:
    """WB's `answer.editable` (one edit within 60 days), where the reply path reads it; nothing when unknown."""
    if isinstance(answer, dict) and clean_text(answer.get("text")) and isinstance(answer.get("editable"), bool):
        return {"answer_editable": answer["editable"]}
    return {}


def feedback_root_id(raw: dict[str, Any], parents: dict[str, str] | None = None) -> str:
    """An edited review arrives as a new feedback pointing at the original: both are one interaction."""
    feedback_id = _required_id(raw, "id")
    parent = clean_text(raw.get("parentFeedbackId"))
    if not parent:
        return feedback_id
    parents = parents or {}
    seen = {feedback_id}
    while parent in parents and parents[parent] and parents[parent] not in seen:
        seen.add(parent)
        parent = parents[parent]
    return parent


def normalize_feedback(raw: dict[str, Any], *, parents: dict[str, str] | None = None) -> InteractionRecord:
    feedback_id = _required_id(raw, "id")
    created_at = parse_datetime(raw.get("createdDate"))
    rating = raw.get("productValuation")
    if rating is not None and (not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5):
        raise ValueError("productValuation is not 1..5")
    details = raw.get("productDetails") if isinstance(raw.get("productDetails"), dict) else {}
    nm_id = _nm_id(details)
    messages = [
        MessageRecord(
            external_id=feedback_id,
            direction=Direction.IN,
            author=Author.BUYER,
            text=feedback_buyer_text(raw),  # a 5★ review often has no text: the rating speaks
            created_at=created_at,
            attachments=feedback_attachments(raw),
        )
    ]
    answer = raw.get("answer")
    state = ""
    if isinstance(answer, dict) and clean_text(answer.get("text")):
        state = feedback_answer_state(answer)
        # WB gives no date for a feedback answer; the review's own time keeps the order right.
        messages.append(
            MessageRecord(
                external_id=f"{feedback_id}:answer",
                direction=Direction.OUT,
                author=Author.SELLER,
                text=clean_text(answer.get("text")),
                created_at=created_at,
                answer_state=state,
                answer_reason=WB_REJECTED_REASON if state == AnswerState.REJECTED else "",
                answer_editable=answer_editable(answer),
            )
        )
    user_name = clean_text(raw.get("userName"))
    return InteractionRecord(
        kind=Kind.REVIEW,
        external_id=feedback_root_id(raw, parents),
        created_at=created_at,
        messages=messages,
        # A review carries no buyer id, only the first name the buyer chose: shown, never a key.
        customer=CustomerRecord(external_id="", name=user_name) if user_name else None,
        product_id=str(nm_id) if nm_id else "",
        product_name=clean_text(details.get("productName")),
        rating=rating,
        # A rejected answer is not on show: the buyer still waits for one.
        is_answered=bool(state) and state != AnswerState.REJECTED,
        # Replies go to the newest feedback of the thread (the edited one), not to the root.
        reply_context={"feedback_id": feedback_id, **answer_reply_context(answer)},
        raw=raw,
        answers_checked=(f"{feedback_id}:answer",),
    )


def normalize_question(raw: dict[str, Any]) -> InteractionRecord:
    question_id = _required_id(raw, "id")
    created_at = parse_datetime(raw.get("createdDate"))
    details = raw.get("productDetails") if isinstance(raw.get("productDetails"), dict) else {}
    nm_id = _nm_id(details)
    messages = [
        MessageRecord(
            external_id=question_id,
            direction=Direction.IN,
            author=Author.BUYER,
            text=clean_text(raw.get("text")),
            created_at=created_at,
        )
    ]
    answer = raw.get("answer")
    if isinstance(answer, dict) and clean_text(answer.get("text")):
        try:
            answered_at = parse_datetime(answer.get("createDate"))
        except ValueError:
            answered_at = created_at
        messages.append(
            MessageRecord(
                external_id=f"{question_id}:answer",
                direction=Direction.OUT,
                author=Author.SELLER,
                text=clean_text(answer.get("text")),
                created_at=answered_at,
                answer_state=AnswerState.PUBLISHED,
                answer_editable=answer_editable(answer),
            )
        )
    return InteractionRecord(
        kind=Kind.QUESTION,
        external_id=question_id,
        created_at=created_at,
        messages=messages,
        product_id=str(nm_id) if nm_id else "",
        product_name=clean_text(details.get("productName")),
        is_answered=bool(messages[-1].direction == Direction.OUT) or raw.get("state") == "none",
        reply_context=answer_reply_context(answer),
        raw=raw,
        answers_checked=(f"{question_id}:answer",),
    )


# --- buyer chat --------------------------------------------------------------------------------

SENDER_TO_AUTHOR = {
    "client": (Direction.IN, Author.BUYER),
    "seller": (Direction.OUT, Author.SELLER),
    "wb": (Direction.IN, Author.SYSTEM),
}


@dataclass
class ChatEventsResult:
    records: list[InteractionRecord] = field(default_factory=list)
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (raw event, error)
    product_ids: list[int] = field(default_factory=list)


def chat_event_message(event: dict[str, Any]) -> MessageRecord:
    event_id = _required_id(event, "eventID")
    _required_id(event, "chatID")
    stamp = event.get("addTimestamp")
    created_at = parse_datetime(stamp if isinstance(stamp, int) and stamp > 0 else event.get("addTime"))
    sender = clean_text(event.get("sender")).lower()
    if sender not in SENDER_TO_AUTHOR:
        raise ValueError(f"unknown sender {sender!r}")
    direction, author = SENDER_TO_AUTHOR[sender]
    # The spec's own example has a seller event with no `message` at all.
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    attachments: list[dict[str, Any]] = []
    extra = message.get("attachments") if isinstance(message.get("attachments"), dict) else {}
    for item in extra.get("images") or []:
        if isinstance(item, dict):
            attachments.append({"type": "image", "url": item.get("url") or "", "download_id": item.get("downloadID")})
    for item in extra.get("files") or []:
        if isinstance(item, dict):
            attachments.append(
                {
                    "type": "file",
                    "url": item.get("url") or "",
                    "name": item.get("name") or "",
                    "content_type": item.get("contentType") or "",
                    "size": item.get("size"),
                    "download_id": item.get("downloadID"),
                }
            )
    return MessageRecord(
        external_id=event_id,
        direction=direction,
        author=author,
        text=clean_text(message.get("text")),
        created_at=created_at,
        attachments=attachments,
    )


def _good_card(event_or_chat: dict[str, Any]) -> dict[str, Any] | None:
    card = event_or_chat.get("goodCard")
    if not isinstance(card, dict):
        message = event_or_chat.get("message") if isinstance(event_or_chat.get("message"), dict) else {}
        extra = message.get("attachments") if isinstance(message.get("attachments"), dict) else {}
        card = extra.get("goodCard")
    return card if isinstance(card, dict) else None


def normalize_chat_events(
    events: Iterable[dict[str, Any]], *, chats: dict[str, dict[str, Any]] | None = None
) -> ChatEventsResult:
    """Group a page of events by chatID: one record per chat. `chats` (from /seller/chats) fills in
    replySign, goodCard and the buyer's name where the events lack them."""
    chats = chats or {}
    result = ChatEventsResult()
    grouped: dict[str, list[tuple[dict[str, Any], MessageRecord]]] = {}
    for event in events:
        try:
            message = chat_event_message(event)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            result.failed.append((event, str(exc) or type(exc).__name__))
            continue
        grouped.setdefault(event["chatID"].strip(), []).append((event, message))
    for chat_id, items in grouped.items():
        items.sort(key=lambda pair: pair[1].created_at)
        chat = chats.get(chat_id, {})
        reply_sign = next((clean_text(e.get("replySign")) for e, _ in items if clean_text(e.get("replySign"))), "")
        reply_sign = reply_sign or clean_text(chat.get("replySign"))
        card = next((c for c in (_good_card(e) for e, _ in items) if c), None) or _good_card(chat)
        nm_id = card.get("nmID") if card else None
        nm_id = nm_id if isinstance(nm_id, int) and not isinstance(nm_id, bool) and nm_id > 0 else None
        if nm_id:
            result.product_ids.append(nm_id)
        client_id = next((clean_text(e.get("clientID")) for e, _ in items if clean_text(e.get("clientID"))), "")
        client_id = client_id or clean_text(chat.get("clientID"))
        client_name = next(
            (
                clean_text(e.get("clientName"))
                for e, m in items
                if m.author == Author.BUYER and clean_text(e.get("clientName"))
            ),
            "",
        )
        client_name = client_name or clean_text(chat.get("clientName"))
        reply_context: dict[str, Any] = {}
        if reply_sign:
            reply_context["reply_sign"] = reply_sign
        if card:
            reply_context["good_card"] = card
        # Only clientID keys a customer; WB has been seen sending it empty, and then the chat has only a name.
        customer = CustomerRecord(external_id=client_id, name=client_name) if (client_id or client_name) else None
        result.records.append(
            InteractionRecord(
                kind=Kind.CHAT,
                external_id=chat_id,
                created_at=items[0][1].created_at,
                messages=[m for _, m in items],
                customer=customer,
                product_id=str(nm_id) if nm_id else "",
                reply_context=reply_context,
                raw={"chat": chat} if chat else {},
            )
        )
    return result
