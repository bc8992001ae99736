"""One interaction's whole story for the detail view, read as plain values in a fixed number of queries.

The sections: the interaction with its buyer and assignee, its messages, its recent events, the buyer's
other interactions, the links' decisions and candidates (interactions.selectors.links) and the product
card. On PostgreSQL they are read by one statement (`detail_sql`: one round trip, nothing for the ORM to
build per request); elsewhere (SQLite: `make run`, the default test run) by one ORM query each, the other
interactions only with a buyer, the links only with a buyer or a product, the card only for a numeric
product id. Both readers return the same `DetailParts` (tests compare them on PostgreSQL), from which one
function builds the dict shaped as `InteractionDetailOutput`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from agentiq.errors import NotFound
from guardrails.services import check_reply
from interactions.models import Direction, Interaction, InteractionEvent, Message, SLARule
from interactions.selectors import links
from interactions.selectors.inbox import LIST_VALUES
from interactions.services.sla import sla_rule_reason, sla_rules_for_seller

DETAIL_EVENTS_LIMIT = 200
SUMMARY_OTHER_LIMIT = 10
CARD_NM_ID_DIGITS = 18  # any 18-digit number fits a bigint

_USER_FIELDS = ("id", "email", "full_name")
_CUSTOMER_FIELDS = (
    "id",
    "marketplace",
    "external_id",
    "name",
    "first_seen_at",
    "last_seen_at",
    "chats_count",
    "questions_count",
    "reviews_count",
    "average_rating",
    "last_sentiment",
    "notes",
    "tags",
)
_CUSTOMER_BRIEF_FIELDS = ("id", "name", "external_id", "marketplace")
# The running clock, shown as the detail's `sla` block (which rule, why, the times, the escalation).
_SLA_FIELDS = (
    "seller_id",
    "sla_rule_id",
    "sla_started_at",
    "sla_due_soon_at",
    "sla_escalation_step",
    "sla_next_escalation_at",
)
# A list row's own columns (the detail extends the list row), plus what only the detail shows.
_INTERACTION_FIELDS = (
    *(name for name in LIST_VALUES if "__" not in name and not name.endswith("_rank")),
    "ai_summary",
    "ai_analyzed_at",
    "ai_source",
    "ai_confidence",
    "ai_needs_reply",
    "intent_by_seller",
    "priority_by_seller",
    "draft_text",
    "draft_source",
    "draft_reason",
    "drafted_at",
    "escalated_at",
    *_SLA_FIELDS,
)
_BRIEF_INTERACTION_FIELDS = (
    "id",
    "kind",
    "marketplace",
    "status",
    "product_id",
    "product_name",
    "rating",
    "created_at",
)
# What the links selector reads of the interaction itself, and shows of each linked one.
_LINK_SIDE_FIELDS = (
    "marketplace",
    "product_id",
    "product_name",
    "created_at",
    "last_buyer_message_at",
    "author_name",
)
_LINKED_FIELDS = (*_BRIEF_INTERACTION_FIELDS, "author_name")
_MESSAGE_FIELDS = (
    "id",
    "direction",
    "author",
    "text",
    "attachments",
    "external_id",
    "created_at",
    "delivery_state",
    "attempts",
    "last_error",
    "sent_at",
    "edit_of_id",
    "marketplace_state",
    "marketplace_reason",
    "marketplace_state_at",
    "marketplace_editable",
)
# A sent reply's quality score (ReplyQuality), shown with the message; null until it is scored.
_QUALITY_FIELDS = (
    "score",
    "relevance",
    "politeness",
    "compliance",
    "personal",
    "timeliness",
    "note",
    "source",
    "scored_at",
)
_EVENT_FIELDS = ("id", "kind", "data", "created_at")
_CARD_FIELDS = (
    "nm_id",
    "name",
    "brand",
    "vendor_code",
    "category",
    "photo_count",
    "card",
    "price_history",
    "fetched_at",
)


@dataclass
class DetailParts:
    """What the readers return: plain rows, with the ORM's value types (datetimes, Decimal, JSON as Python)."""

    row: dict[str, Any]  # _INTERACTION_FIELDS plus `customer__*` (_CUSTOMER_FIELDS) and `assigned_to__*`
    messages: list[dict[str, Any]]  # _MESSAGE_FIELDS with `author_user` nested, in thread order
    events: list[dict[str, Any]]  # the last DETAIL_EVENTS_LIMIT, oldest first, `actor` nested
    other_interactions: list[dict[str, Any]]  # the buyer's, newest first; empty without a buyer
    product_card: dict[str, Any] | None
    decisions: dict[int, tuple[str, datetime | None]]  # as links.link_decisions
    candidates: list[dict[str, Any]]  # as links.link_candidates; empty when the interaction cannot link


