"""Reads for the reply quality score (docs/reply-quality.md): what the scorer needs to know about each sent
reply, which replies still have no score, and the drill-down condition the report's figures share with the
inbox list (`/api/interactions?reply_from=…&reply_to=…&reply_by=…&quality_max=…`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q

from interactions.models import (
    CycleOutcome,
    DeliveryState,
    Direction,
    Kind,
    Message,
    ReplyQuality,
    ResponseCycle,
)
from interactions.selectors.replies import REPEAT_KINDS, recent_sent_replies
from interactions.selectors.waits import NO_MEMBER
from sellers.models import Seller

BUYER_TEXT_MAX_CHARS = 2000
SWEEP_DAYS = 3  # the beat sweep scores replies sent this recently that have no score yet
CYCLE_MATCH = timedelta(seconds=60)  # a reply ends the wait that ended when it was queued


@dataclass(frozen=True)
class ReplyForQuality:
    """One sent reply with what its score is measured on (plain data: the scorer runs on any thread)."""

    message_id: int
    seller_id: int
    interaction_id: int
    author_user_id: int | None
    author: str
    marketplace: str
    kind: str
    rating: int | None
    intent: str
    product_name: str
    buyer_name: str
    text: str
    buyer_text: str  # what the buyer wrote in the wait this reply answers
    sent_at: datetime
    # The wait it ended (ResponseCycle), when one ran: wall-clock start, target, deadline, working seconds.
    wait_started_at: datetime | None = None
    wait_due_soon_at: datetime | None = None
    wait_due_at: datetime | None = None
    wait_ended_at: datetime | None = None
    response_seconds: int | None = None
    met_target: bool | None = None
    met_deadline: bool | None = None
    # The most similar earlier reply of the shop (the repeated-answer guard's comparison set).
    similar_to: list[tuple[int, str]] | None = None  # (id, text) of the candidates, newest first


def replies_to_score(*, now: datetime, limit: int = 200, days: int = SWEEP_DAYS) -> list[int]:
    """Our replies sent in the last `days` that have no score: what a lost task left (the beat sweep).

    Per shop through message_seller_sent_idx (seller, sent_at), each probe a short range of it."""
    unscored = (
        Message.objects.filter(
            seller_id__in=Seller.objects.values("pk"),
            direction=Direction.OUT,
            delivery_state=DeliveryState.SENT,
            sent_at__gte=now - timedelta(days=days),
        )
        .filter(~Exists(ReplyQuality.objects.filter(message_id=OuterRef("pk"))))
        .order_by("sent_at", "id")
        .values_list("pk", flat=True)
    )
    return list(unscored[:limit])


def replies_for_quality(message_ids: list[int], *, with_similar: bool = True) -> list[ReplyForQuality]:
    """The sent, not yet scored replies among `message_ids`, with their buyer text, wait and comparison set."""
    rows = list(
        Message.objects.filter(
            pk__in=list(message_ids), direction=Direction.OUT, delivery_state=DeliveryState.SENT, quality__isnull=True
        )
        .order_by("pk")
        .values(
            "pk",
            "seller_id",
            "interaction_id",
            "author_user_id",
            "author",
            "text",
            "created_at",
            "sent_at",
            "interaction__marketplace",
            "interaction__kind",
            "interaction__rating",
            "interaction__intent",
            "interaction__product_id",
            "interaction__product_name",
            "interaction__author_name",
            "interaction__customer__name",
        )
    )
    if not rows:
        return []
    interaction_ids = {row["interaction_id"] for row in rows}
    thread: dict[int, list[tuple[datetime, int, str, str]]] = {pk: [] for pk in interaction_ids}
    for interaction_id, created_at, pk, direction, text in (
        Message.objects.filter(interaction_id__in=interaction_ids)
        .order_by("interaction_id", "created_at", "id")
        .values_list("interaction_id", "created_at", "pk", "direction", "text")
    ):
        thread[interaction_id].append((created_at, pk, direction, text or ""))
    cycles: dict[int, list[dict[str, Any]]] = {pk: [] for pk in interaction_ids}
    for cycle in ResponseCycle.objects.filter(
        interaction_id__in=interaction_ids, outcome=CycleOutcome.RESPONDED
    ).values(
        "interaction_id",
        "started_at",
        "due_soon_at",
        "due_at",
        "ended_at",
        "response_seconds",
        "met_target",
        "met_deadline",
    ):
        cycles[cycle["interaction_id"]].append(cycle)

    found = []
    for row in rows:
        kind = row["interaction__kind"]
        similar = None
        if with_similar:
            earlier = recent_sent_replies(
                seller_id=row["seller_id"],
                product_id=row["interaction__product_id"] if kind in REPEAT_KINDS else "",
                exclude_interaction_id=row["interaction_id"],
                kinds=REPEAT_KINDS if kind in REPEAT_KINDS else (Kind.CHAT,),
                before=row["sent_at"],
            )
            similar = [(reply.id, reply.text) for reply in earlier]
        cycle = _cycle_of(cycles[row["interaction_id"]], queued_at=row["created_at"])
        found.append(
            ReplyForQuality(
                message_id=row["pk"],
                seller_id=row["seller_id"],
                interaction_id=row["interaction_id"],
                author_user_id=row["author_user_id"],
                author=row["author"],
                marketplace=row["interaction__marketplace"],
                kind=kind,
                rating=row["interaction__rating"],
                intent=row["interaction__intent"] or "",
                product_name=row["interaction__product_name"] or "",
                buyer_name=(row["interaction__customer__name"] or row["interaction__author_name"] or "").strip(),
                text=row["text"] or "",
                buyer_text=_buyer_text(thread[row["interaction_id"]], reply_id=row["pk"]),
                sent_at=row["sent_at"],
                wait_started_at=cycle and cycle["started_at"],
                wait_due_soon_at=cycle and cycle["due_soon_at"],
                wait_due_at=cycle and cycle["due_at"],
                wait_ended_at=cycle and cycle["ended_at"],
                response_seconds=cycle and cycle["response_seconds"],
                met_target=cycle and cycle["met_target"],
                met_deadline=cycle and cycle["met_deadline"],
                similar_to=similar,
            )
        )
    return found


def _buyer_text(thread: list[tuple[datetime, int, str, str]], *, reply_id: int) -> str:
    """The buyer's messages between our previous outgoing message and this reply."""
    buyer: list[str] = []
    for _created_at, pk, direction, text in thread:
        if pk == reply_id:
            break
        if direction == Direction.OUT:
            buyer = []
        elif text.strip():
            buyer.append(text.strip())
    return "\n".join(buyer)[-BUYER_TEXT_MAX_CHARS:]


