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
    # Seller answers only: what the marketplace says of it (interactions.models.AnswerState; "" when it says
    # nothing), its reason for a rejection, and whether it may still be edited (WB `editable`; None: unknown).
    answer_state: str = ""
    answer_reason: str = ""
    answer_editable: bool | None = None


# `InteractionRecord.answers_checked`: the record lists every seller answer the marketplace shows for the item.
ALL_ANSWERS: tuple[str, ...] = ("*",)


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
    # Which seller answers this record vouches for, so one of ours it does not list is gone from the marketplace:
    # None, nothing (a chat page, a partial read); ALL_ANSWERS (an Ozon review's comments, a question's answers);
    # or the answer ids it checked (WB keeps one answer per feedback: "<id>:answer").
    answers_checked: tuple[str, ...] | None = None
    # What an answer of ours the record does not list means while the marketplace never showed it: Ozon lists
    # only moderated answers, so "in_moderation"; "" (WB shows answers under review): not known yet.
    unlisted_answer_state: str = ""


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    messages_created: int = 0
    new_interaction_ids: list[int] = field(default_factory=list)
    reopened_ids: list[int] = field(default_factory=list)
    # Known interactions that got a new buyer message: analyzed again.
    buyer_message_ids: list[int] = field(default_factory=list)
    # Our answers whose marketplace state changed: (message id, new state).
    answer_states: list[tuple[int, str]] = field(default_factory=list)
