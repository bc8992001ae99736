"""Normalized records: what a marketplace client's data becomes before it enters the inbox.

Integrations build these (pure normalization functions) and hand them to
`interactions.services.upsert_records`, the only door into the inbox tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CustomerRecord:
    """Who wrote an interaction, as far as the marketplace says."""

    # A stable marketplace buyer id (WB chat clientID, Ozon chat user id), the only key of a Customer;
    # "" when the marketplace gives none: then there is no customer, only the name.
    external_id: str
    name: str = ""  # shown as the interaction's author name; a weak linking hint, never a key


@dataclass(frozen=True)
class MessageRecord:
    external_id: str  # unique within the interaction (WB feedback id, "<id>:answer", WB eventID, Ozon message_id)
    direction: str  # interactions.models.Direction
    author: str  # interactions.models.Author: buyer, or seller for answers written outside AgentIQ
    text: str
    created_at: datetime
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class InteractionRecord:
    kind: str  # interactions.models.Kind
    external_id: str  # unique per connection and kind
    created_at: datetime
    messages: list[MessageRecord]
    customer: CustomerRecord | None = None
    product_id: str = ""
    product_name: str = ""
    rating: int | None = None
    # True when the marketplace says the item is answered (WB isAnswered, Ozon PROCESSED).
    is_answered: bool = False
    reply_context: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    messages_created: int = 0
    new_interaction_ids: list[int] = field(default_factory=list)
    reopened_ids: list[int] = field(default_factory=list)
    # Known interactions that got a new buyer message: analyzed again.
    buyer_message_ids: list[int] = field(default_factory=list)
