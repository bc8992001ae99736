"""Links between one buyer's chats, reviews and questions, as the interaction detail shows them.

Strong: the same stable buyer id (one customer), or a suggestion the seller confirmed. Suggested: the
same product within 45 days, scored by name, time and text hints (interactions.linking); a pair the
seller rejected is never suggested again. Suggestions are computed on read (the seller's decisions,
then one indexed query for the candidates), so they follow new data with no backfill and cost the
detail a constant two queries (on PostgreSQL both are part of the detail's one statement,
interactions.selectors.detail_sql, which `links_from` then scores); only decisions are stored. The candidates are only what can link: an item
of another stable buyer id is never read (it is another person), and the first buyer text is read only
for the rows the scoring compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left

from interactions.linking import LINK_WINDOW, SUGGEST_MIN_SCORE, LinkSide, Suggestion, gap_between, suggest
from interactions.models import Author, Direction, Interaction, InteractionLink, LinkDecision, Message
from interactions.selectors.inbox import interaction_get

STRONG_LIMIT = 20
SUGGESTED_LIMIT = 5
# The rows scored per detail: strong ones first, then the nearest in time.
CANDIDATES_LIMIT = 200
TEXT_CHARS = 1000
BRIEF_COLUMNS = [
    "id",
    "seller_id",
    "kind",
    "marketplace",
    "status",
    "product_id",
    "product_name",
    "rating",
    "created_at",
    "last_buyer_message_at",
    "author_name",
    "customer_id",
]

CONFIRMED_REASON = "подтверждено продавцом"


@dataclass
class StrongLink:
    interaction: dict[str, Any]  # a row of BRIEF_COLUMNS
    basis: str  # "buyer_id" or "confirmed"
    reasons: list[str]
    decided_at: datetime | None = None


@dataclass
class SuggestedLink:
    interaction: dict[str, Any]
    score: float
    reasons: list[str]


@dataclass
class InteractionLinks:
    strong: list[StrongLink]
    suggested: list[SuggestedLink]


def _first_buyer_text() -> Subquery:
    first = Message.objects.filter(interaction_id=OuterRef("pk"), direction=Direction.IN, author=Author.BUYER)
    return Subquery(first.order_by("created_at", "id").values(head=Left("text", TEXT_CHARS))[:1])


def _side(row: Mapping[str, Any]) -> LinkSide:
    return LinkSide(
        id=row["id"],
        marketplace=row["marketplace"],
        product_id=row["product_id"],
        product_name=row["product_name"],
        started_at=row["created_at"],
        last_buyer_at=row["last_buyer_message_at"],
        name=row["author_name"],
        buyer_text=row.get("buyer_text") or "",
        customer_id=row["customer_id"],
    )


def link_side(interaction: Interaction) -> LinkSide:
    """`interaction` must carry `buyer_text` (annotated by `link_pair`'s query)."""
    return _side(
        {
            "id": interaction.pk,
            "marketplace": interaction.marketplace,
            "product_id": interaction.product_id,
            "product_name": interaction.product_name,
            "created_at": interaction.created_at,
            "last_buyer_message_at": interaction.last_buyer_message_at,
            "author_name": interaction.author_name,
            "buyer_text": getattr(interaction, "buyer_text", None),
            "customer_id": interaction.customer_id,
        }
    )


def link_decisions(*, seller_id: int, interaction_id: int) -> dict[int, tuple[str, datetime | None]]:
    """The seller's decisions on this interaction's links, by the other interaction's id."""
    this = interaction_id
    rows = InteractionLink.objects.filter(Q(a_id=this) | Q(b_id=this), seller_id=seller_id)
    return {
        (b if a == this else a): (decision, decided_at)
        for a, b, decision, decided_at in rows.values_list("a_id", "b_id", "decision", "decided_at")
    }


def link_candidates(*, seller_id: int, interaction: Mapping[str, Any], decided: list[int]) -> QuerySet:
    """This interaction, its customer's, those decided with it, and those about its product near in time
    that no other buyer id rules out, as rows of BRIEF_COLUMNS plus `buyer_text`.

    Every branch of the OR is an index lookup (pk, customer, `interaction_product_idx`: shop, product,
    marketplace, then the activity window, with its other end and the buyer id checked inside the index),
    so PostgreSQL combines bitmap scans and visits only the rows it returns. The first buyer text is read only for the rows the
    scoring reads it of (not the customer's own, which are linked by the buyer id).
    """
    this = interaction["id"]
    customer_id = interaction["customer_id"]
    strong = Q(pk__in=decided)
    if customer_id is not None:
        strong |= Q(customer_id=customer_id)
    wanted = Q(pk=this) | strong
    start = interaction["created_at"]
    end = max(start, interaction["last_buyer_message_at"] or start)
    if interaction["product_id"]:
        nearby = Q(
            marketplace=interaction["marketplace"],
            product_id=interaction["product_id"],
            created_at__lte=end + LINK_WINDOW,
            activity_end__gte=start - LINK_WINDOW,
        )
        if customer_id is not None:
            # Another stable buyer id is another person (linking.is_candidate): never a suggestion.
            nearby &= Q(customer_id__isnull=True)
        wanted |= nearby
    distance = Case(
        When(created_at__gte=start, then=ExpressionWrapper(F("created_at") - Value(start), DurationField())),
        default=ExpressionWrapper(Value(start) - F("created_at"), DurationField()),
    )
    rank = Case(
        When(pk=this, then=Value(0)), When(strong, then=Value(1)), default=Value(2), output_field=IntegerField()
    )
    text = _first_buyer_text()
    if customer_id is not None:
        text = Case(When(~Q(pk=this) & Q(customer_id=customer_id), then=Value(None)), default=text)
    return (
        Interaction.objects.filter(seller_id=seller_id)
        .alias(activity_end=Coalesce("last_buyer_message_at", "created_at"))
        .filter(wanted)
        .alias(link_rank=rank, distance=distance)
        .order_by("link_rank", "distance", "-id")
        .values(*BRIEF_COLUMNS, buyer_text=text)[:CANDIDATES_LIMIT]
    )


def interaction_links(
    *, seller_id: int, interaction: Mapping[str, Any], customer_external_id: str | None = None
) -> InteractionLinks:
    """Strong and suggested links of one interaction of the shop `seller_id`: two queries, none when it has
    neither a buyer id nor a product (nothing can link to it: a decision needs a suggestion, and a
    suggestion needs the same product).

    `interaction` is its row (`id`, `customer_id` and the columns `link_side` reads but `buyer_text`);
    linked interactions come as rows of BRIEF_COLUMNS.
    """
    if not can_link(interaction):
        return InteractionLinks(strong=[], suggested=[])
    decisions = link_decisions(seller_id=seller_id, interaction_id=interaction["id"])
    rows = list(link_candidates(seller_id=seller_id, interaction=interaction, decided=list(decisions)))
    return links_from(
        interaction=interaction, decisions=decisions, candidates=rows, customer_external_id=customer_external_id
    )


def can_link(interaction: Mapping[str, Any]) -> bool:
    return interaction["customer_id"] is not None or bool(interaction["product_id"])


def links_from(
    *,
    interaction: Mapping[str, Any],
    decisions: Mapping[int, tuple[str, datetime | None]],
    candidates: list[dict[str, Any]],
    customer_external_id: str | None,
) -> InteractionLinks:
    """The links, from the seller's decisions and the candidate rows as `link_candidates` reads them (the detail's
    single statement on PostgreSQL reads the same rows: interactions.selectors.detail_sql)."""
    if not can_link(interaction):
        return InteractionLinks(strong=[], suggested=[])
    customer_id = interaction["customer_id"]
    this_id = interaction["id"]
    this = next((row for row in candidates if row["id"] == this_id), None)
    side = _side(this if this is not None else interaction)
    buyer_id_reasons = [
        f"тот же ID покупателя: {customer_external_id}" if customer_external_id is not None else "тот же ID покупателя"
    ]
    strong: list[StrongLink] = []
    suggested: list[tuple[Suggestion, LinkSide, dict[str, Any]]] = []
    for row in candidates:
        row_id = row["id"]
        if row_id == this_id:
            continue
        if customer_id is not None and row["customer_id"] == customer_id:
            strong.append(StrongLink(interaction=row, basis="buyer_id", reasons=list(buyer_id_reasons)))
            continue
        decision, decided_at = decisions.get(row_id, ("", None))
        if decision == LinkDecision.REJECTED:
            continue
        other = _side(row)
        suggestion = suggest(side, other)
        if decision == LinkDecision.CONFIRMED:
            reasons = [CONFIRMED_REASON, *(suggestion.reasons if suggestion else [])]
            strong.append(StrongLink(interaction=row, basis="confirmed", reasons=reasons, decided_at=decided_at))
        elif suggestion is not None and suggestion.score >= SUGGEST_MIN_SCORE:
            suggested.append((suggestion, other, row))
    strong.sort(key=lambda link: (link.interaction["created_at"], link.interaction["id"]), reverse=True)
    suggested.sort(key=lambda item: (-item[0].score, gap_between(side, item[1]), -item[2]["id"]))
    return InteractionLinks(
        strong=strong[:STRONG_LIMIT],
        suggested=[SuggestedLink(interaction=row, score=s.score, reasons=s.reasons) for s, _, row in suggested][
            :SUGGESTED_LIMIT
        ],
    )


def link_pair(*, seller: Any, interaction_id: int, other_id: int) -> tuple[Interaction, Interaction, Suggestion | None]:
    """Both interactions of the seller (or NotFound) and the suggestion between them, if any."""
    first = interaction_get(seller=seller, interaction_id=interaction_id)
    second = interaction_get(seller=seller, interaction_id=other_id)
    texts = dict(
        Interaction.objects.filter(pk__in=[first.pk, second.pk])
        .annotate(buyer_text=_first_buyer_text())
        .values_list("pk", "buyer_text")
    )
    first.buyer_text, second.buyer_text = texts.get(first.pk), texts.get(second.pk)
    return first, second, suggest(link_side(first), link_side(second))