def interaction_detail(*, seller: Any, interaction_id: int) -> dict[str, Any]:
    """The interaction, its messages, recent events, buyer (with their other interactions), links and card."""
    if connection.vendor == "postgresql":
        from interactions.selectors.detail_sql import read_parts as read
    else:
        read = read_parts
    parts = read(seller_id=seller.pk, interaction_id=interaction_id)
    if parts is None:
        raise NotFound("Обращение не найдено.")
    return assemble(parts)


def read_parts(*, seller_id: int, interaction_id: int) -> DetailParts | None:
    """The ORM reader: one query per section (any database)."""
    row = _one(_interactions().filter(seller_id=seller_id, pk=interaction_id))
    if row is None:
        return None
    customer_id = row["customer__id"]
    messages = _messages(interaction_id=interaction_id)
    events = _recent_events(interaction_id=interaction_id)
    others = (
        []
        if customer_id is None
        else _other_interactions(seller_id=seller_id, customer_id=customer_id, interaction_id=interaction_id)
    )
    side = link_side_row(row)
    decisions: dict[int, tuple[str, datetime | None]] = {}
    candidates: list[dict[str, Any]] = []
    if links.can_link(side):
        decisions = links.link_decisions(seller_id=seller_id, interaction_id=interaction_id)
        candidates = list(links.link_candidates(seller_id=seller_id, interaction=side, decided=list(decisions)))
    card = _product_card(marketplace=row["marketplace"], product_id=row["product_id"])
    return DetailParts(
        row=row,
        messages=messages,
        events=events,
        other_interactions=others,
        product_card=card,
        decisions=decisions,
        candidates=candidates,
    )


def link_side_row(row: dict[str, Any]) -> dict[str, Any]:
    """What the links read of the interaction itself, from its detail row."""
    side = {name: row[name] for name in ("id", *_LINK_SIDE_FIELDS)}
    side["customer_id"] = row["customer__id"]
    return side


def assemble(parts: DetailParts) -> dict[str, Any]:
    """The detail dict (shaped as `InteractionDetailOutput`) from what a reader returned."""
    detail = parts.row
    side = link_side_row(detail)
    customer = _take(detail, "customer", _CUSTOMER_FIELDS)
    detail["customer"] = None if customer is None else {name: customer[name] for name in _CUSTOMER_BRIEF_FIELDS}
    detail["assigned_to"] = _take(detail, "assigned_to", _USER_FIELDS)
    detail["messages"] = parts.messages
    detail["events"] = parts.events
    detail["customer_summary"] = (
        None if customer is None else {"customer": customer, "other_interactions": parts.other_interactions}
    )
    found = links.links_from(
        interaction=side,
        decisions=parts.decisions,
        candidates=parts.candidates,
        customer_external_id=None if customer is None else customer["external_id"],
    )
    detail["links"] = {
        "strong": [
            {
                "interaction": _linked_row(link.interaction),
                "basis": link.basis,
                "reasons": link.reasons,
                "decided_at": link.decided_at,
            }
            for link in found.strong
        ],
        "suggested": [
            {"interaction": _linked_row(link.interaction), "score": link.score, "reasons": link.reasons}
            for link in found.suggested
        ],
    }
    detail["product_card"] = parts.product_card
    detail["sla"] = _sla_block(detail)
    detail["draft_guardrail"] = _draft_guardrail(detail)
    return detail


def _draft_guardrail(detail: dict[str, Any]) -> dict[str, Any] | None:
    """The reply check on the current draft, against today's lists (it costs microseconds, no query once the
    lists are compiled): what the seller would hear on sending it as it is."""
    if not (detail.get("draft_text") or "").strip():
        return None
    buyer: list[str] = []
    for message in detail["messages"]:
        if message["direction"] == Direction.OUT:
            buyer = []
        elif message.get("text"):
            buyer.append(message["text"])
    verdict = check_reply(
        detail["draft_text"], kind=detail["kind"], intent=detail.get("intent") or None, buyer_text="\n".join(buyer)
    )
    return verdict.as_dict()


def _sla_block(detail: dict[str, Any]) -> dict[str, Any]:
    """The clock with its rule and the reason, from the shop's cached rules (no query in the common case)."""
    rule_id, seller_id = detail.pop("sla_rule_id"), detail.pop("seller_id")
    rule = None
    if rule_id is not None:
        rule = next((r for r in sla_rules_for_seller(seller_id=seller_id) if r.pk == rule_id), None)
        if rule is None:  # switched off since it was applied
            rule = SLARule.objects.filter(pk=rule_id).first()
    steps = len(rule.escalation_steps or []) if rule is not None else 0
    return {
        "state": detail["sla_state"],
        "rule": None
        if rule is None
        else {
            "id": rule.pk,
            "name": rule.name,
            "is_shop_rule": rule.seller_id is not None,
            "reason": sla_rule_reason(rule),
        },
        "started_at": detail.pop("sla_started_at"),
        "due_soon_at": detail.pop("sla_due_soon_at"),
        "due_at": detail["first_response_due_at"],
        "escalation_steps_done": detail.pop("sla_escalation_step"),
        "escalation_steps_total": steps,
        "next_escalation_at": detail.pop("sla_next_escalation_at"),
    }


