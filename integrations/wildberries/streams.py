"""Page readers for the WB streams (see integrations/sync/streams.py for the guarantee they keep).

Feedbacks and questions are skip/take lists that move: new items arrive, answered ones move from
isAnswered=false to true. We never page them by offset. Each list is read oldest first and paged by time
(dateFrom = newest createdDate on the last page, minus a second), so an item leaving the list cannot shift
another past us. A pass reads the unanswered list in full (it is short: sellers answer), then the answered
list from the newest answered item seen before (minus an overlap). Items that left the unanswered list since
the last pass were answered somewhere: we look them up. Ids already delivered are remembered in the cursor,
so a re-sync with nothing new costs two requests and no records.

A pass may be cut anywhere (a fault past its retries, a killed worker, the page cap) and resumed by a later
sync from its saved cursor. Two rules keep that from losing anything:
- the answered mark never moves past the moment the unanswered list was last read in full (`open_at`): an
  item created after that moment and answered later was never seen unanswered, so the answered phase must
  still reach back to it;
- a sync that resumes a pass (`resume_list_cursor`) finishes it, then reads one whole pass more: the first
  half of the resumed pass is as old as the interruption, and whatever arrived or was answered meanwhile must
  be in the inbox when this sync ends, not one sync later.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

from integrations.errors import PermanentError
from integrations.pages import QuarantineEntry, StreamPage, quarantine_entry
from integrations.wildberries import chats as wb_chats
from integrations.wildberries import feedbacks as wb_feedbacks
from integrations.wildberries import questions as wb_questions
from integrations.wildberries.client import WBAuth, wb_auth
from integrations.wildberries.normalize import (
    normalize_chat_events,
    normalize_feedback,
    normalize_question,
    parse_datetime,
)
from interactions.records import InteractionRecord

OVERLAP_SECONDS = 15 * 60
PAGE_SIZE = 1000
# Few answered-elsewhere items are cheaper to look up one by one than to re-read the answered list.
DIRECT_LOOKUPS = 10
MAX_OPEN_IDS = 20_000
MAX_SIGNED_CHATS = 2_000
PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)

OPEN = "open"
ANSWERED = "answered"


def _created_ts(raw: Any) -> float | None:
    try:
        return parse_datetime(raw.get("createdDate")).timestamp()
    except (*PARSE_ERRORS, OverflowError):
        return None


def _item_id(raw: Any) -> str:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _cap(mapping: dict[str, int], limit: int) -> dict[str, int]:
    """Keep the newest ids; a dropped id is only re-read (never lost)."""
    if len(mapping) <= limit:
        return mapping
    return dict(sorted(mapping.items(), key=lambda kv: kv[1])[-limit:])


def _read_list(
    auth: WBAuth,
    *,
    cursor: dict,
    list_items: Callable[..., list[dict[str, Any]]],
    get_item: Callable[[str], dict[str, Any]],
    normalize: Callable[[dict[str, Any], dict[str, str]], InteractionRecord],
) -> StreamPage:
    phase = cursor.get("phase") or OPEN
    page_from = int(cursor.get("from") or 0)
    skip = int(cursor.get("skip") or 0)
    open_prev: dict[str, int] = dict(cursor.get("open") or {})
    open_now: dict[str, int] = dict(cursor.get("open_now") or {})
    mark = int(cursor.get("mark") or 0)
    recent = set(cursor.get("recent") or [])
    recent_now: dict[str, int] = dict(cursor.get("recent_now") or {})
    boundary = set(cursor.get("boundary") or [])
    pass_max = int(cursor.get("pass_max") or 0)
    open_at = int(cursor.get("open_at") or 0)
    resumed = {"resumed": True} if cursor.get("resumed") else {}

    page = StreamPage(requests=1)
    items = list_items(is_answered=phase == ANSWERED, take=PAGE_SIZE, skip=skip, date_from=page_from or None)
    parents = {
        _item_id(raw): raw["parentFeedbackId"]
        for raw in items
        if isinstance(raw, dict) and isinstance(raw.get("parentFeedbackId"), str) and raw["parentFeedbackId"]
    }
    stamps: list[float] = []
    seen_this_page: dict[str, int] = {}
    for raw in items:
        item_id = _item_id(raw)
        ts = _created_ts(raw) if isinstance(raw, dict) else None
        if ts is not None:
            stamps.append(ts)
        if item_id:
            # An item whose date does not parse is remembered too, so it is quarantined once, not every pass.
            seen_this_page[item_id] = int(ts) if ts is not None else 0
        if phase == OPEN:
            fresh = item_id not in open_prev and item_id not in open_now
        else:
            fresh = item_id not in recent and item_id not in boundary and item_id not in recent_now
        if item_id and not fresh:
            continue
        try:
            record = normalize(raw, parents)
        except PARSE_ERRORS as exc:
            page.quarantined.append(quarantine_entry(raw, exc))
            continue
        page.records.append(record)

    if phase == OPEN:
        open_now.update(seen_this_page)
    else:
        if seen_this_page:
            pass_max = max(pass_max, *seen_this_page.values())
        recent_now.update(seen_this_page)
        recent_now = {k: v for k, v in recent_now.items() if v >= _capped(pass_max, open_at) - OVERLAP_SECONDS}

    if len(items) >= PAGE_SIZE:
        # More to read in this phase: move the time window, or the offset inside a crowded second.
        ascending = len(stamps) < 2 or stamps[0] <= stamps[-1]
        new_from = int(max(stamps)) - 1 if stamps and ascending else page_from
        if new_from > page_from:
            page_from, skip = new_from, 0
        else:
            skip += len(items)
        boundary = {k for k, v in seen_this_page.items() if v >= page_from}
        page.cursor = {
            **cursor,
            "phase": phase,
            "from": page_from,
            "skip": skip,
            "open_now": open_now,
            "recent_now": recent_now,
            "boundary": sorted(boundary),
            "pass_max": pass_max,
        }
        return page

    if phase == OPEN:
        gone = {k: v for k, v in open_prev.items() if k not in open_now}
        start = max(mark - OVERLAP_SECONDS, 0) if mark else int(cursor.get("since") or 0)
        # Looked up now: the answered phase of this pass must not deliver them again from its overlap.
        # Edited reviews are left to the list, whose page resolves their whole edit chain.
        looked_up: dict[str, int] = {}
        if 0 < len(gone) <= DIRECT_LOOKUPS:
            for item_id in gone:
                page.requests += 1
                try:
                    raw = get_item(item_id)
                except PermanentError:
                    continue  # deleted or hidden on the marketplace: nothing to read
                try:
                    page.records.append(normalize(raw, {}))
                except PARSE_ERRORS as exc:
                    page.quarantined.append(quarantine_entry(raw, exc))
                if isinstance(raw, dict) and not raw.get("parentFeedbackId"):
                    looked_up[item_id] = gone[item_id]
        elif gone:
            start = min(start, *gone.values())
        page.cursor = {
            **_base(cursor),
            **resumed,
            "phase": ANSWERED,
            "from": start,
            "skip": 0,
            "open": _cap(open_now, MAX_OPEN_IDS),
            "recent_now": looked_up,
            "pass_max": mark,
            # Our clock, not the marketplace's: the overlap covers the difference.
            "open_at": int(time.time()),
        }
        return page

    new_mark = _capped(max(mark, pass_max), open_at)
    page.cursor = {
        **_base(cursor),
        "phase": OPEN,
        "mark": new_mark,
        "recent": sorted(k for k, v in recent_now.items() if v >= new_mark - OVERLAP_SECONDS),
    }
    page.done = not resumed
    return page


def _capped(mark: int, open_at: int) -> int:
    """The answered mark, never past the last full read of the unanswered list (0: not known, no cap)."""
    return min(mark, open_at) if open_at else mark


def resume_list_cursor(cursor: dict) -> dict:
    """The cursor a new sync starts a feedbacks or questions stream from: a pass an earlier sync began and did
    not finish is marked, so that this sync reads a whole pass after it (see the module's docstring)."""
    in_pass = cursor.get("phase") == ANSWERED or "open_now" in cursor
    return {**cursor, "resumed": True} if in_pass and not cursor.get("resumed") else cursor


def _base(cursor: dict) -> dict:
    """What survives from one pass to the next."""
    keep = ("open", "mark", "recent", "since")
    return {k: cursor[k] for k in keep if k in cursor}


def _with_products(page: StreamPage) -> StreamPage:
    ids = {int(r.product_id) for r in page.records if r.product_id.isdigit()}
    page.product_ids = sorted(ids)
    return page


def read_feedbacks(connection: Any, *, cursor: dict) -> StreamPage:
    auth = wb_auth(connection)

    def list_items(**kwargs: Any) -> list[dict[str, Any]]:
        return wb_feedbacks.list_feedbacks(auth, order="dateAsc", **kwargs).feedbacks

    def get_item(item_id: str) -> dict[str, Any]:
        return wb_feedbacks.get_feedback(auth, feedback_id=item_id)

    def normalize(raw: dict[str, Any], parents: dict[str, str]) -> InteractionRecord:
        return normalize_feedback(raw, parents=parents)

    return _with_products(
        _read_list(auth, cursor=cursor, list_items=list_items, get_item=get_item, normalize=normalize)
    )


def read_questions(connection: Any, *, cursor: dict) -> StreamPage:
    auth = wb_auth(connection)

    def list_items(**kwargs: Any) -> list[dict[str, Any]]:
        return wb_questions.list_questions(auth, order="dateAsc", **kwargs).questions

    def get_item(item_id: str) -> dict[str, Any]:
        return wb_questions.get_question(auth, question_id=item_id)

    def normalize(raw: dict[str, Any], parents: dict[str, str]) -> InteractionRecord:
        return normalize_question(raw)

    return _with_products(
        _read_list(auth, cursor=cursor, list_items=list_items, get_item=get_item, normalize=normalize)
    )


def read_chats(connection: Any, *, cursor: dict) -> StreamPage:
    """The event feed, from `next` until it stops advancing. replySign comes only on a chat's first event;
    /seller/chats fills it in for chats we have not seen a signature for."""
    auth = wb_auth(connection)
    next_ms = cursor.get("next")
    next_ms = int(next_ms) if isinstance(next_ms, int | str) and str(next_ms).isdigit() else None
    since = cursor.get("since")
    if next_ms is None and isinstance(since, int) and since > 0:
        next_ms = since * 1000  # a backfill from a date: the feed takes Unix ms
    signed = list(cursor.get("signed") or [])
    events_page = wb_chats.list_events(auth, next_ms=next_ms)
    page = StreamPage(requests=1)
    advanced = events_page.next is not None and (next_ms is None or events_page.next > next_ms)
    new_next = events_page.next if advanced else next_ms
    events = [e for e in events_page.events if isinstance(e, dict)]
    page.quarantined.extend(
        quarantine_entry(e, "event is not an object") for e in events_page.events if not isinstance(e, dict)
    )
    if events:
        known = set(signed)
        unsigned = {
            str(e.get("chatID")) for e in events if not e.get("replySign") and str(e.get("chatID") or "") not in known
        }
        chats: dict[str, dict[str, Any]] = {}
        if unsigned:
            page.requests += 1
            chats = {str(c.get("chatID")): c for c in wb_chats.list_chats(auth) if c.get("chatID")}
        result = normalize_chat_events(events, chats=chats)
        page.records = result.records
        page.product_ids = sorted(set(result.product_ids))
        page.quarantined.extend(quarantine_entry(raw, error, id_keys=("eventID",)) for raw, error in result.failed)
        for record in result.records:
            if record.reply_context.get("reply_sign") and record.external_id not in known:
                signed.append(record.external_id)
                known.add(record.external_id)
    page.cursor = {"next": new_next, "signed": signed[-MAX_SIGNED_CHATS:]}
    page.done = not events or not advanced
    return page


ANSWERS_PAGE = 20


def read_answers(connection: Any, *, cursor: dict) -> StreamPage:
    """Read back our answers whose fate is not known yet (sent, under review): one item lookup each, a few per
    sync, from the message after `cursor["after"]` (wrapping round), so every one is looked at in turn."""
    from interactions.selectors import answers_watched

    auth = wb_auth(connection)
    after = int(cursor.get("after") or 0)
    watched = answers_watched(connection_id=connection.pk, after_id=after, limit=ANSWERS_PAGE)
    page = StreamPage()
    looked_up: set[int] = set()
    for answer in watched:
        if answer.interaction_id in looked_up:
            continue
        looked_up.add(answer.interaction_id)
        item_id = (answer.external_id or "").removesuffix(":answer")
        if answer.kind == "review":
            item_id = item_id or str(answer.reply_context.get("feedback_id") or answer.item_id)
        else:
            item_id = item_id or answer.item_id
        page.requests += 1
        try:
            if answer.kind == "review":
                raw = wb_feedbacks.get_feedback(auth, feedback_id=item_id)
                record = normalize_feedback(raw, parents={})
            else:
                raw = wb_questions.get_question(auth, question_id=item_id)
                record = normalize_question(raw)
        except PermanentError:
            continue  # gone from the marketplace; the reconciliation reports it
        except PARSE_ERRORS as exc:
            page.quarantined.append(quarantine_entry(raw, exc))
            continue
        # The item's own id may be one edit of a review thread: the interaction is keyed by the thread's root.
        page.records.append(dataclasses.replace(record, external_id=answer.item_id))
    page.cursor = {"after": watched[-1].message_id} if len(watched) >= ANSWERS_PAGE else {}
    page.done = True
    return page


__all__ = [
    "QuarantineEntry",
    "read_answers",
    "read_chats",
    "read_feedbacks",
    "read_questions",
    "resume_list_cursor",
]
