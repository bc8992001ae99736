"""What the AI reads about a batch of interactions, in a fixed number of queries whatever the batch size: the
buyer's side of the current wait, the product's facts (the WB card cache), the buyer's strongly linked earlier
interactions and the shop's reply settings.

Strong links only (PRODUCT_RULES): the same stable buyer id (`customer`), or a link the seller confirmed;
suggestions never reach a prompt. The product's facts are the card's name, brand, category, composition and
characteristics; a product without a cached card (Ozon, or a card not fetched yet) gives its name alone.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q

from interactions.models import (
    Direction,
    Interaction,
    InteractionLink,
    Kind,
    LinkDecision,
    Message,
)
from interactions.selectors.detail import card_nm_id
from interactions.selectors.replies import REPEAT_KINDS, recent_sent_replies_many
from interactions.services import REPLY_LENGTH_LIMITS
from sellers.models import Seller

TEXT_MAX_CHARS = 2000
HISTORY_ITEMS = 5
HISTORY_ITEM_CHARS = 200
HISTORY_READ_LIMIT = 5000  # the newest rows of the batch's buyers; a batch needs at most 5 per interaction
DRAFT_MAX_CHARS = 1000  # PRODUCT_RULES: aim under 300, never past the marketplace's limit (Ozon chat 1,000)
CARD_DESCRIPTION_CHARS = 300
KIND_WORDS = {Kind.REVIEW: "отзыв", Kind.QUESTION: "вопрос", Kind.CHAT: "чат"}


@dataclass(frozen=True)
class AIContext:
    interaction_id: int
    seller_id: int
    marketplace: str
    kind: str
    rating: int | None
    text: str  # the buyer's messages since our last answer
    product_id: str = ""
    product_name: str = ""
    buyer_name: str = ""
    product: dict[str, Any] | None = None
    history: list[str] = field(default_factory=list)
    tone: str = ""
    signature: str = ""
    address_form: str = "formal"
    max_chars: int = DRAFT_MAX_CHARS
    # The current analysis, for the draft: the seller's own intent where they set one.
    intent: str = ""
    sentiment: str = ""
    needs_reply: bool | None = None
    needs_response: bool = True  # waiting for our answer
    ai_input_hash: str = ""
    intent_by_seller: bool = False
    draft_source: str = ""
    draft_for_hash: str = ""
    # The shop's recent answers the repeated-answer guard will compare a draft with (reviews and questions
    # waiting for an answer): the same product's first, newest first.
    recent_replies: tuple[str, ...] = ()

    def analysis_hash(self, version: str) -> str:
        payload = f"{version}\x1f{self.kind}\x1f{self.rating}\x1f{self.text}"
        return hashlib.sha256(payload.encode()).hexdigest()

    def with_analysis(self, *, intent: str, sentiment: str, needs_reply: bool, input_hash: str) -> AIContext:
        """This context after an analysis: the seller's own intent stands, as `analysis_apply` keeps it."""
        return replace(
            self,
            intent=self.intent if self.intent_by_seller else intent,
            sentiment=sentiment,
            needs_reply=needs_reply,
            ai_input_hash=input_hash,
        )


_ROW_FIELDS = (
    "pk",
    "seller_id",
    "marketplace",
    "kind",
    "rating",
    "product_id",
    "product_name",
    "author_name",
    "customer_id",
    "customer__name",
    "created_at",
    "intent",
    "sentiment",
    "ai_needs_reply",
    "needs_response",
    "ai_input_hash",
    "intent_by_seller",
    "draft_source",
    "draft_for_hash",
)


def contexts_for(ids: Sequence[int]) -> list[AIContext]:
    rows = list(Interaction.objects.filter(pk__in=list(ids)).order_by("pk").values(*_ROW_FIELDS))
    if not rows:
        return []
    texts = _buyer_texts([row["pk"] for row in rows])
    cards = _cards(rows)
    history = _histories(rows)
    recent = _recent_replies(rows)
    shops = {
        shop["pk"]: shop
        for shop in Seller.objects.filter(pk__in={row["seller_id"] for row in rows}).values(
            "pk", "reply_tone", "reply_signature", "reply_address_form"
        )
    }
    contexts = []
    for row in rows:
        shop = shops.get(row["seller_id"], {})
        low_high = REPLY_LENGTH_LIMITS.get((row["marketplace"], row["kind"]), (1, DRAFT_MAX_CHARS))
        product = cards.get((row["marketplace"], row["product_id"]))
        if product is None and row["product_name"]:
            product = {"название": row["product_name"]}
        contexts.append(
            AIContext(
                interaction_id=row["pk"],
                seller_id=row["seller_id"],
                marketplace=row["marketplace"],
                kind=row["kind"],
                rating=row["rating"],
                text="\n".join(texts.get(row["pk"], []))[-TEXT_MAX_CHARS:],
                product_id=row["product_id"],
                product_name=(product or {}).get("название", row["product_name"]),
                buyer_name=(row["customer__name"] or row["author_name"] or "").strip(),
                product=product,
                history=history.get(row["pk"], []),
                tone=shop.get("reply_tone", ""),
                signature=shop.get("reply_signature", ""),
                address_form=shop.get("reply_address_form", "formal"),
                max_chars=min(DRAFT_MAX_CHARS, low_high[1]),
                intent=row["intent"],
                sentiment=row["sentiment"],
                needs_reply=row["ai_needs_reply"],
                needs_response=row["needs_response"],
                ai_input_hash=row["ai_input_hash"],
                intent_by_seller=row["intent_by_seller"],
                draft_source=row["draft_source"],
                draft_for_hash=row["draft_for_hash"],
                recent_replies=recent.get((row["seller_id"], row["product_id"]), ())
                if row["kind"] in REPEAT_KINDS
                else (),
            )
        )
    return contexts


