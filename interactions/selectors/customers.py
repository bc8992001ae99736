"""Buyers as one shop sees them, with their interactions across marketplaces."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection as db_connection
from django.db.models import Q

from agentiq.errors import NotFound
from interactions.models import Customer, Interaction
from interactions.selectors.keyset import SortKey, keyset_page

CUSTOMER_KEYS = [SortKey("last_seen_at", descending=True), SortKey("id", descending=True)]
CUSTOMER_INTERACTIONS_LIMIT = 50


def customer_list(
    *, seller: Any, q: str = "", marketplace: str = "", tag: str = "", cursor: str | None = None, limit: int = 50
) -> tuple[list[Customer], str | None]:
    queryset = Customer.objects.filter(seller=seller)
    if marketplace:
        queryset = queryset.filter(marketplace=marketplace)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(external_id__icontains=q) | Q(notes__icontains=q))
    if tag:
        if db_connection.vendor == "postgresql":
            queryset = queryset.filter(tags__contains=[tag])
        else:  # SQLite has no JSON containment: match the tag as it is serialized, quotes included
            queryset = queryset.filter(tags__icontains=json.dumps(tag))
    return keyset_page(queryset, ordering="recent", keys=CUSTOMER_KEYS, cursor=cursor, limit=limit)


def customer_get(*, seller: Any, customer_id: int) -> Customer:
    customer = Customer.objects.filter(seller=seller, pk=customer_id).first()
    if customer is None:
        raise NotFound("Покупатель не найден.")
    customer.recent_interactions = list(
        Interaction.objects.filter(seller=seller, customer=customer)
        .only("id", "kind", "marketplace", "status", "product_id", "product_name", "rating", "created_at", "seller_id")
        .order_by("-created_at", "-id")[:CUSTOMER_INTERACTIONS_LIMIT]
    )
    return customer
