"""Page readers for the Ozon streams (see integrations/sync/streams.py for the guarantee they keep).

Chats: each pass reads /v3/chat/list in full, queues every buyer chat whose last_message_id moved past the
last message we stored, then reads each queued chat's history forward from that message (one request per
page). The cursor keeps the last message id per chat as an exact string (uint64: never a float).
Reviews and questions: `last_id` paging for new items; then a scan of the unprocessed list, so an item that
left it since the last pass (answered in Ozon's cabinet) is read again with its answers.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from integrations.errors import PermanentError
from integrations.ozon import chats as ozon_chats
from integrations.ozon import questions as ozon_questions
from integrations.ozon import reviews as ozon_reviews
from integrations.ozon.client import as_id, ozon_auth
from integrations.ozon.normalize import (
    chat_message,
    is_buyer_chat,
    message_id_int,
    normalize_chat,
    normalize_question,
    normalize_review,
)
from integrations.pages import StreamPage, quarantine_entry
from integrations.parsing import parse_datetime

PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)
CHAT_LIST_LIMIT = 1000
HISTORY_LIMIT = 1000
REVIEW_LIMIT = 100
OPEN_SCAN = "open_scan"
# Items answered outside AgentIQ are looked up one by one; more than this many wait for the next pass.
MAX_LOOKUPS = 20


def _last_id(value: Any) -> int:
    try:
        return message_id_int(value)
    except ValueError:
        return 0


def _since(cursor: dict) -> datetime | None:
    """`{"since": <unix seconds>}` starts a backfill from that moment."""
    since = cursor.get("since")
    return datetime.fromtimestamp(since, tz=UTC) if isinstance(since, int) and since > 0 else None


def _keep_since(cursor: dict) -> dict:
    return {"since": cursor["since"]} if "since" in cursor else {}


def read_chats(connection: Any, *, cursor: dict) -> StreamPage:
    auth = ozon_auth(connection)
    last: dict[str, str] = dict(cursor.get("last") or {})
    pending: list[dict[str, str]] = list(cursor.get("pending") or [])
    list_cursor = str(cursor.get("list") or "")
    list_done = bool(cursor.get("list_done"))
    page = StreamPage(requests=1)

    if pending:
        item = pending[0]
        chat_id = item["chat_id"]
        known = _last_id(last.get(chat_id))
        try:
            if known:
                history = ozon_chats.chat_history(auth, chat_id=chat_id, from_message_id=known, limit=HISTORY_LIMIT)
            else:
                # First read of a chat: newest first from the latest message (Forward needs a starting id).
                history = ozon_chats.chat_history(auth, chat_id=chat_id, direction="Backward", limit=HISTORY_LIMIT)
        except PermanentError as exc:
            page.quarantined.append(quarantine_entry({"chat_id": chat_id}, exc.message, id_keys=("chat_id",)))
            pending.pop(0)
        else:
            messages = {}
            raw_ok = []
            for raw in history.messages:
                try:
                    message = chat_message(raw)
                except PARSE_ERRORS as exc:
                    page.quarantined.append(quarantine_entry(raw, exc, id_keys=("message_id",)))
                    continue
                if int(message.external_id) > known:
                    messages[message.external_id] = message
                    raw_ok.append(raw)
            newest = max([known, *(int(m) for m in messages)])
            if messages:
                try:
                    page.records.append(
                        normalize_chat(item.get("chat") or {"chat_id": chat_id}, messages.values(), raw_ok)
                    )
                except PARSE_ERRORS as exc:
                    page.quarantined.append(quarantine_entry(item, exc, id_keys=("chat_id",)))
            if newest:
                last[chat_id] = str(newest)
            # Keep reading this chat while Ozon says there is more and we are moving forward.
            if not (known and history.has_next and newest > known):
                pending.pop(0)
        done = not pending and list_done
    else:
        chat_list = ozon_chats.list_chats(auth, cursor=list_cursor, limit=CHAT_LIST_LIMIT)
        for chat_item in chat_list.chats:
            try:
                if not isinstance(chat_item, dict) or not is_buyer_chat(chat_item):
                    continue
                chat = chat_item.get("chat") if isinstance(chat_item.get("chat"), dict) else chat_item
                chat_id = as_id(chat.get("chat_id"))
                if not chat_id:
                    raise ValueError("chat has no chat_id")
                newest = _last_id(chat_item.get("last_message_id"))
            except PARSE_ERRORS as exc:
                page.quarantined.append(quarantine_entry(chat_item, exc, id_keys=("chat_id",)))
                continue
            if newest == 0 or newest > _last_id(last.get(chat_id)):
                pending.append({"chat_id": chat_id, "chat": {k: chat.get(k) for k in ("chat_id", "created_at")}})
        moved = chat_list.cursor and chat_list.cursor != list_cursor
        list_done = not chat_list.has_next or not moved
        list_cursor = chat_list.cursor if moved else list_cursor
        done = list_done and not pending

    if done:
        page.cursor = {"last": last}
    else:
        page.cursor = {"last": last, "pending": pending, "list": list_cursor, "list_done": list_done}
    page.done = done
    return page


def _review_record(auth: Any, raw: dict[str, Any], page: StreamPage) -> None:
    try:
        comments: list[dict[str, Any]] = []
        amount = raw.get("comments_amount") if isinstance(raw, dict) else None
        if isinstance(amount, int) and amount > 0:
            comments, spent = ozon_reviews.all_comments(auth, review_id=as_id(raw.get("id")))
            page.requests += spent
        page.records.append(normalize_review(raw, comments))
    except PARSE_ERRORS as exc:
        page.quarantined.append(quarantine_entry(raw, exc))


def _question_record(auth: Any, raw: dict[str, Any], page: StreamPage) -> None:
    try:
        answers: list[dict[str, Any]] = []
        count = raw.get("answers_count") if isinstance(raw, dict) else None
        if isinstance(count, int) and count > 0:
            sku = as_id(raw.get("sku"))
            if not sku.isdigit():
                raise ValueError("question has no sku")
            answers, spent = ozon_questions.all_answers(auth, question_id=as_id(raw.get("id")), sku=int(sku))
            page.requests += spent
        page.records.append(normalize_question(raw, answers))
    except PARSE_ERRORS as exc:
        page.quarantined.append(quarantine_entry(raw, exc))


def _finish_open_scan(cursor: dict, page: StreamPage, open_now: dict, lookup: Any) -> None:
    """Items that left the unprocessed list since the last pass were answered somewhere (in Ozon's cabinet,
    or by us): read them again, a few per pass, so the seller's answer arrives as an outgoing message."""
    gone = [i for i in (cursor.get("gone") or []) if i not in open_now]
    gone += [i for i in (cursor.get("open") or {}) if i not in open_now and i not in gone]
    for item_id in gone[:MAX_LOOKUPS]:
        try:
            lookup(item_id)
        except PermanentError:
            continue  # deleted on the marketplace: nothing to read
    page.cursor = {
        "last_id": cursor.get("last_id") or "",
        "open": open_now,
        **({"gone": gone[MAX_LOOKUPS:]} if gone[MAX_LOOKUPS:] else {}),
        **_keep_since(cursor),
    }
    page.done = True


