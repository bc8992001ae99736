"""One interaction's whole story for the detail view, read as plain values in a fixed number of queries.

The interaction comes with its buyer and assignee joined; then one query each for its messages, its
recent events, the buyer's other interactions and the product card (the last two only when there is
a buyer, or a numeric product id). The result is a dict shaped as `InteractionDetailOutput`: each
section is one small function, so a new one (e.g. related interactions) is one more key.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db.models import QuerySet

from agentiq.errors import NotFound
from interactions.models import Interaction, InteractionEvent, Message
from interactions.selectors.inbox import LIST_VALUES
from interactions.selectors.links import interaction_links

DETAIL_EVENTS_LIMIT = 200
SUMMARY_OTHER_LIMIT = 10

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
# A list row's own columns (the detail extends the list row), plus what only the detail shows.
_INTERACTION_FIELDS = (
    *(name for name in LIST_VALUES if "__" not in name and not name.endswith("_rank")),
    "ai_summary",
    "ai_analyzed_at",
    "draft_text",
    "escalated_at",
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


def interaction_detail(*, seller: Any, interaction_id: int) -> dict[str, Any]:
    """The interaction, its messages, recent events, buyer (with their other interactions) and product card."""
    row = _one(_interactions().filter(seller=seller, pk=interaction_id))
    if row is None:
        raise NotFound("Обращение не найдено.")
    customer = _take(row, "customer", _CUSTOMER_FIELDS)
    detail = row
    detail["customer"] = None if customer is None else {name: customer[name] for name in _CUSTOMER_BRIEF_FIELDS}
    detail["assigned_to"] = _take(row, "assigned_to", _USER_FIELDS)
    detail["messages"] = _messages(interaction_id=interaction_id)
    detail["events"] = _recent_events(interaction_id=interaction_id)
    detail["customer_summary"] = (
        None
        if customer is None
        else {
            "customer": customer,
            "other_interactions": _other_interactions(
                seller=seller, customer_id=customer["id"], interaction_id=interaction_id
            ),
        }
    )
    detail["links"] = _links(seller=seller, row=row, customer=customer)
    detail["product_card"] = _product_card(marketplace=row["marketplace"], product_id=row["product_id"])
    return detail


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
        .values(*_MESSAGE_FIELDS, *(f"author_user__{name}" for name in _USER_FIELDS))
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


def _messages(*, interaction_id: int) -> list[dict[str, Any]]:
    messages = list(_message_rows().filter(interaction_id=interaction_id))
    for message in messages:
        message["author_user"] = _take(message, "author_user", _USER_FIELDS)
    return messages


def _recent_events(*, interaction_id: int) -> list[dict[str, Any]]:
    """The last DETAIL_EVENTS_LIMIT events, oldest first."""
    rows = list(_event_rows().filter(interaction_id=interaction_id)[:DETAIL_EVENTS_LIMIT])
    for event in rows:
        event["actor"] = _take(event, "actor", _USER_FIELDS)
    return rows[::-1]


def _other_interactions(*, seller: Any, customer_id: int, interaction_id: int) -> list[dict[str, Any]]:
    """The buyer's other interactions in this shop, newest first."""
    return list(
        _other_interaction_rows()
        .filter(seller=seller, customer_id=customer_id)
        .exclude(pk=interaction_id)[:SUMMARY_OTHER_LIMIT]
    )


def _links(*, seller: Any, row: dict[str, Any], customer: dict[str, Any] | None) -> dict[str, list]:
    """Strong and suggested links (interactions.selectors.links: two queries), as plain rows."""
    interaction = {name: row[name] for name in ("id", *_LINK_SIDE_FIELDS)}
    interaction["customer_id"] = None if customer is None else customer["id"]
    links = interaction_links(
        seller_id=seller.pk,
        interaction=interaction,
        customer_external_id=None if customer is None else customer["external_id"],
    )
    return {
        "strong": [
            {
                "interaction": _linked_row(link.interaction),
                "basis": link.basis,
                "reasons": link.reasons,
                "decided_at": link.decided_at,
            }
            for link in links.strong
        ],
        "suggested": [
            {"interaction": _linked_row(link.interaction), "score": link.score, "reasons": link.reasons}
            for link in links.suggested
        ],
    }


def _linked_row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in _LINKED_FIELDS}


def _product_card(*, marketplace: str, product_id: str) -> dict[str, Any] | None:
    """The cached card of the product (WB nmId); none for a missing card or a non-numeric product id."""
    if not product_id.isdigit():
        return None
    return _one(_card_rows().filter(marketplace=marketplace, nm_id=int(product_id), is_missing=False))
