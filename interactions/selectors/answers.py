"""Reads of our answers' marketplace state: the sync's read-back list and the reconciliation's comparison."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from interactions.models import ANSWER_STATES_WATCHED, DeliveryState, Direction, Kind, Message


@dataclass(frozen=True)
class WatchedAnswer:
    """One of our answers whose fate on the marketplace is not known yet, with what it takes to look it up."""

    message_id: int
    external_id: str | None
    interaction_id: int
    kind: str  # interactions.models.Kind: review or question
    item_id: str  # the interaction's external id
    reply_context: dict[str, Any]


def answers_watched(*, connection_id: int, after_id: int = 0, limit: int = 20) -> list[WatchedAnswer]:
    """The connection's answers still `sent` or `in_moderation`, oldest first, after message `after_id`."""
    rows = (
        Message.objects.filter(
            interaction__connection_id=connection_id,
            marketplace_state__in=ANSWER_STATES_WATCHED,
            direction=Direction.OUT,
            delivery_state=DeliveryState.SENT,
            superseded_at__isnull=True,
            pk__gt=after_id,
        )
        .order_by("pk")
        .values_list(
            "pk",
            "external_id",
            "interaction_id",
            "interaction__kind",
            "interaction__external_id",
            "interaction__reply_context",
        )[:limit]
    )
    return [
        WatchedAnswer(
            message_id=pk,
            external_id=external_id,
            interaction_id=interaction_id,
            kind=kind,
            item_id=item_id,
            reply_context=reply_context or {},
        )
        for pk, external_id, interaction_id, kind, item_id, reply_context in rows
    ]


def answers_waiting(*, connection_id: int) -> bool:
    return Message.objects.filter(
        interaction__connection_id=connection_id,
        marketplace_state__in=ANSWER_STATES_WATCHED,
        direction=Direction.OUT,
        delivery_state=DeliveryState.SENT,
        superseded_at__isnull=True,
    ).exists()


@dataclass(frozen=True)
class SentAnswer:
    """One answer on our side, as the reconciliation compares it with the marketplace."""

    message_id: int
    interaction_id: int
    kind: str
    item_id: str  # the interaction's external id
    external_id: str | None
    text: str
    state: str
    sent_at: datetime | None
    from_agentiq: bool  # written in AgentIQ (a user or an auto-reply), not imported from the marketplace


def answers_for_reconciliation(*, connection_id: int, since: datetime) -> list[SentAnswer]:
    """The connection's delivered answers to reviews and questions (current ones: no replaced edits)."""
    rows = (
        Message.objects.filter(
            interaction__connection_id=connection_id,
            interaction__kind__in=(Kind.REVIEW, Kind.QUESTION),
            direction=Direction.OUT,
            delivery_state=DeliveryState.SENT,
            superseded_at__isnull=True,
            interaction__created_at__gte=since,
        )
        .order_by("pk")
        .values_list(
            "pk",
            "interaction_id",
            "interaction__kind",
            "interaction__external_id",
            "external_id",
            "text",
            "marketplace_state",
            "sent_at",
            "author_user_id",
            "author",
        )
    )
    return [
        SentAnswer(
            message_id=pk,
            interaction_id=interaction_id,
            kind=kind,
            item_id=item_id,
            external_id=external_id,
            text=text,
            state=state,
            sent_at=sent_at,
            from_agentiq=author_user_id is not None or author == "auto_reply",
        )
        for pk, interaction_id, kind, item_id, external_id, text, state, sent_at, author_user_id, author in rows
    ]
