"""The inbox list, one interaction for a write, products, and the outbox queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection as db_connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left
from django.utils import timezone

from agentiq.errors import NotFound
from interactions.models import DeliveryState, Direction, Interaction, Message
from interactions.selectors.keyset import SortKey, keyset_page
from interactions.selectors.quality import QUALITY_PARAMS, QualityFilter, interactions_with_scored_reply
from interactions.selectors.waits import PARAMS as WAIT_PARAMS
from interactions.selectors.waits import WaitFilter, day_bounds, interactions_with_wait
from interactions.services.working_time import zone_of

# The default order: what is breached first, then due soonest, then priority, then newest buyer message.
ORDERINGS: dict[str, list[SortKey]] = {
    "default": [
        SortKey("attention_rank"),
        SortKey("first_response_due_at", nullable=True),
        SortKey("priority_rank", descending=True),
        SortKey("last_buyer_message_at", descending=True, nullable=True),
        SortKey("id", descending=True),
    ],
    "newest": [
        SortKey("last_message_at", descending=True, nullable=True),
        SortKey("id", descending=True),
    ],
    "oldest": [SortKey("created_at"), SortKey("id")],
    "due": [SortKey("first_response_due_at", nullable=True), SortKey("id")],
}
PREVIEW_CHARS = 200
# A list row's columns, read as plain values (no model instances: building ~100 per page was most of a
# small shop's request). The customer__*/assigned_to__* ones become the nested `customer`/`assigned_to`.
LIST_VALUES = [
    "id",
    "kind",
    "marketplace",
    "connection_id",
    "external_id",
    "status",
    "needs_response",
    "priority",
    "intent",
    "sentiment",
    "rating",
    "sla_state",
    "first_response_due_at",
    "first_responded_at",
    "is_read",
    "product_id",
    "product_name",
    "created_at",
    "last_message_at",
    "last_buyer_message_at",
    "closed_at",
    "attention_rank",
    "priority_rank",
    "author_name",
    "customer__id",
    "customer__name",
    "customer__external_id",
    "customer__marketplace",
    "assigned_to__id",
    "assigned_to__email",
    "assigned_to__full_name",
]


@dataclass
class InboxPage:
    # Plain dicts shaped as the API's list row (nested `customer`/`assigned_to`, datetimes as datetimes).
    rows: list[dict[str, Any]]
    next_cursor: str | None


# A stored, generated tsvector column that only PostgreSQL has (migration 0006); not a model field.
_SEARCH_VECTOR = RawSQL('"interactions_interaction"."search_vector"', [], output_field=SearchVectorField())


def _search(queryset: QuerySet, q: str) -> QuerySet:
    if db_connection.vendor == "postgresql":
        query = SearchQuery(q, config="russian", search_type="websearch")
        return queryset.alias(search_vector=_SEARCH_VECTOR).filter(search_vector=query)
    return queryset.filter(search_text__icontains=q)


def _wait_filter(*, filters: dict[str, Any], seller: Any, user: Any) -> WaitFilter | None:
    date_from, date_to = filters.get("wait_from"), filters.get("wait_to")
    # The report's drill-down: conditions on one wait of the interaction (interactions.selectors.waits).
    given = {attr: filters[name] for name, attr in WAIT_PARAMS.items() if filters.get(name) is not None}
    if not given and date_from is None and date_to is None:
        return None
    if given.get("responded_by") == "me":
        given["responded_by"] = user.pk
    start, end = day_bounds(tz=zone_of(seller.timezone), date_from=date_from, date_to=date_to)
    return WaitFilter(start=start, end=end, **given)


def _quality_filter(*, filters: dict[str, Any], seller: Any, user: Any) -> QualityFilter | None:
    # The quality report's drill-down: conditions on one scored reply (interactions.selectors.quality).
    date_from, date_to = filters.get("reply_from"), filters.get("reply_to")
    given = {attr: filters[name] for name, attr in QUALITY_PARAMS.items() if filters.get(name) is not None}
    if not given and date_from is None and date_to is None:
        return None
    if given.get("author") == "me":
        given["author"] = user.pk
    start, end = day_bounds(tz=zone_of(seller.timezone), date_from=date_from, date_to=date_to)
    return QualityFilter(start=start, end=end, **given)


def _apply_filters(queryset: QuerySet, *, filters: dict[str, Any], seller: Any, user: Any) -> QuerySet:
    simple = {
        "kind": "kind__in",
        "marketplace": "marketplace__in",
        "status": "status__in",
        "priority": "priority__in",
        "sla_state": "sla_state__in",
        "intent": "intent__in",
        "sentiment": "sentiment__in",
    }
    for name, lookup in simple.items():
        if filters.get(name):
            queryset = queryset.filter(**{lookup: filters[name]})
    exact = {
        "connection": "connection_id",
        "needs_response": "needs_response",
        "is_read": "is_read",
        "product": "product_id",
        "customer": "customer_id",
        "rating_min": "rating__gte",
        "rating_max": "rating__lte",
        "created_from": "created_at__gte",
        "created_to": "created_at__lt",
    }
    for name, lookup in exact.items():
        if filters.get(name) is not None:
            queryset = queryset.filter(**{lookup: filters[name]})
    assigned = filters.get("assigned_to")
    if assigned == "me":
        queryset = queryset.filter(assigned_to_id=user.pk)
    elif assigned == "unassigned":
        queryset = queryset.filter(assigned_to__isnull=True)
    elif assigned is not None:
        queryset = queryset.filter(assigned_to_id=int(assigned))
    if filters.get("q"):
        queryset = _search(queryset, filters["q"])
    wait = _wait_filter(filters=filters, seller=seller, user=user)
    if wait is not None:
        condition = interactions_with_wait(wait, now=timezone.now())
        queryset = queryset.none() if condition is None else queryset.filter(condition)
    quality = _quality_filter(filters=filters, seller=seller, user=user)
    if quality is not None:
        queryset = queryset.filter(interactions_with_scored_reply(quality))
    return queryset


def inbox_list(
    *, seller: Any, user: Any, filters: dict[str, Any], ordering: str = "default", cursor: str | None, limit: int
) -> InboxPage:
    """One page of the inbox: one query whatever the page size (related rows joined, preview in a subquery)."""
    queryset = _apply_filters(_list_rows().filter(seller=seller), filters=filters, seller=seller, user=user)
    rows, next_cursor = keyset_page(queryset, ordering=ordering, keys=ORDERINGS[ordering], cursor=cursor, limit=limit)
    return InboxPage(rows=[_nest_list_row(row) for row in rows], next_cursor=next_cursor)


@cache
def _list_rows() -> QuerySet:
    """The list's columns and last-message preview, set up once per process (a third of the page's ORM
    work): every request filters a clone of it, as DRF views do with their class-level queryset."""
    # An answer replaced by an edit is history (its `answer_edited` event), not the thread's last word.
    last_message = Message.objects.filter(interaction_id=OuterRef("pk"), superseded_at__isnull=True).order_by(
        "-created_at", "-id"
    )
    return Interaction.objects.values(
        *LIST_VALUES, last_message_preview=Subquery(last_message.values(preview=Left("text", PREVIEW_CHARS))[:1])
    )


def _nest_list_row(row: dict[str, Any]) -> dict[str, Any]:
    customer_id = row.pop("customer__id")
    customer = {
        "id": customer_id,
        "name": row.pop("customer__name"),
        "external_id": row.pop("customer__external_id"),
        "marketplace": row.pop("customer__marketplace"),
    }
    row["customer"] = customer if customer_id is not None else None
    user_id = row.pop("assigned_to__id")
    user = {"id": user_id, "email": row.pop("assigned_to__email"), "full_name": row.pop("assigned_to__full_name")}
    row["assigned_to"] = user if user_id is not None else None
    return row


def interaction_get(*, seller: Any, interaction_id: int, for_update: bool = False) -> Interaction:
    queryset = Interaction.objects.filter(seller=seller)
    if for_update:
        queryset = queryset.select_for_update()
    interaction = queryset.filter(pk=interaction_id).first()
    if interaction is None:
        raise NotFound("Обращение не найдено.")
    return interaction


def interactions_for_bulk(*, seller: Any, interaction_ids: Sequence[int]) -> set[int]:
    """The ids among these that belong to the seller."""
    return set(Interaction.objects.filter(seller=seller, pk__in=list(interaction_ids)).values_list("pk", flat=True))


def product_get(*, seller: Any, nm_id: int) -> dict[str, Any]:
    """The cached card and its price history, only for a product this shop has buyers talking about."""
    from integrations.models import ProductCard  # read-only use of the card cache

    mentions = Interaction.objects.filter(seller=seller, product_id=str(nm_id))
    latest = mentions.order_by("-created_at").values("marketplace", "product_name").first()
    if latest is None:
        raise NotFound("Товар не найден.")
    card = ProductCard.objects.filter(marketplace=latest["marketplace"], nm_id=nm_id, is_missing=False).first()
    return {
        "nm_id": nm_id,
        "marketplace": latest["marketplace"],
        "name": (card.name if card and card.name else latest["product_name"]),
        "card": card,
        "interactions_count": mentions.count(),
    }


def replies_due(*, now: datetime, limit: int = 500) -> list[int]:
    """Replies to deliver now: pending ones whose time has come, and sending ones whose lease expired."""
    due = Q(delivery_state=DeliveryState.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)) | Q(
        delivery_state=DeliveryState.SENDING, next_attempt_at__lte=now
    )
    return list(
        Message.objects.filter(due, direction=Direction.OUT).order_by("id").values_list("id", flat=True)[:limit]
    )


def product_names_known(*, seller_id: int, marketplace: str, product_ids: Iterable[str]) -> dict[str, str]:
    """Names this shop's other items already carry for these products (a WB review names what a chat does not)."""
    wanted = [p for p in set(product_ids) if p]
    if not wanted:
        return {}
    rows = (
        Interaction.objects.filter(seller_id=seller_id, marketplace=marketplace, product_id__in=wanted)
        .exclude(product_name="")
        .order_by("product_id", "-created_at")
        .values_list("product_id", "product_name")
    )
    names: dict[str, str] = {}
    for product_id, name in rows:
        names.setdefault(product_id, name)
    return names
