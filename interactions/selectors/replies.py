"""Reads for the checks before a reply: the shop's recent answers (the repeated-answer guard) and what the
buyer wrote (the guardrails' «the buyer asked» conditions)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from interactions.models import DeliveryState, Direction, Interaction, Kind, Message

# Public answers repeat in front of everyone; a chat is a conversation, where the same words are fine.
REPEAT_KINDS = (Kind.REVIEW, Kind.QUESTION)
RECENT_REPLIES_LIMIT = 500
SAME_PRODUCT_LIMIT = 200
BUYER_MESSAGES = 5
# The guard's comparison sets are kept per process (the same shop's answers are read for every reply) and
# brought up to date on each use by one short read of what was sent since, with an overlap for deliveries that
# committed late; a set is read whole again after CACHE_SECONDS (answers edited or deleted since drop out then).
CACHE_SECONDS = 300.0
CACHE_OVERLAP = timedelta(seconds=120)
CACHE_ENTRIES = 2000
DELTA_LIMIT = 1000
EXCLUDE_MARGIN = 5  # rows kept beyond the limits, for the answers of the interaction being answered
BUYER_TEXT_MAX_CHARS = 4000


@dataclass(frozen=True)
class SentReply:
    id: int
    text: str
    sent_at: datetime
    same_product: bool


def _sent_public_answers(
    *, seller_id: int, exclude_interaction_id: int | None, kinds: tuple[str, ...], before: datetime | None
):
    # message_seller_sent_idx (seller, sent_at) serves the newest first; the kind is checked per row.
    answers = Message.objects.filter(
        seller_id=seller_id,
        direction=Direction.OUT,
        delivery_state=DeliveryState.SENT,
        # Every sent answer has its time (delivery and the import set it); one without is not compared, and
        # would sort first in a descending scan.
        sent_at__isnull=False,
        superseded_at__isnull=True,
        interaction__kind__in=kinds,
    )
    if before is not None:
        answers = answers.filter(sent_at__lt=before)
    if exclude_interaction_id is not None:
        # The answer being edited is naturally like its new text.
        answers = answers.exclude(interaction_id=exclude_interaction_id)
    return answers.order_by("-sent_at", "-id")


def recent_sent_replies(
    *,
    seller_id: int,
    product_id: str = "",
    exclude_interaction_id: int | None = None,
    limit: int = RECENT_REPLIES_LIMIT,
    kinds: tuple[str, ...] = REPEAT_KINDS,
    before: datetime | None = None,
) -> list[SentReply]:
    """The shop's newest answers to reviews and questions (or to `kinds`; sent before `before`, for scoring
    an answer against what came before it): those about the same product first (up to SAME_PRODUCT_LIMIT),
    then the rest of the shop's, `limit` in all. Two bounded queries."""
    if kinds == REPEAT_KINDS and before is None and limit == RECENT_REPLIES_LIMIT:
        return _from_cache(seller_id=seller_id, product_id=product_id, exclude_interaction_id=exclude_interaction_id)
    found: list[SentReply] = []
    seen: set[int] = set()
    base = _sent_public_answers(
        seller_id=seller_id, exclude_interaction_id=exclude_interaction_id, kinds=kinds, before=before
    )
    if product_id:
        # The interaction's own shop too, so interaction_product_idx (seller, product_id, …) finds the product's
        # interactions instead of a scan of every interaction with that product id.
        same = base.filter(interaction__seller_id=seller_id, interaction__product_id=product_id)
        rows = same.values_list("id", "text", "sent_at")
        for pk, text, sent_at in rows[: min(limit, SAME_PRODUCT_LIMIT)]:
            found.append(SentReply(id=pk, text=text, sent_at=sent_at, same_product=True))
            seen.add(pk)
    rest = limit - len(found)
    if rest > 0:
        for pk, text, sent_at in base.values_list("id", "text", "sent_at")[: rest + len(seen)]:
            if pk not in seen and len(found) < limit:
                found.append(SentReply(id=pk, text=text, sent_at=sent_at, same_product=False))
    return found


Row = tuple[int, int, str, datetime]  # id, interaction id, text, sent_at


@dataclass
class _Set:
    rows: list[Row]  # newest first
    cap: int
    loaded_at: float
    watermark: datetime | None = None  # the newest sent_at seen, or when it was read
    lock: threading.Lock = field(default_factory=threading.Lock)

    def merge(self, delta: list[Row]) -> None:
        if not delta:
            return
        by_id = {row[0]: row for row in self.rows}
        by_id.update((row[0], row) for row in delta)
        self.rows = sorted(by_id.values(), key=lambda row: (row[3], row[0]), reverse=True)[: self.cap]
        newest = max(row[3] for row in delta)
        self.watermark = newest if self.watermark is None else max(self.watermark, newest)


_sets: OrderedDict[tuple[int, str], _Set] = OrderedDict()
_sets_lock = threading.Lock()


def recent_replies_cache_clear() -> None:
    """Forget every kept comparison set (tests; a bench that rolled its writes back)."""
    with _sets_lock:
        _sets.clear()


def _answers_rows(seller_id: int):
    return _sent_public_answers(seller_id=seller_id, exclude_interaction_id=None, kinds=REPEAT_KINDS, before=None)


