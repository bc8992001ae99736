"""Reads for the checks before a reply: the shop's recent answers (the repeated-answer guard) and what the
buyer wrote (the guardrails' «the buyer asked» conditions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
        rows = base.filter(interaction__product_id=product_id).values_list("id", "text", "sent_at")
        for pk, text, sent_at in rows[: min(limit, SAME_PRODUCT_LIMIT)]:
            found.append(SentReply(id=pk, text=text, sent_at=sent_at, same_product=True))
            seen.add(pk)
    rest = limit - len(found)
    if rest > 0:
        for pk, text, sent_at in base.values_list("id", "text", "sent_at")[: rest + len(seen)]:
            if pk not in seen and len(found) < limit:
                found.append(SentReply(id=pk, text=text, sent_at=sent_at, same_product=False))
    return found


def buyer_text_of(*, interaction: Interaction) -> str:
    """The buyer's last few messages of this interaction, oldest first, bounded."""
    texts = list(
        Message.objects.filter(interaction_id=interaction.pk, direction=Direction.IN)
        .order_by("-created_at", "-id")
        .values_list("text", flat=True)[:BUYER_MESSAGES]
    )
    return "\n".join(reversed([t for t in texts if t]))[-BUYER_TEXT_MAX_CHARS:]