# Each section's columns, set up once per process; a request filters a clone (as DRF views do with
# their class-level queryset), which skips most of the ORM's work of resolving ~80 column names.
@cache
def _interactions() -> QuerySet:
    return Interaction.objects.values(
        *_INTERACTION_FIELDS,
        *(f"customer__{name}" for name in _CUSTOMER_FIELDS),
        *(f"assigned_to__{name}" for name in _USER_FIELDS),
    )


@cache
def _message_rows() -> QuerySet:
    # An answer replaced by an edit is history (its `answer_edited` event), not part of the thread.
    return (
        Message.objects.filter(superseded_at__isnull=True)
        .order_by("created_at", "id")
        .values(
            *_MESSAGE_FIELDS,
            *(f"author_user__{name}" for name in _USER_FIELDS),
            *(f"quality__{name}" for name in _QUALITY_FIELDS),
        )
    )


@cache
def _event_rows() -> QuerySet:
    return InteractionEvent.objects.order_by("-created_at", "-id").values(
        *_EVENT_FIELDS, *(f"actor__{name}" for name in _USER_FIELDS)
    )


@cache
def _other_interaction_rows() -> QuerySet:
    return Interaction.objects.order_by("-created_at", "-id").values(*_BRIEF_INTERACTION_FIELDS)


@cache
def _card_rows() -> QuerySet:
    from integrations.models import ProductCard  # read-only use of the card cache

    return ProductCard.objects.values(*_CARD_FIELDS)


def _one(queryset: QuerySet) -> dict[str, Any] | None:
    """The row of a lookup by a unique key. Not `first()`: its ORDER BY on the key costs the ORM more
    than the query (it matches the ordering against every selected column)."""
    rows = list(queryset[:1])
    return rows[0] if rows else None


def _take(row: dict[str, Any], prefix: str, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """Pop `prefix__*` columns of a joined (nullable) row into their own dict; None when the join found none."""
    values = {name: row.pop(f"{prefix}__{name}") for name in fields}
    return None if values["id"] is None else values


def take_quality(row: dict[str, Any]) -> dict[str, Any]:
    """Pop a message row's `quality__*` columns into its `quality` (None: not scored)."""
    values = {name: row.pop(f"quality__{name}") for name in _QUALITY_FIELDS}
    row["quality"] = None if values["score"] is None else values
    return row


def _messages(*, interaction_id: int) -> list[dict[str, Any]]:
    messages = list(_message_rows().filter(interaction_id=interaction_id))
    for message in messages:
        message["author_user"] = _take(message, "author_user", _USER_FIELDS)
        take_quality(message)
    return messages


def _recent_events(*, interaction_id: int) -> list[dict[str, Any]]:
    """The last DETAIL_EVENTS_LIMIT events, oldest first."""
    rows = list(_event_rows().filter(interaction_id=interaction_id)[:DETAIL_EVENTS_LIMIT])
    for event in rows:
        event["actor"] = _take(event, "actor", _USER_FIELDS)
    return rows[::-1]


def _other_interactions(*, seller_id: int, customer_id: int, interaction_id: int) -> list[dict[str, Any]]:
    """The buyer's other interactions in this shop, newest first."""
    return list(
        _other_interaction_rows()
        .filter(seller_id=seller_id, customer_id=customer_id)
        .exclude(pk=interaction_id)[:SUMMARY_OTHER_LIMIT]
    )


def _linked_row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _LINKED_FIELDS}


def card_nm_id(product_id: str) -> int | None:
    """The WB nmId a product id stands for: ASCII digits that fit a bigint (`isdigit()` alone passes «²»,
    which `int()` refuses)."""
    if product_id.isascii() and product_id.isdigit() and len(product_id) <= CARD_NM_ID_DIGITS:
        return int(product_id)
    return None


def _product_card(*, marketplace: str, product_id: str) -> dict[str, Any] | None:
    """The cached card of the product (WB nmId); none for a missing card or a non-numeric product id."""
    nm_id = card_nm_id(product_id)
    if nm_id is None:
        return None
    return _one(_card_rows().filter(marketplace=marketplace, nm_id=nm_id, is_missing=False))
