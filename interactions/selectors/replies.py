"""Reads for the checks before a reply: the shop's recent answers (the repeated-answer guard) and what the
buyer wrote (the guardrails' «the buyer asked» conditions)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from interactions.models import DeliveryState, Direction, Interaction, Kind, Message

# Public answers repeat in front of everyone; a chat is a conversation, where the same words are fine.
REPEAT_KINDS = (Kind.REVIEW, Kind.QUESTION)
RECENT_REPLIES_LIMIT = 500
SAME_PRODUCT_LIMIT = 200
BUYER_MESSAGES = 5
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