def read_reviews(connection: Any, *, cursor: dict) -> StreamPage:
    """Phase "new": every review after `last_id`. Phase "open": the UNPROCESSED list, to notice answers."""
    auth = ozon_auth(connection)
    page = StreamPage(requests=1)
    if cursor.get("phase") == OPEN_SCAN:
        open_now = dict(cursor.get("open_now") or {})
        scan_from = str(cursor.get("scan_from") or "")
        listing = ozon_reviews.list_reviews(auth, last_id=scan_from, limit=REVIEW_LIMIT, status="UNPROCESSED")
        open_now.update({as_id(r.get("id")): 1 for r in listing.reviews if isinstance(r, dict) and r.get("id")})
        moved = bool(listing.last_id) and listing.last_id != scan_from
        if listing.reviews and listing.has_next and moved:
            page.cursor = {**cursor, "open_now": open_now, "scan_from": listing.last_id}
            return page

        def lookup(review_id: str) -> None:
            page.requests += 1
            _review_record(auth, ozon_reviews.get_review(auth, review_id=review_id), page)

        _finish_open_scan(cursor, page, open_now, lookup)
        return page

    last_id = str(cursor.get("last_id") or "")
    listing = ozon_reviews.list_reviews(auth, last_id=last_id, limit=REVIEW_LIMIT)
    since = _since(cursor)
    for raw in listing.reviews:
        try:
            if since is not None and parse_datetime(raw.get("published_at")) < since:
                continue  # a backfill from a date: older reviews are not wanted
        except PARSE_ERRORS as exc:
            page.quarantined.append(quarantine_entry(raw, exc))
            continue
        _review_record(auth, raw, page)
    moved = bool(listing.last_id) and listing.last_id != last_id
    page.cursor = {**cursor, "last_id": listing.last_id if moved else last_id}
    if not listing.reviews or not listing.has_next or not moved:
        page.cursor.update({"phase": OPEN_SCAN, "scan_from": "", "open_now": {}})
    return page


