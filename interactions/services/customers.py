"""Buyers: keyed per shop and marketplace by a stable marketplace buyer id, and the seller's own notes
about them. A name is no key (PRODUCT_RULES, linking): a record with only a name gets no customer."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from agentiq.db import bulk_update_rows
from interactions.models import Customer, Kind
from interactions.records import CustomerRecord, InteractionRecord

_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()


def customer_key(record: CustomerRecord | None) -> str:
    """The buyer's stable marketplace id, or "" (no customer) when the marketplace gives none."""
    if record is None:
        return ""
    return (record.external_id or "").strip()


def author_name(record: CustomerRecord | None) -> str:
    """The name shown on the interaction: what the marketplace calls its author, whatever the key."""
    if record is None:
        return ""
    return normalize_text(record.name)[:200]


def customers_for_records(*, connection: Any, records: list[InteractionRecord], now: datetime) -> dict[str, Customer]:
    """The buyers of these records by key, created where missing (two queries, or three with creations)."""
    wanted: dict[str, CustomerRecord] = {}
    for record in records:
        key = customer_key(record.customer)
        if key and record.customer is not None:
            wanted.setdefault(key, record.customer)
    if not wanted:
        return {}
    scope = {"seller_id": connection.seller_id, "marketplace": connection.marketplace}
    found = {c.external_id: c for c in Customer.objects.filter(external_id__in=wanted, **scope)}
    missing = [k for k in wanted if k not in found]
    if missing:
        first_seen = dict.fromkeys(missing, now)
        for record in records:
            key = customer_key(record.customer)
            if key in first_seen:
                first_seen[key] = min(first_seen[key], record.created_at)
        Customer.objects.bulk_create(
            [
                Customer(
                    external_id=k,
                    name=author_name(wanted[k]),
                    first_seen_at=first_seen[k],
                    last_seen_at=first_seen[k],
                    **scope,
                )
                for k in missing
            ],
            ignore_conflicts=True,
        )
        found.update({c.external_id: c for c in Customer.objects.filter(external_id__in=missing, **scope)})
    return found


def customer_count_interaction(*, customer: Customer, record: InteractionRecord) -> None:
    """A new interaction of this buyer: seen times, counts by kind, average rating given."""
    seen = [record.created_at, *(m.created_at for m in record.messages)]
    customer.first_seen_at = min(customer.first_seen_at, *seen)
    customer.last_seen_at = max(customer.last_seen_at, *seen)
    if author_name(record.customer) and not customer.name:
        customer.name = author_name(record.customer)
    if record.kind == Kind.CHAT:
        customer.chats_count += 1
    elif record.kind == Kind.QUESTION:
        customer.questions_count += 1
    elif record.kind == Kind.REVIEW:
        previous = customer.reviews_count
        customer.reviews_count += 1
        if record.rating is not None:
            total = (customer.average_rating or Decimal(0)) * previous + record.rating
            customer.average_rating = (total / customer.reviews_count).quantize(Decimal("0.01"))


def customers_save(changed: list[Customer]) -> None:
    if changed:
        bulk_update_rows(
            Customer,
            changed,
            [
                "name",
                "first_seen_at",
                "last_seen_at",
                "chats_count",
                "questions_count",
                "reviews_count",
                "average_rating",
            ],
        )


def customer_update(*, customer: Customer, notes: str | None = None, tags: list[str] | None = None) -> Customer:
    fields = []
    if notes is not None:
        customer.notes = notes
        fields.append("notes")
    if tags is not None:
        # Order kept, duplicates and blanks dropped.
        customer.tags = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
        fields.append("tags")
    if fields:
        customer.save(update_fields=fields)
    return customer
