"""Replies going out: send one, and after an ambiguous failure find out whether it already arrived.

Delivery (integrations/outbox/delivery.py) owns the retry policy and the at-most-once bookkeeping; this module only
speaks to the marketplace. Neither function ever resends on its own.

A reply may edit the answer already there (`replaces` = that answer's message id): WB edits in place (PATCH,
allowed once within 60 days); Ozon has no edit, so the new comment or answer goes out first and the old one is
deleted after it, never leaving the buyer without an answer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from integrations.errors import IntegrationError, PermanentError
from integrations.ozon import chats as ozon_chats
from integrations.ozon import questions as ozon_questions
from integrations.ozon import reviews as ozon_reviews
from integrations.ozon.client import as_id, ozon_auth
from integrations.ozon.normalize import user_kind
from integrations.parsing import parse_datetime
from integrations.wildberries import chats as wb_chats
from integrations.wildberries import feedbacks as wb_feedbacks
from integrations.wildberries import questions as wb_questions
from integrations.wildberries.client import wb_auth

CHAT = "chat"
QUESTION = "question"
REVIEW = "review"

WB_CHAT_MAX_CHARS = 1000
OZON_CHAT_MAX_CHARS = 1000
# Our clock and the marketplace's may differ a little.
CLOCK_SLACK = timedelta(minutes=5)
MAX_LOOKUP_PAGES = 20
_SPACES = re.compile(r"\s+")

logger = logging.getLogger(__name__)


@dataclass
class SentReply:
    external_id: str | None  # the id sync will read it back under; None when the marketplace gives none
    replaced: bool = False  # an edit: the previous answer is gone from the marketplace
    answer_editable: bool | None = None  # may this answer still be edited (WB); None: not known or not asked


def send_reply(
    connection: Any, *, kind: str, external_id: str, reply_context: dict, text: str, replaces: str | None = None
) -> SentReply:
    """Send one reply (an edit of the answer `replaces` when given). Raises integrations.errors; a
    TransientError with ambiguous=True means "maybe sent"."""
    text = (text or "").strip()
    if not text:
        raise PermanentError("Пустой ответ не отправляется.", code="empty_text")
    context = reply_context or {}
    if replaces and kind not in (REVIEW, QUESTION):
        raise PermanentError("Сообщение в чате не редактируется.", code="not_editable")
    if connection.marketplace == "wb":
        return _wb_send(connection, kind=kind, external_id=external_id, context=context, text=text, replaces=replaces)
    if connection.marketplace == "ozon":
        return _ozon_send(connection, kind=kind, external_id=external_id, context=context, text=text, replaces=replaces)
    raise PermanentError("Неизвестный маркетплейс.", code="unknown_marketplace")


def find_sent_reply(
    connection: Any,
    *,
    kind: str,
    external_id: str,
    reply_context: dict,
    text: str,
    since: datetime,
    replaces: str | None = None,
) -> SentReply | None:
    """Is our reply (same text, written after `since`) already on the marketplace? None when it is not.

    For an edit that went out, this also finishes it where a crash may have cut it short (Ozon: the old
    answer is deleted after the new one), so a retry leaves one answer, not two."""
    context = reply_context or {}
    wanted = _same_text_key(text)
    since = since - CLOCK_SLACK
    find = {"wb": _wb_find, "ozon": _ozon_find}.get(connection.marketplace)
    if find is None:
        raise PermanentError("Неизвестный маркетплейс.", code="unknown_marketplace")
    return find(
        connection, kind=kind, external_id=external_id, context=context, wanted=wanted, since=since, replaces=replaces
    )


def lookup_sees_moderated(connection: Any, *, kind: str) -> bool:
    """Does `find_sent_reply` see an answer the marketplace is still moderating? Ozon lists review comments and
    question answers only once published, so a reply of ours in moderation there looks like one never sent."""
    return not (connection.marketplace == "ozon" and kind in (REVIEW, QUESTION))


def _same_text_key(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip().casefold()


# --- Wildberries -------------------------------------------------------------------------------


def _wb_send(
    connection: Any, *, kind: str, external_id: str, context: dict, text: str, replaces: str | None
) -> SentReply:
    auth = wb_auth(connection)
    if kind in (REVIEW, QUESTION):
        item_id = str(context.get("feedback_id") or external_id) if kind == REVIEW else external_id
        try:
            if kind == REVIEW and replaces:
                wb_feedbacks.edit_answer(auth, feedback_id=item_id, text=text)
            elif kind == REVIEW:
                wb_feedbacks.answer_feedback(auth, feedback_id=item_id, text=text)
            else:
                wb_questions.answer_question(auth, question_id=item_id, text=text)  # answers and edits alike
        except PermanentError as exc:
            if replaces and exc.status == 400:
                raise PermanentError(
                    f"Wildberries не дал изменить ответ: {exc.message}", code="answer_not_editable", status=400
                ) from None
            raise
        # WB allows one edit within 60 days: a first answer may be edited, an edited one no more.
        return SentReply(external_id=f"{item_id}:answer", replaced=bool(replaces), answer_editable=not replaces)
    if kind == CHAT:
        if len(text) > WB_CHAT_MAX_CHARS:
            raise PermanentError("Сообщение в чат Wildberries длиннее 1000 символов.", code="text_too_long")
        reply_sign = str(context.get("reply_sign") or "") or _wb_reply_sign(auth, chat_id=external_id)
        if not reply_sign:
            raise PermanentError(
                "Wildberries не дал подписи для ответа в этот чат: ответьте из кабинета продавца.",
                code="no_reply_sign",
            )
        wb_chats.send_message(auth, reply_sign=reply_sign, text=text)
        return SentReply(external_id=None)
    raise PermanentError("Неизвестный тип обращения.", code="unknown_kind")


def _wb_reply_sign(auth: Any, *, chat_id: str) -> str:
    for chat in wb_chats.list_chats(auth):
        if str(chat.get("chatID") or "") == chat_id:
            return str(chat.get("replySign") or "")
    return ""


def _wb_find(
    connection: Any,
    *,
    kind: str,
    external_id: str,
    context: dict,
    wanted: str,
    since: datetime,
    replaces: str | None,
) -> SentReply | None:
    auth = wb_auth(connection)
    if kind in (REVIEW, QUESTION):
        item_id = str(context.get("feedback_id") or external_id) if kind == REVIEW else external_id
        try:
            if kind == REVIEW:
                item = wb_feedbacks.get_feedback(auth, feedback_id=item_id)
            else:
                item = wb_questions.get_question(auth, question_id=item_id)
        except PermanentError:
            return None
        # WB keeps one answer per item and gives it no date: the text alone tells whether ours (or our
        # edit: the seller may not "edit" to the same text) is the one there.
        answer = item.get("answer") if isinstance(item.get("answer"), dict) else None
        if answer and _same_text_key(str(answer.get("text") or "")) == wanted:
            editable = answer.get("editable")
            return SentReply(
                external_id=f"{item_id}:answer",
                replaced=bool(replaces),
                answer_editable=editable if isinstance(editable, bool) else None,
            )
        return None
    if kind == CHAT:
        next_ms = int(since.timestamp() * 1000)
        for _ in range(MAX_LOOKUP_PAGES):
            page = wb_chats.list_events(auth, next_ms=next_ms)
            for event in page.events:
                if not isinstance(event, dict) or str(event.get("chatID") or "") != external_id:
                    continue
                if str(event.get("sender") or "") != "seller":
                    continue
                if str(event.get("source") or "seller-public-api") != "seller-public-api":
                    continue
                message = event.get("message") if isinstance(event.get("message"), dict) else {}
                if _same_text_key(str(message.get("text") or "")) == wanted:
                    return SentReply(external_id=str(event.get("eventID") or "") or None)
            if not page.events or page.next is None or page.next <= next_ms:
                return None
            next_ms = page.next
        return None
    raise PermanentError("Неизвестный тип обращения.", code="unknown_kind")


# --- Ozon --------------------------------------------------------------------------------------


def _ozon_sku(context: dict) -> int:
    sku = as_id(context.get("sku"))
    if not sku.isdigit():
        raise PermanentError("Для ответа на вопрос Ozon нужен SKU товара.", code="no_sku")
    return int(sku)


def _ozon_send(
    connection: Any, *, kind: str, external_id: str, context: dict, text: str, replaces: str | None
) -> SentReply:
    auth = ozon_auth(connection)
    if kind == REVIEW:
        comment_id = ozon_reviews.create_comment(auth, review_id=external_id, text=text)
        return _ozon_replaced(auth, kind=kind, context=context, new_id=comment_id, replaces=replaces)
    if kind == QUESTION:
        answer_id = ozon_questions.create_answer(auth, question_id=external_id, sku=_ozon_sku(context), text=text)
        return _ozon_replaced(auth, kind=kind, context=context, new_id=answer_id, replaces=replaces)
    if kind == CHAT:
        if len(text) > OZON_CHAT_MAX_CHARS:
            raise PermanentError("Сообщение в чат Ozon длиннее 1000 символов.", code="text_too_long")
        ozon_chats.send_message(auth, chat_id=str(context.get("chat_id") or external_id), text=text)
        return SentReply(external_id=None)
    raise PermanentError("Неизвестный тип обращения.", code="unknown_kind")


def _ozon_replaced(auth: Any, *, kind: str, context: dict, new_id: str, replaces: str | None) -> SentReply:
    """The new comment or answer is out; for an edit, delete the one it replaces."""
    if not replaces or replaces == new_id:
        return SentReply(external_id=new_id or None)
    try:
        if kind == REVIEW:
            ozon_reviews.delete_comment(auth, comment_id=replaces)
        else:
            ozon_questions.delete_answer(auth, answer_id=replaces, sku=_ozon_sku(context))
    except IntegrationError as exc:
        # not_found: an earlier attempt deleted it already. Anything else: the new one is out and must not be
        # sent again, so both stay (and our thread shows both, as Ozon does) rather than the reply failing.
        if exc.code != "not_found":
            logger.warning("could not delete the replaced Ozon %s %s: %s", kind, replaces, exc.code)
            return SentReply(external_id=new_id or None)
    return SentReply(external_id=new_id or None, replaced=True)


def _after(value: Any, since: datetime) -> bool:
    try:
        return parse_datetime(value) >= since
    except ValueError:
        return True  # no usable date: the text match alone decides


def _ozon_find(
    connection: Any,
    *,
    kind: str,
    external_id: str,
    context: dict,
    wanted: str,
    since: datetime,
    replaces: str | None,
) -> SentReply | None:
    auth = ozon_auth(connection)
    if kind == REVIEW:
        comments, _ = ozon_reviews.all_comments(auth, review_id=external_id)
        for comment in comments:
            comment_id = as_id(comment.get("id"))
            if (
                comment.get("is_owner") is True
                and comment_id != replaces
                and _same_text_key(str(comment.get("text") or "")) == wanted
                and _after(comment.get("published_at"), since)
            ):
                return _ozon_replaced(auth, kind=kind, context=context, new_id=comment_id, replaces=replaces)
        return None
    if kind == QUESTION:
        answers, _ = ozon_questions.all_answers(auth, question_id=external_id, sku=_ozon_sku(context))
        for answer in answers:
            answer_id = as_id(answer.get("id"))
            if (
                answer_id != replaces
                and _same_text_key(str(answer.get("text") or "")) == wanted
                and _after(answer.get("published_at"), since)
            ):
                return _ozon_replaced(auth, kind=kind, context=context, new_id=answer_id, replaces=replaces)
        return None
    if kind == CHAT:
        chat_id = str(context.get("chat_id") or external_id)
        history = ozon_chats.chat_history(auth, chat_id=chat_id, direction="Backward", limit=100)
        for message in history.messages:
            user = message.get("user") if isinstance(message.get("user"), dict) else {}
            if user_kind(user.get("type")) != "seller":
                continue
            data = message.get("data") if isinstance(message.get("data"), list) else []
            body = "\n".join(str(part) for part in data if isinstance(part, str))
            if _same_text_key(body) == wanted and _after(message.get("created_at"), since):
                return SentReply(external_id=as_id(message.get("message_id")) or None)
        return None
    raise PermanentError("Неизвестный тип обращения.", code="unknown_kind")