def read_questions(connection: Any, *, cursor: dict) -> StreamPage:
    """Phase "new": every question after `last_id`. Phase "open": the unprocessed list, to notice answers."""
    auth = ozon_auth(connection)
    page = StreamPage(requests=1)
    if cursor.get("phase") == OPEN_SCAN:
        open_now = dict(cursor.get("open_now") or {})
        scan_from = str(cursor.get("scan_from") or "")
        listing = ozon_questions.list_questions(auth, last_id=scan_from, status="UNPROCESSED")
        open_now.update({as_id(q.get("id")): 1 for q in listing.questions if isinstance(q, dict) and q.get("id")})
        moved = bool(listing.last_id) and listing.last_id != scan_from
        if listing.questions and moved:
            page.cursor = {**cursor, "open_now": open_now, "scan_from": listing.last_id}
            return page

        def lookup(question_id: str) -> None:
            page.requests += 1
            _question_record(auth, ozon_questions.get_question(auth, question_id=question_id), page)

        _finish_open_scan(cursor, page, open_now, lookup)
        return page

    last_id = str(cursor.get("last_id") or "")
    listing = ozon_questions.list_questions(auth, last_id=last_id, date_from=_since(cursor))
    for raw in listing.questions:
        _question_record(auth, raw, page)
    # No has_next here: Ozon's list is exhausted when it comes back empty or last_id stops moving.
    moved = bool(listing.last_id) and listing.last_id != last_id
    page.cursor = {**cursor, "last_id": listing.last_id if moved else last_id}
    if not listing.questions or not moved:
        page.cursor.update({"phase": OPEN_SCAN, "scan_from": "", "open_now": {}})
    return page


ANSWERS_PAGE = 20


def read_answers(connection: Any, *, cursor: dict) -> StreamPage:
    """Read back our comments and answers whose fate is not known yet. Ozon lists only what moderation passed,
    so an answer of ours missing from its item's list is still under review (the reconciliation gives up on it
    after the moderation window). A few items per sync, in turn from the message after `cursor["after"]`."""
    from interactions.selectors import answers_watched

    auth = ozon_auth(connection)
    after = int(cursor.get("after") or 0)
    watched = answers_watched(connection_id=connection.pk, after_id=after, limit=ANSWERS_PAGE)
    page = StreamPage()
    looked_up: set[int] = set()
    for answer in watched:
        if answer.interaction_id in looked_up:
            continue
        looked_up.add(answer.interaction_id)
        before = len(page.records)
        try:
            if answer.kind == "review":
                page.requests += 1
                _review_record(auth, ozon_reviews.get_review(auth, review_id=answer.item_id), page)
            else:
                page.requests += 1
                _question_record(auth, ozon_questions.get_question(auth, question_id=answer.item_id), page)
        except PermanentError:
            continue  # the item is gone; the reconciliation reports it
        if len(page.records) > before:
            page.records[-1] = dataclasses.replace(page.records[-1], external_id=answer.item_id)
    page.cursor = {"after": watched[-1].message_id} if len(watched) >= ANSWERS_PAGE else {}
    page.done = True
    return page
