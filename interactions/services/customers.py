"""Buyers: keyed per shop and marketplace by their marketplace id, or by name when there is none; and
the seller's own notes about them."""

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
    """The buyer's marketplace id, or their normalized name when the marketplace gives no id."""
    if record is None:
        return ""
    if record.external_id:
        return record.external_id
    name = normalize_text(record.name).lower()
    return f"name:{name}" if name else ""


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
                    name=normalize_text(wanted[k].name)[:200],
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
    if record.customer and record.customer.name and not customer.name:
        customer.name = normalize_text(record.customer.name)[:200]
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