def _load(seller_id: int, product_id: str) -> _Set:
    """A set read whole: a product's newest answers ("" key: the shop's)."""
    if product_id:
        cap = SAME_PRODUCT_LIMIT + EXCLUDE_MARGIN
        query = _answers_rows(seller_id).filter(interaction__seller_id=seller_id, interaction__product_id=product_id)
    else:
        cap = RECENT_REPLIES_LIMIT + SAME_PRODUCT_LIMIT + EXCLUDE_MARGIN  # room for the product's own
        query = _answers_rows(seller_id)
    now = timezone.now()
    rows = list(query.values_list("id", "interaction_id", "text", "sent_at")[:cap])
    # Whatever is sent from now on is read by the next use's delta (CACHE_OVERLAP covers late commits).
    watermark = max(rows[0][3], now) if rows else now
    return _Set(rows=rows, cap=cap, loaded_at=time.monotonic(), watermark=watermark)


def _entry(seller_id: int, product_id: str) -> tuple[_Set, bool]:
    """The kept set and whether it was read just now."""
    key = (seller_id, product_id)
    with _sets_lock:
        entry = _sets.get(key)
        if entry is not None:
            _sets.move_to_end(key)
    if entry is not None and time.monotonic() - entry.loaded_at < CACHE_SECONDS:
        return entry, False
    entry = _load(seller_id, product_id)
    with _sets_lock:
        _sets[key] = entry
        while len(_sets) > CACHE_ENTRIES:
            _sets.popitem(last=False)
    return entry, True


def _from_cache(*, seller_id: int, product_id: str, exclude_interaction_id: int | None) -> list[SentReply]:
    entries = [_entry(seller_id, product_id)] if product_id else []
    entries.append(_entry(seller_id, ""))
    stale = [entry for entry, fresh in entries if not fresh]
    if stale:
        # What was sent since the older set was brought up to date: one range of message_seller_sent_idx.
        marks = [entry.watermark for entry in stale if entry.watermark is not None]
        query = _answers_rows(seller_id)
        if marks:
            query = query.filter(sent_at__gte=min(marks) - CACHE_OVERLAP)
        delta = list(
            query.values_list("id", "interaction_id", "text", "sent_at", "interaction__product_id")[: DELTA_LIMIT + 1]
        )
        if len(delta) > DELTA_LIMIT:
            recent_replies_cache_clear()  # a burst: read the sets whole
            return _from_cache(
                seller_id=seller_id, product_id=product_id, exclude_interaction_id=exclude_interaction_id
            )
        for entry in stale:
            own = [row[:4] for row in delta if entry is entries[-1][0] or row[4] == product_id]
            with entry.lock:
                entry.merge(own)
    found: list[SentReply] = []
    seen: set[int] = set()
    if product_id:
        for pk, interaction_id, text, sent_at in entries[0][0].rows:
            if interaction_id != exclude_interaction_id and len(found) < SAME_PRODUCT_LIMIT:
                found.append(SentReply(id=pk, text=text, sent_at=sent_at, same_product=True))
                seen.add(pk)
    for pk, interaction_id, text, sent_at in entries[-1][0].rows:
        if len(found) >= RECENT_REPLIES_LIMIT:
            break
        if pk not in seen and interaction_id != exclude_interaction_id:
            found.append(SentReply(id=pk, text=text, sent_at=sent_at, same_product=False))
    return found


def recent_sent_replies_many(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], list[str]]:
    """`recent_sent_replies`' texts for many (shop, product) pairs at once (the AI's batch): two queries
    whatever their number, each ranked per product / per shop by a window function."""
    pairs = set(pairs)
    if not pairs:
        return {}
    sellers = {seller_id for seller_id, _ in pairs}
    products = {product_id for _, product_id in pairs if product_id}
    newest = [F("sent_at").desc(), F("id").desc()]
    answers = Message.objects.filter(
        seller_id__in=sellers,
        direction=Direction.OUT,
        delivery_state=DeliveryState.SENT,
        superseded_at__isnull=True,
        interaction__kind__in=REPEAT_KINDS,
    )
    same: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
    if products:
        ranked = answers.filter(interaction__product_id__in=products).annotate(
            rank=Window(RowNumber(), partition_by=[F("seller_id"), F("interaction__product_id")], order_by=newest)
        )
        for seller_id, product_id, pk, text, _rank in (
            ranked.filter(rank__lte=SAME_PRODUCT_LIMIT)
            .order_by("rank")
            .values_list("seller_id", "interaction__product_id", "id", "text", "rank")
        ):
            same[(seller_id, product_id)].append((pk, text))
    shop: dict[int, list[tuple[int, str]]] = defaultdict(list)
    ranked = answers.annotate(rank=Window(RowNumber(), partition_by=[F("seller_id")], order_by=newest))
    for seller_id, pk, text, _rank in (
        ranked.filter(rank__lte=RECENT_REPLIES_LIMIT).order_by("rank").values_list("seller_id", "id", "text", "rank")
    ):
        shop[seller_id].append((pk, text))
    found = {}
    for seller_id, product_id in pairs:
        first = same.get((seller_id, product_id), []) if product_id else []
        seen = {pk for pk, _ in first}
        rest = [(pk, text) for pk, text in shop.get(seller_id, []) if pk not in seen]
        found[(seller_id, product_id)] = [text for _, text in (first + rest)[:RECENT_REPLIES_LIMIT]]
    return found


def buyer_text_of(*, interaction: Interaction) -> str:
    """The buyer's last few messages of this interaction, oldest first, bounded."""
    texts = list(
        Message.objects.filter(interaction_id=interaction.pk, direction=Direction.IN)
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)[:BUYER_MESSAGES]
    )
    return "\n".join(reversed([t for t in texts if t]))[-BUYER_TEXT_MAX_CHARS:]
