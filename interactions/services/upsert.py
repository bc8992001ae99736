"""The only door for integrations into the inbox: normalized records in, rows and events out.

A page of records costs a constant number of queries: existing interactions, messages and customers
are fetched in bulk, new rows are bulk-created, changed rows bulk-updated.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agentiq.db import bulk_update_rows
from interactions.models import (
    ANSWER_STATES_GONE,
    Author,
    Customer,
    CycleOutcome,
    DeliveryState,
    Direction,
    Interaction,
    InteractionEvent,
    Kind,
    Message,
    Priority,
    ResponseCycle,
    Status,
)
from interactions.records import InteractionRecord, MessageRecord, UpsertResult
from interactions.services.answers import (
    MESSAGE_FIELDS_ALL,
    AnswerChanges,
    answer_observe,
    answer_unlisted,
    checks,
    is_answer_kind,
)
from interactions.services.customers import (
    author_name,
    customer_count_interaction,
    customer_key,
    customers_for_records,
    customers_save,
    normalize_text,
)
from interactions.services.cycles import clock_restart, cycle_build
from interactions.services.events import event_build, events_record_bulk
from interactions.services.sla import asks_buyer, clock_clear, clock_stop, sla_rules_for_seller
from interactions.services.working_time import WorkingTime, working_time_for

logger = logging.getLogger(__name__)

SEARCH_TEXT_MAX_CHARS = 20_000

Event = InteractionEvent.Kind


def default_priority(*, kind: str, rating: int | None) -> str:
    """Rough starting priority; the AI analysis refines it."""
    if kind == Kind.REVIEW:
        if rating is None:
            return Priority.NORMAL
        if rating <= 2:
            return Priority.URGENT
        if rating == 3:
            return Priority.HIGH
        return Priority.LOW
    return Priority.HIGH


def _search_text(*parts: str) -> str:
    return " ".join(p for p in (normalize_text(x) for x in parts) if p)[:SEARCH_TEXT_MAX_CHARS]


def _merge_records(records: Sequence[InteractionRecord]) -> list[InteractionRecord]:
    """One record per (kind, external_id): a page may carry the same item twice (overlapping reads)."""
    merged: dict[tuple[str, str], InteractionRecord] = {}
    for record in records:
        unique = {m.external_id: m for m in record.messages}
        if len(unique) != len(record.messages):
            record = InteractionRecord(**{**record.__dict__, "messages": list(unique.values())})
        key = (record.kind, record.external_id)
        previous = merged.get(key)
        if previous is None:
            merged[key] = record
            continue
        seen = {m.external_id for m in record.messages}
        messages = [m for m in previous.messages if m.external_id not in seen] + list(record.messages)
        merged[key] = InteractionRecord(**{**record.__dict__, "messages": messages})
    return list(merged.values())


@dataclass
class _Batch:
    connection: Any
    now: datetime
    rules: list
    working_time: WorkingTime
    customers: dict[str, Customer] = field(default_factory=dict)
    customers_changed: set[str] = field(default_factory=set)
    new_messages: list[Message] = field(default_factory=list)
    messages_to_update: dict[int, Message] = field(default_factory=dict)
    events: list[InteractionEvent] = field(default_factory=list)
    cycles: list[ResponseCycle] = field(default_factory=list)
    # New interactions that arrive answered: (interaction, when the answer came, by an auto-reply).
    answered_on_arrival: list[tuple[Interaction, datetime, bool]] = field(default_factory=list)
    closed_kinds: tuple[str, ...] = (Kind.REVIEW, Kind.QUESTION)
    answers: AnswerChanges | None = None

    def deadline(self, *, interaction: Interaction, start: datetime) -> None:
        clock_restart(interaction, start=start, now=self.now, rules=self.rules, working_time=self.working_time)

    def end_wait(self, *, interaction: Interaction, ended_at: datetime, outcome: str, auto_reply: bool = False) -> None:
        if interaction.needs_response:
            cycle = cycle_build(
                interaction,
                ended_at=ended_at,
                outcome=outcome,
                rules=self.rules,
                working_time=self.working_time,
                is_auto_reply=auto_reply,
            )
            if cycle is not None:
                self.cycles.append(cycle)


def upsert_records(*, connection: Any, records: Sequence[InteractionRecord]) -> UpsertResult:
    """Idempotent on (connection, kind, external_id) and, for messages, (interaction, external_id)."""
    result = UpsertResult()
    records = _merge_records(records)
    if not records:
        return result
    # No savepoint of its own: inside the sync's transaction a failure here fails the whole batch anyway,
    # and a savepoint costs two round trips.
    with transaction.atomic(savepoint=False):
        batch = _Batch(
            connection=connection,
            now=timezone.now(),
            rules=sla_rules_for_seller(seller_id=connection.seller_id),
            working_time=working_time_for(connection.seller_id),
        )
        batch.answers = AnswerChanges(now=batch.now)
        existing = _existing_interactions(connection=connection, records=records)
        batch.customers = customers_for_records(connection=connection, records=records, now=batch.now)

        known_messages, our_unmatched, our_answers = _existing_messages(list(existing.values()))
        new_interactions: list[tuple[Interaction, InteractionRecord]] = []
        changed: list[Interaction] = []
        changed_fields: set[str] = set()
        for record in records:
            interaction = existing.get((record.kind, record.external_id))
            if interaction is None:
                new_interactions.append((_build_interaction(batch=batch, record=record), record))
                continue
            fields = _apply_to_existing(
                batch=batch,
                interaction=interaction,
                record=record,
                known=known_messages.get(interaction.pk, set()),
                ours=our_unmatched.get(interaction.pk, []),
                answers=our_answers.get(interaction.pk, {}),
                result=result,
            )
            if fields:
                changed.append(interaction)
                changed_fields |= fields

        if new_interactions:
            # PostgreSQL and SQLite ≥ 3.35 return the new ids from one INSERT.
            Interaction.objects.bulk_create([i for i, _ in new_interactions])
            for interaction, record in new_interactions:
                _after_create(batch=batch, interaction=interaction, record=record)
                result.new_interaction_ids.append(interaction.pk)
            result.created = len(new_interactions)

        if changed:
            # Only the columns some row changed: every column costs a CASE over all rows (JSON ones most).
            columns = [f for f in _UPDATED_FIELDS if f in changed_fields or f == "updated_at"]
            bulk_update_rows(Interaction, changed, columns)
            result.updated = len(changed)
        if batch.new_messages:
            Message.objects.bulk_create(batch.new_messages)
            result.messages_created = len(batch.new_messages)
        for message in batch.answers.messages.values():
            batch.messages_to_update[message.pk] = message
        if batch.messages_to_update:
            Message.objects.bulk_update(
                list(batch.messages_to_update.values()), ["delivery_state", "sent_at", *MESSAGE_FIELDS_ALL]
            )
        _cycles_on_arrival(batch)
        if batch.cycles:
            ResponseCycle.objects.bulk_create(batch.cycles)
        events_record_bulk([*batch.events, *batch.answers.events])
        batch.answers.notify()
        result.answer_states = batch.answers.states
        for interaction_id in batch.answers.reopened:
            if interaction_id not in result.reopened_ids:
                result.reopened_ids.append(interaction_id)
        customers_save([batch.customers[k] for k in batch.customers_changed])
        to_analyze = [*result.new_interaction_ids, *result.buyer_message_ids]
        if to_analyze:
            transaction.on_commit(lambda: _queue_analysis(to_analyze))
    return result


ANALYZE_TASK = "ai.tasks.analyze_interactions"


def _queue_analysis(ids: list[int]) -> None:
    """After the sync commits: the AI reads what the buyers wrote. By name: the ai app imports us, not back."""
    from agentiq.celery import app as celery_app

    try:
        celery_app.send_task(ANALYZE_TASK, args=[ids])
    except Exception:
        # The 2-minute sweep (analyze_pending_chats) analyzes them anyway; never fail a sync for it.
        logger.warning("could not queue the analysis of %s interactions", len(ids), exc_info=True)


_UPDATED_FIELDS = [
    "status",
    "needs_response",
    "first_response_due_at",
    "first_responded_at",
    "sla_state",
    "sla_rule",
    "sla_started_at",
    "sla_due_soon_at",
    "sla_escalation_step",
    "sla_next_escalation_at",
    "last_message_at",
    "last_buyer_message_at",
    "closed_at",
    "product_id",
    "product_name",
    "rating",
    "reply_context",
    "raw",
    "search_text",
    "is_read",
    "customer",
    "author_name",
    "ai_analyzed_at",
    "updated_at",
]


_COMPARED_FIELDS = [f + "_id" if f in ("customer", "sla_rule") else f for f in _UPDATED_FIELDS if f != "updated_at"]


def _existing_interactions(*, connection: Any, records: list[InteractionRecord]) -> dict[tuple[str, str], Interaction]:
    kinds = {r.kind for r in records}
    rows = Interaction.objects.filter(
        connection=connection, kind__in=kinds, external_id__in={r.external_id for r in records}
    ).select_for_update()
    return {(i.kind, i.external_id): i for i in rows}


def _existing_messages(
    interactions: list[Interaction],
) -> tuple[dict[int, set[str]], dict[int, list[Message]], dict[int, dict[str, Message]]]:
    """Known message external ids per interaction, our sent-from-AgentIQ replies still without one, and the
    seller answers (to reviews and questions) on the thread by external id, whose marketplace state we follow."""
    known: dict[int, set[str]] = {}
    ours: dict[int, list[Message]] = {}
    answers: dict[int, dict[str, Message]] = {}
    if not interactions:
        return known, ours, answers
    answer_kinds = {i.pk for i in interactions if is_answer_kind(i.kind)}
    rows = Message.objects.filter(interaction_id__in=[i.pk for i in interactions]).filter(
        # An answer replaced by an edit, or gone from the marketplace, is not ours to adopt an id again.
        Q(external_id__isnull=False)
        | (
            Q(direction=Direction.OUT, author_user__isnull=False, superseded_at__isnull=True)
            & ~Q(marketplace_state__in=ANSWER_STATES_GONE)
        )
    )
    for message in rows.only(
        "id",
        "interaction_id",
        "external_id",
        "text",
        "direction",
        "delivery_state",
        "sent_at",
        "author_user_id",
        "superseded_at",
        *MESSAGE_FIELDS_ALL,
    ):
        if message.external_id is not None:
            known.setdefault(message.interaction_id, set()).add(message.external_id)
            if (
                message.interaction_id in answer_kinds
                and message.direction == Direction.OUT
                and message.superseded_at is None
                and message.delivery_state == DeliveryState.SENT
            ):
                answers.setdefault(message.interaction_id, {})[message.external_id] = message
        else:
            ours.setdefault(message.interaction_id, []).append(message)
    return known, ours, answers


def _build_interaction(*, batch: _Batch, record: InteractionRecord) -> Interaction:
    connection = batch.connection
    messages = sorted(record.messages, key=lambda m: m.created_at)
    customer = batch.customers.get(customer_key(record.customer))
    last_out = [m for m in messages if m.direction == Direction.OUT]
    buyer = [m for m in messages if m.direction == Direction.IN]
    answered = record.is_answered or bool(messages and messages[-1].direction == Direction.OUT)
    interaction = Interaction(
        seller_id=connection.seller_id,
        connection=connection,
        marketplace=connection.marketplace,
        kind=record.kind,
        external_id=record.external_id,
        customer=customer,
        author_name=author_name(record.customer),
        product_id=record.product_id,
        product_name=record.product_name[:500],
        rating=record.rating,
        status=Status.NEW,
        needs_response=not answered,
        priority=default_priority(kind=record.kind, rating=record.rating),
        created_at=record.created_at,
        last_message_at=messages[-1].created_at if messages else record.created_at,
        last_buyer_message_at=buyer[-1].created_at if buyer else None,
        first_responded_at=last_out[0].created_at if last_out else None,
        reply_context=record.reply_context,
        raw=record.raw,
        search_text=_search_text(
            record.product_name,
            author_name(record.customer) or (customer.name if customer else ""),
            *(m.text for m in messages),
        ),
    )
    if answered:
        # An item already answered in the marketplace's cabinet is history, not work.
        if record.kind in batch.closed_kinds:
            interaction.status = Status.CLOSED
            interaction.closed_at = interaction.last_message_at
        elif last_out:
            interaction.status = Status.WAITING
    if answered and interaction.first_responded_at is None:
        # Answered, but we never saw when: no deadline, so the SLA stats neither credit nor blame it.
        clock_clear(interaction)
    else:
        batch.deadline(interaction=interaction, start=_waiting_since(messages=messages, record=record))
        if answered:
            started = interaction.sla_started_at
            answer = next(
                (m for m in messages if m.direction == Direction.OUT and started and m.created_at >= started), None
            )
            if answer is not None:
                batch.answered_on_arrival.append((interaction, answer.created_at, answer.author == Author.AUTO_REPLY))
            clock_stop(interaction, paused=_asks(interaction=interaction, text=answer.text if answer else ""))
    return interaction


def _asks(*, interaction: Interaction, text: str) -> bool:
    return interaction.status == Status.WAITING and interaction.kind == Kind.CHAT and asks_buyer(text)


def _cycles_on_arrival(batch: _Batch) -> None:
    """Items that arrive answered still count in the reports: their wait ended with that answer."""
    for interaction, ended_at, auto_reply in batch.answered_on_arrival:
        cycle = cycle_build(
            interaction,
            ended_at=ended_at,
            outcome=CycleOutcome.RESPONDED,
            rules=batch.rules,
            working_time=batch.working_time,
            is_auto_reply=auto_reply,
        )
        if cycle is not None:
            batch.cycles.append(cycle)


def _waiting_since(*, messages: Sequence[MessageRecord], record: InteractionRecord) -> datetime:
    """When the buyer started waiting: their first message after our last reply (the same fresh deadline a
    buyer's new message gets on a known interaction), else the item's creation."""
    last_out = next((m for m in reversed(messages) if m.direction == Direction.OUT), None)
    if last_out is None:
        return record.created_at
    after = [m.created_at for m in messages if m.direction == Direction.IN and m.created_at > last_out.created_at]
    return min(after, default=record.created_at)


def _after_create(*, batch: _Batch, interaction: Interaction, record: InteractionRecord) -> None:
    batch.events.append(
        event_build(interaction_id=interaction.pk, kind=Event.CREATED, data={"source": "sync"}, created_at=batch.now)
    )
    for message in sorted(record.messages, key=lambda m: m.created_at):
        batch.new_messages.append(_build_message(interaction=interaction, record=message))
    customer = batch.customers.get(customer_key(record.customer))
    if customer is not None:
        batch.customers_changed.add(customer.external_id)
        customer_count_interaction(customer=customer, record=record)


def _build_message(*, interaction: Interaction, record: MessageRecord) -> Message:
    outgoing = record.direction == Direction.OUT
    answer = outgoing and is_answer_kind(interaction.kind)
    return Message(
        interaction_id=interaction.pk,
        seller_id=interaction.seller_id,
        direction=record.direction,
        author=record.author or (Author.SELLER if outgoing else Author.BUYER),
        text=record.text,
        attachments=record.attachments,
        external_id=record.external_id,
        created_at=record.created_at,
        delivery_state=DeliveryState.SENT if outgoing else "",
        sent_at=record.created_at if outgoing else None,
        marketplace_state=(record.answer_state or "published") if answer else "",
        marketplace_reason=record.answer_reason if answer else "",
        marketplace_state_at=timezone.now() if answer else None,
        marketplace_editable=record.answer_editable if answer else None,
    )


def _apply_to_existing(
    *,
    batch: _Batch,
    interaction: Interaction,
    record: InteractionRecord,
    known: set[str],
    ours: list[Message],
    answers: dict[str, Message],
    result: UpsertResult,
) -> set[str]:
    """Apply a record to a known interaction; returns the fields it changed (empty: nothing to write)."""
    before = {f: getattr(interaction, f) for f in _COMPARED_FIELDS}
    if record.product_id:
        interaction.product_id = record.product_id
    if record.product_name:
        interaction.product_name = record.product_name[:500]
    if record.rating is not None:
        interaction.rating = record.rating
    if record.reply_context:
        interaction.reply_context = {**interaction.reply_context, **record.reply_context}

    name = author_name(record.customer)
    if name and name != interaction.author_name:
        # A buyer may rename themselves; the marketplace's latest spelling is what the seller sees there.
        interaction.author_name = name
        if name.lower() not in interaction.search_text.lower():
            interaction.search_text = _search_text(interaction.search_text, name)

    customer = batch.customers.get(customer_key(record.customer))
    if customer is not None and interaction.customer_id is None:
        interaction.customer = customer
    elif customer is not None and customer.pk != interaction.customer_id:
        customer = None

    new_buyer_message = False
    answered_now = False
    if answers:
        _answer_states(batch=batch, interaction=interaction, record=record, answers=answers)
    for message in sorted(record.messages, key=lambda m: m.created_at):
        if message.external_id in known:
            continue
        known.add(message.external_id)
        if message.direction == Direction.IN:
            new_buyer_message = True
            _on_buyer_message(batch=batch, interaction=interaction, message=message, customer=customer, result=result)
        else:
            answered_now = True
            _on_seller_message(batch=batch, interaction=interaction, message=message, ours=ours)

    if record.is_answered and not answered_now and not new_buyer_message and interaction.needs_response:
        # The marketplace says it is answered, though we never saw the answer (Ozon PROCESSED).
        batch.end_wait(interaction=interaction, ended_at=batch.now, outcome=CycleOutcome.ANSWERED_ELSEWHERE)
        interaction.needs_response = False
        clock_stop(interaction)
        if interaction.first_responded_at is None:
            interaction.first_response_due_at = None

    changed = {"customer" if f == "customer_id" else f for f in before if getattr(interaction, f) != before[f]}
    if changed:
        interaction.updated_at = batch.now
    return changed


def _on_buyer_message(
    *,
    batch: _Batch,
    interaction: Interaction,
    message: MessageRecord,
    customer: Customer | None,
    result: UpsertResult,
) -> None:
    batch.new_messages.append(_build_message(interaction=interaction, record=message))
    if interaction.pk not in result.buyer_message_ids:
        result.buyer_message_ids.append(interaction.pk)
    # The analysis stays on show, but is due again: the buyer said something new.
    interaction.ai_analyzed_at = None
    batch.events.append(
        event_build(
            interaction_id=interaction.pk,
            kind=Event.BUYER_MESSAGE,
            data={"external_id": message.external_id},
            created_at=batch.now,
        )
    )
    if interaction.status == Status.CLOSED:
        batch.events.append(
            event_build(
                interaction_id=interaction.pk,
                kind=Event.REOPENED,
                data={"reason": "buyer_message"},
                created_at=batch.now,
            )
        )
        if interaction.pk not in result.reopened_ids:
            result.reopened_ids.append(interaction.pk)
        interaction.closed_at = None
    had_response = interaction.first_responded_at is not None or not interaction.needs_response
    interaction.status = Status.OPEN
    interaction.needs_response = True
    interaction.is_read = False
    if had_response or interaction.first_response_due_at is None:
        batch.deadline(interaction=interaction, start=message.created_at)
    _touch_times(interaction=interaction, message=message)
    interaction.search_text = _search_text(interaction.search_text, message.text)
    if customer is not None:
        batch.customers_changed.add(customer.external_id)
        customer.last_seen_at = max(customer.last_seen_at, message.created_at)


def _on_seller_message(*, batch: _Batch, interaction: Interaction, message: MessageRecord, ours: list[Message]) -> None:
    text = normalize_text(message.text)
    mine = next((m for m in ours if m.external_id is None and normalize_text(m.text) == text), None)
    if mine is not None:
        # Our own reply read back by sync (WB and Ozon chat sends return no id): adopt the id.
        mine.external_id = message.external_id
        if is_answer_kind(interaction.kind) and not mine.marketplace_state:
            mine.marketplace_state = message.answer_state or "published"
            mine.marketplace_reason = message.answer_reason
            mine.marketplace_state_at = batch.now
            mine.marketplace_editable = message.answer_editable
        if mine.delivery_state != DeliveryState.SENT:
            mine.delivery_state = DeliveryState.SENT
            mine.sent_at = mine.sent_at or message.created_at
            batch.events.append(
                event_build(
                    interaction_id=interaction.pk,
                    kind=Event.REPLY_SENT,
                    data={"message_id": mine.pk, "confirmed_by": "sync"},
                    created_at=batch.now,
                )
            )
        batch.messages_to_update[mine.pk] = mine
    else:
        batch.new_messages.append(_build_message(interaction=interaction, record=message))
        batch.events.append(
            event_build(
                interaction_id=interaction.pk,
                kind=Event.SELLER_MESSAGE,
                data={"external_id": message.external_id},
                created_at=batch.now,
            )
        )
        interaction.search_text = _search_text(interaction.search_text, message.text)
    if interaction.first_responded_at is None:
        interaction.first_responded_at = message.created_at
    batch.end_wait(
        interaction=interaction,
        ended_at=message.created_at,
        outcome=CycleOutcome.RESPONDED,
        auto_reply=message.author == Author.AUTO_REPLY,
    )
    interaction.needs_response = False
    if interaction.kind in batch.closed_kinds:
        if interaction.status != Status.CLOSED:
            interaction.status = Status.CLOSED
            interaction.closed_at = message.created_at
    elif interaction.status != Status.CLOSED:
        interaction.status = Status.WAITING
    clock_stop(interaction, paused=_asks(interaction=interaction, text=message.text))
    _touch_times(interaction=interaction, message=message)


def _answer_states(
    *, batch: _Batch, interaction: Interaction, record: InteractionRecord, answers: dict[str, Message]
) -> None:
    """What the record says of the seller answers we hold: their state, text, editability, or absence."""
    listed = {m.external_id: m for m in record.messages if m.direction == Direction.OUT}

    def restart_wait(target: Interaction) -> None:
        batch.deadline(interaction=target, start=batch.now)

    for external_id, message in list(answers.items()):
        seen = listed.get(external_id)
        if seen is not None:
            answer_observe(
                interaction=interaction, message=message, seen=seen, changes=batch.answers, restart_wait=restart_wait
            )
        elif checks(record, external_id):
            answer_unlisted(
                interaction=interaction,
                message=message,
                record=record,
                changes=batch.answers,
                restart_wait=restart_wait,
            )
            if message.external_id is None:
                answers.pop(external_id)


def _touch_times(*, interaction: Interaction, message: MessageRecord) -> None:
    if interaction.last_message_at is None or message.created_at > interaction.last_message_at:
        interaction.last_message_at = message.created_at
    if message.direction == Direction.IN and (
        interaction.last_buyer_message_at is None or message.created_at > interaction.last_buyer_message_at
    ):
        interaction.last_buyer_message_at = message.created_at