def _recent_replies(rows: list[dict[str, Any]]) -> dict[tuple[int, str], tuple[str, ...]]:
    """Per shop and product of the batch's reviews and questions waiting for an answer: the answers the guard
    compares with (two queries for the batch)."""
    wanted = {
        (row["seller_id"], row["product_id"]) for row in rows if row["kind"] in REPEAT_KINDS and row["needs_response"]
    }
    return {pair: tuple(texts) for pair, texts in recent_sent_replies_many(wanted).items()}


def _buyer_texts(ids: list[int]) -> dict[int, list[str]]:
    texts: dict[int, list[str]] = {pk: [] for pk in ids}
    messages = (
        Message.objects.filter(interaction_id__in=ids, superseded_at__isnull=True)
        .order_by("interaction_id", "created_at", "id")
        .values_list("interaction_id", "direction", "text")
    )
    for pk, direction, text in messages:
        if direction == Direction.OUT:
            texts[pk] = []  # what the buyer wrote before our answer is answered
        elif text:
            texts[pk].append(text.strip())
    return texts


def _cards(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    from integrations.models import ProductCard  # read-only use of the card cache, as the detail does

    wanted = defaultdict(set)
    for row in rows:
        nm_id = card_nm_id(row["product_id"] or "")
        if nm_id is not None:
            wanted[row["marketplace"]].add(nm_id)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    if not wanted:
        return found
    query = Q()
    for marketplace, nm_ids in wanted.items():
        query |= Q(marketplace=marketplace, nm_id__in=nm_ids)
    for card in ProductCard.objects.filter(query, is_missing=False).values(
        "marketplace", "nm_id", "name", "brand", "category", "card"
    ):
        found[(card["marketplace"], str(card["nm_id"]))] = product_facts(card)
    return found


def product_facts(card: dict[str, Any]) -> dict[str, Any]:
    """Name, brand, category, composition, sizes and characteristics of a WB CDN card, in Russian keys."""
    body = card.get("card") or {}
    facts: dict[str, Any] = {"название": card.get("name") or body.get("imt_name") or ""}
    if card.get("brand"):
        facts["бренд"] = card["brand"]
    if card.get("category") or body.get("subj_name"):
        facts["категория"] = card.get("category") or body.get("subj_name")
    compositions = [c.get("name") for c in body.get("compositions") or [] if isinstance(c, dict) and c.get("name")]
    if compositions:
        facts["состав"] = ", ".join(compositions)
    sizes = [s.get("origName") or s.get("name") for s in body.get("sizes_table", {}).get("values", []) or []]
    sizes = [str(size) for size in sizes if size]
    if sizes:
        facts["размеры"] = sizes
    for option in body.get("options") or []:
        if isinstance(option, dict) and option.get("name") and option.get("value"):
            facts.setdefault(str(option["name"]).lower(), str(option["value"]))
    if body.get("description"):
        facts["описание"] = str(body["description"])[:CARD_DESCRIPTION_CHARS]
    return {key: value for key, value in facts.items() if value}


def _histories(rows: list[dict[str, Any]]) -> dict[int, list[str]]:
    """Per interaction, one line for each strongly linked earlier interaction of the buyer (oldest first)."""
    by_pk = {row["pk"]: row for row in rows}
    customers = {row["customer_id"] for row in rows if row["customer_id"]}
    confirmed = list(
        InteractionLink.objects.filter(decision=LinkDecision.CONFIRMED)
        .filter(Q(a_id__in=list(by_pk)) | Q(b_id__in=list(by_pk)))
        .values_list("a_id", "b_id")
    )
    other_ids = {b if a in by_pk else a for a, b in confirmed}
    if not customers and not other_ids:
        return {}
    earlier = list(
        Interaction.objects.filter(Q(customer_id__in=customers) | Q(pk__in=other_ids))
        .order_by("-created_at", "-pk")
        .values("pk", "seller_id", "customer_id", "kind", "rating", "created_at", "ai_summary", "product_name")[
            :HISTORY_READ_LIMIT
        ]
    )
    earlier.reverse()
    linked: dict[int, set[int]] = defaultdict(set)
    for a, b in confirmed:
        linked[a].add(b)
        linked[b].add(a)
    lines: dict[int, list[str]] = {}
    for pk, row in by_pk.items():
        picked = [
            other
            for other in earlier
            if other["pk"] != pk
            and other["seller_id"] == row["seller_id"]
            and other["created_at"] < row["created_at"]
            and ((row["customer_id"] and other["customer_id"] == row["customer_id"]) or other["pk"] in linked[pk])
        ][-HISTORY_ITEMS:]
        if picked:
            lines[pk] = [_history_line(other) for other in picked]
    return lines


def _history_line(row: dict[str, Any]) -> str:
    stars = f" {row['rating']}★" if row["rating"] else ""
    about = f" о «{row['product_name']}»" if row["product_name"] else ""
    summary = (row["ai_summary"] or "").strip() or "без разбора"
    line = f"{row['created_at']:%d.%m.%Y}, {KIND_WORDS.get(row['kind'], row['kind'])}{stars}{about}: {summary}"
    return line[:HISTORY_ITEM_CHARS]