def _cycle_of(cycles: list[dict[str, Any]], *, queued_at: datetime) -> dict[str, Any] | None:
    """The responded wait this reply ended: queueing a reply ends the wait at the reply's own time."""
    near = [c for c in cycles if abs(c["ended_at"] - queued_at) <= CYCLE_MATCH]
    return min(near, key=lambda c: abs(c["ended_at"] - queued_at)) if near else None


# The drill-down: conditions on one and the same scored reply of the interaction.
QUALITY_PARAMS = {
    "reply_by": "author",
    "quality_min": "score_min",
    "quality_max": "score_max",
}


@dataclass(frozen=True)
class QualityFilter:
    """Conditions on one scored reply; None means "any". `start`/`end`: sent in [start, end)."""

    start: datetime | None = None
    end: datetime | None = None
    author: int | str | None = None  # a member id or NO_MEMBER
    score_min: int | None = None
    score_max: int | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


def quality_condition(quality: QualityFilter) -> Q:
    """On ReplyQuality: the scored replies that match."""
    condition = Q()
    if quality.start is not None:
        condition &= Q(sent_at__gte=quality.start)
    if quality.end is not None:
        condition &= Q(sent_at__lt=quality.end)
    if quality.author == NO_MEMBER:
        condition &= Q(author_user__isnull=True)
    elif quality.author is not None:
        condition &= Q(author_user_id=int(quality.author))
    if quality.score_min is not None:
        condition &= Q(score__gte=quality.score_min)
    if quality.score_max is not None:
        condition &= Q(score__lte=quality.score_max)
    return condition


def interactions_with_scored_reply(quality: QualityFilter) -> Q:
    """On Interaction: one of its scored replies matches (quality_interaction_idx: interaction, sent_at)."""
    replies = ReplyQuality.objects.filter(
        quality_condition(quality), interaction_id=OuterRef("pk"), seller_id=OuterRef("seller_id")
    )
    return Q(Exists(replies))
